//! Tests of the chart modules of set D: `std/charts/argo-cd`, `cert-manager`, `grafana`,
//! `external-dns`, `contour` and `kuma`. Every test writes a throw-away project and runs
//! the real `cedc check` on it.
//!
//! The invariants checked:
//! - each module compiles and its `install` gives a release with no values;
//! - the settings the reference platform gives Argo CD, cert-manager and Grafana
//!   (re-typed here in .ced), and realistic settings of the others, check clean;
//! - with `../shared` (or `CEDC_SHARED`) present, the reference platform's values files
//!   as they are check clean except for the settings the pinned charts dropped, each
//!   refused;
//! - a misspelled key, a key at the wrong level and a value of the wrong type are each
//!   refused with their own code, on the line that holds them;
//! - the Argo CD module's `application_health` satisfies the delivery check E0410;
//! - with `CEDC_CHART_SOURCES=<dir>` holding `<chart>/values.yaml` as published, every key
//!   path of the chart's defaults is accepted by the module's `Values` (skipped loudly
//!   without it: the sources cannot be fetched in CI).

mod common;
use common::{CONFIG, assert_refused, ced_literal, check_json, diags};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The modules of set D: the name `import "std/charts/<name>"` binds, which is also the
/// directory of `CEDC_CHART_SOURCES` holding its chart's published values.yaml.
const CHARTS: &[&str] = &["argo-cd", "cert-manager", "grafana", "external-dns", "contour", "kuma"];

// ------------------------------------------------------------------------- helpers

/// Run `cedc check` (JSON diagnostics) on a project whose `main.ced` is `main`.
fn check(main: &str) -> Output {
    check_json(CONFIG, main)
}

/// The run ended by itself with exit code 0 and no diagnostic.
#[track_caller]
fn assert_clean(o: &Output, what: &str) {
    common::assert_clean(o, what);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(diags(o).is_empty(), "{what}: expected no diagnostic; stderr:\n{err}");
}

/// The binding a module's import makes: its file stem.
fn binding(module: &str) -> &str {
    module
}

/// A project with one component installing `module`'s chart (at the module's own
/// version) with `values`, a .ced expression. Kuma's chart makes a GatewayClass of its
/// controller, so the component installing it says it runs that controller.
fn with_values(module: &str, release: &str, values: &str) -> String {
    let m = binding(module);
    let provides = if module == "kuma" { format!("  provides: [{m}.controller]\n") } else { String::new() };
    format!(
        "import \"std/charts/{module}\"\n\nenv prod {{}}\n\ncomponent platform {{\n  namespace: \"platform\"\n  objects: []\n{provides}  chart: {m}.install(\n    version: {m}.chart.version,\n    release: \"{release}\",\n    values: {values},\n  )\n}}\n"
    )
}

// ------------------------------------------------------------------------- modules

#[test]
fn every_module_compiles_and_installs_with_no_values() {
    for module in CHARTS {
        let m = binding(module);
        let provides = if *module == "kuma" { format!("  provides: [{m}.controller]\n") } else { String::new() };
        let main = format!(
            "import \"std/charts/{module}\"\n\nenv prod {{}}\n\ncomponent platform {{\n  namespace: \"platform\"\n  objects: []\n{provides}  chart: {m}.install(version: {m}.chart.version)\n}}\n"
        );
        assert_clean(&check(&main), module);
    }
}

#[test]
fn a_version_other_than_the_modules_is_refused() {
    let main = "import \"std/charts/grafana\"\n\nenv prod {}\n\ncomponent monitoring {\n  namespace: \"monitoring\"\n  objects: []\n  chart: grafana.install(version: \"7.0.1\")\n}\n";
    let o = check(main);
    assert_eq!(o.status.code(), Some(1), "a version the module does not describe must fail");
    assert_eq!(diags(&o), vec![("E0402".to_string(), 8)]);
}

