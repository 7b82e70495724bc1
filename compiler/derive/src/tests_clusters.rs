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
    c.delivery = Some(
        value(json!({
            "repository": "https://git.example.org/platform.git",
            "path": "out",
            "revision": "main",
            "release": "v1.2.0",
            "project": "platform",
        }))
        .into(),
    );
    c.chart = Some(
        value(json!({
            "chart": { "repository": "https://argoproj.github.io/argo-helm", "name": "argo-cd", "version": "7.7.0" },
            "version": "7.7.0",
            "name": "argocd",
        }))
        .into(),
    );
    c
}

/// The External Secrets Operator's chart: what copies the virtual clusters' credentials
/// into their registrations.
fn external_secrets() -> Component {
    let mut c = Component::new("external-secrets", SPAN, "external-secrets", vec![]);
    let crds: Vec<_> = ["ExternalSecret", "SecretStore"]
        .iter()
        .map(|k| json!({ "apiVersion": "external-secrets.io/v1", "kind": k }))
        .collect();
    c.chart = Some(value(json!({
        "chart": { "repository": "https://charts.external-secrets.io", "name": "external-secrets", "version": "2.9.0" },
        "version": "2.9.0",
        "name": "external-secrets",
        "installs": { "crds": crds, "objects": [] },
    })).into());
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
    let found = env.delivery.iter().find(|o| &*o.kind == kind && &*o.name == name);
    found.map(json_of).unwrap_or_else(|| panic!("no {kind} {name} in {}", env.name))
}

