//! Putting a [`Tree`] on disk safely, and checking a directory against one.
//!
//! The promises (brief §5, "Safe output"):
//! - never write outside the output directory and its own sibling temporary
//!   directories: every tree path is validated first;
//! - never delete or overwrite a file cedc did not generate: the previous
//!   `cedc-index.json` lists the files cedc wrote; every other file is *foreign*. A
//!   foreign file where the new tree wants to write stops the build (nothing written);
//! - remove stale files: generated before, not generated now — they are simply not
//!   carried into the new tree, and directories that only held them disappear;
//! - **at every instant, even if the process is killed** (SIGKILL, power kept), the
//!   output directory is either the complete previous tree or the complete new tree,
//!   and holds every foreign file with its contents.
//!
//! The commit protocol that keeps the last promise. `out` is only ever changed by one
//! atomic operation; everything else happens in a sibling `.<name>.cedc-tmp-<pid>` (or
//! in the spare, below):
//! 1. recover the leftovers of interrupted builds ([`recover`]);
//! 2. create the staging directory and lock it (`flock`, held until the process exits);
//! 3. write the new tree into it, `cedc-index.json` first, so that at every moment the
//!    staging index lists every generated file the staging directory holds;
//! 4. *carry over* the foreign files by **hard-linking** them into the staging tree
//!    (foreign directories are recreated with their permissions and times, and their
//!    files linked; a file that cannot be linked is copied; a symbolic link is
//!    recreated): the originals never leave `out`;
//! 5. swap the staging directory and `out` in one atomic step (`renameat2` with
//!    `RENAME_EXCHANGE` on Linux, `RENAME_SWAP` on macOS): `out` is now the new tree,
//!    and the staging name holds the previous one;
//! 6. keep the previous tree beside `out` as the *spare* (`.<name>.cedc-spare`,
//!    [`spare`]), or, when it cannot be kept, empty it with the recovery rules: its
//!    generated files go, its foreign files are the same inodes as the links in `out`
//!    and go as duplicates.
//!
//! When a spare exists, steps 2–4 reuse it as the staging directory: every name in it
//! the new tree does not keep as it is is removed, then only what is missing is written
//! or linked, so a rebuild after a small edit costs what changed rather than a whole
//! tree's directories, links and removals.
//!
//! Where the file system cannot exchange (some network file systems), step 5 falls
//! back to two renames (`out` → `.<name>.cedc-old-<pid>`, staging → `out`); a kill
//! between them leaves `out` missing for an instant, and the next build renames the
//! complete previous tree back (recovery rule 1). A first build (no `out`) renames the
//! staging directory into place. If nothing would change, nothing is touched; and when
//! every file of the new tree is in place and the previous index lists exactly those
//! files, the rest of the output directory is not even walked (nothing can be stale or
//! in the way).
//!
//! Unchanged files cost neither a read nor a write. The previous `cedc-index.json` holds
//! the SHA-256 of every file the previous build wrote, and its modification time is set
//! after the last of them was written: a file on disk is taken as unchanged, without
//! reading it, when its recorded hash is the new file's, its size is the new size and
//! it was last modified strictly before the index (file times are coarse: a file
//! changed within the index's own tick is read). Anything else is read and compared. In step 3,
//! an unchanged file is hard-linked from `out` into the staging tree instead of being
//! written again (a file that cannot be linked is written). `check_tree` (`build
//! --check`) always compares bytes.
//!
//! A kill before step 5 leaves `out` untouched and a staging leftover holding
//! generated files (listed in its index) and links to files still in `out`; a kill
//! after it leaves the new `out` and the previous tree, whose files are generated or
//! linked from `out`. In both cases recovery deletes only such files (see
//! [`recover`]). A kill while a spare is reused leaves a partly updated spare, which
//! the next build reuses the same way (nothing in a spare is the only copy of a file
//! `out` holds). Fault-injection points ([`fault`]) after every step let the tests stop
//! the protocol anywhere, as a kill would.

