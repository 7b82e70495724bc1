//! The pipeline: load → check types → evaluate every environment → derive generated
//! objects → check the platform (the emitters then read the checked platform). The
//! stages are sequenced in one place, `compile_here`. Each phase reports all it finds;
//! evaluation only runs on a program that type-checks.

use crate::project::{CONFIG_FILE, CrdFile, Dependency, Project};
use cedc_diagnostics::{Diagnostic, Diagnostics, Files, merge_across_envs};
use cedc_diagnostics::{FileId, Severity, Span};
use cedc_model::Platform;
use cedc_names::{FileSystem, Program};
use cedc_schema::{Registry, Scope};
use cedc_types::Checked;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Compilation {
    pub program: Program,
    /// The checker's results (types of declarations, environments, components); the
    /// language server reads them for hover and completion. `None` when loading failed.
    /// Shared with the [`Kept`] that gave it, if any.
    pub checked: Option<Arc<Checked>>,
    pub platform: Option<Platform>,
    /// The kinds this compilation knew: built-in ones and the project's CRDs.
    pub registry: Registry,
    pub diagnostics: Diagnostics,
}

impl Compilation {
    pub fn files(&self) -> &Files {
        &self.program.files
    }
    /// No errors (warnings may remain) and the platform was evaluated.
    pub fn ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error) && self.platform.is_some()
    }
}

/// What cedc.toml says besides the entry files: the CRD files and the kinds left
/// unchecked (`[schemas]`), and the dependencies (`[dependencies]`, found from `root`).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub crds: Vec<CrdFile>,
    /// `apiVersion/Kind` of kinds whose objects are not checked against a schema.
    pub unchecked: Vec<String>,
    pub dependencies: Vec<Dependency>,
    /// The project directory: path dependencies and cedc.lock are found from it.
    pub root: PathBuf,
}

impl Settings {
    pub fn of(project: &Project) -> Settings {
        Settings {
            crds: project.crds.clone(),
            unchecked: project.unchecked.clone(),
            dependencies: project.dependencies.clone(),
            root: project.root.clone(),
        }
    }
}

/// Compile a project's entry files. `config_file` (the text of cedc.toml) is added to
/// the file table first so configuration diagnostics can point into it.
///
/// Runs on its own thread with a large stack: checking and evaluation recurse over
/// user input (bounded by the nesting, call and declaration-chain limits), and a debug
/// build's frames are big. The stack is reserved lazily, so this costs nothing unused.
pub fn compile(fs: &(dyn FileSystem + Sync), entries: &[String], config: Option<(String, String)>) -> Compilation {
    compile_with(fs, entries, config, &Settings::default())
}

/// The stack of the threads compiling: checking and evaluation recurse over the program
/// and values as deep as the parser allows.
const STACK: usize = 1 << 30;

/// What compilations may keep between them (the language server's, shared by all its
/// compilations): a file whose text did not change is not parsed again, a fetched
/// dependency whose files did not change (names, sizes, modification times) is not
/// hashed again, and a component that reads nothing that changed is not evaluated again.
#[derive(Clone, Debug, Default)]
pub struct Kept {
    pub parses: std::sync::Arc<cedc_names::ParseCache>,
    pub packages: std::sync::Arc<crate::packages::Verified>,
    /// Each component's evaluation, taken again where nothing it reads changed
    /// ([`cedc_eval::remember`]).
    pub evaluations: std::sync::Arc<cedc_eval::Remembered>,
    /// The objects the checks found nothing in ([`cedc_checks::Remembered`]).
    pub checks: std::sync::Arc<cedc_checks::Remembered>,
    /// The last type check ([`Typed`]).
    pub types: std::sync::Arc<Typed>,
}

/// The last type check, by the modules and the kinds it checked: the language server's
/// whole check follows a check of the names and types of the same text, which it takes
/// rather than checks again (types are computed from the syntax trees, the import graph
/// and the kinds alone).
#[derive(Debug, Default)]
pub struct Typed {
    last: cedc_names::Last<(cedc_names::ModuleKeys, u64), (Arc<Checked>, Diagnostics)>,
}

