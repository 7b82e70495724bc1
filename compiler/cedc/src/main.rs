//! The `cedc` command line. Exit codes: 0 success, 1 user errors (diagnostics, drift
//! with `build --check`, unformatted files with `fmt --check`), 2 usage or I/O errors.

mod allocator;
mod diff;
mod fetch;
mod github;
mod import;
mod import_chart;
mod import_repo;
mod memory;
mod oci;
mod sarif;

use cedc::project::{self, Project};
use cedc_diagnostics::{Diagnostic, Files, codes};
use cedc_names::OsFs;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cedc",
    version,
    long_version = long_version(),
    about = "Type-check a Kubernetes platform written in .ced and emit GitOps output"
)]
struct Cli {
    /// When to color diagnostics (`auto` follows NO_COLOR, CLICOLOR, CLICOLOR_FORCE and
    /// TERM=dumb).
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    /// How to print diagnostics: for people, one JSON object per line for tools, or
    /// GitHub Actions annotations.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    message_format: MessageFormat,
    /// Fail (exit 1, nothing written) when the project has warnings, as on errors.
    #[arg(long, global = true)]
    deny_warnings: bool,
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
    /// GitHub Actions workflow commands: annotations on the files and lines.
    Github,
    /// A SARIF 2.1.0 log, printed on stdout when the command ends.
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum DiffFormat {
    Text,
    Markdown,
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
        /// Also list what was not checked: CEL rules of the kinds in use, and kinds
        /// marked unchecked.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Add definitions to the project.
    Import {
        #[command(subcommand)]
        what: Import,
    },
    /// Print the objects of one environment (optionally one component) as YAML.
    Render {
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The environment to render.
        #[arg(long, required_unless_present = "all_envs")]
        env: Option<String>,
        /// Every environment, in declaration order, each headed by a comment naming it.
        #[arg(long, conflicts_with_all = ["env", "component"])]
        all_envs: bool,
        /// Only this component.
        #[arg(long)]
        component: Option<String>,
        /// Only the Argo CD objects delivering the environment (its app-of-apps).
        #[arg(long, conflicts_with = "component")]
        delivery: bool,
    },
    /// Explain a diagnostic code, such as E0030.
    Explain { code: String },
    /// Print a completion script for a shell (`cedc completions bash > /etc/bash_completion.d/cedc`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), made from these very definitions (`cedc man | man -l -`).
    Man,
    /// Show what changed in the platform since a git revision: per environment,
    /// component and object, each field with its old and new value and the `.ced` line
    /// that sets it. Exit status 1 when something changed.
    Diff {
        /// The project directory (holding cedc.toml), in a git repository.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The git revision to compare with (`main`, `HEAD~1`, a commit), or a directory
        /// holding a tree `cedc build` wrote (the committed output, `golden/`).
        #[arg(long)]
        against: String,
        /// `text` for a terminal, `markdown` for a pull-request comment, `json` for tools.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Write a documentation site of the project and the standard library: an
    /// environment × component matrix, per environment its hostnames, routes,
    /// certificates and sync-order graph, and every module's types and functions.
    Doc {
        /// The project directory (holding cedc.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output directory (default: `doc` in the project).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Download the dependencies cedc.toml declares (git commits, OCI artifacts) into
    /// the cache and pin them in cedc.lock; builds only read what this fetched.
    Fetch {
        /// The project directory (holding cedc.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Resolve every `rev` and `tag` again, instead of fetching what cedc.lock pins.
        #[arg(long)]
        update: bool,
    },
    /// Push a library (a directory of .ced files) to an OCI registry, for other
    /// projects to depend on.
    Publish {
        /// The library's directory.
        dir: PathBuf,
        /// Where to: `registry/repository:tag`.
        #[arg(long, value_name = "REFERENCE:TAG")]
        to: String,
    },
    /// Run the language server over stdin/stdout (editors start this).
    Lsp,
    /// Format .ced files in place, in the canonical style (docs/formatting.md).
    Fmt {
        /// Files, or directories searched for *.ced files (skipping hidden directories
        /// and `target`). `-` formats stdin to stdout.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Write nothing; list the files that are not formatted, and fail if there are any.
        #[arg(long)]
        check: bool,
        /// Format stdin to stdout (same as the path `-`).
        #[arg(long)]
        stdin: bool,
    },
}

#[derive(Subcommand)]
enum Import {
    /// Turn a repository of Kustomize directories (bases and `overlays/<env>`) into a
    /// cedc project rendering the same objects, with a report (IMPORT.md) of what was
    /// not carried over and what cedc's checks find in it.
    Repo {
        /// The repository (or a directory of it).
        source: PathBuf,
        /// The new project's directory (must not exist, or be empty).
        #[arg(long)]
        out: PathBuf,
        /// The kubectl whose `kustomize` builds each directory (default: $CEDC_KUBECTL,
        /// else `kubectl` on PATH).
        #[arg(long, value_name = "PATH")]
        kubectl: Option<PathBuf>,
        /// The environment's name when the repository has no overlays.
        #[arg(long, default_value = "prod")]
        env: String,
    },
    /// Read CustomResourceDefinition files, report their kinds, and record them in
    /// `[schemas] crds` of cedc.toml (files outside the project are copied to `crds/`).
    Crd {
        /// CRD files (YAML, several documents allowed); `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The project directory (holding cedc.toml).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Write the chart module of a Helm chart: its identity, a `Values` type from
    /// values.schema.json or values.yaml, what it installs (from `helm template`, when
    /// helm is found) and a typed `install` function.
    Chart {
        /// A chart directory (holding Chart.yaml) or a .tgz from `helm pull`.
        path: PathBuf,
        /// Write the module to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The chart's repository (`https://...` or `oci://...`).
        #[arg(long, value_name = "URL")]
        repository: Option<String>,
        /// The helm binary to run (default: $CEDC_HELM, else `helm` on PATH).
        #[arg(long, value_name = "PATH")]
        helm: Option<PathBuf>,
    },
}

/// Write a command's output; a closed stdout is an I/O error (exit 2).
fn print_stdout(text: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Outcome::Ok,
        Err(_) => Outcome::UsageError,
    }
}

/// How the run ended.
enum Outcome {
    Ok,
    UserError,
    UsageError,
}

struct Reporter {
    color: bool,
    format: MessageFormat,
    /// The SARIF results reported so far (`--message-format sarif`).
    sarif: std::sync::Mutex<Vec<serde_json::Value>>,
    /// `--deny-warnings`: a warning fails the command.
    deny_warnings: bool,
}

/// The directory the file names of diagnostics are relative to: the project's, once it
/// is known (for `--message-format github`, which names files from the repository root).
static BASE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

impl Reporter {
    fn report(&self, files: &Files, diags: &[Diagnostic]) {
        let mut err = std::io::stderr().lock();
        let base = BASE.get().map_or(Path::new("."), PathBuf::as_path);
        let root = matches!(self.format, MessageFormat::Github | MessageFormat::Sarif)
            .then(|| github::repository_root(base, std::env::var_os("GITHUB_WORKSPACE").map(PathBuf::from)));
        // For people, a project given by a relative path other than `.` shows its files
        // from the current directory (`examples/webapp/main.ced`); the standard library
        // keeps its names.
        let shown;
        let files = match base
            .to_str()
            .filter(|b| self.format == MessageFormat::Human && base.is_relative() && *b != "." && !diags.is_empty())
        {
            Some(_) => {
                shown = files.renamed(|name| {
                    let path = base.join(name);
                    if path.is_file() { project::display(&path) } else { name.to_string() }
                });
                &shown
            }
            None => files,
        };
        for d in diags {
            let text = match (self.format, &root) {
                (MessageFormat::Json, _) => format!("{}\n", d.to_json(files)),
                (MessageFormat::Github, Some(root)) => format!("{}\n", github::line(d, files, base, root)),
                (MessageFormat::Sarif, Some(root)) => {
                    if let Ok(mut results) = self.sarif.lock() {
                        results.push(sarif::result(d, files, base, root));
                    }
                    continue;
                }
                _ => d.render(files, self.color),
            };
            let _ = err.write_all(text.as_bytes());
        }
        if matches!(self.format, MessageFormat::Human | MessageFormat::Github) && !diags.is_empty() {
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let warnings = diags.len() - errors;
            let _ = match (errors, warnings) {
                (e, 0) => writeln!(err, "cedc: {e} error{}", plural(e)),
                (0, w) => writeln!(err, "cedc: {w} warning{}", plural(w)),
                (e, w) => writeln!(err, "cedc: {e} error{}, {w} warning{}", plural(e), plural(w)),
            };
        }
    }
}

/// Parsing and evaluation recurse over user input; give them a large stack (reserved
/// lazily by the OS) so the nesting limits, not the stack, decide.
const STACK: usize = 256 << 20;

/// `cedc --version`: the compiler's version and the versions of the schemas it checks
/// against.
fn long_version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        format!(
            "{} (Kubernetes {}, Gateway API {}, Argo CD {} schemas)",
            env!("CARGO_PKG_VERSION"),
            cedc_schema::core::kubernetes_version(),
            cedc_schema::gateway::GATEWAY_API_VERSION,
            cedc_schema::argocd::ARGO_CD_VERSION,
        )
    })
}

