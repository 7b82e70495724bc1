//! Tests of the clusters pass and of delivery across clusters on hand-made models: the
//! install a virtual cluster gets in its host, its registration, and where its
//! Applications go.

use crate::derive;
use cedc_diagnostics::{FileId, Span};
use cedc_model::{Component, ComponentInfo, Environment, Fields, Object, Platform, Value, ValueKind};
use serde_json::json;

const SPAN: Span = Span { file: FileId(0), start: 0, end: 1 };

fn value(json: serde_json::Value) -> Value {
    Value::from_json(&json, SPAN)
}

fn host_cluster() -> Value {
    value(json!({ "host": { "nodes": 3, "kubernetes": "1.34", "distribution": "talos" } }))
}

/// A virtual cluster in `host` (an `Env` value, which JSON cannot say).
fn virtual_cluster(host: &str, namespace: Option<&str>) -> Value {
    let mut v = value(json!({
        "kubernetes": "1.29",
        "chart": { "repository": "https://charts.loft.sh", "name": "vcluster", "version": "0.19.10" },
        "values": { "sync": { "ingresses": { "enabled": true } } },
        "sync": { "ingresses": true },
    }));
    if let ValueKind::Record(f) = &mut v.kind {
        f.insert("host".into(), Value::new(ValueKind::Env(host.into()), SPAN));
        if let Some(ns) = namespace {
            f.insert("namespace".into(), Value::str(ns, SPAN));
        }
    }
    let mut cluster = Fields::new();
    cluster.insert("virtual".into(), v);
    Value::new(ValueKind::Record(cluster), SPAN)
}

fn env(name: &str, cluster: Value, production: bool, components: Vec<Component>) -> Environment {
    let mut attributes = Fields::new();
    attributes.insert("cluster".into(), cluster);
    attributes.insert("production".into(), Value::new(ValueKind::Bool(production), SPAN));
    Environment {
        name: name.into(),
        span: SPAN,
        attributes: Value::new(ValueKind::Record(attributes), SPAN),
        components,
        delivery: Vec::new(),
    }
}

fn argocd() -> Component {
    let mut c = Component::new("argocd", SPAN, "argocd", vec![]);
    c.delivery = Some(value(json!({
        "repository": "https://git.example.org/platform.git",
        "path": "out",
        "revision": "main",
        "release": "v1.2.0",
        "project": "platform",
    })));
    c.chart = Some(value(json!({
        "chart": { "repository": "https://argoproj.github.io/argo-helm", "name": "argo-cd", "version": "7.7.0" },
        "version": "7.7.0",
        "name": "argocd",
    })));
    c
}

fn web() -> Component {
    let cm = json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "a", "namespace": "web" } });
    let o = Object {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: "a".into(),
        namespace: Some("web".into()),
        value: value(cm),
    };
    Component::new("web", SPAN, "web", vec![o])
}

fn platform(envs: Vec<Environment>) -> Platform {
    let mut names: Vec<String> = envs.iter().flat_map(|e| e.components.iter().map(|c| c.name.clone())).collect();
    names.sort();
    names.dedup();
    let components = names.into_iter().map(|name| ComponentInfo { name, span: SPAN }).collect();
    Platform { envs, components }
}

fn json_of(o: &Object) -> serde_json::Value {
    o.value.to_json().unwrap_or_default()
}

fn find(env: &Environment, kind: &str, name: &str) -> serde_json::Value {
    let found = env.delivery.iter().find(|o| o.kind == kind && o.name == name);
    found.map(json_of).unwrap_or_else(|| panic!("no {kind} {name} in {}", env.name))
}

