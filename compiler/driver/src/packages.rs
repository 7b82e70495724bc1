//! Dependencies: `.ced` libraries a project imports by name (`import "netlib/dns"`),
//! declared in cedc.toml's `[dependencies]`, pinned in `cedc.lock`.
//!
//! A dependency is a directory of `.ced` files: a path (read where it is), or a git
//! commit or an OCI artifact, which only `cedc fetch` downloads — into a
//! content-addressed cache, under the hash the lock file records. Builds never touch
//! the network: they find each fetched dependency in the cache by its locked hash and
//! hash it again, so a missing, outdated or modified copy is a diagnostic (E0014) on
//! the dependency's line in cedc.toml, never a silent use of other files.
//!
//! Invariant: the content hash of a package is a function of its files' relative paths
//! and bytes only (see [`content_hash`]), so the same library fetched from git, from a
//! registry or published from a directory hashes the same.

use crate::project::{Dependency, Source};
use cedc_names::Packages;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The lock file, beside cedc.toml.
pub const LOCK_FILE: &str = "cedc.lock";
const LOCK_VERSION: u32 = 1;
/// Deepest directory nesting read inside a package.
const MAX_DEPTH: usize = 32;
/// Most files a package may hold, and most bytes in all.
pub const MAX_FILES: usize = 10_000;
pub const MAX_BYTES: u64 = 64 << 20;

/// A package's files: relative path (forward slashes) → bytes, sorted by path.
pub type PackageFiles = std::collections::BTreeMap<String, Vec<u8>>;

/// Whether a file belongs to a package: `.ced` sources and the library's own cedc.toml.
/// Hidden files and directories (`.git`) never do.
pub fn is_package_file(rel: &str) -> bool {
    !rel.split('/').any(|part| part.starts_with('.') || part.is_empty())
        && (rel.ends_with(".ced") || rel == crate::project::CONFIG_FILE)
}

/// The content hash of a package: SHA-256 over, for each file in path order, its path,
/// a NUL, its length in decimal, a NUL and its bytes. Written `sha256:<hex>`.
pub fn content_hash(files: &PackageFiles) -> String {
    let mut h = Sha256::new();
    for (path, bytes) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(bytes.len().to_string().as_bytes());
        h.update([0]);
        h.update(bytes);
    }
    format!("sha256:{}", hex(&h.finalize()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Read a package's files from a directory (symbolic links are not followed: a fetched
/// copy has none, and a library should not point outside itself).
pub fn read_dir(dir: &Path) -> Result<PackageFiles, String> {
    let mut files = PackageFiles::new();
    let mut total = 0u64;
    walk(dir, |child, entry| {
        let bytes = cedc_names::read_regular_file(&entry.path()).map_err(|e| format!("cannot read `{child}`: {e}"))?;
        total += bytes.len() as u64;
        if files.len() >= MAX_FILES || total > MAX_BYTES {
            return Err(format!("it holds more than {MAX_FILES} files or {} MiB", MAX_BYTES >> 20));
        }
        files.insert(child, bytes);
        Ok(())
    })?;
    Ok(files)
}

/// The files [`read_dir`] reads, with their sizes and modification times, in a fixed
/// order; nothing is read.
fn stat_dir(dir: &Path) -> Result<Vec<Stat>, String> {
    let mut out = Vec::new();
    walk(dir, |child, entry| {
        let meta = entry.metadata().map_err(|e| format!("cannot read `{child}`: {e}"))?;
        out.push((child, meta.len(), meta.modified().ok()));
        Ok(())
    })?;
    out.sort();
    Ok(out)
}

/// Call `visit` with each package file under `dir` (its path relative to `dir`):
/// hidden names are skipped, directories are followed up to [`MAX_DEPTH`] deep.
fn walk(dir: &Path, mut visit: impl FnMut(String, &std::fs::DirEntry) -> Result<(), String>) -> Result<(), String> {
    let mut stack = vec![(dir.to_path_buf(), String::new(), 0usize)];
    while let Some((path, rel, depth)) = stack.pop() {
        let entries = std::fs::read_dir(&path).map_err(|e| format!("cannot read `{}`: {e}", shown(&rel)))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read `{}`: {e}", shown(&rel)))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let kind = entry.file_type().map_err(|e| format!("cannot read `{child}`: {e}"))?;
            if kind.is_dir() {
                if depth >= MAX_DEPTH {
                    return Err(format!("`{child}` is nested more than {MAX_DEPTH} directories deep"));
                }
                stack.push((entry.path(), child, depth + 1));
            } else if kind.is_file() && is_package_file(&child) {
                visit(child, &entry)?;
            }
        }
    }
    Ok(())
}

fn shown(rel: &str) -> &str {
    if rel.is_empty() { "." } else { rel }
}

/// The lock file's contents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    #[serde(default, rename = "package", skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<Locked>,
}