#[test]
fn kuma_gateway_class_needs_its_controller() {
    // The GatewayClass the chart makes names Kuma's controller: installing Kuma without
    // saying the component runs it (`provides: [kuma.controller]`) is E0129.
    let main = "import \"std/charts/kuma\"\n\nenv prod {}\n\ncomponent mesh {\n  namespace: \"kuma-system\"\n  objects: []\n  chart: kuma.install(version: kuma.chart.version)\n}\n";
    let o = check(main);
    assert_eq!(o.status.code(), Some(1), "stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    let codes: Vec<String> = diags(&o).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, vec!["E0129".to_string()]);
}

#[test]
fn contour_names_its_gateway_controller() {
    // A GatewayClass of the platform's own, as the reference platform writes it, served
    // by the component running Contour through the module's controller name.
    let main = r#"import "std/charts/contour"

env prod {}

component ingress {
  namespace: "projectcontour"
  provides: [contour.controller]
  objects: [
    {
      apiVersion: "gateway.networking.k8s.io/v1"
      kind: "GatewayClass"
      metadata: { name: "contour" }
      spec: { controllerName: contour.controller }
    },
  ]
  chart: contour.install(version: contour.chart.version, values: { gatewayAPI: { manageCRDs: true } })
}
"#;
    let o = check_json(
        &format!("{CONFIG}\n[schemas]\nunchecked = [\"gateway.networking.k8s.io/v1/GatewayClass\"]\n"),
        main,
    );
    assert_clean(&o, "contour with its GatewayClass");
}

// ------------------------------------------------------------ Argo CD application health

/// A delivering Argo CD installed through the module with `values`.
fn delivering_argocd(values: &str) -> String {
    format!(
        "import \"std/charts/argo-cd\"\n\nenv prod {{}}\n\ncomponent argocd {{\n  namespace: \"argocd\"\n  objects: []\n  chart: argo-cd.install(version: argo-cd.chart.version, values: {values})\n  delivery: {{ repository: \"https://github.com/example/platform.git\", path: \"deploy\", revision: \"main\", release: \"v1.0.0\" }}\n}}\n"
    )
}

const ARGO_UNCHECKED: &str =
    "\n[schemas]\nunchecked = [\"argoproj.io/v1alpha1/Application\", \"argoproj.io/v1alpha1/AppProject\"]\n";

#[test]
fn the_application_health_check_of_the_module_satisfies_the_delivery_check() {
    let config = format!("{CONFIG}{ARGO_UNCHECKED}");
    let with = delivering_argocd(
        "{ configs: { cm: { \"resource.customizations.health.argoproj.io_Application\": argo-cd.application_health } } }",
    );
    assert_clean(&check_json(&config, &with), "argo-cd with the Application health check");

    let without = delivering_argocd("{ configs: { cm: { url: \"https://argocd.example.org\" } } }");
    let o = check_json(&config, &without);
    let codes: Vec<String> = diags(&o).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, vec!["E0410".to_string()], "stderr:\n{}", String::from_utf8_lossy(&o.stderr));
}

// ------------------------------------------------------------- the reference platform

