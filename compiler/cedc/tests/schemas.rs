//! Objects against their kinds' schemas, through the real binary: built-in kinds and
//! CRDs named in cedc.toml, diagnostics at the `.ced` span (insta snapshots), and the
//! defect classes of the reference platform re-created from scratch.

use std::path::Path;
use std::process::{Command, Output};

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

/// A small, hand-written CRD in the shape cert-manager's ClusterIssuer has: cluster-
/// scoped, `spec` with one of several issuer kinds. Not copied from upstream.
const ISSUER_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusterissuers.certs.example.org
spec:
  group: certs.example.org
  names: { kind: ClusterIssuer, plural: clusterissuers }
  scope: Cluster
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                acme:
                  type: object
                  required: [server, email]
                  properties:
                    server: { type: string }
                    email: { type: string }
                    solvers:
                      type: array
                      items:
                        type: object
                        properties:
                          http01:
                            type: object
                            x-kubernetes-preserve-unknown-fields: true
                selfSigned: { type: object }
"#;

/// An Application in the shape Argo CD's has (`spec.project` and `spec.destination`
/// required, `destination` with `server`/`namespace`), written for these tests.
const APP_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: applications.apps.example.org
spec:
  group: apps.example.org
  names: { kind: Application, plural: applications }
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            spec:
              type: object
              required: [project, destination]
              properties:
                project: { type: string }
                sourceType: { type: string, enum: [Helm, Kustomize, Directory] }
                destination:
                  type: object
                  properties:
                    server: { type: string }
                    namespace: { type: string }
                syncPolicy:
                  type: object
                  properties:
                    automated:
                      type: object
                      properties:
                        prune: { type: boolean }
"#;

fn project(dir: &Path, main: &str, extra_toml: &str, files: &[(&str, &str)]) {
    std::fs::write(
        dir.join("cedc.toml"),
        format!("[project]\nname = \"t\"\n\n[schemas]\ncrds = [\"crds/*.yaml\"]\n{extra_toml}"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("crds")).unwrap();
    std::fs::write(dir.join("crds/issuer.yaml"), ISSUER_CRD).unwrap();
    std::fs::write(dir.join("crds/app.yaml"), APP_CRD).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    std::fs::write(dir.join("main.ced"), main).unwrap();
}

fn cedc(args: &[&str], dir: &Path) -> Output {
    Command::new(CEDC).args(args).arg(dir).env("NO_COLOR", "1").env("COLUMNS", "100").output().unwrap()
}

/// `cedc check` on a project; its stderr with the temporary path removed.
fn check(main: &str) -> (bool, String) {
    check_with(main, "", &[])
}

fn check_with(main: &str, extra_toml: &str, files: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), main, extra_toml, files);
    let out = cedc(&["--color", "never", "check"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr).replace(&dir.path().display().to_string(), "<project>");
    (out.status.success(), err)
}

const ENVS: &str = "env prod { production: true }\nenv staging { production: false }\n";