use crate::Tree;
use crate::index::{INDEX_FILE, Listed};
use cedc_diagnostics::Diagnostic;
use paths::Paths;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[doc(hidden)]
pub mod fault;
mod paths;
mod recover;
mod spare;
mod sys;

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
fn validate_tree(tree: &Tree, paths: &Paths) -> Result<(), OutputError> {
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
        if ancestors(path).any(|a| paths.has(a)) {
            clashes.push(path.clone());
        }
    }
    // Folded to lowercase only where that changes the path (generated paths are
    // lowercase ASCII): no copy of every path.
    let mut folded: HashSet<std::borrow::Cow<str>, foldhash::fast::FixedState> =
        HashSet::with_capacity_and_hasher(tree.len(), Default::default());
    for path in tree.keys() {
        let lower = if path.is_ascii() && !path.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Borrowed(path.as_str())
        } else {
            std::borrow::Cow::Owned(path.to_lowercase())
        };
        if !folded.insert(lower) {
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
fn ancestors(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

fn set_has_under(set: &BTreeSet<String>, dir: &str) -> bool {
    let prefix = format!("{dir}/");
    set.range(prefix.clone()..).next().is_some_and(|k| k.starts_with(&prefix))
}

/// Write `tree` to `out`, replacing what cedc generated there before, all or nothing.
/// See the module documentation for the guarantees.
pub fn write_tree(out: &Path, tree: &Tree) -> Result<WriteReport, OutputError> {
    let paths = Paths::new(tree.keys().map(String::as_str));
    validate_tree(tree, &paths)?;
    let target = resolve_out(out)?;
    let notes = recover::recover(&target)?;
    spare::mark_if_missing(&target);
    // Recovery may have put a previous tree back: look again.
    let target = resolve_out(out)?;
    let (mut report, units, same) = plan(&target, tree, &paths, out)?;
    report.warnings = notes;
    if target.existing.is_some() && report.is_unchanged() {
        return Ok(report);
    }
    commit(&target, tree, &paths, &units, &same, report)
}

/// What writing `tree` over `target` would change, the foreign entries to carry over
/// and the files already in place with the right bytes. `Err` when a foreign file is in
/// the way.
fn plan<'t>(
    target: &Target,
    tree: &'t Tree,
    paths: &Paths,
    out: &Path,
) -> Result<(WriteReport, Vec<Unit>, Same<'t>), OutputError> {
    let mut report = WriteReport { files: tree.len(), ..WriteReport::default() };
    let mut same = Same::with_capacity_and_hasher(tree.len(), Default::default());
    if target.existing.is_none() {
        report.added = tree.keys().cloned().collect();
        return Ok((report, Vec::new(), same));
    }
    let previous = Previous::read(&target.path);
    let recorded = previous.as_ref().and_then(|p| Recorded::new(p, tree));
    let found = compare_files(&target.path, tree, recorded.as_ref());
    // Every file in place, and the previous build generated exactly these: nothing is
    // stale and nothing foreign can be in the way, so the rest of the directory is not
    // walked (the walk was half of an up-to-date build's writing stage).
    let in_place =
        recorded.as_ref().is_some_and(|r| r.listed_exactly) && found.iter().all(|(_, f)| matches!(f, Found::Same(_)));
    let prev = if in_place { Scanned::default() } else { scan(&target.path, paths, &generated(previous.as_ref()))? };
    if !prev.conflicts.is_empty() {
        return Err(OutputError::new(
            format!("{} contains files cedc did not generate where the new tree would write", out.display()),
            prev.conflicts,
            format!(
                "move or delete these files, or choose another output directory; cedc only replaces files listed in {INDEX_FILE}"
            ),
        ));
    }
    for (path, found) in found {
        match found {
            Found::Same(id) => {
                same.insert(path.as_str(), id);
            }
            Found::Absent => report.added.push(path.clone()),
            Found::Different | Found::Directory | Found::Unreadable(_) => report.changed.push(path.clone()),
        }
    }
    report.removed = prev.stale;
    report.kept = prev.units.iter().map(|u| if u.is_dir { format!("{}/", u.path) } else { u.path.clone() }).collect();
    Ok((report, prev.units, same))
}

/// The index the previous build left in the output directory, as read (once per
/// build: [`generated`] and [`Recorded`] both come from it), and when it was written.
struct Previous {
    bytes: Vec<u8>,
    modified: Option<std::time::SystemTime>,
}

impl Previous {
    /// `None` when `out` has no index file (a directory, a link, nothing) or it cannot be
    /// read.
    fn read(out: &Path) -> Option<Previous> {
        let index_path = out.join(INDEX_FILE);
        let meta = fs::symlink_metadata(&index_path).ok().filter(fs::Metadata::is_file)?;
        let bytes = fs::read(&index_path).ok()?;
        Some(Previous { bytes, modified: meta.modified().ok() })
    }

    /// The index, if cedc wrote it.
    fn listed(&self) -> Option<Listed<'_>> {
        Listed::parse(&self.bytes)
    }
}