/// Whether `--color auto` colors, by the conventions: `NO_COLOR` (non-empty) and
/// `CLICOLOR=0` and `TERM=dumb` turn color off, `CLICOLOR_FORCE` (non-empty, not `0`)
/// turns it on even when stderr is not a terminal; otherwise color on a terminal.
fn auto_color(terminal: bool, var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |k: &str| var(k).filter(|v| !v.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    if set("CLICOLOR").as_deref() == Some("0") || set("TERM").as_deref() == Some("dumb") {
        return false;
    }
    terminal
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    memory::configure(matches!(cli.command, Command::Build { .. }));
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => auto_color(std::io::stderr().is_terminal(), |k| std::env::var(k).ok()),
    };
    let reporter =
        Reporter { color, format: cli.message_format, sarif: Default::default(), deny_warnings: cli.deny_warnings };
    let run = std::thread::Builder::new().name("cedc".into()).stack_size(STACK).spawn(move || {
        let outcome = run(cli.command, &reporter);
        if reporter.format == MessageFormat::Sarif {
            let results = reporter.sarif.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
            println!("{:#}", sarif::log(results));
        }
        outcome
    });
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
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "cedc", &mut std::io::stdout());
            Outcome::Ok
        }
        Command::Diff { dir, against, format } => diff_against(&dir, &against, format, r),
        Command::Man => {
            use clap::CommandFactory;
            match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => Outcome::Ok,
                Err(e) => {
                    eprintln!("cedc: cannot write the manual page: {e}");
                    Outcome::UsageError
                }
            }
        }
        Command::Lsp => match cedc_lsp::run_stdio() {
            Ok(()) => Outcome::Ok,
            Err(e) => {
                eprintln!("cedc lsp: {e}");
                Outcome::UsageError
            }
        },
        Command::Check { dir, verbose } => match compile(&dir, false, r) {
            Ok((project, c)) => {
                if verbose {
                    not_checked(&project, &c);
                }
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
        Command::Render { dir, env: Some(env), component, delivery, .. } => {
            render(&dir, &env, component.as_deref(), delivery, r)
        }
        Command::Render { dir, env: None, delivery, .. } => render_all(&dir, delivery, r),
        Command::Build { dir, out, check } => build(&dir, out, check, r),
        Command::Doc { dir, out } => doc(&dir, out, r),
        Command::Fetch { dir, update } => fetch_deps(&dir, update, r),
        Command::Publish { dir, to } => match fetch::publish(&dir, &to) {
            Ok(line) => {
                eprintln!("cedc: {line}");
                Outcome::Ok
            }
            Err(d) => {
                r.report(&Files::new(), &[d]);
                Outcome::UserError
            }
        },
        Command::Fmt { paths, check, stdin } => fmt(&paths, check, stdin, r),
        Command::Import { what: Import::Crd { files, dir } } => import_crd(&dir, &files, r),
        Command::Import { what: Import::Repo { source, out, kubectl, env } } => {
            import_repo(import_repo::Request { source, out, kubectl, env }, r)
        }
        Command::Import { what: Import::Chart { path, out, repository, helm } } => {
            import_chart(import_chart::Request { chart: path, repository, helm }, out.as_deref(), r)
        }
    }
}

