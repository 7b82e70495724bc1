//! `cedc fmt`: the real binary on throw-away directories.
//!
//! - `--check` lists the unformatted files (paths as given, sorted), writes nothing and
//!   exits 1; it exits 0 when everything is formatted;
//! - without `--check`, files are rewritten in place, only when they change, leaving no
//!   temporary file behind and keeping their permissions;
//! - `-` / `--stdin` formats stdin to stdout;
//! - a syntax error is a diagnostic (exit 1) and leaves the file untouched;
//! - usage and I/O errors exit 2; nothing ever panics.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

const MESSY: &str = "let a={x:1,y:2}\nlet b=[1,2,3]\n";
const MESSY_FORMATTED: &str = "let a = { x: 1, y: 2 }\nlet b = [1, 2, 3]\n";
const FORMATTED: &str = "import \"std/k8s\"\n\nlet replicas = 2 // two\n";
const BROKEN: &str = "let a = [1, 2\n";

fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
    }
    dir
}

fn run(args: &[&str], dir: &Path) -> Output {
    run_stdin(args, dir, None)
}

fn run_stdin(args: &[&str], dir: &Path, input: Option<&str>) -> Output {
    let mut cmd = Command::new(CEDC);
    cmd.args(args).current_dir(dir).env_remove("NO_COLOR").env_remove("RUST_BACKTRACE");
    cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run cedc");
    if let Some(text) = input {
        let mut stdin = child.stdin.take().expect("stdin");
        // cedc may exit (a usage error) before reading its input: the pipe is then closed.
        if let Err(e) = stdin.write_all(text.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
    }
    child.wait_with_output().expect("wait for cedc")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    let err = stderr(o);
    for bad in ["panicked", "internal error", "overflowed its stack"] {
        assert!(!err.contains(bad), "stderr contains {bad:?}:\n{err}");
    }
    assert_eq!(o.status.code(), Some(code), "stdout:\n{}\nstderr:\n{err}", stdout(o));
}

fn read(dir: &TempDir, path: &str) -> String {
    fs::read_to_string(dir.path().join(path)).expect("read back")
}

/// Every file under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).expect("prefix").to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn check_lists_unformatted_files_and_writes_nothing() {
    let dir = tree(&[
        ("b.ced", MESSY),
        ("a/z.ced", MESSY),
        ("a/ok.ced", FORMATTED),
        ("notes.txt", MESSY),
        (".hidden/x.ced", MESSY),
        ("target/y.ced", MESSY),
    ]);
    let before = listing(dir.path());
    let o = run(&["fmt", "--check"], dir.path());
    assert_exit(&o, 1);
    assert_eq!(stdout(&o), "a/z.ced\nb.ced\n");
    assert!(stderr(&o).contains("2 of 3 files not formatted"), "{}", stderr(&o));
    assert_eq!(listing(dir.path()), before);
    assert_eq!(read(&dir, "b.ced"), MESSY);

    // Paths are shown as given.
    let o = run(&["fmt", "--check", "a", "./b.ced"], dir.path());
    assert_exit(&o, 1);
    assert_eq!(stdout(&o), "a/z.ced\nb.ced\n");

    let o = run(&["fmt", "--check", "a/ok.ced"], dir.path());
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), "");
}

#[test]
fn fmt_rewrites_files_in_place_only_when_they_change() {
    let dir = tree(&[("main.ced", MESSY), ("lib/ok.ced", FORMATTED), (".git/x.ced", MESSY), ("target/t.ced", MESSY)]);
    let o = run(&["fmt"], dir.path());
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("formatted 1 of 2 files"), "{}", stderr(&o));
    assert_eq!(read(&dir, "main.ced"), MESSY_FORMATTED);
    assert_eq!(read(&dir, "lib/ok.ced"), FORMATTED);
    // Hidden directories and `target` are not walked.
    assert_eq!(read(&dir, ".git/x.ced"), MESSY);
    assert_eq!(read(&dir, "target/t.ced"), MESSY);
    // No temporary file left behind.
    assert_eq!(listing(dir.path()), [".git/x.ced", "lib/ok.ced", "main.ced", "target/t.ced"]);

    // Formatting again changes nothing, and the tree now passes --check.
    let o = run(&["fmt"], dir.path());
    assert_exit(&o, 0);
    assert_eq!(stderr(&o), "");
    assert_eq!(read(&dir, "main.ced"), MESSY_FORMATTED);
    assert_exit(&run(&["fmt", "--check"], dir.path()), 0);
}

#[test]
fn an_explicit_file_is_formatted_whatever_its_name() {
    let dir = tree(&[("platform.txt", MESSY)]);
    assert_exit(&run(&["fmt", "platform.txt"], dir.path()), 0);
    assert_eq!(read(&dir, "platform.txt"), MESSY_FORMATTED);
}

