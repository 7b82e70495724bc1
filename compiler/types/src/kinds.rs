//! Kubernetes kinds as types: `Kind<"apps/v1", "Deployment">` is the record type of a
//! Deployment, converted from its schema (built-in or CRD). Field names, types, required
//! fields, enums, maps and docs come along, so the checker catches a misplaced field
//! before evaluation and the language server completes and explains fields.
//!
//! The conversion is shallow where the language is: int-or-string and numbers become
//! `Any` and `Int` (the validator checks the exact rules after evaluation), formats and
//! patterns are left to the validator, and definitions deeper than [`MAX_DEPTH`] (some
//! refer to themselves) become `Any`.

use crate::domain::Domain;
use crate::ty::{DefaultExpr, FieldType, RecordType, Type};
use cedc_diagnostics::{Span, a_or_an};
use cedc_names::ModuleId;
use cedc_schema::{Additional, Registry, Schema, Ty};
use cedc_syntax::ast::{Expr, ExprKind, StrExpr, StrPart};
use indexmap::IndexMap;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Nesting of definitions converted before giving up with `Any`.
pub const MAX_DEPTH: usize = 24;

const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// Converts schemas to types, sharing the types of named definitions.
pub struct KindTypes<'r> {
    registry: &'r Registry,
    cache: HashMap<Arc<str>, Type>,
    /// Set when a conversion stopped at [`MAX_DEPTH`]: its result is not shared.
    truncated: bool,
}

impl<'r> KindTypes<'r> {
    pub fn new(registry: &'r Registry) -> Self {
        KindTypes { registry, cache: HashMap::new(), truncated: false }
    }

    /// The type of a kind's objects, `None` when the registry does not know it.
    /// `apiVersion` and `kind` are filled in by default, so a value of this type only
    /// has to give `metadata` and what the kind requires.
    pub fn kind(&mut self, api_version: &str, kind: &str) -> Option<Type> {
        let k = self.registry.lookup(api_version, kind)?;
        let schema = k.schema.clone();
        let ty = self.convert(&schema, 0);
        let Type::Record(r) = ty else { return Some(ty) };
        let mut r = (*r).clone();
        r.name = Some(kind.to_string());
        for (field, value) in [("apiVersion", api_version), ("kind", kind)] {
            r.fields.insert(
                field.to_string(),
                FieldType {
                    ty: Type::Enum(Arc::new(BTreeSet::from([value.to_string()]))),
                    optional: false,
                    default: Some(Arc::new(string_default(value))),
                    doc: Some(format!("Always `{}` for {}.", value, a_or_an(&kind))),
                    span: None,
                },
            );
        }
        // The prelude's `Object` requires `metadata`; every kind has it.
        if let Some(m) = r.fields.get_mut("metadata") {
            m.optional = false;
        }
        Some(Type::Record(Arc::new(r)))
    }

    fn convert(&mut self, s: &Schema, depth: usize) -> Type {
        if depth > MAX_DEPTH {
            self.truncated = true;
            return Type::Any;
        }
        let t = match &s.ty {
            Ty::Any | Ty::IntOrString(_) | Ty::Number(_) => Type::Any,
            Ty::Boolean => Type::Bool,
            Ty::Integer(_) => Type::Int,
            Ty::String(rules) => match &rules.enum_values {
                Some(values) if !values.is_empty() => Type::Enum(Arc::new(values.iter().cloned().collect())),
                _ => Type::String,
            },
            Ty::Array(a) => Type::List(Box::new(match &a.items {
                Some(items) => self.convert(items, depth + 1),
                None => Type::Any,
            })),
            Ty::Ref(name) => {
                if &**name == QUANTITY {
                    return Type::Domain(Domain::Quantity);
                }
                if let Some(t) = self.cache.get(name) {
                    return t.clone();
                }
                let Some(target) = self.registry.definitions.get(name).cloned() else { return Type::Any };
                let outer = std::mem::replace(&mut self.truncated, false);
                let t = self.convert(&target, depth + 1);
                // Only complete conversions are shared: one cut short by depth may be
                // reached again from a shallower place.
                if !self.truncated {
                    self.cache.insert(name.clone(), t.clone());
                }
                self.truncated |= outer;
                t
            }
            Ty::Object(o) => {
                if o.properties.is_empty() {
                    match &o.additional {
                        Additional::Schema(v) => return Type::Map(Box::new(self.convert(v, depth + 1))),
                        Additional::Any => return Type::Any,
                        Additional::Forbidden => {}
                    }
                }
                let mut fields = IndexMap::new();
                for (name, p) in &o.properties {
                    let ty = self.convert(p, depth + 1);
                    let doc = p.description.clone().or_else(|| self.registry.resolve(p).description.clone());
                    let optional = !o.required.contains(name);
                    fields.insert(name.clone(), FieldType { ty, optional, default: None, doc, span: None });
                }
                let open = !matches!(o.additional, Additional::Forbidden);
                Type::Record(Arc::new(RecordType { name: None, fields, open }))
            }
        };
        if s.nullable { Type::optional(t) } else { t }
    }
}

/// `"value"` as the default expression of a field.
pub(crate) fn string_default(value: &str) -> DefaultExpr {
    let expr = Expr {
        kind: ExprKind::Str(StrExpr { parts: vec![StrPart::Text(value.to_string())], triple: false }),
        span: Span::default(),
    };
    DefaultExpr { module: ModuleId(0), expr }
}