/// `cedc check --verbose`: what the schemas say that cedc does not check.
fn not_checked(project: &Project, c: &cedc::Compilation) {
    let Some(p) = &c.platform else { return };
    let mut kinds: Vec<(String, String)> = p
        .envs
        .iter()
        .flat_map(|e| &e.components)
        .flat_map(|c| &c.objects)
        .map(|o| (o.api_version.to_string(), o.kind.to_string()))
        .collect();
    kinds.sort();
    kinds.dedup();
    let mut any = false;
    for (api_version, kind) in &kinds {
        if project.unchecked.iter().any(|u| *u == format!("{api_version}/{kind}")) {
            eprintln!("cedc: not checked: {api_version} {kind}: listed in [schemas] unchecked");
            any = true;
            continue;
        }
        let Some(k) = c.registry.lookup(api_version, kind) else { continue };
        let rules = cedc_schema::cel_rules(k);
        if rules.is_empty() {
            continue;
        }
        any = true;
        eprintln!(
            "cedc: not checked: {} CEL rule{} of {api_version} {kind} (x-kubernetes-validations):",
            rules.len(),
            if rules.len() == 1 { "" } else { "s" }
        );
        for (path, rule) in rules {
            eprintln!("  {path}: {rule}");
        }
    }
    if !any {
        eprintln!("cedc: every kind in use is checked; no CEL rule applies");
    }
}

fn import_crd(dir: &Path, files: &[PathBuf], r: &Reporter) -> Outcome {
    match import::import_crds(dir, files) {
        Ok(done) => {
            for line in &done.summary {
                eprintln!("cedc: imported {line}");
            }
            if !done.problems.is_empty() {
                r.report(&done.files, &done.problems);
            }
            for path in &done.recorded {
                eprintln!("cedc: recorded {path} in [schemas] crds of {}", project::CONFIG_FILE);
            }
            if done.problems.iter().any(Diagnostic::is_error) { Outcome::UserError } else { Outcome::Ok }
        }
        Err((files, d)) => {
            r.report(&files, &[d]);
            Outcome::UserError
        }
    }
}

