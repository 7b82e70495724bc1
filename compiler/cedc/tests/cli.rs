//! End-to-end tests of the `cedc` command line: every test writes a throw-away project
//! into a temporary directory and runs the real binary on it.
//!
//! The invariants checked throughout:
//! - bad input gives a coded diagnostic on stderr and exit code 1 (user error) or 2
//!   (usage / I/O error), never a panic, an "internal error" or a death by signal;
//! - a failed `build` leaves the output directory byte-for-byte as it was, and no run
//!   ever writes outside the output directory;
//! - output is deterministic whatever the current directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

// ------------------------------------------------------------------------- helpers

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

const CONFIG: &str = "[project]\nname = \"test\"\nentry = [\"main.ced\"]\nout = \"out\"\n";

/// A valid project: two environments, two components, five objects.
const GOOD: &str = r#"import "std/k8s"

env prod { replicas: 2, greeting: "hello" }
env dev { replicas: 1, greeting: "hi" }

component web {
  namespace: "web"
  objects: [
    k8s.config_map("web-settings", data: { GREETING: env.greeting }),
    k8s.deployment("web", image: "nginx:1.27", replicas: env.replicas, port: 8080),
    k8s.service("web", port: 80, target_port: 8080),
  ]
}

component worker {
  namespace: "jobs"
  objects: [
    k8s.deployment("worker", image: "busybox:1.36", args: ["sleep", "3600"]),
  ]
}
"#;

/// A project directory holding `files` (relative path → contents), plus a default
/// `cedc.toml` unless `files` has one.
fn project(files: &[(&str, &str)]) -> TempDir {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (*p, c.as_bytes())).collect();
    project_bytes(&files)
}

fn project_bytes(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().expect("create temp dir");
    if !files.iter().any(|(p, _)| *p == "cedc.toml") {
        fs::write(dir.path().join("cedc.toml"), CONFIG).unwrap();
    }
    for (path, contents) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    dir
}

/// Run `cedc ARGS` in `dir`, with no colour-related variables inherited.
fn run(args: &[&str], dir: &Path) -> Output {
    run_env(args, dir, &[])
}

