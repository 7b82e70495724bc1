//! The spare tree: after a swap the previous tree is kept beside the output directory,
//! as `.<name>.cedc-spare`, instead of being emptied; the next build turns it into its
//! staging tree by changing only what differs. A rebuild after a small edit then makes,
//! links and removes a few names, not a whole tree's, and still swaps the new tree in
//! with one atomic exchange.
//!
//! What a spare holds. Right after a swap: the previous tree — its generated files,
//! most of them the same inodes as the output directory's (a build links what did not
//! change), and second names of the foreign files the output directory holds. Later it
//! may also hold the last name of a foreign file the user has since deleted from the
//! output directory, or, after an interrupted build, a partly updated tree. Nothing in
//! it is the only copy of a file the output directory holds, so a build deletes from the
//! spare whatever the new tree does not want there.
//!
//! Invariants:
//! - the output directory is never changed here: the spare becomes the new tree only
//!   through the exchange a fresh staging directory goes through (`write::swap`);
//! - a build uses the spare only while it holds the spare's lock; a spare another build
//!   holds is left alone (that build stages a fresh tree);
//! - nothing is written *through* a name of the spare: a file that must change is
//!   removed and created anew, since its old name may be a hard link to a file of the
//!   output directory ([`take`] removes every name the new tree does not keep as it is);
//! - the spare is never a leftover (`recover` does not know its name), and never holds
//!   a `tmp` or `old` name, so recovery never moves its files into the output directory;
//! - a kept spare carries its own `.gitignore` (`*`), so that version control does not
//!   list it; a previous tree with a `.gitignore` of the user's at its root is emptied
//!   instead, as every previous tree used to be.

use super::paths::Paths;
use super::recover::{self, make_writable, remove_quietly};
use super::sys::{self, FileId};
use super::{INDEX_FILE, OutputError, Same, Target, Unit, fault, join};
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The spare's `.gitignore`: everything in the directory, itself included.
const GITIGNORE: &str = "# cedc: the previous build's tree, reused by the next build; safe to delete\n*\n";

/// The spare's name beside the output directory.
fn name(target: &Target) -> String {
    format!(".{}.cedc-spare", target.name)
}

/// The spare's path.
pub(super) fn path(target: &Target) -> PathBuf {
    target.parent.join(name(target))
}

/// A spare made ready for a new tree: locked by this process, holding only names the
/// new tree keeps as they are (`present`: generated files linked to the output
/// directory's, and foreign files' second names), in the directories it keeps.
pub(super) struct Taken {
    pub path: PathBuf,
    pub lock: sys::Lock,
    pub present: BTreeSet<String>,
}

/// Why a spare could not be made ready.
enum Stop {
    /// An injected crash: stop as a kill would.
    Crash(OutputError),
    /// An I/O problem: stage a fresh tree instead (the spare stays as it is).
    Io(String),
}

impl From<OutputError> for Stop {
    fn from(e: OutputError) -> Self {
        Stop::Crash(e)
    }
}

fn io_stop(what: &str, path: &Path, e: io::Error) -> Stop {
    Stop::Io(format!("cannot {what} {}: {e}", path.display()))
}

/// What the new tree wants where, for [`prune`].
struct Wanted<'a> {
    tree: &'a Paths<'a>,
    /// Files of the new tree whose bytes the output directory already holds, with the
    /// identity of the output directory's file.
    same: &'a Same<'a>,
    foreign_files: BTreeSet<&'a str>,
    foreign_dirs: BTreeSet<&'a str>,
    foreign: Paths<'a>,
}

impl<'a> Wanted<'a> {
    fn new(tree: &'a Paths<'a>, units: &'a [Unit], same: &'a Same<'a>) -> Self {
        let (dirs, files): (Vec<&Unit>, Vec<&Unit>) = units.iter().partition(|u| u.is_dir);
        Wanted {
            tree,
            same,
            foreign_files: files.iter().map(|u| u.path.as_str()).collect(),
            foreign_dirs: dirs.iter().map(|u| u.path.as_str()).collect(),
            foreign: Paths::new(units.iter().map(|u| u.path.as_str())),
        }
    }

