//! The built-in GCP DNS provider kinds: they are in the registry with their scope and
//! source, realistic objects validate and common mistakes are caught, and (when
//! `CEDC_GCP_DNS_CRDS` names a directory holding the provider's CRDs) they match the
//! upstream CRDs node by node.

use cedc_schema::crd::{self, OBJECT_META};
use cedc_schema::gcp::{self, OPEN_PATHS};
use cedc_schema::validate::ViolationKind;
use cedc_schema::{Additional, Kind, Registry, Scope, Source, Ty};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

// Only the comparison: the upstream CRDs come from `CEDC_GCP_DNS_CRDS`, not `../shared`.
mod builtin;
#[allow(dead_code)]
mod common;
use builtin::{assert_valid, check, kind, registry, summary};
use common::Compare;

/// Every built-in kind, by `apiVersion` and kind.
const KINDS: [(&str, &str); 5] = [
    ("dns.gcp.upbound.io/v1beta1", "RecordSet"),
    ("dns.gcp.upbound.io/v1beta1", "ManagedZone"),
    ("dns.gcp.upbound.io/v1beta2", "RecordSet"),
    ("dns.gcp.upbound.io/v1beta2", "ManagedZone"),
    ("gcp.upbound.io/v1beta1", "ProviderConfig"),
];

/// The environment variable naming a directory of the provider's CRD files
/// (`dns.gcp.upbound.io_recordsets.yaml`, `..._managedzones.yaml`,
/// `gcp.upbound.io_providerconfigs.yaml`, from `package/crds` of provider-upjet-gcp at
/// the tag in `gcp::PROVIDER_VERSION`).
const CRDS_VAR: &str = "CEDC_GCP_DNS_CRDS";

/// A RecordSet as a platform team writes it: an A record in the zone of a ManagedZone
/// object.
fn record_set(api_version: &str) -> serde_json::Value {
    json!({
        "apiVersion": api_version,
        "kind": "RecordSet",
        "metadata": { "name": "www-example-org", "labels": { "team": "web" } },
        "spec": {
            "forProvider": {
                "managedZoneRef": { "name": "example-org", "policy": { "resolve": "Always" } },
                "name": "www.example.org.",
                "type": "A",
                "ttl": 300,
                "rrdatas": ["192.0.2.10", "192.0.2.11"]
            },
            "providerConfigRef": { "name": "default" },
            "deletionPolicy": "Orphan",
            "managementPolicies": ["Observe", "Create", "Update", "LateInitialize"]
        }
    })
}

#[test]
fn the_kinds_are_built_in_and_cluster_scoped() {
    for (api_version, name) in KINDS {
        let k = kind(api_version, name);
        assert_eq!(k.scope, Scope::Cluster, "{api_version} {name}");
        assert_eq!(k.source, Source::Shipped { package: gcp::PACKAGE }, "{api_version} {name}");
        assert_eq!(registry().scope_of(&k.group, name), Some(Scope::Cluster), "{name}");
        let Ty::Object(top) = &k.schema.ty else { panic!("{name}: {:?}", k.schema.ty) };
        let names: Vec<&str> = top.properties.keys().map(String::as_str).collect();
        assert_eq!(names, ["apiVersion", "kind", "metadata", "spec", "status"], "{name}");
        assert_eq!(top.properties["metadata"].ty, Ty::Ref(OBJECT_META.into()), "{name}");
        assert_eq!(top.required, ["spec"], "{name}");
        assert_eq!(top.additional, Additional::Forbidden, "{name}");
    }
    assert_eq!(gcp::PACKAGE, format!("provider-gcp-dns {}", gcp::PROVIDER_VERSION));
    let mut r = Registry::default();
    gcp::add(&mut r);
    assert_eq!(r.kinds.len(), KINDS.len());
    // The namespaced variants of later releases are not built in.
    assert!(registry().lookup("dns.gcp.m.upbound.io/v1beta1", "RecordSet").is_none());
}