fn run_env(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(CEDC);
    cmd.args(args).current_dir(dir).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env_remove("RUST_BACKTRACE");
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

/// The end of a (possibly huge) stderr, for assertion messages.
fn tail(o: &Output) -> String {
    let s = stderr(o);
    let start = s.len().saturating_sub(2000);
    let start = (start..s.len()).find(|i| s.is_char_boundary(*i)).unwrap_or(s.len());
    s[start..].to_string()
}

/// The process ended by itself, without a panic or a crash.
#[track_caller]
fn assert_no_crash(o: &Output) {
    assert!(o.status.code().is_some(), "cedc was killed by a signal ({:?}); stderr ends:\n{}", o.status, tail(o));
    let err = stderr(o);
    for bad in ["panicked", "internal error", "stopped unexpectedly", "overflowed its stack", "RUST_BACKTRACE"] {
        assert!(!err.contains(bad), "stderr contains {bad:?}:\n{}", tail(o));
    }
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_no_crash(o);
    assert_eq!(o.status.code(), Some(code), "exit code; stdout:\n{}\nstderr ends:\n{}", stdout(o), tail(o));
}

/// Exit code `exit` and a diagnostic with `code` on stderr.
#[track_caller]
fn assert_diag(o: &Output, exit: i32, code: &str) {
    assert_exit(o, exit);
    assert!(stderr(o).contains(code), "expected {code} on stderr:\n{}", tail(o));
}

/// Every stderr line as a JSON diagnostic (`--message-format json`).
#[track_caller]
fn json_diags(o: &Output) -> Vec<serde_json::Value> {
    stderr(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stderr line is not JSON ({e}): {l}")))
        .collect()
}

#[track_caller]
fn codes(o: &Output) -> Vec<String> {
    json_diags(o).iter().map(|d| d["code"].as_str().unwrap_or("").to_string()).collect()
}

/// Every file under `dir` (relative path → bytes), plus every directory (→ `None`).
/// Empty when `dir` does not exist.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The generated files under `dir`, as `/`-separated relative paths.
fn files(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_iter()
        .filter(|(_, c)| c.is_some())
        .map(|(p, _)| p.to_string_lossy().replace('\\', "/"))
        .collect()
}

/// Run `cedc build proj --out OUT` from a workspace directory holding only OUT, where
/// OUT already holds a sentinel file; check that the build fails with `code` and exit
/// `exit`, and that neither OUT, nor the workspace, nor the project changed.
#[track_caller]
fn assert_build_rejected(proj: &Path, exit: i32, code: &str) -> Output {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    fs::create_dir_all(out.join("nested")).unwrap();
    fs::write(out.join("sentinel.txt"), "do not touch\n").unwrap();
    fs::write(out.join("nested/keep.yaml"), "a: 1\n").unwrap();
    let (work_before, proj_before) = (snapshot(work.path()), snapshot(proj));
    let o = run(&["--color", "never", "build", proj.to_str().unwrap(), "--out", "out"], work.path());
    assert_diag(&o, exit, code);
    assert!(work_before == snapshot(work.path()), "a failed build changed the output directory");
    assert!(proj_before == snapshot(proj), "a failed build wrote into the project directory");
    o
}

/// `check` on the project: same outcome as `build`, with nothing written anywhere.
#[track_caller]
fn assert_check_rejected(proj: &Path, exit: i32, code: &str) -> Output {
    let before = snapshot(proj);
    let o = run(&["--color", "never", "check", "."], proj);
    assert_diag(&o, exit, code);
    assert!(before == snapshot(proj), "`cedc check` wrote into the project");
    o
}

/// `cedc build` of `proj` into `out` (from the project directory), which must succeed.
#[track_caller]
fn build_ok(proj: &Path, out: &Path) -> Output {
    let o = run(&["build", ".", "--out", out.to_str().unwrap()], proj);
    assert_exit(&o, 0);
    o
}

/// A deterministic pseudo-random byte stream (no `rand` dependency).
fn lcg(seed: u64) -> impl Iterator<Item = u64> {
    std::iter::successors(Some(seed), |s| Some(s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407)))
        .map(|s| s >> 33)
}

// ------------------------------------------------------------------------- bad input

#[test]
fn syntax_error_points_at_the_offending_token() {
    let src = "env prod { }\ncomponent web {\n  namespace: \"web\"\n  objects: [ 1 2 ]\n}\n";
    let p = project(&[("main.ced", src)]);
    let o = assert_build_rejected(p.path(), 1, "E0001");
    // The second list item lacks its comma: line 4, column 16 is the `2`.
    assert!(stderr(&o).contains("main.ced:4:16"), "location of the syntax error:\n{}", stderr(&o));
    assert_check_rejected(p.path(), 1, "E0001");

    let o = run(&["--message-format", "json", "check"], p.path());
    let d = &json_diags(&o)[0];
    assert_eq!(d["code"], "E0001");
    assert_eq!((d["primary"]["line"].as_u64(), d["primary"]["column"].as_u64()), (Some(4), Some(16)));
}

#[test]
fn syntax_error_on_an_unexpected_token() {
    let p = project(&[("main.ced", "env prod { }\nlet x = )\n")]);
    let o = assert_build_rejected(p.path(), 1, "E0001");
    assert!(stderr(&o).contains("main.ced:2:9"), "{}", stderr(&o));
}

#[test]
fn type_error() {
    let p = project(&[("main.ced", "env prod { }\nlet x: Int = \"a\"\n")]);
    let o = assert_build_rejected(p.path(), 1, "E0039");
    assert!(stderr(&o).contains("main.ced:2:14"), "{}", stderr(&o));
    assert_check_rejected(p.path(), 1, "E0039");
}

#[test]
fn unknown_import() {
    let p = project(&[("main.ced", "import \"./nope\"\nenv prod { }\n")]);
    let o = assert_build_rejected(p.path(), 1, "E0010");
    assert!(stderr(&o).contains("nope.ced"), "{}", stderr(&o));
}

#[test]
fn import_cycle_across_three_files() {
    let p = project(&[
        ("main.ced", "import \"./a\"\nenv prod { }\n"),
        ("a.ced", "import \"./b\"\nlet a = 1\n"),
        ("b.ced", "import \"./c\"\nlet b = 1\n"),
        ("c.ced", "import \"./a\"\nlet c = 1\n"),
    ]);
    assert_build_rejected(p.path(), 1, "E0011");
    let o = run(&["--message-format", "json", "check"], p.path());
    assert_exit(&o, 1);
    let diags = json_diags(&o);
    let cycle = diags.iter().find(|d| d["code"] == "E0011").expect("an E0011 diagnostic");
    let msg = cycle["message"].as_str().unwrap();
    for f in ["a.ced", "b.ced", "c.ced"] {
        assert!(msg.contains(f), "the cycle message should name {f}: {msg}");
    }
    // The message shows the cycle closing on the file it started from.
    let names: Vec<&str> = msg.split(|c: char| c.is_whitespace() || c == ':').filter(|w| w.ends_with(".ced")).collect();
    assert!(names.len() >= 4 && names.first() == names.last(), "cycle not shown as a loop: {msg}");
}

#[test]
fn invalid_kubernetes_name_literal() {
    let src = r#"import "std/k8s"
env prod { }
component web {
  namespace: "web"
  objects: [k8s.config_map("Bad_Name", data: {})]
}
"#;
    let p = project(&[("main.ced", src)]);
    let o = assert_build_rejected(p.path(), 1, "E0040");
    assert!(stderr(&o).contains("main.ced:5:28"), "{}", stderr(&o));
    assert!(stderr(&o).contains("Bad_Name"), "{}", stderr(&o));
}

#[test]
fn deeply_nested_brackets_are_rejected_not_overflowing() {
    let n = 10_000;
    let src = format!("env prod {{ }}\nlet x = {}{}\n", "[".repeat(n), "]".repeat(n));
    let p = project(&[("main.ced", &src)]);
    assert_build_rejected(p.path(), 1, "E0003");
}

#[test]
fn deeply_nested_records_and_parens_are_rejected() {
    let n = 10_000;
    for (open, leaf, close) in [("{a: ", "1", "}"), ("(", "1", ")"), ("if true then 1 else (", "0", ")")] {
        let src = format!("env prod {{ }}\nlet x = {}{leaf}{}\n", open.repeat(n), close.repeat(n));
        let p = project(&[("main.ced", &src)]);
        assert_build_rejected(p.path(), 1, "E0003");
    }
}

/// A construct repeated 10,000 times: a clean success or a clean E0003, never a crash.
#[track_caller]
fn assert_long_chain_is_handled(expr: &str) {
    let src = format!("env prod {{ }}\nlet x = {expr}\n");
    let p = project(&[("main.ced", &src)]);
    let o = run(&["--message-format", "json", "check"], p.path());
    assert_no_crash(&o);
    match o.status.code() {
        Some(0) => {}
        Some(1) => assert!(codes(&o).iter().any(|c| c == "E0003"), "expected E0003, got {:?}", codes(&o)),
        other => panic!("exit {other:?}:\n{}", tail(&o)),
    }
}

#[test]
fn long_else_if_chain() {
    assert_long_chain_is_handled(&format!("{}0", "if true then 1 else ".repeat(10_000)));
}

#[test]
fn deeply_nested_if_conditions() {
    let n = 10_000;
    assert_long_chain_is_handled(&format!("{}true{}", "if ".repeat(n), " then true else false".repeat(n)));
}

#[test]
fn many_prefix_operators() {
    for expr in
        [format!("{}1", "-".repeat(10_000)), format!("{}1", "- ".repeat(10_000)), format!("{}true", "!".repeat(10_000))]
    {
        assert_long_chain_is_handled(&expr);
        let p = project(&[("main.ced", &format!("env prod {{ }}\nlet x = {expr}\n"))]);
        assert_build_rejected(p.path(), 1, "E0003");
    }
}

#[test]
fn long_let_in_chain() {
    assert_long_chain_is_handled(&format!("{}0", "let a = 1 in ".repeat(10_000)));
}

#[test]
fn long_infix_chain() {
    assert_long_chain_is_handled(&format!("1{}", " + 1".repeat(10_000)));
}

// Chains of 250,000 to 300,000 links: valid files of 0.6 to 5 MB, within the 5 MB of
// `a_five_megabyte_valid_file_builds`. The parser accepts them (they are repetitions,
// not nesting, so the E0003 limit does not apply); later phases must not recurse once
// per link on the stack.

#[test]
fn very_long_infix_chain_does_not_overflow_the_stack() {
    assert_long_chain_is_handled(&format!("1{}", " + 1".repeat(300_000)));
}

#[test]
fn very_long_field_access_chain_does_not_overflow_the_stack() {
    // Too deep to check: a clean E0003 (nesting limit), not a crash.
    let src = format!("env prod {{ }}\nlet x = {{a: 1}}{}\n", ".a".repeat(300_000));
    let p = project(&[("main.ced", &src)]);
    assert_check_rejected(p.path(), 1, "E0003");
}

#[test]
fn very_long_let_in_chain_does_not_overflow_the_stack() {
    assert_long_chain_is_handled(&format!("{}0", "let a = 1 in ".repeat(300_000)));
}

#[test]
fn very_long_else_if_chain_does_not_overflow_the_stack() {
    assert_long_chain_is_handled(&format!("{}0", "if true then 1 else ".repeat(250_000)));
}

#[test]
fn a_five_megabyte_valid_file_builds() {
    let mut src = String::from("env prod { }\n");
    let mut i = 0;
    while src.len() < 5_000_000 {
        src.push_str(&format!("let x_{i} = \"{}\"\n", "v".repeat(30)));
        i += 1;
    }
    let p = project(&[("main.ced", &src)]);
    let out = p.path().join("gen");
    build_ok(p.path(), &out);
    assert!(out.join("cedc-index.json").is_file());
}

#[test]
fn five_megabytes_of_garbage() {
    let alphabet: &[u8] = b"{}[]()<>=!@#$%^&*;:,.?/|\\\"' \n\tabcXYZ0129-_";
    let garbage: String = lcg(7).take(5_000_000).map(|r| alphabet[r as usize % alphabet.len()] as char).collect();
    let p = project(&[("main.ced", &garbage)]);
    let o = assert_build_rejected(p.path(), 1, "E000");
    let o2 = run(&["--message-format", "json", "check"], p.path());
    assert_exit(&o2, 1);
    assert!(codes(&o2).iter().all(|c| c.starts_with("E000")), "expected syntax-level codes, got {:?}", codes(&o2));
    // The rendering shows the neighbourhood of the error, not 5 MB of source.
    assert!(o.stderr.len() < 100_000, "stderr is {} bytes", o.stderr.len());
}

#[test]
fn garbage_without_brackets() {
    let alphabet: &[u8] = b"=!@#$%^&*;:,.?/|\\\"' \n\tabcXYZ0129-_";
    let garbage: String = lcg(11).take(5_000_000).map(|r| alphabet[r as usize % alphabet.len()] as char).collect();
    let p = project(&[("main.ced", &garbage)]);
    assert_build_rejected(p.path(), 1, "E000");
}

#[test]
fn non_utf8_source_file() {
    let p = project_bytes(&[("main.ced", b"env prod { }\nlet x = \"\xff\xfe\xc3(\"\n")]);
    assert_build_rejected(p.path(), 1, "E0002");
    let o = run(&["--message-format", "json", "check"], p.path());
    assert_exit(&o, 1);
    let d = &json_diags(&o)[0];
    assert_eq!(d["code"], "E0002");
    assert_eq!(d["primary"]["file"], "main.ced");
    assert_eq!((d["primary"]["line"].as_u64(), d["primary"]["column"].as_u64()), (Some(2), Some(10)));
}

#[test]
fn non_utf8_span_ends_after_it_starts() {
    let p = project_bytes(&[("main.ced", b"env prod { }\nlet x = \"\xff\xfe\xc3(\"\n")]);
    let o = run(&["--message-format", "json", "check"], p.path());
    let d = &json_diags(&o)[0]["primary"];
    let start = (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap());
    let end = (d["end_line"].as_u64().unwrap(), d["end_column"].as_u64().unwrap());
    assert!(end > start, "the E0002 span ends ({end:?}) before it starts ({start:?}): {d}");
}

#[test]
fn non_utf8_imported_file() {
    let p =
        project_bytes(&[("main.ced", b"import \"./lib/bad\"\nenv prod { }\n"), ("lib/bad.ced", b"let x = \"\xc0\"\n")]);
    assert_build_rejected(p.path(), 1, "E0002");
    let o = run(&["--message-format", "json", "check"], p.path());
    assert_eq!(json_diags(&o)[0]["primary"]["file"], "lib/bad.ced");
}

#[test]
fn non_utf8_config_file() {
    let p = project_bytes(&[("cedc.toml", b"[project]\nname = \"\xff\"\n"), ("main.ced", b"env prod { }\n")]);
    assert_build_rejected(p.path(), 1, "E0002");
}

#[test]
fn empty_source_file_declares_no_environment() {
    let p = project(&[("main.ced", "")]);
    assert_build_rejected(p.path(), 1, "E0081");
    assert_check_rejected(p.path(), 1, "E0081");
}

#[test]
fn directory_without_config() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("main.ced"), "env prod { }\n").unwrap();
    assert_build_rejected(dir.path(), 2, "E0080");
    assert_check_rejected(dir.path(), 2, "E0080");
    let o = run(&["render", ".", "--env", "prod"], dir.path());
    assert_diag(&o, 2, "E0080");
}