/// One fetched dependency, as `cedc fetch` found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locked {
    pub name: String,
    /// The dependency's source as cedc.toml states it ([`Source::id`]); an entry whose
    /// source differs is out of date.
    pub source: String,
    /// The git commit `rev` named when fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The OCI manifest's digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// [`content_hash`] of the files.
    pub hash: String,
}

impl Lock {
    pub fn new(mut packages: Vec<Locked>) -> Lock {
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        Lock { version: LOCK_VERSION, packages }
    }

    /// Read `root/cedc.lock`; `Ok(None)` when there is none.
    pub fn read(root: &Path) -> Result<Option<Lock>, String> {
        let path = root.join(LOCK_FILE);
        let bytes = match cedc_names::read_regular_file(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {LOCK_FILE}: {e}")),
        };
        let text = String::from_utf8(bytes).map_err(|_| format!("{LOCK_FILE} is not valid UTF-8"))?;
        let lock: Lock =
            toml::from_str(&text).map_err(|e| format!("{LOCK_FILE} is not a lock file: {}", e.message()))?;
        if lock.version != LOCK_VERSION {
            return Err(format!(
                "{LOCK_FILE} has version {}, and this cedc reads version {LOCK_VERSION}",
                lock.version
            ));
        }
        Ok(Some(lock))
    }

    /// The text written to `cedc.lock`.
    pub fn to_text(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!("# cedc.lock: written by `cedc fetch`. Commit it: builds use exactly these versions.\n\n{body}")
    }

    pub fn get(&self, dep: &Dependency) -> Option<&Locked> {
        self.packages.iter().find(|l| l.name == dep.name && l.source == dep.source.id())
    }
}

/// Where fetched packages are kept: `$CEDC_CACHE`, else `$XDG_CACHE_HOME/cedc`, else
/// `~/.cache/cedc`.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("CEDC_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("cedc")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("cedc")))
}

/// The cache directory of the package with this content hash.
pub fn package_dir(cache: &Path, hash: &str) -> PathBuf {
    cache.join("packages").join(hash.replace(':', "-"))
}

/// Why a dependency cannot be used: where in cedc.toml, what, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub span: std::ops::Range<usize>,
    pub message: String,
    pub help: String,
}

/// The directories of the project's dependencies, each checked: a path dependency's
/// directory exists; a fetched one is in the lock file (for the source cedc.toml
/// states) and in the cache, with exactly the locked content.
pub fn resolve(root: &Path, deps: &[Dependency]) -> (Packages, Vec<Problem>) {
    resolve_with(root, deps, None)
}

/// Fetched dependencies found to match cedc.lock, with what their files looked like
/// then: the directory → (the locked hash, each file's path, size and modification
/// time). [`resolve_with`] hashes a copy again only when that changed — the language
/// server resolves the dependencies at every re-check. (A change that keeps a file's
/// size and time is seen by the next `cedc check`, which always hashes.)
#[derive(Debug, Default)]
pub struct Verified(std::sync::Mutex<std::collections::HashMap<PathBuf, (String, Vec<Stat>)>>);

/// A file of a package as `stat` sees it.
type Stat = (String, u64, Option<std::time::SystemTime>);

impl Verified {
    fn holds(&self, dir: &Path, hash: &str, stats: &[Stat]) -> bool {
        self.0.lock().is_ok_and(|m| m.get(dir).is_some_and(|(h, s)| h == hash && s == stats))
    }
    fn remember(&self, dir: &Path, hash: &str, stats: Vec<Stat>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(dir.to_path_buf(), (hash.to_string(), stats));
        }
    }
}

