//! `cedc import repo`, held to its invariant: for every environment and component, `cedc
//! render` of the imported project gives the objects real `kubectl kustomize` builds
//! from the original directories (compared as parsed values; a namespaced object that
//! set no namespace may get the component's). Run over a repository of our own with
//! bases, overlays and the Kustomize features teams use, and over the reference
//! platform's snapshots when `../shared` is there (reporting how much imports cleanly).
//! Needs kubectl (`CEDC_KUBECTL`): a loud skip without it, a failure in CI.

use cedc_emit::testing;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

const FIXTURE: &[(&str, &str)] = &[
    (
        "apps/web/base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n  - service.yaml\nconfigMapGenerator:\n  - name: web-config\n    literals:\n      - MODE=base\n",
    ),
    (
        "apps/web/base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app.kubernetes.io/name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          envFrom:\n            - configMapRef:\n                name: web-config\n          resources:\n            limits:\n              memory: 128Mi\n",
    ),
    (
        "apps/web/base/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: 8080\n",
    ),
    (
        "apps/web/overlays/prod/kustomization.yaml",
        "namespace: web\nresources:\n  - ../../base\n  - pdb.yaml\nreplicas:\n  - name: web\n    count: 4\npatches:\n  - path: memory.yaml\n",
    ),
    (
        "apps/web/overlays/prod/memory.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            limits:\n              memory: 512Mi\n",
    ),
    (
        "apps/web/overlays/prod/pdb.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: web\n",
    ),
    (
        "apps/web/overlays/staging/kustomization.yaml",
        "namespace: web-staging\nresources:\n  - ../../base\nimages:\n  - name: nginx\n    newTag: 1.27-alpine\nlabels:\n  - pairs:\n      tier: staging\nconfigMapGenerator:\n  - name: web-config\n    behavior: merge\n    literals:\n      - MODE=staging\n",
    ),
    ("apps/preview/overlays/staging/kustomization.yaml", "namespace: preview\nresources:\n  - cm.yaml\n"),
    (
        "apps/preview/overlays/staging/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: preview\ndata:\n  url: https://preview.example.com\n",
    ),
    // A Helm Application with its values in the repository and a plain directory of
    // objects beside the chart (the reference platform's shape), and one at the version
    // of the standard library's module.
    ("system/grafana/kustomization.yaml", "resources:\n  - grafana-app.yaml\n"),
    (
        "system/grafana/grafana-app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: grafana\n  namespace: argocd\nspec:\n  project: default\n  destination:\n    namespace: grafana\n    server: https://kubernetes.default.svc\n  sources:\n    - chart: grafana\n      repoURL: https://grafana.github.io/helm-charts\n      targetRevision: 7.0.1\n      helm:\n        releaseName: grafana\n        valueFiles:\n          - $values/system/grafana/helm/values.yaml\n        valuesObject:\n          ingress:\n            enabled: true\n    - repoURL: https://git.example.com/platform.git\n      targetRevision: main\n      ref: values\n    - repoURL: https://git.example.com/platform.git\n      targetRevision: main\n      path: system/grafana/ingress\n  syncPolicy:\n    automated:\n      selfHeal: true\n",
    ),
    ("system/grafana/helm/values.yaml", "replicas: 2\ningress:\n  enabled: false\n  hosts: [grafana.example.com]\n"),
    (
        "system/grafana/ingress/route.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana-extra\n  namespace: grafana\ndata:\n  a: b\n",
    ),
    ("system/certs/kustomization.yaml", "resources:\n  - app.yaml\n"),
    (
        "system/certs/app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: cert-manager\n  namespace: argocd\nspec:\n  project: default\n  destination:\n    namespace: cert-manager\n    server: https://kubernetes.default.svc\n  source:\n    chart: cert-manager\n    repoURL: https://charts.jetstack.io\n    targetRevision: v1.21.1\n    helm:\n      valuesObject:\n        crds:\n          enabled: true\n",
    ),
    ("system/monitoring/kustomization.yaml", "namespace: monitoring\nresources:\n  - objects.yaml\n"),
    (
        "system/monitoring/objects.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboards\ndata:\n  home.json: '{\"title\": \"home\"}'\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: monitoring-read\nrules:\n  - apiGroups: [\"\"]\n    resources: [pods]\n    verbs: [get, list]\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: gauge\nspec:\n  size: 3\n",
    ),
];