/// What the previous build recorded of the files it wrote, set against the new tree:
/// the files whose recorded hash is the new file's hash, whether it listed exactly the
/// new tree's files, and when the record was completed (the modification time of the
/// previous index).
struct Recorded<'t> {
    /// Tree paths whose previous hash equals the new one.
    same_hash: HashSet<&'t str, foldhash::fast::FixedState>,
    /// The previous index lists every file of the new tree (the index aside) and no
    /// other.
    listed_exactly: bool,
    completed: std::time::SystemTime,
}

impl<'t> Recorded<'t> {
    /// `None` when the previous index is not one cedc wrote (every file is then read).
    fn new(previous: &Previous, tree: &'t Tree) -> Option<Recorded<'t>> {
        let completed = previous.modified?;
        let listed = previous.listed()?;
        let new = Listed::parse(tree.get(INDEX_FILE)?)?;
        let before: HashMap<&str, &str, foldhash::fast::FixedState> =
            listed.files.iter().map(|f| (&*f.path, &*f.sha256)).collect();
        let listed_exactly =
            before.len() + 1 == tree.len() && before.keys().all(|path| *path != INDEX_FILE && tree.contains_key(*path));
        let same_hash = new
            .files
            .iter()
            .filter(|f| before.get(&*f.path) == Some(&&*f.sha256))
            .filter_map(|f| tree.get_key_value(&*f.path).map(|(k, _)| k.as_str()))
            .collect();
        Some(Recorded { same_hash, listed_exactly, completed })
    }

    /// Whether the file at `path`, whose metadata is `meta`, can be taken to hold the
    /// new bytes (`len` of them) without reading it.
    fn vouches_for(&self, path: &str, meta: &fs::Metadata, len: usize) -> bool {
        self.same_hash.contains(path) && meta.len() == len as u64 && meta.modified().is_ok_and(|m| m < self.completed)
    }
}

/// The files of the new tree already in place in `out` with the right bytes, and the
/// identity of each (its inode).
/// (Looked up by path only, never listed: a hash map.)
type Same<'t> = HashMap<&'t str, Option<sys::FileId>, foldhash::fast::FixedState>;

/// How a file of the new tree compares with what is at its place.
enum Found {
    /// The same bytes, in the file with this identity.
    Same(Option<sys::FileId>),
    /// Another file (or a link, or anything that is not a regular file or directory).
    Different,
    Directory,
    /// Nothing there (or an ancestor that is a file: the tree's file cannot be there).
    Absent,
    Unreadable(io::Error),
}

/// Each file of `tree` compared with the one at its place under `dir`, on several
/// threads, in the tree's order. Used by a build (what it changes; `recorded` spares
/// reading the files the previous index vouches for) and by `build --check` (the
/// drift; every file read).
fn compare_files<'t>(dir: &Path, tree: &'t Tree, recorded: Option<&Recorded>) -> Vec<(&'t String, Found)> {
    let files: Vec<(&String, &Vec<u8>)> = tree.iter().collect();
    let found = cedc_model::parallel::map(&files, |(path, bytes)| {
        let file = dir.join(path);
        match fs::symlink_metadata(&file) {
            Ok(m) if m.is_file() && recorded.is_some_and(|r| r.vouches_for(path, &m, bytes.len())) => {
                Found::Same(sys::file_id(&m))
            }
            Ok(m) if m.is_file() => match fs::read(&file) {
                Ok(old) if old == **bytes => Found::Same(sys::file_id(&m)),
                Ok(_) => Found::Different,
                Err(e) => Found::Unreadable(e),
            },
            Ok(m) if m.is_dir() => Found::Directory,
            Ok(_) => Found::Different,
            Err(_) => Found::Absent,
        }
    });
    files.into_iter().map(|(path, _)| path).zip(found).collect()
}

