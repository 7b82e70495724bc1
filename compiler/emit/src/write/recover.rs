//! Leftovers of interrupted builds: find them beside the output directory, and empty
//! them without ever losing a file that is not cedc's.
//!
//! A leftover is a directory `.<name>.cedc-tmp-<pid>[-<n>]` or `.<name>.cedc-old-<pid>
//! [-<n>]` beside the output directory `<name>` that no running build holds locked (a
//! build locks its staging directory from its creation to its exit; the operating
//! system drops the lock when the process dies, however it dies). Anything else —
//! other names, symbolic links, files, locked directories — is never touched.
//!
//! Rules, in order (see [`recover`] and [`clean`]):
//! 1. The output directory is missing and an `old` leftover exists: a build was killed
//!    between the two renames of the fallback swap; the `old` leftover is the complete
//!    previous tree, with every foreign file, and is renamed back first.
//! 2. In a leftover, a file is removed only when it is cedc's — the leftover's own
//!    `cedc-index.json` lists it, or it is that index (a build never carries a foreign
//!    file at the index path: that would be a conflict) — or when the output directory
//!    holds the same file at the same path (the same inode: a hard link made by the
//!    carry-over; or the same bytes or link target).
//! 3. Any other file — one that only the leftover holds, as an interrupted build of an
//!    older cedc that *moved* foreign files would leave — is moved back into the output
//!    directory when that path is free there and not listed in its index. A directory
//!    the output directory lacks, holding files but nothing cedc generated, is moved
//!    back whole. (Empty directories are not moved back.)
//! 4. Whatever else remains is kept, and the build warns with its path.
//! 5. Files go first, then the emptied directories (deepest first), then the index,
//!    then the leftover itself: while anything cedc generated remains, the index that
//!    says so remains too, so an interruption of this cleaning is itself recovered by
//!    the same rules on the next build.

use super::{INDEX_FILE, OutputError, Target, fault, join, previous_generated, set_has_under, sys};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// How many paths a warning lists before "…".
const SHOWN: usize = 5;

