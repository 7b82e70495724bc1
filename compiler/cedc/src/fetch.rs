//! `cedc fetch`: download the dependencies cedc.toml declares into the cache and record
//! them in cedc.lock; `cedc publish`: push a library to an OCI registry.
//!
//! Invariant: a dependency already locked is fetched at exactly its locked commit or
//! digest and must hash to its locked content hash, or the fetch fails (E0015) and
//! neither the cache nor the lock changes for it; only `--update` (or a source changed
//! in cedc.toml) re-resolves a `rev` or `tag`. Builds never fetch.

use crate::oci;
use cedc::project::{self, Dependency, Source};
use cedc_diagnostics::{Diagnostic, Files, Span};
use cedc_driver::packages::{self, Lock, Locked, PackageFiles};
use std::path::Path;
use std::process::Command;

/// What `cedc fetch` did, one line per dependency.
pub struct Fetched {
    pub lines: Vec<String>,
    pub files: Files,
    pub problems: Vec<Diagnostic>,
}

pub fn fetch(dir: &Path, update: bool) -> Result<Fetched, (Files, Diagnostic)> {
    let mut files = Files::new();
    let project = match project::load(dir, &mut files) {
        Ok(p) => p,
        Err(e) => return Err((files, e.diagnostic)),
    };
    let config = files.iter().find(|(_, f)| f.name == project::CONFIG_FILE).map(|(id, _)| id);
    let lock = match Lock::read(dir) {
        Ok(lock) => lock.unwrap_or_default(),
        Err(why) if update => {
            eprintln!("cedc: {why}; writing it again");
            Lock::default()
        }
        Err(why) => {
            let d = Diagnostic::error("E0015", why)
                .help("run `cedc fetch --update` to write cedc.lock again from cedc.toml");
            return Err((files, d));
        }
    };
    let Some(cache) = packages::cache_dir() else {
        let d = Diagnostic::error("E0015", "no cache directory: neither CEDC_CACHE, XDG_CACHE_HOME nor HOME is set")
            .help("set CEDC_CACHE to the directory fetched dependencies are kept in");
        return Err((files, d));
    };
    let mut out = Fetched { lines: Vec::new(), files: Files::new(), problems: Vec::new() };
    let mut locked = Vec::new();
    for dep in &project.dependencies {
        if let Source::Path(p) = &dep.source {
            out.lines.push(format!("{}: the directory {p} (path dependencies are read where they are)", dep.name));
            continue;
        }
        let previous = if update { None } else { lock.get(dep) };
        match fetch_one(dep, previous, &cache) {
            Ok((entry, line)) => {
                out.lines.push(format!("{}: {line}", dep.name));
                locked.push(entry);
            }
            Err((why, help)) => {
                let mut d = Diagnostic::error("E0015", format!("cannot fetch `{}`: {why}", dep.name)).help(help);
                if let Some(f) = config {
                    d = d.at(Span::new(f, dep.span.start, dep.span.end), "this dependency");
                }
                out.problems.push(d);
                // Keep what was locked: a failed fetch changes nothing for it.
                if let Some(p) = lock.get(dep) {
                    locked.push(p.clone());
                }
            }
        }
    }
    let new = Lock::new(locked);
    let path = dir.join(packages::LOCK_FILE);
    // `lock` is what the file held (the default, version 0, when there was none).
    let unchanged = lock == new;
    // A project with only path dependencies gets no lock file.
    let needed = !new.packages.is_empty() || path.exists();
    if !unchanged && needed {
        let tmp = dir.join(format!(".{}.{}.cedc-tmp", packages::LOCK_FILE, std::process::id()));
        let written = std::fs::write(&tmp, new.to_text()).and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            let d = Diagnostic::error("E0015", format!("cannot write {}: {e}", packages::LOCK_FILE))
                .help("check that the project directory is writable");
            return Err((files, d));
        }
        out.lines.push(format!("wrote {}", packages::LOCK_FILE));
    }
    out.files = files;
    Ok(out)
}

type Failure = (String, String);

