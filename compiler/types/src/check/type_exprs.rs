//! Type expressions: what a written type (`Map<String>`, `k8s.Resources`, `Kind<"v1",
//! "Service">`, a record or union type) means, resolved in the module it is written in.

use super::*;

impl Checker<'_> {
    pub(super) fn resolve_type(&mut self, te: &TypeExpr) -> Type {
        if let Some(t) = self.type_cache.get(&te.span) {
            return t.clone();
        }
        let t = self.resolve_type_inner(te);
        self.type_cache.insert(te.span, t.clone());
        t
    }

    pub(super) fn resolve_type_inner(&mut self, te: &TypeExpr) -> Type {
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
    pub(super) fn kind_type(&mut self, te: &TypeExpr, args: &[TypeExpr]) -> Type {
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

    pub(super) fn resolve_named(&mut self, te: &TypeExpr, path: &[Ident], args: &[TypeExpr]) -> Type {
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
                "Secret" => Some(Type::Secret),
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
            // A type or composite of this module, else a type of the prelude.
            if let Some(Def::Decl { module, .. }) = self.p.resolution.name(single.span) {
                match self.decl(*module, name) {
                    Some((_, Decl::Type(_))) => return self.alias_type(*module, name, single.span),
                    Some((_, Decl::Composite(_))) => return self.composite_type(*module, name),
                    _ => {}
                }
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
            if let Some(Def::Module(im)) = self.p.resolution.name(module.span).cloned() {
                arity(self, 0, &name.name);
                match self.decl(im, &name.name) {
                    Some((_, Decl::Type(_))) => return self.alias_type(im, &name.name, name.span),
                    Some((_, Decl::Composite(_))) => return self.composite_type(im, &name.name),
                    _ => {}
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
}
