//! The formatter on the repository's own sources: every `.ced` file and every ```ced
//! block of the documentation keeps its meaning and comments, formats idempotently,
//! and every `.ced` file and the documentation's blocks are formatted.

mod common;

use common::*;

/// Where `.ced` files live. Editor fixtures may hold deliberately broken syntax.
const DIRS: &[&str] = &["examples", "stdlib", "compiler", "editors"];

#[test]
fn every_ced_file_in_the_repository_formats_safely_and_idempotently() {
    let files = ced_files(DIRS);
    assert!(files.len() >= 7, "expected the examples and the standard library, found {files:?}");
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let shown = path.strip_prefix(repo_root()).unwrap_or(path).display().to_string();
        let Ok(src) = std::fs::read_to_string(path) else {
            failures.push(format!("{shown}: unreadable"));
            continue;
        };
        if parse(&src).is_err() {
            failures.push(format!("{shown}: does not parse"));
            continue;
        }
        checked += 1;
        if let Err(e) = check_formatting(&src) {
            failures.push(format!("{shown}: {e}"));
        }
    }
    assert!(checked >= 7, "only {checked} files checked");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_ced_block_of_the_docs_formats_safely_and_idempotently() {
    let blocks = doc_blocks();
    assert!(blocks.len() >= 40, "found only {} blocks", blocks.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for b in &blocks {
        // Blocks showing a syntax error (E0001, E0003, E0004) do not parse, on purpose.
        if parse(&b.code).is_err() {
            continue;
        }
        checked += 1;
        if let Err(e) = check_formatting(&b.code) {
            failures.push(format!("{}:{}: {e}", b.file, b.line));
        }
    }
    assert!(checked + 5 >= blocks.len(), "only {checked} of {} blocks parse", blocks.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every `.ced` file of the repository (examples, standard library, editor fixtures) is
/// in the canonical style.
#[test]
fn every_ced_file_of_the_repository_is_formatted() {
    let mut unformatted = Vec::new();
    for path in ced_files(DIRS) {
        let src = std::fs::read_to_string(&path).unwrap_or_default();
        match cedc_format::format_source(&src) {
            Ok(out) if out == src => {}
            _ => unformatted.push(path.strip_prefix(repo_root()).unwrap_or(&path).display().to_string()),
        }
    }
    assert!(unformatted.is_empty(), "not formatted (run `cedc fmt .`): {unformatted:?}");
}

#[test]
fn the_ced_blocks_of_the_docs_are_formatted() {
    let mut unformatted = Vec::new();
    for b in doc_blocks() {
        if parse(&b.code).is_err() {
            continue;
        }
        match cedc_format::format_source(&b.code) {
            Ok(out) if out == b.code => {}
            Ok(out) => unformatted.push(format!("{}:{}: should read\n{out}", b.file, b.line)),
            Err(d) => unformatted.push(format!("{}:{}: {d:?}", b.file, b.line)),
        }
    }
    assert!(unformatted.is_empty(), "{}", unformatted.join("\n"));
}