/// [`resolve`], trusting a fetched copy `verified` saw match its lock with the same files.
pub fn resolve_with(root: &Path, deps: &[Dependency], verified: Option<&Verified>) -> (Packages, Vec<Problem>) {
    let mut packages = Packages::new();
    let mut problems = Vec::new();
    if deps.is_empty() {
        return (packages, problems);
    }
    let fetched = deps.iter().any(|d| !matches!(d.source, Source::Path(_)));
    let lock = if fetched { Lock::read(root) } else { Ok(None) };
    let cache = cache_dir();
    for dep in deps {
        let problem = |message: String, help: &str| Problem { span: dep.span.clone(), message, help: help.to_string() };
        let dir = match &dep.source {
            Source::Path(path) => {
                let dir = root.join(path);
                if !dir.is_dir() {
                    problems.push(problem(
                        format!("the dependency `{}` is the directory `{path}`, and there is none", dep.name),
                        "a path dependency is relative to the project directory (the one holding cedc.toml)",
                    ));
                    continue;
                }
                dir
            }
            _ => match fetched_dir(dep, &lock, cache.as_deref(), verified) {
                Ok(dir) => dir,
                Err((message, help)) => {
                    problems.push(problem(message, help));
                    continue;
                }
            },
        };
        packages.insert(dep.name.clone(), dir);
    }
    (packages, problems)
}

/// The cached copy of a fetched dependency, checked against the lock file.
fn fetched_dir(
    dep: &Dependency,
    lock: &Result<Option<Lock>, String>,
    cache: Option<&Path>,
    verified: Option<&Verified>,
) -> Result<PathBuf, (String, &'static str)> {
    let fetch = "run `cedc fetch`: it downloads the dependencies cedc.toml declares and records them in cedc.lock";
    let lock = match lock {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            return Err((format!("the dependency `{}` is not fetched: there is no {LOCK_FILE}", dep.name), fetch));
        }
        Err(why) => return Err((why.clone(), "run `cedc fetch` to write cedc.lock again")),
    };
    let Some(locked) = lock.get(dep) else {
        let msg = if lock.packages.iter().any(|l| l.name == dep.name) {
            format!("{LOCK_FILE} locks another source for `{}` than cedc.toml states (`{}`)", dep.name, dep.source.id())
        } else {
            format!("the dependency `{}` is not in {LOCK_FILE}", dep.name)
        };
        return Err((msg, fetch));
    };
    let Some(cache) = cache else {
        return Err((
            "no cache directory for fetched dependencies: neither CEDC_CACHE, XDG_CACHE_HOME nor HOME is set".into(),
            "set CEDC_CACHE to a directory",
        ));
    };
    let dir = package_dir(cache, &locked.hash);
    if !dir.is_dir() {
        return Err((
            format!("`{}` ({}) is not in the cache: it was never fetched here", dep.name, locked.hash),
            fetch,
        ));
    }
    let stats = verified.and_then(|_| stat_dir(&dir).ok());
    if let (Some(v), Some(stats)) = (verified, &stats)
        && v.holds(&dir, &locked.hash, stats)
    {
        return Ok(dir);
    }
    let files =
        read_dir(&dir).map_err(|why| (format!("the fetched copy of `{}` cannot be read: {why}", dep.name), fetch))?;
    let found = content_hash(&files);
    if let (Some(v), Some(stats), true) = (verified, stats, found == locked.hash) {
        v.remember(&dir, &locked.hash, stats);
    }
    if found != locked.hash {
        return Err((
            format!(
                "the fetched copy of `{}` was modified: {LOCK_FILE} locks {}, and its files hash to {found}",
                dep.name, locked.hash
            ),
            "run `cedc fetch`: it puts back the locked files (edit a library in its own repository, or use a path dependency while developing it)",
        ));
    }
    Ok(dir)
}

