//! The safe writer: all or nothing, never outside the output directory, never touching
//! files cedc did not generate, stale files removed; and the drift check.

use cedc_emit::{DriftKind, INDEX_FILE, Index, IndexRoot, Tree, check_tree, write_tree};
use std::collections::BTreeMap;
use std::fs;
#[cfg(unix)]
use std::os::unix::fs::MetadataExt;
use std::path::Path;

fn tree(files: &[(&str, &str)]) -> Tree {
    let mut t: Tree = files.iter().map(|(p, c)| (p.to_string(), c.as_bytes().to_vec())).collect();
    let roots = [IndexRoot { path: "envs/prod".into(), env: "prod".into(), component: None, delivery: false }];
    Index::attach(&mut t, &roots);
    t
}

fn tree_a() -> Tree {
    tree(&[
        ("envs/prod/kustomization.yaml", "resources: [a]\n"),
        ("components/web/base/kustomization.yaml", "web\n"),
        ("components/old/base/kustomization.yaml", "old\n"),
    ])
}

fn tree_b() -> Tree {
    tree(&[
        ("envs/prod/kustomization.yaml", "resources: [b]\n"),
        ("components/web/base/kustomization.yaml", "web\n"),
        ("components/new/base/kustomization.yaml", "new\n"),
    ])
}

/// Everything under `dir`: files with contents, directories as `<dir>/`, symlinks as
/// `-> target`.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, rel: &str, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = fs::read_dir(root.join(rel)).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let t = e.file_type().unwrap();
            if t.is_symlink() {
                out.insert(path, format!("-> {}", fs::read_link(e.path()).unwrap().display()));
            } else if t.is_dir() {
                out.insert(format!("{path}/"), String::new());
                walk(root, &path, out);
            } else {
                out.insert(path.clone(), String::from_utf8_lossy(&fs::read(e.path()).unwrap()).into_owned());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn files_of(tree: &Tree) -> BTreeMap<String, String> {
    tree.iter().map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned())).collect()
}

fn only_files(s: BTreeMap<String, String>) -> BTreeMap<String, String> {
    s.into_iter().filter(|(k, _)| !k.ends_with('/')).collect()
}

/// No `.out.cedc-tmp-*` / `.out.cedc-old-*` left beside the output directory: at most
/// the spare (the previous tree, for the next build), with its own `.gitignore`.
fn assert_no_leftovers(parent: &Path) {
    for e in fs::read_dir(parent).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".cedc-spare") {
            assert_spare_marked(&parent.join(&name));
            continue;
        }
        assert!(!name.contains(".cedc-"), "leftover {name}");
    }
}

/// A spare carries cedc's `.gitignore`, which ignores everything in it.
fn assert_spare_marked(spare: &Path) {
    let ignore = fs::read_to_string(spare.join(".gitignore")).unwrap_or_default();
    assert!(ignore.lines().any(|l| l == "*"), "{} is not ignored by version control: {ignore:?}", spare.display());
}

#[test]
fn first_write_creates_the_directory_and_its_parents() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a/b/out");
    let report = write_tree(&out, &tree_a()).unwrap();
    assert_eq!(only_files(snapshot(&out)), files_of(&tree_a()));
    assert_eq!(report.files, 4);
    assert_eq!(report.added.len(), 4);
    assert!(report.changed.is_empty() && report.removed.is_empty());
    assert_no_leftovers(&tmp.path().join("a/b"));
}

#[test]
fn rewriting_the_same_tree_touches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    let marker = out.join("envs/prod/kustomization.yaml");
    let before = fs::metadata(&marker).unwrap().modified().unwrap();
    let report = write_tree(&out, &tree_a()).unwrap();
    assert!(report.is_unchanged(), "{report:?}");
    assert_eq!(fs::metadata(&marker).unwrap().modified().unwrap(), before);
    assert_eq!(check_tree(&out, &tree_a()).unwrap(), []);
}

/// When every file is in place and the previous index lists exactly the tree's files,
/// the rest of the directory is not walked: a foreign entry the walk would refuse (a
/// name that is not UTF-8) does not stop a build that writes nothing, and does stop one
/// that writes. A tree that lists a file more or less is walked (stale files removed,
/// foreign ones kept).
#[cfg(target_os = "linux")]
#[test]
fn an_up_to_date_tree_is_not_walked() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    let odd = out.join("components").join(std::ffi::OsStr::from_bytes(b"notes-\xff"));
    fs::write(&odd, "mine\n").unwrap();
    assert!(write_tree(&out, &tree_a()).unwrap().is_unchanged());
    let err = write_tree(&out, &tree_b()).unwrap_err();
    assert!(err.to_string().contains("not UTF-8"), "{err}");
    fs::remove_file(&odd).unwrap();

    fs::write(out.join("README.md"), "mine\n").unwrap();
    let mut fewer = tree_a();
    fewer.remove("components/old/base/kustomization.yaml");
    Index::attach(
        &mut fewer,
        &[IndexRoot { path: "envs/prod".into(), env: "prod".into(), component: None, delivery: false }],
    );
    let report = write_tree(&out, &fewer).unwrap();
    assert_eq!(report.removed, ["components/old/base/kustomization.yaml"]);
    assert!(report.kept.contains(&"README.md".to_string()), "{report:?}");
    assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "mine\n");
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).unwrap())
}