/// A repository with a base and two overlays (namespace, replicas, images, labels,
/// a strategic-merge patch, a generated ConfigMap with its hash suffix, an object in
/// one overlay only), a component only staging has, a plain root with a cluster-scoped
/// object, and a kind cedc has no schema for.
fn fixture(root: &Path) {
    for (path, text) in FIXTURE {
        write(&root.join(path), text);
    }
}

fn cedc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cedc")).args(args).output().expect("run cedc")
}

/// Drop `null` fields (an absent field and a null one mean the same to Kubernetes, and
/// cedc writes neither).
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), without_nulls(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// The namespace a component gives objects that set none, from its file.
fn component_namespace(project: &Path, component: &str) -> String {
    let text = std::fs::read_to_string(project.join(format!("components/{component}.ced"))).expect("component file");
    text.lines()
        .find_map(|l| l.trim().strip_prefix("namespace: "))
        .map(|n| n.trim_matches('"').to_string())
        .expect("the component's namespace")
}

struct Outcome {
    units: usize,
    compared: usize,
    objects: usize,
    charts: usize,
}

/// Import `source`, then compare every unit the import names with kustomize.
fn import_and_compare(kubectl: &Path, source: &Path, out: &Path) -> Outcome {
    let o = Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(["import", "repo"])
        .arg(source)
        .arg("--out")
        .arg(out)
        .arg("--kubectl")
        .arg(kubectl)
        .output()
        .expect("run cedc import repo");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "cedc import repo failed:\n{stderr}");
    let report = std::fs::read_to_string(out.join("IMPORT.md")).expect("IMPORT.md");
    // `cedc: imported <component> (...) from <dir>, <dir>`
    let mut units: Vec<(String, String)> = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("cedc: imported ") else { continue };
        let component = rest.split(' ').next().expect("a component").to_string();
        let dirs = rest.split(" from ").nth(1).expect("its directories");
        units.extend(dirs.split(", ").map(|d| (component.clone(), d.to_string())));
    }
    // `cedc: chart component <name> (<what>) from the Application `<app>` in <dir>, <path>...`
    let mut charts: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("cedc: chart component ") else { continue };
        let component = rest.split(' ').next().expect("a component").to_string();
        let from = rest.split(") from the Application `").nth(1).expect("its Application");
        let (app, dirs) = from.split_once("` in ").expect("its directory");
        let mut dirs = dirs.split(", ").map(str::to_string);
        let unit = dirs.next().expect("the Application's directory");
        charts.push((component, app.to_string(), unit, dirs.collect()));
    }
    let converted = |dir: &str, o: &Value| {
        o.get("kind").and_then(Value::as_str) == Some("Application")
            && charts.iter().any(|(_, app, unit, _)| {
                unit == dir && o.pointer("/metadata/name").and_then(Value::as_str) == Some(app.as_str())
            })
    };
    let envs: Vec<String> = report
        .lines()
        .find_map(|l| l.strip_prefix("Environments: "))
        .expect("the environments in IMPORT.md")
        .trim_end_matches('.')
        .split(", ")
        .map(str::to_string)
        .collect();
    // Evaluated as `cedc render` does (the same objects, through the same YAML writer),
    // also when the checks find defects in the imported platform, which `cedc render`
    // would refuse to print.
    let mut files = cedc_diagnostics::Files::new();
    let project = cedc::project::load(out, &mut files).unwrap_or_else(|_| panic!("the imported cedc.toml loads"));
    let config = std::fs::read_to_string(out.join("cedc.toml")).ok();
    let compilation = cedc::compile_project(&cedc_names::OsFs { root: out.to_path_buf() }, &project, config);
    let platform = compilation.platform.as_ref().unwrap_or_else(|| {
        let text: String = compilation.diagnostics.iter().map(|d| d.render(compilation.files(), false)).collect();
        panic!("the imported project does not evaluate:\n{text}")
    });
    let mut compared = 0;
    let mut objects = 0;
    for (component, dir) in &units {
        let in_envs: Vec<&String> = match dir.rsplit_once("/overlays/") {
            Some((_, env)) => envs.iter().filter(|e| e.as_str() == env.to_ascii_lowercase()).collect(),
            None => envs.iter().collect(),
        };
        let want: Vec<Value> =
            testing::kustomize_with(kubectl, &source.join(dir)).into_iter().filter(|o| !converted(dir, o)).collect();
        let namespace = component_namespace(out, component);
        for env in in_envs {
            let e = platform.envs.iter().find(|e| &e.name == env).expect("the environment");
            let c = e.components.iter().find(|c| &c.name == component).expect("the component in the environment");
            let rendered = cedc_emit::render_objects(&c.objects.iter().collect::<Vec<_>>()).expect("render");
            let got = testing::parse_documents(&rendered);
            let key = |o: &Value| {
                let (api, kind, _, name) = testing::object_key(o);
                (api, kind, name)
            };
            let mut got_by: BTreeMap<_, Vec<Value>> = BTreeMap::new();
            for g in &got {
                got_by.entry(key(g)).or_default().push(without_nulls(g));
            }
            assert_eq!(
                got.len(),
                want.len(),
                "{component} in {env} (from {dir}): {} objects rendered, kustomize built {}",
                got.len(),
                want.len()
            );
            for w in &want {
                let mut w = without_nulls(w);
                let candidates = got_by.get(&key(&w)).cloned().unwrap_or_default();
                if w.pointer("/metadata/namespace").is_none()
                    && candidates
                        .iter()
                        .any(|g| g.pointer("/metadata/namespace").and_then(Value::as_str) == Some(&namespace))
                {
                    w["metadata"]["namespace"] = Value::String(namespace.clone());
                }
                assert!(
                    candidates.contains(&w),
                    "{component} in {env} (from {dir}): kustomize built\n{w:#}\nand cedc rendered\n{candidates:#?}"
                );
                objects += 1;
            }
            compared += 1;
        }
    }
    // A chart component installs the chart its Application named, at its version, and
    // holds the objects of the Application's other paths.
    for (component, app, unit, paths) in &charts {
        let original = testing::kustomize_with(kubectl, &source.join(unit))
            .into_iter()
            .find(|o| converted(unit, o) && o.pointer("/metadata/name").and_then(Value::as_str) == Some(app.as_str()))
            .expect("the Application in its directory");
        let spec = &original["spec"];
        let chart_source = spec
            .get("sources")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find(|s| s.get("chart").is_some()).cloned())
            .unwrap_or_else(|| spec["source"].clone());
        let mut want_objects: Vec<Value> = Vec::new();
        for path in paths {
            let dir = source.join(path);
            if ["kustomization.yaml", "kustomization.yml", "Kustomization"].iter().any(|k| dir.join(k).is_file()) {
                want_objects.extend(testing::kustomize_with(kubectl, &dir));
                continue;
            }
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(&dir).expect("read").map(|e| e.expect("entry").path()).collect();
            files.sort();
            for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "yaml" || x == "yml")) {
                want_objects.extend(testing::parse_documents(&std::fs::read_to_string(f).expect("read")));
            }
        }
        for env in &envs {
            let e = platform.envs.iter().find(|e| &e.name == env).expect("the environment");
            let c = e.components.iter().find(|c| &c.name == component).expect("the chart component");
            let release = c.chart.as_deref().expect("a chart").to_json().expect("the release as JSON");
            assert_eq!(release["chart"]["name"], chart_source["chart"], "{component}: {release:#}");
            assert_eq!(release["version"], chart_source["targetRevision"], "{component}: {release:#}");
            let rendered = cedc_emit::render_objects(&c.objects.iter().collect::<Vec<_>>()).expect("render");
            let got: Vec<Value> = testing::parse_documents(&rendered).iter().map(without_nulls).collect();
            assert_eq!(got.len(), want_objects.len(), "{component} in {env}: {got:#?}");
            let namespace = component_namespace(out, component);
            for w in &want_objects {
                let mut w = without_nulls(w);
                if w.pointer("/metadata/namespace").is_none() && w.get("metadata").is_some_and(Value::is_object) {
                    let mut defaulted = w.clone();
                    defaulted["metadata"]["namespace"] = Value::String(namespace.clone());
                    if got.contains(&defaulted) {
                        w = defaulted;
                    }
                }
                assert!(got.contains(&w), "{component} in {env}: {w:#} not rendered");
            }
        }
    }
    Outcome { units: units.len(), compared, objects, charts: charts.len() }
}