impl Typed {
    /// `program` type-checked knowing `registry` (whose fingerprint is `kinds`): the
    /// last check if it was of the same modules and kinds, else checked now (and kept).
    fn check(&self, program: &Program, registry: &Registry, kinds: u64) -> (Arc<Checked>, Diagnostics) {
        self.last.get_or((cedc_names::ModuleKeys::of(program), kinds), || {
            let (checked, diags) = cedc_types::check_with(program, registry);
            (Arc::new(checked), diags)
        })
    }
}

/// How far a compilation goes and what it may reuse (the language server's needs; the
/// command line uses the default: everything, nothing kept).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub kept: Option<Kept>,
    /// Stop after the type checker: the diagnostics of loading, names and types, which
    /// the language server publishes first (when they hold an error, they are all a
    /// whole compilation would give: evaluation only runs on a program that
    /// type-checks).
    pub front_only: bool,
    /// Called after evaluation and after derive, once what that stage made and no
    /// longer needs (the interner's tables, intermediate values) is freed: the command
    /// line returns that memory to the system there (its allocator's collection), so
    /// that the next stage's peak is not added to memory only waiting to be released.
    pub between_stages: Option<fn()>,
    /// Drop the syntax trees and the names' resolution once evaluation is done (see
    /// [`release_syntax`]): what the command line's `check`, `render` and `build` ask,
    /// which read only the files, the platform and the diagnostics afterwards. The
    /// syntax of a large platform is about a tenth of its memory at the checks' peak.
    pub release_syntax: bool,
}

/// [`compile`], with the project's CRDs and unchecked kinds.
pub fn compile_with(
    fs: &(dyn FileSystem + Sync),
    entries: &[String],
    config: Option<(String, String)>,
    schemas: &Settings,
) -> Compilation {
    compile_opts(fs, entries, config, schemas, &Options::default())
}

/// [`compile_with`], going as far as `options` says.
pub fn compile_opts(
    fs: &(dyn FileSystem + Sync),
    entries: &[String],
    config: Option<(String, String)>,
    schemas: &Settings,
    options: &Options,
) -> Compilation {
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("cedc-compile".into())
            .stack_size(STACK)
            .spawn_scoped(s, || compile_here(fs, entries, config.clone(), schemas, options));
        match worker.map(|h| h.join()) {
            Ok(Ok(c)) => c,
            _ => Compilation {
                program: Program::default(),
                checked: None,
                platform: None,
                registry: Registry::default(),
                diagnostics: vec![
                    Diagnostic::error("E0060", "the compiler stopped unexpectedly")
                        .help("this is a bug in cedc; please report it with the input that caused it"),
                ],
            },
        }
    })
}

