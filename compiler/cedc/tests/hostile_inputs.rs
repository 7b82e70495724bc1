//! Inputs that once crashed or stalled `cedc` (issue 11): a diagnostic far into a very
//! long line, a very long misspelled name, CRD globs over symbolic-link loops, and
//! project files that are FIFOs. Each runs the real binary under a time limit, so a
//! hang fails the test instead of stalling the suite.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");
/// Generous: these finish in seconds; the limit only turns a hang into a failure.
const LIMIT: Duration = Duration::from_secs(180);

fn project(main: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\n").unwrap();
    fs::write(dir.path().join("main.ced"), main).unwrap();
    dir
}

/// Run `cedc args` in `dir` with `stdin`, killing it past [`LIMIT`]. Its output is
/// read as it comes, so a long report cannot block it on a full pipe.
fn run(args: &[&str], dir: &Path, stdin: &[u8]) -> Output {
    let mut child = Command::new(CEDC)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > LIMIT {
            child.kill().unwrap();
            panic!("`cedc {}` did not finish within {LIMIT:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    feeder.join().unwrap();
    Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_user_error(o: &Output, code: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{}", &err[..err.len().min(2000)]);
    assert!(!err.contains("internal error") && !err.contains("panicked"), "{}", &err[..err.len().min(2000)]);
    assert!(err.starts_with(code), "{}", &err[..err.len().min(2000)]);
}

#[test]
fn a_diagnostic_past_column_65536_is_rendered_around_its_span() {
    let main = format!("env prod {{}}\nlet x = {}y\n", " ".repeat(65528));
    let dir = project(&main);
    for args in [&["check", "."][..], &["build", "."][..]] {
        let o = run(args, dir.path(), b"");
        assert_user_error(&o, "E0020");
        let err = stderr(&o);
        assert!(err.contains("[main.ced:2:65537]"), "{err}");
        assert!(err.contains(&format!(" 2 │ …{}y\n", " ".repeat(60))), "{err}");
        assert!(err.len() < 2000, "the long line is shown whole: {} bytes", err.len());
    }
    // The formatter's own diagnostics go through the same renderer.
    let broken = format!("env prod {{}}\nlet x = {})\n", " ".repeat(70_000));
    fs::write(dir.path().join("main.ced"), &broken).unwrap();
    for (args, stdin) in [(&["fmt", "--check", "main.ced"][..], &b""[..]), (&["fmt", "-"][..], broken.as_bytes())] {
        let o = run(args, dir.path(), stdin);
        assert_user_error(&o, "E0001");
        assert!(stderr(&o).contains(":2:70009]"), "{}", stderr(&o));
    }
}

#[test]
fn a_million_character_misspelled_name_is_reported_without_a_suggestion_search() {
    let name = "a".repeat(1_000_000);
    let wrong = format!("{}b", &name[1..]);
    let dir = project(&format!("env prod {{}}\nlet {name} = 1\nlet y = {wrong}\n"));
    let o = run(&["check", "."], dir.path(), b"");
    assert_user_error(&o, "E0020");
    assert!(!stderr(&o).contains("did you mean"), "names this long get no suggestion");
}

#[cfg(unix)]
#[test]
fn crd_globs_end_on_symbolic_link_loops() {
    use std::os::unix::fs::symlink;
    let main = r#"env prod {}
component w {
  namespace: "w"
  objects: [{ apiVersion: "example.org/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: "big" } }]
}
"#;
    let dir = project(main);
    let root = dir.path();
    fs::write(root.join("cedc.toml"), "[project]\nname = \"t\"\n[schemas]\ncrds = [\"crds/**/*.yaml\"]\n").unwrap();
    fs::create_dir_all(root.join("crds/deep")).unwrap();
    fs::write(root.join("crds/deep/widget.yaml"), common::crds::WIDGET).unwrap();
    symlink(".", root.join("crds/a")).unwrap();
    symlink(".", root.join("crds/b")).unwrap();
    symlink("..", root.join("crds/deep/up")).unwrap();
    // The CRD is found once, and used: the wrong type of `size` is reported.
    let o = run(&["check", "."], root, b"");
    assert_user_error(&o, "E0101");
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("run mkfifo").success();
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn project_files_that_are_fifos_are_refused() {
    // The entry file.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\n").unwrap();
    mkfifo(&dir.path().join("main.ced"));
    let o = run(&["check", "."], dir.path(), b"");
    assert_user_error(&o, "E0010");
    assert!(stderr(&o).contains("`main.ced` is not a regular file"), "{}", stderr(&o));
    assert!(stderr(&o).contains("named pipe"), "{}", stderr(&o));
    // An imported file.
    let dir = project("import \"./lib.ced\"\nenv prod {}\n");
    mkfifo(&dir.path().join("lib.ced"));
    let o = run(&["check", "."], dir.path(), b"");
    assert_user_error(&o, "E0010");
    assert!(stderr(&o).contains("`lib.ced` is not a regular file"), "{}", stderr(&o));
    // cedc.toml (an I/O problem: exit 2).
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("cedc.toml"));
    let o = run(&["check", "."], dir.path(), b"");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("E0080") && stderr(&o).contains("named pipe"), "{}", stderr(&o));
    // A CRD file named without a glob: it is no file to match.
    let dir = project("env prod {}\n");
    fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\n[schemas]\ncrds = [\"w.yaml\"]\n").unwrap();
    mkfifo(&dir.path().join("w.yaml"));
    let o = run(&["check", "."], dir.path(), b"");
    assert!(stderr(&o).starts_with("E0080") && stderr(&o).contains("no file matches"), "{}", stderr(&o));
    // `cedc fmt` on one.
    let o = run(&["fmt", "--check", "w.yaml"], dir.path(), b"");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("named pipe"), "{}", stderr(&o));
    // `cedc import crd` of one (it used to wait for a writer forever).
    let dir = project("env prod {}\n");
    mkfifo(&dir.path().join("w.yaml"));
    let o = run(&["import", "crd", "w.yaml", "--dir", "."], dir.path(), b"");
    assert_user_error(&o, "E0110");
    assert!(stderr(&o).contains("named pipe"), "{}", stderr(&o));
}
