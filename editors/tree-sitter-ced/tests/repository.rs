//! Keeps the grammar in step with the language: every `.ced` file of the repository and
//! every ```ced block of docs/*.md must parse without ERROR or MISSING nodes (except the
//! blocks that document syntax errors, which must fail), whatever their layout.

mod common;

use std::path::{Path, PathBuf};

/// A program of the repository: a `.ced` file or a documentation block.
struct Program {
    origin: String,
    /// Added to reported rows (a block's first line in its Markdown file, minus one).
    row_offset: usize,
    source: String,
    /// The documented syntax error, for blocks tagged with E0001–E0003.
    syntax_error: Option<String>,
}

fn relative(path: &Path) -> String {
    path.strip_prefix(common::repo_root()).unwrap_or(path).display().to_string()
}

fn programs() -> Vec<Program> {
    let root = common::repo_root();
    let mut programs = Vec::new();
    for file in common::ced_files(&root) {
        let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        programs.push(Program { origin: relative(&file), row_offset: 0, source, syntax_error: None });
    }
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    for doc in docs {
        for block in common::ced_blocks(&doc) {
            let syntax_error = block.error.filter(|code| common::SYNTAX_ERROR_CODES.contains(&code.as_str()));
            programs.push(Program {
                origin: format!("{} (block at line {})", relative(&block.file), block.line),
                row_offset: block.line - 1,
                source: block.source,
                syntax_error,
            });
        }
    }
    programs
}

/// `errors` with rows shifted to the program's position in its file.
fn located(program: &Program, errors: &[String]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            let (row, rest) = e.split_once(':').expect("row:column: message");
            let row: usize = row.parse().expect("a row");
            format!("{}:{}:{rest}", program.origin, row + program.row_offset)
        })
        .collect()
}

#[test]
fn every_program_of_the_repository_parses() {
    let programs = programs();
    let files = programs.iter().filter(|p| p.origin.ends_with(".ced")).count();
    let blocks = programs.len() - files;
    assert!(files >= 7, "found only {files} .ced files: is the repository root right?");
    assert!(blocks >= 30, "found only {blocks} ```ced blocks in docs/");

    let mut failures = Vec::new();
    for program in &programs {
        let tree = common::parse(&program.source);
        let errors = common::syntax_errors(&tree);
        match &program.syntax_error {
            None => failures.extend(located(program, &errors)),
            // E0003 is the nesting limit, a limit of the compiler rather than of the
            // syntax: tree-sitter parses such a program.
            Some(code) if code == "E0003" => {}
            Some(code) => {
                if errors.is_empty() {
                    failures.push(format!("{}: documented as {code} but parses without error", program.origin));
                }
            }
        }
    }
    println!("parsed {files} .ced files and {blocks} documentation blocks");
    assert!(failures.is_empty(), "syntax errors:\n{}", failures.join("\n"));
}

/// Source with a line comment inserted between every two tokens (outside strings, but
/// inside interpolations): the layout changes, the tree must not.
fn with_comments_between_tokens(source: &str) -> String {
    let tree = common::parse(source);
    let mut leaves = Vec::new();
    collect_leaves(tree.root_node(), &mut leaves);
    let mut out = String::new();
    let mut last = 0;
    for (index, &(start, end, glued)) in leaves.iter().enumerate() {
        let gap = &source[last..start];
        if index > 0 && !glued {
            out.push_str(gap.trim_end_matches([' ', '\t']));
            out.push_str(" // c\n");
        } else {
            out.push_str(gap);
        }
        out.push_str(&source[start..end]);
        last = end;
    }
    out.push_str(&source[last..]);
    out
}

/// The byte ranges of the tokens under `node` (comments left out), each with whether
/// it is glued to the token before it: the parts of a string after its opening quote,
/// and the `{` opening an interpolation.
fn collect_leaves(node: tree_sitter::Node, leaves: &mut Vec<(usize, usize, bool)>) {
    let mut cursor = node.walk();
    for (index, child) in node.children(&mut cursor).enumerate() {
        if child.is_extra() {
            continue;
        }
        if child.child_count() == 0 {
            let glued = match node.kind() {
                "string" => index > 0,
                "interpolation" => index == 0,
                _ => false,
            };
            leaves.push((child.start_byte(), child.end_byte(), glued));
        } else {
            collect_leaves(child, leaves);
        }
    }
}

fn without_comments(sexp: &str) -> String {
    sexp.replace(" (comment)", "").replace(" (doc_comment)", "")
}

#[test]
fn comments_between_any_two_tokens_keep_the_tree() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for program in programs().iter().filter(|p| p.syntax_error.is_none()) {
        let original = common::parse(&program.source);
        if original.root_node().has_error() {
            continue; // Reported by every_program_of_the_repository_parses.
        }
        let commented = with_comments_between_tokens(&program.source);
        assert!(commented.matches("// c").count() > 0, "{}: no comment inserted", program.origin);
        let tree = common::parse(&commented);
        let errors = common::syntax_errors(&tree);
        if !errors.is_empty() {
            failures.push(format!("{}: {}\n{commented}", program.origin, errors.join("; ")));
        } else if without_comments(&tree.root_node().to_sexp()) != without_comments(&original.root_node().to_sexp()) {
            failures.push(format!("{}: the tree changed\n{commented}", program.origin));
        } else if let Err(e) = common::pest_accepts(&commented) {
            // The compiler must accept the same layout, or the check is meaningless.
            failures.push(format!("{}: the compiler rejects the commented program: {e}", program.origin));
        }
        checked += 1;
    }
    assert!(checked >= 30, "checked only {checked} programs");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn comment_insertion_goes_between_tokens_only() {
    let source = "let a = \"x{ b }y\" + f(1)";
    let commented = with_comments_between_tokens(source);
    assert_eq!(commented, "let // c\na // c\n= // c\n\"x{ // c\nb // c\n}y\" // c\n+ // c\nf // c\n( // c\n1 // c\n)");
}
