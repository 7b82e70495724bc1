//! The safe writer: all or nothing, never outside the output directory, never touching
//! files cedc did not generate, stale files removed; and the drift check.

use cedc_emit::{DriftKind, INDEX_FILE, Index, IndexRoot, Tree, check_tree, write_tree};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn tree(files: &[(&str, &str)]) -> Tree {
    let mut t: Tree = files.iter().map(|(p, c)| (p.to_string(), c.as_bytes().to_vec())).collect();
    let roots = [IndexRoot { path: "envs/prod".into(), env: "prod".into(), component: None }];
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

/// No `.out.cedc-tmp-*` / `.out.cedc-old-*` left beside the output directory.
fn assert_no_leftovers(parent: &Path) {
    for e in fs::read_dir(parent).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".cedc-"), "leftover {name}");
    }
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
