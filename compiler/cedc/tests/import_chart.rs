//! `cedc import chart`: the module it writes (snapshots), that the module compiles and
//! types a component's values (good values pass; a misspelled key, a key at the wrong
//! level, a string for an Int fail at their line), the chart archive (same module as the
//! directory; hostile entries ignored), every coded error, and with a real helm
//! (`CEDC_HELM`) the `installs` of a chart with a Service and a CRD.
//! A key that is not an identifier (`webapp.ini`) is a quoted record-type field name
//! (`"webapp.ini"?: ...`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/charts").join(name)
}

/// Run `cedc ARGS` with no helm to be found (none on PATH, no CEDC_HELM).
fn run(args: &[&str], dir: &Path) -> Output {
    run_env(args, dir, &[("CEDC_HELM", ""), ("PATH", "")])
}

fn run_env(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(CEDC);
    cmd.args(args).current_dir(dir).env_remove("NO_COLOR").env_remove("RUST_BACKTRACE").env("CEDC_HELM", "");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cedc")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The module `cedc import chart` writes for `chart` (must succeed).
fn import(chart: &Path, extra: &[&str]) -> String {
    let tmp = TempDir::new().unwrap();
    let mut args = vec!["import", "chart", chart.to_str().unwrap()];
    args.extend(extra);
    let o = run(&args, tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

/// Write a chart directory of `files` under `dir`.
fn chart_dir(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    for (p, text) in files {
        let path = dir.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir.to_path_buf()
}

/// A project with `module` as `charts/<name>.ced` and `main` as its entry; `cedc check`.
fn check(name: &str, module: &str, main: &str) -> Output {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\nentry = [\"main.ced\"]\nout = \"out\"\n")
        .unwrap();
    fs::create_dir_all(dir.path().join("charts")).unwrap();
    fs::write(dir.path().join(format!("charts/{name}.ced")), module).unwrap();
    fs::write(dir.path().join("main.ced"), main).unwrap();
    run(&["check", "."], dir.path())
}

fn assert_code(o: &Output, code: &str, exit: i32) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(exit), "{err}");
    assert!(err.contains(code), "expected {code}:\n{err}");
    assert!(!err.contains("internal error") && !err.contains("panicked"), "{err}");
    err
}

// ------------------------------------------------------------------ the module text

#[test]
fn module_from_values_yaml() {
    let module = import(&fixture("webapp"), &["--repository", "https://charts.example.org"]);
    insta::assert_snapshot!("webapp_without_helm", module);
}

#[test]
fn module_from_values_schema_json() {
    let module = import(&fixture("typed"), &["--repository", "oci://registry.example.org/charts"]);
    insta::assert_snapshot!("typed_without_helm", module);
}

#[test]
fn output_is_deterministic_and_the_same_in_a_file() {
    let a = import(&fixture("webapp"), &[]);
    let b = import(&fixture("webapp"), &[]);
    assert_eq!(a, b);
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("webapp.ced");
    let o = run(&["import", "chart", fixture("webapp").to_str().unwrap(), "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert_eq!(fs::read_to_string(&out).unwrap(), a);
    assert!(!a.contains(env!("CARGO_MANIFEST_DIR")), "no absolute path in the module");
}

#[test]
fn without_repository_a_placeholder_and_a_warning() {
    let tmp = TempDir::new().unwrap();
    let o = run(&["import", "chart", fixture("typed").to_str().unwrap()], tmp.path());
    let err = assert_code(&o, "E0436", 0);
    assert!(err.contains("no helm found"), "{err}");
    assert!(stdout(&o).contains("repository: \"FILL IN"), "{}", stdout(&o));
}

#[test]
fn the_module_is_in_cedc_fmt_style() {
    for chart in ["typed", "webapp"] {
        let module = import(&fixture(chart), &[]);
        let tmp = TempDir::new().unwrap();
        fs::write(tmp.path().join("m.ced"), &module).unwrap();
        let o = run(&["fmt", "--check", "m.ced"], tmp.path());
        assert_eq!(o.status.code(), Some(0), "{chart}: {}{}", stdout(&o), stderr(&o));
    }
}

// ------------------------------------------------------------- the module compiles

const SCHEMA_MAIN: &str = r#"import "./charts/typed.ced"

env prod {}

component workers {
  namespace: "workers"
  objects: []
  chart: typed.install(
    version: "0.3.0",
    values: {
      workers: 3,
      mode: "safe",
      endpoint: { host: "collector", port: 4317 },
      labels: { team: "platform" },
      extra: { debug: true, anything: [1, 2] },
    },
  )
}
"#;

#[test]
fn schema_module_types_the_values() {
    let module = import(&fixture("typed"), &["--repository", "https://charts.example.org"]);
    let o = check("typed", &module, SCHEMA_MAIN);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // A misspelled key, at its line (line 11 of main.ced).
    let o = check("typed", &module, &SCHEMA_MAIN.replace("workers: 3", "wrokers: 3"));
    let err = assert_code(&o, "E0022", 1);
    assert!(err.contains("main.ced:11:"), "{err}");
    assert!(err.contains("did you mean `workers`"), "{err}");
    // A key at the wrong level: `host` belongs in `endpoint`.
    let o = check("typed", &module, &SCHEMA_MAIN.replace("mode: \"safe\",", "host: \"x\","));
    let err = assert_code(&o, "E0022", 1);
    assert!(err.contains("main.ced:12:"), "{err}");
    // A string where an Int is wanted.
    let o = check("typed", &module, &SCHEMA_MAIN.replace("workers: 3", "workers: \"3\""));
    let err = assert_code(&o, "E0039", 1);
    assert!(err.contains("main.ced:11:"), "{err}");
    // A value outside the schema's enum.
    let o = check("typed", &module, &SCHEMA_MAIN.replace("\"safe\"", "\"slow\""));
    assert_code(&o, "E0062", 1);
    // `endpoint` is required by the schema and has no default in values.yaml.
    let o = check("typed", &module, &SCHEMA_MAIN.replace("endpoint: { host: \"collector\", port: 4317 },", ""));
    assert_code(&o, "E0031", 1);
    // additionalProperties: false at the top: closed.
    let o = check("typed", &module, &SCHEMA_MAIN.replace("mode: \"safe\",", "mode: \"safe\", color: \"blue\","));
    assert_code(&o, "E0022", 1);
}

/// A chart like `webapp` without its dotted key, so that it compiles before quoted
/// field names land.
fn plain_chart(dir: &Path) -> PathBuf {
    let values = fs::read_to_string(fixture("webapp/values.yaml")).unwrap();
    let start = values.find("# Settings written").unwrap();
    let end = values.find("# Extra labels").unwrap();
    let values = format!("{}{}", &values[..start], &values[end..]);
    chart_dir(
        dir,
        &[("Chart.yaml", &fs::read_to_string(fixture("webapp/Chart.yaml")).unwrap()), ("values.yaml", &values)],
    )
}

const VALUES_MAIN: &str = r#"import "./charts/webapp.ced"

env prod {}

component web {
  namespace: "web", provides: ["example.org/webapp-gateway"] // the controller of the chart's GatewayClass
  objects: []
  chart: webapp.install(
    version: "1.4.2",
    values: {
      replicas: 2,
      image: { tag: "2.0.2" },
      service: { type: "NodePort" },
      podLabels: { "example.org/team": "web" },
      args: ["--quiet", 3],
      env: [{ name: "MODE", value: "loud" }],
      ratio: "0.75",
      tags: ["c"],
    },
  )
}
"#;

#[test]
fn values_yaml_module_types_the_values() {
    let tmp = TempDir::new().unwrap();
    let module = import(&plain_chart(tmp.path()), &["--repository", "https://charts.example.org"]);
    let o = check("webapp", &module, VALUES_MAIN);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // No values (the default `{}`) is valid: the chart keeps its defaults.
    let bare = "import \"./charts/webapp.ced\"\n\nenv prod {}\n\ncomponent web {\n  namespace: \"web\"\n  objects: []\n  chart: webapp.install(version: \"1.4.2\")\n}\n";
    let o = check("webapp", &module, bare);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = check("webapp", &module, &VALUES_MAIN.replace("replicas: 2", "replcas: 2"));
    let err = assert_code(&o, "E0022", 1);
    assert!(err.contains("main.ced:11:"), "{err}");
    // `tag` is a field of `image`, not of the top level.
    let o = check("webapp", &module, &VALUES_MAIN.replace("image: { tag: \"2.0.2\" }", "tag: \"2.0.2\""));
    let err = assert_code(&o, "E0022", 1);
    assert!(err.contains("main.ced:12:"), "{err}");
    let o = check("webapp", &module, &VALUES_MAIN.replace("replicas: 2", "replicas: \"2\""));
    let err = assert_code(&o, "E0039", 1);
    assert!(err.contains("main.ced:11:"), "{err}");
    // A nested misspelling.
    let o = check("webapp", &module, &VALUES_MAIN.replace("{ tag:", "{ tga:"));
    let err = assert_code(&o, "E0022", 1);
    assert!(err.contains("main.ced:12:"), "{err}");
    // A keyword as a field name, misspelled.
    let o = check("webapp", &module, &VALUES_MAIN.replace("{ type:", "{ typ:"));
    let err = assert_code(&o, "E0022", 1);
    assert!(err.contains("main.ced:13:"), "{err}");
}

#[test]
fn dotted_keys_are_quoted_field_names() {
    let module = import(&fixture("webapp"), &["--repository", "https://charts.example.org"]);
    let main = VALUES_MAIN
        .replace("tags: [\"c\"],", "tags: [\"c\"],\n      \"webapp.ini\": { server: { root_url: \"https://x\" } },");
    let o = check("webapp", &module, &main);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = check("webapp", &module, &main.replace("root_url", "root"));
    assert_code(&o, "E0022", 1);
}

// ------------------------------------------------------------------------ archives

/// A .tgz of `entries` (path, contents), written with raw header names so that hostile
/// paths (`..`, absolute) can be made.
fn tgz(path: &Path, entries: &[(&str, &[u8])], links: &[(&str, &str)]) {
    let file = fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    for (name, target) in links {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(0);
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_link_name(target).unwrap();
        h.set_cksum();
        b.append(&h, std::io::empty()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
}

fn webapp_entries() -> Vec<(String, Vec<u8>)> {
    [
        "Chart.yaml",
        "values.yaml",
        "templates/service.yaml",
        "templates/serviceaccount.yaml",
        "templates/headless.yaml",
        "crds/widget.yaml",
    ]
    .iter()
    .map(|f| (format!("webapp/{f}"), fs::read(fixture("webapp").join(f)).unwrap()))
    .collect()
}

#[test]
fn a_tgz_gives_the_module_of_its_directory() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("webapp-1.4.2.tgz");
    let entries = webapp_entries();
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(p, d)| (p.as_str(), d.as_slice())).collect();
    tgz(&archive, &refs, &[]);
    assert_eq!(import(&archive, &[]), import(&fixture("webapp"), &[]));
}

#[test]
fn hostile_archive_entries_are_ignored() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("evil.tgz");
    let chart = b"apiVersion: v2\nname: evil\nversion: 1.0.0\n".as_slice();
    let values = b"# Kept.\nkept: 1\n".as_slice();
    let other = b"stolen: 1\n".as_slice();
    tgz(
        &archive,
        &[
            ("evil/Chart.yaml", chart),
            ("evil/values.yaml", values),
            ("../values.yaml", other),
            ("/etc/values.yaml", other),
            ("evil/../../values.schema.json", b"{}"),
            ("other/values.yaml", other),
        ],
        &[("evil/values.schema.json", "/etc/passwd")],
    );
    let module = import(&archive, &[]);
    assert!(module.contains("kept?: Int") && !module.contains("stolen"), "{module}");
    assert!(!tmp.path().parent().unwrap().join("values.yaml").exists());
}

#[test]
fn a_corrupt_or_empty_archive_is_e0433() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("junk.tgz"), b"not gzip at all").unwrap();
    let o = run(&["import", "chart", "junk.tgz"], tmp.path());
    assert_code(&o, "E0433", 1);
    tgz(&tmp.path().join("empty.tgz"), &[("x/README.md", b"hi")], &[]);
    let o = run(&["import", "chart", "empty.tgz"], tmp.path());
    let err = assert_code(&o, "E0433", 1);
    assert!(err.contains("Chart.yaml"), "{err}");
}

// -------------------------------------------------------------------- coded errors

const CHART: &str = "apiVersion: v2\nname: demo\nversion: 1.0.0\n";

fn import_err(files: &[(&str, &str)], extra: &[&str]) -> Output {
    let tmp = TempDir::new().unwrap();
    let dir = chart_dir(&tmp.path().join("demo"), files);
    let mut args = vec!["import", "chart", dir.to_str().unwrap()];
    args.extend(extra);
    run(&args, tmp.path())
}

#[test]
fn a_missing_chart_is_e0425() {
    let tmp = TempDir::new().unwrap();
    assert_code(&run(&["import", "chart", "nowhere"], tmp.path()), "E0425", 1);
    let err = assert_code(&import_err(&[("values.yaml", "a: 1\n")], &[]), "E0425", 1);
    assert!(err.contains("no Chart.yaml"), "{err}");
}

#[test]
fn a_bad_chart_yaml_is_e0426() {
    let o = import_err(&[("Chart.yaml", "apiVersion: v2\nname: Demo_Chart\nversion: 1.0.0\n")], &[]);
    let err = assert_code(&o, "E0426", 1);
    assert!(err.contains("Chart.yaml:2:"), "{err}");
}

#[test]
fn a_version_range_is_e0427() {
    for v in ["^1.0.0", "1.0", "\"1.2\"", "vv1.0.0"] {
        let o = import_err(&[("Chart.yaml", &format!("apiVersion: v2\nname: demo\nversion: {v}\n"))], &[]);
        let err = assert_code(&o, "E0427", 1);
        assert!(err.contains("Chart.yaml:3:"), "{v}: {err}");
    }
}

#[test]
fn a_version_with_a_leading_v_imports_and_installs_as_the_checks_accept_it() {
    let tmp = TempDir::new().unwrap();
    let dir = chart_dir(
        tmp.path(),
        &[("Chart.yaml", "apiVersion: v2\nname: demo\nversion: v1.16.2\n"), ("values.yaml", "replicas: 1\n")],
    );
    let module = import(&dir, &["--repository", "https://charts.example.org"]);
    assert!(module.contains("version: \"v1.16.2\""), "{module}");
    let main = "import \"./charts/demo.ced\"\n\nenv prod {}\n\ncomponent web {\n  namespace: \"demo\"\n  objects: []\n  chart: demo.install(version: \"v1.16.2\")\n}\n";
    let o = check("demo", &module, main);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_duplicate_key_in_values_is_e0428_at_its_line() {
    let o = import_err(&[("Chart.yaml", CHART), ("values.yaml", "image:\n  tag: a\n  pull: b\n  tag: c\n")], &[]);
    let err = assert_code(&o, "E0428", 1);
    assert!(err.contains("the key `tag` twice"), "{err}");
    assert!(err.contains("values.yaml:4:"), "{err}");
    let o = import_err(&[("Chart.yaml", CHART), ("values.yaml", "- a\n- b\n")], &[]);
    assert_code(&o, "E0428", 1);
}

#[test]
fn a_bad_schema_is_e0429() {
    let o = import_err(&[("Chart.yaml", CHART), ("values.schema.json", "{ \"type\": ")], &[]);
    assert_code(&o, "E0429", 1);
    let o = import_err(&[("Chart.yaml", CHART), ("values.schema.json", "{ \"type\": \"string\" }")], &[]);
    assert_code(&o, "E0429", 1);
}

#[test]
fn a_huge_file_is_e0430() {
    let big = format!("a: \"{}\"\n", "x".repeat(5 << 20));
    assert_code(&import_err(&[("Chart.yaml", CHART), ("values.yaml", &big)], &[]), "E0430", 1);
}

#[test]
fn deep_values_are_e0431_and_recursive_refs_any() {
    let mut deep = String::new();
    for i in 0..40 {
        deep.push_str(&format!("{}k{i}:\n", "  ".repeat(i)));
    }
    deep.push_str(&format!("{}leaf: 1\n", "  ".repeat(40)));
    assert_code(&import_err(&[("Chart.yaml", CHART), ("values.yaml", &deep)], &[]), "E0431", 1);
    let schema = r##"{ "type": "object", "properties": { "tree": { "$ref": "#/$defs/node" } },
      "$defs": { "node": { "type": "object", "properties": { "child": { "$ref": "#/$defs/node" } } } } }"##;
    let o = import_err(&[("Chart.yaml", CHART), ("values.schema.json", schema)], &[]);
    assert_code(&o, "E0431", 1);
    let looped = r##"{ "type": "object", "properties": { "a": { "$ref": "#/$defs/a" } }, "$defs": { "a": { "$ref": "#/$defs/a" } } }"##;
    let module = import(
        &chart_dir(&TempDir::new().unwrap().keep(), &[("Chart.yaml", CHART), ("values.schema.json", looped)]),
        &[],
    );
    assert!(module.contains("a?: Any"), "{module}");
}

#[test]
fn too_many_fields_is_e0432() {
    let mut wide = String::new();
    for i in 0..20_001 {
        wide.push_str(&format!("k{i}: 1\n"));
    }
    assert_code(&import_err(&[("Chart.yaml", CHART), ("values.yaml", &wide)], &[]), "E0432", 1);
}

#[test]
fn a_failing_helm_is_e0434() {
    let tmp = TempDir::new().unwrap();
    let o = run(&["import", "chart", fixture("typed").to_str().unwrap(), "--helm", "/nonexistent/helm"], tmp.path());
    assert_code(&o, "E0434", 1);
    let fake = tmp.path().join("helm");
    fs::write(&fake, "#!/bin/sh\necho 'Error: chart has unbuilt dependencies' >&2\nexit 1\n").unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(&mut fs::metadata(&fake).unwrap().permissions(), 0o755);
    fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let o = run(&["import", "chart", fixture("typed").to_str().unwrap(), "--helm", fake.to_str().unwrap()], tmp.path());
    let err = assert_code(&o, "E0434", 1);
    assert!(err.contains("unbuilt dependencies"), "{err}");
}

#[test]
fn a_bad_repository_is_e0435() {
    let o = import_err(&[("Chart.yaml", CHART)], &["--repository", "charts.example.org"]);
    assert_code(&o, "E0435", 1);
}

#[test]
fn an_unwritable_out_is_e0437_exit_2() {
    let o = import_err(&[("Chart.yaml", CHART)], &["--out", "/nonexistent/dir/demo.ced"]);
    assert_code(&o, "E0437", 2);
}

// -------------------------------------------------------------------- with real helm

#[test]
fn installs_from_real_helm() {
    let Some(helm) = std::env::var_os("CEDC_HELM").filter(|h| !h.is_empty()) else {
        let required = std::env::var("CI").is_ok_and(|v| v == "true")
            || std::env::var("CEDC_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        assert!(!required, "CEDC_HELM is not set, and CI requires helm (scripts/install-tools installs it)");
        eprintln!(
            "SKIPPED: installs_from_real_helm: CEDC_HELM is not set (scripts/test sets it after scripts/install-tools)"
        );
        return;
    };
    let helm = helm.to_string_lossy().into_owned();
    let tmp = TempDir::new().unwrap();
    let o = run_env(
        &[
            "import",
            "chart",
            fixture("webapp").to_str().unwrap(),
            "--repository",
            "https://charts.example.org",
            "--helm",
            &helm,
        ],
        tmp.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("(from --helm)"), "{}", stderr(&o));
    let module = stdout(&o);
    let installs = &module[module.find("fn installs").unwrap()..module.find("/// Install the chart").unwrap()];
    insta::assert_snapshot!("webapp_installs_from_helm", installs);
    assert!(installs.contains(r#"{ apiVersion: "example.org/v1", kind: "Widget" }"#), "{installs}");
    assert!(installs.contains(r#"metadata: { name: "{release}" }"#), "{installs}");
    assert!(installs.contains(r#"metadata: { name: "{release}-runner" }"#), "{installs}");
    assert!(installs.contains(r#"metadata: { name: "{release}-headless" }"#), "{installs}");
    assert!(installs.contains(r#"controllerName: "example.org/webapp-gateway""#), "{installs}");
    assert!(!installs.contains("ConfigMap"), "{installs}");

    // The archive `helm package` makes gives the same module.
    let packaged = Command::new(&helm)
        .args(["package", fixture("webapp").to_str().unwrap(), "--destination"])
        .arg(tmp.path())
        .output()
        .expect("run helm package");
    assert!(packaged.status.success(), "{}", String::from_utf8_lossy(&packaged.stderr));
    let archive = tmp.path().join("webapp-1.4.2.tgz");
    let o = run_env(
        &["import", "chart", archive.to_str().unwrap(), "--repository", "https://charts.example.org", "--helm", &helm],
        tmp.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), module, "the packaged chart gives the module of its directory");

    // The objects are valid `.ced` that compiles (apart from the quoted value keys,
    // which are not in `installs`): the plain chart with the same templates.
    let plain = plain_chart(&tmp.path().join("plain"));
    for t in ["templates/service.yaml", "templates/serviceaccount.yaml", "templates/headless.yaml", "crds/widget.yaml"]
    {
        fs::create_dir_all(plain.join(t).parent().unwrap()).unwrap();
        fs::copy(fixture("webapp").join(t), plain.join(t)).unwrap();
    }
    let o = run_env(
        &["import", "chart", plain.to_str().unwrap(), "--repository", "https://charts.example.org", "--helm", &helm],
        tmp.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = check("webapp", &stdout(&o), VALUES_MAIN);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn hostile_values_and_schemas_are_coded_errors() {
    // Aliases that expand exponentially (a "billion laughs").
    let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        laughs.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{p}"); 9].join(", ")));
    }
    assert_code(&import_err(&[("Chart.yaml", CHART), ("values.yaml", &laughs)], &[]), "E0428", 1);
    // Flow collections nested far deeper than any stack.
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert_code(&import_err(&[("Chart.yaml", CHART), ("values.yaml", &deep)], &[]), "E0428", 1);
    let deep_schema = format!(
        "{{\"type\":\"object\",\"properties\":{{\"a\":{}{{}}{}}}}}",
        "{\"type\":\"array\",\"items\":".repeat(5000),
        "}".repeat(5000)
    );
    assert_code(&import_err(&[("Chart.yaml", CHART), ("values.schema.json", &deep_schema)], &[]), "E0429", 1);
    // Not UTF-8.
    let tmp = TempDir::new().unwrap();
    let dir = chart_dir(&tmp.path().join("demo"), &[("Chart.yaml", CHART)]);
    fs::write(dir.join("values.yaml"), b"a: \xff\n").unwrap();
    assert_code(&run(&["import", "chart", dir.to_str().unwrap()], tmp.path()), "E0425", 1);
}
