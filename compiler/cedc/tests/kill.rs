//! Killing `cedc build` at random moments (SIGKILL, seeded delays) while it replaces an
//! output directory that holds 2,000 files cedc did not generate.
//!
//! The promise checked after every kill (docs/cli.md, "Writing is safe"): the output
//! directory is the complete previous tree or the complete new tree — compared file by
//! file with reference builds — and every foreign file is there with its contents.
//! After the loop, one normal build must leave the new tree and no leftover
//! (`.out.cedc-*`) beside it but the spare (the previous tree, kept for the next build,
//! which most of these builds reuse as their staging tree).

#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The cedc under test: this build, or `CEDC_KILL_TEST_BIN` — how the test was run
/// against the writer before the kill-safe one, to see it fail (docs/reliability.md).
fn cedc() -> String {
    std::env::var("CEDC_KILL_TEST_BIN")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_cedc").into())
}
const CONFIG: &str = "[project]\nname = \"test\"\nentry = [\"main.ced\"]\nout = \"out\"\n";
const FOREIGN: usize = 2000;
const KILLS: usize = 24;

/// Two versions of one project: replicas and images change, a component is replaced
/// by another (files added, changed and removed between the two trees).
fn source(version: usize) -> String {
    let (replicas, last) = if version == 0 { (2, "batch") } else { (3, "cron") };
    let mut s = String::from("import \"std/k8s\"\n\nenv prod { replicas: REPLICAS }\nenv dev { replicas: 1 }\n");
    s = s.replace("REPLICAS", &replicas.to_string());
    for name in ["web", "api", "worker", last] {
        s.push_str(&format!(
            "\ncomponent {name} {{\n  namespace: \"{name}\"\n  objects: [\n    k8s.deployment(\"{name}\", image: \"nginx:1.{version}\", replicas: env.replicas, port: 8080),\n    k8s.service(\"{name}\", port: 80, target_port: 8080),\n  ]\n}}\n"
        ));
    }
    s
}

/// Every file under `dir` (relative path → bytes).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        for e in fs::read_dir(dir.join(&rel)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            if e.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.insert(path, fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

