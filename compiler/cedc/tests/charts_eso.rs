//! Tests of the chart module of the External Secrets Operator, `std/charts/external-secrets`.
//! Every test writes a throw-away project and runs the real `cedc` on it.
//!
//! The invariants checked:
//! - the module compiles, its `install` gives a release with no values, and it pins the
//!   published version (another is E0402);
//! - realistic values (replicas, a namespace-scoped operator, the webhook behind
//!   cert-manager, metrics) check clean;
//! - a misspelled key, a key at the wrong level, a value of the wrong type are each
//!   refused with their own code, on the line that holds them;
//! - the objects `installs` lists are named as the chart names them for the release (a
//!   second definition of one is E0070), and the kinds its CRDs define need no CRD of
//!   the project's (no E0409 where cedc delivers);
//! - with `CEDC_CHART_SOURCES=<dir>` holding `external-secrets/values.yaml` as published,
//!   every key path of the chart's defaults is accepted (skipped loudly without it).

mod common;
use common::{CONFIG, assert_clean, assert_refused, chart_project as with_values, check_json};

const MODULE: &str = "external-secrets";

fn check(main: &str) -> std::process::Output {
    check_json(CONFIG, main)
}

#[test]
fn the_module_compiles_and_pins_the_published_version() {
    let main = "import \"std/charts/external-secrets\" as eso\n\nenv prod {}\n\ncomponent external-secrets {\n  namespace: \"external-secrets\"\n  objects: []\n  chart: eso.install(version: \"2.9.0\")\n}\n";
    assert_clean(&check(main), "the pinned version");
    assert_refused(&main.replace("\"2.9.0\"", "\"2.8.0\""), "\"2.8.0\"", "E0402");
    // The app version is not the chart's.
    assert_refused(&main.replace("\"2.9.0\"", "\"v2.9.0\""), "\"v2.9.0\"", "E0402");
}

/// The operator as a platform team runs it: two replicas with a disruption budget, the
/// webhook's certificate from cert-manager, metrics for Prometheus, logs as JSON.
const VALUES: &str = r#"{
      replicaCount: 2
      podDisruptionBudget: { enabled: true, minAvailable: 1 }
      concurrent: 4
      log: { level: "info" }
      resources: { requests: { cpu: "10m", memory: "64Mi" } }
      serviceMonitor: { enabled: true, interval: "60s" }
      webhook: { replicaCount: 2, certManager: { enabled: true, cert: { create: true } } }
      certController: { create: false }
      crds: { createClusterGenerator: false }
      nodeSelector: { "kubernetes.io/os": "linux" }
    }"#;

#[test]
fn realistic_values_check_clean() {
    assert_clean(&check(&with_values(MODULE, MODULE, VALUES)), "values");
}

#[test]
fn misspelled_keys_wrong_levels_and_wrong_types_are_refused_on_their_line() {
    let cases = [
        ("{\n      replicaCont: 2\n    }", "replicaCont", "E0022"),
        ("{\n      webhook: {\n        installCRDs: false\n      }\n    }", "installCRDs", "E0022"),
        ("{\n      installCRDs: \"true\"\n    }", "installCRDs", "E0039"),
        ("{\n      replicaCount: \"2\"\n    }", "replicaCount", "E0039"),
    ];
    for (values, marker, code) in cases {
        assert_refused(&with_values(MODULE, MODULE, values), marker, code);
    }
}

/// A component installing the chart as release `release`, which also declares a
/// `kind` named `name` in the chart's namespace.
fn with_object(release: &str, kind: &str, name: &str) -> String {
    format!(
        "import \"std/charts/external-secrets\" as eso\n\nenv prod {{}}\n\ncomponent operator {{\n  namespace: \"external-secrets\"\n  chart: eso.install(version: \"2.9.0\", release: \"{release}\")\n  objects: [{{ apiVersion: \"v1\", kind: \"{kind}\", metadata: {{ name: \"{name}\" }}, spec: {{ ports: [{{ port: 80 }}] }} }}]\n}}\n"
    )
    .replace(", spec: { ports: [{ port: 80 }] }", if kind == "Service" { ", spec: { type: \"ExternalName\", externalName: \"example.org\" }" } else { "" })
}

#[test]
fn installs_names_the_objects_as_the_chart_does() {
    // The release `external-secrets` contains the chart's name: the base name is the
    // release's; the release `eso` does not: `eso-external-secrets`.
    for (release, taken, free) in [
        ("external-secrets", "external-secrets-webhook", "eso-external-secrets-webhook"),
        ("eso", "eso-external-secrets-webhook", "external-secrets-webhook-x"),
    ] {
        assert_refused(&with_object(release, "Service", taken), taken, "E0070");
        assert_clean(&check(&with_object(release, "Service", free)), free);
    }
    // The operator's ServiceAccount follows the release; the webhook's does not.
    assert_refused(&with_object("eso", "ServiceAccount", "eso-external-secrets"), "eso-external-secrets", "E0070");
    assert_refused(
        &with_object("eso", "ServiceAccount", "external-secrets-webhook"),
        "external-secrets-webhook",
        "E0070",
    );
}

#[test]
fn the_operators_kinds_need_no_crd_of_the_project() {
    let main = r#"import "std/charts/external-secrets" as eso

env prod {}

component argocd {
  namespace: "argocd"
  objects: []
  delivery: { repository: "https://example.org/platform.git", path: "out", revision: "main", release: "v1.0.0" }
}

component external-secrets {
  namespace: "external-secrets"
  objects: []
  chart: eso.install(version: "2.9.0")
}

component copies {
  namespace: "apps"
  objects: [{
    apiVersion: "external-secrets.io/v1"
    kind: "ExternalSecret"
    metadata: { name: "db" }
    spec: {
      secretStoreRef: { kind: "SecretStore", name: "other-namespace" }
      data: [{ secretKey: "url", remoteRef: { key: "db", property: "url" } }]
    }
  }, {
    apiVersion: "external-secrets.io/v1"
    kind: "SecretStore"
    metadata: { name: "other-namespace" }
    spec: {
      provider: {
        kubernetes: {
          remoteNamespace: "db"
          server: { url: "https://kubernetes.default.svc", caProvider: { type: "ConfigMap", name: "kube-root-ca.crt", key: "ca.crt" } }
          auth: { serviceAccount: { name: "reader" } }
        }
      }
    }
  }]
}
"#;
    assert_clean(&check(main), "ExternalSecrets where the operator is installed");
    let without = main.replace("  chart: eso.install(version: \"2.9.0\")\n", "");
    // Without the operator, both objects are of kinds nothing installs.
    let line = |marker: &str| without.lines().position(|l| l.contains(marker)).expect("marker") as u64 + 1;
    let expected = vec![
        ("E0409".to_string(), line("metadata: { name: \"db\" }")),
        ("E0409".to_string(), line("metadata: { name: \"other-namespace\" }")),
    ];
    assert_eq!(common::diags(&check(&without)), expected);
}

#[test]
fn every_key_path_of_the_published_defaults_is_accepted() {
    common::published_defaults_are_accepted(
        &[MODULE],
        |module, values| with_values(module, module, values),
        assert_clean,
    );
}
