//! Tests of the chart modules of the two Vault operators: `std/charts/vault-secrets-operator`
//! (HashiCorp's Vault Secrets Operator) and `std/charts/vault-config-operator` (the Red Hat
//! COP vault-config-operator). Every test writes a throw-away project and runs the real
//! `cedc` on it.
//!
//! The invariants checked:
//! - each module compiles and its `install` gives a release with no values;
//! - the vault-config-operator's chart version keeps its leading `v` (`v0.8.52`): the
//!   same number without it is another version (E0402);
//! - realistic values (a default connection to Vault, replicas, the client cache, the
//!   operator's `VAULT_ADDR`...) check clean;
//! - a misspelled key, a key at the wrong level, a value of the wrong type and a word a
//!   key does not take are each refused with their own code, on the line that holds them;
//! - the objects `installs` lists are named as the chart names them for the release (a
//!   second definition of one is E0070), and objects of the kinds whose CRDs a chart
//!   installs sync after it;
//! - with `CEDC_CHART_SOURCES=<dir>` holding `<chart>/values.yaml` as published, every key
//!   path of the chart's defaults is accepted by the module's `Values` (skipped loudly
//!   without it: the sources cannot be fetched in CI).

mod common;
use common::{
    CONFIG, assert_clean, assert_refused, chart_project as with_values, check_json, sync_wave, write_project,
};
use std::fs;
use std::process::{Command, Output};
use tempfile::TempDir;

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

/// The modules: the name `import "std/charts/<name>"` binds, which is also the directory
/// of `CEDC_CHART_SOURCES` holding its chart's published values.yaml.
const CHARTS: &[&str] = &["vault-secrets-operator", "vault-config-operator"];

// ------------------------------------------------------------------------- helpers

/// Run `cedc check` (JSON diagnostics) on a project whose `main.ced` is `main`.
fn check(main: &str) -> Output {
    check_json(CONFIG, main)
}

// ------------------------------------------------------------------------- modules

#[test]
fn every_module_compiles_and_installs_with_no_values() {
    for module in CHARTS {
        let main = format!(
            "import \"std/charts/{module}\"\n\nenv prod {{}}\n\ncomponent platform {{\n  namespace: \"platform\"\n  objects: []\n  chart: {module}.install(version: {module}.chart.version)\n}}\n"
        );
        assert_clean(&check(&main), module);
    }
}

#[test]
fn the_modules_pin_the_published_versions() {
    // Written out as a platform writes them, not through `chart.version`.
    let main = r#"import "std/charts/vault-secrets-operator" as vso
import "std/charts/vault-config-operator" as vco

env prod {}

component vault-secrets-operator {
  namespace: "vault-secrets-operator"
  objects: []
  chart: vso.install(version: "1.4.1")
}

component vault-config-operator {
  namespace: "vault-config-operator"
  objects: []
  chart: vco.install(version: "v0.8.52")
}
"#;
    assert_clean(&check(main), "the pinned versions");
    // The vault-config-operator's chart is published as `v0.8.52`; `0.8.52` is not the
    // version the module describes.
    let bare = main.replace("\"v0.8.52\"", "\"0.8.52\"");
    assert_refused(&bare, "\"0.8.52\"", "E0402");
    let older = main.replace("\"1.4.1\"", "\"1.4.0\"");
    assert_refused(&older, "\"1.4.0\"", "E0402");
}

// ------------------------------------------------------------------ realistic values

/// The Vault Secrets Operator as a platform team runs it: two replicas with a
/// disruption budget, a default connection to Vault and a default Kubernetes auth, the
/// client cache persisted encrypted, logging and proxy settings.
const VSO_VALUES: &str = r#"{
      controller: {
        replicas: 2
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 }
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" }]
        rbac: { clusterRoleAggregation: { viewerRoles: ["*"], editorRoles: ["VaultStaticSecret"], userFacingRoles: { view: true } } }
        manager: {
          image: { repository: "hashicorp/vault-secrets-operator", tag: "1.4.1" }
          logging: { level: "debug", timeEncoding: "iso8601", stacktraceLevel: "error" }
          globalTransformationOptions: { excludeRaw: true }
          backoffOnSecretSourceError: { initialInterval: "10s", maxInterval: "2m", multiplier: "2" }
          clientCache: {
            persistenceModel: "direct-encrypted"
            numLocks: 200
            storageEncryption: {
              enabled: true
              keyName: "vso-client-cache"
              transitMount: "transit"
              method: "kubernetes"
              mount: "kubernetes"
              kubernetes: { role: "vso-transit", tokenAudiences: ["vault"] }
            }
          }
          maxConcurrentReconciles: 50
          kubeClient: { burst: 100 }
          extraEnv: [{ name: "HTTPS_PROXY", value: "http://proxy.example.org:3128" }]
          extraArgs: ["--zap-log-level=debug"]
          resources: { requests: { cpu: "20m", memory: "128Mi" }, limits: { memory: "256Mi" } }
        }
        nodeSelector: { "kubernetes.io/os": "linux" }
      }
      defaultVaultConnection: {
        enabled: true
        address: "https://vault.vault:8200"
        caCertSecret: "vault-ca"
        tlsServerName: "vault.vault.svc"
      }
      defaultAuthMethod: {
        enabled: true
        allowedNamespaces: ["apps-*", "monitoring"]
        method: "kubernetes"
        mount: "kubernetes"
        kubernetes: { role: "vso", serviceAccount: "default", tokenAudiences: ["vault"] }
        vaultAuthGlobalRef: { enabled: true, name: "default", mergeStrategy: { headers: "union" } }
      }
      telemetry: { serviceMonitor: { enabled: true, selectors: { release: "prometheus" }, interval: "60s" } }
      hooks: { upgradeCRDs: { enabled: true, backoffLimit: 3, executionTimeout: "1m" } }
      tests: { enabled: false }
    }"#;