/// `cedc import repo`: write the project, check it, write IMPORT.md. The project's
/// own problems (defects of the input) are reported, but do not fail the import.
fn import_repo(req: import_repo::Request, r: &Reporter) -> Outcome {
    let done = match import_repo::import(&req) {
        Ok(d) => d,
        Err(why) => {
            let d = Diagnostic::error("E0438", format!("cannot import `{}`: {why}", project::display(&req.source)))
                .help("import a directory holding Kustomize roots (kustomization.yaml) into a new directory");
            r.report(&Files::new(), &[d]);
            return Outcome::UserError;
        }
    };
    let (checks, errors) = match compile_at(&req.out, false) {
        Ok((_, c)) => {
            let text: String = c.diagnostics.iter().map(|d| d.render(c.files(), false)).collect();
            (text, c.diagnostics.iter().filter(|d| d.is_error()).count())
        }
        Err((files, e)) => (e.diagnostic.render(&files, false), 1),
    };
    let report = import_repo::report(&done, &checks, errors);
    if let Err(e) = std::fs::write(req.out.join("IMPORT.md"), report) {
        eprintln!("cedc: cannot write IMPORT.md: {e}");
        return Outcome::UsageError;
    }
    for c in &done.components {
        let sources = c.sources.join(", ");
        match &c.chart {
            Some((said, _)) => eprintln!("cedc: chart component {} ({said}) from {sources}", c.name),
            None => {
                eprintln!("cedc: imported {} ({} objects, {} overrides) from {sources}", c.name, c.objects, c.overrides)
            }
        }
    }
    for (dir, why) in &done.failed {
        eprintln!("cedc: not imported: {dir}: {}", why.lines().next().unwrap_or(""));
    }
    eprintln!(
        "cedc: wrote {} ({} environments, {} components); cedc check finds {errors} error{}: see IMPORT.md",
        project::display(&req.out),
        done.envs.len(),
        done.components.len(),
        if errors == 1 { "" } else { "s" }
    );
    Outcome::Ok
}

