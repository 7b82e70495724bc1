//! What cedc prints and writes does not depend on how many cores it has: every example,
//! and a platform large enough for every parallel path (a file parsed in pieces,
//! evaluation in several parts, the checks' shared pass, the emitter's tasks, the
//! write stage's walks of a rebuild), gives the same `check`, `render --all-envs` and
//! built tree when the `cedc` process may use one core as when it may use them all.
//! The child is pinned with `sched_setaffinity` before it starts, which is what
//! `std::thread::available_parallelism` (and so `cedc_model::parallel::cores`) reads.
#![cfg(target_os = "linux")]

mod common;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Make `cmd`'s process run on one core: the first this process may use.
fn pin(cmd: &mut Command) {
    let allowed = rustix::thread::sched_getaffinity(None).expect("this process's cores");
    let first = (0..rustix::thread::CpuSet::MAX_CPU).find(|&c| allowed.is_set(c)).expect("a core");
    // SAFETY: the closure runs in the child between fork and exec and only makes the
    // `sched_setaffinity` system call (async-signal-safe); the set is made before.
    unsafe {
        cmd.pre_exec(move || {
            let mut one = rustix::thread::CpuSet::new();
            one.set(first);
            rustix::thread::sched_setaffinity(None, &one).map_err(std::io::Error::from)
        });
    }
}

/// `cedc` with `args` in `dir`, on one core (`pinned`) or on every core.
fn cedc(dir: &Path, args: &[&str], pinned: bool) -> (String, String, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cedc"));
    cmd.args(args).current_dir(dir);
    if pinned {
        pin(&mut cmd);
    }
    let out = cmd.output().expect("cedc runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under dir").to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&path).expect("readable"));
            }
        }
    }
    out
}

/// `check`, `render --all-envs` and three builds of the project in `dir` (a first, then
/// one after each of two calls of `edit`: the second build walks the output directory,
/// the third also the spare the second left), as printed and written.
fn outputs(dir: &Path, out: &Path, pinned: bool, edit: &dyn Fn(usize)) -> Vec<String> {
    let mut seen = Vec::new();
    for args in [&["check"][..], &["render", "--all-envs"][..]] {
        seen.push(format!("{args:?} {:?}", cedc(dir, args, pinned)));
    }
    let out_arg = out.to_string_lossy().into_owned();
    for round in 0..3 {
        if round > 0 {
            edit(round);
        }
        let (stdout, stderr, code) = cedc(dir, &["build", "--out", &out_arg], pinned);
        // The report names the output directory, which differs between the two runs.
        seen.push(format!("build {round}: {stdout:?} {:?} {code}", stderr.replace(&out_arg, "OUT")));
        seen.push(format!("{:?}", files(out)));
    }
    seen
}

/// Returns what was seen (the same either way).
fn assert_same_on_one_core(dir: &Path, edit: &dyn Fn(&Path, usize)) -> Vec<String> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let copy = |name: &str| -> PathBuf {
        let to = tmp.path().join(name);
        common::copy_dir(dir, &to);
        to
    };
    let (all, one) = (copy("all"), copy("one"));
    let everywhere = outputs(&all, &tmp.path().join("out-all"), false, &|round| edit(&all, round));
    let pinned = outputs(&one, &tmp.path().join("out-one"), true, &|round| edit(&one, round));
    assert_eq!(everywhere.len(), pinned.len());
    for (a, b) in everywhere.iter().zip(&pinned) {
        assert!(a == b, "{}: one core differs from every core:\n{}\n---\n{}", dir.display(), clip(a), clip(b));
    }
    everywhere
}

fn clip(s: &str) -> &str {
    &s[..s.len().min(2000)]
}

/// Append a comment to the first `.ced` file at the project's root: an edit that
/// changes no output (each rebuild finds the tree up to date).
fn touch_first_ced(dir: &Path, _round: usize) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ced"))
        .collect();
    entries.sort();
    if let Some(first) = entries.first() {
        let mut text = std::fs::read_to_string(first).expect("readable");
        text.push_str("\n// edited\n");
        std::fs::write(first, text).expect("writable");
    }
}