#[test]
fn a_virtual_cluster_is_installed_in_its_host_and_delivered_by_the_hosts_argo_cd() {
    let prod = env("prod", host_cluster(), true, vec![argocd(), external_secrets(), web()]);
    let staging = env("staging", virtual_cluster("prod", None), false, vec![web()]);
    let mut p = platform(vec![prod, staging]);
    let diags = derive(&mut p);
    assert!(diags.is_empty(), "{diags:?}");
    let (prod, staging) = (&p.envs[0], &p.envs[1]);

    let install = prod.components.iter().find(|c| c.name == "vcluster-staging").expect("the install");
    assert_eq!(install.namespace, "vcluster-staging");
    let service = &install.installed[0];
    assert_eq!((service.kind.as_ref(), service.name.as_ref()), ("Service", "vcluster-staging"));
    assert!(p.components.iter().any(|c| c.name == "vcluster-staging"), "`after` may name it");

    let app = find(prod, "Application", "prod-vcluster-staging");
    assert_eq!(app["spec"]["source"]["chart"], "vcluster");
    assert_eq!(app["spec"]["source"]["helm"]["releaseName"], "vcluster-staging");
    assert_eq!(app["spec"]["source"]["helm"]["valuesObject"]["sync"]["ingresses"]["enabled"], true);
    assert_eq!(app["spec"]["destination"]["namespace"], "vcluster-staging");

    // The registration: the Secret in Argo CD's format, made by the External Secrets
    // Operator from the certificates the vcluster chart writes.
    let copy = find(prod, "ExternalSecret", "cluster-staging");
    assert_eq!(copy["metadata"]["namespace"], "argocd");
    let template = &copy["spec"]["target"]["template"];
    assert_eq!(copy["spec"]["target"]["name"], "cluster-staging");
    assert_eq!(template["metadata"]["labels"]["argocd.argoproj.io/secret-type"], "cluster");
    assert_eq!(template["metadata"]["labels"]["cedc.dev/environment"], "staging");
    assert_eq!(template["data"]["server"], "https://vcluster-staging.vcluster-staging");
    assert_eq!(template["data"]["name"], "staging");
    assert_eq!(template["data"]["project"], "platform");
    let config = template["data"]["config"].as_str().expect("config");
    assert!(config.contains("\"caData\":\"{{ .caData | b64enc }}\""), "{config}");
    let keys: Vec<(&str, &str)> = copy["spec"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| (d["secretKey"].as_str().unwrap_or(""), d["remoteRef"]["property"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        keys,
        [("caData", "certificate-authority"), ("certData", "client-certificate"), ("keyData", "client-key")]
    );
    assert!(
        copy["spec"]["data"].as_array().expect("data").iter().all(|d| d["remoteRef"]["key"] == "vc-vcluster-staging")
    );
    let store = find(prod, "SecretStore", "cluster-staging");
    let kubernetes = &store["spec"]["provider"]["kubernetes"];
    assert_eq!(kubernetes["remoteNamespace"], "vcluster-staging");
    assert_eq!(kubernetes["auth"]["serviceAccount"]["name"], "cluster-staging");
    assert_eq!(store["metadata"]["annotations"]["argocd.argoproj.io/sync-options"], "SkipDryRunOnMissingResource=true");
    let account = find(prod, "ServiceAccount", "cluster-staging");
    assert_eq!(account["metadata"]["namespace"], "argocd");
    let role = find(prod, "Role", "argocd-cluster-staging");
    assert_eq!(role["metadata"]["namespace"], "vcluster-staging");
    assert_eq!(
        role["rules"],
        json!([{ "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["vc-vcluster-staging"], "verbs": ["get"] }])
    );
    let binding = find(prod, "RoleBinding", "argocd-cluster-staging");
    assert_eq!(
        binding["subjects"],
        json!([{ "kind": "ServiceAccount", "name": "cluster-staging", "namespace": "argocd" }])
    );
    assert!(!prod.delivery.iter().any(|o| &*o.kind == "Secret"), "no Secret without its credentials");

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
    for o in [&copy, &store, &account, &role, &binding] {
        assert_eq!(wave(o), wave(&root), "{o}");
    }

    let project = find(prod, "AppProject", "platform");
    let destinations = project["spec"]["destinations"].as_array().expect("destinations").clone();
    assert!(
        destinations.contains(&json!({ "server": "https://vcluster-staging.vcluster-staging", "namespace": "web" }))
    );
    assert!(
        destinations.contains(&json!({ "server": "https://kubernetes.default.svc", "namespace": "vcluster-staging" }))
    );

    let kinds: Vec<(&str, &str)> = staging.delivery.iter().map(|o| (o.kind.as_ref(), o.name.as_ref())).collect();
    assert_eq!(kinds, [("Application", "staging-web")], "no project nor root of its own: the host has them");
    let web = find(staging, "Application", "staging-web");
    assert_eq!(web["spec"]["destination"]["server"], "https://vcluster-staging.vcluster-staging");
    assert_eq!(web["spec"]["project"], "platform");
    assert_eq!(web["metadata"]["namespace"], "argocd");
}

#[test]
fn a_written_namespace_names_the_release_and_the_address() {
    let prod = env("prod", host_cluster(), true, vec![argocd(), external_secrets()]);
    let staging = env("staging", virtual_cluster("prod", Some("virtual-staging")), false, vec![web()]);
    let mut p = platform(vec![prod, staging]);
    assert!(derive(&mut p).is_empty());
    let copy = find(&p.envs[0], "ExternalSecret", "cluster-staging");
    assert_eq!(copy["spec"]["target"]["template"]["data"]["server"], "https://virtual-staging.virtual-staging");
    assert_eq!(copy["spec"]["data"][0]["remoteRef"]["key"], "vc-virtual-staging");
    let role = find(&p.envs[0], "Role", "argocd-cluster-staging");
    assert_eq!(role["metadata"]["namespace"], "virtual-staging");
}

#[test]
fn registrations_sync_after_the_operator_copying_their_credentials() {
    // The operator after the virtual cluster: the registration waits for both.
    let mut eso = external_secrets();
    eso.after = vec![Value::str("vcluster-staging", SPAN)];
    let prod = env("prod", host_cluster(), true, vec![argocd(), eso]);
    let staging = env("staging", virtual_cluster("prod", None), false, vec![web()]);
    let mut p = platform(vec![prod, staging]);
    let diags = derive(&mut p);
    assert!(diags.is_empty(), "{diags:?}");
    let wave = |kind: &str, name: &str| {
        let o = find(&p.envs[0], kind, name);
        o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].as_str().and_then(|w| w.parse::<u32>().ok())
    };
    let install = wave("Application", "prod-vcluster-staging").expect("install wave");
    let operator = wave("Application", "prod-external-secrets").expect("operator wave");
    assert!(operator > install, "{operator} > {install}");
    assert_eq!(wave("ExternalSecret", "cluster-staging"), Some(operator + 1));
}

#[test]
fn without_the_operator_a_registration_is_e0476_at_the_virtual_cluster() {
    let prod = env("prod", host_cluster(), true, vec![argocd(), web()]);
    let staging = env("staging", virtual_cluster("prod", None), false, vec![web()]);
    let mut p = platform(vec![prod, staging]);
    let diags = derive(&mut p);
    let codes: Vec<(&str, &[String])> = diags.iter().map(|d| (d.code, d.envs.as_slice())).collect();
    assert_eq!(codes, [("E0476", &["prod".to_string()][..])]);
    let help = diags[0].help.as_deref().unwrap_or("");
    assert!(help.contains("std/charts/external-secrets") && help.contains("vc-<release>"), "{help}");
}

#[test]
fn a_virtual_cluster_with_its_own_argo_cd_delivers_itself_in_cluster() {
    let prod = env("prod", host_cluster(), true, vec![argocd()]);
    let staging = env("staging", virtual_cluster("prod", None), false, vec![argocd(), web()]);
    let mut p = platform(vec![prod, staging]);
    assert!(derive(&mut p).is_empty());
    assert!(!p.envs[0].delivery.iter().any(|o| &*o.kind == "Secret"), "no registration in the host");
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
    let prod = env("prod", host_cluster(), true, vec![argocd(), external_secrets()]);
    let mut sandboxes = Component::new("sandboxes", SPAN, "sandboxes", vec![]);
    sandboxes.sandboxes = Some(value(json!({ "members": [{ "name": "alice", "user": "alice@example.org" }] })).into());
    let staging = env("staging", virtual_cluster("prod", None), false, vec![sandboxes]);
    let mut p = platform(vec![prod, staging]);
    assert!(derive(&mut p).is_empty());
    let project = find(&p.envs[0], "AppProject", "platform");
    let destinations = project["spec"]["destinations"].as_array().expect("destinations").clone();
    let wanted = json!({ "server": "https://vcluster-staging.vcluster-staging", "namespace": "sandbox-alice" });
    assert!(destinations.contains(&wanted), "{destinations:?}");
}
