//! The `cedc` command line. Exit codes: 0 success, 1 user errors (diagnostics, or
//! drift with `build --check`), 2 usage or I/O errors.

use cedc::project::{self, Project};
use cedc_diagnostics::{Diagnostic, Files, codes};
use cedc_names::OsFs;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cedc", version, about = "Type-check a Kubernetes platform written in .ced and emit GitOps output")]
struct Cli {
    /// When to color diagnostics (NO_COLOR is respected by `auto`).
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    /// How to print diagnostics: for people, or one JSON object per line for tools.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    message_format: MessageFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum MessageFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Compile the project and write its Kustomize tree.
    Build {
        /// The project directory (holding cedc.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output directory (default: `out` from cedc.toml, relative to the project).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail listing every file that is missing, different or stale.
        #[arg(long)]
        check: bool,
    },
    /// Type-check and evaluate every environment; write nothing.
    Check {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print the objects of one environment (optionally one component) as YAML.
    Render {
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The environment to render.
        #[arg(long)]
        env: String,
        /// Only this component.
        #[arg(long)]
        component: Option<String>,
    },
    /// Explain a diagnostic code, such as E0030.
    Explain { code: String },
    /// Run the language server over stdin/stdout (editors start this).
    Lsp,
}

/// How the run ended.
enum Outcome {
    Ok,
    UserError,
    UsageError,
}

struct Reporter {
    color: bool,
    json: bool,
}

impl Reporter {
    fn report(&self, files: &Files, diags: &[Diagnostic]) {
        let mut err = std::io::stderr().lock();
        for d in diags {
            let text = if self.json { format!("{}\n", d.to_json(files)) } else { d.render(files, self.color) };
            let _ = err.write_all(text.as_bytes());
        }
        if !self.json && !diags.is_empty() {
            let n = diags.len();
            let _ = writeln!(err, "cedc: {n} error{}", if n == 1 { "" } else { "s" });
        }
    }
}

/// Parsing and evaluation recurse over user input; give them a large stack (reserved
/// lazily by the OS) so the nesting limits, not the stack, decide.
const STACK: usize = 256 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal(),
    };
    let reporter = Reporter { color, json: cli.message_format == MessageFormat::Json };
    let run =
        std::thread::Builder::new().name("cedc".into()).stack_size(STACK).spawn(move || run(cli.command, &reporter));
    let outcome = match run.map(|h| h.join()) {
        Ok(Ok(o)) => o,
        _ => {
            eprintln!("cedc: internal error: the compiler stopped unexpectedly; please report this with the input");
            Outcome::UsageError
        }
    };
    match outcome {
        Outcome::Ok => ExitCode::SUCCESS,
        Outcome::UserError => ExitCode::from(1),
        Outcome::UsageError => ExitCode::from(2),
    }
}

fn run(command: Command, r: &Reporter) -> Outcome {
    match command {
        Command::Explain { code } => explain(&code),
        Command::Lsp => match cedc_lsp::run_stdio() {
            Ok(()) => Outcome::Ok,
            Err(e) => {
                eprintln!("cedc lsp: {e}");
                Outcome::UsageError
            }
        },
        Command::Check { dir } => match compile(&dir, r) {
            Ok((_, c)) => {
                if let Some(p) = &c.platform {
                    let objects: usize = p.envs.iter().flat_map(|e| &e.components).map(|c| c.objects.len()).sum();
                    eprintln!(
                        "cedc: {} checked: {} environments, {} components, {} objects",
                        project::display(&dir),
                        p.envs.len(),
                        p.components.len(),
                        objects
                    );
                }
                Outcome::Ok
            }
            Err(o) => o,
        },
        Command::Render { dir, env, component } => render(&dir, &env, component.as_deref(), r),
        Command::Build { dir, out, check } => build(&dir, out, check, r),
    }
}

fn explain(code: &str) -> Outcome {
    match codes::explain(code) {
        Some(text) => {
            print!("{text}");
            Outcome::Ok
        }
        None => {
            eprintln!("cedc: unknown diagnostic code `{code}`; codes look like E0030 (see docs/diagnostics.md)");
            Outcome::UsageError
        }
    }
}

