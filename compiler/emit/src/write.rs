//! Putting a [`Tree`] on disk safely, and checking a directory against one.
//!
//! The promises (brief §5, "Safe output"):
//! - never write outside the output directory: every tree path is validated first;
//! - never leave a half-written tree: the new tree is built in a temporary directory
//!   beside the output directory, then swapped in with two renames; any failure before
//!   the swap leaves the output directory exactly as it was;
//! - never delete or overwrite a file cedc did not generate: the previous
//!   `cedc-index.json` lists the files cedc wrote; every other file is *foreign*. A
//!   foreign file where the new tree wants to write stops the build (nothing written);
//!   foreign files elsewhere are moved into the new tree before the swap, so they
//!   survive with their contents, permissions and timestamps;
//! - remove stale files: generated before, not generated now — they are simply not
//!   carried over, and directories that only held them disappear with them.
//!
//! The swap is `out` → `.<name>.cedc-old-<pid>`, temp → `out`, then the old directory
//! is deleted. Between the two renames `out` briefly does not exist; a reader never
//! sees a mix of old and new files. If nothing would change, nothing is touched.

use crate::Tree;
use crate::index::{INDEX_FILE, Index};
use cedc_diagnostics::Diagnostic;
use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What [`write_tree`] did. Paths are relative to the output directory, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Number of files in the tree.
    pub files: usize,
    /// Tree files that did not exist before.
    pub added: Vec<String>,
    /// Tree files whose bytes changed.
    pub changed: Vec<String>,
    /// Previously generated files removed because the tree no longer has them.
    pub removed: Vec<String>,
    /// Foreign files and directories carried over untouched (a directory appears once,
    /// with a trailing `/`, when it was carried over whole).
    pub kept: Vec<String>,
    /// Non-fatal problems (the previous tree could not be deleted after the swap).
    pub warnings: Vec<String>,
}

impl WriteReport {
    /// True when the directory already matched the tree and nothing was written.
    pub fn is_unchanged(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// How the output directory differs from a tree ([`check_tree`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Drift {
    pub path: String,
    pub kind: DriftKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftKind {
    /// In the tree, not on disk.
    Missing,
    /// On disk with other bytes.
    Different,
    /// Generated before (listed in the previous index), no longer in the tree, still on
    /// disk.
    Stale,
}

impl fmt::Display for DriftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DriftKind::Missing => "missing",
            DriftKind::Different => "out of date",
            DriftKind::Stale => "stale",
        })
    }
}

/// The output directory cannot be written (or checked). Carries everything the CLI needs
/// for its E0090 diagnostic: what went wrong, the relative paths involved, what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputError {
    pub message: String,
    /// Offending paths, relative to the output directory (or tree paths), sorted.
    pub paths: Vec<String>,
    pub help: String,
}

impl OutputError {
    fn new(message: impl Into<String>, paths: Vec<String>, help: impl Into<String>) -> Self {
        OutputError { message: message.into(), paths, help: help.into() }
    }

    fn io(what: &str, path: &Path, err: &io::Error) -> Self {
        OutputError::new(
            format!("cannot {what} {}: {err}", path.display()),
            Vec::new(),
            "check that the output directory is writable and on a local file system",
        )
    }

    /// The E0090 diagnostic (no source span: the problem is on disk).
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error("E0090", self.message.clone()).help(self.help.clone());
        for p in &self.paths {
            d = d.note(p.clone());
        }
        d
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        for p in &self.paths {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OutputError {}

/// Check one tree path: relative, forward slashes, no empty, `.` or `..` component, no
/// backslash or control character. `Err` says why.
pub fn validate_tree_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("empty path");
    }
    if path.starts_with('/') {
        return Err("absolute path");
    }
    if path.contains('\\') {
        return Err("backslash in path");
    }
    if path.chars().any(char::is_control) {
        return Err("control character in path");
    }
    for part in path.split('/') {
        match part {
            "" => return Err("empty path component"),
            "." | ".." => return Err("`.` or `..` path component"),
            _ => {}
        }
    }
    Ok(())
}