/// Fetch one dependency (at its locked version when `previous` is given) into the cache.
fn fetch_one(dep: &Dependency, previous: Option<&Locked>, cache: &Path) -> Result<(Locked, String), Failure> {
    let (files, commit, digest) = match &dep.source {
        Source::Git { url, rev } => {
            let want = previous.and_then(|p| p.commit.as_deref()).unwrap_or(rev);
            let (commit, files) = git(url, want).map_err(|why| (why, git_help(url)))?;
            (files, Some(commit), None)
        }
        Source::Oci { reference, tag, digest } => {
            let pinned = digest.as_deref().or(previous.and_then(|p| p.digest.as_deref()));
            let pulled = oci::pull(reference, tag.as_deref(), pinned).map_err(|why| {
                (why, "check the reference and the tag, and that the registry is reachable".to_string())
            })?;
            (pulled.files, None, Some(pulled.digest))
        }
        Source::Path(_) => return Err(("a path dependency is not fetched".into(), String::new())),
    };
    let hash = packages::content_hash(&files);
    if let Some(p) = previous
        && p.hash != hash
    {
        return Err((
            format!("its locked version now has other content: cedc.lock says {}, the download hashes to {hash}", p.hash),
            "someone changed what the locked commit or digest serves; if the new content is trusted, run `cedc fetch --update`".into(),
        ));
    }
    if files.is_empty() {
        return Err(("it holds no .ced file".into(), "a library is a directory of .ced files".into()));
    }
    let (hash, _) =
        packages::store(cache, &files).map_err(|why| (why, "check that the cache directory is writable".into()))?;
    let what = match (&commit, &digest) {
        (Some(c), _) => format!("commit {}", &c[..c.len().min(12)]),
        (_, Some(d)) => d.clone(),
        _ => String::new(),
    };
    let line = format!("{} file{}, {what}, {hash}", files.len(), if files.len() == 1 { "" } else { "s" });
    Ok((Locked { name: dep.name.clone(), source: dep.source.id(), commit, digest, hash }, line))
}

fn git_help(url: &str) -> String {
    format!(
        "check that `git` runs, that `{url}` is a repository you can read, and that `rev` names a commit, tag or branch of it"
    )
}

/// The files of `url` at `rev` (a commit, tag or branch) and the commit it names, read
/// with the `git` command (its credential helpers and configuration apply).
fn git(url: &str, rev: &str) -> Result<(String, PackageFiles), String> {
    let tmp = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let repo = tmp.path();
    run_git(repo, &["init", "--quiet", "--bare", "."])?;
    // A shallow fetch of just `rev` first; servers that refuse to serve a commit by its
    // hash get a full fetch of their branches and tags.
    let shallow = run_git(repo, &["fetch", "--quiet", "--depth", "1", "--end-of-options", url, rev]);
    let object = if shallow.is_ok() {
        "FETCH_HEAD^{commit}".to_string()
    } else {
        run_git(
            repo,
            &["fetch", "--quiet", "--end-of-options", url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
        )?;
        format!("{rev}^{{commit}}")
    };
    let commit = run_git(repo, &["rev-parse", "--verify", "--quiet", "--end-of-options", &object])
        .map_err(|_| format!("`{rev}` names no commit of {url}"))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();
    let tar = run_git(repo, &["archive", "--format=tar", "--end-of-options", &commit])?;
    let files = oci::untar_files(tar.as_slice())?;
    Ok((commit, files))
}

fn run_git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .args(["-c", "protocol.ext.allow=never", "-c", "advice.detachedHead=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("git {} failed: {}", args.first().unwrap_or(&""), err.trim()));
    }
    Ok(out.stdout)
}

/// `cedc publish DIR REFERENCE:TAG`: push the library in DIR (its .ced files and
/// cedc.toml) as an OCI artifact.
pub fn publish(dir: &Path, target: &str) -> Result<String, Diagnostic> {
    let bad = |why: String, help: &str| Diagnostic::error("E0015", why).help(help.to_string());
    let (reference, tag) = match target.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') && !r.is_empty() && !t.is_empty() => (r, t),
        _ => {
            return Err(bad(
                format!("`{target}` names no tag"),
                "write `registry/repository:tag`, such as `localhost:5000/platform/netlib:1.0.0`",
            ));
        }
    };
    let files = packages::read_dir(dir)
        .map_err(|why| bad(format!("cannot read the library: {why}"), "publish a directory of .ced files"))?;
    if !files.keys().any(|f| f.ends_with(".ced")) {
        return Err(bad(
            format!("`{}` holds no .ced file", project::display(dir)),
            "publish a directory of .ced files",
        ));
    }
    let digest = oci::push(reference, tag, &files).map_err(|why| {
        bad(
            format!("cannot publish to {target}: {why}"),
            "check the reference and that the registry is reachable and writable",
        )
    })?;
    Ok(format!("published {} files to {target} ({digest}, {})", files.len(), packages::content_hash(&files)))
}