/// Steps 2–6 of the commit protocol (module documentation), the staging tree being the
/// spare when there is one to reuse ([`spare`]).
fn commit(
    target: &Target,
    tree: &Tree,
    paths: &Paths,
    units: &[Unit],
    same: &Same,
    mut report: WriteReport,
) -> Result<WriteReport, OutputError> {
    let Some(existing) = &target.existing else {
        let staging = Staging::create(target)?;
        write_files(&staging.path, tree, &target.path, same, &BTreeSet::new())?;
        rename(&staging.path, &target.path, "move the new tree into place")?;
        staging.disarm();
        fault::point()?;
        return Ok(report);
    };
    let (staging, present) = match spare::take(target, paths, units, same, &mut report.warnings)? {
        Some(taken) => (Staging::reused(taken.path, taken.lock), taken.present),
        None => (Staging::create(target)?, BTreeSet::new()),
    };
    write_files(&staging.path, tree, &target.path, same, &present)?;
    carry_over(&target.path, &staging.path, units, &present)?;
    // After the carry-over: a read-only mode copied earlier could forbid it.
    fs::set_permissions(&staging.path, existing.permissions())
        .map_err(|e| OutputError::io("set permissions on", &staging.path, &e))?;
    fault::point()?;
    // Lock the previous tree (the lock follows the directory through the swap): no
    // other build's recovery takes it for a leftover, or reuses it as its spare, while
    // this one keeps or empties it.
    let _previous_lock = sys::try_lock(&target.path);
    let previous = swap(target, &staging)?;
    report.warnings.extend(spare::keep(&previous, target)?);
    Ok(report)
}

/// Write every file of `tree` under `dir`, the index first; a file of `same` (in place
/// in `out` with these bytes) is hard-linked from there; a file of `present` (already
/// in `dir`, the right file: a reused spare's) is left as it is. Then the index's
/// modification time is set: every file was written or linked before it ([`Recorded`]).
///
/// The index and the directories are made first, in order; then the files, on several
/// threads (creating 11,010 files was a fresh build's longest stage, on one core), the
/// first failure in the tree's order reported. Under fault injection ([`fault`], whose
/// steps are counted on the calling thread) the files too are made in order.
fn write_files(
    dir: &Path,
    tree: &Tree,
    out: &Path,
    same: &Same,
    present: &BTreeSet<String>,
) -> Result<(), OutputError> {
    if let Some(bytes) = tree.get(INDEX_FILE).filter(|_| !present.contains(INDEX_FILE)) {
        write_file(dir, out, same, INDEX_FILE, bytes)?;
    }
    let files: Vec<(&String, &Vec<u8>)> =
        tree.iter().filter(|(p, _)| *p != INDEX_FILE && !present.contains(*p)).collect();
    let mut made = BTreeSet::new();
    for (path, _) in &files {
        let Some(parent) = Path::new(path.as_str()).parent().filter(|p| !p.as_os_str().is_empty()) else { continue };
        if made.insert(parent) {
            let parent = dir.join(parent);
            fs::create_dir_all(&parent).map_err(|e| OutputError::io("create directory", &parent, &e))?;
            fault::point()?;
        }
    }
    if fault::active() {
        for (path, bytes) in files {
            write_file(dir, out, same, path, bytes)?;
        }
    } else {
        /// Files per task: enough that handing out tasks costs nothing next to them.
        const CHUNK: usize = 256;
        let written =
            cedc_model::parallel::map_chunked(&files, CHUNK, |(path, bytes)| write_file(dir, out, same, path, bytes));
        written.into_iter().collect::<Result<(), _>>()?;
    }
    let index = dir.join(INDEX_FILE);
    fs::File::options()
        .write(true)
        .open(&index)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()))
        .map_err(|e| OutputError::io("write", &index, &e))
}

