//! Data-driven checks: every `.ced` file under `tests/cases/` is a one-file project
//! (`main.ced`) compiled in process, and its lines say what must be reported.
//!
//! A line ending in `// <- E0402` expects an error with code E0402 whose primary span
//! starts on that line; `// <- E0402 @17` also fixes its column (1-based, in
//! characters); several marks on one line are separated by spaces
//! (`// <- E0402 E0401`); `// <- warning E0407` expects a warning. Every error (and
//! every expected warning's code) must be marked: a case fails on a missing or an
//! extra diagnostic. A file without marks must compile without errors. A line
//! `// unchecked: <apiVersion>/<Kind>` lists a kind as `[schemas] unchecked` does in
//! cedc.toml (a CRD kind whose schema the case does not bring).
//!
//! Adding a case: write the smallest program showing one problem, mark the lines,
//! run `cargo test -p cedc --test cases`. Cases are grouped by subject in
//! subdirectories.

use cedc_diagnostics::Severity;
use cedc_names::MemoryFs;
use std::path::{Path, PathBuf};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("read cases").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            case_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "ced") {
            out.push(p);
        }
    }
}

/// One expected or reported diagnostic: severity, code, line, and column when marked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Mark {
    warning: bool,
    code: String,
    line: usize,
    column: Option<usize>,
}

/// The marks of a case's text.
fn marks(text: &str) -> Vec<Mark> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some((_, spec)) = line.split_once("// <- ") else { continue };
        let mut warning = false;
        let words: Vec<&str> = spec.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            match words[i] {
                "warning" => warning = true,
                code => {
                    let column = words.get(i + 1).and_then(|w| w.strip_prefix('@')).and_then(|c| c.parse().ok());
                    if column.is_some() {
                        i += 1;
                    }
                    out.push(Mark { warning, code: code.to_string(), line: n + 1, column });
                    warning = false;
                }
            }
            i += 1;
        }
    }
    out
}

fn check_case(path: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut expected = marks(&text);
    let unchecked = text.lines().filter_map(|l| l.strip_prefix("// unchecked: ")).map(|k| k.trim().to_string());
    let schemas = cedc::Settings { unchecked: unchecked.collect(), ..Default::default() };
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), text.into_bytes());
    let c = cedc::compile_with(&fs, &["main.ced".to_string()], None, &schemas);
    let wants_column: Vec<(String, usize)> =
        expected.iter().filter(|m| m.column.is_some()).map(|m| (m.code.clone(), m.line)).collect();
    let mut found: Vec<Mark> = c
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error || expected.iter().any(|m| m.warning && m.code == d.code))
        .map(|d| {
            let (line, column) =
                d.primary.as_ref().map_or((0, 0), |(s, _)| c.files().get(s.file).line_col(s.start as usize));
            let column = wants_column.contains(&(d.code.to_string(), line)).then_some(column);
            Mark { warning: d.severity == Severity::Warning, code: d.code.to_string(), line, column }
        })
        .collect();
    found.sort();
    found.dedup();
    expected.sort();
    if found == expected {
        Ok(expected.len())
    } else {
        let shown: Vec<String> = c.diagnostics.iter().map(|d| format!("{} {}", d.code, d.message)).collect();
        Err(format!("expected {expected:?}\n   found {found:?}\n   {}", shown.join("\n   ")))
    }
}

#[test]
fn every_case_reports_exactly_what_its_lines_mark() {
    let mut files = Vec::new();
    case_files(&cases_dir(), &mut files);
    assert!(files.len() >= 5, "expected the cases under tests/cases, found {}", files.len());
    let mut failures = Vec::new();
    let mut marked = 0;
    for f in &files {
        match check_case(f) {
            Ok(n) => marked += n,
            Err(why) => failures.push(format!("{}: {why}", f.strip_prefix(cases_dir()).unwrap_or(f).display())),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), files.len(), failures.join("\n\n"));
    assert!(marked >= files.len(), "{marked} marks in {} cases", files.len());
}

#[test]
fn the_harness_notices_a_missing_and_an_extra_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wrong_line = dir.path().join("wrong.ced");
    std::fs::write(&wrong_line, "env prod {}\nlet x: Port = 0 // <- E0039\n").expect("write");
    assert!(check_case(&wrong_line).is_err(), "E0041 reported, E0039 marked");
    let unmarked = dir.path().join("unmarked.ced");
    std::fs::write(&unmarked, "env prod {}\nlet x: Port = 0\n").expect("write");
    assert!(check_case(&unmarked).is_err(), "an unmarked error fails the case");
    let right = dir.path().join("right.ced");
    std::fs::write(&right, "env prod {}\nlet x: Port = 0 // <- E0041 @15\n").expect("write");
    assert_eq!(check_case(&right), Ok(1));
    let wrong_column = dir.path().join("column.ced");
    std::fs::write(&wrong_column, "env prod {}\nlet x: Port = 0 // <- E0041 @3\n").expect("write");
    assert!(check_case(&wrong_column).is_err(), "the column is checked when marked");
}