/// The examples the other tests read (each a project with its `cedc.toml`).
fn examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("examples/")
        .flatten()
        .map(|e| e.path())
        .filter(|d| d.join("cedc.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_example_is_the_same_on_one_core() {
    let examples = examples();
    assert!(examples.len() >= 4, "only {} examples found", examples.len());
    for dir in examples {
        assert_same_on_one_core(&dir, &touch_first_ced);
    }
}

/// `n` components × 3 environments, each a ConfigMap, a Deployment, its Service and an
/// HTTPRoute through a shared Gateway (the work of `scripts/bench-peers`), in one file.
fn platform(n: usize) -> String {
    let mut src = String::from(
        "import \"std/gateway\" as gw\nimport \"std/k8s\"\n\n\
         env prod { domain: \"example.org\" }\nenv staging { domain: \"staging.example.org\" }\n\
         env sandbox { domain: \"sandbox.example.org\" }\n\n\
         let public: gw.Parent = { gateway: \"public\", namespace: \"gateway\", listener: \"http\" }\n\n\
         component gateway {\n  namespace: \"gateway\"\n  provides: [\"projectcontour.io/gateway-controller\"]\n  objects: [\n    \
         gw.gateway_class(\"contour\", \"projectcontour.io/gateway-controller\"),\n    \
         gw.gateway(\"public\", class: \"contour\", listeners: [{ name: \"http\", port: 80, protocol: \"HTTP\", routes_from: \"All\" }]),\n  ]\n}\n\n\
         fn app(name: Name) -> List<Object> =\n  \
         let settings = k8s.config_map(\"{name}-settings\", data: { \"app.yaml\": \"name: {name}\" }) in\n  \
         let workload = k8s.deployment_of(name, containers: [k8s.container(name, image: \"ghcr.io/example/{name}:1.0.0\", ports: { http: 8080 })], replicas: 2) in\n  \
         let service = k8s.service_for(workload, port: 80) in\n  \
         [settings, workload, service, gw.http_route(name, parents: [public], hostnames: [\"{name}.{env.domain}\"], rules: [{ backends: [gw.backend(service, 80)] }])]\n\n",
    );
    for i in 0..n {
        src.push_str(&format!("component app-{i} {{\n  namespace: \"app-{i}\"\n  objects: app(\"app-{i}\")\n}}\n\n"));
    }
    src
}

#[test]
fn a_large_platform_is_the_same_on_one_core() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("platform");
    std::fs::create_dir_all(&dir).expect("create");
    let src = platform(700);
    // Large enough to be parsed in pieces and evaluated in several parts.
    assert!(src.len() >= 48 * 1024, "{} bytes", src.len());
    common::write_project(&dir, "[project]\nname = \"cores\"\n", &src);
    let (_, stderr, code) = cedc(&dir, &["check"], false);
    assert_eq!(code, 0, "the platform checks: {stderr}");
    // Each rebuild follows a change of one component's namespace: a few files
    // written, the rest linked.
    let edit = |d: &Path, round: usize| {
        let main = d.join("main.ced");
        let text = std::fs::read_to_string(&main).expect("readable");
        let (from, to) = if round == 1 { ("app-300", "app-300-r1") } else { ("app-300-r1", "app-300-r2") };
        let edited = text.replace(&format!("namespace: \"{from}\""), &format!("namespace: \"{to}\""));
        assert_ne!(edited, text, "round {round} changes the project");
        std::fs::write(&main, edited).expect("writable");
    };
    let seen = assert_same_on_one_core(&dir, &edit);
    // Both rebuilds wrote what changed, so the walks ran.
    let builds: Vec<&String> = seen.iter().filter(|s| s.starts_with("build ")).collect();
    assert_eq!(builds.len(), 3);
    for b in &builds[1..] {
        assert!(b.contains("0 added, ") && !b.contains(" 0 changed"), "{b}");
    }
}

/// The pinning works: a child pinned this way sees one core.
#[test]
fn a_pinned_child_sees_one_core() {
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "nproc"]);
    pin(&mut cmd);
    let out = cmd.output().expect("sh runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if cores < 2 {
        eprintln!("NOTE: this machine has one core: the one-core comparisons compare like with like");
    }
}