/// The vault-config-operator reaching a Vault served over TLS, its CA mounted from a
/// ConfigMap, with cert-manager issuing the webhook's certificate.
const VCO_VALUES: &str = r#"{
      replicaCount: 1
      image: { repository: "quay.io/redhat-cop/vault-config-operator", tag: "v0.8.52" }
      env: [
        { name: "VAULT_ADDR", value: "https://vault.vault:8200" },
        { name: "VAULT_CACERT", value: "/vault-ca/ca.crt" },
        { name: "VAULT_TOKEN_TTL", valueFrom: { configMapKeyRef: { name: "vco-settings", key: "ttl" } } },
      ]
      args: ["--zap-log-level=info"]
      volumes: [{ name: "vault-ca", configMap: { name: "vault-ca" } }]
      volumeMounts: [{ name: "vault-ca", mountPath: "/vault-ca", readOnly: true }]
      podAnnotations: { "example.org/team": "platform" }
      resources: { requests: { cpu: "100m", memory: "250Mi" }, limits: { memory: "512Mi" } }
      tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }]
      enableMonitoring: false
      enableCertManager: true
    }"#;

#[test]
fn realistic_values_check_clean() {
    // `mergeStrategy.headers: "union"` is not a strategy: checked separately below.
    let vso = VSO_VALUES.replace("\"union\"", "\"merge\"");
    assert_clean(&check(&with_values("vault-secrets-operator", "vault-secrets-operator", &vso)), "vso values");
    assert_clean(&check(&with_values("vault-config-operator", "vault-config-operator", VCO_VALUES)), "vco values");
    // The values of a platform's components, as the example platform writes them.
    let vco_plain = r#"{ env: [{ name: "VAULT_ADDR", value: "http://vault.vault:8200" }] }"#;
    assert_clean(&check(&with_values("vault-config-operator", "vault-config-operator", vco_plain)), "vco VAULT_ADDR");
}

// --------------------------------------------------------------------- refusals

