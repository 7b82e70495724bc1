//! Tests of the chart modules of set E: `std/charts/vault`, `crossplane`, `mayastor`,
//! `vcluster`, `clickhouse-operator` and `opentelemetry-operator`. Every test writes a
//! throw-away project and runs the real `cedc check` on it.
//!
//! The invariants checked:
//! - each module compiles and its `install` gives a release with no values;
//! - the settings the reference platform gives each chart (re-typed here in .ced) check
//!   clean, and its settings that no longer exist at the pinned version are refused;
//! - a misspelled key, a key at the wrong level and a value of the wrong type are each
//!   refused with their own code, on the line that holds them;
//! - with `CEDC_CHART_SOURCES=<dir>` holding `<chart>/values.yaml` as published, every key
//!   path of the chart's defaults is accepted by the module's `Values` (skipped loudly
//!   without it: the sources cannot be fetched in CI).

mod common;
use common::{
    CONFIG, assert_clean, assert_refused, chart_project as with_values, check_json, diags, sync_wave, write_project,
};
use std::fs;
use std::process::{Command, Output};
use tempfile::TempDir;

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

/// The modules of set E: the name `import "std/charts/<name>"` binds, and the directory
/// of `CEDC_CHART_SOURCES` holding its chart's published values.yaml.
const CHARTS: &[&str] =
    &["vault", "crossplane", "mayastor", "vcluster", "clickhouse-operator", "opentelemetry-operator"];

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
fn a_version_other_than_the_modules_is_refused() {
    let main = "import \"std/charts/vault\"\n\nenv prod {}\n\ncomponent secrets {\n  namespace: \"vault\"\n  objects: []\n  chart: vault.install(version: \"0.26.1\")\n}\n";
    let o = check(main);
    assert_eq!(o.status.code(), Some(1), "a version the module does not describe must fail");
    assert_eq!(diags(&o), vec![("E0402".to_string(), 8)]);
}

#[test]
fn mayastor_names_its_provisioners() {
    // A StorageClass of the platform's own, as the reference platform writes it, with the
    // provisioner taken from the module.
    let main = r#"import "std/charts/mayastor"

env prod {}

component storage {
  namespace: "mayastor"
  objects: [
    {
      apiVersion: "storage.k8s.io/v1"
      kind: "StorageClass"
      metadata: { name: "mayastor", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }
      provisioner: mayastor.provisioner
      parameters: { ioTimeout: "30", protocol: "nvmf", repl: "2", stsAffinityGroup: "true" }
    },
    {
      apiVersion: "storage.k8s.io/v1"
      kind: "StorageClass"
      metadata: { name: "local-hostpath", annotations: { "openebs.io/cas-type": "local" } }
      provisioner: mayastor.local_provisioner
      reclaimPolicy: "Delete"
      volumeBindingMode: "WaitForFirstConsumer"
    },
  ]
  chart: mayastor.install(version: mayastor.chart.version, values: { storageClass: { enabled: false } })
}
"#;
    assert_clean(&check(main), "mayastor StorageClasses");
    let wrong = main.replace("mayastor.provisioner", "mayastor.provisionr");
    assert_refused(&wrong, "mayastor.provisionr", "E0020");
}

