//! The pipeline: load → check types → evaluate every environment → check the platform.
//! Each phase reports all it finds; evaluation only runs on a program that type-checks.

use cedc_diagnostics::{Diagnostic, Diagnostics, Files};
use cedc_model::Platform;
use cedc_names::{FileSystem, Program};
use cedc_types::Checked;

pub struct Compilation {
    pub program: Program,
    /// The checker's results (types of declarations, environments, components); the
    /// language server reads them for hover and completion. `None` when loading failed.
    pub checked: Option<Checked>,
    pub platform: Option<Platform>,
    pub diagnostics: Diagnostics,
}

impl Compilation {
    pub fn files(&self) -> &Files {
        &self.program.files
    }
    pub fn ok(&self) -> bool {
        self.diagnostics.is_empty() && self.platform.is_some()
    }
}

/// Compile a project's entry files. `config_file` (the text of cedc.toml) is added to
/// the file table first so configuration diagnostics can point into it.
///
/// Runs on its own thread with a large stack: checking and evaluation recurse over
/// user input (bounded by the nesting, call and declaration-chain limits), and a debug
/// build's frames are big. The stack is reserved lazily, so this costs nothing unused.
pub fn compile(fs: &(dyn FileSystem + Sync), entries: &[String], config: Option<(String, String)>) -> Compilation {
    const STACK: usize = 1 << 30;
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("cedc-compile".into())
            .stack_size(STACK)
            .spawn_scoped(s, || compile_here(fs, entries, config.clone()));
        match worker.map(|h| h.join()) {
            Ok(Ok(c)) => c,
            _ => Compilation {
                program: Program::default(),
                checked: None,
                platform: None,
                diagnostics: vec![
                    Diagnostic::error("E0060", "the compiler stopped unexpectedly")
                        .help("this is a bug in cedc; please report it with the input that caused it"),
                ],
            },
        }
    })
}

fn compile_here(fs: &(dyn FileSystem + Sync), entries: &[String], config: Option<(String, String)>) -> Compilation {
    let (mut program, mut diags) = cedc_names::load_project(fs, entries);
    if let Some((name, text)) = config {
        program.files.add(name, text);
    }
    let (checked, type_diags) = cedc_types::check(&program);
    diags.extend(type_diags);
    if checked.envs.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::error("E0081", "the project declares no environment")
                .help("declare at least one: `env prod { }` — every component is evaluated once per environment"),
        );
    }
    if !diags.is_empty() {
        return Compilation { program, checked: Some(checked), platform: None, diagnostics: diags };
    }
    let (platform, eval_diags) = cedc_eval::evaluate(&program, &checked, &cedc_model::is_cluster_scoped);
    diags.extend(merge_env_duplicates(eval_diags));
    diags.extend(merge_env_duplicates(cedc_checks::check(&platform)));
    Compilation { program, checked: Some(checked), platform: Some(platform), diagnostics: diags }
}

/// The same problem found in several environments is reported once, naming them all.
fn merge_env_duplicates(diags: Diagnostics) -> Diagnostics {
    let mut out: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    for mut d in diags {
        let env = d
            .notes
            .iter()
            .position(|n| n.starts_with("while evaluating environment") || n.starts_with("in environment"));
        let env_name = env.map(|i| {
            let n = d.notes.remove(i);
            n.split('`').nth(1).unwrap_or("").to_string()
        });
        match out.iter_mut().find(|(o, _)| *o == d) {
            Some((_, envs)) => envs.extend(env_name),
            None => out.push((d, env_name.into_iter().collect())),
        }
    }
    out.into_iter()
        .map(|(d, envs)| match envs.len() {
            0 => d,
            1 => d.note(format!("in environment `{}`", envs[0])),
            _ => d.note(format!(
                "in environments {}",
                envs.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            )),
        })
        .collect()
}
