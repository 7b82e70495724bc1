//! `composite` declarations (docs/crossplane.md): the value of one is its
//! CompositeResourceDefinition and its Composition, built from the checked spec type and
//! from the body evaluated with the parameter standing for the spec of every composite
//! Crossplane will compose.
//!
//! That parameter is a [`ValueKind::Patch`]: reading a field of it extends the path,
//! putting it in a string adds a `Format` transform (several fields: a combined patch),
//! `x ?? d` gives the composed resource `d` while the field is unset, `match` over its
//! string values is a `map` transform and `x * n` a `Multiply`. Anything else that would
//! need the value itself is E0156, at the expression. Building the Composition takes
//! every patch out of each resource's base and turns it into a patch of the resource.
//!
//! Invariant: no `Patch` value leaves [`Evaluator::composite`]; one found after the
//! patches are taken out (in a resource's name, the scope) is E0156.

use super::{Evaluator, R, Stop, internal};
use cedc_diagnostics::{Diagnostic, Span};
use cedc_model::views::crossplane as xp;
use cedc_model::{Fields, PatchSource, Value, ValueKind};
use cedc_names::Builtin;
use cedc_syntax::ast::{Arm, CompositeDecl, Pattern};
use cedc_types::{CompositeInfo, DeclKey, Domain, Type};
use std::sync::Arc;

/// The step of the Composition's pipeline that runs function-patch-and-transform.
pub const STEP: &str = "patch-and-transform";

const HELP: &str = "a composed resource may read the composite's fields as they are, put them in strings, give them a default with `??`, map string values with `match`, multiply integers or pass them to `upper`, `lower` or `string`; anything else is computed before: make it a field of the spec";

