//! The type checker: resolves every name and type, checks every declaration, call,
//! record, match and override before anything is evaluated, and reports every error it
//! finds. Its result ([`Checked`]) tells evaluation the types it needs at run time
//! (parameter types with defaults, annotations, the environments).
//!
//! This module holds the checker's state, the declarations (lets, functions,
//! environments, components) and expressions in general; each seam is a module of its
//! own, all `impl Checker`: [`type_exprs`] (written types), [`records`] (record
//! literals and patches), [`operators`] (operators, `for`, `match`), [`calls`] (user
//! and built-in functions), [`overrides`] (`in` blocks).

mod calls;
mod composites;
mod operators;
mod overrides;
mod records;
mod type_exprs;

pub use composites::CompositeInfo;
use records::field_list;

use crate::domain::Domain;
use crate::ty::{DefaultExpr, FieldType, RecordType, Type, assignable, join};
use cedc_diagnostics::{Diagnostic, Diagnostics, Span, a_or_an, did_you_mean};
use cedc_names::{Builtin, Def, ModuleId, Program};
use cedc_syntax::ast::*;
use cedc_syntax::field::{segment, written};
use indexmap::IndexMap;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Longest chain of declarations whose types depend on each other.
const MAX_DECL_CHAIN: usize = 512;

pub type DeclKey = (ModuleId, String);

/// A local value in scope: a parameter, a `let … in` binding or a `for` variable.
struct Local {
    name: String,
    /// The span of the binding's name: what `Def::Local` names.
    span: Span,
    ty: Type,
}

impl Local {
    fn new(binding: &Ident, ty: Type) -> Local {
        Local { name: binding.name.clone(), span: binding.span, ty }
    }
}

/// Fields one environment declares: name → (type, span of the name).
type EnvFields = IndexMap<String, (Type, Span)>;

#[derive(Clone, Debug)]
pub struct FnSig {
    pub params: Vec<ParamSig>,
    pub ret: Type,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ParamSig {
    pub name: String,
    pub ty: Type,
    pub default: Option<Arc<DefaultExpr>>,
}

#[derive(Clone, Debug)]
pub struct EnvInfo {
    pub name: String,
    pub module: ModuleId,
    pub item: usize,
    pub span: Span,
}

/// One `path = value` of an `in <envs> { ... }` block, resolved.
#[derive(Clone, Debug)]
pub struct OverrideInfo {
    pub envs: Vec<String>,
    /// The module holding the override block (its scope evaluates the value).
    pub module: ModuleId,
    pub item: usize,
    pub set: usize,
    /// The overridden declaration.
    pub target: DeclKey,
    /// Field path inside the declaration's value.
    pub path: Vec<String>,
    pub ty: Type,
    pub span: Span,
}

/// What the checker learned, for evaluation and tools.
#[derive(Debug, Default)]
pub struct Checked {
    pub fns: HashMap<DeclKey, Arc<FnSig>>,
    /// Types of `let` declarations given an annotation (values are conformed to it).
    pub let_annotations: HashMap<DeclKey, Type>,
    /// Types of every `let` declaration (annotated or inferred).
    pub let_types: HashMap<DeclKey, Type>,
    pub envs: Vec<EnvInfo>,
    /// Declared env attributes and their types (plus the built-in `name`).
    pub env_fields: IndexMap<String, Type>,
    /// `(module, item index)` of every component, in load order.
    pub components: Vec<(ModuleId, usize)>,
    pub component_type: Type,
    pub overrides: Vec<OverrideInfo>,
    /// For tools (hover, completion): the type of every local binding (parameter,
    /// `let … in`, `for` variable) by the span of its name…
    pub local_types: HashMap<Span, Type>,
    /// …and the record type each record literal was checked against, by its span.
    pub record_literals: Vec<(Span, Arc<RecordType>)>,
    /// Expressions whose value evaluation must complete to a type the program does not
    /// otherwise give it, by span: the right side of `a ?? b` takes the type of `a`'s
    /// value, so `(opt ?? {}).field` reads an omitted optional field as `none`.
    pub conform_at: HashMap<Span, Type>,
    /// Every `composite` declaration (docs/crossplane.md), in the order first met.
    pub composites: IndexMap<DeclKey, CompositeInfo>,
}

/// Check a program knowing no Kubernetes kinds (`Kind<...>` types are errors).
pub fn check(program: &Program) -> (Checked, Diagnostics) {
    check_with(program, &cedc_schema::Registry::default())
}

/// Check a program; `Kind<"apiVersion", "Kind">` types come from `registry`.
pub fn check_with(program: &Program, registry: &cedc_schema::Registry) -> (Checked, Diagnostics) {
    let mut c = Checker {
        p: program,
        kinds: crate::kinds::KindTypes::new(registry),
        registry,
        diags: Vec::new(),
        module: ModuleId(0),
        locals: Vec::new(),
        type_cache: HashMap::new(),
        alias_stack: Vec::new(),
        let_stack: Vec::new(),
        out: Checked::default(),
    };
    c.run();
    (c.out, c.diags)
}

struct Checker<'p> {
    p: &'p Program,
    kinds: crate::kinds::KindTypes<'p>,
    registry: &'p cedc_schema::Registry,
    diags: Diagnostics,
    module: ModuleId,
    /// The locals in scope, innermost last. A use finds its local by the span of the
    /// binding the resolution names (`Def::Local`), never by name.
    locals: Vec<Local>,
    /// Resolved type expressions, by span (each resolved and its defaults checked once).
    type_cache: HashMap<Span, Type>,
    alias_stack: Vec<DeclKey>,
    let_stack: Vec<DeclKey>,
    out: Checked,
}