/// Set a file's modification time `seconds` before now.
fn age(path: &Path, seconds: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds);
    fs::File::options().write(true).open(path).unwrap().set_modified(then).unwrap();
}

#[cfg(unix)]
#[test]
fn a_rebuild_writes_only_the_files_that_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let spare = tmp.path().join(".out.cedc-spare");
    write_tree(&out, &tree_a()).unwrap();
    let kept = out.join("components/web/base/kustomization.yaml");
    let edited = out.join("envs/prod/kustomization.yaml");
    let (kept_before, edited_before) = (inode(&kept), inode(&edited));
    let report = write_tree(&out, &tree_b()).unwrap();
    assert_eq!(report.changed, ["cedc-index.json", "envs/prod/kustomization.yaml"]);
    assert_eq!(only_files(snapshot(&out)), files_of(&tree_b()));
    // The unchanged file is the same file, linked into the new tree, not a copy.
    assert_eq!(inode(&kept), kept_before);
    assert_ne!(inode(&edited), edited_before);
    // The previous tree is kept as the spare (its other name of the unchanged file
    // included), for the next build to reuse.
    let mut previous = only_files(snapshot(&spare));
    assert!(previous.remove(".gitignore").is_some());
    assert_eq!(previous, files_of(&tree_a()));
    assert_eq!(fs::metadata(&kept).unwrap().nlink(), 2);
    assert_no_leftovers(tmp.path());

    // The next build turns the spare into the new tree: the unchanged file keeps its
    // inode, the spare ends up holding the tree this build replaced.
    let spare_dir = fs::metadata(&spare).unwrap().ino();
    write_tree(&out, &tree_a()).unwrap();
    assert_eq!(only_files(snapshot(&out)), files_of(&tree_a()));
    assert_eq!(fs::metadata(&out).unwrap().ino(), spare_dir, "the spare became the output directory");
    assert_eq!(inode(&kept), kept_before);
    assert_eq!(fs::metadata(&kept).unwrap().nlink(), 2);
    let mut previous = only_files(snapshot(&spare));
    assert!(previous.remove(".gitignore").is_some());
    assert_eq!(previous, files_of(&tree_b()));
    assert_no_leftovers(tmp.path());
}

#[test]
fn an_unchanged_build_trusts_the_index_for_files_older_than_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    let file = out.join("components/web/base/kustomization.yaml");
    // A change of the same size with a fresh modification time is seen (and undone)...
    fs::write(&file, "WEB\n").unwrap();
    age(&out.join(INDEX_FILE), 60);
    let report = write_tree(&out, &tree_a()).unwrap();
    assert_eq!(report.changed, ["components/web/base/kustomization.yaml"]);
    assert_eq!(fs::read_to_string(&file).unwrap(), "web\n");
    // ...while a file older than the index whose recorded hash, size and time match
    // is not read: cedc-index.json vouches for it (`build --check` reads every byte).
    fs::write(&file, "WEB\n").unwrap();
    age(&file, 3600);
    assert!(write_tree(&out, &tree_a()).unwrap().is_unchanged());
    assert_eq!(fs::read_to_string(&file).unwrap(), "WEB\n");
    let drift = check_tree(&out, &tree_a()).unwrap();
    assert_eq!(drift.len(), 1);
    assert_eq!(drift[0].kind, DriftKind::Different);
}

#[test]
fn stale_files_and_their_empty_directories_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    let report = write_tree(&out, &tree_b()).unwrap();
    assert_eq!(only_files(snapshot(&out)), files_of(&tree_b()));
    assert!(!out.join("components/old").exists(), "empty directories must go");
    assert_eq!(report.removed, ["components/old/base/kustomization.yaml"]);
    assert_eq!(report.added, ["components/new/base/kustomization.yaml"]);
    assert_eq!(report.changed, [INDEX_FILE, "envs/prod/kustomization.yaml"]);
    assert_no_leftovers(tmp.path());
}

