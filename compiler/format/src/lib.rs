//! The canonical formatter of `.ced` source, behind `cedc fmt`.
//!
//! [`format_source`] parses a file and prints it back in the one canonical style
//! described in `docs/formatting.md`; the rules in short:
//!
//! - two spaces of indentation, lines of at most 100 columns where the code allows;
//! - one declaration per line; blank lines between declarations, fields, elements and
//!   comments are kept, several collapsing into one; imports come first, in source
//!   order;
//! - a bracketed list (list, arguments, parameters) stays on one line when it fits, and
//!   otherwise puts one element per line with a trailing comma;
//! - a record (literal or type) stays on one line, `{ a: 1, b: 2 }`, when it fits and
//!   was written with its first field on the line of the `{`; otherwise one field per
//!   line, without commas (as Prettier keeps objects expanded);
//! - `match` arms and `in` overrides always go one per line;
//! - an `if` or `let ... in` that does not fit moves to the next line after its `=`,
//!   `:` or `=>`, then breaks one branch or binding per line (two or more `let`
//!   bindings always do); an operator chain breaks before its operators;
//! - a lone record in a list or as the only argument hugs the brackets: `[{`, `f({`;
//! - literals (strings with their escapes, interpolations and `"""` blocks, numbers),
//!   record keys and patterns are kept exactly as written, and so are parentheses;
//! - a field name of a record type, or a key of an override path, is written bare when
//!   it is an identifier and quoted otherwise: `"replicas": Int` becomes
//!   `replicas: Int` and `app["replicas"]` becomes `app.replicas`, while
//!   `"grafana.ini"?: String` and `values["grafana.ini"]` stay;
//! - every comment is kept, where it was: at the end of its line, or on its own line.
//!
//! The output of [`format_source`] is checked before it is returned: it must parse to
//! the same tree as the input (spans aside) with the same comments, or the call fails
//! and nothing should be written. Formatting is idempotent.
//!
//! Design: the AST is turned into a Wadler/Prettier-style document (module `doc`),
//! which a small printer lays out in 100 columns. The printer is written here rather than
//! taken from the `pretty` crate because comments and verbatim multi-line strings need
//! primitives that crate lacks, and because it must handle documents as deep as the
//! deepest input the parser accepts without recursion (see the `doc` module).

mod doc;
mod layout;

use cedc_diagnostics::{Diagnostic, FileId};
use cedc_syntax::ast::{Item, ItemKind, Module};

/// The line width the formatter aims for.
pub const WIDTH: usize = 100;

/// Stack for laying out a file: building the document recurses once per level of the
/// syntax tree, which the parser bounds (`MAX_AST_DEPTH`). Reserved lazily by the OS.
const STACK: usize = 256 << 20;

/// The file id given to the text being formatted (diagnostics of a parse error carry
/// it; callers map it to their own file).
pub const FILE: FileId = FileId(0);

/// Format one `.ced` file. A syntax error comes back as the parser's diagnostic (its
/// spans in [`FILE`]); the text is never partially formatted.
pub fn format_source(source: &str) -> Result<String, Diagnostic> {
    on_big_stack(|| {
        let module = cedc_syntax::parse(FILE, source)?;
        let mut out = render(source, &module);
        // A byte-order mark the file starts with is kept, as editors expect.
        if source.starts_with('\u{FEFF}') && !out.starts_with('\u{FEFF}') {
            out.insert(0, '\u{FEFF}');
        }
        verify(&module, &out)?;
        Ok(out)
    })
}

/// Whether `source` is already formatted.
pub fn is_formatted(source: &str) -> Result<bool, Diagnostic> {
    Ok(format_source(source)? == source)
}

fn render(source: &str, module: &Module) -> String {
    let d = layout::module_doc(source, module);
    let mut out = doc::print(&d, WIDTH);
    let kept = out.trim_end_matches([' ', '\n']).len();
    out.truncate(kept);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn on_big_stack(f: impl FnOnce() -> Result<String, Diagnostic> + Send) -> Result<String, Diagnostic> {
    std::thread::scope(|s| {
        match std::thread::Builder::new().name("cedc-fmt".into()).stack_size(STACK).spawn_scoped(s, f) {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(bug("the formatter stopped unexpectedly"))),
            Err(_) => Err(Diagnostic::error("E0001", "could not start the formatter thread")
                .help("the machine is out of memory or threads")),
        }
    })
}

fn bug(what: &str) -> Diagnostic {
    Diagnostic::error("E0001", format!("cannot format this file: {what}"))
        .help("this is a bug in cedc's formatter; please report it with the file (it was left unchanged)")
}

/// The formatted text must mean what the source meant: same tree (spans aside, imports
/// first), same comments.
fn verify(before: &Module, out: &str) -> Result<(), Diagnostic> {
    let after = cedc_syntax::parse(FILE, out).map_err(|_| bug("its formatted text does not parse"))?;
    if tree_key(&before.items) != tree_key(&after.items) {
        return Err(bug("the formatted text would change its meaning"));
    }
    let comments = |m: &Module| {
        let mut v: Vec<(bool, String)> = m.comments.iter().map(|c| (c.doc, c.text.trim_end().to_string())).collect();
        v.sort();
        v
    };
    if comments(before) != comments(&after) {
        return Err(bug("the formatted text would lose or change a comment"));
    }
    Ok(())
}

/// The items, imports first (the formatter's one reordering), printed without spans:
/// two files mean the same program when their keys are equal. The fuzzer uses it too.
pub fn tree_key(items: &[Item]) -> String {
    let is_import = |i: &&Item| matches!(i.kind, ItemKind::Import(_));
    let ordered: Vec<&Item> = items.iter().filter(is_import).chain(items.iter().filter(|i| !is_import(i))).collect();
    strip_spans(&format!("{ordered:?}"))
}

/// Remove every span (`Debug` prints them as `file:start..end`) outside string
/// literals from a `Debug` rendering.
fn strip_spans(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            match c {
                b'\\' => i += 1,
                b'"' => in_str = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_str = true;
            i += 1;
            continue;
        }
        if c.is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            // digits ':' digits '..' digits
            let digits = |mut j: usize| {
                let from = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                (j > from).then_some(j)
            };
            let span_end = digits(i)
                .filter(|&j| b.get(j) == Some(&b':'))
                .and_then(|j| digits(j + 1))
                .filter(|&j| b.get(j) == Some(&b'.') && b.get(j + 1) == Some(&b'.'))
                .and_then(|j| digits(j + 2));
            if let Some(j) = span_end {
                out.push_str(&s[copied..i]);
                copied = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_spans_removes_spans_but_not_strings() {
        assert_eq!(strip_spans(r#"Ident { name: "a", span: 0:1..2 }"#), r#"Ident { name: "a", span:  }"#);
        assert_eq!(strip_spans(r#"Static("0:1..2", 0:3..10)"#), r#"Static("0:1..2", )"#);
        assert_eq!(strip_spans(r#"Text("a\"0:1..2")"#), r#"Text("a\"0:1..2")"#);
        assert_eq!(strip_spans("Int(12)"), "Int(12)");
    }

    #[test]
    fn verify_rejects_a_changed_tree() {
        let m = cedc_syntax::parse(FILE, "let a = 1\n").unwrap_or_else(|d| panic!("{d:?}"));
        assert!(verify(&m, "let a = 1\n").is_ok());
        assert!(verify(&m, "let a = 2\n").is_err());
        assert!(verify(&m, "let a = 1 // c\n").is_err());
        assert!(verify(&m, "let a = (\n").is_err());
    }
}
