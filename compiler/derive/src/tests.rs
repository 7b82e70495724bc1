//! Tests of the derive stage on hand-made platform models: what each generator adds,
//! removes and reports, and that generated values point at the declaration that asked.

use crate::derive;
use cedc_diagnostics::{FileId, Span};
use cedc_model::{Component, Environment, Fields, Object, Platform, Value, ValueKind};
use serde_json::json;

/// Where every written value comes from, and where the `grant: true` is.
const WRITTEN: Span = Span { file: FileId(0), start: 0, end: 1 };
const GRANT: Span = Span { file: FileId(0), start: 10, end: 14 };

/// A model value of `json`, every part at `WRITTEN` except a `grant` field at `GRANT`.
fn value(json: &serde_json::Value, span: Span) -> Value {
    let kind = match json {
        serde_json::Value::Bool(b) => ValueKind::Bool(*b),
        serde_json::Value::Number(n) => ValueKind::Int(n.as_i64().unwrap_or_default()),
        serde_json::Value::String(s) => ValueKind::Str(s.as_str().into()),
        serde_json::Value::Array(items) => ValueKind::list(items.iter().map(|i| value(i, span)).collect()),
        serde_json::Value::Object(map) => ValueKind::Record(
            map.iter().map(|(k, v)| (k.clone(), value(v, if k == "grant" { GRANT } else { span }))).collect(),
        ),
        serde_json::Value::Null => ValueKind::None,
    };
    Value::new(kind, span)
}

fn object(json: serde_json::Value) -> Object {
    let text = |path: &[&str]| {
        path.iter().try_fold(&json, |v, k| v.get(k)).and_then(serde_json::Value::as_str).map(Into::into)
    };
    Object {
        api_version: text(&["apiVersion"]).unwrap_or_default(),
        kind: text(&["kind"]).unwrap_or_default(),
        name: text(&["metadata", "name"]).unwrap_or_default(),
        namespace: text(&["metadata", "namespace"]),
        value: value(&json, WRITTEN),
    }
}

fn component(name: &str, namespace: &str, objects: Vec<Object>) -> Component {
    Component::new(name, WRITTEN, namespace, objects)
}

fn route(backend: serde_json::Value) -> Object {
    object(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": { "name": "web", "namespace": "web" },
        "spec": { "rules": [{ "backendRefs": [backend] }] }
    }))
}

