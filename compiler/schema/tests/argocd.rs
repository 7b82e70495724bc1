//! The built-in Argo CD kinds: in the registry with the right scope and source, the
//! Applications cedc generates and typical hand-written ones validate, the mistakes the
//! reference platform made are caught, and (when `../shared` is there) they match the
//! upstream CRDs node by node.

use cedc_diagnostics::Span;
use cedc_model::Value;
use cedc_schema::argocd::{self, OPEN_PATHS};
use cedc_schema::crd;
use cedc_schema::validate::{Violation, validate};
use cedc_schema::{Kind, Registry, Scope, Source};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

mod common;
use common::Compare;

const KINDS: [&str; 2] = ["Application", "AppProject"];

fn registry() -> &'static Registry {
    cedc_schema::core::registry()
}

fn kind(name: &str) -> &'static Kind {
    registry()
        .lookup("argoproj.io/v1alpha1", name)
        .unwrap_or_else(|| panic!("argoproj.io/v1alpha1 {name} is not built in"))
}

fn check(object: serde_json::Value) -> Vec<Violation> {
    let k = kind(object["kind"].as_str().expect("a kind"));
    validate(registry(), &k.schema, &Value::from_json(&object, Span::default()))
}

fn paths(v: &[Violation]) -> Vec<String> {
    v.iter().map(|v| format!("{}: {}", v.path, v.message())).collect()
}

fn application(spec: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": { "name": "web", "namespace": "argocd", "annotations": { "argocd.argoproj.io/sync-wave": "1" } },
        "spec": spec,
    })
}

#[test]
fn the_kinds_are_built_in_and_namespaced() {
    for name in KINDS {
        let k = kind(name);
        assert_eq!(k.scope, Scope::Namespaced, "{name}");
        assert_eq!(k.source, Source::Shipped { package: argocd::PACKAGE }, "{name}");
    }
    let mut r = Registry::default();
    argocd::add(&mut r);
    assert_eq!(r.kinds.len(), 2);
}

#[test]
fn generated_and_hand_written_applications_validate() {
    let multi = application(json!({
        "project": "platform",
        "sources": [
            {
                "repoURL": "https://grafana.github.io/helm-charts",
                "chart": "grafana",
                "targetRevision": "8.5.1",
                "helm": { "releaseName": "grafana", "valuesObject": { "replicas": 2, "grafana.ini": { "server": { "root_url": "x" } } } },
            },
            { "repoURL": "https://github.com/example/platform.git", "path": "out/components/grafana/overlays/prod", "targetRevision": "v1" },
            { "repoURL": "https://github.com/example/platform.git", "targetRevision": "main", "ref": "values" },
        ],
        "destination": { "server": "https://kubernetes.default.svc", "namespace": "monitoring" },
        "syncPolicy": { "automated": { "prune": true, "selfHeal": true }, "syncOptions": ["CreateNamespace=true"] },
    }));
    let v = check(multi);
    assert!(v.is_empty(), "{:#?}", paths(&v));
    let project = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": { "name": "platform", "namespace": "argocd" },
        "spec": {
            "sourceRepos": ["https://github.com/example/platform.git"],
            "destinations": [{ "server": "https://kubernetes.default.svc", "namespace": "web" }],
            "clusterResourceWhitelist": [{ "group": "*", "kind": "*" }],
            "roles": [{ "name": "ops", "policies": ["p, proj:platform:ops, applications, sync, platform/*, allow"] }],
        },
    });
    let v = check(project);
    assert!(v.is_empty(), "{:#?}", paths(&v));
}

#[test]
fn the_reference_platforms_mistakes_are_caught() {
    // `project` written under `destination`.
    let v = check(application(json!({
        "source": { "repoURL": "https://github.com/example/platform.git", "path": "web", "targetRevision": "v1" },
        "destination": { "server": "https://kubernetes.default.svc", "namespace": "web", "project": "default" },
    })));
    assert!(paths(&v).iter().any(|p| p.contains("destination") && p.contains("project")), "{:#?}", paths(&v));
    // A source field misspelled.
    let v = check(application(json!({
        "project": "default",
        "source": { "repoURL": "https://x", "path": "web", "targetRevison": "v1" },
        "destination": { "server": "https://kubernetes.default.svc" },
    })));
    assert!(paths(&v).iter().any(|p| p.contains("targetRevison")), "{:#?}", paths(&v));
    // No `spec` at all; a `repoURL`-less source.
    let v = check(json!({ "apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": { "name": "x" } }));
    assert!(!v.is_empty());
    let v = check(application(json!({ "source": { "path": "web" }, "destination": {} })));
    assert!(paths(&v).iter().any(|p| p.contains("repoURL")), "{:#?}", paths(&v));
}

#[test]
fn built_in_argo_cd_kinds_match_the_upstream_crds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/crds/argo-cd");
    if !dir.is_dir() {
        eprintln!(
            "\n*** SKIPPED: ../shared not found ({} is missing): \
             the built-in Argo CD kinds were NOT compared with upstream ***\n",
            dir.display()
        );
        return;
    }
    let mut upstream: BTreeMap<String, Kind> = BTreeMap::new();
    for file in ["application-crd.yaml", "appproject-crd.yaml"] {
        let p = dir.join(file);
        let text = std::fs::read_to_string(&p).expect("read the upstream CRD");
        let loaded = crd::load_crds(&p.display().to_string(), &text);
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        for k in loaded.kinds.into_iter().filter(|k| k.group == "argoproj.io" && k.version == "v1alpha1") {
            upstream.insert(k.kind.clone(), k);
        }
    }
    let mut c = Compare::new(OPEN_PATHS);
    for name in KINDS {
        let up = upstream.get(name).unwrap_or_else(|| panic!("no upstream CRD for {name}"));
        assert_eq!(up.scope, Scope::Namespaced, "{name}");
        c.node(name, "", &kind(name).schema, &up.schema);
    }
    for path in OPEN_PATHS {
        assert!(c.open_seen.contains(*path), "open path {path} is in no upstream kind");
    }
    eprintln!("compared {} schema nodes of the Argo CD kinds with upstream", c.nodes);
    assert!(c.nodes > 400, "only {} nodes compared", c.nodes);
    assert!(
        c.differences.is_empty(),
        "the built-in Argo CD kinds differ from the upstream CRDs ({} differences):\n{}",
        c.differences.len(),
        c.differences.join("\n")
    );
}