#[test]
fn record_sets_zones_and_provider_configs_validate() {
    assert_valid(record_set("dns.gcp.upbound.io/v1beta1"));
    assert_valid(record_set("dns.gcp.upbound.io/v1beta2"));
    // The zone by its Cloud DNS name, or by a selector; values set only at creation.
    assert_valid(json!({
        "apiVersion": "dns.gcp.upbound.io/v1beta1",
        "kind": "RecordSet",
        "metadata": { "name": "mail" },
        "spec": {
            "forProvider": { "managedZone": "example-org", "name": "example.org.", "type": "MX",
                             "rrdatas": ["10 mx.example.org."], "project": "acme-dns" },
            "initProvider": { "ttl": 3600 },
            "writeConnectionSecretToRef": { "name": "mail-dns", "namespace": "crossplane-system" }
        }
    }));
    assert_valid(json!({
        "apiVersion": "dns.gcp.upbound.io/v1beta1",
        "kind": "RecordSet",
        "metadata": { "name": "api" },
        "spec": { "forProvider": {
            "managedZoneSelector": { "matchLabels": { "zone": "public" }, "matchControllerRef": false },
            "name": "api.example.org.", "type": "A", "ttl": 60,
            "routingPolicy": [{
                "wrr": [{ "weight": 1, "rrdatas": ["192.0.2.1"] }, { "weight": 3, "rrdatas": ["192.0.2.2"] }]
            }]
        } }
    }));
    // At v1beta2 a block of one is the object itself.
    assert_valid(json!({
        "apiVersion": "dns.gcp.upbound.io/v1beta2",
        "kind": "RecordSet",
        "metadata": { "name": "geo" },
        "spec": { "forProvider": {
            "managedZoneRef": { "name": "example-org" }, "name": "geo.example.org.", "type": "A", "ttl": 60,
            "routingPolicy": {
                "geo": [{ "location": "europe-west1", "rrdatas": ["192.0.2.3"] }],
                "primaryBackup": {
                    "primary": { "internalLoadBalancers": [{ "ipAddressRef": { "name": "ilb" }, "port": "80" }] },
                    "backupGeo": [{ "location": "us-east1", "rrdatas": ["192.0.2.4"] }],
                    "trickleRatio": 0
                }
            }
        } }
    }));
    for version in ["v1beta1", "v1beta2"] {
        let private = if version == "v1beta1" {
            json!([{ "networks": [{ "networkUrlRef": { "name": "vpc" } }] }])
        } else {
            json!({ "networks": [{ "networkUrlRef": { "name": "vpc" } }] })
        };
        assert_valid(json!({
            "apiVersion": format!("dns.gcp.upbound.io/{version}"),
            "kind": "ManagedZone",
            "metadata": { "name": "example-org" },
            "spec": {
                "forProvider": {
                    "dnsName": "example.org.", "description": "the public zone", "visibility": "private",
                    "labels": { "team": "platform" }, "forceDestroy": false,
                    "privateVisibilityConfig": private
                },
                "providerConfigRef": { "name": "gcp", "policy": { "resolution": "Optional" } }
            }
        }));
    }
    assert_valid(json!({
        "apiVersion": "gcp.upbound.io/v1beta1",
        "kind": "ProviderConfig",
        "metadata": { "name": "default" },
        "spec": {
            "projectID": "acme-dns",
            "credentials": {
                "source": "Secret",
                "secretRef": { "namespace": "crossplane-system", "name": "gcp-credentials", "key": "credentials.json" }
            }
        }
    }));
}

