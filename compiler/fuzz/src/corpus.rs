//! The seed corpus for mutation: every `.ced` file of the repository — each file of each
//! example project (with the project's other files beside it, so imports resolve), the
//! standard library, and every ```` ```ced ```` block of `docs/`.

use crate::case::Case;
use std::path::{Path, PathBuf};

/// The repository this crate was built from (`compiler/fuzz/../..`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every seed case of the repository at `root`, in a fixed order. Missing directories
/// give no cases (an installed binary may run without the repository).
pub fn seeds(root: &Path) -> Vec<(String, Case)> {
    let mut out = Vec::new();
    examples(root, &mut out);
    for path in ced_files(&root.join("stdlib")) {
        if let Ok(bytes) = std::fs::read(&path) {
            out.push((shown(root, &path), Case::single(bytes)));
        }
    }
    docs(root, &mut out);
    out
}

fn shown(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

/// `.ced` files under `dir`, sorted, skipping hidden directories, `target` and `out`.
fn ced_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "out" {
                    walk(&path, out);
                }
            } else if kind.is_file() && name.ends_with(".ced") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// One case per file of each example project, the project's other files beside it.
fn examples(root: &Path, out: &mut Vec<(String, Case)>) {
    let Ok(dirs) = std::fs::read_dir(root.join("examples")) else { return };
    let mut dirs: Vec<PathBuf> = dirs.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for dir in dirs {
        let mut files = cedc_diagnostics::Files::new();
        let entries = match cedc_driver::project::load(&dir, &mut files) {
            Ok(p) => p.entry,
            Err(_) => vec!["main.ced".to_string()],
        };
        let all: Vec<(String, Vec<u8>)> =
            ced_files(&dir).into_iter().filter_map(|p| Some((shown(&dir, &p), std::fs::read(&p).ok()?))).collect();
        for i in 0..all.len() {
            let mut files = vec![all[i].clone()];
            files.extend(all.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, f)| f.clone()));
            let name = format!("{}/{}", shown(root, &dir), all[i].0);
            out.push((name, Case { files, entries: entries.clone() }));
        }
    }
}

/// Every ```ced block of docs/*.md; blocks declaring no environment get three, as the
/// docs test does.
fn docs(root: &Path, out: &mut Vec<(String, Case)>) {
    let Ok(entries) = std::fs::read_dir(root.join("docs")) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let mut block: Option<(usize, String)> = None;
        for (i, line) in text.lines().enumerate() {
            match &mut block {
                None if line.trim_start().starts_with("```ced") => block = Some((i + 1, String::new())),
                None => {}
                Some((start, code)) => {
                    if line.trim_start().starts_with("```") {
                        let mut code = std::mem::take(code);
                        if !code.lines().any(|l| l.starts_with("env ")) {
                            code.push_str("\nenv prod {}\nenv staging {}\nenv sandbox {}\n");
                        }
                        out.push((format!("{}:{start}", shown(root, &path)), Case::single(code)));
                        block = None;
                    } else {
                        code.push_str(line);
                        code.push('\n');
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_repository_has_seeds_of_every_kind() {
        let seeds = super::seeds(&super::repo_root());
        assert!(seeds.iter().any(|(n, c)| n.starts_with("examples/webapp/") && c.files.len() > 1));
        assert!(seeds.iter().any(|(n, _)| n == "stdlib/k8s.ced"));
        assert!(seeds.iter().filter(|(n, _)| n.starts_with("docs/")).count() > 20);
    }
}
