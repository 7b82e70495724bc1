//! Tests of the delivery generator and the sync order on hand-made platform models: the
//! app-of-apps an environment gets, the waves dependencies give, and what is refused.

use crate::derive;
use cedc_diagnostics::{FileId, Span};
use cedc_model::{Component, ComponentInfo, Environment, Object, Platform, Value};
use serde_json::json;

const SPAN: Span = Span { file: FileId(0), start: 0, end: 1 };

fn value(json: serde_json::Value) -> Value {
    Value::from_json(&json, SPAN)
}

fn object(json: serde_json::Value) -> Object {
    Object::from_json(&json, SPAN)
}

fn config_map(name: &str, namespace: &str) -> Object {
    object(json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": name, "namespace": namespace } }))
}

fn release(chart: &str, version: &str, crds: serde_json::Value) -> Value {
    value(json!({
        "chart": { "repository": "https://charts.example.org", "name": chart, "version": version },
        "version": version,
        "name": chart,
        "values": { "replicas": 2 },
        "installs": { "crds": crds },
    }))
}

fn delivery() -> Value {
    value(json!({
        "repository": "https://git.example.org/platform.git",
        "path": "deploy/out/",
        "revision": "main",
        "release": "v1.2.0",
        "project": "platform",
    }))
}

fn with_delivery(mut c: Component) -> Component {
    c.delivery = Some(delivery().into());
    c
}

fn platform(production: bool, components: Vec<Component>) -> Platform {
    let infos = components.iter().map(|c| ComponentInfo { name: c.name.clone(), span: SPAN }).collect();
    let env = Environment {
        name: "prod".into(),
        span: SPAN,
        attributes: value(json!({ "production": production })),
        components,
        delivery: Vec::new(),
    };
    Platform { envs: vec![env], components: infos }
}

fn json_of(o: &Object) -> serde_json::Value {
    o.value.to_json().unwrap_or_default()
}

fn app(p: &Platform, name: &str) -> serde_json::Value {
    let found = p.envs[0].delivery.iter().find(|o| &*o.kind == "Application" && &*o.name == name);
    found.map(json_of).unwrap_or_else(|| panic!("no Application {name}"))
}

fn wave(app: &serde_json::Value) -> &str {
    app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].as_str().unwrap_or("none")
}

#[test]
fn an_environment_without_a_delivering_component_gets_nothing() {
    let mut p = platform(false, vec![Component::new("web", SPAN, "web", vec![config_map("a", "web")])]);
    assert!(derive(&mut p).is_empty());
    assert!(p.envs[0].delivery.is_empty());
}

#[test]
fn the_app_of_apps_has_a_project_a_root_and_one_application_per_component() {
    let mut argocd = with_delivery(Component::new("argocd", SPAN, "argocd", vec![]));
    argocd.chart = Some(release("argo-cd", "7.7.0", json!([])).into());
    let web = Component::new("web", SPAN, "web", vec![config_map("a", "web")]);
    let empty = Component::new("nothing", SPAN, "nothing", vec![]);
    let mut p = platform(false, vec![argocd, web, empty]);
    assert!(derive(&mut p).is_empty());
    let kinds: Vec<(&str, &str)> = p.envs[0].delivery.iter().map(|o| (o.kind.as_ref(), o.name.as_ref())).collect();
    assert_eq!(
        kinds,
        [
            ("AppProject", "platform"),
            ("Application", "platform-prod"),
            ("Application", "prod-argocd"),
            ("Application", "prod-web")
        ],
        "a component deploying nothing gets no Application"
    );
    let root = app(&p, "platform-prod");
    assert_eq!(root["spec"]["source"]["path"], "deploy/out/apps/prod", "the root deploys the directory holding it");
    assert_eq!(root["spec"]["source"]["targetRevision"], "main");
    let web = app(&p, "prod-web");
    assert_eq!(web["spec"]["source"]["path"], "deploy/out/components/web/overlays/prod");
    assert_eq!(web["spec"]["destination"]["namespace"], "web");
    assert_eq!(web["metadata"]["namespace"], "argocd", "Applications live where Argo CD runs");
    let argocd = app(&p, "prod-argocd");
    let chart = &argocd["spec"]["source"];
    assert_eq!(chart["chart"], "argo-cd");
    assert_eq!(chart["targetRevision"], "7.7.0");
    assert_eq!(chart["helm"]["releaseName"], "argo-cd");
    assert_eq!(chart["helm"]["valuesObject"], json!({ "replicas": 2 }));
    let project = &json_of(&p.envs[0].delivery[0])["spec"];
    assert_eq!(project["sourceRepos"], json!(["https://charts.example.org", "https://git.example.org/platform.git"]));
}

