//! ReferenceGrants implied by declarations.
//!
//! A route's backend or a Gateway's certificate in another namespace is only honoured
//! when a ReferenceGrant in that namespace consents (Gateway API's rule). Writing
//! `grant: true` on the reference (a route's `backendRefs` entry, a listener's
//! `tls.certificateRefs` entry) says the access is intended: evaluation keeps the field
//! in the model, and this generator removes it and generates the grant, so the consent cannot drift from the reference. One
//! grant per target namespace, referring namespace and kind, naming every target, in the
//! component that deploys the targets (one grant per such component, named after it when
//! there are several). A cross-namespace reference without `grant: true` and without a
//! written grant is E0125 (checks).

use crate::Generator;
use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::{Component, Environment, Fields, Object, Value, ValueKind};
use std::collections::{BTreeMap, BTreeSet};

/// The generator of ReferenceGrants from `grant` fields.
pub(crate) struct ReferenceGrants;

impl Generator for ReferenceGrants {
    fn generate(&self, env: &mut Environment, _cx: &crate::Context) -> Diagnostics {
        derive(&mut env.components)
    }
}

use cedc_model::views::{certmanager, gateway};
const GATEWAY_GROUP: &str = gateway::GROUP;
const GATEWAY_API_VERSION: &str = gateway::API_VERSION;
const ROUTE_KINDS: &[&str] = gateway::ROUTE_KINDS;
/// The field that declares a cross-namespace reference intended.
const GRANT_FIELD: &str = "grant";
/// The annotation naming the objects a generated grant serves (for reviewers).
pub const GENERATED_FOR: &str = "cedc.dev/generated-for";

/// One reference that asked for a grant.
struct Request {
    /// The referring object, as `HTTPRoute shop/shop`.
    referrer: String,
    /// The component that deploys the referring object.
    component: usize,
    to_group: String,
    to_kind: String,
    to_name: String,
    span: Span,
}

/// The grants one namespace gives to one kind of referrer in another, deployed by one
/// component (`home`: the one deploying the targets; `None` when no component does).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct GrantKey {
    to_ns: String,
    from_ns: String,
    from_kind: String,
    home: Option<usize>,
}

/// Take the `grant` fields out of every reference of one environment's objects and add
/// the ReferenceGrants the `true` ones ask for. A grant no component can deploy (nothing
/// deploys its namespace) goes with the referrer, with a warning.
fn derive(components: &mut [Component]) -> Vec<Diagnostic> {
    let mut requests: Vec<(GrantKey, Request)> = Vec::new();
    for (ci, component) in components.iter_mut().enumerate() {
        for object in &mut component.objects {
            requests.extend(collect(ci, object));
        }
    }
    if requests.is_empty() {
        return Vec::new();
    }
    let homes_index = Homes::of(components);
    let mut wanted: BTreeMap<GrantKey, Vec<Request>> = BTreeMap::new();
    for (mut key, request) in requests {
        key.home = homes_index.home(&key.to_ns, &request);
        wanted.entry(key).or_default().push(request);
    }
    // Namespaces whose grants for one referrer are split over several components: each
    // grant is then named after its component.
    let mut homes: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for key in wanted.keys() {
        *homes.entry((&key.to_ns, &key.from_ns, &key.from_kind)).or_default() += 1;
    }
    let mut made = Vec::new();
    let mut diags = Vec::new();
    for (key, requests) in &wanted {
        let Some(first) = requests.first() else { continue };
        let home = key.home.unwrap_or(first.component);
        let Some(component) = components.get(home) else { continue };
        let mut name = format!("allow-{}-{}s", key.from_ns, key.from_kind.to_ascii_lowercase());
        if homes.get(&(key.to_ns.as_str(), key.from_ns.as_str(), key.from_kind.as_str())).is_some_and(|n| *n > 1) {
            name = format!("{name}-{}", component.name);
        }
        if key.home.is_none() {
            diags.push(
                Diagnostic::warning(
                    "E0125",
                    format!(
                        "the ReferenceGrant `{}/{name}` is deployed by `{}`, the referring component: no component of this environment deploys namespace `{}`",
                        key.to_ns, component.name, key.to_ns
                    ),
                )
                .at(first.span, "grant asked here")
                .help(format!("deploy what namespace `{}` holds in a component (the grant then goes there), or write the ReferenceGrant where that namespace is managed", key.to_ns)),
            );
        }
        made.push((home, grant_object(key, &name, requests, &component.labels)));
    }
    for (home, object) in made {
        if let Some(c) = components.get_mut(home) {
            c.objects.push(object);
        }
    }
    diags
}