impl Evaluator<'_> {
    /// The value of the composite `key`: `{ definition, composition }`.
    pub(super) fn composite(&mut self, key: &DeclKey, d: &CompositeDecl) -> R {
        let Some(info) = self.c.composites.get(key) else {
            return Err(self.fail(internal(d.name.span, "composite")));
        };
        let spec = PatchSource { from: vec!["spec".into()], combine: None, transforms: Vec::new(), fallback: None };
        let param = Value::new(ValueKind::Patch(Arc::new(spec)), d.param.name.span);
        self.composing += 1;
        let body = self.in_module(key.0, vec![(d.param.name.span, param)], |ev| {
            let v = ev.expr(&d.body)?;
            ev.conform(v, &info.composition)
        });
        self.composing -= 1;
        let body = body?;
        let plural = match body.as_record().and_then(|f| f.get("plural")).filter(|p| !matches!(p.kind, ValueKind::None))
        {
            Some(p) => p.clone(),
            None => s(&format!("{}s", info.kind.to_lowercase()), d.name.span),
        };
        self.no_patch(&plural, plural.span(), "the kind's plural")?;
        let scope = self.known_str(&body, "scope")?;
        if info.claim.is_some()
            && scope.as_deref() == Some(xp::SCOPE_NAMESPACED)
            && let Some(at) = body.as_record().and_then(|f| f.get("scope")).map(Value::span)
        {
            return Err(self.fail(
                Diagnostic::error("E0166", "a composite with claims is cluster-scoped")
                    .at(at, "namespaced")
                    .help("claims live in namespaces and their composites in the cluster (Crossplane's v1 form): remove `scope`, or the `claim` to have namespaced composites without claims"),
            ));
        }
        let name = format!("{}.{}", plural.as_str().unwrap_or_default(), info.group());
        let span = d.name.span;
        let scope = scope.unwrap_or_else(|| xp::SCOPE_NAMESPACED.into());
        let definition = self.definition(info, &name, plural, &scope, span)?;
        let composition = self.composition(info, &name, &body, span)?;
        let mut out = Fields::new();
        out.insert("definition".into(), definition);
        out.insert("composition".into(), composition);
        Ok(Value::new(ValueKind::Record(out), span))
    }

    /// The scope of the composite declared as `kind` at `api_version`, if one is: its
    /// objects get a namespace only when it is namespaced.
    pub(super) fn composite_scope(&mut self, api_version: &str, kind: &str) -> Option<String> {
        if self.c.composites.is_empty() {
            return None;
        }
        let (key, info) = self
            .c
            .composites
            .iter()
            .find(|(_, i)| i.api_version == api_version && (i.kind == kind || i.claim.as_deref() == Some(kind)))?;
        if info.claim.as_deref() == Some(kind) {
            return Some(xp::SCOPE_NAMESPACED.to_string());
        }
        let (key, span) = (key.clone(), info.span);
        let value = self.let_value(key.0, &key.1, span).ok()?;
        let definition = value.as_record()?.get("definition")?;
        let spec = definition.as_record()?.get("spec")?.as_record()?;
        // A v1 definition (with claims) has no scope: its composites are cluster-scoped.
        Some(spec.get("scope").and_then(Value::as_str).unwrap_or(xp::SCOPE_CLUSTER).to_string())
    }

    /// A string field of the body that must be known now.
    fn known_str(&mut self, body: &Value, field: &str) -> Result<Option<String>, Stop> {
        let Some(v) = body.as_record().and_then(|f| f.get(field)) else { return Ok(None) };
        if let ValueKind::Patch(_) = v.kind {
            return Err(self.not_composable(v.span(), &format!("the composition's `{field}`")));
        }
        Ok(v.as_str().map(str::to_string))
    }

    /// The CompositeResourceDefinition: Crossplane v2's, or the v1 form (cluster-scoped,
    /// no `scope`, and `claimNames`) for a composite with claims.
    fn definition(&mut self, info: &CompositeInfo, name: &str, plural: Value, scope: &str, span: Span) -> R {
        let spec_schema = self.schema(&info.spec, span)?;
        let mut top = Fields::new();
        top.insert("type".into(), s("object", span));
        if let Some(doc) = &info.doc {
            top.insert("description".into(), s(doc, span));
        }
        let mut props = Fields::new();
        props.insert("spec".into(), spec_schema);
        let mut status = Fields::new();
        status.insert("type".into(), s("object", span));
        status.insert("x-kubernetes-preserve-unknown-fields".into(), Value::new(ValueKind::Bool(true), span));
        props.insert("status".into(), Value::new(ValueKind::Record(status), span));
        top.insert("properties".into(), Value::new(ValueKind::Record(props), span));
        top.insert("required".into(), Value::new(ValueKind::list(vec![s("spec", span)]), span));
        let version = record(
            [
                ("name", s(info.version(), span)),
                ("served", Value::new(ValueKind::Bool(true), span)),
                ("referenceable", Value::new(ValueKind::Bool(true), span)),
                ("schema", record([("openAPIV3Schema", Value::new(ValueKind::Record(top), span))], span)),
            ],
            span,
        );
        let mut spec = Fields::new();
        spec.insert("group".into(), s(info.group(), span));
        spec.insert("names".into(), record([("kind", s(&info.kind, span)), ("plural", plural)], span));
        let api_version = match &info.claim {
            Some(claim) => {
                let plural = s(&format!("{}s", claim.to_lowercase()), span);
                spec.insert("claimNames".into(), record([("kind", s(claim, span)), ("plural", plural)], span));
                xp::XRD_API_VERSION_V1
            }
            None => {
                spec.insert("scope".into(), s(scope, span));
                xp::XRD_API_VERSION
            }
        };
        spec.insert("defaultCompositionRef".into(), record([("name", s(name, span))], span));
        spec.insert("versions".into(), Value::new(ValueKind::list(vec![version]), span));
        self.charge(span, 16, 0)?;
        Ok(object(
            api_version,
            xp::COMPOSITE_RESOURCE_DEFINITION,
            name,
            Value::new(ValueKind::Record(spec), span),
            span,
        ))
    }

    /// The Composition: one pipeline step of function-patch-and-transform.
    fn composition(&mut self, info: &CompositeInfo, name: &str, body: &Value, span: Span) -> R {
        let resources = body.as_record().and_then(|f| f.get("resources")).and_then(Value::as_list).unwrap_or(&[]);
        let mut out = Vec::new();
        for r in resources {
            out.push(self.composed(r)?);
        }
        let input = record(
            [
                ("apiVersion", s(xp::PT_API_VERSION, span)),
                ("kind", s(xp::RESOURCES, span)),
                ("resources", Value::new(ValueKind::list(out), span)),
            ],
            span,
        );
        let step = record(
            [
                ("step", s(STEP, span)),
                ("functionRef", record([("name", s(xp::PATCH_AND_TRANSFORM, span))], span)),
                ("input", input),
            ],
            span,
        );
        let spec = record(
            [
                (
                    "compositeTypeRef",
                    record([("apiVersion", s(&info.api_version, span)), ("kind", s(&info.kind, span))], span),
                ),
                ("mode", s(xp::MODE_PIPELINE, span)),
                ("pipeline", Value::new(ValueKind::list(vec![step]), span)),
            ],
            span,
        );
        Ok(object(xp::COMPOSITION_API_VERSION, xp::COMPOSITION, name, spec, span))
    }

    /// One resource of the Composition: its base without the composite's fields, and a
    /// patch for each place the base read one.
    fn composed(&mut self, r: &Value) -> R {
        let Some(fields) = r.as_record() else { return Err(self.fail(internal(r.span(), "composed resource"))) };
        let (Some(name), Some(base)) = (fields.get("name"), fields.get("base")) else {
            return Err(self.fail(internal(r.span(), "composed resource")));
        };
        if let ValueKind::Patch(_) = name.kind {
            return Err(self.not_composable(name.span(), "a composed resource's name"));
        }
        let mut base = base.clone();
        let mut patches = Vec::new();
        take_patches(&mut base, &mut patches);
        self.charge_items(r.span(), patches.len(), patches.len())?;
        let patches: Vec<Value> = patches.into_iter().map(|(to, p, span)| patch_record(&to, &p, span)).collect();
        let mut out = Fields::new();
        out.insert("name".into(), name.clone());
        out.insert("base".into(), base);
        if !patches.is_empty() {
            out.insert("patches".into(), Value::new(ValueKind::list(patches), r.span()));
        }
        for field in ["readinessChecks", "connectionDetails"] {
            if let Some(v) = fields.get(field).filter(|v| !matches!(v.kind, ValueKind::None)) {
                self.no_patch(v, v.span(), &format!("a composed resource's `{field}`"))?;
                out.insert(field.into(), v.clone());
            }
        }
        Ok(Value::new(ValueKind::Record(out), r.span()))
    }

    /// The OpenAPI v3 schema of a spec type, as a definition holds it. Types are not
    /// recursive and nest no deeper than the parser allows, so this recursion is bounded.
    fn schema(&mut self, t: &Type, span: Span) -> R {
        self.charge(span, 1, 0)?;
        let mut out = Fields::new();
        let ty = |t: &str| s(t, span);
        match t {
            Type::Optional(inner) => return self.schema(inner, span),
            Type::Bool => {
                out.insert("type".into(), ty("boolean"));
            }
            Type::Int => {
                out.insert("type".into(), ty("integer"));
            }
            Type::String => {
                out.insert("type".into(), ty("string"));
            }
            Type::Domain(Domain::Port) => {
                out.insert("type".into(), ty("integer"));
                out.insert("minimum".into(), Value::new(ValueKind::Int(1), span));
                out.insert("maximum".into(), Value::new(ValueKind::Int(65535), span));
            }
            Type::Domain(d) => {
                out.insert("type".into(), ty("string"));
                if let Some((pattern, max)) = domain_rule(*d) {
                    out.insert("pattern".into(), s(pattern, span));
                    if let Some(max) = max {
                        out.insert("maxLength".into(), Value::new(ValueKind::Int(max), span));
                    }
                }
            }
            Type::Enum(members) => {
                out.insert("type".into(), ty("string"));
                let values = members.iter().map(|m| s(m, span)).collect::<Vec<_>>();
                out.insert("enum".into(), Value::new(ValueKind::list(values), span));
            }
            Type::List(item) => {
                out.insert("type".into(), ty("array"));
                let item = self.schema(item, span)?;
                out.insert("items".into(), item);
            }
            Type::Map(item) => {
                out.insert("type".into(), ty("object"));
                let item = self.schema(item, span)?;
                out.insert("additionalProperties".into(), item);
            }
            Type::Record(r) => {
                out.insert("type".into(), ty("object"));
                let mut props = Fields::new();
                let mut required = Vec::new();
                for (k, f) in &r.fields {
                    let fspan = f.span.unwrap_or(span);
                    let mut p = self.schema(&f.ty, fspan)?;
                    if let (Some(doc), ValueKind::Record(pf)) = (&f.doc, &mut p.kind) {
                        pf.insert("description".into(), s(doc, fspan));
                    }
                    if let Some(def) = &f.default {
                        let dv = self.in_module(def.module, Vec::new(), |ev| ev.expr(&def.expr))?;
                        let dv = self.conform(dv, &f.ty)?;
                        if let ValueKind::Record(pf) = &mut p.kind {
                            pf.insert("default".into(), dv);
                        }
                    }
                    if f.required() {
                        required.push(s(k, fspan));
                    }
                    props.insert(k.as_str().into(), p);
                }
                out.insert("properties".into(), Value::new(ValueKind::Record(props), span));
                if !required.is_empty() {
                    out.insert("required".into(), Value::new(ValueKind::list(required), span));
                }
                if r.open {
                    out.insert("x-kubernetes-preserve-unknown-fields".into(), Value::new(ValueKind::Bool(true), span));
                }
            }
            // `Any`, and what the checker refused already (E0155).
            _ => {
                out.insert("x-kubernetes-preserve-unknown-fields".into(), Value::new(ValueKind::Bool(true), span));
            }
        }
        Ok(Value::new(ValueKind::Record(out), span))
    }

    // ------------------------------------------------------------ reading the spec

    /// `x.field` where `x` reads the composite.
    pub(super) fn patch_field(&mut self, p: &PatchSource, field: &str, span: Span) -> R {
        if p.from.len() != 1 || !p.transforms.is_empty() || p.fallback.is_some() {
            return Err(self.not_composable(span, "a field of a computed value"));
        }
        let mut from = p.from.clone();
        if let Some(last) = from.last_mut() {
            last.push('.');
            last.push_str(field);
        }
        Ok(patch(PatchSource { from, combine: None, transforms: Vec::new(), fallback: None }, span))
    }

    /// A string with the composite's fields in it: `texts` are the literal pieces around
    /// the `reads` (one more text than reads).
    pub(super) fn patch_string(&mut self, texts: Vec<String>, reads: Vec<(Arc<PatchSource>, Span)>, span: Span) -> R {
        let fmt: String = texts
            .iter()
            .enumerate()
            .map(|(i, t)| if i == 0 { t.replace('%', "%%") } else { format!("%v{}", t.replace('%', "%%")) })
            .collect();
        if let [(p, _)] = reads.as_slice() {
            let mut p = (**p).clone();
            let whole = texts.iter().all(String::is_empty);
            let transform = if whole {
                record([("type", s("convert", span)), ("convert", record([("toType", s("string", span))], span))], span)
            } else {
                record(
                    [
                        ("type", s("string", span)),
                        ("string", record([("type", s("Format", span)), ("fmt", s(&fmt, span))], span)),
                    ],
                    span,
                )
            };
            p.transforms.push(transform);
            // The default becomes the text it would be, when it is a plain value.
            p.fallback = p.fallback.and_then(|f| {
                let text = match &f.kind {
                    ValueKind::Str(t) => t.to_string(),
                    ValueKind::Int(i) => i.to_string(),
                    ValueKind::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some(Box::new(s(&format!("{}{text}{}", texts[0], texts[1]), f.span())))
            });
            return Ok(patch(p, span));
        }
        let mut from = Vec::new();
        for (p, at) in &reads {
            if p.from.len() != 1 || !p.transforms.is_empty() || p.fallback.is_some() {
                return Err(self.not_composable(*at, "a computed value combined with other fields in a string"));
            }
            from.extend(p.from.iter().cloned());
        }
        Ok(patch(PatchSource { from, combine: Some(fmt), transforms: Vec::new(), fallback: None }, span))
    }

    /// `x ?? fallback`.
    pub(super) fn patch_default(&mut self, p: &PatchSource, fallback: Value, span: Span) -> R {
        if let Some(bad) = fallback.unwritable() {
            return Err(self.not_composable(bad.span(), "the default of a composite's field"));
        }
        let mut p = p.clone();
        if p.fallback.is_none() {
            p.fallback = Some(Box::new(fallback));
        }
        Ok(patch(p, span))
    }

    /// `match x { "a" => ..., }`: a `map` transform.
    pub(super) fn patch_match(&mut self, p: &PatchSource, arms: &[Arm], span: Span) -> R {
        let mut map = Fields::new();
        for arm in arms {
            let value = self.expr(&arm.body)?;
            if let Some(bad) = value.unwritable() {
                return Err(self.not_composable(bad.span(), "what a match over a composite's field gives"));
            }
            for pat in &arm.patterns {
                let Pattern::Str(key, _) = pat else {
                    return Err(self.fail(
                        Diagnostic::error("E0156", "a match over a composite's field lists its string values")
                            .at(pat.span(), "not a string value")
                            .help("Crossplane maps a field with a table of its string values: list each value (`\"A\" => ...`), with no `_` arm"),
                    ));
                };
                map.insert(key.as_str().into(), value.clone());
            }
        }
        let mut p = p.clone();
        p.transforms.push(record([("type", s("map", span)), ("map", Value::new(ValueKind::Record(map), span))], span));
        p.fallback = None;
        Ok(patch(p, span))
    }

    /// `upper(x)`, `lower(x)` and `string(x)` of a read of the composite: the transforms
    /// Crossplane has for them. `None` for other built-ins (E0156 follows).
    pub(super) fn patch_builtin(&mut self, p: &PatchSource, b: Builtin, rest: &[Value], span: Span) -> Option<R> {
        let transform = match (b, rest) {
            (Builtin::Upper | Builtin::Lower, []) => {
                let to = if b == Builtin::Upper { "ToUpper" } else { "ToLower" };
                string_transform(record([("type", s("Convert", span)), ("convert", s(to, span))], span), span)
            }
            (Builtin::String, []) => {
                record([("type", s("convert", span)), ("convert", record([("toType", s("string", span))], span))], span)
            }
            _ => return None,
        };
        let mut p = p.clone();
        p.transforms.push(transform);
        p.fallback = None;
        Some(Ok(patch(p, span)))
    }

    /// `x * n`.
    pub(super) fn patch_multiply(&mut self, p: &PatchSource, n: i64, span: Span) -> R {
        let mut p = p.clone();
        let math = record([("type", s("Multiply", span)), ("multiply", Value::new(ValueKind::Int(n), span))], span);
        p.transforms.push(record([("type", s("math", span)), ("math", math)], span));
        p.fallback = p.fallback.and_then(|f| match f.kind {
            ValueKind::Int(i) => i.checked_mul(n).map(|m| Box::new(Value::new(ValueKind::Int(m), f.span()))),
            _ => None,
        });
        Ok(patch(p, span))
    }

    /// `composite_name()`: a read of the composite's `metadata.name`.
    pub(super) fn composite_name(&mut self, span: Span) -> R {
        if self.composing == 0 {
            return Err(self.fail(
                Diagnostic::error("E0163", "`composite_name()` is used outside a composite's body")
                    .at(span, "no composite is being composed here")
                    .help("`composite_name()` names each composite Crossplane composes: call it in a `composite` declaration's body (or a function that body calls)"),
            ));
        }
        let from = vec!["metadata.name".to_string()];
        Ok(patch(PatchSource { from, combine: None, transforms: Vec::new(), fallback: None }, span))
    }

    /// E0156 at `span`: `what` needs a value Crossplane reads only when it composes.
    pub(super) fn not_composable(&mut self, span: Span, what: &str) -> Stop {
        self.fail(
            Diagnostic::error("E0156", format!("{what} cannot depend on the composite's spec"))
                .at(span, "reads the composite's spec, known only when Crossplane composes")
                .help(HELP),
        )
    }

    /// While a composite is evaluated: E0156 if `v` reads the composite's spec.
    pub(super) fn known(&mut self, v: &Value, span: Span, what: &str) -> Result<(), Stop> {
        if self.composing == 0 {
            return Ok(());
        }
        self.no_patch(v, span, what)
    }

    /// E0156 if `v` reads the composite's spec.
    fn no_patch(&mut self, v: &Value, span: Span, what: &str) -> Result<(), Stop> {
        match v.unwritable() {
            Some(x) if matches!(x.kind, ValueKind::Patch(_)) => Err(self.not_composable(span, what)),
            _ => Ok(()),
        }
    }
}