/// Every path valid; no file where another path needs a directory; no two paths that a
/// case-insensitive file system would merge.
fn validate_tree(tree: &Tree) -> Result<(), OutputError> {
    let mut bad = Vec::new();
    for path in tree.keys() {
        if let Err(why) = validate_tree_path(path) {
            bad.push(format!("{path:?}: {why}"));
        }
    }
    if !bad.is_empty() {
        return Err(OutputError::new(
            "refusing to write paths outside the output directory",
            bad,
            "this is a bug in cedc: generated paths must be relative and stay inside the output directory",
        ));
    }
    let mut clashes = Vec::new();
    for path in tree.keys() {
        if ancestors(path).any(|a| tree.contains_key(a)) {
            clashes.push(path.clone());
        }
    }
    let mut folded: BTreeSet<String> = BTreeSet::new();
    for path in tree.keys() {
        if !folded.insert(path.to_lowercase()) {
            clashes.push(path.clone());
        }
    }
    if !clashes.is_empty() {
        return Err(OutputError::new(
            "generated paths clash with each other",
            clashes,
            "this is a bug in cedc: a generated file would replace a directory, or two files differ only in case",
        ));
    }
    if !tree.contains_key(INDEX_FILE) {
        return Err(OutputError::new(
            format!("the generated tree has no {INDEX_FILE}"),
            Vec::new(),
            "this is a bug in cedc: without the index, later builds could not tell generated files from yours",
        ));
    }
    Ok(())
}

/// The proper ancestors of a relative path: `a/b/c` → `a/b`, `a`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// True when some key of `set` lies strictly under directory `dir`.
fn has_under<V>(set: &std::collections::BTreeMap<String, V>, dir: &str) -> bool {
    let prefix = format!("{dir}/");
    set.range(prefix.clone()..).next().is_some_and(|(k, _)| k.starts_with(&prefix))
}

fn set_has_under(set: &BTreeSet<String>, dir: &str) -> bool {
    let prefix = format!("{dir}/");
    set.range(prefix.clone()..).next().is_some_and(|k| k.starts_with(&prefix))
}

/// Write `tree` to `out`, replacing what cedc generated there before, all or nothing.
/// See the module documentation for the guarantees.
pub fn write_tree(out: &Path, tree: &Tree) -> Result<WriteReport, OutputError> {
    validate_tree(tree)?;
    let target = resolve_out(out)?;
    let previous = match &target.existing {
        Some(_) => Some(scan(&target.path, tree)?),
        None => None,
    };

    let mut report = WriteReport { files: tree.len(), ..WriteReport::default() };
    match &previous {
        None => report.added = tree.keys().cloned().collect(),
        Some(prev) => {
            if !prev.conflicts.is_empty() {
                return Err(OutputError::new(
                    format!("{} contains files cedc did not generate where the new tree would write", out.display()),
                    prev.conflicts.clone(),
                    format!(
                        "move or delete these files, or choose another output directory; cedc only replaces files listed in {INDEX_FILE}"
                    ),
                ));
            }
            for (path, bytes) in tree {
                match fs::symlink_metadata(target.path.join(path)) {
                    Ok(meta) if meta.is_file() => {
                        let same = fs::read(target.path.join(path)).map(|old| old == *bytes).unwrap_or(false);
                        if !same {
                            report.changed.push(path.clone());
                        }
                    }
                    Ok(_) => report.changed.push(path.clone()),
                    Err(_) => report.added.push(path.clone()),
                }
            }
            report.removed = prev.stale.clone();
            report.kept =
                prev.units.iter().map(|u| if u.is_dir { format!("{}/", u.path) } else { u.path.clone() }).collect();
            if report.is_unchanged() {
                return Ok(report);
            }
        }
    }

    let staging = Staging::create(&target)?;
    for (path, bytes) in tree {
        let dest = staging.path.join(path);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| OutputError::io("create directory", parent, &e))?;
        }
        fs::write(&dest, bytes).map_err(|e| OutputError::io("write", &dest, &e))?;
    }

    let Some(existing) = &target.existing else {
        rename(&staging.path, &target.path, "move the new tree into place")?;
        staging.disarm();
        return Ok(report);
    };
    let units = previous.map(|p| p.units).unwrap_or_default();
    let moved = match move_units(&target.path, &staging.path, &units) {
        Ok(moved) => moved,
        Err((e, moved)) => return Err(undo(e, &target.path, &staging, &moved)),
    };
    // After the moves: a read-only mode copied earlier could forbid them.
    if let Err(e) = fs::set_permissions(&staging.path, existing.permissions()) {
        let e = OutputError::io("set permissions on", &staging.path, &e);
        return Err(undo(e, &target.path, &staging, &moved));
    }
    let old = sibling(&target, "old");
    if let Err(e) = rename(&target.path, &old, "move the previous tree aside") {
        return Err(undo(e, &target.path, &staging, &moved));
    }
    if let Err(e) = rename(&staging.path, &target.path, "move the new tree into place") {
        // Put the previous tree back, then its foreign files.
        if let Err(back) = fs::rename(&old, &target.path) {
            // Nothing can be put back: keep both directories for the user to sort out.
            staging.disarm();
            return Err(OutputError::new(
                format!(
                    "{}; restoring the previous tree failed too ({back}): it is at {}, and the new tree, with your files, at {}",
                    e.message,
                    old.display(),
                    staging.path.display()
                ),
                Vec::new(),
                e.help,
            ));
        }
        return Err(undo(e, &target.path, &staging, &moved));
    }
    staging.disarm();
    if let Err(e) = fs::remove_dir_all(&old) {
        report.warnings.push(format!("could not delete the previous tree at {}: {e}", old.display()));
    }
    Ok(report)
}