/// `cedc import chart`: the module on stdout or in `--out`; diagnostics and notes on
/// stderr.
fn import_chart(req: import_chart::Request, out: Option<&Path>, r: &Reporter) -> Outcome {
    let done = match import_chart::import_chart(&req) {
        Ok(d) => d,
        Err((files, d)) => {
            r.report(&files, &[d]);
            return Outcome::UserError;
        }
    };
    for note in &done.notes {
        eprintln!("cedc: {note}");
    }
    if !done.warnings.is_empty() {
        r.report(&done.files, &done.warnings);
    }
    let Some(out) = out else { return print_stdout(&done.module) };
    let tmp = out.with_file_name(format!(
        ".{}.{}.cedc-tmp",
        out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let written = std::fs::write(&tmp, &done.module).and_then(|()| std::fs::rename(&tmp, out));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        let d = Diagnostic::error("E0437", format!("cannot write `{}`: {e}", project::display(out)))
            .help("check that the directory exists and is writable");
        r.report(&Files::new(), &[d]);
        return Outcome::UsageError;
    }
    eprintln!("cedc: wrote {}", project::display(out));
    Outcome::Ok
}

/// `cedc fetch`: a line per dependency on stderr; a dependency that cannot be fetched
/// is an error (exit 1) and leaves its lock entry as it was.
fn fetch_deps(dir: &Path, update: bool, r: &Reporter) -> Outcome {
    let found = project::find_root(dir);
    let dir = found.as_deref().unwrap_or(dir);
    let _ = BASE.set(dir.to_path_buf());
    match fetch::fetch(dir, update) {
        Ok(done) => {
            for line in &done.lines {
                eprintln!("cedc: {line}");
            }
            r.report(&done.files, &done.problems);
            if done.problems.is_empty() { Outcome::Ok } else { Outcome::UserError }
        }
        Err((files, d)) => {
            r.report(&files, &[d]);
            Outcome::UserError
        }
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

/// Load and compile a project; `Err` when it has errors (already reported). The
/// compilation is never dropped: the command ends the process, and freeing a large
/// platform value by value took a tenth of `cedc check`'s time (scripts/bench).
/// Load the project whose root is `dir` and compile it, reporting nothing; a project
/// that cannot be loaded is the error, with the files it points into.
fn compile_at(
    dir: &Path,
    keep_syntax: bool,
) -> Result<(Project, ManuallyDrop<cedc::Compilation>), (Files, project::ProjectError)> {
    let mut files = Files::new();
    let project = project::load(dir, &mut files).map_err(|e| (files, e))?;
    let fs = OsFs { root: dir.to_path_buf() };
    let config = std::fs::read_to_string(dir.join(project::CONFIG_FILE)).ok();
    let options = cedc::Options {
        between_stages: Some(memory::return_freed),
        release_syntax: !keep_syntax,
        ..Default::default()
    };
    let c = ManuallyDrop::new(cedc::compile_project_opts(&fs, &project, config, &options));
    Ok((project, c))
}

fn compile(dir: &Path, keep_syntax: bool, r: &Reporter) -> Result<(Project, ManuallyDrop<cedc::Compilation>), Outcome> {
    // Run from inside a project (its `lib/`, say), the project is the nearest directory
    // above holding cedc.toml, as the language server finds it.
    let found = project::find_root(dir);
    let dir = found.as_deref().unwrap_or(dir);
    let _ = BASE.set(dir.to_path_buf());
    let (project, c) = match compile_at(dir, keep_syntax) {
        Ok(x) => x,
        Err((files, e)) => {
            r.report(&files, &[e.diagnostic]);
            return Err(if e.io { Outcome::UsageError } else { Outcome::UserError });
        }
    };
    // With `--deny-warnings` a warning fails the command as an error does (nothing is
    // written); without, warnings do not stop the build, but are shown.
    if !c.ok() || (r.deny_warnings && !c.diagnostics.is_empty()) {
        r.report(c.files(), &c.diagnostics);
        return Err(Outcome::UserError);
    }
    if !c.diagnostics.is_empty() {
        r.report(c.files(), &c.diagnostics);
    }
    Ok((project, c))
}

/// `cedc diff --against REV`: the project now against the same project at `rev`,
/// checked out by git into a temporary worktree (removed afterwards) and compiled there,
/// or against the tree `cedc build` wrote in the directory `rev`.
fn diff_against(dir: &Path, rev: &str, format: DiffFormat, r: &Reporter) -> Outcome {
    let (_, now) = match compile(dir, false, r) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(new) = &now.platform else { return Outcome::UserError };
    let tree = Path::new(rev);
    if tree.join("cedc-index.json").is_file() {
        return match diff::side_of_tree(tree) {
            Ok(old) => show_diff(&diff::changes(&old, &diff::side(new), now.files()), rev, format),
            Err(e) => {
                eprintln!("cedc: diff: {e}");
                Outcome::UsageError
            }
        };
    }
    let git = |args: &[&str], at: &Path| {
        let o = std::process::Command::new("git").args(args).current_dir(at).output();
        match o {
            Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
            Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            Err(e) => Err(format!("cannot run git: {e}")),
        }
    };
    let here = project::find_root(dir).unwrap_or_else(|| dir.to_path_buf());
    let (top, prefix) =
        match (git(&["rev-parse", "--show-toplevel"], &here), git(&["rev-parse", "--show-prefix"], &here)) {
            (Ok(t), Ok(p)) => (PathBuf::from(t), p),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("cedc: diff: {} is not in a git repository: {e}", project::display(&here));
                return Outcome::UsageError;
            }
        };
    let scratch = std::env::temp_dir().join(format!("cedc-diff-{}", std::process::id()));
    // A leftover of a run that was killed (same process id): gone first, and git told.
    let _ = std::fs::remove_dir_all(&scratch);
    let _ = git(&["worktree", "prune"], &top);
    let worktree = scratch.join("tree");
    let tree = worktree.to_string_lossy().into_owned();
    if let Err(e) = git(&["worktree", "add", "--detach", "--quiet", &tree, rev], &top) {
        eprintln!("cedc: diff: cannot check out `{rev}`: {e}");
        let _ = std::fs::remove_dir_all(&scratch);
        return Outcome::UsageError;
    }
    let then_dir = worktree.join(&prefix);
    let then = compile_at(&then_dir, false).ok().map(|(_, c)| c);
    let _ = git(&["worktree", "remove", "--force", &tree], &top);
    let _ = std::fs::remove_dir_all(&scratch);
    let Some(old) = then.as_ref().filter(|c| c.ok()).and_then(|c| c.platform.as_ref()) else {
        eprintln!("cedc: diff: the project does not compile at `{rev}`; nothing to compare with");
        return Outcome::UsageError;
    };
    show_diff(&diff::changes(&diff::side(old), &diff::side(new), now.files()), rev, format)
}

/// Print `changes` in `format`; the exit status says whether anything changed.
fn show_diff(changes: &[diff::Change], rev: &str, format: DiffFormat) -> Outcome {
    let shown = match format {
        DiffFormat::Text if changes.is_empty() => String::new(),
        DiffFormat::Text => diff::text(changes),
        DiffFormat::Markdown => diff::markdown(changes),
        DiffFormat::Json => format!("{:#}\n", diff::json(changes)),
    };
    print!("{shown}");
    if changes.is_empty() {
        eprintln!("cedc: no change to the platform since `{rev}`");
        Outcome::Ok
    } else {
        eprintln!("cedc: {} change{} since `{rev}`", changes.len(), if changes.len() == 1 { "" } else { "s" });
        Outcome::UserError
    }
}

fn render(dir: &Path, env: &str, component: Option<&str>, delivery: bool, r: &Reporter) -> Outcome {
    let (_, c) = match compile(dir, false, r) {
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
    let objects = rendered(e, comps.into_iter(), delivery);
    print_documents(&objects, Vec::new(), c.files(), r)
}

/// What `render` prints of environment `e`: its delivery objects, or the own objects of
/// the components `comps` (all of the environment's, or the one asked for).
fn rendered<'a>(
    e: &'a cedc_model::Environment,
    comps: impl Iterator<Item = &'a cedc_model::Component>,
    delivery: bool,
) -> Vec<&'a cedc_model::Object> {
    if delivery { e.delivery.iter().collect() } else { comps.flat_map(|c| &c.objects).collect() }
}

/// E0072: a value at `span` that YAML cannot hold.
fn unrepresentable(span: cedc_diagnostics::Span) -> Diagnostic {
    Diagnostic::error("E0072", "this value cannot be written to YAML")
        .at(span, "not representable")
        .help("objects hold strings, numbers, booleans, lists and records")
}

/// `cedc render --all-envs`: the objects of every environment (or their delivery), in
/// declaration order, each environment's headed by `# environment: <name>`, compiled once.
fn render_all(dir: &Path, delivery: bool, r: &Reporter) -> Outcome {
    let (_, c) = match compile(dir, false, r) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(platform) = &c.platform else { return Outcome::UserError };
    // Every environment's objects in one call: an object the environments make alike
    // is serialised once.
    let mut all: Vec<&cedc_model::Object> = Vec::new();
    // Where each environment's documents start, for those that have any.
    let mut headers: Vec<(usize, &str)> = Vec::with_capacity(platform.envs.len());
    for e in &platform.envs {
        let objects = rendered(e, e.components.iter(), delivery);
        if !objects.is_empty() {
            headers.push((all.len(), e.name.as_str()));
        }
        all.extend(objects);
    }
    print_documents(&all, headers, c.files(), r)
}

/// Print the YAML documents of `objects` as they are made (the whole text of a large
/// platform is tens of megabytes), `# environment: <name>` before the document each of
/// `headers` starts at. In writes of 256 KiB: with the default 8 KiB, platform-1,000's
/// 4 MB took 520 system calls, made while the other cores waited for the next documents.
fn print_documents(
    objects: &[&cedc_model::Object],
    headers: Vec<(usize, &str)>,
    files: &Files,
    r: &Reporter,
) -> Outcome {
    let mut clock = cedc_driver::Clock::from_env();
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    let mut headers = headers.into_iter().peekable();
    let mut at = 0;
    let written = cedc_emit::render_streamed(objects, |document| {
        let header = headers.next_if(|(start, _)| *start == at);
        at += 1;
        environment_document(&mut out, at == 1, header.map(|(_, name)| name), document)
    });
    let flushed = out.flush();
    clock.lap("emit");
    match written {
        Ok(Ok(())) if flushed.is_ok() => Outcome::Ok,
        Ok(_) => Outcome::UsageError,
        Err(span) => {
            r.report(files, &[unrepresentable(span)]);
            Outcome::UserError
        }
    }
}

/// One document of `render`: `---` before every one but the first, and (`--all-envs`)
/// `# environment: <name>` before the first of each environment.
fn environment_document(out: &mut impl Write, first: bool, env: Option<&str>, document: &str) -> std::io::Result<()> {
    if !first {
        out.write_all(b"---\n")?;
    }
    if let Some(name) = env {
        writeln!(out, "# environment: {name}")?;
    }
    out.write_all(document.as_bytes())
}

fn build(dir: &Path, out: Option<PathBuf>, check: bool, r: &Reporter) -> Outcome {
    let (project, mut c) = match compile(dir, false, r) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(platform) = c.platform.take() else { return Outcome::UserError };
    let out = out.unwrap_or_else(|| project.root.join(&project.out));
    let shown = project::display(&out);
    let mut clock = cedc_driver::Clock::from_env();
    // Laying out the tree needs the model and, for a problem, the sources alone: the
    // rest of the compilation (syntax, names, types, the schemas, 16 MiB at
    // platform-5,000) is freed on a thread of its own while the tree is made. Freed
    // after the tree instead, it was alive at the build's peak, the end of emission,
    // when the tree and its index are made.
    let files = std::mem::take(&mut c.program.files);
    let released = std::thread::Builder::new().name("cedc-release".into()).spawn(move || {
        drop(ManuallyDrop::into_inner(c));
        memory::return_freed();
    });
    let tree = match kustomize_tree(platform) {
        Ok(t) => t,
        Err(d) => {
            r.report(&files, &[d]);
            return Outcome::UserError;
        }
    };
    // What the emitter freed (the model, the plan) goes back to the system before the
    // writing stage reads the previous index and compares.
    memory::return_freed();
    clock.lap("emit");
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
    let written = cedc_emit::write_tree(&out, &tree);
    if let Ok(released) = released {
        let _ = released.join();
    }
    clock.lap("write");
    match written {
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

/// `cedc doc`: the site, written like a build's tree (whole or not at all, only over
/// files it wrote before).
fn doc(dir: &Path, out: Option<PathBuf>, r: &Reporter) -> Outcome {
    let (project, c) = match compile(dir, true, r) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let out = out.unwrap_or_else(|| project.root.join("doc"));
    let shown = project::display(&out);
    let tree = match cedc::doc::site(&c, &project.name) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cedc: cannot make the documentation site: {e}");
            return Outcome::UsageError;
        }
    };
    match cedc_emit::write_tree(&out, &tree) {
        Ok(report) => {
            eprintln!("cedc: wrote {shown}: {} files, open {shown}/index.html", report.files);
            Outcome::Ok
        }
        Err(e) => output_error(&e, r),
    }
}

/// The Kustomize tree of `platform`, or what stops it from being laid out as a coded
/// diagnostic at its `.ced` source (reported like every other problem). A build needs
/// the model no more once it is laid out: it goes as the tree grows
/// ([`cedc_emit::kustomize_tree_releasing`]).
fn kustomize_tree(platform: cedc_model::Platform) -> Result<cedc_emit::Tree, Diagnostic> {
    cedc_emit::kustomize_tree_releasing(platform).map_err(|e| e.to_diagnostic())
}

fn output_error(e: &cedc_emit::OutputError, r: &Reporter) -> Outcome {
    r.report(&Files::new(), &[e.to_diagnostic()]);
    Outcome::UsageError
}

// ------------------------------------------------------------------------- fmt

/// `cedc fmt`: format files in place, or with `--check` list those that are not
/// formatted; `-` (or `--stdin`) formats stdin to stdout.
fn fmt(paths: &[PathBuf], check: bool, stdin: bool, r: &Reporter) -> Outcome {
    let dash = paths.iter().any(|p| p.as_os_str() == "-");
    if stdin || dash {
        let only_stdin = if stdin { paths.iter().all(|p| p.as_os_str() == ".") } else { paths.len() == 1 };
        if !only_stdin {
            eprintln!("cedc: stdin (`-` or `--stdin`) cannot be combined with other paths");
            return Outcome::UsageError;
        }
        return fmt_stdin(check, r);
    }
    let mut outcome = Outcome::Ok;
    let mut files = Vec::new();
    for p in paths {
        if let Err(e) = collect_ced_files(p, &mut files) {
            eprintln!("cedc: cannot read {}: {e}", shown(p));
            outcome = worst(outcome, Outcome::UsageError);
        }
    }
    // In the order they are shown, once each (`a.ced` and `./a.ced` are one file).
    let mut files: Vec<(String, PathBuf)> = files.into_iter().map(|p| (shown(&p), p)).collect();
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    let (mut unformatted, mut rewritten) = (0, 0);
    for (name, path) in &files {
        let name = name.as_str();
        let text = match cedc_names::read_regular_file(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    let d = Diagnostic::error("E0002", format!("{name} is not valid UTF-8")).help("save it as UTF-8");
                    r.report(&Files::new(), &[d]);
                    outcome = worst(outcome, Outcome::UserError);
                    continue;
                }
            },
            Err(e) => {
                eprintln!("cedc: cannot read {name}: {e}");
                outcome = worst(outcome, Outcome::UsageError);
                continue;
            }
        };
        let formatted = match cedc_format::format_source(&text) {
            Ok(f) => f,
            Err(d) => {
                report_fmt_error(name, &text, d, r);
                outcome = worst(outcome, Outcome::UserError);
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if check {
            println!("{name}");
            unformatted += 1;
            outcome = worst(outcome, Outcome::UserError);
        } else {
            match write_atomically(path, &formatted) {
                Ok(()) => rewritten += 1,
                Err(e) => {
                    eprintln!("cedc: cannot write {name}: {e}");
                    outcome = worst(outcome, Outcome::UsageError);
                }
            }
        }
    }
    let n = files.len();
    let files_word = if n == 1 { "file" } else { "files" };
    if check && unformatted > 0 {
        let them = if unformatted == 1 { "it" } else { "them" };
        eprintln!("cedc: {unformatted} of {n} {files_word} not formatted; run `cedc fmt` to format {them}");
    } else if rewritten > 0 {
        eprintln!("cedc: formatted {rewritten} of {n} {files_word}");
    }
    outcome
}

fn fmt_stdin(check: bool, r: &Reporter) -> Outcome {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes) {
        eprintln!("cedc: cannot read stdin: {e}");
        return Outcome::UsageError;
    }
    let Ok(text) = String::from_utf8(bytes) else {
        r.report(&Files::new(), &[Diagnostic::error("E0002", "stdin is not valid UTF-8").help("send UTF-8 text")]);
        return Outcome::UserError;
    };
    match cedc_format::format_source(&text) {
        Ok(formatted) if check => {
            if formatted == text {
                Outcome::Ok
            } else {
                println!("<stdin>");
                Outcome::UserError
            }
        }
        Ok(formatted) => print_stdout(&formatted),
        Err(d) => {
            report_fmt_error("<stdin>", &text, d, r);
            Outcome::UserError
        }
    }
}