/// The kind (`"tmp"` or `"old"`) of a leftover name for output directory `out_name`.
pub(super) fn leftover_kind(out_name: &str, file_name: &str) -> Option<&'static str> {
    let rest = file_name.strip_prefix('.')?.strip_prefix(out_name)?.strip_prefix(".cedc-")?;
    ["tmp", "old"].into_iter().find(|kind| {
        rest.strip_prefix(kind).and_then(|r| r.strip_prefix('-')).is_some_and(|tail| {
            let mut parts = tail.splitn(2, '-');
            parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
    })
}

/// A leftover this process now holds locked.
struct Leftover {
    name: String,
    kind: &'static str,
    path: PathBuf,
    _lock: sys::Lock,
}

/// Recover or remove the leftovers beside `target`. Returns one note per leftover
/// handled, for the build's warnings. I/O problems become notes too: recovery never
/// stops a build (it leaves what it cannot handle as it was). `Err` only for an
/// injected crash.
pub(super) fn recover(target: &Target) -> Result<Vec<String>, OutputError> {
    let mut notes = Vec::new();
    let mut leftovers = locked_leftovers(target);
    let out_missing = fs::symlink_metadata(&target.path).is_err_and(|e| e.kind() == io::ErrorKind::NotFound);
    if out_missing && let Some(i) = leftovers.iter().position(|l| l.kind == "old") {
        let old = leftovers.remove(i);
        match fs::rename(&old.path, &target.path) {
            Ok(()) => notes.push(format!(
                "a build was interrupted while it replaced {name}; the previous tree was put back from {}",
                old.name,
                name = target.name
            )),
            Err(e) => notes.push(format!("could not put the previous tree back from {}: {e}", old.name)),
        }
        fault::point()?;
    }
    for leftover in &leftovers {
        let cleaned = clean(&leftover.path, &target.path)?;
        notes.extend(cleaned.describe(&leftover.name, &target.name, true));
    }
    Ok(notes)
}

/// The leftovers of `target` that are real directories, locked by this process, in
/// name order.
fn locked_leftovers(target: &Target) -> Vec<Leftover> {
    let Ok(entries) = fs::read_dir(&target.parent) else {
        return Vec::new();
    };
    let mut found: Vec<(String, &'static str)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|name| leftover_kind(&target.name, &name).map(|kind| (name, kind)))
        .collect();
    found.sort();
    let mut locked = Vec::new();
    for (name, kind) in found {
        let path = target.parent.join(&name);
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        if let Ok(Some(lock)) = sys::try_lock(&path) {
            locked.push(Leftover { name, kind, path, _lock: lock });
        }
    }
    locked
}

/// What [`clean`] did with a leftover.
#[derive(Debug, Default)]
pub(super) struct Cleaned {
    /// Files and directories (`/`) moved back into the output directory.
    pub restored: Vec<String>,
    /// Files and directories (`/`) left in the leftover.
    pub kept: Vec<String>,
    /// The leftover directory no longer exists.
    pub gone: bool,
}

impl Cleaned {
    /// Notes for the build's warnings. `interrupted`: the leftover is from another
    /// build (recovery), so even a clean removal is worth a line.
    pub fn describe(&self, leftover: &str, out_name: &str, interrupted: bool) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.restored.is_empty() {
            notes.push(format!(
                "put {} of your files back into {out_name} from {leftover}, left by an interrupted build: {}",
                self.restored.len(),
                shown(&self.restored)
            ));
        }
        if !self.kept.is_empty() {
            notes.push(format!(
                "kept {leftover}: it holds files that are not cedc's and differ from those in {out_name}: {}; compare them with yours, then delete {leftover}",
                shown(&self.kept)
            ));
        } else if !self.gone {
            notes.push(format!("could not delete the empty directories of {leftover}"));
        } else if interrupted && self.restored.is_empty() {
            notes.push(format!("removed {leftover}, left by an interrupted build"));
        }
        notes
    }
}

fn shown(paths: &[String]) -> String {
    let mut s = paths.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if paths.len() > SHOWN {
        s.push_str(&format!(", … ({} in all)", paths.len()));
    }
    s
}

/// Empty the leftover `dir` (rules 2–5 of the module documentation) against the output
/// directory `out`. Walks with an explicit stack: no recursion on the user's depth.
pub(super) fn clean(dir: &Path, out: &Path) -> Result<Cleaned, OutputError> {
    let ours = previous_generated(dir);
    let theirs = previous_generated(out);
    let mut cleaned = Cleaned::default();
    let mut stack = vec![String::new()];
    let mut dirs = Vec::new();
    while let Some(rel) = stack.pop() {
        let here = if rel.is_empty() { dir.to_path_buf() } else { dir.join(&rel) };
        let Ok(entries) = fs::read_dir(&here) else {
            cleaned.kept.push(format!("{rel}/"));
            continue;
        };
        let mut names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            let Some(name) = name.to_str() else {
                cleaned.kept.push(join(&rel, &name.to_string_lossy()));
                continue;
            };
            let path = join(&rel, name);
            let (src, dest) = (dir.join(&path), out.join(&path));
            let Ok(meta) = fs::symlink_metadata(&src) else { continue };
            if meta.is_dir() {
                let free = fs::symlink_metadata(&dest).is_err();
                let generated = set_has_under(&ours, &path) || set_has_under(&theirs, &path) || theirs.contains(&path);
                if free && !generated && holds_files(&src) && restore(&src, &dest) {
                    cleaned.restored.push(format!("{path}/"));
                    fault::point()?;
                } else {
                    stack.push(path);
                }
            } else if path == INDEX_FILE {
                // Removed last (rule 5).
            } else if ours.contains(&path) || sys::same_entry(&src, &dest) {
                remove(&src, false, &mut cleaned.kept, &path);
                fault::point()?;
            } else if fs::symlink_metadata(&dest).is_err() && !theirs.contains(&path) && restore(&src, &dest) {
                cleaned.restored.push(path);
                fault::point()?;
            } else {
                cleaned.kept.push(path);
            }
        }
        dirs.push(rel);
    }
    // Directories (deepest first), then the index, then the leftover itself: as long as
    // a generated directory remains, the index that says it is cedc's remains too.
    for rel in dirs.iter().rev().filter(|r| !r.is_empty()) {
        if remove_quietly(&dir.join(rel), true).is_ok() {
            fault::point()?;
        }
    }
    if cleaned.kept.is_empty() && fs::symlink_metadata(dir.join(INDEX_FILE)).is_ok() {
        remove(&dir.join(INDEX_FILE), false, &mut cleaned.kept, INDEX_FILE);
        fault::point()?;
    }
    if remove_quietly(dir, true).is_ok() {
        fault::point()?;
    }
    cleaned.kept.sort();
    cleaned.restored.sort();
    cleaned.gone = fs::symlink_metadata(dir).is_err();
    Ok(cleaned)
}

