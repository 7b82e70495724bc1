//! What several end-to-end test files share.

#![allow(dead_code)]

use cedc_syntax::field;
use std::fmt::Write as _;

/// A YAML value (as JSON) as a `.ced` literal: maps as record literals (keys that are
/// not field names quoted), lists, strings, integers and booleans; nulls and floats
/// (which `.ced` has no literal for) are dropped, and the key paths written are counted
/// in `paths`. `false` when nothing was written for `v`.
pub fn ced_literal(v: &serde_json::Value, indent: usize, paths: &mut usize, out: &mut String) -> bool {
    use serde_json::Value;
    match v {
        Value::Null => false,
        Value::Bool(b) => {
            out.push_str(if *b { "true" } else { "false" });
            true
        }
        Value::Number(n) => match n.as_i64() {
            Some(i) => {
                let _ = write!(out, "{i}");
                true
            }
            None => false,
        },
        Value::String(s) => {
            out.push_str(&field::quote(s));
            true
        }
        Value::Array(items) => {
            let written: Vec<String> = items
                .iter()
                .filter_map(|item| {
                    let mut one = String::new();
                    ced_literal(item, indent + 1, paths, &mut one).then_some(one)
                })
                .collect();
            let _ = write!(out, "[{}]", written.join(", "));
            true
        }
        Value::Object(fields) => {
            out.push_str("{\n");
            for (k, item) in fields {
                let mut one = String::new();
                if ced_literal(item, indent + 1, paths, &mut one) {
                    *paths += 1;
                    let _ = writeln!(out, "{}{}: {one}", "  ".repeat(indent + 1), field::written(k));
                }
            }
            out.push_str(&"  ".repeat(indent));
            out.push('}');
            true
        }
    }
}

/// The hand-written test CRDs shared with the schema crate's tests: the files of
/// `compiler/schema/tests/fixtures/crds/`, each described in its first lines.
pub mod crds {
    /// `example.org/v1` Widget: namespaced, `spec.size` a required integer of at least 1.
    pub const WIDGET: &str = include_str!("../../../schema/tests/fixtures/crds/widget.yaml");
}

/// The `cedc.toml` of a one-file test project.
pub const CONFIG: &str = "[project]\nname = \"charts\"\nentry = [\"main.ced\"]\nout = \"out\"\n";

/// Write a one-file project (`config` as cedc.toml, `main` as main.ced) into `dir`.
pub fn write_project(dir: &std::path::Path, config: &str, main: &str) {
    std::fs::write(dir.join("cedc.toml"), config).expect("write cedc.toml");
    std::fs::write(dir.join("main.ced"), main).expect("write main.ced");
}

/// Run `cedc check` with JSON diagnostics on a one-file project.
pub fn check_json(config: &str, main: &str) -> std::process::Output {
    let dir = tempfile::TempDir::new().expect("create temp dir");
    write_project(dir.path(), config, main);
    std::process::Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(["--message-format", "json", "check"])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("run cedc")
}

/// The diagnostics of a run: (code, line) of each JSON line of stderr.
pub fn diags(o: &std::process::Output) -> Vec<(String, u64)> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            let d: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            (d["code"].as_str().unwrap_or("").to_string(), d["primary"]["line"].as_u64().unwrap_or(0))
        })
        .collect()
}

/// The check of `main` failed with exactly one diagnostic, `code`, on the (1-based)
/// line of `main` holding `marker`.
#[track_caller]
pub fn assert_refused(main: &str, marker: &str, code: &str) {
    let line = main.lines().position(|l| l.contains(marker)).expect("marker in the source") as u64 + 1;
    let o = check_json(CONFIG, main);
    assert_eq!(o.status.code(), Some(1), "expected a user error; stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(diags(&o), vec![(code.to_string(), line)], "for `{marker}`");
}

/// The run ended by itself with exit code 0 (no panic).
#[track_caller]
pub fn assert_clean(o: &std::process::Output, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{what}: cedc panicked:\n{err}");
    assert_eq!(o.status.code(), Some(0), "{what}: expected a clean check; stderr:\n{err}");
}

/// The sync wave of the generated Application `name` of environment `prod` in the built
/// tree `out`.
pub fn sync_wave(out: &std::path::Path, name: &str) -> i64 {
    let path = out.join(format!("apps/prod/application-{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let line = text.lines().find(|l| l.contains("argocd.argoproj.io/sync-wave:")).expect("a sync-wave annotation");
    let value = line.rsplit(':').next().unwrap_or("").trim().trim_matches('"');
    value.parse().unwrap_or_else(|e| panic!("{name}: wave {value:?}: {e}"))
}

/// With `CEDC_CHART_SOURCES=<dir>` holding `<chart>/values.yaml` as published, every key
/// path of each chart's own defaults is accepted by its module: `project(module, values)`
/// is the project installing the chart with the `.ced` values, and `clean` asserts its
/// check is clean. Skipped loudly without the sources (they cannot be fetched in CI).
pub fn published_defaults_are_accepted(
    charts: &[&str],
    project: impl Fn(&str, &str) -> String,
    clean: impl Fn(&std::process::Output, &str),
) {
    let Some(dir) = std::env::var_os("CEDC_CHART_SOURCES") else {
        eprintln!(
            "SKIPPED: the comparison with the published charts needs their values.yaml; set CEDC_CHART_SOURCES=<dir> holding <chart>/values.yaml"
        );
        return;
    };
    let dir = std::path::Path::new(&dir);
    let mut compared = 0;
    for module in charts {
        let path = dir.join(module).join("values.yaml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("SKIPPED {module}: no {}", path.display());
            continue;
        };
        let defaults: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
        let (mut paths, mut literal) = (0, String::new());
        ced_literal(&defaults, 2, &mut paths, &mut literal);
        let o = check_json(CONFIG, &project(module, &literal));
        clean(&o, &format!("{module}: the chart's own defaults"));
        eprintln!("compared {module}: {paths} key paths of {} accepted", path.display());
        compared += 1;
    }
    assert!(compared > 0, "CEDC_CHART_SOURCES is set but holds none of the charts {charts:?}");
}

/// A project with one component installing `module`'s chart (at the module's own version)
/// with `values`, a .ced expression.
pub fn chart_project(module: &str, release: &str, values: &str) -> String {
    format!(
        "import \"std/charts/{module}\"\n\nenv prod {{}}\n\ncomponent platform {{\n  namespace: \"platform\"\n  objects: []\n  chart: {module}.install(\n    version: {module}.chart.version,\n    release: \"{release}\",\n    values: {values},\n  )\n}}\n"
    )
}

/// Copy the directory `from` (recursively) to `to`.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