/// Report a diagnostic of the formatter; its spans point into `text` as
/// [`cedc_format::FILE`], the first file of a fresh table.
fn report_fmt_error(name: &str, text: &str, d: Diagnostic, r: &Reporter) {
    let mut files = Files::new();
    files.add(name, text);
    r.report(&files, &[d]);
}

/// `path` itself if it is not a directory; otherwise the `*.ced` files under it,
/// skipping hidden directories and `target`.
fn collect_ced_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !std::fs::metadata(path)?.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for e in std::fs::read_dir(path)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let child = path.join(&name);
        if e.file_type()?.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect_ced_files(&child, out)?;
            }
        } else if name.ends_with(".ced") {
            out.push(child);
        }
    }
    Ok(())
}

/// A path as the user wrote it (without a leading `./`), with `/` separators.
fn shown(p: &Path) -> String {
    project::display(p.strip_prefix(".").unwrap_or(p))
}

/// Replace `path` by `text` through a temporary file in the same directory, so no one
/// ever reads it half written. Keeps the file's permissions.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.cedc-fmt", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, std::fs::metadata(path)?.permissions())?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The more severe of two outcomes.
fn worst(a: Outcome, b: Outcome) -> Outcome {
    match (a, b) {
        (Outcome::UsageError, _) | (_, Outcome::UsageError) => Outcome::UsageError,
        (Outcome::UserError, _) | (_, Outcome::UserError) => Outcome::UserError,
        _ => Outcome::Ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_names::MemoryFs;

    fn compiled(src: &str) -> cedc::Compilation {
        let mut fs = MemoryFs::default();
        fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
        let c = cedc::compile(&fs, &["main.ced".to_string()], None);
        assert!(c.ok(), "{:?}", c.diagnostics);
        c
    }

    #[test]
    fn auto_color_follows_the_conventions() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert!(auto_color(true, env(&[])));
        assert!(!auto_color(false, env(&[])));
        assert!(!auto_color(true, env(&[("NO_COLOR", "1")])));
        assert!(auto_color(true, env(&[("NO_COLOR", "")])), "an empty NO_COLOR is unset");
        assert!(!auto_color(true, env(&[("CLICOLOR", "0")])));
        assert!(!auto_color(true, env(&[("TERM", "dumb")])));
        assert!(auto_color(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!auto_color(false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!auto_color(false, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])), "NO_COLOR wins");
    }

    #[test]
    fn the_long_version_names_the_schemas() {
        let v = long_version();
        assert!(v.starts_with(env!("CARGO_PKG_VERSION")), "{v}");
        assert!(v.contains(&format!("Kubernetes {}", cedc_schema::core::kubernetes_version())), "{v}");
        assert!(v.contains(cedc_schema::gateway::GATEWAY_API_VERSION), "{v}");
    }

    /// The checks catch every problem the emitter refuses before it runs, so a refused
    /// platform is made by hand here: one environment twice. The build reports it as a
    /// coded diagnostic at its source, with a help line, not as a bare sentence.
    #[test]
    fn an_emit_error_is_a_coded_diagnostic_at_its_source() {
        let mut c = compiled("env prod { }\n");
        let Some(mut platform) = c.platform.take() else { panic!("no platform") };
        let env = platform.envs[0].clone();
        platform.envs.push(env);
        let Err(d) = kustomize_tree(platform) else { panic!("a duplicate environment was laid out") };
        let text = d.render(c.files(), false);
        assert_eq!(d.code, "E0021", "{text}");
        assert!(text.starts_with("E0021"), "{text}");
        assert!(text.contains("environment `prod` is declared twice"), "{text}");
        assert!(text.contains("main.ced:1:5"), "{text}");
        assert!(text.contains("help: rename one of the environments"), "{text}");
    }

    #[test]
    fn a_platform_the_checks_accept_is_laid_out() {
        let mut c = compiled("env prod { }\n");
        let Some(platform) = c.platform.take() else { panic!("no platform") };
        assert!(kustomize_tree(platform).is_ok_and(|t| t.contains_key("envs/prod/kustomization.yaml")));
    }
}