/// One file of [`write_files`]: linked from `out` when it is there with these bytes,
/// else written.
fn write_file(dir: &Path, out: &Path, same: &Same, path: &str, bytes: &[u8]) -> Result<(), OutputError> {
    let dest = dir.join(path);
    let linked = same.contains_key(path) && fs::hard_link(out.join(path), &dest).is_ok();
    if !linked {
        fs::write(&dest, bytes).map_err(|e| OutputError::io("write", &dest, &e))?;
    }
    fault::point()
}

/// Step 5: put the staging directory in the place of `out`. Returns where the previous
/// tree now is.
fn swap(target: &Target, staging: &Staging) -> Result<PathBuf, OutputError> {
    match sys::exchange(&staging.path, &target.path) {
        Ok(sys::Exchange::Done) => {
            // The staging name now holds the previous tree, foreign originals included:
            // from here on it is only ever emptied by the recovery rules.
            staging.disarm();
            fault::point()?;
            return Ok(staging.path.clone());
        }
        Ok(sys::Exchange::Unsupported) => {}
        Err(e) => {
            return Err(OutputError::new(
                format!(
                    "cannot swap the new tree into place ({} ⇄ {}): {e}",
                    staging.path.display(),
                    target.path.display()
                ),
                Vec::new(),
                "the output directory and its parent must be on one file system (the output directory cannot be a mount point)",
            ));
        }
    }
    let old = sibling(target, "old");
    rename(&target.path, &old, "move the previous tree aside")?;
    fault::point()?;
    if let Err(e) = rename(&staging.path, &target.path, "move the new tree into place") {
        if let Err(back) = fs::rename(&old, &target.path) {
            // Nothing can be put back: keep both directories; the next build's
            // recovery renames the previous tree back.
            staging.disarm();
            return Err(OutputError::new(
                format!(
                    "{}; restoring the previous tree failed too ({back}): it is at {}, and the next build puts it back",
                    e.message,
                    old.display(),
                ),
                Vec::new(),
                e.help,
            ));
        }
        return Err(e);
    }
    staging.disarm();
    fault::point()?;
    Ok(old)
}