/// Load and compile a project; `Err` when it has errors (already reported).
fn compile(dir: &Path, r: &Reporter) -> Result<(Project, cedc::Compilation), Outcome> {
    let mut files = Files::new();
    let project = match project::load(dir, &mut files) {
        Ok(p) => p,
        Err(e) => {
            r.report(&files, &[e.diagnostic]);
            return Err(if e.io { Outcome::UsageError } else { Outcome::UserError });
        }
    };
    let fs = OsFs { root: dir.to_path_buf() };
    let c = cedc::compile(&fs, &project.entry, None);
    if !c.ok() {
        r.report(c.files(), &c.diagnostics);
        return Err(Outcome::UserError);
    }
    Ok((project, c))
}

fn render(dir: &Path, env: &str, component: Option<&str>, r: &Reporter) -> Outcome {
    let (_, c) = match compile(dir, r) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(platform) = &c.platform else { return Outcome::UserError };
    let Some(e) = platform.envs.iter().find(|e| e.name == env) else {
        let names: Vec<&str> = platform.envs.iter().map(|e| e.name.as_str()).collect();
        let d = Diagnostic::error("E0035", format!("there is no environment `{env}`"))
            .help(format!("the environments are: {}", names.join(", ")));
        r.report(c.files(), &[d]);
        return Outcome::UserError;
    };
    let comps: Vec<&cedc_model::Component> = match component {
        None => e.components.iter().collect(),
        Some(name) => match e.components.iter().find(|x| x.name == name) {
            Some(x) => vec![x],
            None => {
                let declared = platform.components.iter().any(|x| x.name == name);
                let msg = if declared {
                    format!("component `{name}` is not deployed in environment `{env}`")
                } else {
                    format!("there is no component `{name}`")
                };
                let names: Vec<&str> = e.components.iter().map(|x| x.name.as_str()).collect();
                let d = Diagnostic::error("E0071", msg).help(format!("components in `{env}`: {}", names.join(", ")));
                r.report(c.files(), &[d]);
                return Outcome::UserError;
            }
        },
    };
    let objects: Vec<&cedc_model::Object> = comps.iter().flat_map(|c| &c.objects).collect();
    match cedc_emit::render_objects(&objects) {
        Ok(yaml) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(yaml.as_bytes()).and_then(|_| out.flush()).is_err() {
                return Outcome::UsageError;
            }
            Outcome::Ok
        }
        Err(span) => {
            let d = Diagnostic::error("E0072", "this value cannot be written to YAML")
                .at(span, "not representable")
                .help("objects hold strings, numbers, booleans, lists and records");
            r.report(c.files(), &[d]);
            Outcome::UserError
        }
    }
}

fn build(dir: &Path, out: Option<PathBuf>, check: bool, r: &Reporter) -> Outcome {
    let (project, c) = match compile(dir, r) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(platform) = &c.platform else { return Outcome::UserError };
    let out = out.unwrap_or_else(|| project.root.join(&project.out));
    let shown = project::display(&out);
    let tree = match cedc_emit::kustomize_tree(platform) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cedc: {e}");
            return Outcome::UserError;
        }
    };
    if check {
        return match cedc_emit::check_tree(&out, &tree) {
            Ok(drift) if drift.is_empty() => {
                eprintln!("cedc: {shown} is up to date ({} files)", tree.len());
                Outcome::Ok
            }
            Ok(drift) => {
                for d in &drift {
                    println!("{}: {}", d.kind, d.path);
                }
                eprintln!(
                    "cedc: {shown} is out of date: {} file{} missing, different or stale; run `cedc build` to update it",
                    drift.len(),
                    if drift.len() == 1 { "" } else { "s" }
                );
                Outcome::UserError
            }
            Err(e) => output_error(&e, r),
        };
    }
    match cedc_emit::write_tree(&out, &tree) {
        Ok(report) => {
            for w in &report.warnings {
                eprintln!("cedc: warning: {w}");
            }
            if report.is_unchanged() {
                eprintln!("cedc: {shown} is up to date ({} files)", report.files);
            } else {
                eprintln!(
                    "cedc: wrote {shown}: {} files ({} added, {} changed, {} removed)",
                    report.files,
                    report.added.len(),
                    report.changed.len(),
                    report.removed.len()
                );
            }
            Outcome::Ok
        }
        Err(e) => output_error(&e, r),
    }
}

fn output_error(e: &cedc_emit::OutputError, r: &Reporter) -> Outcome {
    r.report(&Files::new(), &[e.to_diagnostic()]);
    Outcome::UsageError
}