#[test]
fn objects_of_the_kinds_a_chart_installs_sync_after_it() {
    // DiskPools and Providers: their CRDs are created by the Mayastor pool operator and by
    // Crossplane when they start, and the modules list them so the order holds.
    let main = r#"import "std/charts/mayastor"
import "std/charts/crossplane"

env prod {}

component argocd {
  namespace: "argocd"
  objects: []
  delivery: { repository: "https://example.org/platform.git", path: "out", revision: "main", release: "v1.0.0" }
}

component storage {
  namespace: "mayastor"
  objects: []
  chart: mayastor.install(version: mayastor.chart.version)
}

component pools {
  namespace: "mayastor"
  objects: [{
    apiVersion: "openebs.io/v1beta2"
    kind: "DiskPool"
    metadata: { name: "pool-worker-1" }
    spec: { node: "worker-1", disks: ["/dev/sdb"] }
  }]
}

component control-plane {
  namespace: "crossplane"
  objects: []
  chart: crossplane.install(version: crossplane.chart.version)
}

component providers {
  namespace: "crossplane"
  objects: [{
    apiVersion: "pkg.crossplane.io/v1"
    kind: "Provider"
    metadata: { name: "provider-gcp" }
    spec: { package: "xpkg.upbound.io/upbound/provider-gcp:v1" }
  }]
}
"#;
    let unchecked = r#"
[schemas]
unchecked = ["openebs.io/v1beta2/DiskPool", "pkg.crossplane.io/v1/Provider", "argoproj.io/v1alpha1/AppProject", "argoproj.io/v1alpha1/Application"]
"#;
    let dir = TempDir::new().expect("create temp dir");
    write_project(dir.path(), CONFIG, main);
    fs::write(dir.path().join("cedc.toml"), format!("{CONFIG}{unchecked}")).expect("write cedc.toml");
    let o = Command::new(CEDC)
        .args(["--message-format", "json", "build"])
        .current_dir(dir.path())
        .output()
        .expect("run cedc");
    assert_clean(&o, "build with charts and their kinds");
    let out = dir.path().join("out");
    assert!(sync_wave(&out, "prod-pools") > sync_wave(&out, "prod-storage"), "DiskPools sync after Mayastor");
    assert!(
        sync_wave(&out, "prod-providers") > sync_wave(&out, "prod-control-plane"),
        "Providers sync after Crossplane"
    );
}

// ------------------------------------------------------------ the reference platform

/// `system/vault/helm/vault.values.yaml` of the reference platform, re-typed.
const VAULT_REFERENCE: &str = r#"{
      global: { enabled: true, tlsDisable: false }
      injector: {
        enabled: true
        image: { repository: "hashicorp/vault-k8s", tag: "latest" }
        extraEnvironmentVars: { VAULT_ADDR: "https://vault.vault:8200" }
        resources: {
          requests: { memory: "256Mi", cpu: "250m" }
          limits: { memory: "256Mi", cpu: "250m" }
        }
      }
      csi: {
        enabled: true
        volumes: [{ name: "vault-ha-tls", secret: { secretName: "vault-ha-tls" } }]
        volumeMounts: [{ name: "vault-ha-tls", mountPath: "/vault/userconfig/vault-ha-tls/", readOnly: true }]
        extraArgs: ["-vault-tls-ca-cert=/vault/userconfig/vault-ha-tls/vault.ca", "-vault-addr=https://vault.vault:8200"]
      }
      server: {
        image: { repository: "ghcr.io/clubcedille/vault", tag: "v0.1.2" }
        resources: {
          requests: { memory: "4Gi", cpu: "1000m" }
          limits: { memory: "8Gi", cpu: "2000m" }
        }
        readinessProbe: { enabled: true, path: "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204" }
        livenessProbe: { enabled: true, path: "/v1/sys/health?standbyok=true", initialDelaySeconds: 60 }
        extraEnvironmentVars: {
          GOOGLE_REGION: "northamerica-northeast1"
          GOOGLE_PROJECT: "plateforme-cedille"
          GOOGLE_APPLICATION_CREDENTIALS: "/vault/userconfig/kms-creds/credentials.json"
          VAULT_CACERT: "/vault/userconfig/vault-ha-tls/vault.ca"
          VAULT_TLSCERT: "/vault/userconfig/vault-ha-tls/vault.crt"
          VAULT_TLSKEY: "/vault/userconfig/vault-ha-tls/vault.key"
        }
        extraVolumes: [{ type: "secret", name: "vault-ha-tls" }, { type: "secret", name: "kms-creds" }]
        auditStorage: { enabled: true, storageClass: "local-hostpath" }
        dataStorage: { enabled: true, storageClass: "local-hostpath" }
        standalone: { enabled: false }
        ha: {
          enabled: true
          replicas: 3
          raft: {
            enabled: true
            setNodeId: true
            config: """
              ui = true
              plugin_directory = "/vault/plugins"
              listener "tcp" \{
                tls_disable = 0
                address = "[::]:8200"
                cluster_address = "[::]:8201"
                tls_cert_file = "/vault/userconfig/vault-ha-tls/vault.crt"
                tls_key_file  = "/vault/userconfig/vault-ha-tls/vault.key"
                tls_client_ca_file = "/vault/userconfig/vault-ha-tls/vault.ca"
              }
              storage "raft" \{
                path = "/vault/data"
                retry_join \{
                  leader_api_addr = "https://vault-0.vault-internal:8200"
                  leader_ca_cert_file = "/vault/userconfig/vault-ha-tls/vault.ca"
                }
              }
              service_registration "kubernetes" \{}
              seal "gcpckms" \{
                project     = "plateforme-cedille"
                region      = "northamerica-northeast1"
                key_ring    = "prod-vault-keyring"
                crypto_key  = "prod-vault-cryptokey"
              }
              """
          }
        }
      }
      ui: { enabled: true }
    }"#;