/// Store a package's files in the cache under their content hash (written to a
/// temporary directory, then renamed into place: a reader never sees half a package).
/// A copy already there whose content hashes right is kept; a modified one is replaced.
pub fn store(cache: &Path, files: &PackageFiles) -> Result<(String, PathBuf), String> {
    let hash = content_hash(files);
    let dir = package_dir(cache, &hash);
    if dir.is_dir() && read_dir(&dir).is_ok_and(|f| content_hash(&f) == hash) {
        return Ok((hash, dir));
    }
    let parent = cache.join("packages");
    std::fs::create_dir_all(&parent).map_err(|e| format!("cannot create the cache `{}`: {e}", parent.display()))?;
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = parent.join(format!(".tmp-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let write = || -> std::io::Result<()> {
        for (rel, bytes) in files {
            let path = tmp.join(rel);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p)?;
            }
            std::fs::write(path, bytes)?;
        }
        std::fs::create_dir_all(&tmp)?;
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::rename(&tmp, &dir)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(format!("cannot write `{}` in the cache: {e}", hash));
    }
    Ok((hash, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> PackageFiles {
        list.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect()
    }

    #[test]
    fn the_hash_depends_on_paths_and_bytes_only() {
        let a = files(&[("dns.ced", "let a = 1\n"), ("lib/x.ced", "let x = 2\n")]);
        let b = files(&[("lib/x.ced", "let x = 2\n"), ("dns.ced", "let a = 1\n")]);
        assert_eq!(content_hash(&a), content_hash(&b));
        assert!(content_hash(&a).starts_with("sha256:"));
        // Moving bytes between files, or renaming one, changes it.
        let c = files(&[("dns.ced", "let a = 1\nlet x = 2\n"), ("lib/x.ced", "")]);
        let d = files(&[("dns2.ced", "let a = 1\n"), ("lib/x.ced", "let x = 2\n")]);
        assert_ne!(content_hash(&a), content_hash(&c));
        assert_ne!(content_hash(&a), content_hash(&d));
    }

    #[test]
    fn only_ced_sources_and_the_manifest_belong_to_a_package() {
        assert!(is_package_file("dns.ced"));
        assert!(is_package_file("lib/dns.ced"));
        assert!(is_package_file("cedc.toml"));
        assert!(!is_package_file("lib/cedc.toml"));
        assert!(!is_package_file("README.md"));
        assert!(!is_package_file(".git/x.ced"));
        assert!(!is_package_file("lib/.hidden.ced"));
    }

    #[test]
    fn stored_packages_read_back_and_modified_ones_are_replaced() {
        let cache = tempfile::tempdir().expect("tempdir");
        let pkg = files(&[("dns.ced", "let a = 1\n"), ("sub/x.ced", "let x = 2\n"), ("cedc.toml", "[project]\n")]);
        let (hash, dir) = store(cache.path(), &pkg).expect("store");
        assert_eq!(read_dir(&dir).expect("read"), pkg);
        std::fs::write(dir.join("dns.ced"), "let a = 666\n").expect("tamper");
        assert_ne!(content_hash(&read_dir(&dir).expect("read")), hash);
        let (again, dir2) = store(cache.path(), &pkg).expect("store again");
        assert_eq!((again, &dir2), (hash, &dir));
        assert_eq!(read_dir(&dir).expect("read"), pkg);
    }

    /// A copy verified once is not hashed again while its files look the same; a change
    /// to a file's size is seen at once. (A change that keeps the size and the time is
    /// trusted by the memo, which is what shows it skips the hashing; without the memo,
    /// as `cedc check` runs, it is refused.)
    #[test]
    fn a_verified_copy_is_hashed_again_only_when_its_files_change() {
        let cache = tempfile::tempdir().expect("tempdir");
        let pkg = files(&[("dns.ced", "let a = 1\n")]);
        let (hash, dir) = store(cache.path(), &pkg).expect("store");
        let source = Source::Git { url: "file:///net".into(), rev: "v1".into() };
        let dep = Dependency { name: "net".into(), source: source.clone(), span: 0..0 };
        let locked = Locked { name: "net".into(), source: source.id(), commit: None, digest: None, hash };
        let lock = Ok(Some(Lock::new(vec![locked])));
        let verified = Verified::default();
        let found = |v: Option<&Verified>| fetched_dir(&dep, &lock, Some(cache.path()), v).is_ok();
        assert!(found(Some(&verified)));
        // Same size, same modification time, other bytes.
        let file = dir.join("dns.ced");
        let time = std::fs::metadata(&file).and_then(|m| m.modified()).expect("mtime");
        std::fs::write(&file, "let a = 7\n").expect("tamper");
        std::fs::File::options().write(true).open(&file).and_then(|f| f.set_modified(time)).expect("set mtime");
        assert!(found(Some(&verified)), "trusted: the memo did not hash it again");
        assert!(!found(None), "hashed: refused");
        // Another size: hashed again, and refused.
        std::fs::write(&file, "let a = 1000\n").expect("tamper");
        assert!(!found(Some(&verified)));
    }

    #[test]
    fn the_lock_file_round_trips_sorted() {
        let lock = Lock::new(vec![
            Locked {
                name: "z".into(),
                source: "git+file:///r#v1".into(),
                commit: Some("ab".repeat(20)),
                digest: None,
                hash: "sha256:00".into(),
            },
            Locked {
                name: "a".into(),
                source: "oci+localhost:5000/a:1".into(),
                commit: None,
                digest: Some("sha256:11".into()),
                hash: "sha256:22".into(),
            },
        ]);
        let text = lock.to_text();
        assert!(text.find("name = \"a\"") < text.find("name = \"z\""), "{text}");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(LOCK_FILE), &text).expect("write");
        assert_eq!(Lock::read(dir.path()).expect("read"), Some(lock));
    }
}
