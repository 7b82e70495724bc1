//! Fixtures and a miniature Kustomize for the emitter's tests.
#![allow(dead_code)]

use cedc_diagnostics::{FileId, Span};
use cedc_emit::{INDEX_FILE, Index, Tree};
use cedc_model::{Component, ComponentInfo, Environment, Object, Platform, Value as MValue};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn span(n: usize) -> Span {
    Span::new(FileId(0), n, n + 1)
}

/// An object from its JSON, identity fields read from it.
pub fn obj(json: Value) -> Object {
    Object::from_json(&json, span(1))
}

pub fn comp(name: &str, namespace: &str, objects: Vec<Object>) -> Component {
    Component::new(name, span(2), namespace, objects)
}

pub fn env(name: &str, components: Vec<Component>) -> Environment {
    Environment {
        name: name.into(),
        span: span(3),
        attributes: MValue::from_json(&json!({}), span(3)),
        components,
        delivery: Vec::new(),
    }
}

pub fn platform(envs: Vec<Environment>) -> Platform {
    let mut names: Vec<String> = Vec::new();
    for e in &envs {
        for c in &e.components {
            if !names.contains(&c.name) {
                names.push(c.name.clone());
            }
        }
    }
    Platform { components: names.into_iter().map(|name| ComponentInfo { name, span: span(4) }).collect(), envs }
}

fn deployment(ns: &str, replicas: i64, image: &str, env_vars: Value, extra_meta: Value) -> Value {
    let mut d = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns, "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "web",
                    "image": image,
                    "args": ["--port", "8080"],
                    "env": env_vars,
                    "ports": [{"containerPort": 8080, "name": "http"}]
                }]}
            }
        }
    });
    if let (Some(meta), Some(extra)) = (d["metadata"].as_object_mut(), extra_meta.as_object()) {
        for (k, v) in extra {
            meta.insert(k.clone(), v.clone());
        }
    }
    d
}

fn service(ns: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
    })
}

fn config(ns: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config", "namespace": ns}, "data": data})
}

fn certificate(ns: &str, name: &str, issuer: &str, dns: Value) -> Value {
    json!({
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"secretName": format!("{name}-tls"), "issuerRef": {"name": issuer, "kind": "ClusterIssuer"}, "dnsNames": dns}
    })
}

/// The reference fixture: three environments, components deployed everywhere, in some
/// environments only, with per-environment namespaces, with nothing in common, empty.
pub fn reference() -> Platform {
    let web = |env: &str| -> Component {
        let ns = "web";
        let (replicas, image) = match env {
            "prod" => (3, "ghcr.io/club/web:1.4.2"),
            "staging" => (1, "ghcr.io/club/web:1.4.2"),
            _ => (1, "ghcr.io/club/web:1.5.0-rc.1"),
        };
        let env_vars = match env {
            "prod" => json!([{"name": "LOG", "value": "info"}, {"name": "SENTRY", "value": "on"}]),
            _ => json!([{"name": "LOG", "value": "debug"}]),
        };
        let extra_meta = match env {
            "prod" => json!({"annotations": {"argocd.argoproj.io/sync-wave": "2", "x~y": "z"}}),
            "staging" => json!({"annotations": {"argocd.argoproj.io/sync-wave": "1"}}),
            _ => json!({}),
        };
        let data = match env {
            "prod" => json!({"FEATURE": "on", "MODE": "1.10", "ONLY_PROD": "0777", "EMPTY": ""}),
            "staging" => json!({"FEATURE": "off", "MODE": "1.10", "EMPTY": "", "NOTES": "line 1\nline 2\n"}),
            _ => json!({"FEATURE": "off", "MODE": "2.0"}),
        };
        let mut deploy = deployment(ns, replicas, image, env_vars, extra_meta);
        if env == "staging" {
            // An empty map present in one env only.
            deploy["spec"]["template"]["spec"]["nodeSelector"] = json!({});
        }
        let mut objects = vec![
            obj(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})),
            obj(deploy),
            obj(service(ns)),
            obj(config(ns, data)),
        ];
        if env == "prod" {
            objects.push(obj(json!({
                "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": "web", "namespace": ns},
                "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}
            })));
            objects.push(obj(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "web-reader"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
            })));
        }
        if env == "sandbox" {
            // A list with a null, and an empty list, in an env-only object.
            objects.push(obj(json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "web-debug", "namespace": ns, "labels": {}},
                "data": {}
            })));
        }
        comp("web", ns, objects)
    };
    // Deployed in prod and staging only, in a different namespace in each: nothing is
    // common, so no base.
    let db = |env: &str| -> Component {
        let ns = format!("db-{env}");
        comp(
            "db",
            &ns,
            vec![
                obj(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": ns},
                       "spec": {"ports": [{"port": 5432}], "selector": {"app": "db"}}})),
                obj(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": ns},
                       "type": "Opaque", "stringData": {"user": "app"}})),
            ],
        )
    };
    // Names with dots (regex metacharacters in patch targets), a look-alike that the
    // patch must not touch, and two groups with a `Gateway` kind (file-name clash).
    let certs = |env: &str| -> Component {
        let issuer = if env == "prod" { "letsencrypt-prod" } else { "letsencrypt-staging" };
        let dns =
            if env == "prod" { json!(["www.example.com", "example.com"]) } else { json!(["www.staging.example.com"]) };
        comp(
            "certs",
            "certs",
            vec![
                obj(certificate("certs", "www.example.com", issuer, dns)),
                obj(certificate("certs", "wwwxexample.com", "letsencrypt-prod", json!(["x.example.com"]))),
                obj(json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                       "metadata": {"name": "main", "namespace": "certs"},
                       "spec": {"gatewayClassName": if env == "prod" { "contour" } else { "contour-test" }, "listeners": []}})),
                obj(json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
                       "metadata": {"name": "main", "namespace": "certs"}, "spec": {"selector": {"istio": "ingress"}}})),
                obj(
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "certs"}, "data": {"a": "1"}}),
                ),
                obj(
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "certs-extra"}, "data": {"b": "2"}}),
                ),
            ],
        )
    };
    // Only in sandbox: everything is common to the one env, overlays are bare.
    let tools = || {
        comp(
            "tools",
            "tools",
            vec![obj(
                json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cleanup", "namespace": "tools"},
                   "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                       "restartPolicy": "Never",
                       "containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", "echo yes"]}]}}}}}}),
            )],
        )
    };
    let empty = || comp("empty", "empty", vec![]);
    platform(vec![
        env("prod", vec![web("prod"), db("prod"), certs("prod")]),
        env("staging", vec![web("staging"), db("staging"), certs("staging"), empty()]),
        env("sandbox", vec![web("sandbox"), tools()]),
    ])
}

