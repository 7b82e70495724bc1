//! The built-in cert-manager kinds: they are in the registry with the right scope and
//! source, realistic objects validate and common mistakes are caught, a project's own
//! CRD replaces them, and (when `../shared` is there) they match the upstream CRDs node
//! by node.

use cedc_diagnostics::Span;
use cedc_model::Value;
use cedc_schema::certmanager::{self, OPEN_PATHS};
use cedc_schema::crd::{self, OBJECT_META};
use cedc_schema::validate::{Violation, ViolationKind, validate};
use cedc_schema::{Additional, Kind, Registry, Scope, Source, Ty};
use serde_json::json;
use std::collections::BTreeSet;

mod common;
use common::Compare;

const KINDS: [(&str, Scope); 4] = [
    ("Issuer", Scope::Namespaced),
    ("ClusterIssuer", Scope::Cluster),
    ("Certificate", Scope::Namespaced),
    ("CertificateRequest", Scope::Namespaced),
];

fn registry() -> &'static Registry {
    cedc_schema::core::registry()
}

fn kind(name: &str) -> &'static Kind {
    registry().lookup("cert-manager.io/v1", name).unwrap_or_else(|| panic!("cert-manager.io/v1 {name} is not built in"))
}

/// The violations of a JSON object against its (built-in) kind.
fn check(object: serde_json::Value) -> Vec<Violation> {
    let k = kind(object["kind"].as_str().expect("a kind"));
    validate(registry(), &k.schema, &Value::from_json(&object, Span::default()))
}

fn assert_valid(object: serde_json::Value) {
    let name = format!("{} {}", object["kind"], object["metadata"]["name"]);
    let v = check(object);
    assert!(
        v.is_empty(),
        "{name}: {:#?}",
        v.iter().map(|v| format!("{}: {}", v.path, v.message())).collect::<Vec<_>>()
    );
}

/// Each violation as `path: kind`, for readable assertions.
fn summary(v: &[Violation]) -> Vec<(String, ViolationKind)> {
    v.iter().map(|v| (v.path.clone(), v.kind.clone())).collect()
}

#[test]
fn the_four_kinds_are_built_in() {
    for (name, scope) in KINDS {
        let k = kind(name);
        assert_eq!(k.scope, scope, "{name}");
        assert_eq!(k.source, Source::Shipped { package: "cert-manager v1.21" }, "{name}");
        assert_eq!(registry().scope_of("cert-manager.io", name), Some(scope), "{name}");
        // The same envelope as a kind loaded from a CRD.
        let Ty::Object(top) = &k.schema.ty else { panic!("{name}: {:?}", k.schema.ty) };
        let names: Vec<&str> = top.properties.keys().map(String::as_str).collect();
        assert_eq!(names, ["apiVersion", "kind", "metadata", "spec", "status"], "{name}");
        assert_eq!(top.properties["metadata"].ty, Ty::Ref(OBJECT_META.into()), "{name}");
        assert!(matches!(top.properties["apiVersion"].ty, Ty::String(_)), "{name}");
        assert!(matches!(top.properties["kind"].ty, Ty::String(_)), "{name}");
        assert_eq!(top.additional, Additional::Forbidden, "{name}");
    }
    let mut r = Registry::default();
    certmanager::add(&mut r);
    assert_eq!(r.kinds.len(), 4);
}