fn compile_here(
    fs: &(dyn FileSystem + Sync),
    entries: &[String],
    config: Option<(String, String)>,
    schemas: &Settings,
    options: &Options,
) -> Compilation {
    let mut clock = Clock::from_env();
    // The built-in schemas are the same for every project: built once per process, the
    // first time while the project is read and parsed (`load_schemas` waits for them).
    static SCHEMAS: std::sync::Once = std::sync::Once::new();
    SCHEMAS.call_once(|| {
        let _ = std::thread::Builder::new().name("cedc-schemas".into()).stack_size(STACK).spawn(|| {
            cedc_schema::core::registry();
        });
    });
    let verified = options.kept.as_ref().map(|k| &*k.packages);
    let (packages, problems) = crate::packages::resolve_with(&schemas.root, &schemas.dependencies, verified);
    let unavailable: Vec<String> =
        schemas.dependencies.iter().map(|d| d.name.clone()).filter(|n| !packages.contains_key(n)).collect();
    let (mut program, mut diags) =
        cedc_names::load_project_cached(fs, entries, packages, &unavailable, options.kept.as_ref().map(|k| &*k.parses));
    clock.lap("load and parse");
    let config_file = config.map(|(name, text)| program.files.add(name, text));
    for p in problems {
        let d = Diagnostic::error("E0014", p.message).help(p.help);
        diags.push(match config_file {
            Some(f) => d.at(Span::new(f, p.span.start, p.span.end), "this dependency"),
            None => d,
        });
    }
    let (mut registry, kinds) = load_schemas(fs, &mut program.files, config_file, &schemas.crds, &mut diags);
    clock.lap("schemas");
    if !unavailable.is_empty() {
        // Names from a dependency that is not there would each be another error: the
        // project is checked once its dependencies are available.
        return Compilation { program, checked: None, platform: None, registry, diagnostics: diags };
    }
    let (checked, type_diags) = match options.kept.as_ref() {
        Some(kept) => kept.types.check(&program, &registry, kinds),
        None => {
            let (checked, diags) = cedc_types::check_with(&program, &registry);
            (Arc::new(checked), diags)
        }
    };
    clock.lap("types");
    diags.extend(type_diags);
    if checked.envs.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::error("E0081", "the project declares no environment")
                .help("declare at least one: `env prod { }` — every component is evaluated once per environment"),
        );
    }
    if options.front_only || diags.iter().any(Diagnostic::is_error) {
        return Compilation { program, checked: Some(checked), platform: None, registry, diagnostics: diags };
    }
    let (mut platform, eval_diags) = {
        let cluster_scoped = |group: &str, kind: &str| match registry.scope_of(group, kind) {
            Some(scope) => scope == Scope::Cluster,
            None => cedc_model::is_cluster_scoped(group, kind),
        };
        match options.kept.as_ref() {
            Some(kept) => {
                let inputs = cedc_eval::Inputs { kinds };
                cedc_eval::evaluate_remembering(&program, &checked, &cluster_scoped, &kept.evaluations, inputs)
            }
            None => cedc_eval::evaluate(&program, &checked, &cluster_scoped),
        }
    };
    diags.extend(merge_across_envs(eval_diags));
    let bodies = function_bodies(&program);
    if options.release_syntax {
        release_syntax(&mut program);
    }
    clock.lap("eval");
    stage_done(options);
    let derived = cedc_derive::derive(&mut platform);
    diags.extend(merge_across_envs(derived));
    clock.lap("derive");
    stage_done(options);
    let composites = add_composite_kinds(&mut registry, &platform);
    let remembered = options.kept.as_ref().map(|k| (&*k.checks, kinds ^ composites));
    let mut checks = cedc_checks::check_remembering(&platform, &registry, &schemas.unchecked, remembered);
    uses_of_functions(&mut checks, &bodies);
    diags.extend(merge_across_envs(checks));
    clock.lap("checks");
    Compilation { program, checked: Some(checked), platform: Some(platform), registry, diagnostics: diags }
}

fn stage_done(options: &Options) {
    if let Some(f) = options.between_stages {
        f();
    }
}

/// With `CEDC_TIMINGS` set, how long each stage took, on standard error (for
/// `scripts/bench` and profiling; never in any output): its wall time and the CPU time
/// all the process's threads spent in it (their ratio is how many cores it kept busy).
pub struct Clock(Option<(std::time::Instant, f64)>);

impl Clock {
    pub fn from_env() -> Clock {
        Clock(std::env::var_os("CEDC_TIMINGS").map(|_| (std::time::Instant::now(), cpu_ms())))
    }
    /// Print how long since the last lap `stage` took (when timing), the CPU time spent
    /// meanwhile, and the memory the process holds after it where the system says (Linux).
    pub fn lap(&mut self, stage: &str) {
        if let Some((start, cpu)) = self.0 {
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            let cpu_now = cpu_ms();
            let spent = cpu_now - cpu;
            match resident_mib() {
                Some(mib) => {
                    eprintln!("cedc timings: {stage:<16} {ms:>8.1} ms {spent:>8.1} ms cpu {mib:>8} MiB resident")
                }
                None => eprintln!("cedc timings: {stage:<16} {ms:>8.1} ms {spent:>8.1} ms cpu"),
            }
            self.0 = Some((std::time::Instant::now(), cpu_now));
        }
    }
}

/// The CPU time the process's threads have used, in milliseconds (0 where the system
/// does not say).
fn cpu_ms() -> f64 {
    #[cfg(unix)]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6
    }
    #[cfg(not(unix))]
    {
        0.0
    }
}

/// The process's resident memory in MiB, from `/proc/self/statm` (pages of 4 KiB).
fn resident_mib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1 << 20))
}

/// The checks name the call that made an object as where a problem found in it is used;
/// that holds only for a problem inside a function's body. Elsewhere (a component's own
/// labels put on a helper's object) the call is dropped.
fn uses_of_functions(diags: &mut Diagnostics, bodies: &[Span]) {
    for d in diags.iter_mut().filter(|d| !d.uses.is_empty()) {
        if !d.span().is_some_and(|at| bodies.iter().any(|b| b.contains(at))) {
            d.uses.clear();
        }
    }
}

