//! The type checker: resolves every name and type, checks every declaration, call,
//! record, match and override before anything is evaluated, and reports every error it
//! finds. Its result ([`Checked`]) tells evaluation the types it needs at run time
//! (parameter types with defaults, annotations, the environments).

use crate::domain::Domain;
use crate::ty::{DefaultExpr, FieldType, RecordType, Type, assignable, join};
use cedc_diagnostics::{Diagnostic, Diagnostics, Span, a_or_an, did_you_mean};
use cedc_names::{Builtin, ModuleId, Program};
use cedc_syntax::ast::*;
use cedc_syntax::field::{segment, written};
use indexmap::IndexMap;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Longest chain of declarations whose types depend on each other.
const MAX_DECL_CHAIN: usize = 512;

pub type DeclKey = (ModuleId, String);

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
    locals: Vec<(String, Type)>,
    /// Resolved type expressions, by span (each resolved and its defaults checked once).
    type_cache: HashMap<Span, Type>,
    alias_stack: Vec<DeclKey>,
    let_stack: Vec<DeclKey>,
    out: Checked,
}

enum Decl<'a> {
    Let(&'a LetDecl),
    Fn(&'a FnDecl),
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
                    if k == "name" {
                        self.err(
                            Diagnostic::error("E0036", "`name` is built into every environment")
                                .at(*kspan, "reserved field")
                                .help("`env.name` is the environment's own name; pick another field name"),
                        );
                        continue;
                    }
                    let t = self.infer(&f.value);
                    fields.insert(k.clone(), (t, *kspan));
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
            c.locals = sig.params.iter().map(|p| (p.name.clone(), p.ty.clone())).collect();
            c.check(&d.body, &sig.ret);
        });
    }

    // ------------------------------------------------------------- overrides

    fn check_override(&mut self, m: ModuleId, idx: usize, o: &OverrideBlock) {
        self.module = m;
        self.locals.clear();
        let mut envs = Vec::new();
        for e in &o.envs {
            if self.is_env(&e.name) {
                envs.push(e.name.clone());
            } else {
                self.unknown_env(e);
            }
        }
        for (si, set) in o.sets.iter().enumerate() {
            let Some((target, decl_span, mut ty, rest)) = self.override_target(m, &set.path) else { continue };
            let mut path = Vec::new();
            let mut ok = true;
            for seg in rest {
                let inner = match &ty {
                    Type::Optional(t) => (**t).clone(),
                    t => t.clone(),
                };
                let next = match &inner {
                    Type::Record(r) => match r.fields.get(&seg.name) {
                        Some(f) => Some(if f.optional { Type::optional(f.ty.clone()) } else { f.ty.clone() }),
                        None if r.open => Some(Type::Any),
                        None => {
                            let help = match did_you_mean(&seg.name, r.fields.keys().map(String::as_str)) {
                                Some(s) => format!("did you mean `{}`?", written(&s)),
                                None => format!("the fields are: {}", field_list(r)),
                            };
                            self.err(
                                Diagnostic::error(
                                    "E0050",
                                    format!("`{inner}` has no field `{}` to override", written(&seg.name)),
                                )
                                .at(seg.span, "no such field")
                                .also(decl_span, "the overridden declaration")
                                .help(help),
                            );
                            None
                        }
                    },
                    Type::Map(t) => Some((**t).clone()),
                    Type::Any | Type::Error => Some(Type::Any),
                    other => {
                        self.err(
                            Diagnostic::error("E0050", format!("{} has no fields to override", a_or_an(&other)))
                                .at(seg.span, "not a record")
                                .also(decl_span, "the overridden declaration")
                                .help("override the whole value instead, or a field of a record"),
                        );
                        None
                    }
                };
                match next {
                    Some(t) => {
                        ty = t;
                        path.push(seg.name.clone());
                    }
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if !ok {
                continue;
            }
            let before = self.diags.len();
            self.check(&set.value, &ty);
            for d in &mut self.diags[before..] {
                d.secondary.push((decl_span, "overrides this declaration".into()));
            }
            self.out.overrides.push(OverrideInfo {
                envs: envs.clone(),
                module: m,
                item: idx,
                set: si,
                target,
                path,
                ty,
                span: set.span,
            });
        }
    }

    /// Resolve the declaration an override path starts at. Returns the declaration,
    /// its name span, its type, and the remaining field path.
    fn override_target<'a>(&mut self, m: ModuleId, path: &'a [Ident]) -> Option<(DeclKey, Span, Type, &'a [Ident])> {
        let first = path.first()?;
        let (tm, name, rest) = if self.p.module(m).decls.contains_key(&first.name) {
            (m, first, &path[1..])
        } else if let Some((im, _)) = self.p.module(m).imports.get(&first.name) {
            let Some(second) = path.get(1) else {
                self.err(
                    Diagnostic::error("E0050", format!("`{}` is a module; name a declaration inside it", first.name))
                        .at(first.span, "a module")
                        .help(format!("write `{}.<declaration>.<field> = ...`", first.name)),
                );
                return None;
            };
            (*im, second, &path[2..])
        } else {
            self.undefined(first, &[]);
            return None;
        };
        match self.decl(tm, &name.name) {
            Some((_, Decl::Let(d))) => {
                let t = self.let_type(tm, &name.name, name.span);
                Some(((tm, name.name.clone()), d.name.span, t, rest))
            }
            Some((_, Decl::Component(d))) => {
                Some(((tm, name.name.clone()), d.name.span, self.out.component_type.clone(), rest))
            }
            Some(_) => {
                self.err(
                    Diagnostic::error("E0050", format!("`{}` cannot be overridden", name.name))
                        .at(name.span, "not a `let` or `component`")
                        .help("overrides change values: the target must be a `let` or `component` declaration"),
                );
                None
            }
            None => {
                let names: Vec<&str> = self.p.module(tm).decls.keys().map(String::as_str).collect();
                let help = match did_you_mean(&name.name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "overrides target `let` and `component` declarations".to_string(),
                };
                self.err(
                    Diagnostic::error("E0050", format!("there is no declaration `{}` to override", name.name))
                        .at(name.span, "not found")
                        .help(help),
                );
                None
            }
        }
    }

    fn check_override_conflicts(&mut self) {
        let ovs = self.out.overrides.clone();
        let mut reported = HashSet::new();
        for (i, a) in ovs.iter().enumerate() {
            for b in &ovs[..i] {
                if a.target != b.target {
                    continue;
                }
                let shared: Vec<&String> = a.envs.iter().filter(|e| b.envs.contains(e)).collect();
                if shared.is_empty() {
                    continue;
                }
                let n = a.path.len().min(b.path.len());
                if a.path[..n] != b.path[..n] || !reported.insert(i) {
                    continue;
                }
                let show = |o: &OverrideInfo| {
                    std::iter::once(o.target.1.clone()).chain(o.path.iter().map(|k| segment(k))).collect::<String>()
                };
                let envs = shared.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
                self.err(
                    Diagnostic::error("E0051", format!("`{}` is overridden twice for {envs}", show(a)))
                        .at(a.span, "second override")
                        .also(b.span, format!("`{}` first overridden here", show(b)))
                        .help("keep one override per value and environment; which one should win is not something cedc guesses"),
                );
            }
        }
    }

    // ----------------------------------------------------------------- types

    fn resolve_type(&mut self, te: &TypeExpr) -> Type {
        if let Some(t) = self.type_cache.get(&te.span) {
            return t.clone();
        }
        let t = self.resolve_type_inner(te);
        self.type_cache.insert(te.span, t.clone());
        t
    }

    fn resolve_type_inner(&mut self, te: &TypeExpr) -> Type {
        match &te.kind {
            TypeExprKind::Optional(inner) => Type::optional(self.resolve_type(inner)),
            TypeExprKind::Union(members) => {
                let mut set = BTreeSet::new();
                for (m, span) in members {
                    if !set.insert(m.clone()) {
                        self.err(
                            Diagnostic::error("E0021", format!("\"{m}\" appears twice in this union"))
                                .at(*span, "repeated")
                                .help("list each member once"),
                        );
                    }
                }
                Type::Enum(Arc::new(set))
            }
            TypeExprKind::Record { fields, open } => {
                let mut out = IndexMap::new();
                for f in fields {
                    if out.contains_key(&f.name.name) {
                        self.err(
                            Diagnostic::error("E0021", format!("field `{}` is declared twice", f.name.name))
                                .at(f.name.span, "repeated field")
                                .help("declare each field once"),
                        );
                        continue;
                    }
                    let ty = self.resolve_type(&f.ty);
                    let default = f.default.as_ref().map(|e| {
                        let saved = std::mem::take(&mut self.locals);
                        self.check(e, &ty);
                        self.locals = saved;
                        Arc::new(DefaultExpr { module: self.module, expr: e.clone() })
                    });
                    out.insert(
                        f.name.name.clone(),
                        FieldType { ty, optional: f.optional, default, doc: f.doc.clone(), span: Some(f.name.span) },
                    );
                }
                Type::Record(Arc::new(RecordType { name: None, fields: out, open: *open }))
            }
            TypeExprKind::Named { path, args } => self.resolve_named(te, path, args),
        }
    }

    /// `Kind<"apps/v1", "Deployment">`: the type of a Kubernetes kind's objects.
    fn kind_type(&mut self, te: &TypeExpr, args: &[TypeExpr]) -> Type {
        let literal = |t: &TypeExpr| match &t.kind {
            TypeExprKind::Union(v) if v.len() == 1 => Some(v[0].0.clone()),
            _ => None,
        };
        let (Some(api_version), Some(kind)) = (args.first().and_then(literal), args.get(1).and_then(literal)) else {
            self.err(
                Diagnostic::error("E0038", "`Kind` takes an API version and a kind, as two strings")
                    .at(te.span, "not `Kind<\"apiVersion\", \"Kind\">`")
                    .help("write, for example, `Kind<\"apps/v1\", \"Deployment\">`"),
            );
            return Type::Error;
        };
        if args.len() != 2 {
            self.err(
                Diagnostic::error("E0038", "`Kind` takes exactly two type arguments")
                    .at(te.span, format!("{} given", args.len()))
                    .help("write, for example, `Kind<\"apps/v1\", \"Deployment\">`"),
            );
        }
        if let Some(t) = self.kinds.kind(&api_version, &kind) {
            // `metadata` is the prelude's `Metadata` (name required, a DNS name; open for
            // the rest), so every kind is an `Object`; the validator checks the rest of
            // ObjectMeta after evaluation.
            let Type::Record(r) = t else { return t };
            let mut r = (*r).clone();
            let meta = self.prelude_type("Metadata");
            if let Some(f) = r.fields.get_mut("metadata")
                && matches!(meta, Type::Record(_))
            {
                f.ty = meta;
            }
            return Type::Record(Arc::new(r));
        }
        let help = self.registry.suggest(&kind).unwrap_or_else(|| {
            "built-in kinds are those of the target Kubernetes version; add the CRD of a custom kind to `[schemas] crds` in cedc.toml".into()
        });
        self.err(
            Diagnostic::error("E0038", format!("unknown kind `{kind}` in `{api_version}`"))
                .at(te.span, "no schema for this kind")
                .help(help),
        );
        Type::Error
    }

    fn resolve_named(&mut self, te: &TypeExpr, path: &[Ident], args: &[TypeExpr]) -> Type {
        let arity = |c: &mut Self, n: usize, name: &str| {
            if args.len() != n {
                c.err(
                    Diagnostic::error(
                        "E0038",
                        format!("`{name}` takes {n} type argument{}", if n == 1 { "" } else { "s" }),
                    )
                    .at(te.span, format!("{} given", args.len()))
                    .help(if n == 1 {
                        format!("write `{name}<T>`")
                    } else {
                        format!("write `{name}` alone")
                    }),
                );
            }
        };
        if let [single] = path {
            let name = single.name.as_str();
            let simple = match name {
                "String" => Some(Type::String),
                "Int" => Some(Type::Int),
                "Bool" => Some(Type::Bool),
                "Any" => Some(Type::Any),
                "Env" => Some(Type::Env),
                _ => Domain::from_name(name).map(Type::Domain),
            };
            if let Some(t) = simple {
                arity(self, 0, name);
                return t;
            }
            if name == "Kind" {
                return self.kind_type(te, args);
            }
            if name == "List" || name == "Map" {
                arity(self, 1, name);
                let inner = args.first().map(|a| self.resolve_type(a)).unwrap_or(Type::Error);
                return if name == "List" { Type::List(Box::new(inner)) } else { Type::Map(Box::new(inner)) };
            }
            arity(self, 0, name);
            if let Some((_, Decl::Type(_))) = self.decl(self.module, name) {
                return self.alias_type(self.module, name, single.span);
            }
            if let Some(pm) = self.p.prelude
                && let Some((_, Decl::Type(_))) = self.decl(pm, name)
            {
                return self.alias_type(pm, name, single.span);
            }
            let mut candidates: Vec<&str> = BUILTIN_TYPES.to_vec();
            let m = self.p.module(self.module);
            candidates.extend(
                m.decls
                    .keys()
                    .filter(|k| matches!(self.decl(self.module, k), Some((_, Decl::Type(_)))))
                    .map(String::as_str),
            );
            let help = match did_you_mean(name, candidates) {
                Some(s) => format!("did you mean `{s}`?"),
                None => {
                    "declare it with `type Name = ...`, or import the module that declares it and write `module.Name`"
                        .into()
                }
            };
            self.err(
                Diagnostic::error("E0038", format!("unknown type `{name}`")).at(single.span, "not a type").help(help),
            );
            return Type::Error;
        }
        if let [module, name] = path {
            if let Some((im, _)) = self.p.module(self.module).imports.get(&module.name).copied() {
                arity(self, 0, &name.name);
                if let Some((_, Decl::Type(_))) = self.decl(im, &name.name) {
                    return self.alias_type(im, &name.name, name.span);
                }
                self.err(
                    Diagnostic::error("E0038", format!("module `{}` declares no type `{}`", module.name, name.name))
                        .at(name.span, "not a type there")
                        .help(format!("check the declarations of `{}`", self.p.module(im).name)),
                );
                return Type::Error;
            }
            self.err(
                Diagnostic::error("E0038", format!("`{}` is not an imported module", module.name))
                    .at(module.span, "unknown module")
                    .help(format!(
                        "add `import \"std/{0}\"` or `import \"./{0}.ced\"` at the top of the file",
                        module.name
                    )),
            );
            return Type::Error;
        }
        self.err(
            Diagnostic::error("E0038", "type paths have at most two parts (`module.Type`)")
                .at(te.span, "too many parts")
                .help("import the module that declares the type and write `module.Type`"),
        );
        Type::Error
    }

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

    fn duplicate_keys(&mut self, fields: &[RecordField]) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for f in fields {
            if let Key::Static(k, s) = &f.key
                && let Some(prev) = seen.insert(k.as_str(), *s)
            {
                self.err(
                    Diagnostic::error("E0021", format!("field `{k}` is given twice"))
                        .at(*s, "given again here")
                        .also(prev, "first given here")
                        .help("remove one of them: YAML would silently keep only the last one, cedc refuses"),
                );
            }
        }
    }

    fn check_record(&mut self, e: &Expr, fields: &[RecordField], rt: &RecordType) {
        self.duplicate_keys(fields);
        let mut given = HashSet::new();
        for f in fields {
            match &f.key {
                Key::Static(k, kspan) => {
                    given.insert(k.as_str());
                    match rt.fields.get(k) {
                        Some(ft) => {
                            let t = if ft.optional { Type::optional(ft.ty.clone()) } else { ft.ty.clone() };
                            self.check(&f.value, &t);
                        }
                        None if rt.open => {
                            self.infer(&f.value);
                        }
                        None => {
                            self.infer(&f.value);
                            self.unknown_field(k, *kspan, rt);
                        }
                    }
                }
                Key::Dynamic(_, kspan) => {
                    self.infer(&f.value);
                    self.err(
                        Diagnostic::error("E0301", "computed field names are only allowed in maps")
                            .at(*kspan, "computed name")
                            .help(format!("a {} has fixed field names", Type::Record(Arc::new(rt.clone())))),
                    );
                }
            }
        }
        let missing: Vec<&str> = rt
            .fields
            .iter()
            .filter(|(k, f)| f.required() && !given.contains(k.as_str()))
            .map(|(k, _)| k.as_str())
            .collect();
        if !missing.is_empty() {
            let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            let what = rt.name.clone().unwrap_or_else(|| "record".into());
            let mut d = Diagnostic::error(
                "E0031",
                format!("missing required field{} {list} of {what}", if missing.len() == 1 { "" } else { "s" }),
            )
            .at(Span::new(e.span.file, e.span.start as usize, e.span.start as usize + 1), format!("{list} not given"))
            .help(format!("add {list}, or give the field a default in the type"));
            if let Some(s) = missing.first().and_then(|m| rt.fields.get(*m)).and_then(|f| f.span) {
                d = d.also(s, "declared here");
            }
            self.err(d);
        }
    }

    fn unknown_field(&mut self, k: &str, span: Span, rt: &RecordType) {
        let help = match did_you_mean(k, rt.fields.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{}`?", written(&s)),
            None => format!("the fields are: {}", field_list(rt)),
        };
        let what = rt.name.clone().unwrap_or_else(|| "this record".into());
        let k = written(k);
        self.err(Diagnostic::error("E0022", format!("{what} has no field `{k}`")).at(span, "unknown field").help(help));
    }

    /// `base with patch`: every field of the patch must exist in the base's type, with
    /// a compatible value; nested record literals are patches too (deep merge).
    fn check_patch(&mut self, patch: &Expr, base: &Type) {
        let base = match base {
            Type::Optional(t) => t.as_ref(),
            t => t,
        };
        match (&patch.kind, base) {
            (ExprKind::Record(fields), Type::Record(rt)) => {
                self.out.record_literals.push((patch.span, rt.clone()));
                self.duplicate_keys(fields);
                for f in fields {
                    let Key::Static(k, kspan) = &f.key else {
                        self.infer(&f.value);
                        continue;
                    };
                    match rt.fields.get(k) {
                        Some(ft) => self.patch_value(&f.value, &ft.ty, ft.optional),
                        None if rt.open => {
                            self.infer(&f.value);
                        }
                        None => {
                            self.infer(&f.value);
                            self.unknown_field(k, *kspan, rt);
                        }
                    }
                }
            }
            (ExprKind::Record(fields), Type::Map(vt)) => {
                for f in fields {
                    self.patch_value(&f.value, vt, false);
                }
            }
            (_, Type::Any | Type::Error) => {
                self.infer(patch);
            }
            (_, Type::Record(_) | Type::Map(_)) => {
                let pt = self.infer(patch);
                if !patch_assignable(&pt, base) {
                    self.mismatch(patch.span, base, &pt);
                }
            }
            _ => {
                let pt = self.infer(patch);
                self.err(
                    Diagnostic::error("E0302", format!("`with` merges records and maps, not {}", a_or_an(&base)))
                        .at(patch.span, a_or_an(&pt))
                        .help("use `with` on a record or a map value"),
                );
            }
        }
    }

    fn patch_value(&mut self, v: &Expr, t: &Type, optional: bool) {
        let inner = match t {
            Type::Optional(i) => i.as_ref(),
            t => t,
        };
        if matches!(v.kind, ExprKind::Record(_)) && matches!(inner, Type::Record(_) | Type::Map(_)) {
            self.check_patch(v, inner);
        } else {
            let t = if optional { Type::optional(t.clone()) } else { t.clone() };
            self.check(v, &t);
        }
    }

    fn check_str_parts(&mut self, s: &StrExpr) {
        for p in &s.parts {
            if let StrPart::Interp(x) = p {
                let t = self.infer(x);
                let ok = t.is_stringish() || t.is_intish() || matches!(t, Type::Bool | Type::Any | Type::Error);
                if !ok {
                    let help = if matches!(t, Type::Optional(_)) {
                        "give a default first: `{value ?? \"...\"}`"
                    } else {
                        "interpolate strings, integers and booleans; pick a field or use `join(...)`"
                    };
                    let code = if matches!(t, Type::Optional(_)) { "E0037" } else { "E0303" };
                    self.err(
                        Diagnostic::error(code, format!("{} cannot be put in a string", a_or_an(&t)))
                            .at(x.span, a_or_an(&t))
                            .help(help),
                    );
                }
            }
        }
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
                            k.clone(),
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
        self.locals.push((l.name.name.clone(), t));
    }

    fn ident_type(&mut self, id: &Ident) -> Type {
        if let Some((_, t)) = self.locals.iter().rev().find(|(n, _)| *n == id.name) {
            return t.clone();
        }
        let m = self.module;
        match self.decl(m, &id.name) {
            Some((_, Decl::Let(_))) => return self.let_type(m, &id.name, id.span),
            Some((_, Decl::Component(_))) => return self.out.component_type.clone(),
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
        if self.is_env(&id.name) {
            return Type::Env;
        }
        if self.p.module(m).imports.contains_key(&id.name) {
            self.err(
                Diagnostic::error("E0311", format!("`{}` is a module, not a value", id.name))
                    .at(id.span, "a module")
                    .help(format!("use a declaration inside it: `{}.name`", id.name)),
            );
            return Type::Error;
        }
        self.undefined(id, &[]);
        Type::Error
    }

    fn undefined(&mut self, id: &Ident, extra: &[&str]) {
        let m = self.p.module(self.module);
        let mut names: Vec<&str> = self.locals.iter().map(|(n, _)| n.as_str()).collect();
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
        self.p.module_alias(self.module, e, |n| self.locals.iter().any(|(l, _)| l == n))
    }

    fn field_type(&mut self, base: &Expr, field: &Ident) -> Type {
        if let Some(m) = self.module_alias(base) {
            return match self.decl(m, &field.name) {
                Some((_, Decl::Let(_))) => self.let_type(m, &field.name, field.span),
                Some((_, Decl::Component(_))) => self.out.component_type.clone(),
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

    fn binary(&mut self, e: &Expr, op: BinaryOp, l: &Expr, r: &Expr) -> Type {
        match op {
            BinaryOp::With => {
                let lt = self.infer(l);
                self.check_patch(r, &lt);
                lt
            }
            BinaryOp::Coalesce => {
                let lt = self.infer(l);
                match lt {
                    Type::Optional(inner) if *inner == Type::Never => self.infer(r),
                    Type::Optional(inner) => {
                        self.check(r, &inner);
                        self.out.conform_at.insert(r.span, (*inner).clone());
                        *inner
                    }
                    Type::Any | Type::Error => self.infer(r),
                    other => {
                        self.infer(r);
                        other
                    }
                }
            }
            BinaryOp::And | BinaryOp::Or => {
                self.check(l, &Type::Bool);
                self.check(r, &Type::Bool);
                Type::Bool
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let lt = self.infer(l);
                let rt = self.infer(r);
                if join(&lt, &rt).is_none() {
                    self.err(
                        Diagnostic::error("E0314", format!("{} is never equal to {}", a_or_an(&lt), a_or_an(&rt)))
                            .at(e.span, "comparison of different types")
                            .help("compare values of the same type"),
                    );
                }
                Type::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                self.check(l, &Type::Int);
                self.check(r, &Type::Int);
                Type::Bool
            }
            BinaryOp::Add => {
                let lt = self.infer(l);
                match &lt {
                    Type::List(_) => {
                        let rt = self.infer(r);
                        match join(&lt, &rt) {
                            Some(t @ Type::List(_)) => t,
                            _ => {
                                self.mismatch(r.span, &lt, &rt);
                                Type::Error
                            }
                        }
                    }
                    t if t.is_stringish() => {
                        self.check(r, &Type::String);
                        Type::String
                    }
                    t if t.is_intish() => {
                        self.check(r, &Type::Int);
                        Type::Int
                    }
                    Type::Any | Type::Error => {
                        self.infer(r);
                        Type::Any
                    }
                    other => {
                        self.infer(r);
                        self.err(
                            Diagnostic::error("E0315", format!("`+` does not apply to {}", a_or_an(&other)))
                                .at(l.span, a_or_an(&other))
                                .help(
                                    "`+` adds integers and concatenates strings and lists; merge records with `with`",
                                ),
                        );
                        Type::Error
                    }
                }
            }
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                self.check(l, &Type::Int);
                self.check(r, &Type::Int);
                Type::Int
            }
        }
    }

    fn for_expr(&mut self, f: &ForExpr, expected_item: Option<&Type>) -> Type {
        let it = self.infer(&f.iter);
        let (kt, vt) = match &it {
            Type::List(t) => (Type::Int, (**t).clone()),
            Type::Map(t) => (Type::String, (**t).clone()),
            Type::Record(r) => {
                let vt = r.fields.values().try_fold(Type::Never, |acc, f| join(&acc, &f.ty)).unwrap_or(Type::Any);
                (Type::String, vt)
            }
            Type::Any | Type::Error => (Type::Any, Type::Any),
            other => {
                self.err(
                    Diagnostic::error("E0316", format!("`for` goes over a list or a map, not {}", a_or_an(&other)))
                        .at(f.iter.span, a_or_an(&other))
                        .help("iterate a list (`for x in xs`) or a map (`for k, v in m`)"),
                );
                (Type::Error, Type::Error)
            }
        };
        let n = self.locals.len();
        if let Some(k) = &f.key {
            self.out.local_types.insert(k.span, kt.clone());
            self.locals.push((k.name.clone(), kt));
        }
        self.out.local_types.insert(f.var.span, vt.clone());
        self.locals.push((f.var.name.clone(), vt));
        if let Some(c) = &f.cond {
            self.check(c, &Type::Bool);
        }
        let bt = match expected_item {
            Some(t) => self.check(&f.body, t),
            None => self.infer(&f.body),
        };
        self.locals.truncate(n);
        Type::List(Box::new(bt))
    }

    fn check_match(&mut self, e: &Expr, subject: &Expr, arms: &[Arm], expected: Option<&Type>) -> Type {
        let st = self.infer(subject);
        let mut covered: BTreeSet<String> = BTreeSet::new();
        let mut wildcard = false;
        let mut result = Type::Never;
        for arm in arms {
            for pat in &arm.patterns {
                match (pat, &st) {
                    (Pattern::Wildcard(_), _) => wildcard = true,
                    (Pattern::Name(id), Type::Env) => {
                        if self.is_env(&id.name) {
                            covered.insert(id.name.clone());
                        } else {
                            self.unknown_env(id);
                        }
                    }
                    (Pattern::Str(s, span), Type::Enum(members)) => {
                        if members.contains(s) {
                            covered.insert(s.clone());
                        } else {
                            self.err(
                                Diagnostic::error("E0062", format!("\"{s}\" is not one of {st}"))
                                    .at(*span, "can never match")
                                    .help(format!("the values are {st}")),
                            );
                        }
                    }
                    (Pattern::Str(..), t) if t.is_stringish() || matches!(t, Type::Any | Type::Error) => {}
                    (Pattern::Int(..), t) if t.is_intish() || matches!(t, Type::Any | Type::Error) => {}
                    (Pattern::Bool(b, _), Type::Bool) => {
                        covered.insert(b.to_string());
                    }
                    (Pattern::Bool(..), Type::Any | Type::Error) => {}
                    (Pattern::Name(id), Type::Error) => {
                        if !self.is_env(&id.name) {
                            self.unknown_env(id);
                        }
                    }
                    (p, t) => {
                        let help = if matches!(t, Type::Env) {
                            "match environments by name: `match env { prod => ..., _ => ... }`".to_string()
                        } else if matches!(p, Pattern::Name(_)) {
                            "bare names match environments; match other values with literals: `\"web\" => ...`"
                                .to_string()
                        } else {
                            format!("use patterns of type {t}")
                        };
                        self.err(
                            Diagnostic::error("E0317", format!("this pattern cannot match {}", a_or_an(&t)))
                                .at(p.span(), "wrong kind of pattern")
                                .help(help),
                        );
                    }
                }
            }
            let bt = match expected {
                Some(t) => self.check(&arm.body, t),
                None => self.infer(&arm.body),
            };
            if expected.is_none() {
                result = self.join_branches(&result, &bt, arm.body.span);
            }
        }
        if !wildcard {
            let all: Vec<String> = match &st {
                Type::Env => self.out.envs.iter().map(|e| e.name.clone()).collect(),
                Type::Enum(m) => m.iter().cloned().collect(),
                Type::Bool => vec!["true".into(), "false".into()],
                Type::Error => Vec::new(),
                _ => vec!["_".into()],
            };
            let missing: Vec<&String> = all.iter().filter(|a| !covered.contains(*a)).collect();
            if !missing.is_empty() {
                let list = missing
                    .iter()
                    .map(|m| if matches!(st, Type::Enum(_)) { format!("\"{m}\"") } else { m.to_string() })
                    .collect::<Vec<_>>();
                let kw = Span::new(e.span.file, e.span.start as usize, e.span.start as usize + 5);
                let msg = if matches!(st, Type::Env | Type::Enum(_) | Type::Bool) {
                    format!("this match does not cover {}", list.join(", "))
                } else {
                    format!("a match on {} needs a `_` arm", a_or_an(&st))
                };
                self.err(
                    Diagnostic::error("E0034", msg)
                        .at(kw, "not exhaustive")
                        .help(format!("add arms for {}, or a `_ => ...` arm", list.join(", "))),
                );
            }
        }
        match expected {
            Some(t) => t.clone(),
            None => result,
        }
    }

    fn call(&mut self, e: &Expr, callee: &Expr, args: &[Arg]) -> Type {
        let (m, name, name_span) = match &callee.kind {
            ExprKind::Ident(id) => {
                if self.locals.iter().any(|(n, _)| *n == id.name) {
                    self.err(
                        Diagnostic::error("E0023", format!("`{}` is a local value, not a function", id.name))
                            .at(id.span, "not callable")
                            .help("only `fn` declarations and built-in functions can be called"),
                    );
                    self.infer_args(args);
                    return Type::Error;
                }
                if !self.p.module(self.module).decls.contains_key(&id.name)
                    && let Some(b) = Builtin::named(&id.name)
                {
                    return self.builtin(e, b, args);
                }
                (self.module, id.name.clone(), id.span)
            }
            ExprKind::Field(base, f) => match self.module_alias(base) {
                Some(m) => (m, f.name.clone(), f.span),
                None => return self.not_callable(callee, args),
            },
            _ => return self.not_callable(callee, args),
        };
        let Some(sig) = self.fn_sig(m, &name) else {
            self.infer_args(args);
            if self.decl(m, &name).is_some() {
                self.err(
                    Diagnostic::error("E0023", format!("`{name}` is not a function"))
                        .at(name_span, "not callable")
                        .help("only `fn` declarations and built-in functions can be called"),
                );
            } else {
                let id = Ident { name: name.clone(), span: name_span };
                if m == self.module {
                    let builtins: Vec<&str> = cedc_names::builtins::function_names().collect();
                    self.undefined(&id, &builtins);
                } else {
                    let names: Vec<&str> = self.p.module(m).decls.keys().map(String::as_str).collect();
                    let help = match did_you_mean(&name, names) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("see the declarations of `{}`", self.p.module(m).name),
                    };
                    self.err(
                        Diagnostic::error(
                            "E0020",
                            format!("module `{}` has no function `{name}`", self.p.module(m).name),
                        )
                        .at(name_span, "not found")
                        .help(help),
                    );
                }
            }
            return Type::Error;
        };
        let mut given: Vec<Option<Span>> = vec![None; sig.params.len()];
        let mut seen_named = false;
        for (i, a) in args.iter().enumerate() {
            let slot = match &a.name {
                None if seen_named => {
                    self.err(
                        Diagnostic::error("E0033", "positional argument after a named one")
                            .at(a.value.span, "positional")
                            .help("put positional arguments first, or name this one"),
                    );
                    None
                }
                None if i < sig.params.len() => Some(i),
                None => {
                    self.err(
                        Diagnostic::error(
                            "E0033",
                            format!(
                                "`{name}` takes {} argument{}",
                                sig.params.len(),
                                if sig.params.len() == 1 { "" } else { "s" }
                            ),
                        )
                        .at(a.value.span, "extra argument")
                        .also(sig.span, "declared here")
                        .help("remove the extra argument"),
                    );
                    None
                }
                Some(n) => {
                    seen_named = true;
                    match sig.params.iter().position(|p| p.name == n.name) {
                        Some(j) => Some(j),
                        None => {
                            let help = match did_you_mean(&n.name, sig.params.iter().map(|p| p.name.as_str())) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!(
                                    "the parameters are: {}",
                                    sig.params.iter().map(|p| format!("`{}`", p.name)).collect::<Vec<_>>().join(", ")
                                ),
                            };
                            self.err(
                                Diagnostic::error("E0033", format!("`{name}` has no parameter `{}`", n.name))
                                    .at(n.span, "unknown parameter")
                                    .also(sig.span, "declared here")
                                    .help(help),
                            );
                            None
                        }
                    }
                }
            };
            match slot {
                Some(j) => {
                    let span = a.name.as_ref().map(|n| n.span).unwrap_or(a.value.span);
                    if let Some(prev) = given[j] {
                        self.err(
                            Diagnostic::error("E0033", format!("argument `{}` is given twice", sig.params[j].name))
                                .at(span, "given again")
                                .also(prev, "first given here")
                                .help("give each argument once"),
                        );
                    }
                    given[j] = Some(span);
                    let t = sig.params[j].ty.clone();
                    self.check(&a.value, &t);
                }
                None => {
                    self.infer(&a.value);
                }
            }
        }
        let missing: Vec<&str> = sig
            .params
            .iter()
            .zip(&given)
            .filter(|(p, g)| g.is_none() && p.default.is_none() && !matches!(p.ty, Type::Optional(_)))
            .map(|(p, _)| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            self.err(
                Diagnostic::error(
                    "E0032",
                    format!("missing argument{} {list} in call to `{name}`", if missing.len() == 1 { "" } else { "s" }),
                )
                .at(e.span, format!("{list} not given"))
                .also(sig.span, "declared here")
                .help(format!(
                    "pass {} by name: `{}`",
                    list,
                    missing.iter().map(|m| format!("{m}: ...")).collect::<Vec<_>>().join(", ")
                )),
            );
        }
        sig.ret.clone()
    }

    fn not_callable(&mut self, callee: &Expr, args: &[Arg]) -> Type {
        self.infer(callee);
        self.err(
            Diagnostic::error("E0023", "only functions can be called")
                .at(callee.span, "not a function")
                .help("call a `fn` declaration: `name(...)` or `module.name(...)`"),
        );
        self.infer_args(args);
        Type::Error
    }

    fn infer_args(&mut self, args: &[Arg]) {
        for a in args {
            self.infer(&a.value);
        }
    }

    fn builtin(&mut self, e: &Expr, b: Builtin, args: &[Arg]) -> Type {
        let name = b.name();
        if let Some(a) = args.iter().find(|a| a.name.is_some()) {
            self.err(
                Diagnostic::error("E0033", format!("built-in `{name}` takes positional arguments"))
                    .at(a.name.as_ref().map(|n| n.span).unwrap_or(a.value.span), "named argument")
                    .help(format!("write `{name}(value)`")),
            );
        }
        let arity = b.arity();
        if args.len() != arity {
            self.err(
                Diagnostic::error(
                    if args.len() < arity { "E0032" } else { "E0033" },
                    format!("`{name}` takes {arity} argument{}", if arity == 1 { "" } else { "s" }),
                )
                .at(e.span, format!("{} given", args.len()))
                .help(format!("see the built-in functions in docs/language.md; `{name}` takes {arity}")),
            );
            self.infer_args(args);
            return match b {
                Builtin::Len => Type::Int,
                Builtin::Contains => Type::Bool,
                Builtin::Keys => Type::List(Box::new(Type::String)),
                Builtin::Join | Builtin::Lower | Builtin::Upper | Builtin::String => Type::String,
                Builtin::ComponentName => Type::Domain(Domain::Label),
            };
        }
        // Whether it is called where a component is evaluated is known only then (E0440).
        let Some(a0) = args.first().map(|a| &a.value) else { return Type::Domain(Domain::Label) };
        match b {
            Builtin::ComponentName => Type::Domain(Domain::Label),
            Builtin::Len => {
                let t = self.infer(a0);
                if !matches!(t, Type::List(_) | Type::Map(_) | Type::Record(_) | Type::Any | Type::Error)
                    && !t.is_stringish()
                {
                    self.err(
                        Diagnostic::error(
                            "E0318",
                            format!("`len` measures lists, maps and strings, not {}", a_or_an(&t)),
                        )
                        .at(a0.span, a_or_an(&t))
                        .help("pass a list, a map or a string"),
                    );
                }
                Type::Int
            }
            Builtin::Join => {
                self.check(a0, &Type::List(Box::new(Type::String)));
                self.check(&args[1].value, &Type::String);
                Type::String
            }
            Builtin::Keys => {
                let t = self.infer(a0);
                if !matches!(t, Type::Map(_) | Type::Record(_) | Type::Any | Type::Error) {
                    self.err(
                        Diagnostic::error("E0318", format!("`keys` takes a map, not {}", a_or_an(&t)))
                            .at(a0.span, a_or_an(&t))
                            .help("pass a map or a record"),
                    );
                }
                Type::List(Box::new(Type::String))
            }
            Builtin::Lower | Builtin::Upper => {
                self.check(a0, &Type::String);
                Type::String
            }
            Builtin::String => {
                let t = self.infer(a0);
                if !(t.is_stringish() || t.is_intish() || matches!(t, Type::Bool | Type::Any | Type::Error)) {
                    self.err(
                        Diagnostic::error(
                            "E0318",
                            format!("`string` converts integers and booleans, not {}", a_or_an(&t)),
                        )
                        .at(a0.span, a_or_an(&t))
                        .help("pass an Int or a Bool"),
                    );
                }
                Type::String
            }
            Builtin::Contains => {
                let t = self.infer(a0);
                match &t {
                    Type::List(it) => {
                        let it = (**it).clone();
                        self.check(&args[1].value, &it);
                    }
                    t if t.is_stringish() => {
                        self.check(&args[1].value, &Type::String);
                    }
                    Type::Any | Type::Error => {
                        self.infer(&args[1].value);
                    }
                    other => {
                        self.infer(&args[1].value);
                        self.err(
                            Diagnostic::error(
                                "E0318",
                                format!("`contains` looks in lists and strings, not {}", a_or_an(&other)),
                            )
                            .at(a0.span, a_or_an(&other))
                            .help("pass a list or a string"),
                        );
                    }
                }
                Type::Bool
            }
        }
    }
}

/// `with` right-hand sides given as values: every field they carry must fit the base.
fn patch_assignable(patch: &Type, base: &Type) -> bool {
    match (patch, base) {
        (Type::Record(p), Type::Record(b)) => p.fields.iter().all(|(k, f)| match b.fields.get(k) {
            Some(bf) => patch_assignable(&f.ty, &bf.ty) || assignable(&f.ty, &bf.ty),
            None => b.open,
        }),
        _ => assignable(patch, base),
    }
}

fn field_list(r: &RecordType) -> String {
    r.fields.keys().map(|k| format!("`{}`", written(k))).collect::<Vec<_>>().join(", ")
}