#[test]
fn foreign_files_survive_a_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    fs::write(out.join("README.md"), "mine\n").unwrap();
    fs::write(out.join("components/web/NOTES"), "notes\n").unwrap();
    fs::write(out.join("components/old/base/extra.yaml"), "extra\n").unwrap();
    fs::create_dir_all(out.join(".git/objects")).unwrap();
    fs::write(out.join(".git/HEAD"), "ref\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("README.md", out.join("link")).unwrap();

    let report = write_tree(&out, &tree_b()).unwrap();
    let snap = snapshot(&out);
    assert_eq!(snap["README.md"], "mine\n");
    assert_eq!(snap["components/web/NOTES"], "notes\n");
    assert_eq!(snap["components/old/base/extra.yaml"], "extra\n");
    assert!(!snap.contains_key("components/old/base/kustomization.yaml"));
    assert_eq!(snap[".git/HEAD"], "ref\n");
    assert!(snap.contains_key(".git/objects/"), "foreign empty directories are carried over");
    #[cfg(unix)]
    assert_eq!(snap["link"], "-> README.md");
    for (path, content) in files_of(&tree_b()) {
        assert_eq!(snap[&path], content, "{path}");
    }
    assert!(report.kept.contains(&".git/".to_string()), "{:?}", report.kept);
    assert!(report.kept.contains(&"README.md".to_string()));
    // And again: still there, still not in the index.
    write_tree(&out, &tree_a()).unwrap();
    assert_eq!(fs::read_to_string(out.join("components/web/NOTES")).unwrap(), "notes\n");
    let index = Index::parse(&fs::read(out.join(INDEX_FILE)).unwrap()).unwrap();
    assert!(index.files.iter().all(|f| f.path != "README.md"));
}

/// The output directory is read a depth at a time, on several threads: what it finds is
/// still reported in path order (a depth-first walk's, one component at a time, so
/// `a/z` comes before `a-b`), and a foreign file deep inside a directory the new tree
/// needs as a file is found.
#[test]
fn foreign_entries_are_reported_in_path_order_whatever_their_depth() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    for dir in ["components/web/base/deep/er", "components/web-x", "components/old/base/z/y/x"] {
        fs::create_dir_all(out.join(dir)).unwrap();
    }
    for file in ["zz.txt", "components/web/base/deep/er/f", "components/web/NOTES", "components/web-x/f", "a.txt"] {
        fs::write(out.join(file), "mine\n").unwrap();
    }
    let report = write_tree(&out, &tree_b()).unwrap();
    let kept: Vec<&str> = report.kept.iter().map(String::as_str).collect();
    assert_eq!(
        kept,
        [
            "a.txt",
            "components/old/base/z/",
            "components/web/NOTES",
            "components/web/base/deep/",
            "components/web-x/",
            "zz.txt"
        ]
    );
    // A file of the new tree where the user's directory holds a file three levels down.
    let mut blocked = tree_b();
    blocked.insert("components/web-x".into(), b"now a file\n".to_vec());
    let err = write_tree(&out, &blocked).unwrap_err();
    assert_eq!(err.paths, ["components/web-x/"]);
    fs::create_dir_all(out.join("components/new/base/kustomization.yaml.d/1/2/3")).unwrap();
    fs::remove_file(out.join("components/web-x/f")).unwrap();
    fs::write(out.join("components/new/base/kustomization.yaml.d/1/2/3/f"), "mine\n").unwrap();
    let mut deeper = tree_b();
    deeper.remove("components/new/base/kustomization.yaml");
    deeper.insert("components/new/base/kustomization.yaml.d".into(), b"x\n".to_vec());
    let err = write_tree(&out, &deeper).unwrap_err();
    assert_eq!(err.paths, ["components/new/base/kustomization.yaml.d/"]);
}

#[test]
fn a_foreign_file_in_the_way_stops_the_build_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // A directory cedc never wrote (no index): everything in it is the user's.
    fs::create_dir_all(out.join("envs/prod")).unwrap();
    fs::write(out.join("envs/prod/kustomization.yaml"), "hand-written\n").unwrap();
    fs::write(out.join("components"), "a file where a directory must go\n").unwrap();
    fs::write(out.join("unrelated.txt"), "x\n").unwrap();
    let before = snapshot(&out);

    let err = write_tree(&out, &tree_a()).unwrap_err();
    assert_eq!(err.paths, ["components", "envs/prod/kustomization.yaml"]);
    assert!(err.message.contains("did not generate"), "{}", err.message);
    assert!(!err.help.is_empty());
    assert_eq!(err.to_diagnostic().code, "E0090");
    assert_eq!(snapshot(&out), before);
    assert_no_leftovers(tmp.path());
}