fn service(name: &str, namespace: &str) -> Object {
    object(json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": name, "namespace": namespace } }))
}

fn platform(envs: &[&str], components: impl Fn() -> Vec<Component>) -> Platform {
    let envs = envs
        .iter()
        .map(|name| Environment {
            name: (*name).into(),
            span: WRITTEN,
            attributes: Value::new(ValueKind::Record(Fields::new()), WRITTEN),
            components: components(),
            delivery: Vec::new(),
        })
        .collect();
    Platform { envs, components: Vec::new() }
}

fn json_of(o: &Object) -> serde_json::Value {
    o.value.to_json().unwrap_or_default()
}

/// Every value of `v`, depth first.
fn spans(v: &Value, out: &mut Vec<Span>) {
    out.push(v.span());
    match &v.kind {
        ValueKind::List(items) => items.iter().for_each(|i| spans(i, out)),
        ValueKind::Record(fields) => fields.values().for_each(|f| spans(f, out)),
        _ => {}
    }
}

#[test]
fn a_grant_is_generated_in_the_component_deploying_the_target_and_points_at_its_request() {
    let mut p = platform(&["prod"], || {
        vec![
            component(
                "web",
                "web",
                vec![route(json!({ "name": "api", "namespace": "api", "port": 80, "grant": true }))],
            ),
            component("api", "api", vec![service("api", "api")]),
        ]
    });
    let diags = derive(&mut p);
    assert!(diags.is_empty(), "{diags:#?}");
    let env = &p.envs[0];
    // The marker is consumed: the route is written without it.
    let backend = &json_of(&env.components[0].objects[0])["spec"]["rules"][0]["backendRefs"][0];
    assert_eq!(backend, &json!({ "name": "api", "namespace": "api", "port": 80 }));
    assert_eq!(env.components[0].objects.len(), 1);
    let grant = &env.components[1].objects[1];
    assert_eq!((grant.kind.as_ref(), grant.name.as_ref()), ("ReferenceGrant", "allow-web-httproutes"));
    assert_eq!(grant.namespace.as_deref(), Some("api"));
    assert_eq!(
        json_of(grant)["spec"],
        json!({
            "from": [{ "group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "web" }],
            "to": [{ "group": "", "kind": "Service", "name": "api" }]
        })
    );
    assert_eq!(json_of(grant)["metadata"]["annotations"], json!({ "cedc.dev/generated-for": "HTTPRoute web/web" }));
    // Provenance: every value of the generated object is the `grant: true` that asked.
    let mut all = Vec::new();
    spans(&grant.value, &mut all);
    assert!(all.iter().all(|s| *s == GRANT), "{all:?}");
}

#[test]
fn a_false_or_same_namespace_grant_is_removed_and_generates_nothing() {
    for backend in [
        json!({ "name": "api", "namespace": "api", "port": 80, "grant": false }),
        json!({ "name": "web", "port": 80, "grant": true }),
    ] {
        let mut p = platform(&["prod"], || {
            vec![
                component("web", "web", vec![route(backend.clone()), service("web", "web")]),
                component("api", "api", vec![service("api", "api")]),
            ]
        });
        assert!(derive(&mut p).is_empty());
        let env = &p.envs[0];
        assert_eq!(env.components.iter().map(|c| c.objects.len()).sum::<usize>(), 3, "{backend}");
        let written = &json_of(&env.components[0].objects[0])["spec"]["rules"][0]["backendRefs"][0];
        assert!(written.get("grant").is_none(), "{written}");
    }
}

#[test]
fn a_grant_no_component_can_deploy_goes_with_the_referrer_with_a_warning_per_environment() {
    let mut p = platform(&["dev", "prod"], || {
        vec![component("web", "web", vec![route(json!({ "name": "api", "namespace": "api", "grant": true }))])]
    });
    let diags = derive(&mut p);
    let found: Vec<(&str, bool, &[String])> = diags.iter().map(|d| (d.code, d.is_error(), d.envs.as_slice())).collect();
    assert_eq!(found, [("E0125", false, &["dev".to_string()][..]), ("E0125", false, &["prod".to_string()][..]),]);
    assert_eq!(diags[0].primary.as_ref().map(|(s, _)| *s), Some(GRANT));
    for env in &p.envs {
        let grant = &env.components[0].objects[1];
        assert_eq!((grant.kind.as_ref(), grant.namespace.as_deref()), ("ReferenceGrant", Some("api")));
    }
}

/// A component whose pods read a Secret another component writes waits for it; with no
/// Secret written in the environment, reading one makes no wait.
#[test]
fn a_component_reading_a_secret_another_writes_waits_for_it() {
    let reader = || {
        object(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": { "name": "web", "namespace": "apps" },
            "spec": { "template": { "spec": {
                "containers": [{ "name": "web", "envFrom": [{ "secretRef": { "name": "db" } }] }]
            } } }
        }))
    };
    let secret =
        || object(json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": "db", "namespace": "apps" } }));
    let cx = crate::Context { components: &[], hosted: &[], remote: &[], vaults: &[] };
    let waits = |components: Vec<Component>| {
        let env = Environment {
            name: "prod".into(),
            span: WRITTEN,
            attributes: Value::new(ValueKind::Record(Fields::new()), WRITTEN),
            components,
            delivery: Vec::new(),
        };
        let mut diags = Vec::new();
        let order = crate::order::order(&env, &cx, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        order.waits.iter().map(|w| w.iter().map(|e| (e.on, e.why.clone())).collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    let with_writer = waits(vec![component("db", "apps", vec![secret()]), component("web", "apps", vec![reader()])]);
    assert_eq!(with_writer, [vec![], vec![(0, "reads its Secret `db`".to_string())]]);
    let without = waits(vec![component("other", "apps", vec![]), component("web", "apps", vec![reader()])]);
    assert_eq!(without, [vec![], vec![]]);
}