/// The references of `object` that carry a `grant` field: the field is removed, and a
/// `true` one across namespaces is returned (its key's `home` still to be found).
fn collect(component: usize, object: &mut Object) -> Vec<(GrantKey, Request)> {
    let mut wanted = Vec::new();
    if object.group() != GATEWAY_GROUP {
        return wanted;
    }
    let Some((outer, inner, default_kind)) = references(&object.kind) else { return wanted };
    if !asks(&object.value, outer, inner) {
        // Nothing to take out: the object is left as it is (not copied where shared).
        return wanted;
    }
    let from_ns = object.namespace.clone().unwrap_or_default();
    let referrer = format!("{} {}/{}", object.kind, from_ns, object.name);
    let from_kind = object.kind.clone();
    let mut refs: Vec<(&mut Value, &str)> = Vec::new();
    for o in list_mut(&mut object.value, outer) {
        for r in list_mut(o, inner) {
            refs.push((r, default_kind));
        }
    }
    for (r, default_kind) in refs {
        let ValueKind::Record(fields) = &mut r.kind else { continue };
        let Some(ValueKind::Bool(intended)) = fields.get(GRANT_FIELD).map(|v| &v.kind) else { continue };
        let intended = *intended;
        let Some(flag) = fields.shift_remove(GRANT_FIELD) else { continue };
        let text = |k: &str| fields.get(k).and_then(Value::as_str).map(str::to_string);
        let to_ns = text("namespace").unwrap_or_else(|| from_ns.to_string());
        let Some(to_name) = text("name") else { continue };
        if !intended || *to_ns == *from_ns {
            continue;
        }
        let key = GrantKey { to_ns, from_ns: from_ns.to_string(), from_kind: from_kind.to_string(), home: None };
        wanted.push((
            key,
            Request {
                referrer: referrer.clone(),
                component,
                to_group: text("group").unwrap_or_default(),
                to_kind: text("kind").unwrap_or_else(|| default_kind.to_string()),
                to_name,
                span: flag.span(),
            },
        ));
    }
    wanted
}

/// Where the references of an object of `kind` (of the Gateway API) are: the list of
/// what holds them, the list of them inside each, and the kind they name by default.
fn references(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str], &'static str)> {
    match kind {
        kind if ROUTE_KINDS.contains(&kind) => Some((&["spec", "rules"], &["backendRefs"], "Service")),
        "Gateway" => Some((&["spec", "listeners"], &["tls", "certificateRefs"], "Secret")),
        _ => None,
    }
}

/// Whether a reference of `value` (in the lists `inner` of the items of `outer`, see
/// [`references`]) holds a `grant` flag (read only).
fn asks(value: &Value, outer: &[&str], inner: &[&str]) -> bool {
    let flag = |r: &Value| matches!(r.get(GRANT_FIELD).map(|v| &v.kind), Some(ValueKind::Bool(_)));
    list(value, outer).iter().any(|o| list(o, inner).iter().any(flag))
}

/// The list at `path` below `value` (empty when there is none).
fn list<'v>(value: &'v Value, path: &[&str]) -> &'v [Value] {
    value.path(path).and_then(Value::as_list).unwrap_or(&[])
}

/// The list at `path` below `value`, for editing (empty when there is none).
fn list_mut<'v>(value: &'v mut Value, path: &[&str]) -> std::slice::IterMut<'v, Value> {
    let mut cur = Some(value);
    for key in path {
        cur = match cur.map(|v| &mut v.kind) {
            Some(ValueKind::Record(fields)) => fields.get_mut(key),
            _ => None,
        };
    }
    match cur.map(|v| &mut v.kind) {
        Some(ValueKind::List(items)) => std::sync::Arc::make_mut(items).iter_mut(),
        _ => [].iter_mut(),
    }
}