#[test]
fn vault_accepts_the_reference_values() {
    assert_clean(&check(&with_values("vault", "vault", VAULT_REFERENCE)), "vault reference values");
}

/// `system/crossplane/helm/values.yaml` of the reference platform (a copy of chart
/// 1.13.2's defaults), re-typed: every setting that still exists in the pinned chart.
const CROSSPLANE_REFERENCE: &str = r#"{
      replicas: 1
      deploymentStrategy: "RollingUpdate"
      image: { repository: "xpkg.upbound.io/crossplane/crossplane", tag: "", pullPolicy: "IfNotPresent" }
      nodeSelector: {}
      tolerations: []
      affinity: {}
      hostNetwork: false
      customLabels: {}
      customAnnotations: {}
      serviceAccount: { customAnnotations: {} }
      leaderElection: true
      args: []
      provider: { packages: [] }
      configuration: { packages: [] }
      registryCaBundleConfig: { name: "", key: "" }
      webhooks: { enabled: true }
      rbacManager: {
        deploy: true
        skipAggregatedClusterRoles: false
        replicas: 1
        leaderElection: true
        args: []
        nodeSelector: {}
        tolerations: []
        affinity: {}
      }
      priorityClassName: ""
      resourcesCrossplane: { limits: { cpu: "100m", memory: "512Mi" }, requests: { cpu: "100m", memory: "256Mi" } }
      securityContextCrossplane: { runAsUser: 65532, runAsGroup: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true }
      packageCache: { medium: "", sizeLimit: "20Mi", pvc: "", configMap: "" }
      resourcesRBACManager: { limits: { cpu: "100m", memory: "512Mi" }, requests: { cpu: "100m", memory: "256Mi" } }
      securityContextRBACManager: { runAsUser: 65532, runAsGroup: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true }
      metrics: { enabled: false }
      extraEnvVarsCrossplane: {}
      extraEnvVarsRBACManager: {}
      podSecurityContextCrossplane: {}
      podSecurityContextRBACManager: {}
      extraVolumesCrossplane: {}
      extraVolumeMountsCrossplane: {}
      extraObjects: []
    }"#;

#[test]
fn crossplane_accepts_the_reference_values_and_refuses_a_removed_setting() {
    assert_clean(&check(&with_values("crossplane", "crossplane", CROSSPLANE_REFERENCE)), "crossplane reference values");
    // The reference still sets `rbacManager.managementPolicy`, which the chart dropped
    // after 1.13: at the pinned version it does nothing, and the module says so.
    let stale = CROSSPLANE_REFERENCE.replace("deploy: true", "deploy: true\n        managementPolicy: \"Basic\"");
    assert_refused(&with_values("crossplane", "crossplane", &stale), "managementPolicy", "E0022");
}

/// `system/vcluster/helm/common-values.yaml` of the reference platform, re-typed; the
/// reference installs it as `vcluster-prod`, `vcluster-staging`, `vcluster-sandbox`.
const VCLUSTER_REFERENCE: &str = r#"{
      vcluster: { image: "rancher/k3s:v1.23.5-k3s1" }
      sync: {
        persistentvolumes: { enabled: true }
        storageclasses: { enabled: true }
        ingresses: { enabled: true }
        ingressclasses: { enabled: true }
        volumesnapshots: { enabled: true }
      }
    }"#;