/// Compare `out` with `tree` without writing anything: files missing, files with other
/// bytes, and files the previous index lists that the tree no longer has. Sorted.
pub fn check_tree(out: &Path, tree: &Tree) -> Result<Vec<Drift>, OutputError> {
    validate_tree(tree, &Paths::new(tree.keys().map(String::as_str)))?;
    if existing_dir(out)?.is_none() {
        return Ok(tree.keys().map(|path| Drift { path: path.clone(), kind: DriftKind::Missing }).collect());
    }
    let mut drifts = Vec::new();
    for (path, found) in compare_files(out, tree, None) {
        let kind = match found {
            Found::Same(_) => continue,
            Found::Different => DriftKind::Different,
            Found::Directory | Found::Absent => DriftKind::Missing,
            Found::Unreadable(e) => return Err(OutputError::io("read", &out.join(path), &e)),
        };
        drifts.push(Drift { path: path.clone(), kind });
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
    generated(Previous::read(out).as_ref())
}

/// Files the previous build generated, from its index as read (see
/// [`previous_generated`]).
fn generated(previous: Option<&Previous>) -> BTreeSet<String> {
    let Some(index) = previous.and_then(Previous::listed) else {
        return BTreeSet::new();
    };
    let mut set: BTreeSet<String> =
        index.files.into_iter().map(|f| f.path.into_owned()).filter(|p| validate_tree_path(p).is_ok()).collect();
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
#[derive(Default)]
struct Scanned {
    /// Foreign entries to carry over, in path order.
    units: Vec<Unit>,
    /// Foreign entries in the way of the new tree.
    conflicts: Vec<String>,
    /// Previously generated files still on disk that the new tree drops.
    stale: Vec<String>,
}

/// Walk `out` for what the new tree changes there. The directories of one depth are
/// read on several threads (most of the walk's time is the system's, reading 6,000
/// directories at platform-1,000), deeper ones only under those the new tree or the
/// previous index has files in; the results are sorted, so they do not depend on
/// which thread read what.
fn scan(out: &Path, tree: &Paths, generated: &BTreeSet<String>) -> Result<Scanned, OutputError> {
    let mut prev = Scanned::default();
    let listed = Paths::new(generated.iter().map(String::as_str));
    let mut level = vec![String::new()];
    while !level.is_empty() {
        let read = cedc_model::parallel::map_chunked(&level, 16, |rel| scan_dir(out, rel, tree, &listed));
        let mut deeper = Vec::new();
        for dir in read {
            let dir = dir?;
            deeper.extend(dir.deeper);
            prev.units.extend(dir.scanned.units);
            prev.conflicts.extend(dir.scanned.conflicts);
            prev.stale.extend(dir.scanned.stale);
        }
        level = deeper;
    }
    // Path order, one component at a time (as a depth-first walk with sorted
    // children meets them).
    prev.units.sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    prev.conflicts.sort();
    prev.stale.sort();
    Ok(prev)
}

/// One directory of the walk of [`scan`]: what it holds, and its subdirectories to
/// walk next.
#[derive(Default)]
struct ScannedDir {
    scanned: Scanned,
    deeper: Vec<String>,
}

/// Read directory `rel` of `root`: `tree` the new tree's files, `listed` those the
/// previous index lists.
fn scan_dir(root: &Path, rel: &str, tree: &Paths, listed: &Paths) -> Result<ScannedDir, OutputError> {
    let dir = if rel.is_empty() { root.to_path_buf() } else { root.join(rel) };
    let entries = fs::read_dir(&dir).map_err(|e| OutputError::io("read directory", &dir, &e))?;
    let mut found = ScannedDir::default();
    let prev = &mut found.scanned;
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
        let path = join(rel, &name);
        let blocked = tree.blocks(&path);
        if file_type.is_dir() {
            if tree.holds_under(&path) || listed.holds_under(&path) || blocked {
                if !blocked {
                    found.deeper.push(path);
                } else if contains_foreign_files(root, &path, listed)? {
                    prev.conflicts.push(format!("{path}/"));
                }
                // A blocked directory with only generated files (or none) is dropped.
            } else {
                prev.units.push(Unit { path, is_dir: true });
            }
        } else if listed.has(&path) {
            if !tree.has(&path) {
                prev.stale.push(path);
            }
        } else if blocked || tree.holds_under(&path) {
            prev.conflicts.push(path);
        } else {
            prev.units.push(Unit { path, is_dir: false });
        }
    }
    Ok(found)
}

/// Whether directory `rel` holds (at any depth) a non-directory not listed as generated.
/// An explicit stack: no recursion on the user's depth.
fn contains_foreign_files(root: &Path, rel: &str, listed: &Paths) -> Result<bool, OutputError> {
    let mut stack = vec![rel.to_string()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let entries = fs::read_dir(&dir).map_err(|e| OutputError::io("read directory", &dir, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| OutputError::io("read directory", &dir, &e))?;
            let path = join(&rel, &entry.file_name().to_string_lossy());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else if !listed.has(&path) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn join(rel: &str, name: &str) -> String {
    if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") }
}

/// Step 4: give the staging tree `to` every foreign unit of `from`, at the same
/// relative path, without moving or changing the originals ([`sys::link_entry`]); a
/// unit of `present` is there already (a reused spare's second name).
fn carry_over(from: &Path, to: &Path, units: &[Unit], present: &BTreeSet<String>) -> Result<(), OutputError> {
    for unit in units.iter().filter(|u| !present.contains(&u.path)) {
        let dest = to.join(&unit.path);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| OutputError::io("create directory", parent, &e))?;
        }
        if unit.is_dir {
            carry_dir(&from.join(&unit.path), &dest)?;
        } else {
            link(&from.join(&unit.path), &dest)?;
        }
    }
    Ok(())
}

/// Recreate the foreign directory `src` at `dest`, its files linked. An explicit stack:
/// no recursion on the user's depth. Permissions and times are set last, deepest
/// first, so that a read-only directory is filled before it becomes read-only.
fn carry_dir(src: &Path, dest: &Path) -> Result<(), OutputError> {
    let mut stack = vec![PathBuf::new()];
    let mut made = Vec::new();
    while let Some(rel) = stack.pop() {
        let (s, d) = (src.join(&rel), dest.join(&rel));
        let meta = fs::symlink_metadata(&s).map_err(|e| OutputError::io("read", &s, &e))?;
        fs::create_dir(&d).map_err(|e| OutputError::io("create directory", &d, &e))?;
        fault::point()?;
        let entries = fs::read_dir(&s).map_err(|e| OutputError::io("read directory", &s, &e))?;
        let mut children = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| OutputError::io("read directory", &s, &e))?;
            let is_dir = entry.file_type().map_err(|e| OutputError::io("read", &entry.path(), &e))?.is_dir();
            children.push((entry.file_name(), is_dir));
        }
        children.sort();
        for (name, is_dir) in children {
            if is_dir {
                stack.push(rel.join(name));
            } else {
                link(&s.join(&name), &d.join(&name))?;
            }
        }
        made.push((d, meta));
    }
    for (d, meta) in made.iter().rev() {
        fs::set_permissions(d, meta.permissions()).map_err(|e| OutputError::io("set permissions on", d, &e))?;
        sys::copy_times(d, meta);
    }
    Ok(())
}

