//! Crossplane's composite resources, checked before anything reaches a cluster
//! (docs/crossplane.md): each Composition's composite type against the definitions the
//! environment makes (E0162), and each resource it composes with
//! function-patch-and-transform — names unique in the Composition (E0157), a kind some
//! installed provider or CRD serves (E0158), its base against the kind's schema with the
//! fields its patches set counted as set (E0100–E0104), every patch's target a field of
//! the kind (E0159), a name that differs from one composite to the next (E0160) — and the
//! spec fields of a definition no patch reads (E0161).
//!
//! Indexes are built once per environment: the definitions by group and kind, and the
//! provider packages installed in the environment (a virtual cluster's Crossplane does
//! not see its host's).

use crate::{at_input, violation};
use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::crossplane::{
    COMBINE_FROM_COMPOSITE, ComposedResource, CompositeResourceDefinition, Composition, PROVIDERS, PipelineStep,
    Provider, ResourcePatch, provider_kinds,
};
use cedc_model::{Environment, Object, ObjectView, View};
use cedc_schema::validate::{Validator, ViolationKind};
use cedc_schema::{Additional, Registry, Schema, Source, Ty};
use std::collections::{BTreeMap, BTreeSet};

/// Check the definitions and Compositions of `env`.
pub(crate) fn check(env: &Environment, registry: &Registry, diags: &mut Diagnostics) {
    let objects = || env.components.iter().flat_map(|c| c.objects.iter());
    for d in objects().filter_map(CompositeResourceDefinition::cast) {
        definition_names(d, &env.name, diags);
    }
    let compositions: Vec<(&Object, Composition)> =
        objects().filter_map(|o| Composition::cast(o).map(|c| (o, c))).collect();
    if compositions.is_empty() {
        return;
    }
    let definitions: BTreeMap<(&str, &str), CompositeResourceDefinition> = objects()
        .filter_map(CompositeResourceDefinition::cast)
        .filter_map(|d| Some(((d.group()?.str()?, d.names_kind()?.str()?), d)))
        .collect();
    // A virtual cluster's Crossplane does not see its host's providers.
    let installed: BTreeSet<(&str, &str)> =
        objects().filter_map(|o| Provider::cast(o)?.package()?.str()).flat_map(provider_kinds).copied().collect();
    let input_schema = cedc_schema::crossplane::patch_and_transform_input();
    let mut validator = Validator::new(registry);
    let mut read: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for (o, c) in compositions {
        let from = diags.len();
        let definition = type_ref(c, &definitions, &env.name, diags);
        // The schema of the composite the Composition composes, when the environment
        // defines it: the type each patch reads.
        let source = definition.and_then(|(key, version)| {
            let d = definitions.get(&key)?;
            d.versions()
                .find(|v| v.name().and_then(View::str) == Some(version))?
                .view()
                .at(&["schema", "openAPIV3Schema"])
        });
        let mut cx = Cx { registry, installed: &installed, validator: &mut validator, env: &env.name, source };
        for step in c.pipeline().filter(|s| s.is_patch_and_transform()) {
            input(o, step, &input_schema, cx.validator, &env.name, diags);
            let reads = resources(step, &mut cx, diags);
            if let Some((key, _)) = definition {
                read.entry(key).or_default().extend(reads);
            }
        }
        at_input(&mut diags[from..], o);
    }
    for (key, reads) in read {
        if let Some(d) = definitions.get(&key) {
            unread(*d, &reads, &env.name, diags);
        }
    }
}

/// The step's input against function-patch-and-transform's schema (its resources'
/// bases are open there: each is checked against its own kind below).
fn input<'r>(
    o: &Object,
    step: PipelineStep<'r>,
    schema: &'r Schema,
    validator: &mut Validator<'r>,
    env: &str,
    diags: &mut Diagnostics,
) {
    let Some(input) = step.input() else { return };
    for v in validator.validate(schema, input.value()) {
        diags.push(violation(o, &v).note("in the input of function-patch-and-transform").in_env(env));
    }
}