/// `system/argocd/argocd-values.yaml` of the reference platform, re-typed: the settings
/// it changes from the chart's defaults and that the pinned chart still has.
const ARGOCD_REFERENCE: &str = r#"{
      nameOverride: "argocd"
      global: { networkPolicy: { create: false } }
      configs: {
        cm: {
          create: true
          url: "https://argocd.omni.cedille.club"
          "application.instanceLabelKey": "argocd.argoproj.io/instance"
          "server.rbac.log.enforce.enable": false
          "exec.enabled": false
          "admin.enabled": true
          "timeout.reconciliation": "180s"
          "timeout.hard.reconciliation": "0s"
          "dex.config": """
            connectors:
              - type: github
                id: github
                name: GitHub
                config:
                  clientID: e9dfb0b51bcceae7aef8
                  clientSecret: $dex-secret:dex.github.clientSecret
                  orgs:
                  - name: ClubCedille
            """
          "resource.customizations": """
            networking.k8s.io/Ingress:
              health.lua: |
                hs = \{}
                hs.status = "Healthy"
                return hs
            """
          "resource.customizations.health.argoproj.io_Application": argo-cd.application_health
        }
        params: {
          "controller.status.processors": 20
          "controller.operation.processors": 10
          "server.insecure": true
          "server.basehref": "/"
          "server.staticassets": "/shared/app"
          "server.enable.gzip": true
          "server.x.frame.options": "sameorigin"
          "reposerver.parallelism.limit": 0
          "applicationsetcontroller.policy": "sync"
        }
        rbac: {
          "policy.default": "role:readonly"
          "policy.csv": """
            p, role:org-operators, applications, *, */*, allow
            p, role:org-operators, clusters, get, *, allow
            g, ClubCedille:SRE, role:org-operators
            g, ClubCedille:Exec, role:admin
            """
          scopes: "[groups]"
        }
        secret: { createSecret: true }
      }
      server: { certificate: { domain: "argocd.example.com" } }
      repoServer: {
        volumes: [{ name: "lovely-tmp", emptyDir: {} }]
        service: { portName: "https-repo-server" }
      }
      applicationSet: { service: { portName: "webhook" } }
    }"#;

/// `system/cert-manager/helm/cert-manager-values.yaml`, re-typed.
const CERT_MANAGER_REFERENCE: &str = r#"{
      installCRDs: false
      prometheus: { enabled: true, servicemonitor: { enabled: false, interval: "60s" } }
      webhook: {
        timeoutSeconds: 10
        networkPolicy: {
          ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]
          egress: [{ ports: [{ port: 443, protocol: "TCP" }, { port: 53, protocol: "UDP" }], to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]
        }
      }
    }"#;

/// `system/grafana/helm/grafana-values.yaml`, re-typed: GitHub sign-in, persistence on
/// Mayastor and the client secret from a Secret.
const GRAFANA_REFERENCE: &str = r#"{
      serviceAccount: { autoMount: true }
      serviceMonitor: { interval: "30s", scrapeTimeout: "30s" }
      persistence: { enabled: true, storageClassName: "mayastor" }
      initChownData: { securityContext: { capabilities: { add: ["CHOWN"] } } }
      envFromSecret: "grafana-github-secret"
      "grafana.ini": {
        paths: { data: "/var/lib/grafana/", logs: "/var/log/grafana", plugins: "/var/lib/grafana/plugins", provisioning: "/etc/grafana/provisioning" }
        analytics: { check_for_updates: true }
        log: { mode: "console" }
        grafana_net: { url: "https://grafana.net" }
        server: { root_url: "https://grafana.omni.cedille.club/" }
        auth: { disable_login_form: true }
        "auth.basic": { enabled: false }
        "auth.github": {
          enabled: true
          allow_sign_up: true
          allow_assign_grafana_admin: true
          scopes: "user:email,read:org"
          auth_url: "https://github.com/login/oauth/authorize"
          token_url: "https://github.com/login/oauth/access_token"
          api_url: "https://api.github.com/user"
          team_ids: "6907875, 2978653,898658"
          allowed_organizations: ["@ClubCedille"]
          client_id: "f6accfa77d27b78bbf66"
          client_secret: "$\{GITHUB_CLIENT_SECRET}"
          role_attribute_path: "contains(groups[*], '@ClubCedille/exec') && 'GrafanaAdmin' || 'Viewer'"
        }
      }
    }"#;

#[test]
fn the_reference_platforms_settings_check() {
    for (module, release, values) in [
        ("argo-cd", "argocd", ARGOCD_REFERENCE),
        ("cert-manager", "cert-manager", CERT_MANAGER_REFERENCE),
        ("grafana", "grafana", GRAFANA_REFERENCE),
    ] {
        assert_clean(&check(&with_values(module, release, values)), module);
    }
}