#[test]
fn an_unreadable_index_makes_every_file_foreign() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    fs::write(out.join(INDEX_FILE), "garbage").unwrap();
    let before = snapshot(&out);
    let err = write_tree(&out, &tree_b()).unwrap_err();
    assert!(err.paths.contains(&INDEX_FILE.to_string()), "{:?}", err.paths);
    assert!(err.paths.contains(&"envs/prod/kustomization.yaml".to_string()));
    assert_eq!(snapshot(&out), before);
}

#[test]
fn paths_escaping_the_output_directory_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for bad in ["../escape.yaml", "/etc/x", "a/../../b", "a\\b", "a//b", "./a", ""] {
        let t = tree(&[("ok.yaml", "ok\n"), (bad, "bad\n")]);
        let err = write_tree(&out, &t).unwrap_err();
        assert_eq!(err.paths.len(), 1, "{bad:?}: {err}");
        assert!(!out.exists(), "{bad:?}: nothing may be written");
        assert!(check_tree(&out, &t).is_err());
    }
    assert!(!tmp.path().join("escape.yaml").exists());
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn a_failure_while_writing_leaves_the_previous_tree_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    fs::write(out.join("mine.txt"), "mine\n").unwrap();
    let before = snapshot(&out);
    // A file name longer than any file system allows: the write fails after other
    // files of the new tree were already staged.
    let long = format!("zz/{}.yaml", "x".repeat(300));
    let mut t = tree_b();
    t.insert(long, b"x".to_vec());
    Index::attach(&mut t, &[]);
    let err = write_tree(&out, &t).unwrap_err();
    assert!(err.message.contains("cannot write"), "{err}");
    assert_eq!(snapshot(&out), before);
    assert_no_leftovers(tmp.path());
}

#[test]
fn check_tree_reports_each_kind_of_drift_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let missing = check_tree(&out, &tree_a()).unwrap();
    assert_eq!(missing.len(), 4);
    assert!(missing.iter().all(|d| d.kind == DriftKind::Missing));
    assert!(!out.exists());

    write_tree(&out, &tree_a()).unwrap();
    fs::remove_file(out.join("components/web/base/kustomization.yaml")).unwrap();
    fs::write(out.join("README.md"), "foreign files are not drift\n").unwrap();
    let before = snapshot(&out);
    let drift = check_tree(&out, &tree_b()).unwrap();
    let got: Vec<(&str, DriftKind)> = drift.iter().map(|d| (d.path.as_str(), d.kind)).collect();
    assert_eq!(
        got,
        [
            (INDEX_FILE, DriftKind::Different),
            ("components/new/base/kustomization.yaml", DriftKind::Missing),
            ("components/old/base/kustomization.yaml", DriftKind::Stale),
            ("components/web/base/kustomization.yaml", DriftKind::Missing),
            ("envs/prod/kustomization.yaml", DriftKind::Different),
        ]
    );
    assert_eq!(snapshot(&out), before);
    assert_eq!(DriftKind::Different.to_string(), "out of date");
}

#[test]
fn the_output_directory_must_be_a_real_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    assert!(write_tree(&file, &tree_a()).unwrap_err().message.contains("not a directory"));
    assert!(check_tree(&file, &tree_a()).is_err());
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
    #[cfg(unix)]
    {
        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(write_tree(&link, &tree_a()).unwrap_err().message.contains("symbolic link"));
        assert!(check_tree(&link, &tree_a()).unwrap_err().message.contains("symbolic link"));
        assert_eq!(fs::read_dir(&real).unwrap().count(), 0);
    }
}

#[cfg(unix)]
#[test]
fn the_output_directory_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o750)).unwrap();
    write_tree(&out, &tree_b()).unwrap();
    assert_eq!(fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o750);
}

#[test]
fn a_tree_without_an_index_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = tree_a();
    t.remove(INDEX_FILE);
    assert!(write_tree(&tmp.path().join("out"), &t).is_err());
    assert!(!tmp.path().join("out").exists());
}

// ------------------------------------------------------------ faults and leftovers

use cedc_emit::write_faults;

/// Foreign entries of every kind, added to `out`: files at the top, inside generated
/// directories and in a directory cedc never wrote, nested; an empty directory; a
/// symbolic link. Returns the files (with contents, links as `-> target`) and the
/// directories that must survive.
fn add_foreign(out: &Path) -> (BTreeMap<String, String>, Vec<String>) {
    let files = [
        ("README.md", "mine\n"),
        ("components/web/NOTES", "notes\n"),
        ("components/old/base/extra.yaml", "extra\n"),
        (".git/HEAD", "ref\n"),
        (".git/refs/heads/main", "abc\n"),
        ("docs/a/b/c.txt", "deep\n"),
    ];
    let mut map = BTreeMap::new();
    for (p, c) in files {
        fs::create_dir_all(out.join(p).parent().unwrap()).unwrap();
        fs::write(out.join(p), c).unwrap();
        map.insert(p.to_string(), c.to_string());
    }
    fs::create_dir_all(out.join(".git/objects")).unwrap();
    #[cfg(unix)]
    {
        let _ = fs::remove_file(out.join("link")); // from an earlier call
        std::os::unix::fs::symlink("README.md", out.join("link")).unwrap();
        map.insert("link".into(), "-> README.md".into());
    }
    (map, vec![".git/objects/".into(), "docs/a/b/".into()])
}

