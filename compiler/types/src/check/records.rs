//! Record literals and `with` patches checked against record types: unknown and
//! missing fields, keys given twice, patches that must fit the base; and the parts of
//! interpolated strings.

use super::*;

impl Checker<'_> {
    pub(super) fn duplicate_keys(&mut self, fields: &[RecordField]) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for f in fields {
            if let Key::Static(k, s) = &f.key
                && let Some(prev) = seen.insert(&**k, *s)
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

    pub(super) fn check_record(&mut self, e: &Expr, fields: &[RecordField], rt: &RecordType) {
        self.duplicate_keys(fields);
        let mut given = HashSet::new();
        for f in fields {
            match &f.key {
                Key::Static(k, kspan) => {
                    given.insert(&**k);
                    match rt.fields.get(&**k) {
                        Some(ft) => {
                            let t = if ft.optional { Type::optional(ft.ty.clone()) } else { ft.ty.clone() };
                            self.check(&f.value, &t);
                        }
                        None if rt.open => {
                            self.check(&f.value, &Type::Any);
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

    pub(super) fn unknown_field(&mut self, k: &str, span: Span, rt: &RecordType) {
        let help = match (did_you_mean(k, rt.fields.keys().map(String::as_str)), field_of_a_field(k, rt)) {
            (Some(s), _) => format!("did you mean `{}`?", written(&s)),
            (None, Some(inner)) => {
                format!("`{}` is a field of `{}`: move it inside `{}`", written(k), written(inner), written(inner))
            }
            (None, None) => format!("the fields are: {}", field_list(rt)),
        };
        let what = rt.name.clone().unwrap_or_else(|| "this record".into());
        let k = written(k);
        self.err(Diagnostic::error("E0022", format!("{what} has no field `{k}`")).at(span, "unknown field").help(help));
    }

    /// `base with patch`: every field of the patch must exist in the base's type, with
    /// a compatible value; nested record literals are patches too (deep merge).
    pub(super) fn check_patch(&mut self, patch: &Expr, base: &Type) {
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
                    match rt.fields.get(&**k) {
                        Some(ft) => self.patch_value(&f.value, &ft.ty, ft.optional),
                        None if rt.open => {
                            self.check(&f.value, &Type::Any);
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

    pub(super) fn patch_value(&mut self, v: &Expr, t: &Type, optional: bool) {
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

    pub(super) fn check_str_parts(&mut self, s: &StrExpr) {
        for p in &s.parts {
            if let StrPart::Interp(x) = p {
                let t = self.infer(x);
                let ok = t.is_stringish() || t.is_intish() || matches!(t, Type::Bool | Type::Any | Type::Error);
                if t.holds_secret() {
                    self.err(super::secret_misplaced(x.span, &Type::String, &t));
                } else if !ok {
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
}

/// `with` right-hand sides given as values: every field they carry must fit the base.
pub(super) fn patch_assignable(patch: &Type, base: &Type) -> bool {
    match (patch, base) {
        (Type::Record(p), Type::Record(b)) => p.fields.iter().all(|(k, f)| match b.fields.get(k) {
            Some(bf) => patch_assignable(&f.ty, &bf.ty) || assignable(&f.ty, &bf.ty),
            None => b.open,
        }),
        _ => assignable(patch, base),
    }
}

pub(super) fn field_list(r: &RecordType) -> String {
    r.fields.keys().map(|k| format!("`{}`", written(k))).collect::<Vec<_>>().join(", ")
}

/// The one field of `rt` whose own record type declares `k` (`replicas` written beside
/// `spec` of a `Kind<"apps/v1", "Deployment">` instead of in it); `status`, which
/// controllers write, is not one.
fn field_of_a_field<'r>(k: &str, rt: &'r RecordType) -> Option<&'r str> {
    let mut inner = rt.fields.iter().filter(|(name, f)| {
        let ty = match &f.ty {
            Type::Optional(t) => t.as_ref(),
            t => t,
        };
        *name != "status" && matches!(ty, Type::Record(r) if r.fields.contains_key(k))
    });
    match (inner.next(), inner.next()) {
        (Some((name, _)), None) => Some(name.as_str()),
        _ => None,
    }
}