#[test]
fn realistic_settings_of_the_other_charts_check() {
    let cases = [
        (
            "external-dns",
            "{\n      provider: { name: \"cloudflare\" }\n      sources: [\"service\", \"ingress\", \"gateway-httproute\"]\n      domainFilters: [\"omni.cedille.club\"]\n      policy: \"sync\"\n      txtOwnerId: \"omni\"\n      env: [{ name: \"CF_API_TOKEN\", valueFrom: { secretKeyRef: { name: \"cloudflare\", key: \"token\" } } }]\n    }",
        ),
        ("external-dns", "{ provider: \"aws\" }"),
        (
            "cert-manager",
            "{\n      image: { tag: \"v1.21.1\" }\n      ingressShim: { defaultIssuerName: \"letsencrypt\", defaultIssuerKind: \"ClusterIssuer\" }\n    }",
        ),
        (
            "contour",
            "{\n      envoy: { service: { type: \"NodePort\" } }\n      contour: { ingressClass: { name: \"contour\", create: true, default: false } }\n      gatewayAPI: { manageCRDs: false }\n    }",
        ),
        ("kuma", "{\n      controlPlane: { mode: \"zone\", replicas: 2 }\n      cni: { enabled: true }\n    }"),
    ];
    for (module, values) in cases {
        assert_clean(&check(&with_values(module, module, values)), module);
    }
}

/// The reference platform's values files, by module, with the key paths its chart
/// version had that the pinned chart dropped or retyped (each refused by the module).
const REFERENCE_FILES: &[(&str, &str, &str, &[&[&str]])] = &[
    (
        "argo-cd",
        "argocd",
        "system/argocd/argocd-values.yaml",
        &[
            &["apiVersionOverrides", "cloudgoogle"],
            &["configs", "clusterCredentials"],
            &["controller", "args"],
            &["applicationSet", "args"],
            &["applicationSet", "enabled"],
            &["applicationSet", "webhook"],
            &["applicationSet", "certificate", "secretName"],
            &["server", "certificate", "secretName"],
            &["server", "ingress", "hosts"],
            &["server", "ingress", "paths"],
            &["server", "ingress", "tls"],
            &["server", "ingress", "https"],
            &["server", "ingressGrpc", "isAWSALB"],
            &["server", "ingressGrpc", "awsALB"],
            &["server", "ingressGrpc", "hosts"],
            &["server", "ingressGrpc", "paths"],
            &["server", "ingressGrpc", "tls"],
            &["server", "ingressGrpc", "https"],
            &["server", "GKEbackendConfig"],
            &["server", "GKEmanagedCertificate"],
            &["server", "GKEfrontendConfig"],
        ],
    ),
    (
        "cert-manager",
        "cert-manager",
        "system/cert-manager/helm/cert-manager-values.yaml",
        &[&["prometheus", "servicemonitor", "targetPort"], &["prometheus", "servicemonitor", "path"]],
    ),
    ("grafana", "grafana", "system/grafana/helm/grafana-values.yaml", &[]),
];