#[test]
fn a_virtual_cluster_is_installed_in_its_host_and_delivered_by_the_hosts_argo_cd() {
    let prod = env("prod", host_cluster(), true, vec![argocd(), web()]);
    let staging = env("staging", virtual_cluster("prod", None), false, vec![web()]);
    let mut p = platform(vec![prod, staging]);
    let diags = derive(&mut p);
    assert!(diags.is_empty(), "{diags:?}");
    let (prod, staging) = (&p.envs[0], &p.envs[1]);

    let install = prod.components.iter().find(|c| c.name == "vcluster-staging").expect("the install");
    assert_eq!(install.namespace, "vcluster-staging");
    let service = &install.installed[0];
    assert_eq!((service.kind.as_str(), service.name.as_str()), ("Service", "vcluster-staging"));
    assert!(p.components.iter().any(|c| c.name == "vcluster-staging"), "`after` may name it");

    let app = find(prod, "Application", "prod-vcluster-staging");
    assert_eq!(app["spec"]["source"]["chart"], "vcluster");
    assert_eq!(app["spec"]["source"]["helm"]["releaseName"], "vcluster-staging");
    assert_eq!(app["spec"]["source"]["helm"]["valuesObject"]["sync"]["ingresses"]["enabled"], true);
    assert_eq!(app["spec"]["destination"]["namespace"], "vcluster-staging");

    let secret = find(prod, "Secret", "cluster-staging");
    assert_eq!(secret["metadata"]["namespace"], "argocd");
    assert_eq!(secret["metadata"]["labels"]["argocd.argoproj.io/secret-type"], "cluster");
    assert_eq!(secret["stringData"]["server"], "https://vcluster-staging.vcluster-staging");
    assert_eq!(secret["stringData"]["name"], "staging");

    let root = find(prod, "Application", "platform-staging");
    assert_eq!(root["spec"]["source"]["path"], "out/apps/staging");
    assert_eq!(root["spec"]["source"]["targetRevision"], "main", "staging tracks the revision, not prod's release");
    assert_eq!(
        root["spec"]["destination"]["server"], "https://kubernetes.default.svc",
        "Applications live in the host"
    );
    let wave = |a: &serde_json::Value| a["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].clone();
    let install_wave: u32 = wave(&app).as_str().and_then(|w| w.parse().ok()).expect("a wave");
    assert_eq!(wave(&root), json!((install_wave + 1).to_string()), "after the virtual cluster is installed");
    assert_eq!(wave(&secret), wave(&root));

    let project = find(prod, "AppProject", "platform");
    let destinations = project["spec"]["destinations"].as_array().expect("destinations").clone();
    assert!(
        destinations.contains(&json!({ "server": "https://vcluster-staging.vcluster-staging", "namespace": "web" }))
    );
    assert!(
        destinations.contains(&json!({ "server": "https://kubernetes.default.svc", "namespace": "vcluster-staging" }))
    );

    let kinds: Vec<(&str, &str)> = staging.delivery.iter().map(|o| (o.kind.as_str(), o.name.as_str())).collect();
    assert_eq!(kinds, [("Application", "staging-web")], "no project nor root of its own: the host has them");
    let web = find(staging, "Application", "staging-web");
    assert_eq!(web["spec"]["destination"]["server"], "https://vcluster-staging.vcluster-staging");
    assert_eq!(web["spec"]["project"], "platform");
    assert_eq!(web["metadata"]["namespace"], "argocd");
}

#[test]
fn a_written_namespace_names_the_release_and_the_address() {
    let prod = env("prod", host_cluster(), true, vec![argocd()]);
    let staging = env("staging", virtual_cluster("prod", Some("virtual-staging")), false, vec![web()]);
    let mut p = platform(vec![prod, staging]);
    assert!(derive(&mut p).is_empty());
    let secret = find(&p.envs[0], "Secret", "cluster-staging");
    assert_eq!(secret["stringData"]["server"], "https://virtual-staging.virtual-staging");
}

#[test]
fn a_virtual_cluster_with_its_own_argo_cd_delivers_itself_in_cluster() {
    let prod = env("prod", host_cluster(), true, vec![argocd()]);
    let staging = env("staging", virtual_cluster("prod", None), false, vec![argocd(), web()]);
    let mut p = platform(vec![prod, staging]);
    assert!(derive(&mut p).is_empty());
    assert!(!p.envs[0].delivery.iter().any(|o| o.kind == "Secret"), "no registration in the host");
    let web = find(&p.envs[1], "Application", "staging-web");
    assert_eq!(web["spec"]["destination"]["server"], "https://kubernetes.default.svc");
}

#[test]
fn without_argo_cd_in_the_host_the_virtual_cluster_is_installed_but_not_delivered() {
    let prod = env("prod", host_cluster(), true, vec![web()]);
    let staging = env("staging", virtual_cluster("prod", None), false, vec![web()]);
    let mut p = platform(vec![prod, staging]);
    assert!(derive(&mut p).is_empty());
    assert!(p.envs[0].components.iter().any(|c| c.name == "vcluster-staging"));
    assert!(p.envs.iter().all(|e| e.delivery.is_empty()));
}

#[test]
fn a_host_declaring_its_server_gets_its_applications_there() {
    let cluster = value(json!({ "host": {
        "nodes": 3, "kubernetes": "1.34", "distribution": "talos", "server": "https://prod.example.org:6443"
    } }));
    let mut p = platform(vec![env("prod", cluster, true, vec![argocd(), web()])]);
    assert!(derive(&mut p).is_empty());
    let web = find(&p.envs[0], "Application", "prod-web");
    assert_eq!(web["spec"]["destination"]["server"], "https://prod.example.org:6443");
    let root = find(&p.envs[0], "Application", "platform-prod");
    assert_eq!(
        root["spec"]["destination"]["server"], "https://kubernetes.default.svc",
        "where Argo CD keeps Applications"
    );
}

#[test]
fn the_hosts_project_admits_the_namespaces_a_virtual_clusters_sandboxes_add() {
    let prod = env("prod", host_cluster(), true, vec![argocd()]);
    let mut sandboxes = Component::new("sandboxes", SPAN, "sandboxes", vec![]);
    sandboxes.sandboxes = Some(value(json!({ "members": [{ "name": "alice", "user": "alice@example.org" }] })));
    let staging = env("staging", virtual_cluster("prod", None), false, vec![sandboxes]);
    let mut p = platform(vec![prod, staging]);
    assert!(derive(&mut p).is_empty());
    let project = find(&p.envs[0], "AppProject", "platform");
    let destinations = project["spec"]["destinations"].as_array().expect("destinations").clone();
    let wanted = json!({ "server": "https://vcluster-staging.vcluster-staging", "namespace": "sandbox-alice" });
    assert!(destinations.contains(&wanted), "{destinations:?}");
}