fn with_foreign(tree: &Tree, foreign: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut all = files_of(tree);
    all.extend(foreign.clone());
    all
}

/// The promise after any interruption: `out` is the complete `old` or the complete
/// `new` tree (or, when there was no previous tree, absent or complete `new`), and
/// every foreign file and directory is there.
fn assert_old_or_new(
    out: &Path,
    old: Option<&Tree>,
    new: &Tree,
    foreign: &BTreeMap<String, String>,
    dirs: &[String],
    at: &str,
) {
    if !out.exists() {
        if let Some(old) = old {
            // Only in the fallback swap, between its two renames: the complete
            // previous tree is in a `.out.cedc-old-*` beside it, for the next build.
            let parent = out.parent().unwrap();
            let aside = fs::read_dir(parent)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(".out.cedc-old-"));
            let aside = aside.unwrap_or_else(|| panic!("{at}: the output directory is gone"));
            assert_eq!(only_files(snapshot(&aside)), with_foreign(old, foreign), "{at}");
            assert!(write_faults_fallback(), "{at}: the output directory is missing with an atomic exchange");
        }
        return;
    }
    let snap = snapshot(out);
    let files = only_files(snap.clone());
    let is_new = files == with_foreign(new, foreign);
    let is_old = old.is_some_and(|t| files == with_foreign(t, foreign));
    assert!(is_old || is_new, "{at}: neither the old nor the new tree:\n{files:#?}");
    for d in dirs {
        assert!(snap.contains_key(d), "{at}: foreign directory {d} lost");
    }
}

fn assert_no_leftovers_of(parent: &Path, name: &str) {
    for e in fs::read_dir(parent).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        if n == format!(".{name}.cedc-spare") {
            assert_spare_marked(&parent.join(&n));
            continue;
        }
        assert!(!n.starts_with(&format!(".{name}.cedc-")), "leftover {n}");
    }
}

