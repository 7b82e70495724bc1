//! The project configuration file, `cedc.toml`.

use cedc_diagnostics::{Diagnostic, Files, Span};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "cedc.toml";

#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub name: String,
    /// Entry files, relative to the root.
    pub entry: Vec<String>,
    /// Default output directory, relative to the root.
    pub out: String,
    /// CRD files (project-relative, sorted), from the `[schemas] crds` globs.
    pub crds: Vec<CrdFile>,
    /// Kinds checked against no schema, as `apiVersion/Kind` (`example.com/v1/Widget`).
    pub unchecked: Vec<String>,
}

/// A CRD file to load, and the `crds` pattern of cedc.toml that named it (byte range
/// in the file, so problems with the CRD can point there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrdFile {
    pub path: String,
    pub pattern: std::ops::Range<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    project: ProjectSection,
    #[serde(default)]
    schemas: SchemasSection,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SchemasSection {
    #[serde(default)]
    crds: Vec<toml::Spanned<String>>,
    #[serde(default)]
    unchecked: Vec<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectSection {
    name: String,
    #[serde(default = "default_entry")]
    entry: Vec<String>,
    #[serde(default = "default_out")]
    out: String,
}

fn default_entry() -> Vec<String> {
    vec!["main.ced".into()]
}
fn default_out() -> String {
    "out".into()
}

/// Why a project could not be opened: a diagnostic, and whether it is a usage/I/O
/// problem (exit 2) rather than a mistake in the configuration's content (exit 1).
pub struct ProjectError {
    pub diagnostic: Diagnostic,
    pub io: bool,
}

/// Read `DIR/cedc.toml`. The file is added to `files` so diagnostics can point into it.
/// The project `dir` is in: `dir` itself when it holds cedc.toml, else the nearest
/// directory above it that does; `None` when none does (or `dir` is not a directory).
pub fn find_root(dir: &Path) -> Option<PathBuf> {
    if !dir.is_dir() {
        return None;
    }
    // Walked as `dir/..`, `dir/../..`: the path stays as relative as `dir` was (it is
    // shown in messages), bounded by the depth of its absolute form.
    let depth = std::path::absolute(dir).ok()?.ancestors().count();
    let mut candidate = dir.to_path_buf();
    for _ in 0..depth {
        if candidate.join(CONFIG_FILE).is_file() {
            return Some(candidate);
        }
        candidate = if candidate.as_os_str() == "." { PathBuf::from("..") } else { candidate.join("..") };
    }
    None
}

pub fn load(dir: &Path, files: &mut Files) -> Result<Project, ProjectError> {
    let path = dir.join(CONFIG_FILE);
    let shown = display(dir);
    let text = match cedc_names::read_regular_file(&path) {
        Ok(b) => b,
        Err(e) => {
            let (msg, help) = if dir.is_file() {
                let parent = dir.parent().map(display).filter(|p| !p.is_empty()).unwrap_or_else(|| ".".into());
                (
                    format!("`{shown}` is a file, and cedc takes a project directory"),
                    format!(
                        "pass the directory that holds {CONFIG_FILE} (`{parent}`, if that is the project); the entry files are listed in its `[project] entry`"
                    ),
                )
            } else if e.kind() == std::io::ErrorKind::NotFound {
                if dir.is_dir() {
                    (
                        format!("`{shown}` has no {CONFIG_FILE}: it is not a cedc project"),
                        format!(
                            "create `{shown}/{CONFIG_FILE}` with a `[project]` section naming the project (see docs/cli.md)"
                        ),
                    )
                } else {
                    (
                        format!("there is no project directory `{shown}`"),
                        "pass the directory that holds cedc.toml".into(),
                    )
                }
            } else if cedc_names::is_not_regular(&e) {
                (
                    format!("`{shown}/{CONFIG_FILE}` cannot be read: {e}"),
                    format!("replace `{shown}/{CONFIG_FILE}` with a regular file"),
                )
            } else {
                (format!("cannot read `{shown}/{CONFIG_FILE}`: {e}"), "check the file's permissions".into())
            };
            return Err(ProjectError { diagnostic: Diagnostic::error("E0080", msg).help(help), io: true });
        }
    };
    let Ok(text) = String::from_utf8(text) else {
        return Err(ProjectError {
            diagnostic: Diagnostic::error("E0002", format!("`{CONFIG_FILE}` is not valid UTF-8"))
                .help("save the file as UTF-8"),
            io: false,
        });
    };
    let file = files.add(CONFIG_FILE, text.clone());
    let bad = |msg: String, span: Option<std::ops::Range<usize>>, help: &str| {
        let mut d = Diagnostic::error("E0080", msg).help(help.to_string());
        let r = span.unwrap_or(0..0);
        d = d.at(Span::new(file, r.start, r.end), "here");
        ProjectError { diagnostic: d, io: false }
    };
    let cfg: Config = toml::from_str(&text).map_err(|e| {
        bad(
            format!("invalid {CONFIG_FILE}: {}", e.message()),
            e.span(),
            "the file needs a `[project]` section with `name`, and optionally `entry` (a list of .ced files) and `out`",
        )
    })?;
    let p = cfg.project;
    if p.entry.is_empty() {
        return Err(bad(
            "`entry` lists no files".into(),
            text.find("entry").map(|i| i..i + 5),
            "name at least one .ced entry file",
        ));
    }
    let mut crds: Vec<CrdFile> = Vec::new();
    for pattern in &cfg.schemas.crds {
        let span = pattern.span();
        let files = expand(dir, pattern.get_ref()).map_err(|why| {
            bad(
                format!("`{}` in `crds`: {why}", pattern.get_ref()),
                Some(span.clone()),
                "write a path or glob relative to the project directory, such as `crds/*.yaml`",
            )
        })?;
        for path in files {
            if !crds.iter().any(|c| c.path == path) {
                crds.push(CrdFile { path, pattern: span.clone() });
            }
        }
    }
    let mut unchecked = Vec::new();
    for u in &cfg.schemas.unchecked {
        let text = u.get_ref();
        match text.rsplit_once('/') {
            Some((api, kind)) if !api.is_empty() && !kind.is_empty() => unchecked.push(text.clone()),
            _ => {
                return Err(bad(
                    format!("`{text}` in `unchecked` is not `apiVersion/Kind`"),
                    Some(u.span()),
                    "name the kind with its API version, such as `example.com/v1/Widget` or `v1/ConfigMap`",
                ));
            }
        }
    }
    Ok(Project { root: dir.to_path_buf(), name: p.name, entry: p.entry, out: p.out, crds, unchecked })
}

/// The files a `crds` pattern names, project-relative with forward slashes, sorted.
/// Only regular files (or symbolic links to them) match. Directories are walked from
/// the pattern's literal prefix, each at most once however many symbolic links lead to
/// it (by its canonical path), so links that loop (`crds/a -> .`) end the walk.
fn expand(root: &Path, pattern: &str) -> Result<Vec<String>, String> {
    if pattern.starts_with('/') || pattern.split(['/', '\\']).any(|part| part == "..") {
        return Err("it leaves the project directory".into());
    }
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let matcher = glob::Pattern::new(&parts.join("/")).map_err(|e| format!("invalid pattern: {}", e.msg))?;
    let options = glob::MatchOptions { require_literal_separator: true, ..glob::MatchOptions::new() };
    let literal = parts.iter().take_while(|p| !p.contains(['*', '?', '['])).count();
    // How many directory levels below the literal prefix a match can be.
    let depth = if parts[literal..].contains(&"**") { usize::MAX } else { parts.len() - literal };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Directories to read: (project-relative path, levels left below it).
    let mut stack = vec![(parts[..literal].join("/"), depth)];
    while let Some((rel, levels)) = stack.pop() {
        let dir = root.join(&rel);
        let Ok(meta) = std::fs::metadata(&dir) else { continue };
        if meta.is_file() {
            if matcher.matches_with(&rel, options) {
                out.push(rel);
            }
            continue;
        }
        if levels == 0 || !meta.is_dir() || !seen.insert(dir.canonicalize().unwrap_or_else(|_| dir.clone())) {
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", shown_rel(&rel)))?;
        let mut names: Vec<String> =
            entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        // Reversed, so that the stack pops them in order.
        for name in names.into_iter().rev() {
            let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            stack.push((child, levels - 1));
        }
    }
    if out.is_empty() {
        return Err("no file matches".into());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn shown_rel(rel: &str) -> &str {
    if rel.is_empty() { "the project directory" } else { rel }
}

/// A path as the user wrote it, with forward slashes.
pub fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
