//! Operators, comprehensions and `match`: the types of `+`, comparisons, `??`, `with`,
//! `and`/`or`, of `for` over lists and maps, and of match arms against their subject.

use super::*;

impl Checker<'_> {
    pub(super) fn binary(&mut self, e: &Expr, op: BinaryOp, l: &Expr, r: &Expr) -> Type {
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

    pub(super) fn for_expr(&mut self, f: &ForExpr, expected_item: Option<&Type>) -> Type {
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
            self.locals.push(Local::new(k, kt));
        }
        self.out.local_types.insert(f.var.span, vt.clone());
        self.locals.push(Local::new(&f.var, vt));
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

    pub(super) fn check_match(&mut self, e: &Expr, subject: &Expr, arms: &[Arm], expected: Option<&Type>) -> Type {
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
}
