//! Dependencies end to end, through the `cedc` binary: a path dependency, a git
//! dependency (a repository the test creates with `git`), and an OCI dependency
//! published with `cedc publish` to a real registry the test starts (Debian's
//! `docker-registry`, `CEDC_DOCKER_REGISTRY`, installed by scripts/install-tools; a loud
//! skip without it, a failure when CEDC_REQUIRE_TOOLS=1). Every fetched dependency is
//! checked through what a user sees: the render uses the library's code, and each way
//! a dependency can be unavailable is E0014 until `cedc fetch` mends it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cedc(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(args)
        .arg("--message-format=json")
        .current_dir(dir)
        .env("CEDC_CACHE", cache)
        .env_remove("CEDC_REGISTRY_USERNAME")
        .output()
        .expect("run cedc")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The codes of the JSON diagnostics printed.
fn codes(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_string))
        .collect()
}

fn ok(o: &Output, what: &str) -> String {
    assert!(o.status.success(), "{what} failed ({:?}):\n{}", o.status.code(), stderr(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refused(o: &Output, code: &str, needle: &str, what: &str) {
    assert_eq!(o.status.code(), Some(1), "{what}: expected exit 1 with {code}, got:\n{}", stderr(o));
    let codes = codes(o);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == code),
        "{what}: expected only {code}, got {codes:?}:\n{}",
        stderr(o)
    );
    assert!(stderr(o).contains(needle), "{what}: expected `{needle}` in:\n{}", stderr(o));
}

fn write(path: &Path, text: &str) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// A library whose `dns.ced` imports a file of its own.
fn library(dir: &Path, ttl: u32) {
    write(
        &dir.join("dns.ced"),
        &format!(
            "import \"./zone/defaults\"\n\nlet ttl: Int = defaults.base + {ttl}\n\nfn record(name: String) -> String = \"{{name}}.example.com\"\n"
        ),
    );
    write(&dir.join("zone/defaults.ced"), "let base: Int = 0\n");
    write(&dir.join("README.md"), "not part of the package\n");
}

/// A project using `netlib/dns`, with `dependency` as its `[dependencies]` entry.
fn project(dir: &Path, dependency: &str) {
    write(&dir.join("cedc.toml"), &format!("[project]\nname = \"app\"\n\n[dependencies]\nnetlib = {dependency}\n"));
    write(
        &dir.join("main.ced"),
        "import \"std/k8s\"\nimport \"netlib/dns\"\n\nenv prod { }\n\ncomponent web {\n  namespace: \"web\"\n  objects: [k8s.config_map(\"dns\", data: { host: dns.record(\"web\"), ttl: \"{dns.ttl}\" })]\n}\n",
    );
}

/// The TTL the rendered ConfigMap carries.
fn rendered_ttl(dir: &Path, cache: &Path) -> String {
    let yaml = ok(&cedc(dir, cache, &["render", ".", "--env", "prod"]), "cedc render");
    assert!(yaml.contains("host: web.example.com"), "the library's function was not used:\n{yaml}");
    yaml.lines()
        .find_map(|l| l.trim().strip_prefix("ttl: "))
        .map(|t| t.trim_matches('"').to_string())
        .unwrap_or_default()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs (it is needed to clone this repository)");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn url(p: &Path) -> String {
    format!("file://{}", p.display())
}

#[test]
fn a_path_dependency_is_read_where_it_is() {
    let t = tempfile::tempdir().expect("tempdir");
    let (lib, app, cache) = (t.path().join("lib"), t.path().join("app"), t.path().join("cache"));
    library(&lib, 60);
    project(&app, "{ path = \"../lib\" }");
    assert_eq!(rendered_ttl(&app, &cache), "60");
    // Edits show at once: nothing is locked or cached for a path.
    library(&lib, 90);
    assert_eq!(rendered_ttl(&app, &cache), "90");
    assert!(!app.join("cedc.lock").exists() && !cache.exists());

    // A library's file may not reach out of the library.
    write(&lib.join("zone/defaults.ced"), "import \"../../app/main\"\nlet base: Int = 0\n");
    refused(
        &cedc(&app, &cache, &["check", "."]),
        "E0012",
        "leaves the dependency `netlib`",
        "an import leaving the library",
    );
    library(&lib, 90);
    write(&lib.join("zone/defaults.ced"), "let base: Int = 0\n");

    // A misspelt dependency name is suggested.
    write(&app.join("extra.ced"), "import \"netlb/dns\"\n");
    let main = std::fs::read_to_string(app.join("main.ced")).expect("read");
    write(&app.join("main.ced"), &format!("import \"./extra\"\n{main}"));
    refused(
        &cedc(&app, &cache, &["check", "."]),
        "E0012",
        "did you mean the dependency `netlib`?",
        "a misspelt dependency",
    );
    std::fs::write(app.join("main.ced"), main).expect("write");

    // A directory that is not there.
    project(&app, "{ path = \"../nowhere\" }");
    refused(&cedc(&app, &cache, &["check", "."]), "E0014", "the directory `../nowhere`", "a missing path");
}

#[test]
fn bad_dependency_entries_are_configuration_errors() {
    let t = tempfile::tempdir().expect("tempdir");
    let cache = t.path().join("cache");
    for (entry, needle) in [
        ("{ git = \"file:///x\" }", "needs a `rev`"),
        ("{ path = \"../a\", git = \"file:///x\" }", "exactly one of"),
        ("{ oci = \"localhost:5000/x\" }", "needs a `tag` or a `digest`"),
        ("{ oci = \"localhost:5000/x:1.0\" }", "not an OCI repository reference"),
        ("{ oci = \"localhost:5000/x\", digest = \"sha256:12\" }", "64 hex digits"),
        ("{ path = \"../a\", tag = \"1\" }", "`tag` does not go"),
        ("{ git = \"file:///x\", rev = \"v1\", branch = \"main\" }", "unknown field"),
    ] {
        project(t.path(), entry);
        refused(&cedc(t.path(), &cache, &["check", "."]), "E0080", needle, entry);
    }
    write(&t.path().join("cedc.toml"), "[project]\nname = \"app\"\n\n[dependencies]\nstd = { path = \"../a\" }\n");
    refused(&cedc(t.path(), &cache, &["check", "."]), "E0080", "cannot name a dependency", "a dependency named std");
}

#[test]
fn a_git_dependency_is_fetched_locked_cached_and_verified() {
    let t = tempfile::tempdir().expect("tempdir");
    let (repo, app, cache) = (t.path().join("netlib"), t.path().join("app"), t.path().join("cache"));
    std::fs::create_dir_all(&repo).expect("mkdir");
    library(&repo, 60);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "v1"]);
    git(&repo, &["tag", "v1"]);
    let v1 = git(&repo, &["rev-parse", "HEAD"]);
    project(&app, &format!("{{ git = \"{}\", rev = \"v1\" }}", url(&repo)));

    // Nothing fetched yet: builds never fetch.
    refused(&cedc(&app, &cache, &["check", "."]), "E0014", "there is no cedc.lock", "before cedc fetch");
    ok(&cedc(&app, &cache, &["fetch", "."]), "cedc fetch");
    let lock = std::fs::read_to_string(app.join("cedc.lock")).expect("cedc.lock");
    assert!(lock.contains(&format!("commit = \"{v1}\"")), "the lock names the commit:\n{lock}");
    assert_eq!(rendered_ttl(&app, &cache), "60");
    // The package holds the .ced files only.
    let dirs: Vec<PathBuf> =
        std::fs::read_dir(cache.join("packages")).expect("cache").map(|e| e.expect("entry").path()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert!(dirs[0].join("zone/defaults.ced").is_file() && !dirs[0].join("README.md").exists());

    // A modified cached copy is refused, and fetch puts it back.
    write(&dirs[0].join("dns.ced"), "let ttl: Int = 1\nfn record(name: String) -> String = name\n");
    refused(&cedc(&app, &cache, &["check", "."]), "E0014", "was modified", "a modified cache");
    ok(&cedc(&app, &cache, &["fetch", "."]), "cedc fetch (repair)");
    assert_eq!(rendered_ttl(&app, &cache), "60");

    // The tag moves to a new commit: the lock still pins v1, also on a new machine.
    library(&repo, 120);
    git(&repo, &["commit", "-qam", "v2"]);
    git(&repo, &["tag", "-f", "v1"]);
    std::fs::remove_dir_all(&cache).expect("clear the cache");
    refused(&cedc(&app, &cache, &["check", "."]), "E0014", "is not in the cache", "an empty cache");
    ok(&cedc(&app, &cache, &["fetch", "."]), "cedc fetch (new machine)");
    assert_eq!(rendered_ttl(&app, &cache), "60", "a moved tag must not be followed without --update");
    ok(&cedc(&app, &cache, &["fetch", ".", "--update"]), "cedc fetch --update");
    assert_eq!(rendered_ttl(&app, &cache), "120");
    assert!(!std::fs::read_to_string(app.join("cedc.lock")).expect("lock").contains(&v1));

    // Locked content that no longer matches what the source serves is refused, and the
    // lock is left as it was.
    let lock = std::fs::read_to_string(app.join("cedc.lock")).expect("lock");
    let hash = lock.lines().find_map(|l| l.strip_prefix("hash = ")).expect("a hash").trim_matches('"').to_string();
    let forged = lock.replace(&hash, &format!("sha256:{}", "0".repeat(64)));
    std::fs::write(app.join("cedc.lock"), &forged).expect("write");
    refused(&cedc(&app, &cache, &["check", "."]), "E0014", "is not in the cache", "a lock naming other content");
    refused(&cedc(&app, &cache, &["fetch", "."]), "E0015", "now has other content", "fetching other content");
    assert_eq!(std::fs::read_to_string(app.join("cedc.lock")).expect("lock"), forged);

    // A new `rev` in cedc.toml is a new source: out of date until fetched.
    project(&app, &format!("{{ git = \"{}\", rev = \"{v1}\" }}", url(&repo)));
    refused(&cedc(&app, &cache, &["check", "."]), "E0014", "another source", "a changed rev");
    ok(&cedc(&app, &cache, &["fetch", "."]), "cedc fetch (new rev)");
    assert_eq!(rendered_ttl(&app, &cache), "60");

    // A rev naming nothing.
    project(&app, &format!("{{ git = \"{}\", rev = \"v9\" }}", url(&repo)));
    refused(&cedc(&app, &cache, &["fetch", "."]), "E0015", "cannot fetch `netlib`", "an unknown rev");
}

