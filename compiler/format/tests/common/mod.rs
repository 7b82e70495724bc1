//! Helpers shared by the formatter's integration tests: finding the repository's `.ced`
//! sources, and comparing two sources for meaning (syntax tree without spans, and
//! comments), independently of the formatter's own check.

#![allow(dead_code)]

use cedc_diagnostics::FileId;
use cedc_syntax::ast::{ItemKind, Module};
use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.ced` file under `dirs` (relative to the repository root), skipping hidden
/// directories and `target`, sorted.
pub fn ced_files(dirs: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    walk(&path, out);
                }
            } else if name.ends_with(".ced") {
                out.push(path);
            }
        }
    }
    let root = repo_root();
    let mut out = Vec::new();
    for d in dirs {
        walk(&root.join(d), &mut out);
    }
    out.sort();
    out
}

/// A ```ced block of the documentation: where it starts, and its text.
pub struct DocBlock {
    pub file: String,
    pub line: usize,
    pub code: String,
}

/// Every ```ced block of docs/*.md (same extraction as compiler/cedc/tests/docs.rs).
pub fn doc_blocks() -> Vec<DocBlock> {
    let docs = repo_root().join("docs");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&docs).expect("docs/").flatten().map(|e| e.path()).collect();
    names.sort();
    let mut out = Vec::new();
    for path in names.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(&path).expect("read doc");
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let mut current: Option<DocBlock> = None;
        for (i, line) in text.lines().enumerate() {
            match &mut current {
                None => {
                    if line.trim_start().starts_with("```ced") {
                        current = Some(DocBlock { file: file.clone(), line: i + 1, code: String::new() });
                    }
                }
                Some(b) => {
                    if line.trim_start().starts_with("```") {
                        out.extend(current.take());
                    } else {
                        b.code.push_str(line);
                        b.code.push('\n');
                    }
                }
            }
        }
    }
    out
}

pub fn parse(src: &str) -> Result<Module, String> {
    cedc_syntax::parse(FileId(7), src).map_err(|d| format!("{d:?}"))
}

/// The `Debug` text of the module's items with every span (`file:start..end`) erased,
/// imports moved first (the formatter's one reordering).
pub fn tree_without_spans(m: &Module) -> String {
    let imports = m.items.iter().filter(|i| matches!(i.kind, ItemKind::Import(_)));
    let others = m.items.iter().filter(|i| !matches!(i.kind, ItemKind::Import(_)));
    let items: Vec<_> = imports.chain(others).collect();
    erase_spans(&format!("{items:?}"))
}

/// Replace each `N:N..N` outside quoted strings by `_`.
pub fn erase_spans(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut quoted = false;
    let run = |from: usize| {
        let mut j = from;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    while i < chars.len() {
        let c = chars[i];
        if quoted {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.get(i + 1) {
                    out.push(*n);
                }
                i += 2;
                continue;
            }
            quoted = c != '"';
            i += 1;
            continue;
        }
        if c == '"' {
            quoted = true;
            out.push(c);
            i += 1;
            continue;
        }
        let a = run(i);
        if a > i && chars.get(a) == Some(&':') {
            let b = run(a + 1);
            if b > a + 1 && chars.get(b) == Some(&'.') && chars.get(b + 1) == Some(&'.') {
                let c2 = run(b + 2);
                if c2 > b + 2 {
                    out.push('_');
                    i = c2;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The comments of a module, in order: `///` or not, and the text without trailing
/// whitespace.
pub fn comments(m: &Module) -> Vec<(bool, String)> {
    m.comments.iter().map(|c| (c.doc, c.text.trim_end().to_string())).collect()
}

/// Check everything the formatter promises about one input; `Err` says what broke.
/// Returns the formatted text.
pub fn check_formatting(src: &str) -> Result<String, String> {
    let before = parse(src).map_err(|e| format!("the input does not parse: {e}\n--- input\n{src}"))?;
    let once =
        cedc_format::format_source(src).map_err(|d| format!("format failed: {}\n--- input\n{src}", d.message))?;
    let after = parse(&once).map_err(|e| format!("formatted text does not parse: {e}\n{once}"))?;
    if tree_without_spans(&before) != tree_without_spans(&after) {
        return Err(format!("the tree changed:\n--- input\n{src}\n--- output\n{once}"));
    }
    let hoisted = {
        let first_other = before.items.iter().position(|i| !matches!(i.kind, ItemKind::Import(_)));
        let last_import = before.items.iter().rposition(|i| matches!(i.kind, ItemKind::Import(_)));
        matches!((first_other, last_import), (Some(o), Some(i)) if o < i)
    };
    let (mut c1, mut c2) = (comments(&before), comments(&after));
    if hoisted {
        c1.sort();
        c2.sort();
    }
    if c1 != c2 {
        return Err(format!("comments changed: {c1:?} became {c2:?}\n--- input\n{src}\n--- output\n{once}"));
    }
    let twice = cedc_format::format_source(&once).map_err(|d| format!("second format failed: {d:?}"))?;
    if twice != once {
        return Err(format!("not idempotent:\n--- input\n{src}\n--- once\n{once}\n--- twice\n{twice}"));
    }
    if once.lines().any(|l| l.ends_with(' ') || l.ends_with('\t')) && !once.contains("\"\"\"") {
        return Err(format!("trailing whitespace in:\n{once}"));
    }
    Ok(once)
}