#[test]
fn vcluster_accepts_the_reference_values() {
    for release in ["vcluster-prod", "vcluster-staging", "vcluster-sandbox"] {
        assert_clean(&check(&with_values("vcluster", release, VCLUSTER_REFERENCE)), release);
    }
}

/// `system/opentelemetry-operator/helm/otel-operator-values.yaml` of the reference
/// platform (a copy of chart 0.42.0's defaults), re-typed: every setting that still
/// exists in the pinned chart. `admissionWebhooks.autoGenerateCert`, a Bool there, is a
/// record now: the reference's `true` is written `{ enabled: true }`.
const OTEL_REFERENCE: &str = r#"{
      replicaCount: 1
      nameOverride: ""
      imagePullSecrets: []
      pdb: { create: false, minAvailable: 1, maxUnavailable: "" }
      manager: {
        image: { repository: "ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator", tag: "v0.88.0" }
        collectorImage: { repository: "otel/opentelemetry-collector-contrib", tag: "0.88.0" }
        opampBridgeImage: { repository: "", tag: "" }
        targetAllocatorImage: { repository: "", tag: "" }
        autoInstrumentationImage: {
          java: { repository: "", tag: "" }
          nodejs: { repository: "", tag: "" }
          python: { repository: "", tag: "" }
          dotnet: { repository: "", tag: "" }
          go: { repository: "", tag: "" }
        }
        ports: { metricsPort: 8080, webhookPort: 9443, healthzPort: 8081 }
        resources: { limits: { cpu: "100m", memory: "128Mi" }, requests: { cpu: "100m", memory: "64Mi" } }
        env: { ENABLE_WEBHOOKS: "true" }
        serviceAccount: { create: true, annotations: {} }
        serviceMonitor: { enabled: false, extraLabels: {}, annotations: {}, metricsEndpoints: [{ port: "metrics" }] }
        podAnnotations: {}
        podLabels: {}
        prometheusRule: { enabled: false, groups: [], defaultRules: { enabled: false }, extraLabels: {}, annotations: {} }
        extraArgs: []
        leaderElection: { enabled: true }
        verticalPodAutoscaler: {
          enabled: false
          controlledResources: []
          maxAllowed: {}
          minAllowed: {}
          updatePolicy: { updateMode: "Auto", minReplicas: 2 }
        }
        rolling: false
        securityContext: {}
      }
      admissionWebhooks: {
        create: true
        failurePolicy: "Fail"
        secretName: ""
        pods: { failurePolicy: "Ignore" }
        namePrefix: ""
        timeoutSeconds: 10
        namespaceSelector: {}
        objectSelector: {}
        certManager: { enabled: false, issuerRef: {}, certificateAnnotations: {}, issuerAnnotations: {} }
        autoGenerateCert: { enabled: true }
        secretAnnotations: {}
        secretLabels: {}
      }
      role: { create: true }
      clusterRole: { create: true }
      affinity: {}
      tolerations: []
      nodeSelector: {}
      topologySpreadConstraints: []
      hostNetwork: false
      priorityClassName: ""
      securityContext: { runAsGroup: 65532, runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532 }
      testFramework: { image: { repository: "busybox", tag: "latest" } }
    }"#;

#[test]
fn opentelemetry_operator_accepts_the_reference_values_and_refuses_removed_settings() {
    let main = with_values("opentelemetry-operator", "opentelemetry-operator", OTEL_REFERENCE);
    assert_clean(&check(&main), "opentelemetry-operator reference values");
    // The reference still configures the kube-rbac-proxy sidecar, which the chart no
    // longer has: the module refuses the setting instead of letting it do nothing.
    let stale = OTEL_REFERENCE
        .replace("role: { create: true }", "kubeRBACProxy: { enabled: true }\n      role: { create: true }");
    assert_refused(&with_values("opentelemetry-operator", "opentelemetry-operator", &stale), "kubeRBACProxy", "E0022");
}