/// Where each possible grant target is deployed in one environment, indexed once: the
/// first component deploying each object (by group, kind, namespace, name), the first
/// whose cert-manager Certificate writes each Secret, the first of each namespace.
struct Homes<'a> {
    objects: BTreeMap<(&'a str, &'a str, &'a str, &'a str), usize>,
    certificate_secrets: BTreeMap<(&'a str, &'a str), usize>,
    namespaces: BTreeMap<&'a str, usize>,
}

impl<'a> Homes<'a> {
    fn of(components: &'a [Component]) -> Homes<'a> {
        let mut h =
            Homes { objects: BTreeMap::new(), certificate_secrets: BTreeMap::new(), namespaces: BTreeMap::new() };
        for (i, c) in components.iter().enumerate() {
            h.namespaces.entry(c.namespace.as_str()).or_insert(i);
            for o in &c.objects {
                let Some(ns) = o.namespace.as_deref() else { continue };
                h.objects.entry((o.group(), o.kind.as_ref(), ns, o.name.as_ref())).or_insert(i);
                if o.group() == certmanager::GROUP
                    && &*o.kind == certmanager::CERTIFICATE
                    && let Some(secret) = o.value.path(&["spec", "secretName"]).and_then(Value::as_str)
                {
                    h.certificate_secrets.entry((ns, secret)).or_insert(i);
                }
            }
        }
        h
    }

    /// The component that deploys the target (a Secret may also be the one a
    /// cert-manager Certificate writes), else the one whose namespace is the target's.
    /// The earliest component wins when several qualify.
    fn home(&self, to_ns: &str, first: &Request) -> Option<usize> {
        let object =
            self.objects.get(&(first.to_group.as_str(), first.to_kind.as_str(), to_ns, first.to_name.as_str()));
        let certificate = (first.to_group.is_empty() && first.to_kind == "Secret")
            .then(|| self.certificate_secrets.get(&(to_ns, first.to_name.as_str())))
            .flatten();
        let deployed = match (object, certificate) {
            (Some(a), Some(b)) => Some(*a.min(b)),
            (a, b) => a.or(b).copied(),
        };
        deployed.or_else(|| self.namespaces.get(to_ns).copied())
    }
}

/// The ReferenceGrant for one key. Every value's origin is the first `grant: true` that
/// asked for it, so a problem with the grant (a name already taken) points there.
fn grant_object(key: &GrantKey, name: &str, requests: &[Request], labels: &Fields) -> Object {
    let span = requests.first().map(|r| r.span).unwrap_or_default();
    let s = |text: &str| Value::str(text, span);
    let record = |fields: Vec<(&str, Value)>| {
        Value::new(ValueKind::Record(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()), span)
    };
    let targets: BTreeSet<(&str, &str, &str)> =
        requests.iter().map(|r| (r.to_group.as_str(), r.to_kind.as_str(), r.to_name.as_str())).collect();
    let referrers: BTreeSet<&str> = requests.iter().map(|r| r.referrer.as_str()).collect();
    let mut metadata = vec![("name", s(name)), ("namespace", s(&key.to_ns))];
    if !labels.is_empty() {
        metadata.push(("labels", Value::new(ValueKind::Record(labels.clone()), span)));
    }
    let generated_for = referrers.into_iter().collect::<Vec<_>>().join(", ");
    metadata.push(("annotations", record(vec![(GENERATED_FOR, s(&generated_for))])));
    let to = targets
        .into_iter()
        .map(|(group, kind, name)| record(vec![("group", s(group)), ("kind", s(kind)), ("name", s(name))]))
        .collect::<Vec<_>>();
    let value = record(vec![
        ("apiVersion", s(GATEWAY_API_VERSION)),
        ("kind", s(gateway::REFERENCE_GRANT)),
        ("metadata", record(metadata)),
        (
            "spec",
            record(vec![
                (
                    "from",
                    Value::new(
                        ValueKind::list(vec![record(vec![
                            ("group", s(GATEWAY_GROUP)),
                            ("kind", s(&key.from_kind)),
                            ("namespace", s(&key.from_ns)),
                        ])]),
                        span,
                    ),
                ),
                ("to", Value::new(ValueKind::list(to), span)),
            ]),
        ),
    ]);
    Object {
        api_version: GATEWAY_API_VERSION.into(),
        kind: gateway::REFERENCE_GRANT.into(),
        name: name.into(),
        namespace: Some(key.to_ns.clone().into()),
        value,
    }
}
