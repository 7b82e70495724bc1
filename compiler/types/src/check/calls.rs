//! Calls: user functions (named and positional arguments against parameters, defaults)
//! and the built-in functions, each typed from its entry in `cedc_names::builtins`.

use super::*;

impl Checker<'_> {
    pub(super) fn call(&mut self, e: &Expr, callee: &Expr, args: &[Arg]) -> Type {
        let (m, name, name_span) = match &callee.kind {
            ExprKind::Ident(id) => {
                if let Some(Def::Local { .. }) = self.p.resolution.name(id.span) {
                    self.err(
                        Diagnostic::error("E0023", format!("`{}` is a local value, not a function", id.name))
                            .at(id.span, "not callable")
                            .help("only `fn` declarations and built-in functions can be called"),
                    );
                    self.infer_args(args);
                    return Type::Error;
                }
                if !matches!(self.p.resolution.name(id.span), Some(Def::Decl { .. }))
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

    pub(super) fn not_callable(&mut self, callee: &Expr, args: &[Arg]) -> Type {
        self.infer(callee);
        self.err(
            Diagnostic::error("E0023", "only functions can be called")
                .at(callee.span, "not a function")
                .help("call a `fn` declaration: `name(...)` or `module.name(...)`"),
        );
        self.infer_args(args);
        Type::Error
    }

    pub(super) fn infer_args(&mut self, args: &[Arg]) {
        for a in args {
            self.infer(&a.value);
        }
    }

    pub(super) fn builtin(&mut self, e: &Expr, b: Builtin, args: &[Arg]) -> Type {
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
                Builtin::CompositeName => Type::Domain(Domain::Name),
                Builtin::VaultSecret | Builtin::ExistingSecret => Type::Secret,
                Builtin::SecretRef => secret_key_ref(),
                Builtin::Public => Type::String,
            };
        }
        // Whether it is called where a component is evaluated is known only then (E0440).
        let Some(a0) = args.first().map(|a| &a.value) else {
            return if b == Builtin::CompositeName { Type::Domain(Domain::Name) } else { Type::Domain(Domain::Label) };
        };
        match b {
            Builtin::ComponentName => Type::Domain(Domain::Label),
            Builtin::CompositeName => Type::Domain(Domain::Name),
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
            Builtin::VaultSecret => {
                self.check(a0, &Type::String);
                self.check(&args[1].value, &Type::String);
                Type::Secret
            }
            Builtin::ExistingSecret => {
                self.check(a0, &Type::Domain(Domain::Name));
                self.check(&args[1].value, &Type::String);
                Type::Secret
            }
            Builtin::SecretRef => {
                self.check(a0, &Type::Secret);
                secret_key_ref()
            }
            Builtin::Public => {
                self.check(a0, &Type::String);
                self.check(&args[1].value, &Type::String);
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

/// What `secret_ref` gives: the name and key of the Kubernetes Secret holding a secret.
fn secret_key_ref() -> Type {
    let field = |ty| FieldType { ty, optional: false, default: None, doc: None, span: None };
    let fields = [("name".to_string(), field(Type::Domain(Domain::Name))), ("key".to_string(), field(Type::String))];
    Type::Record(Arc::new(RecordType { name: None, fields: fields.into_iter().collect(), open: false }))
}