#[test]
fn a_chart_component_with_objects_has_two_sources() {
    let mut grafana =
        with_delivery(Component::new("grafana", SPAN, "monitoring", vec![config_map("dash", "monitoring")]));
    grafana.chart = Some(release("grafana", "8.5.1", json!([])).into());
    let mut p = platform(false, vec![grafana]);
    assert!(derive(&mut p).is_empty());
    let sources = app(&p, "prod-grafana")["spec"]["sources"].clone();
    assert_eq!(sources[0]["chart"], "grafana");
    assert_eq!(sources[1]["path"], "deploy/out/components/grafana/overlays/prod");
}

#[test]
fn production_tracks_the_release_and_oci_charts_lose_their_scheme() {
    let mut argocd = with_delivery(Component::new("argocd", SPAN, "argocd", vec![config_map("a", "argocd")]));
    let mut chart = release("argo-cd", "7.7.0", json!([]));
    if let cedc_model::ValueKind::Record(f) = &mut chart.kind
        && let Some(cedc_model::ValueKind::Record(c)) = f.get_mut("chart").map(|c| &mut c.kind)
    {
        c.insert("repository".into(), value(json!("oci://ghcr.io/argoproj/argo-helm")));
    }
    argocd.chart = Some(chart.into());
    let mut p = platform(true, vec![argocd]);
    assert!(derive(&mut p).is_empty());
    let sources = app(&p, "prod-argocd")["spec"]["sources"].clone();
    assert_eq!(sources[0]["repoURL"], "ghcr.io/argoproj/argo-helm");
    assert_eq!(sources[1]["targetRevision"], "v1.2.0", "production tracks the release");
    assert_eq!(app(&p, "platform-prod")["spec"]["source"]["targetRevision"], "v1.2.0");
}

#[test]
fn waves_follow_crds_controllers_and_after() {
    let mut crds = with_delivery(Component::new("crds", SPAN, "kube-system", vec![]));
    crds.chart = Some(release("crds", "1.0.0", json!([{ "apiVersion": "example.org/v1", "kind": "Widget" }])).into());
    let widget = object(
        json!({ "apiVersion": "example.org/v1", "kind": "Widget", "metadata": { "name": "w", "namespace": "apps" } }),
    );
    let mut contour = Component::new("contour", SPAN, "projectcontour", vec![config_map("c", "projectcontour")]);
    contour.provides = vec!["projectcontour.io/gateway-controller".into()];
    let class = object(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
        "metadata": { "name": "contour" }, "spec": { "controllerName": "projectcontour.io/gateway-controller" }
    }));
    // `apps` uses the Widget kind (wave after crds) and runs after `contour`'s class user.
    let gateway = Component::new("gateway", SPAN, "gateway", vec![class]);
    let mut apps = Component::new("apps", SPAN, "apps", vec![widget]);
    apps.after = vec![value(json!("gateway"))];
    let mut p = platform(false, vec![apps, gateway, contour, crds]);
    let diags = derive(&mut p);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(wave(&app(&p, "prod-crds")), "0");
    assert_eq!(wave(&app(&p, "prod-contour")), "0");
    assert_eq!(wave(&app(&p, "prod-gateway")), "1", "the GatewayClass names contour's controller");
    assert_eq!(wave(&app(&p, "prod-apps")), "2", "after gateway (1) and crds (0)");
}