/// Compare `out` with `tree` without writing anything: files missing, files with other
/// bytes, and files the previous index lists that the tree no longer has. Sorted.
pub fn check_tree(out: &Path, tree: &Tree) -> Result<Vec<Drift>, OutputError> {
    validate_tree(tree)?;
    if existing_dir(out)?.is_none() {
        return Ok(tree.keys().map(|path| Drift { path: path.clone(), kind: DriftKind::Missing }).collect());
    }
    let mut drifts = Vec::new();
    for (path, bytes) in tree {
        let file = out.join(path);
        let kind = match fs::symlink_metadata(&file) {
            Ok(m) if m.is_file() => match fs::read(&file) {
                Ok(old) if old == *bytes => None,
                Ok(_) => Some(DriftKind::Different),
                Err(e) => return Err(OutputError::io("read", &file, &e)),
            },
            Ok(m) if m.is_dir() => Some(DriftKind::Missing),
            Ok(_) => Some(DriftKind::Different),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Some(DriftKind::Missing),
            // An ancestor that is a file, say: the tree's file cannot be there.
            Err(_) => Some(DriftKind::Missing),
        };
        if let Some(kind) = kind {
            drifts.push(Drift { path: path.clone(), kind });
        }
    }
    for path in previous_generated(out) {
        if tree.contains_key(&path) {
            continue;
        }
        if fs::symlink_metadata(out.join(&path)).is_ok_and(|m| !m.is_dir()) {
            drifts.push(Drift { path, kind: DriftKind::Stale });
        }
    }
    drifts.sort();
    Ok(drifts)
}

fn not_a_directory(out: &Path) -> OutputError {
    OutputError::new(
        format!("{} exists and is not a directory", out.display()),
        Vec::new(),
        "choose another output directory, or remove this file",
    )
}

/// Files the previous build generated, from the index in `out` (valid paths only; an
/// unreadable or foreign index means none — every file is then foreign).
fn previous_generated(out: &Path) -> BTreeSet<String> {
    let index_path = out.join(INDEX_FILE);
    let is_file = fs::symlink_metadata(&index_path).is_ok_and(|m| m.is_file());
    let index = if is_file { fs::read(&index_path).ok().and_then(|b| Index::parse(&b)) } else { None };
    let Some(index) = index else {
        return BTreeSet::new();
    };
    let mut set: BTreeSet<String> =
        index.files.into_iter().map(|f| f.path).filter(|p| validate_tree_path(p).is_ok()).collect();
    set.insert(INDEX_FILE.to_string());
    set
}

/// The output directory, made absolute, and its metadata when it exists.
struct Target {
    path: PathBuf,
    parent: PathBuf,
    name: String,
    existing: Option<fs::Metadata>,
}

