//! The types of `.ced` values, assignability and joins.

use crate::domain::Domain;
use cedc_diagnostics::Span;
use cedc_names::ModuleId;
use cedc_syntax::ast::Expr;
use indexmap::IndexMap;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Type {
    /// Anything: the escape hatch, and the type of unknown fields of open records.
    #[default]
    Any,
    /// The result of an earlier error: compatible with everything, so one mistake gives
    /// one diagnostic.
    Error,
    /// No value (element type of `[]`, the payload of `none`).
    Never,
    Bool,
    Int,
    String,
    Domain(Domain),
    /// A union of string literals: `"web" | "worker"`.
    Enum(Arc<BTreeSet<String>>),
    List(Box<Type>),
    Map(Box<Type>),
    Optional(Box<Type>),
    Record(Arc<RecordType>),
    Env,
    /// A reference to a secret where it lives (Vault, an existing Kubernetes Secret):
    /// made only by the secret built-ins, never from a string; it goes only where a
    /// `Secret` is expected, and `secret_ref` turns it into the name and key of the
    /// Kubernetes Secret that holds it (docs/secrets.md).
    Secret,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordType {
    /// The alias it was declared as (`Object`), for messages.
    pub name: Option<String>,
    pub fields: IndexMap<String, FieldType>,
    /// Open records (`..`) accept fields they do not declare.
    pub open: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldType {
    pub ty: Type,
    /// `name?: T`: may be left out (absent means `none`).
    pub optional: bool,
    /// `name: T = expr`: filled in when left out.
    pub default: Option<Arc<DefaultExpr>>,
    pub doc: Option<String>,
    pub span: Option<Span>,
}

impl FieldType {
    pub fn required(&self) -> bool {
        !self.optional && self.default.is_none()
    }
}

/// A default value expression and the module whose scope it is evaluated in.
#[derive(Clone, Debug, PartialEq)]
pub struct DefaultExpr {
    pub module: ModuleId,
    pub expr: Expr,
}

impl Type {
    pub fn optional(t: Type) -> Type {
        match t {
            Type::Optional(_) | Type::Any | Type::Error => t,
            t => Type::Optional(Box::new(t)),
        }
    }
    pub fn is_error(&self) -> bool {
        matches!(self, Type::Error)
    }
    /// Strings and string-like types (interpolation, `+`).
    pub fn is_stringish(&self) -> bool {
        matches!(self, Type::String | Type::Enum(_)) || matches!(self, Type::Domain(d) if !d.is_int())
    }
    pub fn is_intish(&self) -> bool {
        matches!(self, Type::Int | Type::Domain(Domain::Port))
    }
    /// Whether a value of this type is or holds a [`Type::Secret`]: such values go only
    /// where a `Secret` is expected, never into `Any` (an object's free fields, a chart's
    /// untyped values) nor into a string.
    pub fn holds_secret(&self) -> bool {
        match self {
            Type::Secret => true,
            Type::List(t) | Type::Map(t) | Type::Optional(t) => t.holds_secret(),
            Type::Record(r) => r.fields.values().any(|f| f.ty.holds_secret()),
            _ => false,
        }
    }
    pub fn record(&self) -> Option<&RecordType> {
        match self {
            Type::Record(r) => Some(r),
            _ => None,
        }
    }
}

/// Can a value of type `from` be used where `to` is expected? Refinements (domain
/// types, unions) accept their base type: such values are validated when evaluated.
pub fn assignable(from: &Type, to: &Type) -> bool {
    use Type::*;
    match (from, to) {
        (Error, _) | (_, Error) | (Never, _) => true,
        // A secret never becomes untyped data, and untyped data never becomes a secret.
        (_, Any) => !from.holds_secret(),
        (Any, Secret) => false,
        (Any, _) => true,
        (Optional(a), Optional(b)) => assignable(a, b),
        (Optional(_), _) => false,
        (a, Optional(b)) => assignable(a, b),
        (Bool, Bool) | (Int, Int) | (String, String) | (Env, Env) | (Secret, Secret) => true,
        (Domain(a), Domain(b)) => a == b || (*a == crate::Domain::Label && *b == crate::Domain::Name),
        (Domain(d), String) => !d.is_int(),
        (Domain(d), Int) => d.is_int(),
        (String, Domain(d)) => !d.is_int(),
        (Int, Domain(d)) => d.is_int(),
        (Enum(_), String) => true,
        (Enum(_), Domain(d)) => !d.is_int(),
        (Enum(a), Enum(b)) => a.is_subset(b),
        (String, Enum(_)) => true,
        (List(a), List(b)) | (Map(a), Map(b)) => assignable(a, b),
        (Record(r), Map(t)) => r.fields.values().all(|f| assignable(&f.ty, t)),
        (Record(a), Record(b)) => record_assignable(a, b),
        _ => false,
    }
}

fn record_assignable(a: &RecordType, b: &RecordType) -> bool {
    for (name, fb) in &b.fields {
        match a.fields.get(name) {
            Some(fa) => {
                if fa.optional && fb.required() {
                    return false;
                }
                if !assignable(&fa.ty, &fb.ty) {
                    return false;
                }
            }
            None if fb.required() => return false,
            None => {}
        }
    }
    // The fields an open record does not declare are untyped: no secret goes there.
    a.fields.iter().filter(|(k, _)| !b.fields.contains_key(*k)).all(|(_, f)| b.open && !f.ty.holds_secret())
}

/// The smallest common type of two values (list elements, `if`/`match` branches).
/// `None` when there is none.
pub fn join(a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    match (a, b) {
        (Never, t) | (t, Never) => Some(t.clone()),
        (Optional(x), Optional(y)) => join(x, y).map(Type::optional),
        (Optional(x), y) | (y, Optional(x)) => join(x, y).map(Type::optional),
        (Enum(x), Enum(y)) => Some(Enum(Arc::new(x.union(y).cloned().collect()))),
        (Record(x), Record(y)) if x != y => {
            let mut fields = IndexMap::new();
            for (k, fx) in &x.fields {
                match y.fields.get(k) {
                    Some(fy) => {
                        let ty = join(&fx.ty, &fy.ty)?;
                        fields.insert(
                            k.clone(),
                            FieldType {
                                ty,
                                optional: fx.optional || fy.optional,
                                default: None,
                                doc: fx.doc.clone(),
                                span: fx.span,
                            },
                        );
                    }
                    None => {
                        fields.insert(k.clone(), FieldType { optional: true, default: None, ..fx.clone() });
                    }
                }
            }
            for (k, fy) in &y.fields {
                if !x.fields.contains_key(k) {
                    fields.insert(k.clone(), FieldType { optional: true, default: None, ..fy.clone() });
                }
            }
            let name = if x.name == y.name { x.name.clone() } else { None };
            Some(Record(Arc::new(RecordType { name, fields, open: x.open || y.open })))
        }
        (List(x), List(y)) => join(x, y).map(|t| List(Box::new(t))),
        (Map(x), Map(y)) => join(x, y).map(|t| Map(Box::new(t))),
        _ if assignable(a, b) && !matches!(a, Any | Error) => Some(b.clone()),
        _ if assignable(b, a) => Some(a.clone()),
        (Domain(_) | Enum(_) | String, Domain(_) | Enum(_) | String) => Some(String),
        _ => None,
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("Any"),
            Type::Error => f.write_str("<error>"),
            Type::Never => f.write_str("Never"),
            Type::Bool => f.write_str("Bool"),
            Type::Int => f.write_str("Int"),
            Type::String => f.write_str("String"),
            Type::Domain(d) => write!(f, "{d}"),
            Type::Enum(members) => {
                let parts: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
                f.write_str(&parts.join(" | "))
            }
            Type::List(t) => write!(f, "List<{t}>"),
            Type::Map(t) => write!(f, "Map<{t}>"),
            Type::Optional(t) => match **t {
                Type::Never => f.write_str("none"),
                Type::Enum(_) => write!(f, "({t})?"),
                _ => write!(f, "{t}?"),
            },
            Type::Env => f.write_str("Env"),
            Type::Secret => f.write_str("Secret"),
            Type::Record(r) => match &r.name {
                Some(n) => f.write_str(n),
                None => {
                    f.write_str("{ ")?;
                    for (i, (k, v)) in r.fields.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        if i >= 6 {
                            f.write_str("...")?;
                            break;
                        }
                        let k = cedc_syntax::field::written(k);
                        write!(f, "{k}{}: {}", if v.optional { "?" } else { "" }, v.ty)?;
                    }
                    if r.open {
                        f.write_str(", ..")?;
                    }
                    f.write_str(" }")
                }
            },
        }
    }
}