#[test]
fn a_cycle_is_reported_once_with_every_component() {
    let mut a = with_delivery(Component::new("a", SPAN, "a", vec![config_map("x", "a")]));
    a.after = vec![value(json!("b"))];
    let mut b = Component::new("b", SPAN, "b", vec![config_map("x", "b")]);
    b.after = vec![value(json!("c"))];
    let mut c = Component::new("c", SPAN, "c", vec![config_map("x", "c")]);
    c.after = vec![value(json!("a"))];
    let mut p = platform(false, vec![a, b, c]);
    let diags = derive(&mut p);
    let cycles: Vec<_> = diags.iter().filter(|d| d.code == "E0403").collect();
    assert_eq!(cycles.len(), 1, "{diags:#?}");
    assert!(cycles[0].message.contains("`a` → `b` → `c` → `a`"), "{}", cycles[0].message);
    assert_eq!(cycles[0].secondary.len(), 2, "each wait of the cycle is shown");
}

#[test]
fn unknown_after_and_doubly_installed_crds_are_refused() {
    let mut a = with_delivery(Component::new("a", SPAN, "a", vec![]));
    a.after = vec![value(json!("certmanager"))];
    a.chart = Some(release("one", "1.0.0", json!([{ "apiVersion": "example.org/v1", "kind": "Widget" }])).into());
    let mut b = Component::new("cert-manager", SPAN, "b", vec![]);
    b.chart = Some(release("two", "1.0.0", json!([{ "apiVersion": "example.org/v2", "kind": "Widget" }])).into());
    let mut p = platform(false, vec![a, b]);
    let diags = derive(&mut p);
    let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0405", "E0404"], "{diags:#?}");
    assert!(
        diags[1].help.as_deref().unwrap_or_default().contains("did you mean `cert-manager`"),
        "{:?}",
        diags[1].help
    );
}

#[test]
fn two_delivering_components_are_refused() {
    let a = with_delivery(Component::new("a", SPAN, "a", vec![]));
    let b = with_delivery(Component::new("b", SPAN, "b", vec![]));
    let mut p = platform(false, vec![a, b]);
    let codes: Vec<&str> = derive(&mut p).iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0400"]);
}

#[test]
fn a_long_chain_of_waits_does_not_exhaust_the_stack() {
    let n = 20_000;
    let mut components: Vec<Component> = (0..n)
        .map(|i| {
            let mut c = Component::new(&format!("c{i}"), SPAN, "ns", vec![config_map(&format!("m{i}"), "ns")]);
            if i > 0 {
                c.after = vec![value(json!(format!("c{}", i - 1)))];
            }
            c
        })
        .collect();
    components[0].delivery = Some(delivery().into());
    let mut p = platform(false, components);
    assert!(derive(&mut p).is_empty());
    assert_eq!(wave(&app(&p, &format!("prod-c{}", n - 1))), (n - 1).to_string());
}

#[test]
fn a_component_waits_for_the_writers_of_the_secrets_it_reads() {
    let external = object(json!({
        "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
        "metadata": { "name": "db", "namespace": "web" }, "spec": { "target": { "name": "db-credentials" } }
    }));
    let certificate = object(json!({
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": { "name": "wildcard", "namespace": "edge" }, "spec": { "secretName": "wildcard-tls" }
    }));
    let deployment = object(json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "web", "namespace": "web" },
        "spec": { "template": { "spec": { "containers": [{
            "name": "web", "image": "web:1.0.0",
            "env": [{ "name": "PASSWORD", "valueFrom": { "secretKeyRef": { "name": "db-credentials", "key": "password" } } }]
        }] } } }
    }));
    let gateway = object(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": { "name": "public", "namespace": "edge" },
        "spec": { "gatewayClassName": "edge", "listeners": [{
            "name": "https", "port": 443, "protocol": "HTTPS",
            "tls": { "certificateRefs": [{ "name": "wildcard-tls" }] }
        }] }
    }));
    let secrets = with_delivery(Component::new("secrets", SPAN, "web", vec![external]));
    let certs = Component::new("certs", SPAN, "edge", vec![certificate]);
    let web = Component::new("web", SPAN, "web", vec![deployment]);
    let edge = Component::new("edge", SPAN, "edge", vec![gateway]);
    let mut p = platform(false, vec![web, edge, secrets, certs]);
    let diags = derive(&mut p);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(wave(&app(&p, "prod-secrets")), "0");
    assert_eq!(wave(&app(&p, "prod-web")), "1", "its pods read the Secret the ExternalSecret writes");
    assert_eq!(wave(&app(&p, "prod-edge")), "1", "its listener serves the certificate's Secret");
}
