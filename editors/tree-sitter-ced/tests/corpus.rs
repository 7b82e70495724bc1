//! Runs the corpus tests of test/corpus/*.txt with the `tree-sitter` crate, so CI
//! checks them without the tree-sitter CLI (`tree-sitter test` runs the same files).
//!
//! The file format is the CLI's: a header (a line of `=`, the test's name, optional
//! `:attribute` lines, a line of `=`), the input, a line of `-` (the longest such line
//! separates input from expected output), and the expected S-expression. As in the CLI,
//! the input loses its last line break, whitespace in S-expressions is normalised, and
//! field names are compared only when the expected tree contains some. The `:error`
//! attribute means the input must parse with an error; the expected tree is not
//! compared. `:skip` skips a test. Other attributes are rejected.

mod common;

use std::path::Path;

struct Case {
    file: String,
    name: String,
    line: usize,
    error: bool,
    skip: bool,
    input: String,
    expected: String,
}

fn is_rule(line: &str, ch: char) -> bool {
    let count = line.chars().take_while(|&c| c == ch).count();
    count >= 3 && line[count..].trim().is_empty()
}

fn read_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).expect("the corpus file is readable");
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Headers: `===` / name and attributes / `===`.
    let mut headers = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if is_rule(lines[i].trim_end_matches(['\n', '\r']), '=') {
            let mut j = i + 1;
            while j < lines.len() && !is_rule(lines[j].trim_end_matches(['\n', '\r']), '=') {
                j += 1;
            }
            assert!(j < lines.len(), "{file}:{}: unterminated test header", i + 1);
            headers.push((i, j));
            i = j + 1;
        } else {
            assert!(
                !headers.is_empty() || lines[i].trim().is_empty(),
                "{file}:{}: text before the first test header",
                i + 1
            );
            i += 1;
        }
    }
    let mut cases = Vec::new();
    for (index, &(start, end)) in headers.iter().enumerate() {
        let body_end = headers.get(index + 1).map_or(lines.len(), |h| h.0);
        let mut name = String::new();
        let (mut error, mut skip) = (false, false);
        for line in &lines[start + 1..end] {
            let line = line.trim();
            match line.strip_prefix(':') {
                Some("error") => error = true,
                Some("skip") => skip = true,
                Some(other) => panic!("{file}:{}: unsupported attribute :{other}", start + 1),
                None if !line.is_empty() => {
                    if !name.is_empty() {
                        name.push(' ');
                    }
                    name.push_str(line);
                }
                None => {}
            }
        }
        // The longest line of dashes (the last one among equals) is the divider.
        let divider = (end + 1..body_end)
            .filter(|&k| is_rule(lines[k].trim_end_matches(['\n', '\r']), '-'))
            .max_by_key(|&k| lines[k].trim_end().len())
            .unwrap_or_else(|| panic!("{file}:{}: test `{name}` has no `---` divider", start + 1));
        let mut input: String = lines[end + 1..divider].concat();
        if input.ends_with('\n') {
            input.pop();
            if input.ends_with('\r') {
                input.pop();
            }
        }
        let expected = lines[divider + 1..body_end].concat();
        cases.push(Case { file: file.clone(), name, line: start + 1, error, skip, input, expected });
    }
    cases
}

/// Drop `;` comments, collapse whitespace and remove it before `)`, as the CLI does.
fn normalize(sexp: &str) -> String {
    let without_comments: Vec<&str> = sexp.lines().map(|l| l.split_once(';').map_or(l, |(code, _)| code)).collect();
    let collapsed = without_comments.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.replace(" )", ")").replace("( ", "(")
}

/// Remove `name: ` field labels from a normalised S-expression.
fn strip_fields(sexp: &str) -> String {
    sexp.split(' ')
        .filter(|word| {
            !(word.ends_with(':') && word[..word.len() - 1].chars().all(|c| c.is_alphanumeric() || c == '_'))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn has_fields(sexp: &str) -> bool {
    strip_fields(sexp) != sexp
}

#[test]
fn corpus_matches_the_parser() {
    let dir = common::crate_dir().join("test/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("test/corpus exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no corpus files in {}", dir.display());

    let (mut passed, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for path in &paths {
        let cases = read_cases(path);
        assert!(!cases.is_empty(), "{}: no test cases", path.display());
        for case in cases {
            if case.skip {
                skipped += 1;
                continue;
            }
            let tree = common::parse(&case.input);
            let at = format!("{}:{} `{}`", case.file, case.line, case.name);
            if case.error {
                if tree.root_node().has_error() {
                    passed += 1;
                } else {
                    failures.push(format!("{at}: expected a syntax error, got {}", tree.root_node().to_sexp()));
                }
                continue;
            }
            let expected = normalize(&case.expected);
            let mut actual = normalize(&tree.root_node().to_sexp());
            if !has_fields(&expected) {
                actual = strip_fields(&actual);
            }
            if actual == expected {
                passed += 1;
            } else {
                failures.push(format!("{at}:\n  expected: {expected}\n  actual:   {actual}"));
            }
        }
    }
    println!("corpus: {passed} passed, {} failed, {skipped} skipped", failures.len());
    assert!(failures.is_empty(), "{} corpus test(s) failed:\n{}", failures.len(), failures.join("\n"));
    assert!(passed >= 50, "only {passed} corpus tests ran");
}

#[test]
fn sexp_normalisation_matches_the_cli_format() {
    // `Node::to_sexp` prints fields as `name: (kind)` and omits anonymous nodes, as
    // corpus files do; this pins that assumption.
    let tree = common::parse("let a = 1 + b");
    assert_eq!(
        tree.root_node().to_sexp(),
        "(source_file (let_declaration name: (identifier) value: (binary_expression left: (integer) right: (identifier))))"
    );
    let expected = "(source_file\n  (let_declaration\n    (identifier)\n    (binary_expression ; sum\n      (integer)\n      (identifier))))\n";
    assert_eq!(strip_fields(&normalize(&tree.root_node().to_sexp())), normalize(expected));
    assert!(has_fields("(a name: (b))"));
    assert!(!has_fields("(a (b))"));
}

/// A UTF-8 byte-order mark at the start of a file is not a syntax error.
#[test]
fn a_byte_order_mark_may_start_a_file() {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_ced::LANGUAGE.into()).expect("language");
    let tree = parser.parse("\u{FEFF}let a = 1\n", None).expect("tree");
    assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
}
