//! The built-in External Secrets Operator kinds: in the registry with their scope and
//! source, the objects cedc generates and typical hand-written ones validate, common
//! mistakes are caught, and (when `../shared` is there) the three kinds match the upstream
//! CRDs node by node, every provider but `kubernetes` left open.

use cedc_diagnostics::Span;
use cedc_model::Value;
use cedc_model::views::eso as names;
use cedc_schema::eso::{OPEN_PATHS, OTHER_PROVIDERS};
use cedc_schema::validate::{Violation, ViolationKind, validate};
use cedc_schema::{Kind, Registry, Scope, Source};
use serde_json::json;

mod common;
use common::Compare;

fn registry() -> &'static Registry {
    cedc_schema::core::registry()
}

fn kind(name: &str) -> &'static Kind {
    registry().lookup(names::API_VERSION, name).unwrap_or_else(|| panic!("{name} is not built in"))
}

fn check(kind_name: &str, spec: serde_json::Value) -> Vec<(String, ViolationKind)> {
    let object = json!({ "apiVersion": names::API_VERSION, "kind": kind_name, "metadata": { "name": "x", "namespace": "argocd" }, "spec": spec });
    let v: Vec<Violation> = validate(registry(), &kind(kind_name).schema, &Value::from_json(&object, Span::default()));
    v.iter().map(|v| (v.path.clone(), v.kind.clone())).collect()
}

fn kubernetes_store() -> serde_json::Value {
    json!({
        "provider": {
            "kubernetes": {
                "remoteNamespace": "vcluster-staging",
                "server": {
                    "url": "https://kubernetes.default.svc",
                    "caProvider": { "type": "ConfigMap", "name": "kube-root-ca.crt", "key": "ca.crt" },
                },
                "auth": { "serviceAccount": { "name": "cluster-staging" } },
            },
        },
    })
}

#[test]
fn the_three_kinds_are_built_in_with_their_scopes() {
    for (k, scope) in [
        (names::SECRET_STORE, Scope::Namespaced),
        (names::CLUSTER_SECRET_STORE, Scope::Cluster),
        (names::EXTERNAL_SECRET, Scope::Namespaced),
    ] {
        let found = kind(k);
        assert_eq!(found.scope, scope, "{k}");
        assert_eq!(found.source, Source::Shipped { package: "External Secrets Operator v2.9.0" });
    }
}

#[test]
fn realistic_objects_validate() {
    assert_eq!(check(names::SECRET_STORE, kubernetes_store()), vec![]);
    let vault = json!({ "provider": { "vault": { "server": "http://vault:8200", "path": "kv", "version": "v2" } } });
    assert_eq!(check(names::CLUSTER_SECRET_STORE, vault), vec![]);
    let copy = json!({
        "refreshInterval": "1h",
        "secretStoreRef": { "kind": "SecretStore", "name": "cluster-staging" },
        "target": {
            "name": "cluster-staging",
            "creationPolicy": "Owner",
            "template": {
                "engineVersion": "v2",
                "metadata": { "labels": { "argocd.argoproj.io/secret-type": "cluster" } },
                "data": { "name": "staging", "config": "{\"tlsClientConfig\":{\"caData\":\"{{ .caData | b64enc }}\"}}" },
            },
        },
        "data": [{ "secretKey": "caData", "remoteRef": { "key": "vc-vcluster-staging", "property": "certificate-authority" } }],
    });
    assert_eq!(check(names::EXTERNAL_SECRET, copy), vec![]);
}

#[test]
fn typical_mistakes_are_caught() {
    // Two providers in one store.
    let mut two = kubernetes_store();
    two["provider"]["fake"] = json!({});
    let v = check(names::SECRET_STORE, two);
    assert!(matches!(v.as_slice(), [(p, ViolationKind::Range { .. })] if p == "spec.provider"), "{v:?}");
    // A misspelled provider is an unknown field, not an open one.
    let v = check(names::SECRET_STORE, json!({ "provider": { "kubernetess": {} } }));
    assert!(
        v.iter().any(|(_, k)| matches!(k, ViolationKind::UnknownField { field, .. } if field == "kubernetess")),
        "{v:?}"
    );
    // A CA provider of a kind that does not exist.
    let mut bad_ca = kubernetes_store();
    bad_ca["provider"]["kubernetes"]["server"]["caProvider"]["type"] = json!("Certificate");
    let v = check(names::SECRET_STORE, bad_ca);
    assert!(matches!(v.as_slice(), [(p, ViolationKind::NotInEnum { .. })] if p.ends_with("caProvider.type")), "{v:?}");
    // A data entry without the key it is written under.
    let v = check(names::EXTERNAL_SECRET, json!({ "data": [{ "remoteRef": { "key": "db" } }] }));
    assert!(v.iter().any(|(_, k)| matches!(k, ViolationKind::MissingField { field } if field == "secretKey")), "{v:?}");
    // A secret key with a character Secrets refuse.
    let v =
        check(names::EXTERNAL_SECRET, json!({ "data": [{ "secretKey": "ca data", "remoteRef": { "key": "db" } }] }));
    assert!(matches!(v.as_slice(), [(_, ViolationKind::Pattern { .. })]), "{v:?}");
    // The old template engine.
    let v = check(names::EXTERNAL_SECRET, json!({ "target": { "template": { "engineVersion": "v1" } } }));
    assert!(matches!(v.as_slice(), [(_, ViolationKind::NotInEnum { .. })]), "{v:?}");
}

#[test]
fn built_in_kinds_match_the_upstream_crds() {
    let Some(upstream) = common::upstream_kinds("external-secrets", names::GROUP, names::VERSION) else {
        return;
    };
    let mut open: Vec<&'static str> = OPEN_PATHS.to_vec();
    for p in OTHER_PROVIDERS {
        open.push(Box::leak(format!("spec.provider.{p}").into_boxed_str()));
    }
    let mut c = Compare::new(Box::leak(open.into_boxed_slice()));
    for name in [names::SECRET_STORE, names::CLUSTER_SECRET_STORE, names::EXTERNAL_SECRET] {
        let up = upstream.get(name).unwrap_or_else(|| panic!("no upstream CRD for {name}"));
        assert_eq!(up.scope, kind(name).scope, "{name}");
        c.node(name, "", &kind(name).schema, &up.schema);
    }
    eprintln!("compared {} schema nodes of the 3 External Secrets kinds with upstream", c.nodes);
    assert!(c.nodes > 200, "only {} nodes compared", c.nodes);
    assert!(
        c.differences.is_empty(),
        "the built-in External Secrets kinds differ from the upstream CRDs ({}):\n{}",
        c.differences.len(),
        c.differences.join("\n")
    );
}