/// The reference platform: `CEDC_SHARED` or `../shared` beside the repository.
fn reference_dir() -> Option<PathBuf> {
    let shared = std::env::var_os("CEDC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = shared.join("reference/plateforme-cedille-latest");
    dir.is_dir().then_some(dir)
}

fn remove_path(v: &mut serde_json::Value, path: &[&str]) -> bool {
    match path {
        [] => false,
        [last] => v.as_object_mut().is_some_and(|m| m.remove(*last).is_some()),
        [first, rest @ ..] => v.get_mut(*first).is_some_and(|x| remove_path(x, rest)),
    }
}

#[test]
fn the_reference_platforms_values_files_check_but_for_dropped_settings() {
    let Some(dir) = reference_dir() else {
        eprintln!(
            "SKIPPED: the reference platform is absent (../shared or CEDC_SHARED); its values files were not checked"
        );
        return;
    };
    for (module, release, file, dropped) in REFERENCE_FILES {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The Grafana file repeats a key (`grafana.ini.server`); Helm keeps the last one.
        let options = serde_saphyr::options! { duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins };
        let mut values: serde_json::Value = serde_saphyr::from_str_with_options(&text, options)
            .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));

        // As it is: exactly one refusal per dropped setting, each a field the type lacks
        // or a value of the wrong type.
        let (mut paths, mut literal) = (0, String::new());
        ced_literal(&values, 2, &mut paths, &mut literal);
        let o = check(&with_values(module, release, &literal));
        let found = diags(&o);
        assert!(
            found.iter().all(|(c, _)| c == "E0022" || c == "E0039"),
            "{module}: only dropped settings may be refused: {found:?}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(found.len(), dropped.len(), "{module}: one refusal per dropped setting: {found:?}");

        // Without the dropped settings: clean.
        for p in dropped.iter() {
            assert!(remove_path(&mut values, p), "{module}: {p:?} is not in the reference values");
        }
        let (mut paths, mut literal) = (0, String::new());
        ced_literal(&values, 2, &mut paths, &mut literal);
        assert_clean(&check(&with_values(module, release, &literal)), &format!("{module}: reference values"));
        eprintln!(
            "reference {module}: {paths} key paths of {file} accepted, {} dropped settings refused",
            dropped.len()
        );
    }
}

// --------------------------------------------------------------------- refusals