#[test]
fn missing_project_directory() {
    let work = tempfile::tempdir().unwrap();
    let missing = work.path().join("does-not-exist");
    assert_build_rejected(&missing, 2, "E0080");
    let o = run(&["check", "does-not-exist"], work.path());
    assert_diag(&o, 2, "E0080");
    assert!(!missing.exists());
}

#[test]
fn config_with_a_syntax_error() {
    let p =
        project(&[("cedc.toml", "[project]\nname = \"t\"\nentry = [\"main.ced\"\n"), ("main.ced", "env prod { }\n")]);
    assert_build_rejected(p.path(), 1, "E0080");
    let o = run(&["--message-format", "json", "check"], p.path());
    assert_exit(&o, 1);
    let d = &json_diags(&o)[0];
    assert_eq!(d["code"], "E0080");
    assert_eq!(d["primary"]["file"], "cedc.toml");
    assert_eq!(d["primary"]["line"].as_u64(), Some(3));
}

#[test]
fn config_with_an_unknown_key() {
    let p = project(&[("cedc.toml", "[project]\nname = \"t\"\nbogus = 1\n"), ("main.ced", "env prod { }\n")]);
    let o = assert_build_rejected(p.path(), 1, "E0080");
    assert!(stderr(&o).contains("bogus"), "{}", stderr(&o));
    let o = run(&["--message-format", "json", "check"], p.path());
    let d = &json_diags(&o)[0];
    assert_eq!(d["primary"]["file"], "cedc.toml");
    assert_eq!((d["primary"]["line"].as_u64(), d["primary"]["column"].as_u64()), (Some(3), Some(1)));
}

#[test]
fn config_entries_outside_the_project() {
    for entry in ["/etc/passwd", "../main.ced"] {
        let config = format!("[project]\nname = \"t\"\nentry = [\"{entry}\"]\n");
        let p = project(&[("cedc.toml", &config), ("main.ced", "env prod { }\n")]);
        assert_build_rejected(p.path(), 1, "E0080");
    }
}

#[test]
fn component_name_cannot_be_a_path() {
    let p = project(&[("main.ced", "env prod { }\ncomponent ../x { namespace: \"web\", objects: [] }\n")]);
    assert_build_rejected(p.path(), 1, "E0001");
}

#[test]
fn invalid_environment_and_component_names() {
    let p = project(&[("main.ced", "env Prod { }\ncomponent Web_x { namespace: \"web\", objects: [] }\n")]);
    assert_build_rejected(p.path(), 1, "E0040");
    let o = run(&["--message-format", "json", "check"], p.path());
    assert_eq!(codes(&o), ["E0040", "E0071"]);
}

#[test]
fn object_name_cannot_be_a_path() {
    let src = r#"env prod { }
component web {
  namespace: "web"
  objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "../../etc" } }]
}
"#;
    let p = project(&[("main.ced", src)]);
    assert_build_rejected(p.path(), 1, "E0040");
}