#[test]
fn valid_custom_and_builtin_objects_compile_and_cluster_scoped_crds_get_no_namespace() {
    let main = format!(
        "{ENVS}
component certs {{
  namespace: \"certs\"
  objects: [{{
    apiVersion: \"certs.example.org/v1\"
    kind: \"ClusterIssuer\"
    metadata: {{ name: \"letsencrypt\" }}
    spec: {{ acme: {{ server: \"https://acme.example.org/directory\", email: \"ops@example.org\", solvers: [{{ http01: {{ gatewayHTTPRoute: {{}} }} }}] }} }}
  }}, {{
    apiVersion: \"apps.example.org/v1alpha1\"
    kind: \"Application\"
    metadata: {{ name: \"web\" }}
    spec: {{ project: \"default\", destination: {{ server: \"https://kubernetes.default.svc\", namespace: \"web\" }} }}
  }}]
}}
"
    );
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &main, "", &[]);
    let out = cedc(&["render", "--env", "prod"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docs: Vec<&str> = stdout.split("\n---\n").collect();
    let issuer = docs.iter().find(|d| d.contains("kind: ClusterIssuer")).unwrap();
    assert!(!issuer.contains("namespace:"), "a cluster-scoped CRD kind got a namespace:\n{issuer}");
    let app = docs.iter().find(|d| d.contains("kind: Application")).unwrap();
    assert!(app.contains("namespace: certs"), "{app}");
}

#[test]
fn argo_cd_project_under_destination_and_missing() {
    // The reference platform's defect: `project` written inside `destination`.
    let (ok, err) = check(&format!(
        "{ENVS}
component apps {{
  namespace: \"argocd\"
  objects: [{{
    apiVersion: \"apps.example.org/v1alpha1\"
    kind: \"Application\"
    metadata: {{ name: \"mayastor\" }}
    spec: {{
      destination: {{ server: \"https://kubernetes.default.svc\", namespace: \"mayastor\", project: \"default\" }}
    }}
  }}]
}}
"
    ));
    assert!(!ok);
    insta::assert_snapshot!(err);
}

#[test]
fn replicas_inside_the_pod_template() {
    let (ok, err) = check(&format!(
        "{ENVS}
component web {{
  namespace: \"web\"
  objects: [{{
    apiVersion: \"apps/v1\"
    kind: \"Deployment\"
    metadata: {{ name: \"web\" }}
    spec: {{
      selector: {{ matchLabels: {{ app: \"web\" }} }}
      template: {{
        replicas: 2
        metadata: {{ labels: {{ app: \"web\" }} }}
        spec: {{ containers: [{{ name: \"web\", image: \"nginx:1.27\" }}] }}
      }}
    }}
  }}]
}}
"
    ));
    assert!(!ok);
    insta::assert_snapshot!(err);
}

#[test]
fn sync_wave_beside_annotations() {
    let (ok, err) = check(&format!(
        "{ENVS}
component web {{
  namespace: \"web\"
  objects: [{{
    apiVersion: \"v1\"
    kind: \"ConfigMap\"
    metadata: {{
      name: \"settings\"
      annotations: {{ owner: \"platform\" }}
      \"argocd.argoproj.io/sync-wave\": \"2\"
    }}
    data: {{ mode: \"fast\" }}
  }}]
}}
"
    ));
    assert!(!ok);
    insta::assert_snapshot!(err);
}

#[test]
fn cluster_scoped_custom_kind_with_a_namespace() {
    let (ok, err) = check(&format!(
        "{ENVS}
component certs {{
  namespace: \"certs\"
  objects: [{{
    apiVersion: \"certs.example.org/v1\"
    kind: \"ClusterIssuer\"
    metadata: {{ name: \"selfsigned\", namespace: \"cert-manager\" }}
    spec: {{ selfSigned: {{}} }}
  }}]
}}
"
    ));
    assert!(!ok);
    assert!(err.contains("E0071"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn wrong_types_in_an_overridden_value_show_both_places() {
    let (ok, err) = check(&format!(
        "{ENVS}
let port = 80
in staging {{ port = \"eighty\" }}

component web {{
  namespace: \"web\"
  objects: [{{
    apiVersion: \"v1\"
    kind: \"Service\"
    metadata: {{ name: \"web\" }}
    spec: {{ ports: [{{ port: port }}] }}
  }}]
}}
"
    ));
    assert!(!ok);
    // The language's own types catch this one first (an Int overridden by a String).
    assert!(err.contains("E0039"), "{err}");

    let (ok, err) = check(&format!(
        "{ENVS}
let http: Any = {{ port: 80, name: \"http\" }}
in staging {{ http.port = \"eighty\" }}

component web {{
  namespace: \"web\"
  objects: [{{
    apiVersion: \"v1\"
    kind: \"Service\"
    metadata: {{ name: \"web\" }}
    spec: {{ type: \"ExternalName\", externalName: \"web.example.org\", ports: [http] }}
  }}]
}}
"
    ));
    assert!(!ok);
    insta::assert_snapshot!(err);
}

#[test]
fn a_kind_as_a_type_catches_mistakes_before_evaluation() {
    let (ok, err) = check(&format!(
        "{ENVS}
let issuer: Kind<\"certs.example.org/v1\", \"ClusterIssuer\"> = {{
  metadata: {{ name: \"letsencrypt\" }}
  spec: {{ acme: {{ server: \"https://acme.example.org/directory\", emial: \"ops@example.org\" }} }}
}}

component certs {{
  namespace: \"certs\"
  objects: [issuer]
}}
"
    ));
    assert!(!ok);
    assert!(err.contains("E0022") && err.contains("`emial`"), "{err}");
    insta::assert_snapshot!(err);

    // The same, correct: apiVersion and kind are filled in from the type.
    let dir = tempfile::tempdir().unwrap();
    let main = format!(
        "{ENVS}
let issuer: Kind<\"certs.example.org/v1\", \"ClusterIssuer\"> = {{
  metadata: {{ name: \"letsencrypt\" }}
  spec: {{ acme: {{ server: \"https://acme.example.org/directory\", email: \"ops@example.org\" }} }}
}}
let deployment: Kind<\"apps/v1\", \"Deployment\"> = {{
  metadata: {{ name: \"web\" }}
  spec: {{
    selector: {{ matchLabels: {{ app: \"web\" }} }}
    template: {{
      metadata: {{ labels: {{ app: \"web\" }} }}
      spec: {{ containers: [{{ name: \"web\", image: \"nginx:1.27\", resources: {{ limits: {{ memory: \"128Mi\" }} }} }}] }}
    }}
  }}
}}

component certs {{
  namespace: \"certs\"
  objects: [issuer, deployment]
}}
"
    );
    project(dir.path(), &main, "", &[]);
    let out = cedc(&["render", "--env", "prod"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("apiVersion: certs.example.org/v1\nkind: ClusterIssuer"), "{stdout}");
    assert!(stdout.contains("apiVersion: apps/v1\nkind: Deployment"), "{stdout}");
}

#[test]
fn unknown_kinds_unless_unchecked() {
    let main = format!(
        "{ENVS}
component w {{
  namespace: \"w\"
  objects: [{{ apiVersion: \"widgets.example.org/v1\", kind: \"Widget\", metadata: {{ name: \"w\" }}, spec: {{ size: 3 }} }}]
}}
"
    );
    let (ok, err) = check(&main);
    assert!(!ok);
    insta::assert_snapshot!(err);
    let (ok, err) = check_with(&main, "unchecked = [\"widgets.example.org/v1/Widget\"]\n", &[]);
    assert!(ok, "{err}");

    // A built-in kind at a version Kubernetes does not serve.
    let (ok, err) = check(&format!(
        "{ENVS}
component w {{
  namespace: \"w\"
  objects: [{{ apiVersion: \"extensions/v1beta1\", kind: \"Deployment\", metadata: {{ name: \"w\" }} }}]
}}
"
    ));
    assert!(!ok);
    assert!(err.contains("Deployment is served as `apps/v1`"), "{err}");
}

#[test]
fn a_bad_crd_is_reported_in_its_file_and_the_others_still_load() {
    let bad = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.org
spec:
  group: example.org
  names: { kind: Gadget, plural: gadgets }
  scope: Sideways
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object } }
";
    let (ok, err) = check_with(
        &format!(
            "{ENVS}
component certs {{
  namespace: \"certs\"
  objects: [{{ apiVersion: \"certs.example.org/v1\", kind: \"ClusterIssuer\", metadata: {{ name: \"x\" }}, spec: {{ selfSigned: {{}} }} }}]
}}
"
        ),
        "",
        &[("crds/gadget.yaml", bad)],
    );
    assert!(!ok);
    assert!(err.contains("E0110") && err.contains("crds/gadget.yaml"), "{err}");
    // The ClusterIssuer CRD of the other file loaded: no E0105 for it.
    assert!(!err.contains("E0105"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn a_crd_pattern_matching_nothing_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), ENVS, "", &[]);
    std::fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\n\n[schemas]\ncrds = [\"vendor/*.yaml\"]\n")
        .unwrap();
    let out = cedc(&["--color", "never", "check"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("E0080") && err.contains("no file matches"), "{err}");
}

#[test]
fn a_value_outside_an_enum() {
    let (ok, err) = check(&format!(
        "{ENVS}
component apps {{
  namespace: \"argocd\"
  objects: [{{
    apiVersion: \"apps.example.org/v1alpha1\"
    kind: \"Application\"
    metadata: {{ name: \"web\" }}
    spec: {{ project: \"default\", sourceType: \"Kustomise\", destination: {{ namespace: \"web\" }} }}
  }}]
}}
"
    ));
    assert!(!ok);
    assert!(err.contains("E0103"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn import_crd_records_files_and_copies_outside_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("cedc.toml"), "# my platform\n[project]\nname = \"t\" # keep me\n").unwrap();
    std::fs::write(root.join("main.ced"), ENVS).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let issuer = outside.path().join("issuer.yaml");
    std::fs::write(&issuer, ISSUER_CRD).unwrap();
    std::fs::create_dir_all(root.join("vendor")).unwrap();
    std::fs::write(root.join("vendor/app.yaml"), APP_CRD).unwrap();
    let out = Command::new(CEDC)
        .args(["import", "crd"])
        .arg(&issuer)
        .arg(root.join("vendor/app.yaml"))
        .arg("--dir")
        .arg(root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("imported crds/issuer.yaml: 1 CRD, 1 kind: certs.example.org/v1 ClusterIssuer"), "{err}");
    assert!(err.contains("imported vendor/app.yaml: 1 CRD, 1 kind: apps.example.org/v1alpha1 Application"), "{err}");
    assert_eq!(std::fs::read_to_string(root.join("crds/issuer.yaml")).unwrap(), ISSUER_CRD);
    let toml = std::fs::read_to_string(root.join("cedc.toml")).unwrap();
    assert!(toml.starts_with("# my platform\n[project]\nname = \"t\" # keep me\n"), "{toml}");
    assert!(toml.contains("crds = [\"crds/issuer.yaml\", \"vendor/app.yaml\"]"), "{toml}");
    // Importing again records nothing new.
    let again = Command::new(CEDC).args(["import", "crd"]).arg(&issuer).arg("--dir").arg(root).output().unwrap();
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(root.join("cedc.toml")).unwrap(), toml);
    // The project now knows the kinds.
    let check = Command::new(CEDC).arg("check").arg(root).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    // A file with no CRD is reported and not recorded.
    std::fs::write(root.join("empty.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").unwrap();
    let none = Command::new(CEDC)
        .args(["import", "crd"])
        .arg(root.join("empty.yaml"))
        .arg("--dir")
        .arg(root)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&none.stderr).contains("no CustomResourceDefinition could be read; not recorded"));
    assert_eq!(std::fs::read_to_string(root.join("cedc.toml")).unwrap(), toml);
}

#[test]
fn check_verbose_lists_cel_rules_as_not_checked() {
    let crd = ISSUER_CRD.replace(
        "                selfSigned: { type: object }\n",
        "                selfSigned: { type: object }\n              x-kubernetes-validations:\n                - rule: \"has(self.acme) != has(self.selfSigned)\"\n",
    );
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        &format!(
            "{ENVS}
component certs {{
  namespace: \"certs\"
  objects: [{{ apiVersion: \"certs.example.org/v1\", kind: \"ClusterIssuer\", metadata: {{ name: \"x\" }}, spec: {{ selfSigned: {{}} }} }}]
}}
"
        ),
        "",
        &[("crds/issuer.yaml", &crd)],
    );
    let out = cedc(&["check", "--verbose"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("not checked: 1 CEL rule of certs.example.org/v1 ClusterIssuer"), "{err}");
    assert!(err.contains("  spec: has(self.acme) != has(self.selfSigned)"), "{err}");
}

#[test]
fn names_follow_each_kinds_rule() {
    let (ok, err) = check(&format!(
        "{ENVS}
component web {{
  namespace: \"web\"
  objects: [
    {{ apiVersion: \"v1\", kind: \"Namespace\", metadata: {{ name: \"team.web\" }} }},
    {{ apiVersion: \"v1\", kind: \"Service\", metadata: {{ name: \"9web\" }}, spec: {{ type: \"ExternalName\", externalName: \"web.example.org\" }} }},
    {{ apiVersion: \"v1\", kind: \"ConfigMap\", metadata: {{ name: \"web.settings\" }} }},
  ]
}}
"
    ));
    assert!(!ok);
    // A dotted name is fine for a ConfigMap (a subdomain), not for a Namespace (a label);
    // a Service name must start with a letter.
    assert_eq!(err.matches("E0040").count(), 2, "{err}");
    assert!(err.contains("`team.web` is not a valid Namespace name: it contains `.`"), "{err}");
    assert!(err.contains("`9web` is not a valid Service name: it does not start with a letter"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn crd_globs_work_whatever_form_the_project_directory_is_given_in() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), ENVS, "", &[]);
    // `cedc check .` from inside the project, and `cedc check <dir>/../<name>`.
    let inside = Command::new(CEDC).args(["check", "."]).current_dir(dir.path()).output().unwrap();
    assert!(inside.status.success(), "{}", String::from_utf8_lossy(&inside.stderr));
    let name = dir.path().file_name().unwrap().to_string_lossy().into_owned();
    let roundabout = dir.path().join("..").join(&name);
    let out = Command::new(CEDC).arg("check").arg(&roundabout).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn import_crd_reads_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("cedc.toml"), "[project]\nname = \"t\"\n").unwrap();
    std::fs::write(root.join("main.ced"), "env prod {}\n").unwrap();
    let import = |input: &str| {
        let mut child = Command::new(CEDC)
            .args(["import", "crd", "-", "--dir"])
            .arg(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = import(ISSUER_CRD);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("crds/clusterissuer.certs.example.org.yaml: 1 CRD, 1 kind"), "{err}");
    assert_eq!(std::fs::read_to_string(root.join("crds/clusterissuer.certs.example.org.yaml")).unwrap(), ISSUER_CRD);
    let toml = std::fs::read_to_string(root.join("cedc.toml")).unwrap();
    assert!(toml.contains("crds = [\"crds/clusterissuer.certs.example.org.yaml\"]"), "{toml}");
    // Nothing a CRD: refused, nothing recorded.
    let out = import("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0110"));
    assert_eq!(std::fs::read_to_string(root.join("cedc.toml")).unwrap(), toml);
}
