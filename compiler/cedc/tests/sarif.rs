//! `--message-format sarif`: the log cedc prints is valid SARIF 2.1.0 — checked with a
//! JSON Schema validator against the SARIF schema (the copy the `serde-sarif` crate
//! ships, found through `cargo metadata`), and read back with serde-sarif's types — and
//! its results are where the diagnostics are, relative to the repository's root.

use std::path::{Path, PathBuf};
use std::process::Command;

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

/// The SARIF 2.1.0 schema shipped in the serde-sarif package cargo fetched for this
/// workspace. Its absence fails the test: the validation must not be skipped.
fn sarif_schema() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let manifest = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "serde-sarif"))
        .and_then(|p| p["manifest_path"].as_str())
        .map(PathBuf::from)
        .expect("serde-sarif is a dev-dependency: its package holds the SARIF schema");
    let path = manifest.parent().expect("package dir").join("src/schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the SARIF schema is JSON")
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[test]
fn the_log_is_valid_sarif_with_results_where_the_diagnostics_are() {
    let repo = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(repo.path().join(".git")).expect("mkdir .git");
    let platform = repo.path().join("platform");
    write(&platform, "cedc.toml", "[project]\nname = \"t\"\n");
    write(
        &platform,
        "main.ced",
        r#"import "./lib/apps.ced"

env prod {}

component a {
  namespace: "a"
  objects: [apps.front("one"), apps.front("two")]
}
"#,
    );
    write(
        &platform,
        "lib/apps.ced",
        r#"fn front(team: String) -> Object = {
  apiVersion: "v1"
  kind: "Service"
  metadata: { name: "{team}-front" }
  spec: { selector: { app: "frontend" }, ports: [{ port: 80 }] }
}
"#,
    );
    let o = Command::new(CEDC)
        .args(["--message-format", "sarif", "check", "platform"])
        .current_dir(repo.path())
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .expect("run cedc");
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let log: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is one JSON document");

    let mut schema = sarif_schema();
    // The published schema's `language` patterns (of a run and of a tool component) are
    // not valid regular expressions (an unbalanced `]`), which a validator checking
    // patterns refuses; they constrain a field cedc does not write. Each is replaced by
    // what it means to say.
    for at in ["/definitions/run/properties/language/pattern", "/definitions/toolComponent/properties/language/pattern"]
    {
        let language = schema.pointer_mut(at).expect("the pattern is there");
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "the schema changed at {at}: look again");
        *language = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0: {errors:#?}");
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(log.clone()).expect("serde-sarif reads it");
    assert_eq!(typed.runs.len(), 1);

    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cedc");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 1, "one rule per code reported");
    assert_eq!(rules[0]["id"], "E0141");
    assert!(rules[0]["fullDescription"]["text"].as_str().is_some_and(|t| t.contains("selector")));
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "two Services, two reports: {results:#?}");
    for (r, call) in results.iter().zip(["apps.front(\"one\")", "apps.front(\"two\")"]) {
        assert_eq!(r["ruleId"], "E0141");
        assert_eq!(r["ruleIndex"], 0);
        assert_eq!(r["level"], "error");
        let at = &r["locations"][0]["physicalLocation"];
        assert_eq!(at["artifactLocation"]["uri"], "platform/lib/apps.ced", "relative to the repository's root");
        assert_eq!(at["region"]["startLine"], 5);
        assert_eq!(at["region"]["startColumn"], 21);
        let used =
            r["relatedLocations"].as_array().expect("related").iter().find(|l| l["message"]["text"] == "used here");
        let used = used.expect("the call that made the Service");
        assert_eq!(used["physicalLocation"]["artifactLocation"]["uri"], "platform/main.ced");
        assert_eq!(used["physicalLocation"]["region"]["startLine"], 7);
        let col = used["physicalLocation"]["region"]["startColumn"].as_u64().expect("column") as usize;
        assert!(r#"  objects: [apps.front("one"), apps.front("two")]"#[col - 1..].starts_with(call));
    }
    assert!(!String::from_utf8_lossy(&o.stderr).contains("cedc: 2 errors"), "the log replaces the summary");
}