/// A values literal, the text marking the line it is refused on, and the code.
type Refusal = (&'static str, &'static str, &'static str);

/// Per module: a values literal with a misspelled key, one with a key one level too
/// high (or low), and one with a value of the wrong type; each with its marker.
const REFUSALS: &[(&str, [Refusal; 3])] = &[
    (
        "argo-cd",
        [
            ("{\n      server: {\n        replica: 2\n      }\n    }", "replica:", "E0022"),
            ("{\n      configs: {\n        url: \"https://argocd.example.org\"\n      }\n    }", "url:", "E0022"),
            (
                "{\n      configs: {\n        cm: { \"resource.customizations.health.argoproj.io_Application\": true }\n      }\n    }",
                "true",
                "E0039",
            ),
        ],
    ),
    (
        "cert-manager",
        [
            ("{\n      crds: {\n        enable: true\n      }\n    }", "enable:", "E0022"),
            ("{\n      webhook: {\n        installCRDs: true\n      }\n    }", "installCRDs", "E0022"),
            ("{\n      replicaCount: \"2\"\n    }", "replicaCount", "E0039"),
        ],
    ),
    (
        "grafana",
        [
            (
                "{\n      \"grafana.ini\": {\n        \"auth.github\": {\n          lient_id: \"abc\"\n        }\n      }\n    }",
                "lient_id",
                "E0022",
            ),
            ("{\n      \"auth.github\": {\n        client_id: \"abc\"\n      }\n    }", "auth.github", "E0022"),
            (
                "{\n      \"grafana.ini\": {\n        \"auth.github\": {\n          enabled: \"yes\"\n        }\n      }\n    }",
                "\"yes\"",
                "E0039",
            ),
        ],
    ),
    (
        "external-dns",
        [
            ("{\n      domainFilter: [\"example.org\"]\n    }", "domainFilter", "E0022"),
            ("{\n      service: {\n        interval: \"1m\"\n      }\n    }", "interval", "E0022"),
            ("{\n      txtOwnerId: 3\n    }", "txtOwnerId", "E0039"),
        ],
    ),
    (
        "contour",
        [
            ("{\n      envoy: {\n        kindd: \"deployment\"\n      }\n    }", "kindd", "E0022"),
            ("{\n      manageCRDs: true\n    }", "manageCRDs", "E0022"),
            ("{\n      contour: {\n        replicaCount: \"2\"\n      }\n    }", "replicaCount", "E0039"),
        ],
    ),
    (
        "kuma",
        [
            ("{\n      controlPlane: {\n        mod: \"zone\"\n      }\n    }", "mod:", "E0022"),
            ("{\n      mode: \"zone\"\n    }", "mode", "E0022"),
            ("{\n      cni: {\n        enabled: \"true\"\n      }\n    }", "\"true\"", "E0039"),
        ],
    ),
];

/// Keys the charts take one of a few words for are unions: another word is E0062.
#[test]
fn a_word_the_chart_does_not_take_is_refused_on_its_line() {
    for (module, values, marker) in [
        ("contour", "{\n      envoy: {\n        kind: \"statefulset\"\n      }\n    }", "statefulset"),
        ("kuma", "{\n      controlPlane: {\n        mode: \"standalone\"\n      }\n    }", "standalone"),
        ("external-dns", "{\n      policy: \"upsert\"\n    }", "upsert"),
        ("argo-cd", "{\n      global: {\n        logging: { level: \"trace\" }\n      }\n    }", "trace"),
    ] {
        assert_refused(&with_values(module, module, values), marker, "E0062");
    }
}

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

// ------------------------------------------------------ what the charts install

/// A platform where Contour (through its module) serves a Gateway, and an HTTPRoute of
/// the component installing `chart` (a module call) sends to the Service `backend:port`.
fn routed(namespace: &str, chart: &str, backend: &str, port: u16) -> String {
    format!(
        r#"import "std/k8s"
import "std/gateway" as gw
import "std/charts/contour"
import "std/charts/grafana"
import "std/charts/argo-cd"

env prod {{ domain: "example.org" }}

component ingress {{
  namespace: "projectcontour"
  provides: [contour.controller]
  objects: [
    gw.gateway_class("contour", contour.controller),
    gw.gateway("public", class: "contour", listeners: [{{ name: "http", port: 80, protocol: "HTTP", routes_from: "All" }}]),
  ]
  chart: contour.install(version: contour.chart.version)
}}

component app {{
  namespace: "{namespace}"
  chart: {chart}
  objects: [
    gw.http_route(
      "app",
      parents: [{{ gateway: "public", namespace: "projectcontour", listener: "http" }}],
      hostnames: ["app.{{env.domain}}"],
      rules: [{{ backends: [gw.backend(k8s.service("{backend}", port: {port}), port: {port})] }}],
    ),
  ]
}}
"#
    )
}

#[test]
fn routes_reach_the_services_the_charts_install_under_their_computed_names() {
    // The release is named after the installing component (`app`) unless given.
    let default = "grafana.install(version: grafana.chart.version)";
    assert_clean(&check(&routed("monitoring", default, "app-grafana", 80)), "app-grafana");
    let grafana = "grafana.install(version: grafana.chart.version, release: \"grafana\")";
    assert_clean(&check(&routed("monitoring", grafana, "grafana", 80)), "grafana's Service");
    let argocd = "argo-cd.install(version: argo-cd.chart.version, release: \"argocd\")";
    assert_clean(&check(&routed("argocd", argocd, "argocd-server", 443)), "argocd-server");

    // Another release name gives other names: `obs` installs `obs-grafana`, and the
    // release `platform` of Argo CD installs `platform-argocd-server`.
    let obs = "grafana.install(version: grafana.chart.version, release: \"obs\")";
    let codes: Vec<String> =
        diags(&check(&routed("monitoring", obs, "grafana", 80))).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, vec!["E0124".to_string()]);
    // The Service's port is 80; 3000 is the pod's.
    let codes: Vec<String> =
        diags(&check(&routed("monitoring", grafana, "grafana", 3000))).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, vec!["E0124".to_string()]);
    let platform = "argo-cd.install(version: argo-cd.chart.version, release: \"platform\")";
    assert_clean(&check(&routed("argocd", platform, "platform-argocd-server", 80)), "platform-argocd-server");
}