enum Decl<'a> {
    Let(&'a LetDecl),
    Fn(&'a FnDecl),
    Composite(&'a CompositeDecl),
    Type(&'a TypeDecl),
    Env,
    Component(&'a ComponentDecl),
}

const BUILTIN_TYPES: &[&str] = cedc_names::builtins::TYPES;

impl<'p> Checker<'p> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn decl(&self, m: ModuleId, name: &str) -> Option<(usize, Decl<'p>)> {
        let module = self.p.module(m);
        let idx = *module.decls.get(name)?;
        let item = &module.ast.items[idx];
        let d = match &item.kind {
            ItemKind::Let(d) => Decl::Let(d),
            ItemKind::Fn(d) => Decl::Fn(d),
            ItemKind::Composite(d) => Decl::Composite(d),
            ItemKind::Type(d) => Decl::Type(d),
            ItemKind::Env(_) => Decl::Env,
            ItemKind::Component(d) => Decl::Component(d),
            _ => return None,
        };
        Some((idx, d))
    }

    fn with_module<T>(&mut self, m: ModuleId, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved_m = std::mem::replace(&mut self.module, m);
        let saved_l = std::mem::take(&mut self.locals);
        let r = f(self);
        self.module = saved_m;
        self.locals = saved_l;
        r
    }

    // ------------------------------------------------------------ the passes

    fn run(&mut self) {
        self.collect_envs();
        self.out.component_type = self.prelude_type("Component");
        let p = self.p;
        let mut component_names: HashMap<String, Span> = HashMap::new();
        for m in &p.modules {
            self.module = m.id;
            for (idx, item) in m.ast.items.iter().enumerate() {
                match &item.kind {
                    ItemKind::Let(d) => {
                        self.let_type(m.id, &d.name.name, d.name.span);
                    }
                    ItemKind::Type(d) => {
                        self.alias_type(m.id, &d.name.name, d.name.span);
                    }
                    ItemKind::Fn(d) => self.check_fn(m.id, d),
                    ItemKind::Composite(d) => self.check_composite(m.id, d),
                    ItemKind::Component(d) => {
                        if let Err(why) = crate::domain::dns_label(&d.name.name) {
                            self.err(
                                Diagnostic::error("E0071", format!("`{}` is not a valid component name: {why}", d.name.name))
                                    .at(d.name.span, "invalid component name")
                                    .help("component names become directory names and labels: use lowercase letters, digits and `-` (a DNS-1123 label)"),
                            );
                        }
                        if let Some(prev) = component_names.get(&d.name.name) {
                            self.err(
                                Diagnostic::error("E0021", format!("component `{}` is declared twice", d.name.name))
                                    .at(d.name.span, "declared again here")
                                    .also(*prev, "first declared here")
                                    .help("component names are unique across the whole platform; rename one"),
                            );
                        } else {
                            component_names.insert(d.name.name.clone(), d.name.span);
                            self.out.components.push((m.id, idx));
                        }
                        let ct = self.out.component_type.clone();
                        self.with_module(m.id, |c| c.check(&d.body, &ct));
                    }
                    ItemKind::Override(o) => self.check_override(m.id, idx, o),
                    ItemKind::Import(_) | ItemKind::Env(_) => {}
                }
            }
        }
        self.check_override_conflicts();
    }

    fn prelude_type(&mut self, name: &str) -> Type {
        match self.p.prelude {
            Some(pm) if self.p.module(pm).decls.contains_key(name) => self.alias_type(pm, name, Span::default()),
            _ => Type::Any,
        }
    }

    fn collect_envs(&mut self) {
        let p = self.p;
        let mut seen: IndexMap<String, Span> = IndexMap::new();
        let mut per_env: Vec<(Span, EnvFields)> = Vec::new();
        for m in &p.modules {
            for (idx, item) in m.ast.items.iter().enumerate() {
                let ItemKind::Env(e) = &item.kind else { continue };
                if let Some(prev) = seen.get(&e.name.name) {
                    self.err(
                        Diagnostic::error("E0021", format!("environment `{}` is declared twice", e.name.name))
                            .at(e.name.span, "declared again here")
                            .also(*prev, "first declared here")
                            .help("each environment is declared once; put its values in one `env` block"),
                    );
                    continue;
                }
                if let Err(why) = crate::domain::dns_label(&e.name.name) {
                    self.err(
                        Diagnostic::error("E0040", format!("`{}` is not a valid environment name: {why}", e.name.name))
                            .at(e.name.span, "invalid environment name")
                            .help(Domain::Label.help()),
                    );
                }
                seen.insert(e.name.name.clone(), e.name.span);
                self.out.envs.push(EnvInfo { name: e.name.name.clone(), module: m.id, item: idx, span: e.name.span });
                let mut fields = IndexMap::new();
                self.module = m.id;
                for f in &e.fields {
                    let Key::Static(k, kspan) = &f.key else {
                        self.err(
                            Diagnostic::error("E0300", "environment fields need fixed names")
                                .at(f.key.span(), "computed name")
                                .help("write the field name without interpolation"),
                        );
                        continue;
                    };
                    if &**k == "name" {
                        self.err(
                            Diagnostic::error("E0036", "`name` is built into every environment")
                                .at(*kspan, "reserved field")
                                .help("`env.name` is the environment's own name; pick another field name"),
                        );
                        continue;
                    }
                    let t = self.infer(&f.value);
                    fields.insert(k.to_string(), (t, *kspan));
                }
                per_env.push((e.name.span, fields));
            }
        }
        // Every environment declares the same fields, with compatible types.
        let mut all: IndexMap<String, (Type, Span)> = IndexMap::new();
        for (_, fields) in &per_env {
            for (k, (t, s)) in fields {
                match all.get_mut(k) {
                    None => {
                        all.insert(k.clone(), (t.clone(), *s));
                    }
                    Some((prev, prev_span)) => match join(prev, t) {
                        Some(j) => *prev = j,
                        None => {
                            let d = Diagnostic::error(
                                "E0036",
                                format!(
                                    "environment field `{}` is {} here but {} in another environment",
                                    k,
                                    a_or_an(&t),
                                    a_or_an(&prev)
                                ),
                            )
                            .at(*s, format!("this is {}", a_or_an(&t)))
                            .also(*prev_span, format!("this is {}", a_or_an(&prev)))
                            .help("give the field the same type in every environment");
                            self.diags.push(d);
                        }
                    },
                }
            }
        }
        for (env_span, fields) in &per_env {
            for (k, (_, s)) in &all {
                if !fields.contains_key(k) {
                    self.err(
                        Diagnostic::error("E0036", format!("this environment does not declare `{k}`"))
                            .at(*env_span, format!("missing `{k}`"))
                            .also(*s, "declared by another environment here")
                            .help(format!("every environment declares the same fields: add `{k}: ...` to this one")),
                    );
                }
            }
        }
        self.out.env_fields.insert("name".into(), Type::Domain(Domain::Label));
        for (k, (t, _)) in all {
            self.out.env_fields.insert(k, t);
        }
    }

    fn env_names(&self) -> Vec<&str> {
        self.out.envs.iter().map(|e| e.name.as_str()).collect()
    }

    fn is_env(&self, name: &str) -> bool {
        self.out.envs.iter().any(|e| e.name == name)
    }

    // ----------------------------------------------------------------- decls

    fn let_type(&mut self, m: ModuleId, name: &str, use_span: Span) -> Type {
        let key = (m, name.to_string());
        if let Some(t) = self.out.let_types.get(&key) {
            return t.clone();
        }
        if self.let_stack.contains(&key) {
            let chain: Vec<&str> = self.let_stack.iter().skip_while(|k| **k != key).map(|k| k.1.as_str()).collect();
            self.err(
                Diagnostic::error("E0024", format!("`{name}` depends on itself: {} → {name}", chain.join(" → ")))
                    .at(use_span, "used here, inside its own definition")
                    .help("a declaration cannot use its own value; compute it from other declarations"),
            );
            return Type::Error;
        }
        if self.let_stack.len() >= MAX_DECL_CHAIN {
            self.err(
                Diagnostic::error(
                    "E0061",
                    format!("declarations depend on each other more than {MAX_DECL_CHAIN} deep"),
                )
                .at(use_span, "chain too long here")
                .help("shorten the chain of declarations that use one another"),
            );
            return Type::Error;
        }
        let Some((_, Decl::Let(d))) = self.decl(m, name) else { return Type::Error };
        self.let_stack.push(key.clone());
        let t = self.with_module(m, |c| match &d.ty {
            Some(te) => {
                let t = c.resolve_type(te);
                c.check(&d.value, &t);
                c.out.let_annotations.insert(key.clone(), t.clone());
                t
            }
            None => c.infer(&d.value),
        });
        self.let_stack.pop();
        self.out.let_types.insert(key, t.clone());
        t
    }

    fn alias_type(&mut self, m: ModuleId, name: &str, use_span: Span) -> Type {
        let key = (m, name.to_string());
        let Some((_, Decl::Type(d))) = self.decl(m, name) else { return Type::Error };
        if let Some(t) = self.type_cache.get(&d.ty.span) {
            return t.clone();
        }
        if self.alias_stack.contains(&key) {
            self.err(
                Diagnostic::error("E0024", format!("type `{name}` is defined in terms of itself"))
                    .at(use_span, "recursive use")
                    .help("types cannot be recursive; use `Any` or a list of a simpler type"),
            );
            return Type::Error;
        }
        self.alias_stack.push(key);
        let t = self.with_module(m, |c| c.resolve_type(&d.ty));
        self.alias_stack.pop();
        let t = match t {
            Type::Record(r) if r.name.is_none() => {
                Type::Record(Arc::new(RecordType { name: Some(name.to_string()), ..(*r).clone() }))
            }
            t => t,
        };
        self.type_cache.insert(d.ty.span, t.clone());
        t
    }

    fn fn_sig(&mut self, m: ModuleId, name: &str) -> Option<Arc<FnSig>> {
        let key = (m, name.to_string());
        if let Some(s) = self.out.fns.get(&key) {
            return Some(s.clone());
        }
        let Some((_, Decl::Fn(d))) = self.decl(m, name) else { return None };
        let sig = self.with_module(m, |c| {
            let mut params: Vec<ParamSig> = Vec::new();
            for p in &d.params {
                if params.iter().any(|q| q.name == p.name.name) {
                    c.err(
                        Diagnostic::error("E0021", format!("parameter `{}` is declared twice", p.name.name))
                            .at(p.name.span, "repeated parameter")
                            .help("give each parameter its own name"),
                    );
                }
                let ty = c.resolve_type(&p.ty);
                let default = p.default.as_ref().map(|e| {
                    c.check(e, &ty);
                    Arc::new(DefaultExpr { module: m, expr: e.clone() })
                });
                params.push(ParamSig { name: p.name.name.clone(), ty, default });
            }
            FnSig { params, ret: c.resolve_type(&d.ret), span: d.name.span }
        });
        let sig = Arc::new(sig);
        self.out.fns.insert(key, sig.clone());
        Some(sig)
    }

    fn check_fn(&mut self, m: ModuleId, d: &FnDecl) {
        let Some(sig) = self.fn_sig(m, &d.name.name) else { return };
        for (p, ps) in d.params.iter().zip(&sig.params) {
            self.out.local_types.insert(p.name.span, ps.ty.clone());
        }
        self.with_module(m, |c| {
            c.locals = d.params.iter().zip(&sig.params).map(|(p, ps)| Local::new(&p.name, ps.ty.clone())).collect();
            c.check(&d.body, &sig.ret);
        });
    }

    // ------------------------------------------------------------- overrides

    // ----------------------------------------------------------------- types

    // ----------------------------------------------------------- expressions

    /// Check `e` against `expected`; returns the type the value will have.
    fn check(&mut self, e: &Expr, expected: &Type) -> Type {
        match (&e.kind, expected) {
            (_, Type::Error) => {
                self.infer(e);
                Type::Error
            }
            (ExprKind::None, Type::Optional(_) | Type::Any) => expected.clone(),
            (
                ExprKind::Record(_) | ExprKind::List(_) | ExprKind::Str(_) | ExprKind::Int(_) | ExprKind::Bool(_),
                Type::Optional(inner),
            ) => {
                self.check(e, inner);
                expected.clone()
            }
            (ExprKind::Record(fields), Type::Record(rt)) => {
                self.out.record_literals.push((e.span, rt.clone()));
                self.check_record(e, fields, rt);
                expected.clone()
            }
            (ExprKind::Record(fields), Type::Map(vt)) => {
                for f in fields {
                    if let Key::Dynamic(s, _) = &f.key {
                        self.check_str_parts(s);
                    }
                    self.check(&f.value, vt);
                }
                self.duplicate_keys(fields);
                expected.clone()
            }
            (ExprKind::List(items), Type::List(it)) => {
                for item in items {
                    match item {
                        ListItem::Item(x) => {
                            self.check(x, it);
                        }
                        ListItem::Spread(x) => {
                            self.check(x, expected);
                        }
                    }
                }
                expected.clone()
            }
            (ExprKind::Str(s), Type::Domain(d)) if !d.is_int() => {
                match s.as_plain() {
                    Some(text) => {
                        if let Err(why) = d.check_str(&text) {
                            self.bad_literal(*d, e.span, &format!("\"{text}\""), &why);
                        }
                    }
                    None => self.check_str_parts(s),
                }
                expected.clone()
            }
            (ExprKind::Str(s), Type::Enum(members)) => {
                match s.as_plain() {
                    Some(text) if !members.contains(&text) => {
                        let help = match did_you_mean(&text, members.iter().map(String::as_str)) {
                            Some(m) => format!("did you mean \"{m}\"?"),
                            None => format!("allowed values: {expected}"),
                        };
                        self.err(
                            Diagnostic::error("E0062", format!("\"{text}\" is not one of {expected}"))
                                .at(e.span, "not an allowed value")
                                .help(help),
                        );
                    }
                    Some(_) => {}
                    None => self.check_str_parts(s),
                }
                expected.clone()
            }
            (ExprKind::Int(i), Type::Domain(d)) if d.is_int() => {
                if let Err(why) = d.check_int(*i) {
                    self.bad_literal(*d, e.span, &i.to_string(), &why);
                }
                expected.clone()
            }
            (ExprKind::Unary(UnaryOp::Neg, inner), Type::Domain(d))
                if d.is_int() && matches!(inner.kind, ExprKind::Int(_)) =>
            {
                self.bad_literal(
                    *d,
                    e.span,
                    &format!("-{}", self.p.files.get(e.span.file).slice(inner.span)),
                    "it is negative",
                );
                expected.clone()
            }
            (ExprKind::If(c, t, f), _) => {
                self.check(c, &Type::Bool);
                self.check(t, expected);
                self.check(f, expected);
                expected.clone()
            }
            (ExprKind::Match(subject, arms), _) => {
                self.check_match(e, subject, arms, Some(expected));
                expected.clone()
            }
            (ExprKind::LetIn(l), _) => {
                self.bind_let_in(l);
                let t = self.check(&l.body, expected);
                self.locals.pop();
                t
            }
            (ExprKind::For(f), Type::List(it)) => {
                self.for_expr(f, Some(it));
                expected.clone()
            }
            (ExprKind::Binary(BinaryOp::With, l, r), _) => {
                let lt = self.check(l, expected);
                self.check_patch(r, &lt);
                lt
            }
            _ => {
                let found = self.infer(e);
                if !assignable(&found, expected) {
                    self.mismatch(e.span, expected, &found);
                    return Type::Error;
                }
                expected.clone()
            }
        }
    }

    fn bad_literal(&mut self, d: Domain, span: Span, text: &str, why: &str) {
        self.err(
            Diagnostic::error(d.code(), format!("{text} is not a valid {d}: {why}"))
                .at(span, format!("invalid {d}"))
                .help(d.help()),
        );
    }

    fn mismatch(&mut self, span: Span, expected: &Type, found: &Type) {
        if found.holds_secret() && !expected.holds_secret() {
            self.err(secret_misplaced(span, expected, found));
            return;
        }
        if let (Type::Optional(inner), false) = (found, matches!(expected, Type::Optional(_)))
            && assignable(inner, expected)
        {
            self.err(
                Diagnostic::error("E0037", format!("this value may be none, but {} is required", a_or_an(&expected)))
                    .at(span, a_or_an(&found))
                    .help("give a default with `value ?? default`, or make the target optional"),
            );
            return;
        }
        let help = match (expected, found) {
            (Type::Int, t) if t.is_stringish() => "write the number without quotes".to_string(),
            (t, Type::Int) if t.is_stringish() => {
                "quote the value to make it a string, or use `string(...)`".to_string()
            }
            (Type::Record(_), Type::Map(_)) => {
                "a map cannot be checked field by field; write a record literal".to_string()
            }
            _ => format!("give a value of type {expected}"),
        };
        self.err(
            Diagnostic::error("E0039", format!("expected {expected}, found {found}"))
                .at(span, format!("this is {}", a_or_an(&found)))
                .help(help),
        );
    }

    fn infer(&mut self, e: &Expr) -> Type {
        match &e.kind {
            ExprKind::Int(_) => Type::Int,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::None => Type::Optional(Box::new(Type::Never)),
            ExprKind::Str(s) => {
                self.check_str_parts(s);
                Type::String
            }
            ExprKind::Env => Type::Env,
            ExprKind::Ident(id) => self.ident_type(id),
            ExprKind::List(items) => {
                let mut elem = Type::Never;
                for item in items {
                    let (t, span) = match item {
                        ListItem::Item(x) => (self.infer(x), x.span),
                        ListItem::Spread(x) => match self.infer(x) {
                            Type::List(t) => (*t, x.span),
                            Type::Any | Type::Error => (Type::Any, x.span),
                            other => {
                                self.err(
                                    Diagnostic::error(
                                        "E0304",
                                        format!("`...` spreads a list, not {}", a_or_an(&other)),
                                    )
                                    .at(x.span, a_or_an(&other))
                                    .help("spread a list value: `[...items, extra]`"),
                                );
                                (Type::Error, x.span)
                            }
                        },
                    };
                    elem = match join(&elem, &t) {
                        Some(j) => j,
                        None if t.holds_secret() || elem.holds_secret() => {
                            let (secret, other) = if t.holds_secret() { (&t, &elem) } else { (&elem, &t) };
                            self.err(secret_misplaced(span, other, secret));
                            Type::Error
                        }
                        None => {
                            self.err(
                                Diagnostic::error("E0305", format!("list items have different types: {elem} and {t}"))
                                    .at(span, a_or_an(&t))
                                    .help("all items of a list have one type; annotate the list (`let x: List<Any> = ...`) to mix them"),
                            );
                            Type::Error
                        }
                    };
                }
                Type::List(Box::new(elem))
            }
            ExprKind::Record(fields) => {
                self.duplicate_keys(fields);
                if fields.iter().any(|f| matches!(f.key, Key::Dynamic(..))) {
                    let mut vt = Type::Never;
                    for f in fields {
                        if let Key::Dynamic(s, _) = &f.key {
                            self.check_str_parts(s);
                        }
                        let t = self.infer(&f.value);
                        vt = join(&vt, &t).unwrap_or(Type::Any);
                    }
                    return Type::Map(Box::new(vt));
                }
                let mut out = IndexMap::new();
                for f in fields {
                    let t = self.infer(&f.value);
                    if let Key::Static(k, s) = &f.key {
                        let optional = matches!(t, Type::Optional(_));
                        out.insert(
                            k.to_string(),
                            FieldType { ty: t, optional, default: None, doc: f.doc.clone(), span: Some(*s) },
                        );
                    }
                }
                Type::Record(Arc::new(RecordType { name: None, fields: out, open: false }))
            }
            ExprKind::Field(base, field) => self.field_type(base, field),
            ExprKind::Index(base, idx) => {
                let bt = self.infer(base);
                match bt {
                    Type::List(t) => {
                        self.check(idx, &Type::Int);
                        *t
                    }
                    Type::Map(t) => {
                        self.check(idx, &Type::String);
                        *t
                    }
                    Type::Any | Type::Error => {
                        self.infer(idx);
                        Type::Any
                    }
                    Type::Record(r) => match &idx.kind {
                        ExprKind::Str(s) if s.as_plain().is_some() => {
                            let k = s.as_plain().unwrap_or_default();
                            match r.fields.get(&k) {
                                Some(f) if f.optional => Type::optional(f.ty.clone()),
                                Some(f) => f.ty.clone(),
                                None if r.open => Type::Any,
                                None => {
                                    self.unknown_field(&k, idx.span, &r);
                                    Type::Error
                                }
                            }
                        }
                        _ => {
                            self.err(
                                Diagnostic::error("E0306", "a record is indexed with a literal field name")
                                    .at(idx.span, "computed index")
                                    .help("use `record.field`, or make the value a Map"),
                            );
                            Type::Error
                        }
                    },
                    other => {
                        self.err(
                            Diagnostic::error("E0307", format!("{} cannot be indexed", a_or_an(&other)))
                                .at(base.span, a_or_an(&other))
                                .help("index lists with integers (`xs[0]`) and maps with strings (`m[\"key\"]`)"),
                        );
                        Type::Error
                    }
                }
            }
            ExprKind::Call(callee, args) => self.call(e, callee, args),
            ExprKind::Unary(op, x) => match op {
                UnaryOp::Not => {
                    self.check(x, &Type::Bool);
                    Type::Bool
                }
                UnaryOp::Neg => {
                    self.check(x, &Type::Int);
                    Type::Int
                }
            },
            ExprKind::Binary(op, l, r) => self.binary(e, *op, l, r),
            ExprKind::If(c, t, f) => {
                self.check(c, &Type::Bool);
                let tt = self.infer(t);
                let ft = self.infer(f);
                self.join_branches(&tt, &ft, f.span)
            }
            ExprKind::Match(subject, arms) => self.check_match(e, subject, arms, None),
            ExprKind::For(f) => self.for_expr(f, None),
            ExprKind::LetIn(l) => {
                self.bind_let_in(l);
                let t = self.infer(&l.body);
                self.locals.pop();
                t
            }
        }
    }

    fn join_branches(&mut self, a: &Type, b: &Type, span: Span) -> Type {
        match join(a, b) {
            Some(t) => t,
            None => {
                self.err(
                    Diagnostic::error("E0308", format!("branches have different types: {a} and {b}"))
                        .at(span, a_or_an(&b))
                        .help("every branch must give a value of the same type"),
                );
                Type::Error
            }
        }
    }

    fn bind_let_in(&mut self, l: &LetIn) {
        let t = match &l.ty {
            Some(te) => {
                let t = self.resolve_type(te);
                self.check(&l.value, &t);
                t
            }
            None => self.infer(&l.value),
        };
        self.out.local_types.insert(l.name.span, t.clone());
        self.locals.push(Local::new(&l.name, t));
    }

    /// The type of the local bound at `binding` (a `Def::Local` of the resolution).
    fn local(&self, binding: Span) -> Option<&Type> {
        self.locals.iter().rev().find(|l| l.span == binding).map(|l| &l.ty)
    }

    fn ident_type(&mut self, id: &Ident) -> Type {
        let (m, name) = match self.p.resolution.name(id.span) {
            // A local always has its binding in scope where the resolution found it.
            Some(Def::Local { span }) => match self.local(*span) {
                Some(t) => return t.clone(),
                None => (self.module, id.name.as_str()),
            },
            Some(Def::Decl { module, name }) => (*module, name.as_str()),
            Some(Def::Module(_)) => {
                self.err(
                    Diagnostic::error("E0311", format!("`{}` is a module, not a value", id.name))
                        .at(id.span, "a module")
                        .help(format!("use a declaration inside it: `{}.name`", id.name)),
                );
                return Type::Error;
            }
            Some(Def::EnvField { .. }) | None => (self.module, id.name.as_str()),
        };
        match self.decl(m, name) {
            Some((_, Decl::Let(_))) => return self.let_type(m, &id.name, id.span),
            Some((_, Decl::Component(_))) => return self.out.component_type.clone(),
            Some((_, Decl::Composite(_))) => return self.prelude_type("Composite"),
            Some((_, Decl::Env)) => return Type::Env,
            Some((_, Decl::Fn(_))) => {
                self.err(
                    Diagnostic::error("E0309", format!("`{}` is a function; call it", id.name))
                        .at(id.span, "a function, used as a value")
                        .help(format!("write `{}(...)`", id.name)),
                );
                return Type::Error;
            }
            Some((_, Decl::Type(_))) => {
                self.err(
                    Diagnostic::error("E0310", format!("`{}` is a type, not a value", id.name))
                        .at(id.span, "a type")
                        .help("use types in annotations: `let x: T = ...`"),
                );
                return Type::Error;
            }
            None => {}
        }
        self.undefined(id, &[]);
        Type::Error
    }

    fn undefined(&mut self, id: &Ident, extra: &[&str]) {
        let m = self.p.module(self.module);
        let mut names: Vec<&str> = self.locals.iter().map(|l| l.name.as_str()).collect();
        names.extend(m.decls.keys().map(String::as_str));
        names.extend(m.imports.keys().map(String::as_str));
        names.extend(self.env_names());
        names.extend(extra);
        let help = match did_you_mean(&id.name, names) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "declare it with `let`, or import the module that declares it".into(),
        };
        self.err(
            Diagnostic::error("E0020", format!("`{}` is not defined", id.name))
                .at(id.span, "not found in this scope")
                .help(help),
        );
    }

    fn unknown_env(&mut self, id: &Ident) {
        let names = self.env_names();
        let help = match did_you_mean(&id.name, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the environments are: {}", names.join(", ")),
        };
        self.err(
            Diagnostic::error("E0035", format!("there is no environment `{}`", id.name))
                .at(id.span, "unknown environment")
                .help(help),
        );
    }

    /// An import alias not shadowed by a local or a declaration.
    fn module_alias(&self, e: &Expr) -> Option<ModuleId> {
        self.p.resolution.module_of(e)
    }

    fn field_type(&mut self, base: &Expr, field: &Ident) -> Type {
        if let Some(m) = self.module_alias(base) {
            return match self.decl(m, &field.name) {
                Some((_, Decl::Let(_))) => self.let_type(m, &field.name, field.span),
                Some((_, Decl::Component(_))) => self.out.component_type.clone(),
                Some((_, Decl::Composite(_))) => self.prelude_type("Composite"),
                Some((_, Decl::Fn(_))) => {
                    self.err(
                        Diagnostic::error("E0309", format!("`{}` is a function; call it", field.name))
                            .at(field.span, "a function, used as a value")
                            .help(format!("write `{}(...)`", field.name)),
                    );
                    Type::Error
                }
                Some(_) => {
                    self.err(
                        Diagnostic::error("E0312", format!("`{}` is not a value", field.name))
                            .at(field.span, "not a value")
                            .help("only `let` and `component` declarations of a module are values"),
                    );
                    Type::Error
                }
                None => {
                    let names: Vec<&str> = self.p.module(m).decls.keys().map(String::as_str).collect();
                    let help = match did_you_mean(&field.name, names) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("see the declarations of `{}`", self.p.module(m).name),
                    };
                    self.err(
                        Diagnostic::error(
                            "E0020",
                            format!("module `{}` has no declaration `{}`", self.p.module(m).name, field.name),
                        )
                        .at(field.span, "not found")
                        .help(help),
                    );
                    Type::Error
                }
            };
        }
        let bt = self.infer(base);
        self.field_of(&bt, field, base.span)
    }

    fn field_of(&mut self, bt: &Type, field: &Ident, base_span: Span) -> Type {
        match bt {
            Type::Record(r) => match r.fields.get(&field.name) {
                Some(f) if f.optional => Type::optional(f.ty.clone()),
                Some(f) => f.ty.clone(),
                None if r.open => Type::Any,
                None => {
                    self.unknown_field(&field.name, field.span, r);
                    Type::Error
                }
            },
            Type::Map(t) => (**t).clone(),
            Type::Env => match self.out.env_fields.get(&field.name) {
                Some(t) => t.clone(),
                None => {
                    let help = match did_you_mean(&field.name, self.out.env_fields.keys().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "environments declare: {}",
                            self.out.env_fields.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    self.err(
                        Diagnostic::error("E0022", format!("environments have no field `{}`", field.name))
                            .at(field.span, "unknown environment field")
                            .help(help),
                    );
                    Type::Error
                }
            },
            Type::Any | Type::Error => Type::Any,
            Type::Optional(_) => {
                self.err(
                    Diagnostic::error(
                        "E0037",
                        format!("this value may be none; it has no field `{}` then", field.name),
                    )
                    .at(base_span, a_or_an(&bt))
                    .help("give a default first: `(value ?? default).field`"),
                );
                Type::Error
            }
            other => {
                self.err(
                    Diagnostic::error("E0313", format!("{} has no fields", a_or_an(&other)))
                        .at(field.span, format!("`.{}` on a {other}", field.name))
                        .help("fields exist on records, maps and environments"),
                );
                Type::Error
            }
        }
    }
}

/// E0495: a secret (or a value holding one) where something else is expected. Secrets go
/// only where a `Secret` is expected; the functions that take one put a reference to it
/// where the reader looks (docs/secrets.md).
pub(super) fn secret_misplaced(span: Span, expected: &Type, found: &Type) -> Diagnostic {
    let what = match expected {
        Type::Any => "untyped data (a free field of an object, an untyped chart value)".to_string(),
        Type::String => "a string".to_string(),
        t => a_or_an(t),
    };
    let message = match found {
        Type::Secret => format!("a secret cannot be used as {what}"),
        _ => format!("this value holds a secret, which cannot be used as {what}"),
    };
    Diagnostic::error("E0495", message)
        .at(span, format!("this is {}", a_or_an(found)))
        .help("a Secret goes only where a Secret is expected: a container's environment (`secrets.env_var`, `secrets.env_from`), a volume (`secrets.volume`), a chart value its module types as Secret, or `secret_ref(...)`, which gives the name and key of the Kubernetes Secret holding it")
}