#[test]
fn acme_cluster_issuers_validate() {
    // HTTP-01 through a Gateway, with the solver pod tuned.
    assert_valid(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": { "name": "letsencrypt-prod" },
        "spec": { "acme": {
            "server": "https://acme-v02.api.letsencrypt.org/directory",
            "email": "platform@example.org",
            "privateKeySecretRef": { "name": "letsencrypt-prod-account" },
            "profile": "shortlived",
            "solvers": [{
                "http01": { "gatewayHTTPRoute": {
                    "parentRefs": [{
                        "name": "public", "namespace": "gateway", "kind": "Gateway", "sectionName": "http", "port": 80
                    }],
                    "labels": { "app.kubernetes.io/part-of": "edge" },
                    "serviceType": "ClusterIP",
                    "podTemplate": {
                        "metadata": { "labels": { "team": "platform" } },
                        "spec": {
                            "nodeSelector": { "kubernetes.io/os": "linux" },
                            "priorityClassName": "system-cluster-critical",
                            "tolerations": [{ "key": "edge", "operator": "Exists", "effect": "NoSchedule" }],
                            "resources": {
                                "requests": { "cpu": "10m", "memory": "64Mi" },
                                "limits": { "memory": 67108864 }
                            },
                            "securityContext": { "runAsNonRoot": true, "seccompProfile": { "type": "RuntimeDefault" } },
                            "imagePullSecrets": [{ "name": "registry" }],
                            "affinity": { "nodeAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [{
                                    "matchExpressions": [{ "key": "zone", "operator": "In", "values": ["a"] }]
                                }]
                            } } }
                        }
                    }
                } }
            }]
        } }
    }));
    // DNS-01 through Cloudflare, for the wildcard names only.
    assert_valid(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": { "name": "letsencrypt-dns" },
        "spec": { "acme": {
            "server": "https://acme-v02.api.letsencrypt.org/directory",
            "privateKeySecretRef": { "name": "letsencrypt-dns-account" },
            "externalAccountBinding": {
                "keyID": "kid-1",
                "keySecretRef": { "name": "eab", "key": "secret" },
                "keyAlgorithm": "HS256"
            },
            "solvers": [{
                "selector": { "dnsZones": ["example.org"] },
                "dns01": {
                    "cnameStrategy": "Follow",
                    "cloudflare": { "apiTokenSecretRef": { "name": "cloudflare", "key": "api-token" } }
                }
            }, {
                "dns01": { "webhook": {
                    "groupName": "acme.example.org",
                    "solverName": "custom",
                    "config": { "anything": [1, "two"] }
                } }
            }]
        } }
    }));
}

#[test]
fn ca_and_self_signed_issuers_and_certificates_validate() {
    assert_valid(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Issuer",
        "metadata": { "name": "selfsigned", "namespace": "certs" },
        "spec": { "selfSigned": {} }
    }));
    assert_valid(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": { "name": "corp-ca" },
        "spec": { "ca": { "secretName": "corp-ca", "crlDistributionPoints": ["http://crl.example.org/ca.crl"] } }
    }));
    assert_valid(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": { "name": "wildcard", "namespace": "gateway" },
        "spec": {
            "secretName": "wildcard-tls",
            "dnsNames": ["*.example.org", "example.org"],
            "issuerRef": { "name": "letsencrypt-prod", "kind": "ClusterIssuer", "group": "cert-manager.io" },
            "duration": "2160h",
            "renewBefore": "360h",
            "privateKey": { "algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always", "encoding": "PKCS8" },
            "usages": ["digital signature", "key encipherment", "server auth"],
            "secretTemplate": { "labels": { "app": "web" }, "annotations": { "example.org/owner": "platform" } },
            "subject": { "organizations": ["Example"] },
            "keystores": {
                "pkcs12": { "create": true, "passwordSecretRef": { "name": "p12" }, "profile": "Modern2023" }
            },
            "additionalOutputFormats": [{ "type": "CombinedPEM" }],
            "revisionHistoryLimit": 3
        }
    }));
    assert_valid(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "CertificateRequest",
        "metadata": { "name": "one-off", "namespace": "certs" },
        "spec": { "request": "LS0tLS1CRUdJTg==", "issuerRef": { "name": "corp-ca" }, "extra": { "k": ["v"] } }
    }));
}

