//! Helpers shared by the integration tests of the grammar.

#![allow(dead_code)] // Each test file uses a different subset.

use std::path::{Path, PathBuf};
use tree_sitter::{Language, Node, Parser, Tree};

/// The tree-sitter language of this crate.
pub fn language() -> Language {
    tree_sitter_ced::LANGUAGE.into()
}

/// Parse `source` with a fresh parser.
pub fn parse(source: &str) -> Tree {
    let mut parser = Parser::new();
    parser.set_language(&language()).expect("the grammar loads");
    parser.parse(source, None).expect("the parser returns a tree")
}

/// This crate's directory (editors/tree-sitter-ced).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    crate_dir().join("../..").canonicalize().expect("the repository root exists")
}

/// Every ERROR and MISSING node of `tree`, as `row:column: description` (1-based).
pub fn syntax_errors(tree: &Tree) -> Vec<String> {
    let mut found = Vec::new();
    collect_errors(tree.root_node(), &mut found);
    found
}

fn collect_errors(node: Node, found: &mut Vec<String>) {
    if node.is_error() || node.is_missing() {
        let at = node.start_position();
        let what =
            if node.is_missing() { format!("MISSING {}", node.kind()) } else { format!("ERROR {}", node.to_sexp()) };
        found.push(format!("{}:{}: {what}", at.row + 1, at.column + 1));
        if node.is_missing() {
            return;
        }
    }
    if !node.has_error() {
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect_errors(child, found);
    }
}

/// A ```ced block of a Markdown file.
pub struct DocBlock {
    pub file: PathBuf,
    /// 1-based line of the block's first source line.
    pub line: usize,
    /// The error code of a ```ced error=E0xxx block.
    pub error: Option<String>,
    pub source: String,
}

/// The ```ced blocks of `path`.
pub fn ced_blocks(path: &Path) -> Vec<DocBlock> {
    let text = std::fs::read_to_string(path).expect("the Markdown file is readable");
    let mut blocks = Vec::new();
    let mut current: Option<DocBlock> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match current.as_mut() {
            None => {
                let Some(info) = trimmed.strip_prefix("```") else { continue };
                let mut words = info.split_whitespace();
                if words.next() != Some("ced") {
                    continue;
                }
                let error = words.find_map(|w| w.strip_prefix("error=")).map(str::to_string);
                current = Some(DocBlock { file: path.to_path_buf(), line: index + 2, error, source: String::new() });
            }
            Some(block) => {
                if trimmed.starts_with("```") {
                    blocks.push(current.take().expect("a block is open"));
                } else {
                    block.source.push_str(line);
                    block.source.push('\n');
                }
            }
        }
    }
    assert!(current.is_none(), "{}: unterminated ```ced block", path.display());
    blocks
}

/// Error codes of syntax errors: blocks tagged with them are not valid syntax.
pub const SYNTAX_ERROR_CODES: [&str; 3] = ["E0001", "E0002", "E0003"];

/// Every `.ced` file under `root`, skipping target/, .git/ and node_modules/.
pub fn ced_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.expect("a directory entry");
            let path = entry.path();
            let name = entry.file_name();
            let file_type = entry.file_type().expect("a file type");
            if file_type.is_dir() {
                if !matches!(name.to_str(), Some("target" | ".git" | "node_modules")) {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "ced") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Whether the compiler's own parser (the pest grammar) accepts `source`: `Err` holds
/// the code of its syntax error. Codes that are not syntax errors (E0004, an integer
/// literal out of range or an invalid code point) count as accepted.
pub fn pest_accepts(source: &str) -> Result<(), String> {
    match cedc_syntax::parse(cedc_diagnostics::FileId(0), source) {
        Ok(_) => Ok(()),
        Err(d) if SYNTAX_ERROR_CODES.contains(&d.code) => Err(format!("{}: {}", d.code, d.message)),
        Err(_) => Ok(()),
    }
}