/// One non-directory carried over.
fn link(src: &Path, dest: &Path) -> Result<(), OutputError> {
    let meta = fs::symlink_metadata(src).map_err(|e| OutputError::io("read", src, &e))?;
    sys::link_entry(src, dest, &meta).map_err(|e| OutputError::io("carry over", src, &e))?;
    fault::point()
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

/// The temporary directory the new tree is built in, locked for as long as this
/// process lives; deleted on drop unless disarmed (that is, unless it was swapped into
/// place, or a crash is being simulated). Before the swap it holds only generated files
/// and links to foreign files that are still in the output directory, so deleting it
/// never loses a file.
struct Staging {
    path: PathBuf,
    armed: std::cell::Cell<bool>,
    _lock: sys::Lock,
}

impl Staging {
    fn create(target: &Target) -> Result<Staging, OutputError> {
        // `create_dir` fails if the path exists, so a concurrent build cannot share it.
        for _ in 0..100 {
            let path = sibling(target, "tmp");
            match fs::create_dir(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(OutputError::io("create directory", &path, &e)),
            }
            fault::point()?;
            match sys::try_lock(&path) {
                Ok(Some(lock)) => return Ok(Staging { path, armed: std::cell::Cell::new(true), _lock: lock }),
                // Another build's recovery took it for a leftover in between, and
                // removes it: take another name.
                Ok(None) => continue,
                Err(e) => return Err(OutputError::io("lock", &path, &e)),
            }
        }
        Err(OutputError::new(
            "cannot create a temporary directory beside the output directory",
            Vec::new(),
            "remove leftover `.<name>.cedc-tmp-*` directories beside the output directory",
        ))
    }

    /// A reused spare as the staging tree: never deleted on drop (a failed build leaves
    /// it for the next one).
    fn reused(path: PathBuf, lock: sys::Lock) -> Staging {
        Staging { path, armed: std::cell::Cell::new(false), _lock: lock }
    }

    fn disarm(&self) {
        self.armed.set(false);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed.get() && !fault::crashed() {
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
        let err = validate_tree(&tree, &Paths::new(tree.keys().map(String::as_str))).unwrap_err();
        assert_eq!(err.paths, ["a/b"]);

        let mut tree = Tree::new();
        tree.insert(INDEX_FILE.into(), b"{}".to_vec());
        tree.insert("A.yaml".into(), b"x".to_vec());
        tree.insert("a.yaml".into(), b"x".to_vec());
        assert!(validate_tree(&tree, &Paths::new(tree.keys().map(String::as_str))).is_err());
    }
}