thread_local! {
    static FALLBACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn write_faults_fallback() -> bool {
    FALLBACK.with(|f| f.get())
}

/// What is on disk before the interrupted build.
#[derive(Clone, Copy, PartialEq)]
enum Start {
    /// Nothing: a first build.
    Empty,
    /// `out` holding `tree_a` and the foreign entries.
    Built,
    /// The same, with a spare beside it holding `tree_b` and second names of the foreign
    /// files — one of which the user has since deleted from `out`: it must not come back.
    WithSpare,
}

fn scenario(start: Start) -> (tempfile::TempDir, std::path::PathBuf, BTreeMap<String, String>, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    if start == Start::Empty {
        return (tmp, out, BTreeMap::new(), Vec::new());
    }
    if start == Start::WithSpare {
        write_tree(&out, &tree_b()).unwrap();
        add_foreign(&out);
    }
    write_tree(&out, &tree_a()).unwrap();
    let (mut foreign, dirs) = add_foreign(&out);
    if start == Start::WithSpare {
        assert!(tmp.path().join(".out.cedc-spare/docs/a/b/c.txt").is_file(), "the spare holds the foreign files");
        fs::remove_file(out.join("docs/a/b/c.txt")).unwrap();
        foreign.remove("docs/a/b/c.txt");
    }
    (tmp, out, foreign, dirs)
}

/// Stop the write of `tree_b` after `n` steps. Returns false when it finished first.
fn crash_at(out: &Path, n: usize) -> bool {
    write_faults::crash_after(Some(n));
    let result = write_tree(out, &tree_b());
    let crashed = write_faults::crashed();
    write_faults::crash_after(None);
    assert_eq!(result.is_err(), crashed, "{result:?}");
    crashed
}

/// For every step of the protocol (and, in the fallback, without an atomic exchange):
/// stop there as a kill would, check the promise, let the next build recover — itself
/// stopped at every step once — and check that it ends with the new tree, every
/// foreign file and no leftover.
fn crash_everywhere(start: Start, no_exchange: bool) {
    write_faults::pretend_no_exchange(no_exchange);
    FALLBACK.with(|f| f.set(no_exchange));
    let old = if start == Start::Empty { None } else { Some(tree_a()) };
    let mut n = 0;
    loop {
        let (tmp, out, foreign, dirs) = scenario(start);
        if !crash_at(&out, n) {
            assert!(n > 5, "the protocol has steps");
            break;
        }
        let at = format!("crash after {n} steps (exchange: {})", !no_exchange);
        assert_old_or_new(&out, old.as_ref(), &tree_b(), &foreign, &dirs, &at);
        // The recovering builds, interrupted again and again, each one step later.
        for m in 0.. {
            if !crash_at(&out, m) {
                break;
            }
            assert_old_or_new(&out, old.as_ref(), &tree_b(), &foreign, &dirs, &format!("{at}, then after {m}"));
        }
        let report = write_tree(&out, &tree_b()).unwrap();
        assert_eq!(only_files(snapshot(&out)), with_foreign(&tree_b(), &foreign), "{at}: {report:?}");
        assert_old_or_new(&out, None, &tree_b(), &foreign, &dirs, &at);
        assert_no_leftovers_of(tmp.path(), "out");
        n += 1;
    }
    write_faults::pretend_no_exchange(false);
}

#[test]
fn a_crash_at_any_step_leaves_the_old_or_the_new_tree_with_every_foreign_file() {
    crash_everywhere(Start::Built, false);
}

#[test]
fn a_crash_at_any_step_of_the_fallback_swap_is_recovered() {
    crash_everywhere(Start::Built, true);
}

#[test]
fn a_crash_during_a_first_build_leaves_nothing_or_the_new_tree() {
    crash_everywhere(Start::Empty, false);
}

#[test]
fn a_crash_at_any_step_of_a_build_reusing_the_spare_leaves_the_old_or_the_new_tree() {
    crash_everywhere(Start::WithSpare, false);
}

#[test]
fn a_crash_at_any_step_of_a_build_reusing_the_spare_without_exchange_is_recovered() {
    crash_everywhere(Start::WithSpare, true);
}

/// Write `tree` into `dir` as a plain directory (a leftover built by hand).
fn put(dir: &Path, files: &BTreeMap<String, String>) {
    for (p, c) in files {
        fs::create_dir_all(dir.join(p).parent().unwrap()).unwrap();
        fs::write(dir.join(p), c).unwrap();
    }
}

fn without_links(m: BTreeMap<String, String>) -> BTreeMap<String, String> {
    m.into_iter().filter(|(_, c)| !c.starts_with("-> ")).collect()
}

/// The state the issue reports: an older cedc, killed while it *moved* foreign files
/// into its staging directory, left the old tree in place with part of the user's
/// files missing, and those files in `.out.cedc-tmp-<pid>`. The next build puts them
/// back (and a whole foreign directory moved there too), and removes the leftover.
#[test]
fn files_moved_away_by_an_interrupted_build_are_put_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    let (foreign, _) = add_foreign(&out);
    let foreign = without_links(foreign);
    let leftover = tmp.path().join(".out.cedc-tmp-4242");
    put(&leftover, &files_of(&tree_b()));
    for moved in ["README.md", "components/web/NOTES"] {
        fs::create_dir_all(leftover.join(moved).parent().unwrap()).unwrap();
        fs::rename(out.join(moved), leftover.join(moved)).unwrap();
    }
    fs::rename(out.join(".git"), leftover.join(".git")).unwrap();

    let report = write_tree(&out, &tree_b()).unwrap();
    let files = only_files(snapshot(&out));
    for (p, c) in &foreign {
        assert_eq!(files.get(p), Some(c), "{p} not put back: {report:?}");
    }
    assert!(out.join(".git/objects").is_dir());
    assert_eq!(without_links(files), with_foreign(&tree_b(), &foreign));
    assert!(report.warnings.iter().any(|w| w.contains("put 3 of your files back")), "{:?}", report.warnings);
    assert_no_leftovers(tmp.path());
}

/// Leftovers of two killed builds (different pids), with the output directory missing
/// (an older cedc killed between its two renames): the previous tree is put back from
/// the `old` leftover, the user's files from the `tmp` one, the partial staging of the
/// other build is removed, and the build then succeeds.
#[test]
fn leftovers_of_several_interrupted_builds_are_all_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    let (foreign, _) = add_foreign(&out);
    let foreign = without_links(foreign);
    // Build 11 (older cedc): new tree staged with the foreign files moved into it, then
    // `out` moved aside to `old`, killed before the second rename.
    let tmp11 = tmp.path().join(".out.cedc-tmp-11");
    put(&tmp11, &files_of(&tree_b()));
    put(&tmp11, &foreign);
    for p in foreign.keys() {
        fs::remove_file(out.join(p)).unwrap();
    }
    fs::remove_file(out.join("link")).ok();
    fs::rename(&out, tmp.path().join(".out.cedc-old-11")).unwrap();
    // Build 12: killed while staging (index and one file written).
    let tmp12 = tmp.path().join(".out.cedc-tmp-12-2");
    let partial: BTreeMap<String, String> = files_of(&tree_b()).into_iter().take(2).collect();
    put(&tmp12, &partial);

    let report = write_tree(&out, &tree_b()).unwrap();
    let files = without_links(only_files(snapshot(&out)));
    assert_eq!(files, with_foreign(&tree_b(), &foreign), "{report:?}");
    assert!(report.warnings.iter().any(|w| w.contains("previous tree was put back")), "{:?}", report.warnings);
    assert_no_leftovers(tmp.path());
}