/// E0154 when a definition's names break Crossplane's and Kubernetes' rules: its name is
/// `<plural>.<group>`, the plural a lowercase DNS label, the group a subdomain with a dot,
/// the kind UpperCamelCase.
fn definition_names(d: CompositeResourceDefinition<'_>, env: &str, diags: &mut Diagnostics) {
    let mut problems: Vec<(Span, String, &str)> = Vec::new();
    if let Some(plural) = d.names_plural()
        && let Some(p) = plural.str()
        && !is_label(p)
    {
        problems.push((
            plural.span(),
            format!("the plural `{p}` is not a lowercase DNS label"),
            "a lowercase plural such as `records`",
        ));
    }
    if let Some(group) = d.group()
        && let Some(g) = group.str()
        && (!g.contains('.') || !g.split('.').all(is_label))
    {
        problems.push((
            group.span(),
            format!("the group `{g}` is not a DNS subdomain with a dot"),
            "a domain you own: `dns.example.org`",
        ));
    }
    if let Some(kind) = d.names_kind()
        && let Some(k) = kind.str()
        && !(k.starts_with(|c: char| c.is_ascii_uppercase()) && k.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        problems.push((kind.span(), format!("the kind `{k}` is not UpperCamelCase"), "a kind such as `DnsRecord`"));
    }
    if problems.is_empty()
        && let Some(expected) = d.expected_name()
        && *d.object().name != *expected
    {
        problems.push((
            d.object().name_span(),
            format!("its name is not `{expected}`"),
            "Crossplane requires a definition's name to be `<plural>.<group>`",
        ));
    }
    for (span, why, fix) in problems {
        diags.push(
            Diagnostic::error("E0154", format!("the definition `{}` is refused: {why}", d.object().name))
                .at(span, "breaks the naming rules")
                .help(format!("write {fix}"))
                .in_env(env),
        );
    }
}

/// A DNS-1123 label.
fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// What the checks of one Composition's resources read.
struct Cx<'a, 'r> {
    registry: &'r Registry,
    installed: &'a BTreeSet<(&'a str, &'a str)>,
    validator: &'a mut Validator<'r>,
    env: &'a str,
    /// The `openAPIV3Schema` of the composite's version the Composition composes.
    source: Option<View<'a>>,
}

/// E0162 when the composite type the Composition composes is not one a definition of
/// the environment serves and lets Compositions name; the definition's key and the
/// version otherwise.
fn type_ref<'a>(
    c: Composition<'a>,
    definitions: &BTreeMap<(&'a str, &'a str), CompositeResourceDefinition<'a>>,
    env: &str,
    diags: &mut Diagnostics,
) -> Option<((&'a str, &'a str), &'a str)> {
    let t = c.composite_type_ref()?;
    let (api_version, kind) = (t.api_version()?, t.kind()?);
    let (group, version) = api_version.str()?.split_once('/')?;
    let key = (group, kind.str()?);
    let Some(d) = definitions.get(&key) else {
        // A definition made elsewhere (another tool, another cluster) is not ours to judge.
        return None;
    };
    let ok = d.versions().any(|v| v.served() && v.referenceable() && v.name().and_then(View::str) == Some(version));
    if !ok {
        let versions: Vec<&str> =
            d.versions().filter(|v| v.served() && v.referenceable()).filter_map(|v| v.name()?.str()).collect();
        diags.push(
            Diagnostic::error(
                "E0162",
                format!("the definition of {} does not serve version `{version}` to Compositions", key.1),
            )
            .at(api_version.span(), "composes this version")
            .also(d.object().name_span(), "defined here")
            .help(format!(
                "name a version the definition serves and marks referenceable: {}",
                if versions.is_empty() { "it has none".to_string() } else { versions.join(", ") }
            ))
            .in_env(env),
        );
    }
    Some((key, version))
}

/// The resources of one patch-and-transform step; returns the composite's field paths
/// their patches read.
fn resources<'r>(step: PipelineStep<'r>, cx: &mut Cx<'_, 'r>, diags: &mut Diagnostics) -> Vec<String> {
    let env = cx.env;
    let mut names: BTreeMap<&str, Span> = BTreeMap::new();
    let mut reads = Vec::new();
    for r in step.resources() {
        if let Some(name) = r.name() {
            if let Some(first) = name.str().and_then(|n| names.get(n)) {
                diags.push(
                    Diagnostic::error(
                        "E0157",
                        format!("two resources of one Composition are named `{}`", name.str().unwrap_or("")),
                    )
                    .at(name.span(), "named again here")
                    .also(*first, "first named here")
                    .help("Crossplane tells composed resources apart by these names: give each its own")
                    .in_env(env),
                );
            } else if let Some(n) = name.str() {
                names.insert(n, name.span());
            }
        }
        reads.extend(r.patches().flat_map(|p| p.from_paths()).filter_map(View::str).map(str::to_string));
        composed(r, cx, diags);
    }
    reads
}