#[test]
fn path_characters_in_kind_stay_inside_the_output_directory() {
    // `kind` is a free string: the emitter must turn it into a harmless file name.
    let src = r#"env prod { }
component web {
  namespace: "web"
  objects: [
    { apiVersion: "v1", kind: "../../../../escaped", metadata: { name: "x" } },
    { apiVersion: "v1/../..", kind: "..", metadata: { name: "y" } },
  ]
}
"#;
    let work = tempfile::tempdir().unwrap();
    let proj = work.path().join("deep/er/proj");
    fs::create_dir_all(&proj).unwrap();
    fs::write(proj.join("cedc.toml"), CONFIG).unwrap();
    fs::write(proj.join("main.ced"), src).unwrap();
    let before = snapshot(work.path());
    let o = run(&["build", "deep/er/proj", "--out", "deep/er/proj/gen"], work.path());
    assert_no_crash(&o);
    let after = snapshot(work.path());
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        assert!(path.starts_with("deep/er/proj/gen"), "{} was written outside the output directory", path.display());
    }
    for f in files(&proj.join("gen")) {
        assert!(!f.split('/').any(|part| part == ".." || part == "."), "generated path {f}");
    }
}

#[test]
fn all_independent_errors_are_reported_in_one_run() {
    let src = r#"env prod { }
type Cfg = { size: Int }
let cfg: Cfg = { size: 1, colour: "red" }
let y = undefined_thing
let p: Port = 70000
"#;
    let p = project(&[("main.ced", src)]);
    let o = run(&["--message-format", "json", "check"], p.path());
    assert_exit(&o, 1);
    let found = codes(&o);
    for code in ["E0022", "E0020", "E0041"] {
        assert!(found.iter().any(|c| c == code), "{code} missing from {found:?}");
    }
    let o = assert_build_rejected(p.path(), 1, "E0022");
    let err = stderr(&o);
    assert!(err.contains("E0020") && err.contains("E0041"), "{err}");
    assert!(err.contains("cedc: 3 errors"), "{err}");
}

#[test]
fn all_errors_in_component_arguments_are_reported() {
    let src = r#"import "std/k8s"
env prod { }
component web {
  namespace: "web"
  objects: [
    k8s.deployment("web", image: "x", port: 70000, replicaz: 2),
    k8s.service(undefined_name, port: 80),
  ]
}
"#;
    let p = project(&[("main.ced", src)]);
    let o = run(&["--message-format", "json", "check"], p.path());
    assert_exit(&o, 1);
    let found = codes(&o);
    for code in ["E0041", "E0033", "E0020"] {
        assert!(found.iter().any(|c| c == code), "{code} missing from {found:?}");
    }
}

// ------------------------------------------------------------------------- JSON diagnostics

#[test]
fn json_diagnostics_have_relative_locations() {
    let cases: &[&[(&str, &str)]] = &[
        &[("main.ced", "env prod { }\nlet x = )\n")],
        &[("main.ced", "env prod { }\nlet x: Int = \"a\"\nlet y = nope\n")],
        &[("main.ced", "import \"./lib/a\"\nenv prod { }\n"), ("lib/a.ced", "let a: Port = 0\n")],
        &[("main.ced", "import \"./a\"\nenv prod { }\n"), ("a.ced", "import \"./main\"\n")],
        &[("cedc.toml", "[project]\nname = 1\n"), ("main.ced", "env prod { }\n")],
    ];
    for files in cases {
        let p = project(files);
        let root = p.path().to_str().unwrap().to_string();
        let canonical = fs::canonicalize(p.path()).unwrap().to_str().unwrap().to_string();
        // Run from elsewhere with an absolute project path: names must still be relative.
        let elsewhere = tempfile::tempdir().unwrap();
        for (args, cwd) in [(vec!["check", "."], p.path()), (vec!["check", root.as_str()], elsewhere.path())] {
            let o = run(&[&["--message-format", "json"], args.as_slice()].concat(), cwd);
            assert_exit(&o, 1);
            let diags = json_diags(&o);
            assert!(!diags.is_empty(), "no diagnostics for {files:?}");
            for d in &diags {
                assert!(d["code"].as_str().is_some_and(|c| c.starts_with('E') && c.len() == 5), "code: {d}");
                assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "message: {d}");
                assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()), "help: {d}");
                let file = d["primary"]["file"].as_str().unwrap_or_else(|| panic!("primary.file: {d}"));
                assert!(!file.is_empty() && !file.starts_with('/'), "absolute or empty file name: {d}");
                assert!(!file.contains(&root) && !file.contains(&canonical), "temp dir in file name: {d}");
                assert!(d["primary"]["line"].as_u64().is_some_and(|l| l >= 1), "primary.line: {d}");
                assert!(d["primary"]["column"].as_u64().is_some_and(|c| c >= 1), "primary.column: {d}");
                for s in d["secondary"].as_array().unwrap() {
                    let f = s["file"].as_str().unwrap();
                    assert!(!f.starts_with('/') && !f.contains(&root), "secondary file: {d}");
                }
            }
            // The temp directory appears nowhere on stderr.
            assert!(!stderr(&o).contains(&canonical), "{}", stderr(&o));
        }
    }
}

#[test]
fn json_names_imported_files_by_their_project_relative_path() {
    let p = project(&[("main.ced", "import \"./lib/a\"\nenv prod { }\n"), ("lib/a.ced", "let a: Port = 0\n")]);
    let o = run(&["--message-format", "json", "check"], p.path());
    let d = &json_diags(&o)[0];
    assert_eq!(d["code"], "E0041");
    assert_eq!(d["primary"]["file"], "lib/a.ced");
    assert_eq!(d["primary"]["line"].as_u64(), Some(1));
}

#[test]
fn json_diagnostics_without_a_location() {
    // Errors about the project rather than a place in a file: still one JSON object per
    // line, with `primary` null rather than a bogus location.
    let no_env = project(&[("main.ced", "")]);
    let no_config = tempfile::tempdir().unwrap();
    for (dir, exit) in [(no_env.path(), 1), (no_config.path(), 2)] {
        let o = run(&["--message-format", "json", "build", "."], dir);
        assert_exit(&o, exit);
        for d in json_diags(&o) {
            assert!(d["code"].is_string() && d["message"].is_string() && d["help"].is_string(), "{d}");
            assert!(d["primary"].is_null() || !d["primary"]["file"].as_str().unwrap_or("/").starts_with('/'), "{d}");
        }
    }
}

// ------------------------------------------------------------------------- colour

fn has_ansi(s: &str) -> bool {
    s.contains("\u{1b}[")
}

#[test]
fn color_never_always_and_no_color() {
    let p = project(&[("main.ced", "env prod { }\nlet x: Int = \"a\"\n")]);
    let never = run(&["--color", "never", "check"], p.path());
    assert_diag(&never, 1, "E0039");
    assert!(!has_ansi(&stderr(&never)), "{:?}", stderr(&never));

    let auto_no_color = run_env(&["check"], p.path(), &[("NO_COLOR", "1")]);
    assert_diag(&auto_no_color, 1, "E0039");
    assert!(!has_ansi(&stderr(&auto_no_color)), "{:?}", stderr(&auto_no_color));

    let explicit_auto = run_env(&["--color", "auto", "check"], p.path(), &[("NO_COLOR", "1")]);
    assert!(!has_ansi(&stderr(&explicit_auto)));

    let always = run(&["--color", "always", "check"], p.path());
    assert_diag(&always, 1, "E0039");
    assert!(has_ansi(&stderr(&always)), "{:?}", stderr(&always));

    // An explicit `always` overrides NO_COLOR (docs/cli.md, "Global options").
    let always_no_color = run_env(&["--color", "always", "check"], p.path(), &[("NO_COLOR", "1")]);
    assert!(has_ansi(&stderr(&always_no_color)), "{:?}", stderr(&always_no_color));

    // The global flag also works after the subcommand.
    let after = run(&["check", "--color", "always"], p.path());
    assert!(has_ansi(&stderr(&after)));
}