/// The Crossplane patch that sets `to` from `p`.
fn patch_record(to: &str, p: &PatchSource, span: Span) -> Value {
    let mut out = Fields::new();
    match &p.combine {
        Some(fmt) => {
            out.insert("type".into(), s("CombineFromComposite", span));
            let variables = p.from.iter().map(|f| record([("fromFieldPath", s(f, span))], span)).collect::<Vec<_>>();
            let combine = record(
                [
                    ("variables", Value::new(ValueKind::list(variables), span)),
                    ("strategy", s("string", span)),
                    ("string", record([("fmt", s(fmt, span))], span)),
                ],
                span,
            );
            out.insert("combine".into(), combine);
        }
        None => {
            out.insert("type".into(), s("FromCompositeFieldPath", span));
            out.insert("fromFieldPath".into(), s(p.from.first().map_or("spec", String::as_str), span));
        }
    }
    out.insert("toFieldPath".into(), s(to, span));
    if !p.transforms.is_empty() {
        out.insert("transforms".into(), Value::new(ValueKind::list(p.transforms.clone()), span));
    }
    Value::new(ValueKind::Record(out), span)
}

/// Take every read of the composite out of `base` (explicit stack: bases are user data),
/// leaving each one's default in its place, and list `(field path, read, span)`.
fn take_patches(base: &mut Value, out: &mut Vec<(String, PatchSource, Span)>) {
    let mut stack: Vec<(&mut Value, String)> = vec![(base, String::new())];
    while let Some((v, path)) = stack.pop() {
        if let ValueKind::Patch(p) = &v.kind {
            let p = (**p).clone();
            let span = v.span();
            *v = match &p.fallback {
                Some(f) => (**f).clone(),
                None => Value::new(ValueKind::None, span),
            };
            out.push((path, p, span));
            continue;
        }
        match &mut v.kind {
            ValueKind::Record(fields) => {
                for (k, x) in fields.iter_mut() {
                    let segment = field_segment(k);
                    let p = match (path.is_empty(), segment.starts_with('[')) {
                        (true, _) | (false, true) => format!("{path}{segment}"),
                        (false, false) => format!("{path}.{segment}"),
                    };
                    stack.push((x, p));
                }
            }
            ValueKind::List(items) => {
                for (i, x) in Arc::make_mut(items).iter_mut().enumerate() {
                    stack.push((x, format!("{path}[{i}]")));
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.2.start.cmp(&b.2.start).then_with(|| a.0.cmp(&b.0)));
}

/// A key in a Crossplane field path: `a.b`, or `a[b.c]` for a key with dots.
fn field_segment(k: &str) -> String {
    if k.contains('.') || k.contains('[') { format!("[{k}]") } else { k.to_string() }
}

/// A `string` transform of the given kind (its `type` and settings).
fn string_transform(inner: Value, span: Span) -> Value {
    record([("type", s("string", span)), ("string", inner)], span)
}

fn patch(p: PatchSource, span: Span) -> Value {
    Value::new(ValueKind::Patch(Arc::new(p)), span)
}

fn s(text: &str, span: Span) -> Value {
    Value::str(text, span)
}

fn record<const N: usize>(fields: [(&str, Value); N], span: Span) -> Value {
    Value::new(ValueKind::Record(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()), span)
}

fn object(api_version: &str, kind: &str, name: &str, spec: Value, span: Span) -> Value {
    record(
        [
            ("apiVersion", s(api_version, span)),
            ("kind", s(kind, span)),
            ("metadata", record([("name", s(name, span))], span)),
            ("spec", spec),
        ],
        span,
    )
}

/// The pattern and longest length of a domain type's strings, as the definition's
/// schema states them (the same rules cedc checks; Hostname's schema does not bound each
/// label to 63 characters).
fn domain_rule(d: Domain) -> Option<(&'static str, Option<i64>)> {
    Some(match d {
        Domain::Name => ("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", Some(253)),
        Domain::Label => ("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Some(63)),
        Domain::Hostname => ("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", Some(255)),
        Domain::Quantity => (
            "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
            None,
        ),
        Domain::Duration => ("^(0|([0-9.]+(ns|us|µs|ms|s|m|h))+)$", None),
        // An integer: bounded by `minimum` and `maximum` instead.
        Domain::Port => return None,
    })
}
