//! A bounded fuzzing run, part of the test suite: fixed seeds, a few seconds each —
//! generated programs, mutants of the repository's `.ced` files, and language-server
//! sessions. Any broken property fails the test with the failures and the paths of
//! their minimised reproducers (under `CARGO_TARGET_TMPDIR`). `scripts/fuzz` runs the
//! same fuzzers for as long as asked.

use cedc_fuzz::campaign::{self, RunConfig, Summary};
use cedc_fuzz::generate::Options;
use cedc_fuzz::lsp::{self, ServerCommand};
use cedc_fuzz::worker::WorkerConfig;
use cedc_fuzz::{case::Case, corpus};
use std::path::PathBuf;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

/// How many inputs (or sessions) to run: `full` when the compiler under test is
/// optimised (`cargo test --release`, as `scripts/test` may run it), a fifth in a debug
/// build, where one compile costs about half a second of CPU; `CEDC_FUZZ_SCALE=N`
/// multiplies it for a longer hunt.
fn count(full: u64) -> u64 {
    let base = if cfg!(debug_assertions) { full / 5 } else { full };
    let factor = std::env::var("CEDC_FUZZ_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    base * factor
}

fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cedc-fuzz"))
}

fn out(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures").join(name)
}

fn config(seed: u64, inputs: u64, generated_percent: usize, name: &str) -> RunConfig {
    RunConfig {
        seed,
        inputs: Some(inputs),
        seconds: None,
        out: out(name),
        worker: WorkerConfig { exe: exe(), memory_mb: 4096, timeout: TIMEOUT },
        deep_every: 4,
        generated_percent,
        // Small stress features: a debug build is slow, and the run must take seconds.
        generator: Options { scale: 1, ..Options::default() },
        minimize_budget: Duration::from_secs(20),
        progress: None,
    }
}

fn report(s: &Summary) -> String {
    let mut text = Vec::new();
    let _ = s.print(&mut text);
    for f in &s.found {
        text.extend(format!("\n[{}] {}\n", f.failure.kind, f.failure.detail).into_bytes());
        if let Some(p) = &f.reproducer
            && let Ok(src) = std::fs::read(p)
            && src.len() < 2000
        {
            text.extend(b"--- reproducer\n");
            text.extend(src);
            text.extend(b"\n---\n");
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

#[test]
fn generated_programs_hold_every_property() {
    let s = campaign::run(&config(11, count(300), 100, "generated"), &[]);
    println!("{}", report(&s));
    assert_eq!(s.inputs, count(300));
    assert!(s.found.is_empty(), "{}", report(&s));
    // The generator must mostly write programs that type-check and evaluate, or it
    // would only exercise the checker's error paths.
    assert!(
        s.generated_clean * 2 > s.generated,
        "only {} of {} generated programs compiled",
        s.generated_clean,
        s.generated
    );
}

#[test]
fn mutants_of_the_repository_files_hold_every_property() {
    let seeds: Vec<(String, Case)> = corpus::seeds(&corpus::repo_root());
    assert!(seeds.len() > 20, "the repository's .ced files were not found");
    let s = campaign::run(&config(12, count(300), 0, "mutants"), &seeds);
    println!("{}", report(&s));
    assert_eq!(s.mutated, count(300));
    assert!(s.found.is_empty(), "{}", report(&s));
}

#[test]
fn language_server_sessions_are_answered() {
    let seeds: Vec<Vec<u8>> = corpus::seeds(&corpus::repo_root()).iter().map(|(_, c)| c.main().to_vec()).collect();
    let cmd = ServerCommand { program: exe(), args: vec!["lsp-server".into()], memory_mb: 4096, timeout: TIMEOUT };
    let s = lsp::run(&cmd, 13, Some(count(50)), None, 20, &seeds, &out("lsp"), Duration::from_secs(20));
    let found: Vec<String> = s
        .found
        .iter()
        .map(|(f, n, p)| {
            format!(
                "[{}] x{n} {}: {}",
                f.kind,
                p.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                f.detail
            )
        })
        .collect();
    println!("{} sessions, {} requests, {} answered", s.sessions, s.requests, s.answered);
    assert_eq!(s.sessions, count(50));
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(s.requests > s.sessions * 2, "only {} requests", s.requests);
}