    /// A directory of the spare the new tree keeps: one that holds generated files or
    /// foreign entries, and is neither a file of the tree nor a foreign entry itself (a
    /// foreign directory is carried over anew, whole).
    fn keeps_dir(&self, path: &str) -> bool {
        !self.tree.has(path)
            && !self.foreign_dirs.contains(path)
            && !self.foreign_files.contains(path)
            && (self.tree.holds_under(path) || self.foreign.holds_under(path))
    }

    /// A non-directory of the spare the new tree keeps as it is: the output directory's
    /// own file with the new bytes (the same inode), or a foreign entry's second name.
    /// Never the index, which is always written anew.
    fn keeps_file(&self, spare: &Path, out: &Path, path: &str, found: Option<FileId>) -> bool {
        if path == INDEX_FILE {
            return false;
        }
        match self.same.get(path) {
            Some(id) => id.is_some() && found == *id,
            None => self.foreign_files.contains(path) && sys::same_file(&spare.join(path), &out.join(path)),
        }
    }
}

/// Make the spare of `target` ready to become the new tree, when there is one this
/// process can lock on the output directory's file system. `Ok(None)`: stage a fresh
/// tree (a problem is added to `warnings`). `Err` only for an injected crash.
pub(super) fn take(
    target: &Target,
    tree: &Paths,
    units: &[Unit],
    same: &Same<'_>,
    warnings: &mut Vec<String>,
) -> Result<Option<Taken>, OutputError> {
    let path = path(target);
    let Ok(meta) = fs::symlink_metadata(&path) else {
        return Ok(None);
    };
    let name = name(target);
    let same_fs =
        target.existing.as_ref().and_then(sys::file_id).map(|id| id.dev) == sys::file_id(&meta).map(|id| id.dev);
    if !meta.is_dir() || !same_fs || sys::file_id(&meta).is_none() {
        warnings.push(format!("{name} is not a directory cedc can reuse; remove it"));
        return Ok(None);
    }
    let Ok(Some(lock)) = sys::try_lock(&path) else {
        return Ok(None);
    };
    let wanted = Wanted::new(tree, units, same);
    let dev = sys::file_id(&meta).map_or(0, |id| id.dev);
    let pruned = make_writable(&path)
        .map_err(|e| io_stop("write to", &path, e))
        .and_then(|()| prune(&path, dev, &target.path, &wanted));
    match pruned {
        Ok(present) => Ok(Some(Taken { path, lock, present })),
        Err(Stop::Crash(e)) => Err(e),
        Err(Stop::Io(why)) => {
            warnings.push(format!(
                "could not reuse {name} ({why}): the whole tree was written anew; delete {name} if this repeats"
            ));
            Ok(None)
        }
    }
}

/// Remove from the spare (on device `dev`) every name the new tree does not keep as it
/// is; returns the files kept. Level by level (no recursion on the user's depth): the
/// directories of one depth are read on several threads, as `write::scan` reads the
/// output directory, then what they hold that the new tree does not keep is removed,
/// in the order read, before the next depth is read (only under directories kept).
/// Each entry's type and inode are read from its directory, not looked up one by one.
fn prune(spare: &Path, dev: u64, out: &Path, wanted: &Wanted) -> Result<BTreeSet<String>, Stop> {
    let mut present = BTreeSet::new();
    let mut level = vec![String::new()];
    while !level.is_empty() {
        let read = cedc_model::parallel::map_chunked(&level, 16, |rel| sort_dir(spare, rel, dev, out, wanted));
        let mut deeper = Vec::new();
        for dir in read {
            let dir = dir?;
            for (path, is_dir) in dir.unwanted {
                remove_tree(&path, is_dir)?;
            }
            deeper.extend(dir.deeper);
            present.extend(dir.kept);
        }
        level = deeper;
    }
    Ok(present)
}

/// One directory of the spare as [`prune`] sorts it out.
#[derive(Default)]
struct Sorted {
    /// Subdirectories the new tree keeps, to look into next.
    deeper: Vec<String>,
    /// Files the new tree keeps as they are.
    kept: Vec<String>,
    /// Names to remove (a directory with everything under it).
    unwanted: Vec<(PathBuf, bool)>,
}

