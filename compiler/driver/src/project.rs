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
    /// The libraries it imports by name, sorted by name (`[dependencies]`).
    pub dependencies: Vec<Dependency>,
}

/// A library the project imports by name (`import "netlib/dns"`), and where it comes
/// from. See [`crate::packages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    pub source: Source,
    /// Its entry in cedc.toml (byte range), where problems with it are reported.
    pub span: std::ops::Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory, relative to the project (a monorepo's shared library).
    Path(String),
    /// A git repository at a commit (`rev`: a commit hash, a tag or a branch; the lock
    /// file records the commit it named).
    Git { url: String, rev: String },
    /// An OCI artifact: `registry/repository`, and a tag, a digest or both.
    Oci { reference: String, tag: Option<String>, digest: Option<String> },
}

impl Source {
    /// The source as one string, recorded in the lock file: an entry locked for another
    /// string is out of date.
    pub fn id(&self) -> String {
        match self {
            Source::Path(p) => format!("path+{p}"),
            Source::Git { url, rev } => format!("git+{url}#{rev}"),
            Source::Oci { reference, tag, digest } => {
                let mut s = format!("oci+{reference}");
                if let Some(t) = tag {
                    s.push_str(&format!(":{t}"));
                }
                if let Some(d) = digest {
                    s.push_str(&format!("@{d}"));
                }
                s
            }
        }
    }
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
    #[serde(default)]
    dependencies: std::collections::BTreeMap<String, toml::Spanned<DependencySpec>>,
}

/// One `[dependencies]` entry: `name = { path = "../lib" }`, `{ git = URL, rev = REV }`
/// or `{ oci = "registry/repository", tag = TAG, digest = DIGEST }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DependencySpec {
    path: Option<String>,
    git: Option<String>,
    rev: Option<String>,
    oci: Option<String>,
    tag: Option<String>,
    digest: Option<String>,
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
    let mut dependencies = Vec::new();
    for (name, spec) in &cfg.dependencies {
        let span = spec.span();
        let source = dependency(name, spec.get_ref()).map_err(|(why, help)| bad(why, Some(span.clone()), help))?;
        dependencies.push(Dependency { name: name.clone(), source, span });
    }
    Ok(Project { root: dir.to_path_buf(), name: p.name, entry: p.entry, out: p.out, crds, unchecked, dependencies })
}

/// A `[dependencies]` entry checked: a name `import` can use, and exactly one source
/// with the keys it takes.
fn dependency(name: &str, spec: &DependencySpec) -> Result<Source, (String, &'static str)> {
    let sources = "write `{ path = \"../lib\" }`, `{ git = \"https://...\", rev = \"<commit or tag>\" }` or `{ oci = \"registry/repository\", tag = \"1.0.0\" }`";
    if !cedc_names::is_ident(name) || name == "std" {
        return Err((
            format!("`{name}` cannot name a dependency"),
            "a dependency's name is what `import \"<name>/<file>\"` starts with: letters, digits, `_` and inner `-`, not `std`",
        ));
    }
    let DependencySpec { path, git, rev, oci, tag, digest } = spec;
    let given = [path.is_some(), git.is_some(), oci.is_some()].iter().filter(|b| **b).count();
    if given != 1 {
        return Err((format!("the dependency `{name}` needs exactly one of `path`, `git` and `oci`"), sources));
    }
    let stray = |key: &str| Err((format!("`{key}` does not go with this kind of dependency (`{name}`)"), sources));
    if let Some(path) = path {
        return match (rev, tag, digest) {
            (Some(_), _, _) => stray("rev"),
            (_, Some(_), _) => stray("tag"),
            (_, _, Some(_)) => stray("digest"),
            _ => Ok(Source::Path(path.clone())),
        };
    }
    if let Some(url) = git {
        if tag.is_some() || digest.is_some() {
            return stray(if tag.is_some() { "tag" } else { "digest" });
        }
        let Some(rev) = rev else {
            return Err((
                format!("the git dependency `{name}` needs a `rev`"),
                "pin it: `rev = \"<commit hash>\"` or a tag (`rev = \"v1.2.0\"`); cedc.lock then records the commit",
            ));
        };
        if url.starts_with('-') || rev.starts_with('-') || rev.is_empty() || url.is_empty() {
            return Err((format!("the git dependency `{name}` has an invalid `git` or `rev`"), sources));
        }
        return Ok(Source::Git { url: url.clone(), rev: rev.clone() });
    }
    let reference = oci.clone().unwrap_or_default();
    if rev.is_some() {
        return stray("rev");
    }
    let tagged = reference.rsplit('/').next().is_some_and(|last| last.contains(':'));
    if reference.contains("://") || !reference.contains('/') || reference.contains(['@', ' ']) || tagged {
        return Err((
            format!("`{reference}` is not an OCI repository reference"),
            "write the registry and repository without tag: `oci = \"registry.example.com/platform/netlib\"` (the tag goes in `tag`)",
        ));
    }
    if tag.is_none() && digest.is_none() {
        return Err((
            format!("the OCI dependency `{name}` needs a `tag` or a `digest`"),
            "pin it: `tag = \"1.0.0\"` (cedc.lock then records the digest) or `digest = \"sha256:...\"`",
        ));
    }
    let valid_digest = digest.as_deref().is_none_or(|d| {
        d.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if !valid_digest {
        return Err((format!("the digest of `{name}` is not `sha256:` and 64 hex digits"), sources));
    }
    Ok(Source::Oci { reference, tag: tag.clone(), digest: digest.clone() })
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