#[test]
fn mistakes_are_caught() {
    // A misspelt parameter.
    let mut o = record_set("dns.gcp.upbound.io/v1beta1");
    o["spec"]["forProvider"]["rrdata"] = json!(["192.0.2.1"]);
    let v = check(o);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].path, "spec.forProvider.rrdata");
    let ViolationKind::UnknownField { field, suggestion, .. } = &v[0].kind else { panic!("{v:#?}") };
    assert_eq!((field.as_str(), suggestion.as_deref()), ("rrdata", Some("rrdatas")));

    // `forProvider` written outside `spec`: unknown there, and missing from `spec`.
    let v = check(json!({
        "apiVersion": "dns.gcp.upbound.io/v1beta1",
        "kind": "ManagedZone",
        "metadata": { "name": "example-org" },
        "spec": { "deletionPolicy": "Delete" },
        "forProvider": { "dnsName": "example.org." }
    }));
    let got = summary(&v);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(
        got.contains(&("spec.forProvider".to_string(), ViolationKind::MissingField { field: "forProvider".into() }))
    );
    assert!(
        got.iter().any(|(p, k)| p == "forProvider"
            && matches!(k, ViolationKind::UnknownField { field, .. } if field == "forProvider")),
        "{got:#?}"
    );

    // Required fields left out, and values outside the enums.
    let v = check(json!({
        "apiVersion": "dns.gcp.upbound.io/v1beta2",
        "kind": "RecordSet",
        "metadata": { "name": "www" },
        "spec": {
            "forProvider": { "managedZoneRef": { "policy": { "resolve": "Always" } }, "name": "www.example.org." },
            "writeConnectionSecretToRef": { "name": "www" },
            "deletionPolicy": "Retain"
        }
    }));
    let got = summary(&v);
    let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths.iter().copied().collect::<std::collections::BTreeSet<_>>(),
        ["spec.deletionPolicy", "spec.forProvider.managedZoneRef.name", "spec.writeConnectionSecretToRef.namespace"]
            .into_iter()
            .collect(),
        "{got:#?}"
    );
    let v = check(json!({
        "apiVersion": "gcp.upbound.io/v1beta1",
        "kind": "ProviderConfig",
        "metadata": { "name": "default" },
        "spec": { "credentials": { "source": "Secrets" } }
    }));
    let got = summary(&v);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got.contains(&("spec.projectID".to_string(), ViolationKind::MissingField { field: "projectID".into() })));
    assert!(got.iter().any(|(p, k)| p == "spec.credentials.source" && matches!(k, ViolationKind::NotInEnum { .. })));
    let v =
        check(json!({ "apiVersion": "dns.gcp.upbound.io/v1beta1", "kind": "RecordSet", "metadata": { "name": "x" } }));
    assert_eq!(summary(&v), [("spec".to_string(), ViolationKind::MissingField { field: "spec".into() })]);

    // A block of one in the other version's shape.
    let mut o = record_set("dns.gcp.upbound.io/v1beta2");
    o["spec"]["forProvider"]["routingPolicy"] = json!([{ "wrr": [] }]);
    let v = check(o);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].path, "spec.forProvider.routingPolicy");
    assert!(matches!(v[0].kind, ViolationKind::WrongType { .. }), "{v:#?}");
}

// ---------------------------------------------------------------------------------------
// Against upstream

/// The kinds defined by the CRD files of the directory `CEDC_GCP_DNS_CRDS` names, by
/// (`apiVersion`, kind); `None`, after saying so loudly, when it is unset or unreadable.
fn upstream_kinds() -> Option<BTreeMap<(String, String), Kind>> {
    let skipped = |why: String| {
        eprintln!(
            "\n*** SKIPPED: {why}: the built-in GCP DNS provider kinds were NOT compared with upstream. \
             Set {CRDS_VAR} to a directory holding package/crds/dns.gcp.upbound.io_*.yaml and \
             gcp.upbound.io_providerconfigs.yaml of provider-upjet-gcp {} ***\n",
            gcp::PROVIDER_VERSION
        );
        None
    };
    let Some(dir) = std::env::var_os(CRDS_VAR) else { return skipped(format!("{CRDS_VAR} is not set")) };
    let dir = Path::new(&dir);
    let Ok(entries) = std::fs::read_dir(dir) else { return skipped(format!("{} cannot be read", dir.display())) };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut upstream = BTreeMap::new();
    for p in files {
        let text = std::fs::read_to_string(&p).expect("read an upstream CRD");
        let file = crd::load_crds(&p.display().to_string(), &text);
        assert!(file.problems.is_empty(), "{}: {:?}", p.display(), file.problems);
        for k in file.kinds {
            upstream.insert((k.api_version(), k.kind.clone()), k);
        }
    }
    Some(upstream)
}

#[test]
fn built_in_gcp_dns_kinds_match_the_upstream_crds() {
    let Some(upstream) = upstream_kinds() else { return };
    let mut c = Compare::new(OPEN_PATHS);
    for (api_version, name) in KINDS {
        let up = upstream
            .get(&(api_version.to_string(), name.to_string()))
            .unwrap_or_else(|| panic!("no upstream CRD for {api_version} {name} in ${CRDS_VAR}"));
        assert_eq!(up.scope, Scope::Cluster, "{api_version} {name}");
        c.node(&format!("{api_version} {name}"), "", &kind(api_version, name).schema, &up.schema);
    }
    for path in OPEN_PATHS {
        assert!(c.open_seen.contains(*path), "open path {path} is in no upstream kind");
    }
    eprintln!("compared {} schema nodes of the {} GCP DNS provider kinds with upstream", c.nodes, KINDS.len());
    assert!(c.nodes > 900, "only {} nodes compared", c.nodes);
    assert!(
        c.differences.is_empty(),
        "the built-in GCP DNS provider kinds differ from the upstream CRDs ({} differences):\n{}",
        c.differences.len(),
        c.differences.join("\n")
    );
}
