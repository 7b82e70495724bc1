//! Delivery end to end, through the real binary: the app-of-apps `cedc build` writes for
//! a platform with chart components, checked against real Kustomize and the upstream
//! Argo CD CRDs (when `../shared` is there). The delivery mistakes the reference
//! platform made are cases of `tests/cases/delivery/` (see `tests/cases.rs`), each
//! rejected at its `.ced` line.

use cedc_emit::testing;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cedc(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cedc")
}

fn project(main: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\n").expect("write cedc.toml");
    std::fs::write(dir.path().join("main.ced"), main).expect("write main.ced");
    dir
}

/// The platform of the positive tests: Argo CD delivering two environments, a chart
/// with values and objects of its own, a chart installing a CRD another component uses,
/// and a route to a Service a chart installs.
const PLATFORM: &str = r#"
import "std/k8s"
import "std/gateway" as gw

env prod { production: true, domain: "example.org" }
env staging { production: false, domain: "staging.example.org" }

let argo_cd: Chart = { repository: "https://argoproj.github.io/argo-helm", name: "argo-cd", version: "7.7.0" }
let grafana_chart: Chart = { repository: "oci://ghcr.io/grafana/helm-charts", name: "grafana", version: "8.5.1" }
let gateway_api: Chart = { repository: "https://charts.example.org", name: "gateway-api", version: "1.4.0" }
let health = "hs = \{}\nhs.status = obj.status.health.status\nreturn hs\n"

component argocd {
  namespace: "argocd"
  objects: []
  chart: {
    chart: argo_cd
    version: "7.7.0"
    name: "argocd"
    values: { configs: { cm: { "resource.customizations.health.argoproj.io_Application": health } } }
    installs: {
      crds: [
        { apiVersion: "argoproj.io/v1alpha1", kind: "Application" },
        { apiVersion: "argoproj.io/v1alpha1", kind: "AppProject" },
      ]
    }
  }
  delivery: { repository: "https://github.com/example/platform.git", path: "deploy", revision: "main", release: "v1.0.0" }
}