/// Read directory `rel` of the spare and sort its entries for [`prune`]; nothing is
/// changed here.
fn sort_dir(spare: &Path, rel: &str, dev: u64, out: &Path, wanted: &Wanted) -> Result<Sorted, Stop> {
    let dir = if rel.is_empty() { spare.to_path_buf() } else { spare.join(rel) };
    let entries = fs::read_dir(&dir).map_err(|e| io_stop("read directory", &dir, e))?;
    let mut sorted = Sorted::default();
    for entry in entries {
        let entry = entry.map_err(|e| io_stop("read directory", &dir, e))?;
        // `DirEntry::file_type` does not follow a symbolic link.
        let is_dir = entry.file_type().map_err(|e| io_stop("read", &entry.path(), e))?.is_dir();
        let path = entry.file_name().to_str().map(|name| join(rel, name));
        match path {
            Some(path) if is_dir && wanted.keeps_dir(&path) => sorted.deeper.push(path),
            Some(path) if !is_dir && wanted.keeps_file(spare, out, &path, sys::entry_id(&entry, dev)) => {
                sorted.kept.push(path);
            }
            _ => sorted.unwanted.push((entry.path(), is_dir)),
        }
    }
    Ok(sorted)
}

/// Remove a name of the spare, a directory with everything under it (deepest first).
fn remove_tree(path: &Path, is_dir: bool) -> Result<(), Stop> {
    if !is_dir {
        remove_quietly(path, false).map_err(|e| io_stop("remove", path, e))?;
        return Ok(fault::point()?);
    }
    let mut stack = vec![path.to_path_buf()];
    let mut dirs = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| io_stop("read directory", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_stop("read directory", &dir, e))?;
            let file = entry.path();
            if entry.file_type().map_err(|e| io_stop("read", &file, e))?.is_dir() {
                stack.push(file);
            } else {
                remove_quietly(&file, false).map_err(|e| io_stop("remove", &file, e))?;
                fault::point()?;
            }
        }
        dirs.push(dir);
    }
    for dir in dirs.iter().rev() {
        remove_quietly(dir, true).map_err(|e| io_stop("remove", dir, e))?;
        fault::point()?;
    }
    Ok(())
}

/// After a swap: keep the previous tree, now at `previous`, as the spare when it can be
/// (its root has no `.gitignore` of the user's, the spare's name is free or is where it
/// already is, and its own `.gitignore` can be written); otherwise empty it by the
/// recovery rules, as a previous tree always was. Returns the warnings.
pub(super) fn keep(previous: &Path, target: &Target) -> Result<Vec<String>, OutputError> {
    let spare = path(target);
    let users_ignore = fs::symlink_metadata(previous.join(".gitignore")).is_ok();
    let mut here = previous.to_path_buf();
    if !users_ignore && here != spare && sys::rename_noreplace(previous, &spare).unwrap_or(false) {
        here = spare.clone();
        fault::point()?;
    }
    if !users_ignore && here == spare && mark(&spare) {
        fault::point()?;
        return Ok(Vec::new());
    }
    let cleaned = recover::clean(&here, &target.path)?;
    let name = here.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(cleaned.describe(&name, &target.name, false))
}

/// Give an existing spare its `.gitignore` if it has none at all (a build killed between
/// keeping a spare and marking it, or while emptying it, leaves it so). Best effort,
/// under the spare's lock.
pub(super) fn mark_if_missing(target: &Target) {
    let spare = path(target);
    if !fs::symlink_metadata(&spare).is_ok_and(|m| m.is_dir()) {
        return;
    }
    if fs::symlink_metadata(spare.join(".gitignore")).is_err()
        && let Ok(Some(_lock)) = sys::try_lock(&spare)
    {
        mark(&spare);
    }
}

/// Write the spare's own `.gitignore` (a new file: never through an existing name).
fn mark(spare: &Path) -> bool {
    use std::io::Write;
    let file = fs::File::options().write(true).create_new(true).open(spare.join(".gitignore"));
    file.and_then(|mut f| f.write_all(GITIGNORE.as_bytes())).is_ok()
}