/// Whether directory `dir` holds a non-directory at some depth (an explicit stack).
fn holds_files(dir: &Path) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { return true };
        for entry in entries.filter_map(Result::ok) {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                _ => return true,
            }
        }
    }
    false
}

/// Move `src` to the free path `dest` in the output directory, creating the parent
/// directories. False when it could not be done (then nothing moved).
fn restore(src: &Path, dest: &Path) -> bool {
    if let Some(parent) = dest.parent()
        && fs::create_dir_all(parent).is_err()
    {
        return false;
    }
    // `rename` would replace a file created at `dest` in between; a hard link fails if
    // `dest` exists, so try it first for non-directories.
    let is_dir = fs::symlink_metadata(src).is_ok_and(|m| m.is_dir());
    if !is_dir {
        return fs::hard_link(src, dest).is_ok() && fs::remove_file(src).is_ok();
    }
    fs::symlink_metadata(dest).is_err() && fs::rename(src, dest).is_ok()
}

/// Remove a file (or an empty directory) of a leftover; on failure record `path` as
/// kept.
fn remove(file: &Path, is_dir: bool, kept: &mut Vec<String>, path: &str) {
    if remove_quietly(file, is_dir).is_err() {
        kept.push(path.to_string());
    }
}

/// Remove, and when the leftover's directory is read-only (a read-only foreign
/// directory of the previous tree), make it writable for its owner and try again.
pub(super) fn remove_quietly(path: &Path, is_dir: bool) -> io::Result<()> {
    // Gone already (another build emptying the same leftover) is as good as removed.
    let attempt = |p: &Path| match if is_dir { fs::remove_dir(p) } else { fs::remove_file(p) } {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    };
    match attempt(path) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            let parent = path.parent().ok_or(e)?;
            make_writable(parent)?;
            attempt(path)
        }
        other => other,
    }
}

#[cfg(unix)]
pub(super) fn make_writable(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::symlink_metadata(dir)?.permissions().mode();
    fs::set_permissions(dir, fs::Permissions::from_mode(mode | 0o700))
}

#[cfg(not(unix))]
pub(super) fn make_writable(dir: &Path) -> io::Result<()> {
    let mut perms = fs::symlink_metadata(dir)?.permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(dir, perms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names_are_recognised_exactly() {
        assert_eq!(leftover_kind("out", ".out.cedc-tmp-123"), Some("tmp"));
        assert_eq!(leftover_kind("out", ".out.cedc-old-123-2"), Some("old"));
        for other in [
            ".out.cedc-tmp-",
            ".out.cedc-tmp-12a",
            ".out.cedc-tmp-1-2-3",
            ".out.cedc-new-1",
            ".other.cedc-tmp-1",
            "out.cedc-tmp-1",
            ".out.cedc-tmp-1.cedc-tmp-2",
            ".outx.cedc-tmp-1",
        ] {
            assert_eq!(leftover_kind("out", other), None, "{other}");
        }
        // An output directory whose own name looks like a leftover's.
        assert_eq!(leftover_kind("a.cedc-tmp-1", ".a.cedc-tmp-1.cedc-tmp-2"), Some("tmp"));
        assert_eq!(leftover_kind("a", ".a.cedc-tmp-1.cedc-tmp-2"), None);
    }
}