/// One composed resource: its kind, its base and its patches' targets.
fn composed<'r>(r: ComposedResource<'r>, cx: &mut Cx<'_, 'r>, diags: &mut Diagnostics) {
    let (registry, installed, env) = (cx.registry, cx.installed, cx.env);
    let Some(base) = r.base() else { return };
    let (Some(api_version), Some(kind)) = (base.str_field("apiVersion"), base.str_field("kind")) else { return };
    let what = format!("{kind} composed as `{}`", r.name().and_then(View::str).unwrap_or("?"));
    let Some(k) = registry.lookup(api_version, kind) else {
        let at = base.field("kind").map_or(base.span(), View::span);
        diags.push(
            Diagnostic::error("E0158", format!("no installed provider serves `{kind}` in `{api_version}`"))
                .at(at, "composed here")
                .help("install the provider of this kind (`crossplane.provider(...)`) and give cedc its CRDs (`[schemas] crds`)")
                .in_env(env),
        );
        return;
    };
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    if let Source::Shipped { .. } = k.source
        && let Some((package, _)) = PROVIDERS.iter().find(|(_, kinds)| kinds.contains(&(group, kind)))
        && !installed.contains(&(group, kind))
    {
        let at = base.field("kind").map_or(base.span(), View::span);
        diags.push(
            Diagnostic::error("E0158", format!("no installed provider serves `{kind}` in `{api_version}`"))
                .at(at, "composed here")
                .help(format!(
                    "install the provider in this environment (a virtual cluster's Crossplane does not see its host's): `crossplane.provider(\"{}\", \"{package}:<version>\")`",
                    package.rsplit('/').next().unwrap_or(package)
                ))
                .in_env(env),
        );
    }
    let targets: Vec<(String, Span)> =
        r.patches().filter_map(|p| p.to_path()).filter_map(|t| Some((t.str()?.to_string(), t.span()))).collect();
    let as_object = Object {
        api_version: api_version.into(),
        kind: kind.into(),
        name: base.at(&["metadata", "name"]).and_then(View::str).unwrap_or_default().into(),
        namespace: None,
        value: base.value().clone(),
    };
    for v in cx.validator.validate(&k.schema, base.value()) {
        // A required field a patch sets is set; a field no schema has that a patch sets
        // is E0159 below.
        let full = match &v.kind {
            ViolationKind::MissingField { field } | ViolationKind::UnknownField { field, .. } => {
                if v.path == *field || v.path.ends_with(&format!(".{field}")) || v.path.is_empty() {
                    if v.path.is_empty() { field.clone() } else { v.path.clone() }
                } else {
                    format!("{}.{field}", v.path)
                }
            }
            // The value a patch replaces (a read inside a list leaves `null` there).
            _ => v.path.clone(),
        };
        let missing = matches!(v.kind, ViolationKind::MissingField { .. });
        if !full.is_empty()
            && ((missing && (full == "metadata" || full == "metadata.name"))
                || targets.iter().any(|(t, _)| covers(&full, t)))
        {
            continue;
        }
        diags.push(violation(&as_object, &v).note(format!("in {what}")).in_env(env));
    }
    for p in r.patches() {
        let (Some(to), Some(source)) = (p.to_path(), cx.source) else { continue };
        let Some(target) = to.str().and_then(|t| field_schema(registry, &k.schema, t)) else { continue };
        let Some(given) = patch_type(p, source) else { continue };
        if !accepts(target, given) {
            diags.push(
                Diagnostic::error(
                    "E0164",
                    format!("this patch gives {} to `{}`, which takes {}", a_type(given), to.str().unwrap_or(""), expects(target)),
                )
                .at(to.span(), "patched here")
                .help("convert the value on the way (`\"{x}\"` makes text of it), or read a field of the spec of the type the target takes")
                .in_env(env),
            );
        }
    }
    reads_of_resource(r, registry, &k.schema, kind, env, diags);
    for (to, span) in &targets {
        if field_schema(registry, &k.schema, to).is_none() {
            diags.push(
                Diagnostic::error("E0159", format!("`{to}` is not a field of {kind}"))
                    .at(*span, "patched here")
                    .help(format!(
                        "a patch sets a field of the composed resource: see the schema of {kind} ({api_version})"
                    ))
                    .in_env(env),
            );
        }
    }
    let patched_name = targets.iter().any(|(t, _)| covers("metadata.name", t));
    if let Some(name) = base.at(&["metadata", "name"]).filter(|_| !patched_name) {
        diags.push(
            Diagnostic::warning("E0160", format!("every {kind} this Composition composes is named `{}`", name.str().unwrap_or("")))
                .at(name.span(), "the same for every composite")
                .help("compose the name from the composite's spec (`name: \"{spec.name}-record\"`), or leave `metadata` out for Crossplane to name it")
                .in_env(env),
        );
    }
}