/// A registry on a free loopback port, stopped when dropped.
struct Registry {
    child: std::process::Child,
    addr: String,
    dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// What the registry wrote on its standard error (its log), for a failure message.
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

/// A running registry. The port is found free and released before the registry binds
/// it, so another process may take it first: then the registry exits, and it is
/// started again on another port (three tries). It counts as started when it answers
/// the registry API's version check, not merely when something accepts on the port.
fn start_registry(binary: &str) -> Registry {
    let mut logs = String::new();
    'tries: for _ in 0..3 {
        let mut registry = spawn_registry(binary);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if answers_v2(&registry.addr) && matches!(registry.child.try_wait(), Ok(None)) {
                return registry;
            }
            if let Ok(Some(status)) = registry.child.try_wait() {
                logs.push_str(&format!("exited with {status} on {}:\n{}\n", registry.addr, registry.log()));
                continue 'tries;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("docker-registry did not answer on {} within 10 s:\n{}", registry.addr, registry.log());
    }
    panic!("docker-registry could not be started:\n{logs}");
}

fn spawn_registry(binary: &str) -> Registry {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let addr = format!("127.0.0.1:{port}");
    let config = dir.path().join("config.yml");
    let storage = dir.path().join("data");
    std::fs::write(
        &config,
        format!("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n", storage.display()),
    )
    .expect("write the registry's configuration");
    let log = std::fs::File::create(dir.path().join("registry.log")).expect("the registry's log");
    let child = Command::new(binary)
        .args(["serve", &config.to_string_lossy()])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start docker-registry");
    Registry { child, addr, dir }
}

/// Whether a registry answers `GET /v2/` at `addr` with 200.
fn answers_v2(addr: &str) -> bool {
    use std::io::{Read, Write};
    let timeout = std::time::Duration::from_millis(500);
    let Ok(socket) = addr.parse() else { return false };
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&socket, timeout) else { return false };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let request = format!("GET /v2/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

#[test]
fn a_library_published_to_a_registry_is_a_dependency() {
    let Some(binary) = cedc_emit::testing::tool_var(
        "CEDC_DOCKER_REGISTRY",
        "docker-registry",
        "publishing to and fetching from a real OCI registry was not tested",
    ) else {
        return;
    };
    let registry = start_registry(&binary);
    let t = tempfile::tempdir().expect("tempdir");
    let (lib, app, cache) = (t.path().join("lib"), t.path().join("app"), t.path().join("cache"));
    library(&lib, 60);
    // Registries on loopback are plain HTTP; the test's is reached as `localhost`.
    let port = registry.addr.rsplit(':').next().unwrap_or_default();
    let reference = format!("localhost:{port}/platform/netlib");
    let published = stderr(&cedc(&lib, &cache, &["publish", ".", "--to", &format!("{reference}:1.0.0")]));
    assert!(published.contains("published 2 files"), "{published}\nthe registry's log:\n{}", registry.log());
    let digest = published.split(['(', ',']).find(|s| s.starts_with("sha256:")).expect("a digest").to_string();

    // The same files give the same digest: the layer is reproducible.
    let again = stderr(&cedc(&lib, &cache, &["publish", ".", "--to", &format!("{reference}:1.0.1")]));
    assert!(again.contains(&digest), "publishing the same files again changed the digest:\n{published}\n{again}");

    project(&app, &format!("{{ oci = \"{reference}\", tag = \"1.0.0\" }}"));
    refused(&cedc(&app, &cache, &["check", "."]), "E0014", "not fetched", "before cedc fetch");
    ok(&cedc(&app, &cache, &["fetch", "."]), "cedc fetch");
    let lock = std::fs::read_to_string(app.join("cedc.lock")).expect("cedc.lock");
    assert!(lock.contains(&format!("digest = \"{digest}\"")), "{lock}");
    assert_eq!(rendered_ttl(&app, &cache), "60");

    // A new version under the same tag is not followed until --update.
    library(&lib, 75);
    ok(&cedc(&lib, &cache, &["publish", ".", "--to", &format!("{reference}:1.0.0")]), "publish 1.0.0 again");
    std::fs::remove_dir_all(&cache).expect("clear the cache");
    ok(&cedc(&app, &cache, &["fetch", "."]), "cedc fetch (locked digest)");
    assert_eq!(rendered_ttl(&app, &cache), "60");
    ok(&cedc(&app, &cache, &["fetch", ".", "--update"]), "cedc fetch --update");
    assert_eq!(rendered_ttl(&app, &cache), "75");

    // Pinned by digest: the old version, and a digest the registry does not have.
    project(&app, &format!("{{ oci = \"{reference}\", digest = \"{digest}\" }}"));
    ok(&cedc(&app, &cache, &["fetch", "."]), "cedc fetch (digest)");
    assert_eq!(rendered_ttl(&app, &cache), "60");
    project(&app, &format!("{{ oci = \"{reference}\", digest = \"sha256:{}\" }}", "1".repeat(64)));
    refused(&cedc(&app, &cache, &["fetch", "."]), "E0015", "cannot fetch `netlib`", "an unknown digest");
    // A repository that is not there.
    project(&app, &format!("{{ oci = \"localhost:{port}/platform/nothing\", tag = \"1\" }}"));
    refused(&cedc(&app, &cache, &["fetch", "."]), "E0015", "cannot fetch `netlib`", "an unknown repository");
}
