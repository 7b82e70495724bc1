//! The operating-system operations the commit protocol needs beyond `std::fs`: an
//! atomic exchange of two directories, an advisory lock on a directory, and copying
//! a foreign entry into the staging tree as a hard link.
//!
//! Invariant: none of these ever removes or modifies an existing file; they only
//! create new names (links, directories) or swap two names atomically.

use std::fs;
use std::io;
use std::path::Path;

/// Outcome of [`exchange`].
pub(super) enum Exchange {
    /// The two directories swapped names in one atomic step.
    Done,
    /// This platform or file system cannot do it; nothing happened.
    Unsupported,
}

/// Swap the names `a` and `b` (both exist) in one atomic step: `renameat2(…,
/// RENAME_EXCHANGE)` on Linux, `renameatx_np(…, RENAME_SWAP)` on Apple systems.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
pub(super) fn exchange(a: &Path, b: &Path) -> io::Result<Exchange> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    if super::fault::no_exchange() {
        return Ok(Exchange::Unsupported);
    }
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(Exchange::Done),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP || e == Errno::OPNOTSUPP => {
            Ok(Exchange::Unsupported)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
pub(super) fn exchange(_a: &Path, _b: &Path) -> io::Result<Exchange> {
    Ok(Exchange::Unsupported)
}

/// An exclusive advisory lock (`flock`) on a directory, held until dropped — or until
/// the process dies, whatever kills it.
pub(super) struct Lock {
    #[cfg(unix)]
    _fd: Option<rustix::fd::OwnedFd>,
}

/// Lock directory `dir` (never following a symbolic link). `Ok(None)`: another process
/// holds the lock. A file system without locks gives a lock that locks nothing.
#[cfg(unix)]
pub(super) fn try_lock(dir: &Path) -> io::Result<Option<Lock>> {
    use rustix::fs::{FlockOperation, Mode, OFlags, flock, open};
    use rustix::io::Errno;
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = open(dir, flags, Mode::empty())?;
    match flock(&fd, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(Lock { _fd: Some(fd) })),
        Err(e) if e == Errno::WOULDBLOCK => Ok(None),
        Err(_) => Ok(Some(Lock { _fd: None })),
    }
}

#[cfg(not(unix))]
pub(super) fn try_lock(_dir: &Path) -> io::Result<Option<Lock>> {
    Ok(Some(Lock {}))
}

/// Give `dest` (new) the same contents as the non-directory `src`: a hard link (the
/// same file: contents, permissions, owner and timestamps); a symbolic link is
/// recreated with the same target; a regular file that cannot be linked (another
/// owner under `fs.protected_hardlinks`, a file system without links) is copied with
/// its permissions and modification time.
pub(super) fn link_entry(src: &Path, dest: &Path, meta: &fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    if meta.file_type().is_symlink() {
        return std::os::unix::fs::symlink(fs::read_link(src)?, dest);
    }
    match fs::hard_link(src, dest) {
        Ok(()) => Ok(()),
        Err(e) if !meta.is_file() => Err(e),
        Err(_) => {
            fs::copy(src, dest)?;
            copy_times(dest, meta);
            Ok(())
        }
    }
}

/// Best effort: give `path` the access and modification times of `meta`.
pub(super) fn copy_times(path: &Path, meta: &fs::Metadata) {
    let mut times = fs::FileTimes::new();
    if let Ok(t) = meta.modified() {
        times = times.set_modified(t);
    }
    if let Ok(t) = meta.accessed() {
        times = times.set_accessed(t);
    }
    if let Ok(f) = fs::File::open(path) {
        let _ = f.set_times(times);
    }
}

/// Whether `a` and `b` are the same file: the same inode, or two regular files with the
/// same bytes, or two symbolic links with the same target. Never follows links.
pub(super) fn same_entry(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::symlink_metadata(a), fs::symlink_metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if ma.dev() == mb.dev() && ma.ino() == mb.ino() {
            return true;
        }
    }
    if ma.is_file() && mb.is_file() {
        return ma.len() == mb.len() && same_bytes(a, b).unwrap_or(false);
    }
    if ma.file_type().is_symlink() && mb.file_type().is_symlink() {
        return matches!((fs::read_link(a), fs::read_link(b)), (Ok(x), Ok(y)) if x == y);
    }
    false
}

fn same_bytes(a: &Path, b: &Path) -> io::Result<bool> {
    use std::io::Read;
    let (mut fa, mut fb) = (fs::File::open(a)?, fs::File::open(b)?);
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = fa.read(&mut ba)?;
        if n == 0 {
            return Ok(fb.read(&mut bb[..1])? == 0);
        }
        fb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

/// The identity of a file on disk (device and inode), where the platform has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FileId {
    pub dev: u64,
    ino: u64,
}

/// The identity of the file `meta` describes (`None` where there is no inode).
pub(super) fn file_id(meta: &fs::Metadata) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(FileId { dev: meta.dev(), ino: meta.ino() })
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// The identity of the entry `entry` of a directory on device `dev`, read from the
/// directory itself (its inode number), without looking the entry up: walking a tree of
/// 10,000 files, the look-ups were a third of the walk.
pub(super) fn entry_id(entry: &fs::DirEntry, dev: u64) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirEntryExt;
        Some(FileId { dev, ino: entry.ino() })
    }
    #[cfg(not(unix))]
    {
        let _ = (entry, dev);
        None
    }
}

/// Whether `a` and `b` are one file (the same inode), or two symbolic links with the
/// same target: what a carry-over makes. Never reads a file's bytes.
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::symlink_metadata(a), fs::symlink_metadata(b)) else {
        return false;
    };
    if ma.file_type().is_symlink() && mb.file_type().is_symlink() {
        return matches!((fs::read_link(a), fs::read_link(b)), (Ok(x), Ok(y)) if x == y);
    }
    file_id(&ma).is_some_and(|id| Some(id) == file_id(&mb))
}

/// Rename `from` to `to` unless `to` exists (`renameat2(RENAME_NOREPLACE)` on Linux;
/// elsewhere a look first, then a plain rename). `Ok(false)`: `to` exists, nothing
/// happened.
pub(super) fn rename_noreplace(from: &Path, to: &Path) -> io::Result<bool> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        use rustix::io::Errno;
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(true),
            Err(e) if e == Errno::EXIST => return Ok(false),
            Err(e) if e != Errno::INVAL && e != Errno::NOSYS => return Err(e.into()),
            Err(_) => {}
        }
    }
    if fs::symlink_metadata(to).is_ok() {
        return Ok(false);
    }
    fs::rename(from, to).map(|()| true)
}