/// E0165 for a readiness check or a connection detail that reads a field the composed
/// kind does not have, of the wrong type for the check, or lacks what its type needs.
fn reads_of_resource(
    r: ComposedResource<'_>,
    registry: &Registry,
    schema: &Schema,
    kind: &str,
    env: &str,
    diags: &mut Diagnostics,
) {
    let mut problem = |at: Span, why: String| {
        diags.push(
            Diagnostic::error("E0165", why)
                .at(at, "read here")
                .help(format!("see the schema of {kind}: readiness checks and connection details read its fields (`status.atProvider...`)"))
                .in_env(env),
        );
    };
    for check in r.readiness_checks() {
        let t = check.str_field("type").unwrap_or("");
        let (needs, wants): (&[&str], Option<&str>) = match t {
            "MatchString" => (&["fieldPath", "matchString"], Some("string")),
            "MatchInteger" => (&["fieldPath", "matchInteger"], Some("integer")),
            "MatchTrue" | "MatchFalse" => (&["fieldPath"], Some("boolean")),
            "NonEmpty" => (&["fieldPath"], None),
            "MatchCondition" => (&["matchCondition"], None),
            _ => (&[], None),
        };
        for field in needs {
            if check.field(field).is_none() {
                problem(check.span(), format!("a `{t}` readiness check needs `{field}`"));
            }
        }
        let Some(path) = check.field("fieldPath") else { continue };
        match field_schema(registry, schema, path.str().unwrap_or("")) {
            None => problem(path.span(), format!("`{}` is not a field of {kind}", path.str().unwrap_or(""))),
            Some(target) => {
                if let Some(w) = wants
                    && !accepts_only(target, w)
                {
                    problem(
                        path.span(),
                        format!(
                            "a `{t}` check reads {}, and `{}` is {}",
                            a_type(w),
                            path.str().unwrap_or(""),
                            expects(target)
                        ),
                    );
                }
            }
        }
    }
    for detail in r.connection_details() {
        let t = detail.str_field("type").unwrap_or("");
        let needs = match t {
            "FromConnectionSecretKey" => "fromConnectionSecretKey",
            "FromFieldPath" => "fromFieldPath",
            _ => "value",
        };
        if detail.field(needs).is_none() {
            problem(detail.span(), format!("a `{t}` connection detail needs `{needs}`"));
        }
        if t == "FromFieldPath"
            && let Some(path) = detail.field("fromFieldPath")
            && field_schema(registry, schema, path.str().unwrap_or("")).is_none()
        {
            problem(path.span(), format!("`{}` is not a field of {kind}", path.str().unwrap_or("")));
        }
    }
}

/// Whether a field of schema `target` holds only values of JSON type `given` (or
/// anything, when open).
fn accepts_only(target: &Schema, given: &str) -> bool {
    matches!(target.ty, Ty::Any | Ty::Ref(_)) || (accepts(target, given) && !matches!(target.ty, Ty::IntOrString(_)))
}

/// Whether setting `target` gives the missing field `field` (a path) a value.
fn covers(field: &str, target: &str) -> bool {
    target == field || target.starts_with(&format!("{field}.")) || target.starts_with(&format!("{field}["))
}

/// The schema the field path `path` (`spec.forProvider.rrdatas[0]`,
/// `metadata.labels[a.b/c]`) leads to in `schema`; `None` when it leads nowhere. Inside
/// an open part, the open part's schema.
fn field_schema<'s>(registry: &'s Registry, schema: &'s Schema, path: &str) -> Option<&'s Schema> {
    let mut s = registry.resolve(schema);
    for segment in segments(path) {
        s = match (&s.ty, segment) {
            (Ty::Any, _) => return Some(s),
            (Ty::Object(o), Segment::Key(k)) => match o.properties.get(k) {
                Some(p) => registry.resolve(p),
                None => match &o.additional {
                    Additional::Any => return Some(&OPEN),
                    Additional::Schema(p) => registry.resolve(p),
                    Additional::Forbidden => return None,
                },
            },
            (Ty::Array(a), Segment::Index) => match &a.items {
                Some(items) => registry.resolve(items),
                None => return Some(&OPEN),
            },
            _ => return None,
        };
    }
    Some(s)
}

/// The schema of an open part: anything.
static OPEN: Schema = Schema { ty: Ty::Any, nullable: false, description: None, default: None, cel_rules: Vec::new() };

