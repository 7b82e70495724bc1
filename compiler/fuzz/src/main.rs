//! `cedc-fuzz`: run the fuzzers (`run`), or one of the processes they start (`worker`,
//! `lsp-server`), or replay reproducers (`replay`, `lsp-replay`), or print an input
//! (`input`). Exit code of `run` and the replays: 0 when nothing failed, 1 otherwise,
//! 2 on usage errors.

use cedc_fuzz::campaign::{self, RunConfig};
use cedc_fuzz::case::Case;
use cedc_fuzz::check::Flags;
use cedc_fuzz::corpus;
use cedc_fuzz::generate::Options;
use cedc_fuzz::lsp::{self, ServerCommand};
use cedc_fuzz::worker::{self, Verdict, Worker, WorkerConfig};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "cedc-fuzz", about = "Fuzz the cedc compiler, formatter and language server")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Parser, Clone)]
struct Common {
    /// Seconds an input (or a language-server request) may take.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Address-space cap of each worker and server, in MiB (0: none).
    #[arg(long, default_value_t = 4096)]
    memory_mb: u64,
    /// Where reproducers are written.
    #[arg(long, default_value = "target/fuzz-failures")]
    out: PathBuf,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the fuzzers for a number of inputs or seconds.
    Run {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Stop after this many compiler inputs.
        #[arg(long)]
        inputs: Option<u64>,
        /// Stop after this many seconds (shared with the language server with --lsp).
        #[arg(long)]
        seconds: Option<f64>,
        /// Every Nth input is also checked for determinism and formatting that keeps
        /// diagnostics and output (0: never).
        #[arg(long, default_value_t = 8)]
        deep_every: u64,
        /// Percentage of generated programs (the rest are mutants).
        #[arg(long, default_value_t = 50)]
        generated_percent: usize,
        /// Size of the generator's stress features (1: small).
        #[arg(long, default_value_t = 10)]
        scale: usize,
        /// Seconds spent minimising each distinct failure.
        #[arg(long, default_value_t = 60.0)]
        minimize_seconds: f64,
        /// Also fuzz the language server (a quarter of --seconds, or --lsp-sessions).
        #[arg(long)]
        lsp: bool,
        /// Language-server sessions to run (with --lsp; default 100 unless --seconds).
        #[arg(long)]
        lsp_sessions: Option<u64>,
        /// Steps per language-server session, at most.
        #[arg(long, default_value_t = 40)]
        lsp_steps: usize,
        /// The language server to fuzz: a `cedc` binary (run as `cedc lsp`); default this
        /// binary's `lsp-server`, the same server code.
        #[arg(long)]
        cedc: Option<PathBuf>,
        /// The repository whose .ced files are mutated.
        #[arg(long)]
        repo: Option<PathBuf>,
        /// No progress lines.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Check cases from stdin (started by `run`).
    Worker {
        #[arg(long, default_value_t = 0)]
        memory_mb: u64,
    },
    /// The language server, as `cedc lsp` runs it.
    LspServer,
    /// Check .ced files (as a project's main.ced) or project directories.
    Replay {
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Replay a language-server session written by `run --lsp`.
    LspReplay {
        session: PathBuf,
        main: PathBuf,
        #[arg(long)]
        cedc: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Print input INDEX of seed SEED (its main file) to stdout.
    Input {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        index: u64,
        #[arg(long, default_value_t = 50)]
        generated_percent: usize,
        #[arg(long, default_value_t = 10)]
        scale: usize,
        #[arg(long)]
        repo: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Worker { memory_mb } => match worker::serve(memory_mb) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cedc-fuzz worker: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::LspServer => lsp_server(),
        Cmd::Run {
            seed,
            inputs,
            seconds,
            deep_every,
            generated_percent,
            scale,
            minimize_seconds,
            lsp,
            lsp_sessions,
            lsp_steps,
            cedc,
            repo,
            quiet,
            common,
        } => {
            if inputs.is_none() && seconds.is_none() {
                eprintln!("cedc-fuzz: say how long to run: --inputs N or --seconds S");
                return ExitCode::from(2);
            }
            let repo = repo.unwrap_or_else(corpus::repo_root);
            let seeds = corpus::seeds(&repo);
            let compiler_seconds = seconds.map(|s| if lsp { s * 0.75 } else { s });
            let cfg = RunConfig {
                seed,
                inputs,
                seconds: compiler_seconds,
                out: common.out.clone(),
                worker: worker_config(&common),
                deep_every,
                generated_percent,
                generator: Options { scale, ..Options::default() },
                minimize_budget: Duration::from_secs_f64(minimize_seconds),
                progress: (!quiet).then(|| Duration::from_secs(10)),
            };
            eprintln!(
                "cedc-fuzz: seed {seed}, {} repository files to mutate, reproducers in {}",
                seeds.len(),
                common.out.display()
            );
            let summary = campaign::run(&cfg, &seeds);
            let _ = summary.print(&mut std::io::stdout());
            let mut failed = !summary.found.is_empty();
            if lsp {
                let sessions = lsp_sessions.or(if seconds.is_some() { None } else { Some(100) });
                let deadline = seconds.map(|s| Instant::now() + Duration::from_secs_f64(s * 0.25));
                let texts: Vec<Vec<u8>> = seeds.iter().map(|(_, c)| c.main().to_vec()).collect();
                let cmd = server_command(cedc.as_deref(), &common);
                let budget = Duration::from_secs_f64(minimize_seconds);
                let s = lsp::run(&cmd, seed, sessions, deadline, lsp_steps, &texts, &common.out, budget);
                println!(
                    "cedc-fuzz lsp: {} sessions, {} requests, {} answered, {} ended by the server with a reason after a malformed frame, in {:.1} s",
                    s.sessions,
                    s.requests,
                    s.answered,
                    s.exits_with_reason,
                    s.elapsed.as_secs_f64()
                );
                println!("cedc-fuzz lsp: {} distinct failures", s.found.len());
                for (f, n, path) in &s.found {
                    println!(
                        "  [{}] x{n}: {}\n      {}",
                        f.kind,
                        path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(not written)".into()),
                        f.signature()
                    );
                }
                failed |= !s.found.is_empty();
            }
            if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Cmd::Replay { paths, common } => replay(&paths, &common),
        Cmd::LspReplay { session, main, cedc, common } => {
            let Some(steps) = lsp::read_session(&session) else {
                eprintln!("cedc-fuzz: cannot read the session {}", session.display());
                return ExitCode::from(2);
            };
            let text = std::fs::read(&main).unwrap_or_default();
            let cmd = server_command(cedc.as_deref(), &common);
            match lsp::play(&cmd, &[("main.ced".into(), text)], &steps) {
                Ok(p) => {
                    println!("ok: {} requests, {} answered", p.requests, p.answered);
                    ExitCode::SUCCESS
                }
                Err((at, f)) => {
                    println!("fail at step {at}: [{}] {}", f.kind, f.detail);
                    ExitCode::from(1)
                }
            }
        }
        Cmd::Input { seed, index, generated_percent, scale, repo } => {
            let repo = repo.unwrap_or_else(corpus::repo_root);
            let seeds = corpus::seeds(&repo);
            let cfg = RunConfig {
                seed,
                inputs: None,
                seconds: None,
                out: PathBuf::new(),
                worker: WorkerConfig { exe: PathBuf::new(), memory_mb: 0, timeout: Duration::ZERO },
                deep_every: 0,
                generated_percent,
                generator: Options { scale, ..Options::default() },
                minimize_budget: Duration::ZERO,
                progress: None,
            };
            let (origin, case) = campaign::input(seed, index, &seeds, &cfg);
            eprintln!("cedc-fuzz: input #{index} of seed {seed}: {origin}");
            use std::io::Write;
            let _ = std::io::stdout().write_all(case.main());
            ExitCode::SUCCESS
        }
    }
}

fn worker_config(common: &Common) -> WorkerConfig {
    WorkerConfig {
        exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("cedc-fuzz")),
        memory_mb: common.memory_mb,
        timeout: Duration::from_secs_f64(common.timeout),
    }
}

fn server_command(cedc: Option<&Path>, common: &Common) -> ServerCommand {
    let (program, args) = match cedc {
        Some(p) => (p.to_path_buf(), vec!["lsp".to_string()]),
        None => {
            (std::env::current_exe().unwrap_or_else(|_| PathBuf::from("cedc-fuzz")), vec!["lsp-server".to_string()])
        }
    };
    ServerCommand { program, args, memory_mb: common.memory_mb, timeout: Duration::from_secs_f64(common.timeout) }
}

/// What `cedc lsp` does (compiler/cedc/src/main.rs): the server on a big stack.
fn lsp_server() -> ExitCode {
    let run = std::thread::Builder::new().stack_size(256 << 20).spawn(cedc_lsp::run_stdio);
    match run.map(|h| h.join()) {
        Ok(Ok(Ok(()))) => ExitCode::SUCCESS,
        Ok(Ok(Err(e))) => {
            eprintln!("cedc lsp: {e}");
            ExitCode::from(2)
        }
        _ => {
            eprintln!("cedc: internal error: the compiler stopped unexpectedly; please report this with the input");
            ExitCode::from(2)
        }
    }
}

/// A `.ced` file becomes a one-file project; a directory is read as a project.
fn load_case(path: &Path) -> Option<Case> {
    if !path.is_dir() {
        return std::fs::read(path).ok().map(Case::single);
    }
    let mut files = cedc_diagnostics::Files::new();
    let entries = cedc_driver::project::load(path, &mut files).ok()?.entry;
    let mut all = Vec::new();
    collect(path, path, &mut all);
    all.sort_by_key(|(name, _)| (name != "main.ced", name.clone()));
    Some(Case { files: all, entries })
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else if p.extension().is_some_and(|x| x == "ced")
            && let (Ok(rel), Ok(bytes)) = (p.strip_prefix(root), std::fs::read(&p))
        {
            out.push((rel.to_string_lossy().replace('\\', "/"), bytes));
        }
    }
}

fn replay(paths: &[PathBuf], common: &Common) -> ExitCode {
    let mut worker = Worker::new(worker_config(common));
    let mut failed = false;
    for p in paths {
        let Some(case) = load_case(p) else {
            eprintln!("cedc-fuzz: cannot read {}", p.display());
            return ExitCode::from(2);
        };
        match worker.run(&case, Flags { deep: true }) {
            Verdict::Pass { micros, clean } => {
                println!("ok   {} ({} ms{})", p.display(), micros / 1000, if clean { ", compiles" } else { "" })
            }
            Verdict::Fail(f) => {
                failed = true;
                println!("FAIL {} [{}] {}", p.display(), f.kind, f.detail);
            }
        }
    }
    if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
