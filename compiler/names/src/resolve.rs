//! Name resolution: every identifier occurrence in the program, linked to what it names.
//! Computed once when a program is loaded ([`crate::Program::resolution`]) and read by
//! every consumer: the checker and the evaluator ask [`Resolution::name`] what an
//! identifier of an expression or a type names; the language server answers definition,
//! references and rename from the occurrences.
//!
//! The rules are the checker's: a local (parameter, `let … in`, `for` variable) shadows a
//! declaration of the module, which shadows an environment name, which shadows an import
//! alias; `alias.name` reaches a declaration of an imported module; type names also look
//! in the prelude. Record fields are not symbols (their meaning depends on types).

use crate::{ModuleId, Program};
use cedc_diagnostics::{FileId, Span};
use cedc_syntax::ast::{Arg, Expr, ExprKind, ItemKind, Key, Pattern, RecordField, StrExpr, TypeExpr, TypeExprKind};
use cedc_syntax::visit;
use std::collections::HashMap;

/// What a name refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Def {
    /// A top-level declaration (`let`, `type`, `fn`, `env`, `component`) of a module.
    Decl { module: ModuleId, name: String },
    /// A parameter, `let … in` binding or `for` variable, by the span of its name.
    Local { span: Span },
    /// A module, named through an import alias.
    Module(ModuleId),
    /// An attribute every environment declares (`domain` in `env prod { domain: … }`),
    /// read as `env.domain` or `prod.domain`; each environment's key defines it.
    EnvField { name: String },
}

/// One identifier in the source and what it refers to.
#[derive(Clone, Debug, PartialEq)]
pub struct Occurrence {
    pub span: Span,
    pub def: Def,
    /// The occurrence that introduces the name (the declaration itself).
    pub is_def: bool,
}

/// Every occurrence in a program, sorted by position, and the uses by span.
#[derive(Debug, Default)]
pub struct Resolution {
    pub occurrences: Vec<Occurrence>,
    /// Each use (an occurrence that does not introduce its name) by its span: what the
    /// checker and the evaluator look identifiers up in.
    uses: HashMap<Span, Def, foldhash::fast::FixedState>,
}

impl Resolution {
    /// What the identifier at `span` (an `Ident` expression, the alias of `alias.name`,
    /// a type name) names; `None` when nothing in scope has that name (a built-in
    /// function, or an undefined name the checker reports).
    pub fn name(&self, span: Span) -> Option<&Def> {
        self.uses.get(&span)
    }
    /// The module an expression names: an import alias that nothing shadows.
    pub fn module_of(&self, e: &Expr) -> Option<ModuleId> {
        match &e.kind {
            ExprKind::Ident(id) => match self.name(id.span) {
                Some(Def::Module(m)) => Some(*m),
                _ => None,
            },
            _ => None,
        }
    }

    /// The occurrence covering `offset` in `file` (an offset at the end of a name counts,
    /// as editors put the cursor there).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let offset = u32::try_from(offset).ok()?;
        self.occurrences.iter().find(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
    }
    /// Every occurrence of `def`, the declaration included.
    pub fn references<'a>(&'a self, def: &'a Def) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| &o.def == def)
    }
    /// Where `def` is introduced.
    pub fn definition<'a>(&'a self, def: &'a Def) -> Option<&'a Occurrence> {
        self.references(def).find(|o| o.is_def)
    }
}

/// Resolve every name of every module. Recursion follows the AST, whose depth the
/// parser bounds.
pub fn resolve(program: &Program) -> Resolution {
    let mut envs = HashMap::new();
    for m in &program.modules {
        for item in &m.ast.items {
            if let ItemKind::Env(e) = &item.kind {
                envs.entry(e.name.name.clone()).or_insert(m.id);
            }
        }
    }
    let mut r = Resolver { p: program, envs, module: ModuleId(0), locals: Vec::new(), out: Vec::new() };
    for m in &program.modules {
        r.module = m.id;
        for item in &m.ast.items {
            r.locals.clear();
            r.item(&item.kind);
        }
    }
    r.out.sort_by_key(|o| (o.span.file, o.span.start, o.span.end));
    r.out.dedup();
    let uses = r.out.iter().filter(|o| !o.is_def).map(|o| (o.span, o.def.clone())).collect();
    Resolution { occurrences: r.out, uses }
}