#[test]
fn json_output_is_never_colored() {
    let p = project(&[("main.ced", "env prod { }\nlet x: Int = \"a\"\n")]);
    let o = run(&["--color", "always", "--message-format", "json", "check"], p.path());
    assert_exit(&o, 1);
    assert!(!has_ansi(&stderr(&o)));
    assert_eq!(codes(&o), ["E0039"]);
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let p = project(&[("main.ced", GOOD)]);
    for args in [
        &["--color", "sometimes", "check"][..],
        &["--message-format", "xml", "check"],
        &["frobnicate"],
        &["render", "."],
    ] {
        let o = run(args, p.path());
        assert_exit(&o, 2);
    }
}

// ------------------------------------------------------------------------- explain

#[test]
fn explain_a_code() {
    let o = run(&["explain", "E0030"], Path::new("/"));
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("E0030"), "{}", stdout(&o));
    assert!(stdout(&o).lines().count() >= 3, "explanation too short: {}", stdout(&o));

    let lower = run(&["explain", "e0030"], Path::new("/"));
    assert_exit(&lower, 0);
    assert_eq!(stdout(&lower), stdout(&o));
}

/// A retired code is still explained, and the explanation says what replaced it.
#[test]
fn explain_a_retired_code_names_its_successors() {
    let o = run(&["explain", "E0030"], Path::new("/"));
    assert_exit(&o, 0);
    let text = stdout(&o);
    assert!(text.contains("Retired"), "{text}");
    for successor in ["E0039", "E0305", "E0309", "E0318"] {
        assert!(text.contains(successor), "{successor} missing from:\n{text}");
    }
}

#[test]
fn explain_is_case_insensitive() {
    let upper = run(&["explain", "E0001"], Path::new("/"));
    let lower = run(&["explain", "e0001"], Path::new("/"));
    assert_exit(&upper, 0);
    assert_exit(&lower, 0);
    assert!(stdout(&upper).contains("E0001"));
    assert_eq!(stdout(&upper), stdout(&lower));
}

#[test]
fn explain_every_code_cedc_reports_in_these_tests() {
    let mut missing = Vec::new();
    for code in [
        "E0001", "E0002", "E0003", "E0010", "E0011", "E0020", "E0022", "E0039", "E0033", "E0035", "E0040", "E0041",
        "E0071", "E0080", "E0081", "E0090",
    ] {
        let o = run(&["explain", code], Path::new("/"));
        assert_no_crash(&o);
        if o.status.code() != Some(0) || !stdout(&o).contains(code) {
            missing.push(code);
        }
    }
    assert!(missing.is_empty(), "`cedc explain` cannot explain {missing:?}");
}

#[test]
fn explain_unknown_code() {
    for code in ["E9999", "nonsense", ""] {
        let o = run(&["explain", code], Path::new("/"));
        assert_exit(&o, 2);
        assert!(stdout(&o).is_empty());
        assert!(!stderr(&o).is_empty());
    }
}

// ------------------------------------------------------------------------- build