#[test]
fn an_imported_repository_renders_what_kustomize_builds() {
    let Some(kubectl) = testing::kubectl() else { return };
    let t = tempfile::tempdir().expect("tempdir");
    let (source, out) = (t.path().join("repo"), t.path().join("platform"));
    fixture(&source);
    let outcome = import_and_compare(&kubectl, &source, &out);
    // web (prod, staging), preview (staging), monitoring (both); grafana and certs are
    // chart components.
    assert_eq!((outcome.units, outcome.compared, outcome.charts), (4, 5, 2), "units, renders and charts compared");
    assert_eq!(outcome.objects, 4 + 3 + 1 + 3 * 2, "objects compared");
    // The values Argo CD would pass: the value file, then valuesObject over it.
    let grafana = std::fs::read_to_string(out.join("components/grafana.ced")).expect("grafana.ced");
    let flat = grafana.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("values: { replicas: 2, ingress: { enabled: true, hosts: [\"grafana.example.com\"] } }"),
        "{grafana}"
    );
    assert!(flat.contains("version: \"7.0.1\"") && !flat.contains(".install("), "an untyped Release: {grafana}");
    // At the module's version, the typed install.
    let certs = std::fs::read_to_string(out.join("components/cert-manager.ced")).expect("cert-manager.ced");
    assert!(certs.contains("import \"std/charts/cert-manager\" as cert_manager_chart"), "{certs}");
    assert!(certs.contains("cert_manager_chart.install(version: \"v1.21.1\""), "{certs}");
    assert!(!out.join("components/certs.ced").exists(), "a directory holding only the Application is no component");

    // Overlays became overrides of one set of objects, not copies.
    let web = std::fs::read_to_string(out.join("components/web.ced")).expect("web.ced");
    assert_eq!(web.matches("let deployment_web").count(), 1, "{web}");
    assert!(
        web.contains("in staging {") && web.contains("deployment_web.metadata.namespace = \"web-staging\""),
        "{web}"
    );
    let flat = web.split_whitespace().collect::<Vec<_>>().join(" ");
    let only_prod = flat.split("if env.name == \"prod\" then [").nth(1).and_then(|s| s.split(']').next()).unwrap_or("");
    assert!(only_prod.contains("poddisruptionbudget_web"), "the PodDisruptionBudget is prod's only:\n{web}");
    let preview = std::fs::read_to_string(out.join("components/preview.ced")).expect("preview.ced");
    assert!(preview.contains("envs: [staging]"), "{preview}");
    // Objects a std/k8s helper writes exactly are its calls; the others stay raw.
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ").replace("( ", "(");
    assert!(
        preview.contains("import \"std/k8s\"") && flat(&preview).contains("k8s.config_map(\"preview\""),
        "{preview}"
    );
    let monitoring = std::fs::read_to_string(out.join("components/monitoring.ced")).expect("monitoring.ced");
    assert!(flat(&monitoring).contains("k8s.config_map(\"dashboards\""), "{monitoring}");
    assert!(monitoring.contains("let clusterrole_monitoring_read: Object = {"), "{monitoring}");
    // The unknown kind is left unchecked, and said so.
    let config = std::fs::read_to_string(out.join("cedc.toml")).expect("cedc.toml");
    assert!(config.contains("\"example.com/v1/Widget\""), "{config}");
    let report = std::fs::read_to_string(out.join("IMPORT.md")).expect("IMPORT.md");
    assert!(report.contains("`example.com/v1/Widget`") && report.contains("finds nothing wrong"), "{report}");
    assert!(report.contains("## Helm Applications") && report.contains("syncPolicy"), "{report}");
    // The project is formatted and checks clean.
    let fmt = cedc(&["fmt", "--check", &out.to_string_lossy()]);
    assert!(fmt.status.success(), "{}", String::from_utf8_lossy(&fmt.stderr));
    let check = cedc(&["check", &out.to_string_lossy()]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    // Importing again into the same directory is refused: nothing is overwritten.
    let again = cedc(&[
        "import",
        "repo",
        &source.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--kubectl",
        &kubectl.to_string_lossy(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("E0438"));
}

#[test]
fn input_defects_are_reported_not_carried_over_silently() {
    let Some(kubectl) = testing::kubectl() else { return };
    let t = tempfile::tempdir().expect("tempdir");
    let (source, out) = (t.path().join("repo"), t.path().join("platform"));
    // A Service whose selector matches no pod of the component, and a directory
    // kustomize cannot build.
    write(&source.join("app/kustomization.yaml"), "namespace: app\nresources:\n  - objects.yaml\n");
    write(
        &source.join("app/objects.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: apii\n  ports:\n    - port: 80\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          image: api:1\n",
    );
    write(&source.join("broken/kustomization.yaml"), "resources:\n  - missing.yaml\n");
    let o = cedc(&[
        "import",
        "repo",
        &source.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--kubectl",
        &kubectl.to_string_lossy(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("not imported: broken"), "{stderr}");
    let report = std::fs::read_to_string(out.join("IMPORT.md")).expect("IMPORT.md");
    assert!(report.contains("## Not imported") && report.contains("`broken`"), "{report}");
    let check = cedc(&["check", &out.to_string_lossy(), "--message-format=json"]);
    assert_eq!(check.status.code(), Some(1), "the selector defect must be found");
    let codes: Vec<String> = String::from_utf8_lossy(&check.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok()?.get("code")?.as_str().map(str::to_string))
        .collect();
    assert!(!codes.is_empty());
    for code in &codes {
        assert!(report.contains(code.as_str()), "IMPORT.md does not report {code}:\n{report}");
    }
}

#[test]
fn the_reference_platform_imports() {
    let Some(kubectl) = testing::kubectl() else { return };
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
    if !shared.is_dir() {
        eprintln!(
            "SKIPPED (optional extra): {} is absent, so the reference snapshots were not imported",
            shared.display()
        );
        return;
    }
    let mut snapshots: Vec<PathBuf> = std::fs::read_dir(&shared)
        .expect("read the reference")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    snapshots.sort();
    assert!(!snapshots.is_empty());
    for snapshot in snapshots {
        let t = tempfile::tempdir().expect("tempdir");
        let out = t.path().join("platform");
        let outcome = import_and_compare(&kubectl, &snapshot, &out);
        let report = std::fs::read_to_string(out.join("IMPORT.md")).expect("IMPORT.md");
        let not_imported =
            report.lines().skip_while(|l| !l.starts_with("## Not imported")).filter(|l| l.starts_with("- ")).count();
        let unchecked = report
            .lines()
            .skip_while(|l| !l.starts_with("## Kinds without"))
            .take_while(|l| !l.starts_with("## Not"))
            .filter(|l| l.starts_with("- "))
            .count();
        eprintln!(
            "reference {}: {} Kustomize roots imported ({} not), {} renders and {} objects equal to kustomize's; {} Helm Applications as chart components; {} kinds without a schema",
            snapshot.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            outcome.units,
            not_imported,
            outcome.compared,
            outcome.objects,
            outcome.charts,
            unchecked
        );
        assert!(outcome.units > 0);
    }
}