/// What each root must build to: per (env, component) the objects' emitted JSON
/// ([`cedc_emit::object_json`]), and per env all of them.
pub fn expected(platform: &Platform, env: &str, component: Option<&str>) -> Vec<Value> {
    let env = platform.envs.iter().find(|e| e.name == env).unwrap();
    env.components
        .iter()
        .filter(|c| component.is_none_or(|name| c.name == name))
        .flat_map(|c| c.objects.iter().map(|o| cedc_emit::object_json(o).unwrap()))
        .collect()
}

pub fn index(tree: &Tree) -> Index {
    Index::parse(&tree[INDEX_FILE]).unwrap()
}

pub fn yaml(tree: &Tree, path: &str) -> Value {
    let bytes = tree.get(path).unwrap_or_else(|| panic!("no {path} in tree: {:?}", tree.keys().collect::<Vec<_>>()));
    serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
}

/// A miniature Kustomize, enough for the trees cedc writes: `resources` (files and
/// directories) and JSON 6902 `patches` with exact (regex-escaped) targets. Lets the
/// invariant be tested without kubectl; the kubectl tests check the real thing.
pub fn mini_kustomize(tree: &Tree, dir: &str) -> Vec<Value> {
    let k = yaml(tree, &format!("{dir}/kustomization.yaml"));
    assert_eq!(k["apiVersion"], "kustomize.config.k8s.io/v1beta1");
    assert_eq!(k["kind"], "Kustomization");
    for key in k.as_object().unwrap().keys() {
        assert!(["apiVersion", "kind", "resources", "patches"].contains(&key.as_str()), "field {key}");
    }
    let mut objects = Vec::new();
    for r in k["resources"].as_array().unwrap() {
        let path = normalize(&format!("{dir}/{}", r.as_str().unwrap()));
        if tree.contains_key(&format!("{path}/kustomization.yaml")) {
            objects.extend(mini_kustomize(tree, &path));
        } else {
            objects.push(yaml(tree, &path));
        }
    }
    for p in k.get("patches").and_then(Value::as_array).into_iter().flatten() {
        let ops = yaml(tree, &format!("{dir}/{}", p["path"].as_str().unwrap()));
        let t = &p["target"];
        let unescape = |v: &Value| v.as_str().map(|s| s.replace('\\', ""));
        let mut hits = 0;
        for o in objects.iter_mut() {
            let api = o["apiVersion"].as_str().unwrap();
            let (g, v) = api.rsplit_once('/').unwrap_or(("", api));
            let matches = unescape(&t["group"]).as_deref() == Some(g)
                && unescape(&t["version"]).as_deref() == Some(v)
                && unescape(&t["kind"]) == o["kind"].as_str().map(str::to_string)
                && unescape(&t["name"]) == o.pointer("/metadata/name").and_then(Value::as_str).map(str::to_string)
                && unescape(&t["namespace"])
                    == o.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_string);
            if matches {
                hits += 1;
                apply_patch(o, &ops);
            }
        }
        assert_eq!(hits, 1, "patch {p} must select exactly one object");
    }
    objects
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// RFC 6902 add / remove / replace.
pub fn apply_patch(doc: &mut Value, ops: &Value) {
    for op in ops.as_array().unwrap() {
        let path = op["path"].as_str().unwrap();
        let (parent, last) = path.rsplit_once('/').unwrap();
        let last = last.replace("~1", "/").replace("~0", "~");
        let target = doc.pointer_mut(parent).unwrap_or_else(|| panic!("no parent for {path}"));
        match (op["op"].as_str().unwrap(), target) {
            ("add", Value::Object(m)) => {
                assert!(m.insert(last, op["value"].clone()).is_none(), "add over existing {path}");
            }
            ("replace", Value::Object(m)) => {
                assert!(m.insert(last, op["value"].clone()).is_some(), "replace of missing {path}");
            }
            ("remove", Value::Object(m)) => {
                assert!(m.shift_remove(&last).is_some(), "remove of missing {path}");
            }
            ("replace", Value::Array(a)) => {
                let i: usize = last.parse().unwrap();
                a[i] = op["value"].clone();
            }
            (o, t) => panic!("unexpected op {o} on {t}"),
        }
    }
}

/// Key objects for comparison.
pub fn keyed(objects: &[Value]) -> BTreeMap<String, Value> {
    objects.iter().map(|o| (format!("{:?}", cedc_emit::testing::object_key(o)), o.clone())).collect()
}