#[cfg(unix)]
#[test]
fn rewriting_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[("main.ced", MESSY)]);
    let path = dir.path().join("main.ced");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    assert_exit(&run(&["fmt", "main.ced"], dir.path()), 0);
    assert_eq!(read(&dir, "main.ced"), MESSY_FORMATTED);
    assert_eq!(fs::metadata(&path).expect("stat").permissions().mode() & 0o777, 0o640);
}

#[test]
fn stdin_is_formatted_to_stdout() {
    let dir = tree(&[]);
    for args in [&["fmt", "-"][..], &["fmt", "--stdin"][..]] {
        let o = run_stdin(args, dir.path(), Some(MESSY));
        assert_exit(&o, 0);
        assert_eq!(stdout(&o), MESSY_FORMATTED);
    }
    assert!(listing(dir.path()).is_empty());
    let o = run_stdin(&["fmt", "--check", "-"], dir.path(), Some(MESSY));
    assert_exit(&o, 1);
    assert_eq!(stdout(&o), "<stdin>\n");
    let o = run_stdin(&["fmt", "--check", "-"], dir.path(), Some(MESSY_FORMATTED));
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), "");
}

#[test]
fn a_syntax_error_is_a_diagnostic_and_the_file_is_left_alone() {
    let dir = tree(&[("bad.ced", BROKEN), ("good.ced", MESSY)]);
    let o = run(&["fmt"], dir.path());
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("E0001") && err.contains("bad.ced:2:1"), "{err}");
    assert_eq!(read(&dir, "bad.ced"), BROKEN);
    // The other files are still formatted.
    assert_eq!(read(&dir, "good.ced"), MESSY_FORMATTED);

    let o = run_stdin(&["fmt", "-"], dir.path(), Some(BROKEN));
    assert_exit(&o, 1);
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("<stdin>:2:1"), "{}", stderr(&o));

    let o = run(&["--message-format", "json", "fmt", "--check", "bad.ced"], dir.path());
    assert_exit(&o, 1);
    let line = stderr(&o);
    let json: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON diagnostic");
    assert_eq!(json["code"], "E0001");
}

#[test]
fn invalid_utf8_is_a_diagnostic() {
    let dir = tree(&[]);
    fs::write(dir.path().join("latin1.ced"), b"let a = \"caf\xe9\"\n").expect("write");
    let o = run(&["fmt"], dir.path());
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("E0002"), "{}", stderr(&o));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = tree(&[("a.ced", MESSY)]);
    let o = run(&["fmt", "missing.ced"], dir.path());
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("missing.ced"), "{}", stderr(&o));
    assert_exit(&run_stdin(&["fmt", "-", "a.ced"], dir.path(), Some(MESSY)), 2);
    assert_exit(&run_stdin(&["fmt", "--stdin", "a.ced"], dir.path(), Some(MESSY)), 2);
    assert_eq!(read(&dir, "a.ced"), MESSY);
}

#[test]
fn formatting_through_the_cli_is_idempotent_on_the_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut n = 0;
    for (i, path) in ["examples/hello/main.ced", "examples/webapp/components.ced", "stdlib/k8s.ced"].iter().enumerate()
    {
        let text = fs::read_to_string(root.join(path)).expect("read example");
        // Scramble the layout: no indentation (these files hold no `"""` string).
        assert!(!text.contains("\"\"\""));
        let scrambled: String = text.lines().map(|l| format!("{}\n", l.trim_start())).collect();
        assert_ne!(scrambled, text);
        fs::write(dir.path().join(format!("f{i}.ced")), scrambled).expect("write");
        n += 1;
    }
    assert_exit(&run(&["fmt", "."], dir.path()), 0);
    let once: Vec<String> =
        (0..n).map(|i| fs::read_to_string(dir.path().join(format!("f{i}.ced"))).expect("read")).collect();
    let o = run(&["fmt", "--check", "."], dir.path());
    assert_exit(&o, 0);
    let o = run(&["fmt", "."], dir.path());
    assert_exit(&o, 0);
    for (i, text) in once.iter().enumerate() {
        assert_eq!(&fs::read_to_string(dir.path().join(format!("f{i}.ced"))).expect("read"), text);
    }
    // The scrambled examples come back exactly as committed (they are formatted).
    for (i, path) in ["examples/hello/main.ced", "examples/webapp/components.ced", "stdlib/k8s.ced"].iter().enumerate()
    {
        let committed = fs::read_to_string(root.join(path)).expect("read example");
        assert_eq!(once[i], committed, "{path}");
    }
}