struct Resolver<'p> {
    p: &'p Program,
    envs: HashMap<String, ModuleId>,
    module: ModuleId,
    locals: Vec<(String, Span)>,
    out: Vec<Occurrence>,
}

impl Resolver<'_> {
    fn push(&mut self, span: Span, def: Def, is_def: bool) {
        self.out.push(Occurrence { span, def, is_def });
    }

    fn decl_def(&self, name: &str) -> Def {
        Def::Decl { module: self.module, name: name.to_string() }
    }

    fn item(&mut self, kind: &ItemKind) {
        match kind {
            ItemKind::Import(i) => {
                let Some((target, _)) = self.alias_of(i) else { return };
                let span = i.alias.as_ref().map_or(i.path_span, |a| a.span);
                self.push(span, Def::Module(target), true);
                if span != i.path_span {
                    // The path string leads to the module too.
                    self.push(i.path_span, Def::Module(target), false);
                }
            }
            ItemKind::Let(d) => {
                self.push(d.name.span, self.decl_def(&d.name.name), true);
                if let Some(t) = &d.ty {
                    self.ty(t);
                }
                self.expr(&d.value);
            }
            ItemKind::Type(d) => {
                self.push(d.name.span, self.decl_def(&d.name.name), true);
                self.ty(&d.ty);
            }
            ItemKind::Fn(d) => {
                self.push(d.name.span, self.decl_def(&d.name.name), true);
                for p in &d.params {
                    self.ty(&p.ty);
                    if let Some(v) = &p.default {
                        self.expr(v);
                    }
                }
                self.ty(&d.ret);
                for p in &d.params {
                    self.push(p.name.span, Def::Local { span: p.name.span }, true);
                    self.locals.push((p.name.name.clone(), p.name.span));
                }
                self.expr(&d.body);
            }
            ItemKind::Composite(d) => {
                self.push(d.name.span, self.decl_def(&d.name.name), true);
                self.ty(&d.param.ty);
                self.push(d.param.name.span, Def::Local { span: d.param.name.span }, true);
                self.locals.push((d.param.name.name.clone(), d.param.name.span));
                self.expr(&d.body);
            }
            ItemKind::Env(d) => {
                self.push(d.name.span, self.decl_def(&d.name.name), true);
                for f in &d.fields {
                    if let Key::Static(k, span) = &f.key {
                        self.push(*span, Def::EnvField { name: k.to_string() }, true);
                    }
                }
                self.fields(&d.fields);
            }
            ItemKind::Component(d) => {
                self.push(d.name.span, self.decl_def(&d.name.name), true);
                self.expr(&d.body);
            }
            ItemKind::Override(o) => {
                for e in &o.envs {
                    self.env_name(e.span, &e.name);
                }
                for set in &o.sets {
                    self.override_path(&set.path);
                    self.expr(&set.value);
                }
            }
        }
    }

    /// The module an import names and the alias it is known by.
    fn alias_of(&self, i: &cedc_syntax::ast::Import) -> Option<(ModuleId, String)> {
        let m = self.p.module(self.module);
        m.imports
            .iter()
            .find(|(_, (_, span))| *span == i.path_span || i.alias.as_ref().is_some_and(|a| a.span == *span))
            .map(|(alias, (target, _))| (*target, alias.clone()))
    }

    fn override_path(&mut self, path: &[cedc_syntax::ast::Ident]) {
        let Some(first) = path.first() else { return };
        let m = self.p.module(self.module);
        if m.decls.contains_key(&first.name) {
            self.push(first.span, self.decl_def(&first.name), false);
        } else if let Some((target, _)) = m.imports.get(&first.name) {
            let target = *target;
            self.push(first.span, Def::Module(target), false);
            if let Some(second) = path.get(1)
                && self.p.module(target).decls.contains_key(&second.name)
            {
                self.push(second.span, Def::Decl { module: target, name: second.name.clone() }, false);
            }
        }
    }

    /// Whether `e` is an environment: `env`, or the name of one not shadowed here.
    fn is_env(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Env => true,
            ExprKind::Ident(id) => {
                let declared = self.p.module(self.module).item(&id.name).map(|i| &i.kind);
                self.envs.contains_key(&id.name)
                    && !self.locals.iter().any(|(n, _)| *n == id.name)
                    && matches!(declared, None | Some(ItemKind::Env(_)))
            }
            _ => false,
        }
    }

    fn env_name(&mut self, span: Span, name: &str) {
        if let Some(m) = self.envs.get(name) {
            self.push(span, Def::Decl { module: *m, name: name.to_string() }, false);
        }
    }

    fn ty(&mut self, t: &TypeExpr) {
        match &t.kind {
            TypeExprKind::Named { path, args } => {
                match path.as_slice() {
                    [single] if !crate::builtins::TYPES.contains(&single.name.as_str()) => {
                        // A type or composite of this module, else a type of the prelude.
                        let kind = |m: ModuleId| self.p.module(m).item(&single.name).map(|i| &i.kind);
                        if matches!(kind(self.module), Some(ItemKind::Type(_) | ItemKind::Composite(_))) {
                            self.push(single.span, self.decl_def(&single.name), false);
                        } else if let Some(pm) = self.p.prelude
                            && matches!(kind(pm), Some(ItemKind::Type(_)))
                        {
                            self.push(single.span, Def::Decl { module: pm, name: single.name.clone() }, false);
                        }
                    }
                    [alias, name] => {
                        if let Some((target, _)) = self.p.module(self.module).imports.get(&alias.name) {
                            let target = *target;
                            self.push(alias.span, Def::Module(target), false);
                            if self.p.module(target).decls.contains_key(&name.name) {
                                self.push(name.span, Def::Decl { module: target, name: name.name.clone() }, false);
                            }
                        }
                    }
                    _ => {}
                }
                for a in args {
                    self.ty(a);
                }
            }
            TypeExprKind::Record { fields, .. } => {
                for f in fields {
                    self.ty(&f.ty);
                    if let Some(d) = &f.default {
                        // A default is computed where the record is made, not where its
                        // type is written: no local is in scope.
                        let saved = std::mem::take(&mut self.locals);
                        self.expr(d);
                        self.locals = saved;
                    }
                }
            }
            TypeExprKind::Union(_) => {}
            TypeExprKind::Optional(inner) => self.ty(inner),
        }
    }

    /// The import alias an expression names, unless a local, a declaration or an
    /// environment shadows it (the rule of [`Self::lookup`]).
    fn module_alias(&self, e: &Expr) -> Option<ModuleId> {
        match &e.kind {
            ExprKind::Ident(id) => match self.lookup(&id.name) {
                Some(Def::Module(m)) => Some(m),
                _ => None,
            },
            _ => None,
        }
    }

    /// The scoping rule, in one place: a local shadows a declaration of the module,
    /// which shadows an environment, which shadows an import alias.
    fn lookup(&self, name: &str) -> Option<Def> {
        if let Some((_, def)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return Some(Def::Local { span: *def });
        }
        let m = self.p.module(self.module);
        if m.decls.contains_key(name) {
            return Some(self.decl_def(name));
        }
        if let Some(env_module) = self.envs.get(name) {
            return Some(Def::Decl { module: *env_module, name: name.to_string() });
        }
        m.imports.get(name).map(|(t, _)| Def::Module(*t))
    }

    fn ident(&mut self, span: Span, name: &str) {
        if let Some(def) = self.lookup(name) {
            self.push(span, def, false);
        }
    }

    fn fields(&mut self, fields: &[RecordField]) {
        for f in fields {
            if let Key::Dynamic(s, _) = &f.key {
                self.string(s);
            }
            self.expr(&f.value);
        }
    }

    fn string(&mut self, s: &StrExpr) {
        visit::interpolations(s, |e| self.expr(e));
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Ident(id) => self.ident(id.span, &id.name),
            ExprKind::Field(base, name) => {
                self.expr(base);
                if let Some(target) = self.module_alias(base)
                    && self.p.module(target).decls.contains_key(&name.name)
                {
                    self.push(name.span, Def::Decl { module: target, name: name.name.clone() }, false);
                } else if self.is_env(base) && name.name != "name" {
                    self.push(name.span, Def::EnvField { name: name.name.clone() }, false);
                }
            }
            ExprKind::Call(f, args) => {
                self.expr(f);
                self.call_args(f, args);
            }
            ExprKind::Match(scrutinee, arms) => {
                self.expr(scrutinee);
                for arm in arms {
                    for p in &arm.patterns {
                        if let Pattern::Name(id) = p {
                            self.env_name(id.span, &id.name);
                        }
                    }
                    self.expr(&arm.body);
                }
            }
            ExprKind::For(f) => {
                self.expr(&f.iter);
                let n = self.locals.len();
                for v in f.key.iter().chain(std::iter::once(&f.var)) {
                    self.push(v.span, Def::Local { span: v.span }, true);
                    self.locals.push((v.name.clone(), v.span));
                }
                if let Some(c) = &f.cond {
                    self.expr(c);
                }
                self.expr(&f.body);
                self.locals.truncate(n);
            }
            ExprKind::LetIn(l) => {
                if let Some(t) = &l.ty {
                    self.ty(t);
                }
                self.expr(&l.value);
                self.push(l.name.span, Def::Local { span: l.name.span }, true);
                self.locals.push((l.name.name.clone(), l.name.span));
                self.expr(&l.body);
                self.locals.pop();
            }
            _ => visit::for_each_child(e, |c| self.expr(c)),
        }
    }

    /// Named arguments refer to the parameters of the function called.
    fn call_args(&mut self, f: &Expr, args: &[Arg]) {
        let target = match &f.kind {
            ExprKind::Ident(id) if !self.locals.iter().any(|(n, _)| *n == id.name) => Some((self.module, &id.name)),
            ExprKind::Field(base, name) => self.module_alias(base).map(|m| (m, &name.name)),
            _ => None,
        };
        let params = target.and_then(|(m, name)| match self.p.module(m).item(name).map(|i| &i.kind) {
            Some(ItemKind::Fn(d)) => Some(&d.params),
            _ => None,
        });
        for a in args {
            if let (Some(n), Some(params)) = (&a.name, params)
                && let Some(p) = params.iter().find(|p| p.name.name == n.name)
            {
                self.push(n.span, Def::Local { span: p.name.span }, false);
            }
            self.expr(&a.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemoryFs, load_project};

    /// Resolve a project and describe each occurrence as `file:text -> target`.
    fn resolved(files: &[(&str, &str)]) -> (Program, Resolution) {
        let fs = MemoryFs { files: files.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect() };
        let (p, d) = load_project(&fs, &["main.ced".into()]);
        assert!(d.is_empty(), "{d:?}");
        let r = resolve(&p);
        (p, r)
    }

    fn offset(p: &Program, file: &str, needle: &str, nth: usize) -> (FileId, usize) {
        let m = p.modules.iter().find(|m| m.name == file).unwrap();
        let text = &p.files.get(m.file).text;
        let at = text.match_indices(needle).nth(nth).unwrap().0;
        (m.file, at)
    }

    #[test]
    fn locals_shadow_declarations_and_params_link_to_named_arguments() {
        let (p, r) = resolved(&[(
            "main.ced",
            "let n = 1\nfn f(n: Int) -> Int = n + 1\nlet a = f(n: n)\nlet b = let n = 2 in n\nenv prod {}\n",
        )]);
        let (file, body_n) = offset(&p, "main.ced", "n + 1", 0);
        let param = offset(&p, "main.ced", "n: Int", 0).1;
        let o = r.at(file, body_n).unwrap();
        assert_eq!(o.def, Def::Local { span: Span::new(file, param, param + 1) });
        // `f(n: n)`: the argument name is the parameter, the value is the `let`.
        let call = offset(&p, "main.ced", "n: n", 0).1;
        assert_eq!(r.at(file, call).unwrap().def, o.def);
        let top = Def::Decl { module: p.modules.iter().find(|m| m.name == "main.ced").unwrap().id, name: "n".into() };
        assert_eq!(r.at(file, call + 3).unwrap().def, top);
        // `let n = 2 in n` shadows the top-level `n`.
        let inner = offset(&p, "main.ced", "in n", 0).1 + 3;
        assert!(matches!(r.at(file, inner).unwrap().def, Def::Local { .. }));
        // References of the top-level `n`: its declaration and the argument value only.
        assert_eq!(r.references(&top).count(), 2);
        assert!(r.definition(&top).unwrap().is_def);
    }

    #[test]
    fn uses_are_looked_up_by_span_and_defaults_see_no_locals() {
        let (p, r) = resolved(&[
            (
                "main.ced",
                "import \"./lib\" as l\nlet x = 1\nfn f(x: Int) -> { a: Int = x } = { a: x + l.size }\nenv prod {}\n",
            ),
            ("lib.ced", "let size = 3\n"),
        ]);
        let main = p.modules.iter().find(|m| m.name == "main.ced").unwrap();
        let span_of = |needle: &str, nth: usize| {
            let (file, at) = offset(&p, "main.ced", needle, nth);
            Span::new(file, at, at + 1)
        };
        // In the record type's default, the parameter is not in scope: `x` is the `let`.
        assert_eq!(r.name(span_of("x }", 0)), Some(&Def::Decl { module: main.id, name: "x".into() }));
        // In the body, it is the parameter.
        let param = span_of("x: Int", 0);
        assert_eq!(r.name(span_of("x + l", 0)), Some(&Def::Local { span: param }));
        // `l` in `l.size` names the module; a declaration is not a use.
        let base = cedc_syntax::ast::Expr {
            kind: ExprKind::Ident(cedc_syntax::ast::Ident { name: "l".into(), span: span_of("l.size", 0) }),
            span: span_of("l.size", 0),
        };
        let lib = p.modules.iter().find(|m| m.name == "lib.ced").unwrap().id;
        assert_eq!(r.module_of(&base), Some(lib));
        assert_eq!(r.name(span_of("x = 1", 0)), None);
    }

    #[test]
    fn qualified_names_envs_and_overrides_cross_files() {
        let (p, r) = resolved(&[
            (
                "main.ced",
                "import \"./lib\" as l\nenv prod {}\nenv dev {}\ncomponent web = l.mk(x: l.size)\nin prod { web = l.mk(x: 2) }\nlet t: l.T = { a: 1 }\nlet e = match env { prod => 1, dev => 2 }\n",
            ),
            ("lib.ced", "/// Size.\nlet size = 3\ntype T = { a: Int }\nfn mk(x: Int) -> Component = { objects: [] }\n"),
        ]);
        let lib = p.modules.iter().find(|m| m.name == "lib.ced").unwrap().id;
        let main = p.modules.iter().find(|m| m.name == "main.ced").unwrap().id;
        let size = Def::Decl { module: lib, name: "size".into() };
        let refs: Vec<_> = r.references(&size).collect();
        assert_eq!(refs.len(), 2, "{refs:?}");
        let mk = Def::Decl { module: lib, name: "mk".into() };
        assert_eq!(r.references(&mk).count(), 3);
        let t = Def::Decl { module: lib, name: "T".into() };
        assert_eq!(r.references(&t).count(), 2);
        // `in prod` and `prod =>` refer to the env declaration.
        let prod = Def::Decl { module: main, name: "prod".into() };
        assert_eq!(r.references(&prod).count(), 3);
        // The override target `web` is the component.
        let web = Def::Decl { module: main, name: "web".into() };
        assert_eq!(r.references(&web).count(), 2);
        // `l` is the module.
        let (file, at) = offset(&p, "main.ced", "l.size", 0);
        assert_eq!(r.at(file, at).unwrap().def, Def::Module(lib));
    }
}