#[test]
fn mistakes_are_caught() {
    // A misspelt field of the HTTP-01 Gateway solver.
    let v = check(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": { "name": "le" },
        "spec": { "acme": {
            "server": "https://acme-v02.api.letsencrypt.org/directory",
            "privateKeySecretRef": { "name": "le" },
            "solvers": [{ "http01": { "gatewayHTTPRoute": { "parentRef": [{ "name": "public" }] } } }]
        } }
    }));
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].path, "spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRef");
    assert_eq!(v[0].code(), "E0100");
    let ViolationKind::UnknownField { field, suggestion, .. } = &v[0].kind else { panic!("{v:#?}") };
    assert_eq!((field.as_str(), suggestion.as_deref()), ("parentRef", Some("parentRefs")));

    // Values outside the enums, and the required fields left out.
    let v = check(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": { "name": "web", "namespace": "web" },
        "spec": {
            "dnsNames": ["web.example.org"],
            "issuerRef": { "kind": "ClusterIssuer" },
            "privateKey": { "algorithm": "EC" },
            "usages": ["server auth", "server-auth"]
        }
    }));
    let got = summary(&v);
    let paths: BTreeSet<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        BTreeSet::from(["spec.secretName", "spec.issuerRef.name", "spec.privateKey.algorithm", "spec.usages[1]"]),
        "{got:#?}"
    );
    for (path, kind) in &got {
        match path.as_str() {
            "spec.secretName" => assert_eq!(kind, &ViolationKind::MissingField { field: "secretName".into() }),
            "spec.issuerRef.name" => assert_eq!(kind, &ViolationKind::MissingField { field: "name".into() }),
            "spec.privateKey.algorithm" => {
                let ViolationKind::NotInEnum { value, allowed, .. } = kind else { panic!("{kind:?}") };
                assert_eq!(value, "EC");
                assert_eq!(allowed, &["RSA", "ECDSA", "Ed25519"]);
            }
            _ => {
                let ViolationKind::NotInEnum { value, suggestion, .. } = kind else { panic!("{kind:?}") };
                assert_eq!((value.as_str(), suggestion.as_deref()), ("server-auth", Some("server auth")));
            }
        }
    }

    // An issuer with no `spec`, and a Vault issuer missing its path.
    let v = check(json!({ "apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": { "name": "x" } }));
    assert_eq!(summary(&v), [("spec".to_string(), ViolationKind::MissingField { field: "spec".into() })]);
    let v = check(json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": { "name": "vault" },
        "spec": { "vault": { "server": "https://vault:8200", "auth": { "kubernetes": { "role": "issuer" } } } }
    }));
    assert_eq!(summary(&v), [("spec.vault.path".to_string(), ViolationKind::MissingField { field: "path".into() })]);
}

#[test]
fn a_project_crd_replaces_the_built_in_kind() {
    let text = common::crds::open("cert-manager.io", "v1", "ClusterIssuer", "clusterissuers", "Cluster");
    let mut r = registry().clone();
    let report = crd::load_into(&mut r, "crds/cert-manager.yaml", &text);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.replaced.len(), 1);
    assert_eq!(report.replaced[0].source, Source::Shipped { package: certmanager::PACKAGE });
    let k = r.lookup("cert-manager.io/v1", "ClusterIssuer").unwrap();
    assert_eq!(k.source, Source::Crd { file: "crds/cert-manager.yaml".into() });
    // The other kinds stay built in.
    assert_eq!(
        r.lookup("cert-manager.io/v1", "Certificate").unwrap().source,
        Source::Shipped { package: "cert-manager v1.21" }
    );
}

// ---------------------------------------------------------------------------------------
// Against upstream

#[test]
fn built_in_cert_manager_kinds_match_the_upstream_crds() {
    let Some(upstream) = common::upstream_kinds("cert-manager", "cert-manager.io", "v1") else { return };
    let mut c = Compare::new(OPEN_PATHS);
    for (name, scope) in KINDS {
        let up = upstream.get(name).unwrap_or_else(|| panic!("no upstream CRD for {name}"));
        assert_eq!(up.scope, scope, "{name}");
        c.node(name, "", &kind(name).schema, &up.schema);
    }
    for path in OPEN_PATHS {
        assert!(c.open_seen.contains(*path), "open path {path} is in no upstream kind");
    }
    eprintln!("compared {} schema nodes of the 4 cert-manager kinds with upstream", c.nodes);
    assert!(c.nodes > 500, "only {} nodes compared", c.nodes);
    assert!(
        c.differences.is_empty(),
        "the built-in cert-manager kinds differ from the upstream CRDs ({} differences):\n{}",
        c.differences.len(),
        c.differences.join("\n")
    );
}