/// A leftover whose file differs from the user's file at the same path is kept (never
/// delete a file that is not cedc's), with a warning; the build itself succeeds. Names
/// that are not this output directory's leftovers, and symbolic links, are not touched.
#[test]
fn what_recovery_cannot_attribute_is_kept_and_other_names_are_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    fs::write(out.join("README.md"), "mine, edited since\n").unwrap();
    let leftover = tmp.path().join(".out.cedc-tmp-5");
    put(&leftover, &files_of(&tree_b()));
    put(&leftover, &[("README.md".to_string(), "mine, as it was\n".to_string())].into());
    let others = [".other.cedc-tmp-1", ".out.cedc-tmp-x", ".out.cedc-new-1", "out.cedc-tmp-1"];
    for o in others {
        put(&tmp.path().join(o), &[("f".to_string(), "x".to_string())].into());
    }
    #[cfg(unix)]
    {
        let elsewhere = tmp.path().join("elsewhere");
        put(&elsewhere, &[("cedc-index.json".to_string(), "x".to_string())].into());
        std::os::unix::fs::symlink(&elsewhere, tmp.path().join(".out.cedc-tmp-9")).unwrap();
    }

    let report = write_tree(&out, &tree_b()).unwrap();
    assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "mine, edited since\n");
    assert_eq!(fs::read_to_string(leftover.join("README.md")).unwrap(), "mine, as it was\n");
    // The index stays with what is kept: it still tells cedc's files from others.
    assert_eq!(snapshot(&leftover).keys().collect::<Vec<_>>(), ["README.md", INDEX_FILE]);
    assert!(
        report.warnings.iter().any(|w| w.contains("kept .out.cedc-tmp-5") && w.contains("README.md")),
        "{:?}",
        report.warnings
    );
    for o in others {
        assert_eq!(fs::read_to_string(tmp.path().join(o).join("f")).unwrap(), "x", "{o}");
    }
    #[cfg(unix)]
    assert!(tmp.path().join("elsewhere/cedc-index.json").exists());
    // Once the user has sorted it out, the next build removes the rest.
    fs::remove_file(leftover.join("README.md")).unwrap();
    write_tree(&out, &tree_a()).unwrap();
    assert!(!leftover.exists());
}

