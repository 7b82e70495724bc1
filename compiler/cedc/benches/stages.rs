//! Each stage of the pipeline timed on its own, on platform-1,000 of `scripts/bench`
//! (1,000 components in 3 environments, each a ConfigMap, a Deployment with the
//! ConfigMap mounted and a probe, its Service, a PodDisruptionBudget and an HTTPRoute
//! through a shared Gateway), held in memory:
//!
//! - `load`: reading and parsing the project and the standard library, and resolving
//!   every name (`cedc_names::load_project`);
//! - `types`: the type checker; `eval`: evaluating every environment; `derive`: the
//!   generated objects; `checks`: schema, identity and reference checks;
//! - `emit`: the Kustomize tree of every environment (`cedc_emit::kustomize_tree`);
//! - `re-check`: a whole compilation of the project with one component's text edited
//!   (`cedc::compile`), what the language server did after every keystroke;
//! - `fast`: the language server's first answer to such a keystroke: the edited file
//!   parsed again (the others' parses kept), names and types checked
//!   (`cedc::compile_opts` with `front_only`).
//!
//! Run with `cargo bench -p cedc --bench stages`; the numbers go into
//! docs/performance.md. Nothing here asserts a time.

use cedc_names::MemoryFs;
use std::time::{Duration, Instant};

const COMPONENTS: usize = 1_000;
const RUNS: usize = 7;
/// The platform's shared part (the Gateway and the `app` function), also written by
/// `scripts/bench`.
const PLATFORM: &str = include_str!("platform.ced");

fn source(edit: &str) -> String {
    let mut s = String::from(PLATFORM);
    for i in 0..COMPONENTS {
        let namespace = if i == 7 { format!("app-{i}{edit}") } else { format!("app-{i}") };
        s.push_str(&format!("\ncomponent app-{i} {{\n  namespace: \"{namespace}\"\n  objects: app(\"app-{i}\")\n}}\n"));
    }
    s
}

fn memory(text: String) -> MemoryFs {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), text.into_bytes());
    fs
}

/// Median, min and max of one stage's runs, in milliseconds.
fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:>9}: median {:6.1} ms  (min {:6.1}, max {:6.1}; {} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

fn timed<T>(times: &mut Vec<Duration>, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    times.push(start.elapsed());
    out
}

fn main() {
    let fs = memory(source(""));
    let entries = ["main.ced".to_string()];
    let registry = cedc_schema::core::registry();
    let [mut load, mut types, mut eval, mut derive, mut checks, mut emit, mut recheck, mut fast] = Default::default();
    // The language server keeps its parses: the standard library's are taken from here.
    let options = cedc::Options { kept: Some(Default::default()), front_only: true, ..Default::default() };
    cedc::compile_opts(&fs, &entries, None, &Default::default(), &options);
    for run in 0..RUNS {
        let (program, diags) = timed(&mut load, || cedc_names::load_project(&fs, &entries));
        assert!(diags.is_empty(), "{diags:?}");
        let (checked, diags) = timed(&mut types, || cedc_types::check_with(&program, registry));
        assert!(diags.is_empty(), "{:?}", diags.first());
        let cluster_scoped = |group: &str, kind: &str| {
            registry.scope_of(group, kind).map_or_else(
                || cedc_model::is_cluster_scoped(group, kind),
                |scope| scope == cedc_schema::Scope::Cluster,
            )
        };
        let (mut platform, diags) = timed(&mut eval, || cedc_eval::evaluate(&program, &checked, &cluster_scoped));
        assert!(diags.is_empty(), "{:?}", diags.first());
        let diags = timed(&mut derive, || cedc_derive::derive(&mut platform));
        assert!(diags.is_empty(), "{:?}", diags.first());
        let diags = timed(&mut checks, || cedc_checks::check(&platform, registry, &[]));
        assert!(diags.is_empty(), "{:?}", diags.first());
        let tree = timed(&mut emit, || cedc_emit::kustomize_tree(&platform));
        assert!(tree.is_ok_and(|t| t.len() > 11 * COMPONENTS));
        // The edit alternates, as typing would: every re-check sees new text.
        let edited = memory(source(if run % 2 == 0 { "b" } else { "c" }));
        let c = timed(&mut recheck, || cedc::compile(&edited, &entries, None));
        assert!(c.ok(), "{:?}", c.diagnostics.first());
        // The language server's first answer to that keystroke: the edited file parsed
        // again, names and types checked (its diagnostics are published at once when
        // they hold an error; evaluation and the checks follow off the keystroke path).
        let edited = memory(source(if run % 2 == 0 { "d" } else { "e" }));
        let c = timed(&mut fast, || cedc::compile_opts(&edited, &entries, None, &Default::default(), &options));
        assert!(c.diagnostics.is_empty() && c.checked.is_some(), "{:?}", c.diagnostics.first());
    }
    println!("platform-{COMPONENTS} of scripts/bench (3 environments), each stage alone:");
    for (name, times) in
        [("load", load), ("types", types), ("eval", eval), ("derive", derive), ("checks", checks), ("emit", emit)]
    {
        summary(name, times);
    }
    summary("re-check", recheck);
    summary("fast", fast);
}