#[test]
fn build_writes_a_tree_with_an_index() {
    let p = project(&[("main.ced", GOOD)]);
    let o = run(&["build"], p.path());
    assert_exit(&o, 0);
    assert!(stdout(&o).is_empty(), "build prints nothing on stdout: {}", stdout(&o));
    let out = p.path().join("out"); // `out` from cedc.toml, relative to the project
    let written = files(&out);
    for f in [
        "cedc-index.json",
        "envs/prod/kustomization.yaml",
        "envs/dev/kustomization.yaml",
        "components/web/base/kustomization.yaml",
        "components/web/base/deployment-web.yaml",
        "components/web/base/service-web.yaml",
        "components/web/base/configmap-web-settings.yaml",
        "components/worker/base/deployment-worker.yaml",
    ] {
        assert!(written.iter().any(|w| w == f), "{f} not written; got {written:?}");
    }
    // The index lists every other file it wrote, with nothing absolute in it.
    let index_text = fs::read_to_string(out.join("cedc-index.json")).unwrap();
    assert!(!index_text.contains(p.path().to_str().unwrap()), "absolute path in the index");
    let index: serde_json::Value = serde_json::from_str(&index_text).unwrap();
    let mut listed: Vec<String> =
        index["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
    listed.push("cedc-index.json".into());
    listed.sort();
    assert_eq!(listed, written);
}

#[test]
fn builds_are_byte_identical() {
    let p = project(&[("main.ced", GOOD)]);
    let work = tempfile::tempdir().unwrap();
    let (a, b) = (work.path().join("a"), work.path().join("b"));
    build_ok(p.path(), &a);
    build_ok(p.path(), &b);
    let first = snapshot(&a);
    assert!(!first.is_empty());
    assert!(first == snapshot(&b), "two builds differ");
    // Building again into the same directory changes nothing.
    let o = build_ok(p.path(), &a);
    assert!(stderr(&o).contains("up to date"), "{}", stderr(&o));
    assert!(first == snapshot(&a));
}

#[test]
fn builds_do_not_depend_on_the_current_directory() {
    let work = tempfile::tempdir().unwrap();
    let proj = work.path().join("proj");
    fs::create_dir_all(proj.join("lib")).unwrap();
    fs::write(proj.join("cedc.toml"), CONFIG).unwrap();
    fs::write(proj.join("main.ced"), format!("import \"./lib/extra\"\n{GOOD}")).unwrap();
    fs::write(proj.join("lib/extra.ced"), "let unused = 1\n").unwrap();
    let abs = fs::canonicalize(&proj).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();

    // 1. From the project, with every default.
    assert_exit(&run(&["build"], &proj), 0);
    // 2. From an unrelated directory, absolute project and relative output.
    assert_exit(&run(&["build", abs.to_str().unwrap(), "--out", "o2"], elsewhere.path()), 0);
    // 3. From the project's parent, relative project and output.
    assert_exit(&run(&["build", "proj", "--out", "o3"], work.path()), 0);
    // 4. From a subdirectory of the project, with `..`.
    assert_exit(&run(&["build", "..", "--out", "../o4"], &proj.join("lib")), 0);

    let reference = snapshot(&proj.join("out"));
    assert!(!reference.is_empty());
    for other in [elsewhere.path().join("o2"), work.path().join("o3"), proj.join("o4")] {
        assert!(reference == snapshot(&other), "{} differs from the build run in the project", other.display());
    }
    // `render` and `check` agree as well.
    let r1 = run(&["render", "--env", "prod"], &proj);
    let r2 = run(&["render", abs.to_str().unwrap(), "--env", "prod"], elsewhere.path());
    assert_exit(&r1, 0);
    assert_eq!(stdout(&r1), stdout(&r2));
}

#[test]
fn check_right_after_build_is_clean_and_writes_nothing() {
    let p = project(&[("main.ced", GOOD)]);
    let out = p.path().join("out");
    build_ok(p.path(), &out);
    let before = snapshot(p.path());
    let o = run(&["build", "--check"], p.path());
    assert_exit(&o, 0);
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(before == snapshot(p.path()), "--check wrote something");
}

#[test]
fn check_without_an_output_directory_reports_everything_missing() {
    let p = project(&[("main.ced", GOOD)]);
    let o = run(&["build", "--check"], p.path());
    assert_exit(&o, 1);
    assert!(!p.path().join("out").exists(), "--check created the output directory");
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert!(lines.iter().all(|l| l.starts_with("missing: ")), "{lines:?}");
    assert!(lines.iter().any(|l| l == "missing: cedc-index.json"), "{lines:?}");
}

#[test]
fn check_reports_a_changed_value() {
    let p = project(&[("main.ced", GOOD)]);
    let out = p.path().join("out");
    build_ok(p.path(), &out);
    fs::write(p.path().join("main.ced"), GOOD.replace("nginx:1.27", "nginx:1.28")).unwrap();
    let before = snapshot(p.path());
    let o = run(&["build", ".", "--check"], p.path());
    assert_exit(&o, 1);
    let report = stdout(&o);
    assert!(report.lines().any(|l| l.ends_with(": components/web/base/deployment-web.yaml")), "{report}");
    assert!(!report.contains("service-web"), "only the changed files are listed: {report}");
    assert!(before == snapshot(p.path()), "--check wrote something");
    // Building brings it back in step.
    build_ok(p.path(), &out);
    assert_exit(&run(&["build", "--check"], p.path()), 0);
}

#[test]
fn check_reports_a_deleted_file() {
    let p = project(&[("main.ced", GOOD)]);
    let out = p.path().join("out");
    build_ok(p.path(), &out);
    fs::remove_file(out.join("envs/dev/kustomization.yaml")).unwrap();
    let o = run(&["build", "--check"], p.path());
    assert_exit(&o, 1);
    assert_eq!(stdout(&o).trim(), "missing: envs/dev/kustomization.yaml");
}

#[test]
fn check_reports_a_hand_edited_file() {
    let p = project(&[("main.ced", GOOD)]);
    let out = p.path().join("out");
    build_ok(p.path(), &out);
    let f = out.join("components/worker/base/deployment-worker.yaml");
    let mut text = fs::read_to_string(&f).unwrap();
    text.push_str("# edited\n");
    fs::write(&f, text).unwrap();
    let o = run(&["build", "--check"], p.path());
    assert_exit(&o, 1);
    assert!(stdout(&o).contains("components/worker/base/deployment-worker.yaml"), "{}", stdout(&o));
}

#[test]
fn stale_files_are_removed_on_rebuild() {
    let p = project(&[("main.ced", GOOD)]);
    let out = p.path().join("out");
    build_ok(p.path(), &out);
    let service = out.join("components/web/base/service-web.yaml");
    let worker = out.join("components/worker");
    assert!(service.is_file() && worker.is_dir());

    let smaller = GOOD.replace("    k8s.service(\"web\", port: 80, target_port: 8080),\n", "");
    let smaller = &smaller[..smaller.find("component worker").unwrap()];
    fs::write(p.path().join("main.ced"), smaller).unwrap();

    let o = run(&["build", "--check"], p.path());
    assert_exit(&o, 1);
    assert!(stdout(&o).contains("stale: components/web/base/service-web.yaml"), "{}", stdout(&o));

    build_ok(p.path(), &out);
    assert!(!service.exists(), "the stale service file survived");
    assert!(!worker.exists(), "the directory of the removed component survived");
    assert!(files(&out).iter().all(|f| !f.contains("worker") && !f.contains("service")), "{:?}", files(&out));
    assert_exit(&run(&["build", "--check"], p.path()), 0);
}

#[test]
fn foreign_files_survive_a_rebuild() {
    let p = project(&[("main.ced", GOOD)]);
    let out = p.path().join("out");
    build_ok(p.path(), &out);
    fs::write(out.join("README.md"), "mine\n").unwrap();
    fs::create_dir_all(out.join("notes/deep")).unwrap();
    fs::write(out.join("notes/deep/todo.txt"), "also mine\n").unwrap();
    fs::write(out.join("components/web/base/extra.txt"), "mine too\n").unwrap();

    // A real change, so the tree is rewritten, and an object removed.
    let changed = GOOD
        .replace("nginx:1.27", "nginx:1.28")
        .replace("    k8s.service(\"web\", port: 80, target_port: 8080),\n", "");
    fs::write(p.path().join("main.ced"), changed).unwrap();
    build_ok(p.path(), &out);
    assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "mine\n");
    assert_eq!(fs::read_to_string(out.join("notes/deep/todo.txt")).unwrap(), "also mine\n");
    assert_eq!(fs::read_to_string(out.join("components/web/base/extra.txt")).unwrap(), "mine too\n");
    assert!(fs::read_to_string(out.join("components/web/base/deployment-web.yaml")).unwrap().contains("nginx:1.28"));
    assert!(!out.join("components/web/base/service-web.yaml").exists());
    // Foreign files are not drift.
    assert_exit(&run(&["build", "--check"], p.path()), 0);
}

#[test]
fn foreign_file_where_the_build_would_write_is_a_conflict() {
    let p = project(&[("main.ced", GOOD)]);
    let out = p.path().join("out");
    fs::create_dir_all(out.join("envs/prod")).unwrap();
    fs::write(out.join("envs/prod/kustomization.yaml"), "# my own\n").unwrap();
    fs::write(out.join("sentinel.txt"), "x\n").unwrap();
    let before = snapshot(p.path());
    let o = run(&["build"], p.path());
    assert_diag(&o, 2, "E0090");
    assert!(stderr(&o).contains("envs/prod/kustomization.yaml"), "{}", stderr(&o));
    assert!(before == snapshot(p.path()), "a conflicting build changed the output directory");

    // Same through the reusable helper, from another directory.
    assert_build_rejected_with_conflict(p.path());
}

/// A previously built OUT, where the user then added a file at a path a later build of
/// a changed program wants: the build stops and leaves OUT as it was.
fn assert_build_rejected_with_conflict(proj: &Path) {
    let out = proj.join("gen");
    let first = GOOD.replace("    k8s.service(\"web\", port: 80, target_port: 8080),\n", "");
    fs::write(proj.join("main.ced"), &first).unwrap();
    build_ok(proj, &out);
    fs::write(out.join("components/web/base/service-web.yaml"), "# hand-written\n").unwrap();
    fs::write(proj.join("main.ced"), GOOD).unwrap();
    let before = snapshot(&out);
    let o = run(&["--message-format", "json", "build", ".", "--out", "gen"], proj);
    assert_exit(&o, 2);
    assert_eq!(codes(&o), ["E0090"]);
    assert!(before == snapshot(&out), "a conflicting build changed the output directory");
}