/// A leftover locked by a running build is that build's staging directory: recovery
/// leaves it alone.
#[cfg(unix)]
#[test]
fn a_leftover_locked_by_a_running_build_is_not_touched() {
    use rustix::fs::{FlockOperation, Mode, OFlags, flock, open};
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    let busy = tmp.path().join(".out.cedc-tmp-77");
    put(&busy, &files_of(&tree_b()));
    let fd = open(&busy, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap();
    flock(&fd, FlockOperation::NonBlockingLockExclusive).unwrap();
    let before = snapshot(&busy);
    write_tree(&out, &tree_b()).unwrap();
    assert_eq!(snapshot(&busy), before);
    drop(fd);
    write_tree(&out, &tree_a()).unwrap();
    assert!(!busy.exists(), "once its build is gone, the leftover is removed");
}

/// Foreign files are carried over as the same files (hard links), so their inode,
/// permissions and times are kept; foreign directories keep their permissions, even
/// read-only ones, and the previous tree is still removed completely.
#[cfg(unix)]
#[test]
fn foreign_files_stay_the_same_files_and_read_only_directories_are_handled() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    fs::create_dir_all(out.join(".git/objects/pack")).unwrap();
    fs::write(out.join(".git/objects/pack/p.pack"), "pack").unwrap();
    fs::write(out.join("components/web/NOTES"), "notes").unwrap();
    fs::set_permissions(out.join(".git/objects/pack/p.pack"), fs::Permissions::from_mode(0o444)).unwrap();
    fs::set_permissions(out.join(".git/objects/pack"), fs::Permissions::from_mode(0o555)).unwrap();
    let ino = |p: &str| fs::symlink_metadata(out.join(p)).unwrap().ino();
    let before = (ino(".git/objects/pack/p.pack"), ino("components/web/NOTES"));

    let report = write_tree(&out, &tree_b()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!((ino(".git/objects/pack/p.pack"), ino("components/web/NOTES")), before);
    let mode = |p: &str| fs::symlink_metadata(out.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(".git/objects/pack"), 0o555);
    assert_eq!(mode(".git/objects/pack/p.pack"), 0o444);
    assert_eq!(fs::read_to_string(out.join(".git/objects/pack/p.pack")).unwrap(), "pack");
    assert_no_leftovers(tmp.path());

    // The next build reuses the spare, which holds the read-only directory too.
    let report = write_tree(&out, &tree_a()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!((ino(".git/objects/pack/p.pack"), ino("components/web/NOTES")), before);
    assert_eq!(mode(".git/objects/pack"), 0o555);
    assert_eq!(only_files(snapshot(&out)).len(), files_of(&tree_a()).len() + 2);
    assert_no_leftovers(tmp.path());
    for dir in [out.clone(), tmp.path().join(".out.cedc-spare")] {
        fs::set_permissions(dir.join(".git/objects/pack"), fs::Permissions::from_mode(0o755)).unwrap();
    }
}

// ------------------------------------------------------------------ the spare tree

/// `out` built from `tree_a`, then `tree_b`: the spare holds `tree_a`.
fn with_spare() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    write_tree(&out, &tree_b()).unwrap();
    let spare = tmp.path().join(".out.cedc-spare");
    assert!(spare.join(INDEX_FILE).is_file(), "the previous tree is kept");
    (tmp, out, spare)
}

/// A file both trees share is one inode in `out` and in the spare: edited in place
/// through `out`, the spare's name sees the edit too, and the next build must still
/// write the generated bytes (never through that name).
#[cfg(unix)]
#[test]
fn a_generated_file_edited_in_place_is_rewritten_when_the_spare_shares_it() {
    let (tmp, out, spare) = with_spare();
    let shared = "components/web/base/kustomization.yaml";
    assert_eq!(inode(&out.join(shared)), inode(&spare.join(shared)));
    fs::write(out.join(shared), "edited by hand\n").unwrap();
    let report = write_tree(&out, &tree_b()).unwrap();
    assert_eq!(report.changed, [shared]);
    assert_eq!(only_files(snapshot(&out)), files_of(&tree_b()));
    assert_no_leftovers(tmp.path());
}

#[cfg(unix)]
#[test]
fn a_spare_locked_by_another_build_is_left_alone() {
    use rustix::fs::{FlockOperation, Mode, OFlags, flock, open};
    let (tmp, out, spare) = with_spare();
    let fd = open(&spare, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap();
    flock(&fd, FlockOperation::NonBlockingLockExclusive).unwrap();
    let before = snapshot(&spare);
    let report = write_tree(&out, &tree_a()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(only_files(snapshot(&out)), files_of(&tree_a()));
    assert_eq!(snapshot(&spare), before, "the other build's spare is untouched");
    drop(fd);
    assert_no_leftovers(tmp.path());
}

/// A previous tree whose root holds the user's `.gitignore` cannot carry cedc's, so it
/// is emptied rather than kept where version control would list it.
#[test]
fn a_previous_tree_with_the_users_gitignore_is_not_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    fs::write(out.join(".gitignore"), "*.tmp\n").unwrap();
    write_tree(&out, &tree_b()).unwrap();
    assert!(!tmp.path().join(".out.cedc-spare").exists());
    assert_eq!(fs::read_to_string(out.join(".gitignore")).unwrap(), "*.tmp\n");
    assert_no_leftovers(tmp.path());
}

/// With the output directory in a Git work tree, `git status` lists the generated
/// tree's changes and never the spare.
#[test]
fn git_does_not_list_the_spare() {
    use std::process::Command;
    let tmp = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(tmp.path()).output();
    match git(&["init", "-q"]) {
        Ok(o) if o.status.success() => {}
        other => {
            assert!(std::env::var_os("CI").is_none(), "git is needed for this test: {other:?}");
            eprintln!("SKIPPED git_does_not_list_the_spare: git cannot run here ({other:?})");
            return;
        }
    }
    let out = tmp.path().join("out");
    write_tree(&out, &tree_a()).unwrap();
    write_tree(&out, &tree_b()).unwrap();
    assert!(tmp.path().join(".out.cedc-spare").is_dir());
    let status = git(&["status", "--porcelain", "--untracked-files=all"]).unwrap();
    let listed = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(listed.contains("out/cedc-index.json"), "{listed}");
    assert!(!listed.contains("cedc-spare"), "{listed}");
}
