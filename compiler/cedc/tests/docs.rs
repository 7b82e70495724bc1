//! The documentation is tested:
//! - every ```ced block of docs/*.md is a complete program that compiles (envs `prod`,
//!   `staging` and `sandbox` are added when the block declares none);
//! - every ```ced error=E0xxx block fails with exactly that code, and the rendered
//!   diagnostic is an insta snapshot (so each code's message is reviewed);
//! - codes that need several files or a project on disk have fixtures here.

use cedc_diagnostics::Diagnostic;
use cedc_names::MemoryFs;
use std::path::Path;

struct Block {
    file: String,
    line: usize,
    expect: Option<String>,
    /// A warning the block must yield (`warning=E0xxx`); it must still compile.
    warning: Option<String>,
    code: String,
}

fn blocks() -> Vec<Block> {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let mut names: Vec<_> = std::fs::read_dir(&docs).expect("docs/").flatten().map(|e| e.path()).collect();
    names.sort();
    let mut out = Vec::new();
    for path in names.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(&path).expect("read doc");
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut current: Option<Block> = None;
        for (i, line) in text.lines().enumerate() {
            match &mut current {
                None => {
                    if let Some(info) = line.trim_start().strip_prefix("```ced") {
                        let expect = info.trim().strip_prefix("error=").map(|c| c.trim().to_string());
                        let warning = info.trim().strip_prefix("warning=").map(|c| c.trim().to_string());
                        current = Some(Block { file: file.clone(), line: i + 1, expect, warning, code: String::new() });
                    }
                }
                Some(b) => {
                    if line.trim_start().starts_with("```") {
                        out.push(current.take().unwrap());
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

fn compile_text(src: &str) -> (cedc::Compilation, String) {
    let declares_env = src.lines().any(|l| l.starts_with("env "));
    let text = if declares_env {
        src.to_string()
    } else {
        format!("{src}\nenv prod {{}}\nenv staging {{}}\nenv sandbox {{}}\n")
    };
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), text.into_bytes());
    let c = cedc::compile(&fs, &["main.ced".to_string()], None);
    let rendered = render(&c);
    (c, rendered)
}

fn render(c: &cedc::Compilation) -> String {
    c.diagnostics.iter().map(|d: &Diagnostic| d.render(c.files(), false)).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_ced_block_in_the_docs_behaves_as_documented() {
    let blocks = blocks();
    assert!(blocks.len() >= 20, "expected the docs to be full of tested examples, found {}", blocks.len());
    let mut failures = Vec::new();
    let mut seen_codes: std::collections::BTreeMap<String, usize> = Default::default();
    for b in &blocks {
        let (c, rendered) = compile_text(&b.code);
        let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code).collect();
        match &b.expect {
            None if !c.ok() => failures.push(format!("{}:{}: expected to compile, got:\n{rendered}", b.file, b.line)),
            None if b.warning.as_ref().is_some_and(|w| !codes.contains(&w.as_str())) => failures.push(format!(
                "{}:{}: expected warning {}, got {codes:?}\n{rendered}",
                b.file,
                b.line,
                b.warning.as_deref().unwrap_or_default()
            )),
            Some(code) if !codes.contains(&code.as_str()) => {
                failures.push(format!("{}:{}: expected {code}, got {codes:?}\n{rendered}", b.file, b.line))
            }
            Some(code) if b.file == "diagnostics.md" && codes.iter().any(|c| c != code) => failures.push(format!(
                "{}:{}: expected only {code}, got {codes:?}: an example shows one problem\n{rendered}",
                b.file, b.line
            )),
            Some(code) if b.file == "diagnostics.md" => {
                for d in &c.diagnostics {
                    assert!(d.help.is_some(), "{}:{}: {} has no help line", b.file, b.line, d.code);
                }
                let n = seen_codes.entry(code.clone()).or_default();
                *n += 1;
                let name = if *n == 1 { code.clone() } else { format!("{code}-{n}") };
                insta::assert_snapshot!(name, rendered);
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{} doc examples misbehave:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// A fixture project: `(path, bytes)` per file.
type Files = &'static [(&'static str, &'static [u8])];

/// Codes that a single-file example cannot show, with fixture projects.
#[test]
fn multi_file_diagnostics() {
    let cases: &[(&str, Files)] = &[
        ("E0002", &[("main.ced", b"env prod {}\nlet a = \"caf\xe9\"\n")]),
        ("E0010", &[("main.ced", b"import \"./missing\"\nenv prod {}\n")]),
        (
            "E0011",
            &[
                ("main.ced", b"import \"./a\"\nenv prod {}\n"),
                ("a.ced", b"import \"./b\"\n"),
                ("b.ced", b"import \"./a\"\n"),
            ],
        ),
        ("E0012", &[("main.ced", b"import \"../outside\"\nenv prod {}\n")]),
        ("E0081", &[("main.ced", b"let a = 1\n")]),
    ];
    for (code, files) in cases {
        let mut fs = MemoryFs::default();
        for (name, text) in *files {
            fs.files.insert(name.to_string(), text.to_vec());
        }
        let c = cedc::compile(&fs, &["main.ced".to_string()], None);
        let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [*code], "{}", render(&c));
        assert!(c.diagnostics.iter().all(|d| d.help.is_some()));
        insta::assert_snapshot!(format!("fixture-{code}"), render(&c));
    }
    // E0013: a chain of 100 imports.
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), b"import \"./f0\"\nenv prod {}\n".to_vec());
    for i in 0..100 {
        fs.files.insert(format!("f{i}.ced"), format!("import \"./f{}\"\n", i + 1).into_bytes());
    }
    let c = cedc::compile(&fs, &["main.ced".to_string()], None);
    assert_eq!(c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0013"]);
}

/// Regression: an object without identity (only possible through `Any`) used to make its
/// component vanish without a word.
#[test]
fn object_without_identity_is_an_error_not_a_silent_drop() {
    let (c, rendered) = compile_text(
        "let o: Any = { apiVersion: \"v1\", kind: \"ConfigMap\", metadata: { labels: {} } }\n\
         component web { namespace: \"web\", objects: [o] }\n",
    );
    assert_eq!(c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0071"], "{rendered}");
}

/// The language reference documents every built-in function of the registry
/// (`cedc_names::builtins`), with its arguments, in its table of built-ins.
#[test]
fn every_builtin_function_is_in_the_language_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("docs/language.md")).expect("docs/language.md is readable");
    let table = text.split("### Built-in functions").nth(1).expect("docs/language.md has a built-in functions table");
    for f in cedc_names::builtins::FUNCTIONS {
        let call = format!("`{}({})`", f.name, f.params.join(", "));
        let shared = format!("`{}({})`,", f.name, f.params.join(", "));
        let with_sibling = table.lines().any(|l| l.starts_with('|') && (l.contains(&call) || l.contains(&shared)));
        assert!(with_sibling, "docs/language.md's built-in table lacks {call}");
    }
}
