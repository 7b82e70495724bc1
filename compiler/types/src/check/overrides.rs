//! Overrides: each `in env { path = value }` resolved to the declaration and field it
//! replaces and checked against its type, and overrides that conflict (the same path, or
//! one path inside another, for one environment) reported.

use super::*;

impl Checker<'_> {
    pub(super) fn check_override(&mut self, m: ModuleId, idx: usize, o: &OverrideBlock) {
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
            let Some((target, decl_span, mut ty, rest)) = self.override_target(&set.path) else { continue };
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
    pub(super) fn override_target<'a>(&mut self, path: &'a [Ident]) -> Option<(DeclKey, Span, Type, &'a [Ident])> {
        let first = path.first()?;
        let (tm, name, rest) = match self.p.resolution.name(first.span).cloned() {
            Some(Def::Decl { module, .. }) => (module, first, &path[1..]),
            Some(Def::Module(im)) => {
                let Some(second) = path.get(1) else {
                    self.err(
                        Diagnostic::error(
                            "E0050",
                            format!("`{}` is a module; name a declaration inside it", first.name),
                        )
                        .at(first.span, "a module")
                        .help(format!("write `{}.<declaration>.<field> = ...`", first.name)),
                    );
                    return None;
                };
                (im, second, &path[2..])
            }
            _ => {
                self.undefined(first, &[]);
                return None;
            }
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

    pub(super) fn check_override_conflicts(&mut self) {
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
}