fn build(project: &Path, out: Option<&Path>) {
    let mut cmd = Command::new(cedc());
    cmd.arg("build").arg(project);
    if let Some(out) = out {
        cmd.arg("--out").arg(out);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Foreign files: in a directory of their own, at the top, and inside directories
/// cedc generates.
fn foreign_files(generated: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    let dirs: Vec<&str> = generated
        .keys()
        .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = BTreeMap::new();
    for i in 0..FOREIGN {
        let path = match i % 4 {
            0 | 1 => format!("notes/{}/n{i}.txt", i % 10),
            2 => format!("f{i}.txt"),
            _ => format!("{}/mine-{i}.txt", dirs[i % dirs.len()]),
        };
        out.insert(path, format!("foreign file {i}\n").into_bytes());
    }
    out
}

/// Which version `out` holds, checking the promise; panics if it is neither.
fn state(out: &Path, refs: &[BTreeMap<String, Vec<u8>>; 2], foreign: &BTreeMap<String, Vec<u8>>, at: &str) -> usize {
    assert!(out.is_dir(), "{at}: the output directory is gone");
    let mut all = files(out);
    for (path, bytes) in foreign {
        assert_eq!(all.remove(path).as_ref(), Some(bytes), "{at}: foreign file {path} lost or changed");
    }
    match refs.iter().position(|r| *r == all) {
        Some(v) => v,
        None => panic!("{at}: neither the old nor the new tree ({} generated files)", all.len()),
    }
}

/// The temporary directories of builds beside `out` (not the spare).
fn leftovers(project: &Path) -> Vec<String> {
    fs::read_dir(project)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out.cedc-") && n != ".out.cedc-spare")
        .collect()
}

/// What a build that has started writing changes beside `out`: a temporary directory
/// appears, or the spare's top directory changes (a build reusing the spare removes its
/// index and `.gitignore` first of all).
fn traces(project: &Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let spare = fs::symlink_metadata(project.join(".out.cedc-spare")).ok();
    let mut t = leftovers(project);
    t.push(format!("spare {:?}", spare.map(|m| (m.ino(), m.mtime(), m.mtime_nsec()))));
    t
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// A small deterministic generator (xorshift), so every run kills at the same delays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn builds_killed_at_random_moments_keep_a_complete_tree_and_every_foreign_file() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("p");
    fs::create_dir(&project).unwrap();
    fs::write(project.join("cedc.toml"), CONFIG).unwrap();
    // Reference trees, built without any interference.
    let mut refs: [BTreeMap<String, Vec<u8>>; 2] = Default::default();
    for (v, r) in refs.iter_mut().enumerate() {
        fs::write(project.join("main.ced"), source(v)).unwrap();
        let dir = tmp.path().join(format!("ref{v}"));
        build(&project, Some(&dir));
        *r = files(&dir);
    }
    assert_ne!(refs[0], refs[1]);
    let out = project.join("out");
    fs::write(project.join("main.ced"), source(0)).unwrap();
    build(&project, None);
    let foreign = foreign_files(&refs[0]);
    for (path, bytes) in &foreign {
        fs::create_dir_all(out.join(path).parent().unwrap()).unwrap();
        fs::write(out.join(path), bytes).unwrap();
    }
    assert_eq!(state(&out, &refs, &foreign, "before"), 0);

    // How long a build takes here, and the part of it spent writing (a build with
    // nothing to write stops before): kills are aimed at random moments of either.
    fs::write(project.join("main.ced"), source(1)).unwrap();
    let took = timed(|| build(&project, None));
    let mut current = state(&out, &refs, &foreign, "measured build");
    assert_eq!(current, 1);
    let checking = timed(|| build(&project, None));
    let writing = took.saturating_sub(checking).clamp(Duration::from_millis(5), Duration::from_millis(500));

    let mut rng = Rng(0x5eed_cedc_2026_0011);
    let mut interrupted = 0;
    let mut target = current;
    for i in 0..KILLS {
        target = 1 - current;
        fs::write(project.join("main.ced"), source(target)).unwrap();
        let before = traces(&project);
        let mut child = Command::new(cedc())
            .arg("build")
            .arg(&project)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Two kills in three land while the build writes (after its temporary directory
        // appears or the spare changes); the others anywhere in the whole build.
        let delay = if i % 3 < 2 {
            let start = Instant::now();
            while child.try_wait().unwrap().is_none() && traces(&project) == before && start.elapsed() < took * 4 {
                std::thread::sleep(Duration::from_micros(200));
            }
            writing.mul_f64((rng.next() % 1000) as f64 / 1000.0)
        } else {
            took.mul_f64((rng.next() % 1000) as f64 / 900.0)
        };
        std::thread::sleep(delay);
        child.kill().unwrap();
        let status = child.wait().unwrap();
        // Killed (not finished before the kill) after it had started writing.
        if std::os::unix::process::ExitStatusExt::signal(&status).is_some() && traces(&project) != before {
            interrupted += 1;
        }
        current = state(&out, &refs, &foreign, &format!("kill {i} after {delay:?}"));
    }
    eprintln!("a build takes {took:?}, {writing:?} of it writing; {interrupted} of {KILLS} kills interrupted a write");
    // The kills did land inside builds (each left something to recover).
    assert!(interrupted > 0, "no kill interrupted a write (a build takes {took:?})");

    build(&project, None);
    assert_eq!(state(&out, &refs, &foreign, "final build"), target);
    assert_eq!(leftovers(&project), Vec::<String>::new());
    assert!(project.join(".out.cedc-spare/.gitignore").is_file(), "the spare is kept, marked for git");
}