component gateway-api {
  namespace: "kube-system"
  objects: []
  chart: {
    chart: gateway_api
    version: "1.4.0"
    name: "gateway-api"
    installs: {
      crds: [
        { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass" },
        { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway" },
        { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" },
      ]
    }
  }
}

component contour {
  namespace: "projectcontour"
  provides: ["projectcontour.io/gateway-controller"]
  objects: [
    gw.gateway_class("contour", "projectcontour.io/gateway-controller"),
    gw.gateway("public", class: "contour", listeners: [{ name: "http", port: 80, protocol: "HTTP", routes_from: "All" }]),
  ]
}

component grafana {
  namespace: "monitoring"
  chart: {
    chart: grafana_chart
    version: "8.5.1"
    name: "grafana"
    values: { replicas: match env { prod => 2, _ => 1 } }
    installs: { objects: [k8s.service("grafana", port: 80, target_port: 3000)] }
  }
  objects: [
    gw.http_route(
      "grafana",
      parents: [{ gateway: "public", namespace: "projectcontour", listener: "http" }],
      hostnames: ["grafana.{env.domain}"],
      rules: [{ backends: [gw.backend(k8s.service("grafana", port: 80), port: 80)] }],
    ),
  ]
}
"#;

fn ok(out: &std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[test]
fn the_app_of_apps_is_written_ordered_and_indexed() {
    let p = project(PLATFORM);
    let out = p.path().join("out");
    ok(&cedc(&["build", ".", "--out", "out"], p.path()), "build");
    let apps = out.join("apps/prod");
    let kustomization = read(&apps.join("kustomization.yaml"));
    for file in [
        "appproject-platform.yaml",
        "application-platform-prod.yaml",
        "application-prod-argocd.yaml",
        "application-prod-gateway-api.yaml",
        "application-prod-contour.yaml",
        "application-prod-grafana.yaml",
    ] {
        assert!(kustomization.contains(file), "{file} not listed:\n{kustomization}");
        assert!(apps.join(file).is_file(), "{file} not written");
    }
    let wave = |app: &str| {
        let text = read(&apps.join(format!("application-prod-{app}.yaml")));
        let line = text.lines().find(|l| l.contains("sync-wave")).unwrap_or_default().to_string();
        line.rsplit(' ').next().unwrap_or_default().trim_matches('"').to_string()
    };
    assert_eq!(wave("gateway-api"), "0");
    assert_eq!(wave("contour"), "1", "its GatewayClass is a kind gateway-api installs");
    // Its HTTPRoute needs the CRD gateway-api installs; a route may attach before its
    // Gateway exists (the controller reconciles it), so contour is not waited for.
    assert_eq!(wave("grafana"), "1");
    let grafana = read(&apps.join("application-prod-grafana.yaml"));
    assert!(grafana.contains("repoURL: ghcr.io/grafana/helm-charts"), "{grafana}");
    assert!(grafana.contains("path: deploy/components/grafana/overlays/prod"), "{grafana}");
    assert!(grafana.contains("targetRevision: v1.0.0"), "production tracks the release:\n{grafana}");
    assert!(grafana.contains("replicas: 2"), "{grafana}");
    let staging = read(&out.join("apps/staging/application-staging-grafana.yaml"));
    assert!(staging.contains("targetRevision: main") && staging.contains("replicas: 1"), "{staging}");
    // Every path an Application names exists in the tree.
    for text in [grafana, staging] {
        for line in text.lines().filter_map(|l| l.trim().strip_prefix("path: deploy/")) {
            assert!(out.join(line).join("kustomization.yaml").is_file(), "{line} is not a Kustomize root of the tree");
        }
    }
    let index: serde_json::Value = serde_json::from_str(&read(&out.join("cedc-index.json"))).expect("index");
    let delivery: Vec<&str> = index["roots"]
        .as_array()
        .expect("roots")
        .iter()
        .filter(|r| r["delivery"] == true)
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert_eq!(delivery, ["apps/prod", "apps/staging"]);
}

#[test]
fn real_kustomize_builds_the_app_of_apps() {
    let Some(kubectl) = testing::kubectl() else { return };
    let p = project(PLATFORM);
    ok(&cedc(&["build", ".", "--out", "out"], p.path()), "build");
    for env in ["prod", "staging"] {
        let built = testing::kustomize_with(&kubectl, &p.path().join("out/apps").join(env));
        let rendered =
            testing::parse_documents(&ok(&cedc(&["render", ".", "--env", env, "--delivery"], p.path()), "render"));
        assert_eq!(built.len(), 6, "{env}: project, root and four Applications");
        testing::assert_same_objects(&built, &rendered, &format!("apps/{env}"));
    }
}

/// The Argo CD CRDs of `../shared`, when the folder is there.
fn upstream_argocd_crds() -> Option<Vec<(String, String)>> {
    let dir = repo().join("../shared/crds/argo-cd");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED (loudly): {} is absent; the generated Applications are not compared with the upstream Argo CD CRDs",
            dir.display()
        );
        return None;
    }
    let files = ["application-crd.yaml", "appproject-crd.yaml"];
    Some(files.iter().map(|f| (f.to_string(), read(&dir.join(f)))).collect())
}

#[test]
fn generated_argo_cd_objects_are_valid_against_the_upstream_crds() {
    let Some(crds) = upstream_argocd_crds() else { return };
    let mut registry = cedc_schema::Registry::default();
    for (file, text) in &crds {
        let report = cedc_schema::crd::load_into(&mut registry, file, text);
        assert!(
            report.problems.iter().all(|p| p.severity != cedc_diagnostics::Severity::Error),
            "{file}: {:?}",
            report.problems
        );
    }
    let p = project(PLATFORM);
    let mut checked = 0;
    for env in ["prod", "staging"] {
        let yaml = ok(&cedc(&["render", ".", "--env", env, "--delivery"], p.path()), "render");
        for doc in testing::parse_documents(&yaml) {
            let api_version = doc["apiVersion"].as_str().unwrap_or_default();
            let kind = doc["kind"].as_str().unwrap_or_default();
            let known = registry.lookup(api_version, kind).unwrap_or_else(|| panic!("upstream has no {kind}"));
            let value = cedc_model::Value::from_json(&doc, cedc_diagnostics::Span::default());
            let violations = cedc_schema::validate::validate(&registry, &known.schema, &value);
            assert!(violations.is_empty(), "{env}: {kind} {}: {violations:#?}", doc["metadata"]["name"]);
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
}