/// The metadata of the output directory if it exists; an error if it is something
/// else than a directory (a symbolic link included: [`write_tree`] replaces the
/// directory as a whole, which would replace the link, not what it points to, so
/// [`check_tree`] refuses it too rather than approve what a build would refuse).
fn existing_dir(out: &Path) -> Result<Option<fs::Metadata>, OutputError> {
    match fs::symlink_metadata(out) {
        Ok(meta) if meta.file_type().is_symlink() => Err(OutputError::new(
            format!("the output directory {} is a symbolic link", out.display()),
            Vec::new(),
            "pass the real directory: cedc replaces the output directory as a whole, which would replace the link, not what it points to",
        )),
        Ok(meta) if !meta.is_dir() => Err(not_a_directory(out)),
        Ok(meta) => Ok(Some(meta)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(OutputError::io("read", out, &e)),
    }
}

fn resolve_out(out: &Path) -> Result<Target, OutputError> {
    if out.as_os_str().is_empty() {
        return Err(OutputError::new("the output directory path is empty", Vec::new(), "pass an output directory"));
    }
    let existing = existing_dir(out)?;
    let path = match &existing {
        Some(_) => fs::canonicalize(out).map_err(|e| OutputError::io("resolve", out, &e))?,
        None => {
            let name = out.file_name().filter(|n| *n != "..").ok_or_else(|| {
                OutputError::new(
                    format!("{} is not a usable output directory", out.display()),
                    Vec::new(),
                    "name the output directory explicitly, e.g. `gen`",
                )
            })?;
            let parent = match out.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            fs::create_dir_all(&parent).map_err(|e| OutputError::io("create directory", &parent, &e))?;
            let parent = fs::canonicalize(&parent).map_err(|e| OutputError::io("resolve", &parent, &e))?;
            parent.join(name)
        }
    };
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(OutputError::new(
            format!("{} cannot be the output directory", out.display()),
            Vec::new(),
            "choose a subdirectory: cedc replaces the output directory as a whole",
        ));
    };
    let cwd = std::env::current_dir().and_then(fs::canonicalize);
    if existing.is_some() && cwd.is_ok_and(|cwd| cwd.starts_with(&path)) {
        return Err(OutputError::new(
            format!("the output directory {} contains the current directory", out.display()),
            Vec::new(),
            "choose a subdirectory: cedc replaces the output directory as a whole",
        ));
    }
    Ok(Target { parent: parent.to_path_buf(), name: name.to_string_lossy().into_owned(), path, existing })
}

/// A directory entry of the previous tree that must be carried over: a foreign file,
/// symbolic link, or a directory holding nothing cedc generated or will generate.
#[derive(Clone, Debug)]
struct Unit {
    path: String,
    is_dir: bool,
}

/// What the previous tree holds, relative to the new one.
struct Previous {
    /// Foreign entries to carry over, in path order.
    units: Vec<Unit>,
    /// Foreign entries in the way of the new tree.
    conflicts: Vec<String>,
    /// Previously generated files still on disk that the new tree drops.
    stale: Vec<String>,
}

fn scan(out: &Path, tree: &Tree) -> Result<Previous, OutputError> {
    let generated = previous_generated(out);
    let mut prev = Previous { units: Vec::new(), conflicts: Vec::new(), stale: Vec::new() };
    scan_dir(out, "", tree, &generated, &mut prev)?;
    prev.conflicts.sort();
    prev.stale.sort();
    Ok(prev)
}

fn scan_dir(
    root: &Path,
    rel: &str,
    tree: &Tree,
    generated: &BTreeSet<String>,
    prev: &mut Previous,
) -> Result<(), OutputError> {
    let dir = if rel.is_empty() { root.to_path_buf() } else { root.join(rel) };
    let entries = fs::read_dir(&dir).map_err(|e| OutputError::io("read directory", &dir, &e))?;
    let mut children = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| OutputError::io("read directory", &dir, &e))?;
        let file_type = entry.file_type().map_err(|e| OutputError::io("read", &entry.path(), &e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            // Not UTF-8: cannot be a generated path, so it is foreign; keep it by name.
            let lossy = entry.file_name().to_string_lossy().into_owned();
            return Err(OutputError::new(
                "the output directory holds a file whose name is not UTF-8",
                vec![join(rel, &lossy)],
                "rename or move this file out of the output directory",
            ));
        };
        children.push((name, file_type.is_dir()));
    }
    children.sort();
    for (name, is_dir) in children {
        let path = join(rel, &name);
        let blocked = tree.contains_key(&path) || ancestors(&path).any(|a| tree.contains_key(a));
        if is_dir {
            if has_under(tree, &path) || set_has_under(generated, &path) || blocked {
                if !blocked {
                    scan_dir(root, &path, tree, generated, prev)?;
                } else if contains_foreign_files(root, &path, generated)? {
                    prev.conflicts.push(format!("{path}/"));
                }
                // A blocked directory with only generated files (or none) is dropped.
            } else {
                prev.units.push(Unit { path, is_dir: true });
            }
        } else if generated.contains(&path) {
            if !tree.contains_key(&path) {
                prev.stale.push(path);
            }
        } else if blocked || has_under(tree, &path) {
            prev.conflicts.push(path);
        } else {
            prev.units.push(Unit { path, is_dir: false });
        }
    }
    Ok(())
}