#[test]
fn mayastor_and_clickhouse_operator_accept_realistic_values() {
    // The reference platform installs both with no values (Mayastor 2.4.0 from its Helm
    // repository, the ClickHouse operator from manifests); these are the settings a
    // platform team sets first.
    let mayastor = r#"{
      etcd: { replicaCount: 3, persistence: { storageClass: "local-hostpath", size: "2Gi" } }
      io_engine: { cpuCount: "2", nodeSelector: { "openebs.io/engine": "mayastor" } }
      storageClass: { enabled: true, nameSuffix: "repl-2", parameters: { repl: 2, protocol: "nvmf", ioTimeout: "30" } }
      loki-stack: { enabled: false }
      obs: { callhome: { enabled: false } }
      csi: { node: { kubeletDir: "/var/lib/kubelet" } }
    }"#;
    assert_clean(&check(&with_values("mayastor", "mayastor", mayastor)), "mayastor values");
    let clickhouse = r#"{
      operator: { resources: { requests: { cpu: "100m", memory: "128Mi" } } }
      metrics: { enabled: true }
      serviceMonitor: { enabled: true, additionalLabels: { release: "prometheus" } }
      dashboards: { enabled: true }
      configs: { files: { "config.yaml": { watch: { namespaces: ["clickhouse"] } } } }
    }"#;
    assert_clean(&check(&with_values("clickhouse-operator", "clickhouse-operator", clickhouse)), "clickhouse values");
}

// --------------------------------------------------------------------- refusals

/// A values literal, the text marking the line it is refused on, and the code.
type Refusal = (&'static str, &'static str, &'static str);

/// Per module: a values literal with a misspelled key, one with a key one level too
/// high, and one with a value of the wrong type; each with the text marking its line.
const REFUSALS: &[(&str, [Refusal; 3])] = &[
    (
        "vault",
        [
            ("{\n      server: {\n        ha: { enabled: true, replica: 3 }\n      }\n    }", "replica:", "E0022"),
            ("{\n      server: {\n        replicas: 3\n      }\n    }", "replicas:", "E0022"),
            ("{\n      server: {\n        ha: { replicas: \"three\" }\n      }\n    }", "\"three\"", "E0039"),
        ],
    ),
    (
        "crossplane",
        [
            ("{\n      provider: {\n        pakages: []\n      }\n    }", "pakages", "E0022"),
            ("{\n      packages: []\n    }", "packages", "E0022"),
            ("{\n      replicas: \"2\"\n    }", "replicas", "E0039"),
        ],
    ),
    (
        "mayastor",
        [
            ("{\n      io_engine: {\n        cpuCont: \"2\"\n      }\n    }", "cpuCont", "E0022"),
            ("{\n      agents: {\n        logLevel: \"info\"\n      }\n    }", "logLevel", "E0022"),
            ("{\n      etcd: {\n        replicaCount: \"3\"\n      }\n    }", "replicaCount", "E0039"),
        ],
    ),
    (
        "vcluster",
        [
            (
                "{\n      sync: {\n        persistentvolume: { enabled: true }\n      }\n    }",
                "persistentvolume:",
                "E0022",
            ),
            ("{\n      persistentvolumes: { enabled: true }\n    }", "persistentvolumes", "E0022"),
            ("{\n      syncer: {\n        replicas: \"1\"\n      }\n    }", "replicas", "E0039"),
        ],
    ),
    (
        "clickhouse-operator",
        [
            ("{\n      metrics: {\n        enabeld: true\n      }\n    }", "enabeld", "E0022"),
            ("{\n      operator: {\n        create: true\n      }\n    }", "create", "E0022"),
            ("{\n      secret: {\n        username: 7\n      }\n    }", "username", "E0039"),
        ],
    ),
    (
        "opentelemetry-operator",
        [
            (
                "{\n      manager: {\n        collectorImg: { repository: \"otel/collector\" }\n      }\n    }",
                "collectorImg",
                "E0022",
            ),
            ("{\n      collectorImage: { repository: \"otel/collector\" }\n    }", "collectorImage", "E0022"),
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
}

// ------------------------------------------------- comparison with the real charts

#[test]
fn every_key_path_of_the_published_defaults_is_accepted() {
    common::published_defaults_are_accepted(CHARTS, |module, values| with_values(module, module, values), assert_clean);
}
