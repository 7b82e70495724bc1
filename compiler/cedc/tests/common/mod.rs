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