/// Whether directory `rel` holds (at any depth) a non-directory not listed as generated.
fn contains_foreign_files(root: &Path, rel: &str, generated: &BTreeSet<String>) -> Result<bool, OutputError> {
    let dir = root.join(rel);
    let entries = fs::read_dir(&dir).map_err(|e| OutputError::io("read directory", &dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| OutputError::io("read directory", &dir, &e))?;
        let path = join(rel, &entry.file_name().to_string_lossy());
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            if contains_foreign_files(root, &path, generated)? {
                return Ok(true);
            }
        } else if !generated.contains(&path) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn join(rel: &str, name: &str) -> String {
    if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") }
}

/// Move each unit from `from` to the same relative path under `to`. On failure, the
/// error and the units already moved (for [`undo`]).
fn move_units(from: &Path, to: &Path, units: &[Unit]) -> Result<Vec<String>, (OutputError, Vec<String>)> {
    let mut moved = Vec::with_capacity(units.len());
    for unit in units {
        let src = from.join(&unit.path);
        let dest = to.join(&unit.path);
        let result = match dest.parent() {
            Some(parent) => fs::create_dir_all(parent),
            None => Ok(()),
        }
        .and_then(|()| fs::rename(&src, &dest));
        if let Err(e) = result {
            return Err((OutputError::io("carry over", &src, &e), moved));
        }
        moved.push(unit.path.clone());
    }
    Ok(moved)
}

/// Error path: move the foreign files already carried into the staging directory back
/// where they were, and return `err`. If any cannot be moved back, the staging
/// directory is kept (never delete a user's file) and the error says where it is.
fn undo(err: OutputError, out: &Path, staging: &Staging, moved: &[String]) -> OutputError {
    let mut stuck = Vec::new();
    for path in moved.iter().rev() {
        if fs::rename(staging.path.join(path), out.join(path)).is_err() {
            stuck.push(path.clone());
        }
    }
    if stuck.is_empty() {
        return err;
    }
    staging.disarm();
    stuck.sort();
    OutputError::new(
        format!("{}; some of your files could not be moved back and are in {}", err.message, staging.path.display()),
        stuck,
        err.help,
    )
}

fn rename(from: &Path, to: &Path, what: &str) -> Result<(), OutputError> {
    fs::rename(from, to).map_err(|e| {
        OutputError::new(
            format!("cannot {what} ({} → {}): {e}", from.display(), to.display()),
            Vec::new(),
            "the output directory and its parent must be on one file system (the output directory cannot be a mount point)",
        )
    })
}

/// A fresh, unused `.<name>.cedc-<what>-<pid>[-n]` path beside the output directory.
fn sibling(target: &Target, what: &str) -> PathBuf {
    let base = format!(".{}.cedc-{what}-{}", target.name, std::process::id());
    let mut candidate = target.parent.join(&base);
    let mut n = 1;
    while fs::symlink_metadata(&candidate).is_ok() {
        n += 1;
        candidate = target.parent.join(format!("{base}-{n}"));
    }
    candidate
}

/// The temporary directory the new tree is built in; deleted on drop unless disarmed
/// (that is, unless it became the output directory).
struct Staging {
    path: PathBuf,
    armed: std::cell::Cell<bool>,
}

impl Staging {
    fn create(target: &Target) -> Result<Staging, OutputError> {
        // `create_dir` fails if the path exists, so a concurrent build cannot share it.
        for _ in 0..100 {
            let path = sibling(target, "tmp");
            match fs::create_dir(&path) {
                Ok(()) => {
                    return Ok(Staging { path, armed: std::cell::Cell::new(true) });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(OutputError::io("create directory", &path, &e)),
            }
        }
        Err(OutputError::new(
            "cannot create a temporary directory beside the output directory",
            Vec::new(),
            "remove leftover `.<name>.cedc-tmp-*` directories beside the output directory",
        ))
    }

    fn disarm(&self) {
        self.armed.set(false);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed.get() {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_paths_are_validated() {
        for ok in ["a", "a/b.yaml", "components/web/base/kustomization.yaml", ".hidden"] {
            assert!(validate_tree_path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/abs", "a/../b", "..", ".", "a//b", "a/", "./a", "a\\b", "a/./b", "a\nb"] {
            assert!(validate_tree_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ancestors_of_a_path() {
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(ancestors("a").count(), 0);
    }

    #[test]
    fn clashing_tree_paths_are_rejected() {
        let mut tree = Tree::new();
        tree.insert(INDEX_FILE.into(), b"{}".to_vec());
        tree.insert("a".into(), b"x".to_vec());
        tree.insert("a/b".into(), b"x".to_vec());
        let err = validate_tree(&tree).unwrap_err();
        assert_eq!(err.paths, ["a/b"]);

        let mut tree = Tree::new();
        tree.insert(INDEX_FILE.into(), b"{}".to_vec());
        tree.insert("A.yaml".into(), b"x".to_vec());
        tree.insert("a.yaml".into(), b"x".to_vec());
        assert!(validate_tree(&tree).is_err());
    }
}