/// Where each function's body is, for [`uses_of_functions`] (read before the syntax
/// may be released).
fn function_bodies(program: &Program) -> Vec<Span> {
    program
        .items()
        .filter_map(|(_, i)| match &i.kind {
            cedc_syntax::ast::ItemKind::Fn(f) => Some(f.body.span),
            _ => None,
        })
        .collect()
}

/// Drop what only the front of the pipeline and the editor read: each module's syntax
/// tree (an empty one in its place) and the names' resolution. The files, the modules'
/// names and their declarations' names stay; [`Program::items`] then yields nothing.
fn release_syntax(program: &mut Program) {
    for m in &mut program.modules {
        m.ast = std::sync::Arc::new(cedc_syntax::ast::Module { items: Vec::new(), comments: Vec::new() });
    }
    program.resolution = Default::default();
}

/// The built-in kinds plus the project's CRDs, and a fingerprint of what the CRDs said
/// (the same for the same files read alike: what [`cedc_eval::Inputs`] compares). A CRD
/// file that cannot be read points at its `crds` pattern in cedc.toml; a problem inside
/// a file points at its line there.
fn load_schemas(
    fs: &dyn FileSystem,
    files: &mut Files,
    config_file: Option<FileId>,
    crds: &[CrdFile],
    diags: &mut Diagnostics,
) -> (Registry, u64) {
    use std::hash::{Hash, Hasher};
    let mut fingerprint = std::hash::DefaultHasher::new();
    let mut registry = cedc_schema::core::registry().clone();
    for crd in crds {
        let read = fs.read(&crd.path);
        (&crd.path, read.as_ref().ok()).hash(&mut fingerprint);
        let pattern = config_file.map(|f| Span::new(f, crd.pattern.start, crd.pattern.end));
        let text = match read.map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => {
                diags.push(located(
                    Diagnostic::error("E0110", format!("CRD file `{}` is not valid UTF-8", crd.path))
                        .help("save the file as UTF-8"),
                    pattern,
                    "named here",
                ));
                continue;
            }
            Err(e) => {
                diags.push(located(
                    Diagnostic::error("E0110", format!("cannot read CRD file `{}`: {e}", crd.path))
                        .help(format!("check the `crds` list of {CONFIG_FILE}")),
                    pattern,
                    "named here",
                ));
                continue;
            }
        };
        let report = cedc_schema::crd::load_into(&mut registry, &crd.path, &text);
        if report.problems.is_empty() {
            continue;
        }
        let file = files.add(crd.path.clone(), text);
        for p in report.problems {
            diags.push(crd_problem(files, file, &p, pattern));
        }
    }
    (registry, fingerprint.finish())
}

/// A problem found in the CRD file `file` (already in `files`), at its line there, or
/// else at `fallback` (the `crds` pattern naming the file). `cedc build` and
/// `cedc import crd` report CRD problems alike.
pub fn crd_problem(
    files: &Files,
    file: FileId,
    p: &cedc_schema::crd::CrdProblem,
    fallback: Option<Span>,
) -> Diagnostic {
    let path = &files.get(file).name;
    let what = p.crd.as_ref().map_or_else(|| format!("document {}", p.document), |c| format!("CRD `{c}`"));
    let (d, help) = match p.severity {
        Severity::Error => (
            Diagnostic::error("E0110", format!("{what} in `{path}` cannot be used: {}", p.message)),
            "fix the CRD, or remove it from the file; the file's other CRDs are loaded",
        ),
        Severity::Warning => (
            Diagnostic::warning("E0110", format!("{what} in `{path}`: {}", p.message)),
            "objects of this kind are checked less than others",
        ),
    };
    let span = p.line.map(|line| files.line_span(file, line));
    located(d.help(help), span.or(fallback), "here")
}

fn located(d: Diagnostic, span: Option<Span>, label: &str) -> Diagnostic {
    match span {
        Some(s) => d.at(s, label),
        None => d,
    }
}

/// Compile the project as its cedc.toml describes it.
pub fn compile_project(fs: &(dyn FileSystem + Sync), project: &Project, config_text: Option<String>) -> Compilation {
    compile_project_opts(fs, project, config_text, &Options::default())
}