/// A values literal, the text marking the line it is refused on, and the code.
type Refusal = (&'static str, &'static str, &'static str);

/// Per module: a misspelled key, a key one level too high or too low, a value of the
/// wrong type and a word the key does not take; each with the text marking its line.
const REFUSALS: &[(&str, [Refusal; 4])] = &[
    (
        "vault-secrets-operator",
        [
            (
                "{\n      defaultVaultConnection: {\n        enabled: true\n        adress: \"http://vault.vault:8200\"\n      }\n    }",
                "adress",
                "E0022",
            ),
            ("{\n      controller: {\n        logging: { level: \"debug\" }\n      }\n    }", "logging", "E0022"),
            ("{\n      controller: {\n        replicas: \"2\"\n      }\n    }", "replicas", "E0039"),
            ("{\n      defaultAuthMethod: {\n        method: \"kube\"\n      }\n    }", "\"kube\"", "E0062"),
        ],
    ),
    (
        "vault-config-operator",
        [
            (
                "{\n      env: [\n        { name: \"VAULT_ADDR\", vaule: \"http://vault.vault:8200\" },\n      ]\n    }",
                "vaule",
                "E0022",
            ),
            ("{\n      tag: \"v0.8.52\"\n    }", "tag", "E0022"),
            ("{\n      enableMonitoring: \"false\"\n    }", "enableMonitoring", "E0039"),
            ("{\n      replicaCount: \"1\"\n    }", "replicaCount", "E0039"),
        ],
    ),
];

#[test]
fn misspelled_keys_wrong_levels_and_wrong_types_are_refused_on_their_line() {
    for (module, cases) in REFUSALS {
        for (values, marker, code) in cases {
            assert_refused(&with_values(module, module, values), marker, code);
        }
    }
    // A merge strategy the chart does not know, inside otherwise realistic values.
    assert_refused(&with_values("vault-secrets-operator", "vault-secrets-operator", VSO_VALUES), "\"union\"", "E0062");
}

// ------------------------------------------------------ what the charts install

/// A component installing `chart` (a module call) in `namespace`, which also declares a
/// ServiceAccount `account` of its own.
fn with_account(module: &str, chart: &str, namespace: &str, account: &str) -> String {
    format!(
        "import \"std/charts/{module}\"\n\nenv prod {{}}\n\ncomponent operator {{\n  namespace: \"{namespace}\"\n  chart: {chart}\n  objects: [{{ apiVersion: \"v1\", kind: \"ServiceAccount\", metadata: {{ name: \"{account}\" }} }}]\n}}\n"
    )
}

#[test]
fn installs_names_the_objects_as_the_charts_do() {
    let m = "vault-secrets-operator";
    // The release `vault-secrets-operator` contains the chart's name: the base name is the
    // release's own. The release `vso` does not: `vso-vault-secrets-operator`.
    let own = "vault-secrets-operator.install(version: \"1.4.1\", release: \"vault-secrets-operator\")";
    let vso = "vault-secrets-operator.install(version: \"1.4.1\", release: \"vso\")";
    for (chart, taken, free) in [
        (own, "vault-secrets-operator-controller-manager", "vso-vault-secrets-operator-controller-manager"),
        (vso, "vso-vault-secrets-operator-controller-manager", "vault-secrets-operator-controller-manager"),
    ] {
        assert_refused(&with_account(m, chart, "vault-secrets-operator", taken), taken, "E0070");
        assert_clean(&check(&with_account(m, chart, "vault-secrets-operator", free)), free);
    }

    // The vault-config-operator's names do not follow the release.
    let m = "vault-config-operator";
    let vco = "vault-config-operator.install(version: \"v0.8.52\", release: \"vco\")";
    for taken in ["vault-config-operator-controller-manager", "controller-manager"] {
        assert_refused(&with_account(m, vco, "vault-config-operator", taken), taken, "E0070");
    }
    assert_clean(&check(&with_account(m, vco, "vault-config-operator", "vco-controller-manager")), "vco");
}

#[test]
fn objects_of_the_operators_kinds_sync_after_them() {
    let main = r#"import "std/charts/vault-secrets-operator" as vso
import "std/charts/vault-config-operator" as vco

env prod {}

component argocd {
  namespace: "argocd"
  objects: []
  delivery: { repository: "https://example.org/platform.git", path: "out", revision: "main", release: "v1.0.0" }
}

component vault-secrets-operator {
  namespace: "vault-secrets-operator"
  objects: []
  chart: vso.install(version: "1.4.1")
}

component connection {
  namespace: "apps"
  objects: [{
    apiVersion: "secrets.hashicorp.com/v1beta1"
    kind: "VaultConnection"
    metadata: { name: "vault" }
    spec: { address: "http://vault.vault:8200", skipTLSVerify: false }
  }]
}

component vault-config-operator {
  namespace: "vault"
  objects: []
  chart: vco.install(version: "v0.8.52", values: { env: [{ name: "VAULT_ADDR", value: "http://vault.vault:8200" }] })
}

component policies {
  namespace: "vault"
  objects: [{
    apiVersion: "redhatcop.redhat.io/v1alpha1"
    kind: "Policy"
    metadata: { name: "readers" }
    spec: {
      authentication: { path: "kubernetes", role: "vault-admin", serviceAccount: { name: "default" } }
      policy: "path \"kv/data/*\" \{ capabilities = [\"read\"] }"
    }
  }]
}
"#;
    let unchecked = r#"
[schemas]
unchecked = ["argoproj.io/v1alpha1/AppProject", "argoproj.io/v1alpha1/Application"]
"#;
    let dir = TempDir::new().expect("create temp dir");
    write_project(dir.path(), CONFIG, main);
    fs::write(dir.path().join("cedc.toml"), format!("{CONFIG}{unchecked}")).expect("write cedc.toml");
    let o = Command::new(CEDC)
        .args(["--message-format", "json", "build"])
        .current_dir(dir.path())
        .output()
        .expect("run cedc");
    assert_clean(&o, "build with the operators and their kinds");
    let out = dir.path().join("out");
    assert!(
        sync_wave(&out, "prod-connection") > sync_wave(&out, "prod-vault-secrets-operator"),
        "VaultConnections sync after the Vault Secrets Operator"
    );
    assert!(
        sync_wave(&out, "prod-policies") > sync_wave(&out, "prod-vault-config-operator"),
        "Policies sync after the vault-config-operator"
    );
}

// ------------------------------------------------- comparison with the real charts

#[test]
fn every_key_path_of_the_published_defaults_is_accepted() {
    common::published_defaults_are_accepted(CHARTS, |module, values| with_values(module, module, values), assert_clean);
}