#[test]
fn output_path_that_is_a_file() {
    let p = project(&[("main.ced", GOOD)]);
    let before = snapshot(p.path());
    let o = run(&["build", ".", "--out", "main.ced"], p.path());
    assert_diag(&o, 2, "E0090");
    assert!(before == snapshot(p.path()));
}

#[test]
fn output_directory_containing_the_current_directory() {
    let p = project(&[("main.ced", GOOD)]);
    let before = snapshot(p.path());
    let o = run(&["build", ".", "--out", "."], p.path());
    assert_diag(&o, 2, "E0090");
    assert!(before == snapshot(p.path()));
}

#[test]
fn failed_compile_does_not_create_the_output_directory() {
    let p = project(&[("main.ced", "env prod { }\nlet x: Int = \"a\"\n")]);
    let o = run(&["build"], p.path());
    assert_diag(&o, 1, "E0039");
    assert!(!p.path().join("out").exists());
}

// ------------------------------------------------------------------------- render

fn render_docs(o: &Output) -> Vec<serde_json::Value> {
    serde_saphyr::from_multiple::<serde_json::Value>(&stdout(o))
        .unwrap_or_else(|e| panic!("render output is not YAML ({e}):\n{}", stdout(o)))
}

fn kinds_and_names(docs: &[serde_json::Value]) -> Vec<(String, String)> {
    docs.iter()
        .map(|d| (d["kind"].as_str().unwrap().to_string(), d["metadata"]["name"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn render_prints_every_object_of_an_environment() {
    let p = project(&[("main.ced", GOOD)]);
    let o = run(&["render", ".", "--env", "dev"], p.path());
    assert_exit(&o, 0);
    let docs = render_docs(&o);
    let ids = kinds_and_names(&docs);
    for id in [("ConfigMap", "web-settings"), ("Deployment", "web"), ("Service", "web"), ("Deployment", "worker")] {
        assert!(ids.iter().any(|(k, n)| (k.as_str(), n.as_str()) == id), "{id:?} missing from {ids:?}");
    }
    assert_eq!(docs.len(), 4);
    // The split on document separators agrees with the YAML parser.
    assert_eq!(stdout(&o).split("\n---\n").count(), 4);
    // Environment values are applied.
    let web = docs.iter().find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "web").unwrap();
    assert_eq!(web["spec"]["replicas"], 1);
    assert_eq!(web["metadata"]["namespace"], "web");
    let cm = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    assert_eq!(cm["data"]["GREETING"], "hi");

    let prod = run(&["render", ".", "--env", "prod"], p.path());
    let prod_docs = render_docs(&prod);
    let web = prod_docs.iter().find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "web").unwrap();
    assert_eq!(web["spec"]["replicas"], 2);
}

#[test]
fn render_filters_by_component() {
    let p = project(&[("main.ced", GOOD)]);
    let o = run(&["render", "--env", "prod", "--component", "worker"], p.path());
    assert_exit(&o, 0);
    let docs = render_docs(&o);
    assert_eq!(kinds_and_names(&docs), [("Deployment".to_string(), "worker".to_string())]);
    assert_eq!(docs[0]["metadata"]["namespace"], "jobs");

    let o = run(&["render", "--env", "prod", "--component", "web"], p.path());
    assert_eq!(render_docs(&o).len(), 3);
}

#[test]
fn render_unknown_environment() {
    let p = project(&[("main.ced", GOOD)]);
    let o = run(&["--color", "never", "render", "--env", "staging"], p.path());
    assert_diag(&o, 1, "E0035");
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("prod") && stderr(&o).contains("dev"),
        "the help lists the environments: {}",
        stderr(&o)
    );
}

#[test]
fn render_unknown_component() {
    let p = project(&[("main.ced", GOOD)]);
    let o = run(&["render", "--env", "prod", "--component", "nope"], p.path());
    assert_diag(&o, 1, "E0071");
    assert!(stdout(&o).is_empty());
}

#[test]
fn render_of_a_broken_project_prints_no_yaml() {
    let p = project(&[("main.ced", "env prod { }\nlet x: Int = \"a\"\n")]);
    let o = run(&["render", "--env", "prod"], p.path());
    assert_diag(&o, 1, "E0039");
    assert!(stdout(&o).is_empty());
}

// ------------------------------------------------------------------------- check

#[test]
fn check_succeeds_on_a_valid_project_and_writes_nothing() {
    let p = project(&[("main.ced", GOOD)]);
    let before = snapshot(p.path());
    let o = run(&["check"], p.path());
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("2 environments, 2 components"), "{}", stderr(&o));
    assert!(before == snapshot(p.path()));
}

#[test]
fn a_file_given_for_the_project_says_to_pass_its_directory() {
    let p = project(&[("main.ced", "env prod {}\n")]);
    let o = run(&["check", "main.ced"], p.path());
    assert_eq!(o.status.code(), Some(2), "a project that cannot be read: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("E0080") && err.contains("`main.ced` is a file"), "{err}");
    assert!(err.contains("pass the directory that holds cedc.toml (`.`"), "{err}");
}

#[test]
fn the_version_names_the_schemas_and_clicolor_force_colors_a_pipe() {
    let p = project(&[("main.ced", "env prod {}\nlet x: Int = \"a\"\n")]);
    let v = stdout(&run(&["--version"], p.path()));
    assert!(v.starts_with("cedc ") && v.contains("Kubernetes 1.") && v.contains("Gateway API v"), "{v}");
    let forced = run_env(&["check", "."], p.path(), &[("CLICOLOR_FORCE", "1")]);
    assert!(stderr(&forced).contains('\u{1b}'), "CLICOLOR_FORCE colors even a pipe: {}", stderr(&forced));
    let plain = run(&["check", "."], p.path());
    assert!(!stderr(&plain).contains('\u{1b}'), "a pipe is not colored by default");
}

#[test]
fn render_all_envs_is_every_environment_in_one_call() {
    let p = project(&[("main.ced", GOOD)]);
    let all = run(&["render", ".", "--all-envs"], p.path());
    assert_exit(&all, 0);
    let mut expected = Vec::new();
    let mut headers = Vec::new();
    for env in ["prod", "dev"] {
        let one = run(&["render", ".", "--env", env], p.path());
        assert_exit(&one, 0);
        expected.extend(render_docs(&one));
        headers.push(format!("# environment: {env}"));
    }
    assert_eq!(render_docs(&all), expected, "the environments' objects, in declaration order");
    let text = stdout(&all);
    let found: Vec<&str> = text.lines().filter(|l| l.starts_with("# environment: ")).collect();
    assert_eq!(found, headers, "dev is declared after prod");
    assert_exit(&run(&["render", ".", "--all-envs", "--env", "dev"], p.path()), 2);
}

/// A workflow command parsed as the GitHub Actions runner reads it: its kind, its
/// properties (unescaped) and its message (unescaped). `None` for another line.
fn workflow_command(line: &str) -> Option<(String, BTreeMap<String, String>, String)> {
    let rest = line.strip_prefix("::")?;
    let (head, message) = rest.split_once("::")?;
    let (kind, props) = head.split_once(' ').unwrap_or((head, ""));
    let unescape = |s: &str| {
        s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
    };
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), unescape(v)))
        .collect();
    let message = message.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%");
    Some((kind.to_string(), props, message))
}