/// [`compile_project`], going as far as `options` says.
pub fn compile_project_opts(
    fs: &(dyn FileSystem + Sync),
    project: &Project,
    config_text: Option<String>,
    options: &Options,
) -> Compilation {
    let config = config_text.map(|t| (CONFIG_FILE.to_string(), t));
    compile_opts(fs, &project.entry, config, &Settings::of(project), options)
}

/// The composite resource kinds the platform's CompositeResourceDefinitions define
/// (those of `composite` declarations, and any written by hand), so that composite
/// resources are checked against the schema their definition states. Returns a
/// fingerprint of the definitions (the same for the same definitions, 0 for none).
fn add_composite_kinds(registry: &mut Registry, platform: &cedc_model::Platform) -> u64 {
    use cedc_model::ObjectView;
    use cedc_model::views::crossplane::CompositeResourceDefinition;
    use std::hash::{Hash, Hasher};
    let mut fingerprint = None;
    for env in &platform.envs {
        for component in &env.components {
            for object in &component.objects {
                if CompositeResourceDefinition::cast(object).is_none() {
                    continue;
                }
                let Ok(json) = object.value.to_json() else { continue };
                (&object.name, json.to_string()).hash(fingerprint.get_or_insert_with(std::hash::DefaultHasher::new));
                for kind in cedc_schema::xrd::kinds(&json, &object.name) {
                    registry.insert(kind);
                }
            }
        }
    }
    fingerprint.map_or(0, |h| h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ConfigMap made by a helper with a number where its schema wants a string: the
    /// violation is inside the function's body, so the diagnostic names the call.
    const HELPER: &str = r#"
fn settings(name: String) -> Object = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: name },
  data: { size: 3 },
}

env prod { }

component web {
  namespace: "web"
  objects: [settings("web")]
}
"#;

    fn compiled(options: &Options) -> Compilation {
        let mut fs = cedc_names::MemoryFs::default();
        fs.files.insert("main.ced".into(), HELPER.as_bytes().to_vec());
        compile_opts(&fs, &["main.ced".to_string()], None, &Settings::default(), options)
    }

    #[test]
    fn released_syntax_leaves_the_diagnostics_as_they_were() {
        let kept = compiled(&Options::default());
        let released = compiled(&Options { release_syntax: true, ..Default::default() });
        assert!(
            kept.diagnostics.iter().any(|d| !d.uses.is_empty()),
            "a diagnostic names the call: {:?}",
            kept.diagnostics
        );
        assert_eq!(format!("{:?}", kept.diagnostics), format!("{:?}", released.diagnostics));
        assert!(kept.program.items().next().is_some());
        assert!(released.program.items().next().is_none(), "the syntax trees were released");
        let rendered = |c: &Compilation| c.diagnostics.iter().map(|d| d.render(c.files(), false)).collect::<String>();
        assert_eq!(rendered(&kept), rendered(&released), "the files stay, for the reports");
    }

    /// Two components make one object alike through a helper, each in an environment of
    /// its own: evaluation stores it as one value, and the checks apply the object rules
    /// once to that value — but each object names its own call as where the problem is
    /// used.
    #[test]
    fn one_value_made_by_two_calls_names_both() {
        let src = r#"
fn settings() -> Object = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: { name: "reader", labels: { "bad key!": "v" } },
  rules: 3,
}

env prod { }
env staging { }

component web {
  namespace: "shared"
  envs: [prod]
  objects: [settings()]
}

component api {
  namespace: "shared"
  envs: [staging]
  objects: [settings()]
}
"#;
        let mut fs = cedc_names::MemoryFs::default();
        fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
        let c = compile_opts(&fs, &["main.ced".to_string()], None, &Settings::default(), &Options::default());
        let objects: Vec<_> = c.platform.iter().flat_map(|p| &p.envs).flat_map(|e| e.written_objects()).collect();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].value_id(), objects[1].value_id(), "one value");
        assert_ne!(objects[0].made_by(), objects[1].made_by(), "made by two calls");
        let mut codes: Vec<(&str, usize)> = c.diagnostics.iter().map(|d| (d.code, d.uses.len())).collect();
        codes.sort();
        assert_eq!(codes, [("E0045", 2), ("E0101", 2)], "{:#?}", c.diagnostics);
    }
}