/// The JSON type (`string`, `integer`, `boolean`, `array`, `object`) a patch gives its
/// target: its source field's, in the composite's schema, through its transforms.
/// `None` when unknown (an open field, a transform whose result cedc does not follow).
fn patch_type<'a>(p: ResourcePatch<'a>, source: View<'a>) -> Option<&'a str> {
    if p.patch_type() == COMBINE_FROM_COMPOSITE {
        return Some("string");
    }
    let from = p.from_paths().next()?.str()?;
    let mut t = if from == "metadata.name" { Some("string") } else { source_field_type(source, from) };
    for transform in p.view().items_of("transforms") {
        t = match transform.str_field("type")? {
            "string" => Some("string"),
            "math" => Some("integer"),
            "convert" => match transform.at(&["convert", "toType"]).and_then(View::str)? {
                "string" => Some("string"),
                "int" | "int64" => Some("integer"),
                "bool" => Some("boolean"),
                "float64" => Some("number"),
                "object" => Some("object"),
                "array" => Some("array"),
                _ => None,
            },
            "map" => {
                let mut kinds = transform.at(&["map"])?.entries()?.map(|(_, v)| json_type(v));
                let first = kinds.next()?;
                if kinds.all(|k| k == first) { first } else { None }
            }
            _ => None,
        };
    }
    t
}

/// The `type` of the field at `path` in a composite's schema (a definition's JSON).
fn source_field_type<'a>(schema: View<'a>, path: &str) -> Option<&'a str> {
    let mut s = schema;
    for segment in segments(path) {
        s = match segment {
            Segment::Key(k) => s.at(&["properties", k]).or_else(|| s.field("additionalProperties"))?,
            Segment::Index => s.field("items")?,
        };
    }
    s.str_field("type")
}

/// The JSON type of a value cedc wrote.
fn json_type(v: View<'_>) -> Option<&'static str> {
    match &v.value().kind {
        cedc_model::ValueKind::Str(_) | cedc_model::ValueKind::Named(_) => Some("string"),
        cedc_model::ValueKind::Int(_) => Some("integer"),
        cedc_model::ValueKind::Bool(_) => Some("boolean"),
        cedc_model::ValueKind::List(_) => Some("array"),
        cedc_model::ValueKind::Record(_) => Some("object"),
        _ => None,
    }
}

/// Whether a field of schema `target` takes a value of JSON type `given`.
fn accepts(target: &Schema, given: &str) -> bool {
    match &target.ty {
        Ty::Any | Ty::Ref(_) => true,
        Ty::String(_) => given == "string",
        Ty::Integer(_) => given == "integer",
        Ty::Number(_) => given == "integer" || given == "number",
        Ty::Boolean => given == "boolean",
        Ty::IntOrString(_) => given == "integer" || given == "string",
        Ty::Array(_) => given == "array",
        Ty::Object(_) => given == "object",
    }
}

fn a_type(t: &str) -> String {
    match t {
        "integer" => "an integer".into(),
        "array" => "a list".into(),
        "object" => "an object".into(),
        other => format!("a {other}"),
    }
}

fn expects(target: &Schema) -> &'static str {
    match &target.ty {
        Ty::String(_) => "a string",
        Ty::Integer(_) => "an integer",
        Ty::Number(_) => "a number",
        Ty::Boolean => "a boolean",
        Ty::IntOrString(_) => "an integer or a string",
        Ty::Array(_) => "a list",
        Ty::Object(_) => "an object",
        Ty::Any | Ty::Ref(_) => "anything",
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index,
}

/// The segments of a Crossplane field path: `a.b[0][c.d]` → `a`, `b`, index, `c.d`.
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').unwrap_or(inner.len());
            let key = &inner[..end];
            out.push(if key.chars().all(|c| c.is_ascii_digit()) { Segment::Index } else { Segment::Key(key) });
            rest = inner.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end > 0 {
                out.push(Segment::Key(&rest[..end]));
            }
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    out
}

/// E0161 for each field of a definition's spec (at the top) that no patch reads.
fn unread(d: CompositeResourceDefinition<'_>, reads: &[String], env: &str, diags: &mut Diagnostics) {
    for version in d.versions() {
        let Some(props) = version.view().at(&["schema", "openAPIV3Schema", "properties", "spec", "properties"]) else {
            continue;
        };
        let Some(fields) = props.entries() else { continue };
        for (name, field) in fields {
            let path = format!("spec.{name}");
            if reads.iter().any(|r| covers(&path, r) || covers(r, &path)) {
                continue;
            }
            diags.push(
                Diagnostic::warning("E0161", format!("no patch of the Composition reads `{path}`"))
                    .at(field.span(), "never read")
                    .help("a field no composed resource reads does nothing: read it in a resource's base, or remove it")
                    .note(format!("in the definition of {}", d.names_kind().and_then(View::str).unwrap_or("?")))
                    .in_env(env),
            );
        }
    }
}