#[test]
fn github_annotations_name_files_from_the_repository_root_wherever_cedc_runs() {
    let repo = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(repo.path().join(".git")).expect("mkdir .git");
    let platform = repo.path().join("deploy/platform");
    fs::create_dir_all(platform.join("lib")).expect("mkdir");
    fs::write(platform.join("cedc.toml"), CONFIG).expect("write");
    let main = "import \"./lib/apps.ced\"\n\nenv prod {}\n\ncomponent a {\n  namespace: \"a\"\n  objects: [apps.front(\"one\"), apps.front(\"Two, and: 100%\")]\n}\n";
    let lib = "fn front(team: String) -> Object = {\n  apiVersion: \"v1\"\n  kind: \"ConfigMap\"\n  metadata: { name: team }\n}\n";
    fs::write(platform.join("main.ced"), main).expect("write");
    fs::write(platform.join("lib/apps.ced"), lib).expect("write");
    // Run from the repository's root, from the project and from a directory inside it;
    // the runner's GITHUB_WORKSPACE is not set (as on a developer's machine).
    for cwd in [repo.path().to_path_buf(), platform.clone(), platform.join("lib")] {
        let dir = if cwd == platform.join("lib") {
            ".."
        } else if cwd == platform {
            "."
        } else {
            "deploy/platform"
        };
        let o = Command::new(CEDC)
            .args(["--message-format", "github", "check", dir])
            .current_dir(&cwd)
            .env_remove("GITHUB_WORKSPACE")
            .output()
            .expect("run cedc");
        assert_exit(&o, 1);
        let commands: Vec<_> = stderr(&o).lines().filter_map(workflow_command).collect();
        assert_eq!(commands.len(), 1, "one annotation per diagnostic: {}", stderr(&o));
        let (kind, props, message) = &commands[0];
        assert_eq!(kind, "error");
        assert_eq!(props.get("file").map(String::as_str), Some("deploy/platform/main.ced"), "from {cwd:?}");
        assert_eq!(props.get("line").map(String::as_str), Some("7"));
        assert_eq!(props.get("col").map(String::as_str), Some("43"), "at the argument");
        assert!(props.get("title").is_some_and(|t| t.starts_with("E0040 ")), "{props:?}");
        assert!(message.contains("\"Two, and: 100%\" is not a valid Name"), "{message}");
        assert!(message.contains("\nhelp: "), "the help on its own line: {message}");
    }
    // With GITHUB_WORKSPACE, paths are relative to it.
    let o = run_env(&["--message-format", "github", "check", "."], &platform, &[("GITHUB_WORKSPACE", "../..")]);
    let commands: Vec<_> = stderr(&o).lines().filter_map(workflow_command).collect();
    assert_eq!(commands[0].1.get("file").map(String::as_str), Some("deploy/platform/main.ced"));
}

#[test]
fn deny_warnings_fails_on_a_warning_and_writes_nothing() {
    // A Service without a selector that nothing fills is a warning (E0142).
    let main = "env prod {}\n\ncomponent a {\n  namespace: \"a\"\n  objects: [{\n    apiVersion: \"v1\"\n    kind: \"Service\"\n    metadata: { name: \"lonely\" }\n    spec: { ports: [{ port: 80 }] }\n  }]\n}\n";
    let p = project(&[("cedc.toml", CONFIG), ("main.ced", main)]);
    let o = run(&["build"], p.path());
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("E0142"), "the warning is shown: {}", stderr(&o));
    assert!(p.path().join("out").is_dir(), "a warning does not stop the build");
    fs::remove_dir_all(p.path().join("out")).expect("remove out");
    for args in [&["--deny-warnings", "build"][..], &["build", "--deny-warnings"], &["--deny-warnings", "check"]] {
        let o = run(args, p.path());
        assert_exit(&o, 1);
        assert!(stderr(&o).contains("E0142"), "{args:?}: {}", stderr(&o));
        assert!(!p.path().join("out").exists(), "{args:?}: nothing written");
    }
}

#[test]
fn a_project_is_found_from_a_directory_inside_it() {
    let p = project(&[("cedc.toml", CONFIG), ("main.ced", GOOD), ("lib/notes.txt", "")]);
    let o = run(&["check"], &p.path().join("lib"));
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("checked"), "{}", stderr(&o));
    let o = run(&["build"], &p.path().join("lib"));
    assert_exit(&o, 0);
    assert!(p.path().join("out/cedc-index.json").is_file(), "the project's own `out`, not one under lib/");
    assert!(!p.path().join("lib/out").exists());
    // Outside any project it is still an error naming the directory.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let o = run(&["check"], elsewhere.path());
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("not a cedc project"), "{}", stderr(&o));
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_definitions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let subcommands = ["build", "check", "render", "fmt", "lsp", "explain", "import", "diff", "completions", "man"];
    let o = run(&["completions", "bash"], dir.path());
    assert_exit(&o, 0);
    let script = stdout(&o);
    for s in subcommands {
        assert!(script.contains(s), "bash completion offers `{s}`");
    }
    assert!(script.contains("--message-format") && script.contains("sarif"), "options and their values");
    let path = dir.path().join("cedc.bash");
    fs::write(&path, &script).expect("write");
    let syntax = Command::new("bash").arg("-n").arg(&path).output().expect("run bash -n");
    assert!(syntax.status.success(), "bash reads the script: {}", String::from_utf8_lossy(&syntax.stderr));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell], dir.path());
        assert_exit(&o, 0);
        assert!(stdout(&o).contains("deny-warnings"), "{shell}");
    }
    let o = run(&["man"], dir.path());
    assert_exit(&o, 0);
    let page = stdout(&o);
    assert!(page.contains(".TH cedc 1"), "a section 1 page: {}", &page[..page.len().min(200)]);
    assert!(page.contains(".SH SYNOPSIS") && page.contains(".SH SUBCOMMANDS"), "{page}");
    for s in subcommands {
        assert!(page.contains(&format!("cedc\\-{s}")) || page.contains(&format!("cedc-{s}")), "the page names `{s}`");
    }
}

#[test]
fn diagnostics_name_files_from_the_current_directory() {
    let p = project(&[
        ("deploy/cedc.toml", CONFIG),
        ("deploy/main.ced", "env prod {}\nlet x: Port = 0\n"),
        ("deploy/lib/a.txt", ""),
    ]);
    let o = run(&["check", "deploy"], p.path());
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("[deploy/main.ced:2:15]"), "{}", stderr(&o));
    let o = run(&["check"], &p.path().join("deploy/lib"));
    assert!(stderr(&o).contains("[../main.ced:2:15]"), "{}", stderr(&o));
    let o = run(&["check"], &p.path().join("deploy"));
    assert!(stderr(&o).contains("[main.ced:2:15]"), "{}", stderr(&o));
    // Tools get the project-relative name, whatever the current directory.
    let o = run(&["--message-format", "json", "check", "deploy"], p.path());
    assert_eq!(json_diags(&o)[0]["primary"]["file"], "main.ced");
}
