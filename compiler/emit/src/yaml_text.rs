//! An object's YAML document written as text: [`document`], what `object_yaml` gets
//! from `serde-saphyr` with the project's options (`yaml.rs`), without the serialiser's
//! machinery for each key and scalar — most of `render`'s time went there.
//!
//! The text is the serialiser's by construction: the layout is the block style the
//! options ask for (two-space indentation, list items flush with their parent key, an
//! empty map `{}` and an empty list `[]` inline), a key is written only when it is a
//! plain word ([`plain_key`]), a string only when it is plain in a way no YAML 1.1 or 1.2
//! reader takes for anything but a string ([`plain_string`]), and any other single-line
//! string is the serialiser's own text for it (a scalar's quoting depends on its text
//! alone).
//!
//! Invariant: [`document`] gives exactly the serialiser's bytes, or `None` for what it
//! does not vouch for — a multi-line string (literal blocks depend on the indentation),
//! a key that is not a plain word, a list in a list, a `none` in a list, a document
//! that is not a non-empty map — and the serialiser then writes the whole object.
//! Tests: `compiler/cedc/tests/yaml_direct.rs` (every object of every example, both
//! ways) and the unit tests below (each shape against the serialiser, a corpus of
//! strings against its plain ones).

use crate::yaml::Level;
use cedc_model::{Value, ValueKind};

/// The object `v` as a YAML document, as the serialiser writes it (see the module's
/// doc), or `None`.
///
/// The text is made in a buffer each thread keeps, then copied into a string of its
/// exact size: documents are held while a window of them is written (and longer when
/// another environment's object is the same value), and a string grown in place kept
/// the room it grew into, or cost a copy to give it back.
pub(crate) fn document(v: &Value) -> Option<String> {
    thread_local! {
        static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    let fields = v.as_record()?;
    TEXT.with(|text| {
        let mut out = text.try_borrow_mut().ok()?;
        out.clear();
        if !mapping(Level::Top.entries(fields), 0, false, &mut out)? {
            return None;
        }
        Some(String::from(out.as_str()))
    })
}

/// A map's entries at `indent`, the first on the current line when `inline` (after a
/// list item's `- `): whether there was any (nothing is written for none).
fn mapping<'a>(
    entries: impl Iterator<Item = (&'a str, &'a Value, Level)>,
    indent: usize,
    inline: bool,
    out: &mut String,
) -> Option<bool> {
    let mut any = false;
    for (k, v, level) in entries {
        if any || !inline {
            spaces(indent, out);
        }
        any = true;
        if !plain_key(k) {
            return None;
        }
        out.push_str(k);
        out.push(':');
        match &v.kind {
            ValueKind::Record(fields) => {
                out.push('\n');
                if !mapping(level.entries(fields), indent + 2, false, out)? {
                    out.pop();
                    out.push_str(" {}\n");
                }
            }
            ValueKind::List(items) if items.is_empty() => out.push_str(" []\n"),
            ValueKind::List(items) => {
                out.push('\n');
                sequence(items, indent, out)?;
            }
            _ => {
                out.push(' ');
                scalar(v, out)?;
                out.push('\n');
            }
        }
    }
    Some(any)
}

/// A list's items at `indent` (flush with their parent key).
fn sequence(items: &[Value], indent: usize, out: &mut String) -> Option<()> {
    for item in items {
        spaces(indent, out);
        out.push_str("- ");
        match &item.kind {
            ValueKind::Record(fields) => {
                if !mapping(Level::Inner.entries(fields), indent + 2, true, out)? {
                    out.push_str("{}\n");
                }
            }
            ValueKind::List(_) | ValueKind::None => return None,
            _ => {
                scalar(item, out)?;
                out.push('\n');
            }
        }
    }
    Some(())
}

fn spaces(n: usize, out: &mut String) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let now = left.min(SPACES.len());
        out.push_str(&SPACES[..now]);
        left -= now;
    }
}

/// A scalar: an integer, a boolean, or a single-line string.
fn scalar(v: &Value, out: &mut String) -> Option<()> {
    match &v.kind {
        ValueKind::Int(i) => {
            use std::fmt::Write;
            let _ = write!(out, "{i}");
        }
        ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueKind::Str(s) => string(s, out)?,
        ValueKind::Named(n) => string(&n.text, out)?,
        _ => return None,
    }
    Some(())
}

/// A single-line string: as it is when plain, else the serialiser's text for it.
fn string(s: &str, out: &mut String) -> Option<()> {
    // A plain string holds no line break: asked first, it spares most strings a search.
    if plain_string(s) {
        out.push_str(s);
        return Some(());
    }
    if s.bytes().any(|b| b == b'\n' || b == b'\r') {
        return None;
    }
    let text = serde_saphyr::to_string_with_options(&s, crate::yaml::options()).ok()?;
    let text = text.strip_suffix('\n')?;
    if text.contains('\n') {
        return None;
    }
    out.push_str(text);
    Some(())
}

/// The words a YAML 1.1 or 1.2 reader takes for a boolean, a null or a number, in any
/// case, when plain.
const SPECIAL: &[&str] = &["y", "yes", "n", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity"];

/// The length of the longest [`SPECIAL`] word: no longer word is one.
const SPECIAL_MAX: usize = {
    let (mut longest, mut i) = (0, 0);
    while i < SPECIAL.len() {
        if SPECIAL[i].len() > longest {
            longest = SPECIAL[i].len();
        }
        i += 1;
    }
    longest
};

/// Whether `word` is written plain as it is: an ASCII letter, then bytes `allowed`
/// (never a YAML indicator where it would act as one), and not a [`SPECIAL`] word. What
/// each writer of text in place of the serialiser asks (here and `kustomize.rs`), each
/// with the bytes its words hold.
pub(crate) fn plain_word(word: &str, allowed: impl Fn(u8) -> bool) -> bool {
    word.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && word.bytes().all(allowed)
        && (word.len() > SPECIAL_MAX || !SPECIAL.iter().any(|w| word.eq_ignore_ascii_case(w)))
}

/// The longest key written here: a longer one may be written as an explicit key (`? `:
/// a plain key is at most 1024 characters), which is left to the serialiser.
const MAX_KEY: usize = 128;

/// A key written plain: an ASCII letter, then letters, digits, `.`, `_`, `-` and `/`,
/// at most [`MAX_KEY`] of them, and not a [`SPECIAL`] word.
fn plain_key(k: &str) -> bool {
    k.len() <= MAX_KEY && plain_word(k, |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
}

/// A string written plain: an ASCII letter, then letters, digits, `.`, `_`, `-`, `/` and
/// `:` (not last), and not a [`SPECIAL`] word. No number, timestamp, boolean or null
/// starts with a letter but those words, and no YAML indicator is among these
/// characters where it would act as one.
fn plain_string(s: &str) -> bool {
    !s.ends_with(':') && plain_word(s, |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_diagnostics::Span;
    use cedc_model::Fields;

    fn serialised(v: &Value) -> String {
        let o = cedc_model::Object {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: "x".into(),
            namespace: None,
            value: v.clone(),
        };
        crate::yaml::object_yaml_serialised(&o).unwrap_or_default()
    }

    fn s(t: &str) -> Value {
        Value::str(t, Span::default())
    }

    fn record(fields: Vec<(&str, Value)>) -> Value {
        let f: Fields = fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        Value::new(ValueKind::Record(f), Span::default())
    }

    fn list(items: Vec<Value>) -> Value {
        Value::new(ValueKind::list(items), Span::default())
    }

    /// Every string of the corpus that [`plain_string`] calls plain, the serialiser
    /// writes as it is; and the corpus has both kinds. Fails when the predicate lets
    /// through a word a reader takes for something else (`yes`, `Null`, `1.10`, …).
    #[test]
    fn strings_called_plain_are_written_as_they_are() {
        let corpus = [
            "app-1",
            "ghcr.io/example/app-1:1.0.0",
            "apps/v1",
            "TCP",
            "RuntimeDefault",
            "http://x.example.org/a",
            "a:b",
            "yes",
            "Yes",
            "NO",
            "on",
            "Off",
            "true",
            "False",
            "null",
            "Null",
            "~",
            "y",
            "n",
            "nan",
            "NaN",
            "inf",
            ".inf",
            "1.10",
            "0777",
            "12:30",
            "2024-01-01",
            "1e3",
            "-x",
            ".x",
            "/x",
            "x:",
            "x: y",
            "a b",
            "#x",
            "x #y",
            "*x",
            "&x",
            "!x",
            "%x",
            "@x",
            "`x",
            "'x",
            "\"x",
            "[x",
            "{x",
            "?x",
            "|x",
            ">x",
            "<<",
            "=",
            "x=y",
            "x,y",
            "é",
            "aé",
            "x\ty",
            "E1",
            "e1",
            "Infinity",
            "_x",
            "x_",
            "x.",
            "x-",
            "x/",
            "a:b:c",
            "a::b",
        ];
        let (mut plain, mut quoted) = (0, 0);
        for t in corpus {
            let text = serialised(&record(vec![("k", s(t))]));
            if plain_string(t) {
                plain += 1;
                assert_eq!(text, format!("k: {t}\n"), "{t:?} is not written as it is");
            } else {
                quoted += 1;
            }
        }
        assert!(plain > 10 && quoted > 30, "{plain} plain, {quoted} not");
    }

    /// Each shape [`document`] writes, against the serialiser: nested maps, lists of
    /// maps (first entry a scalar, a map or a list), lists of scalars, empty maps and
    /// lists, quoted strings, the top-level and metadata orders, an empty annotations
    /// map left out, `none` fields left out; and the shapes it leaves to the serialiser.
    #[test]
    fn each_shape_is_written_as_the_serialiser_writes_it() {
        let none = Value::new(ValueKind::None, Span::default());
        let int = |i| Value::new(ValueKind::Int(i), Span::default());
        let object = record(vec![
            (
                "spec",
                record(vec![
                    ("replicas", int(2)),
                    ("paused", Value::new(ValueKind::Bool(false), Span::default())),
                    ("gone", none.clone()),
                    ("empty", record(vec![])),
                    ("nothing", list(vec![])),
                    ("hosts", list(vec![s("a.example.org"), s("yes"), s("x: y"), s("1.10")])),
                    ("long", s(&"v0".repeat(3000))),
                    ("longer", s(&"a b ".repeat(3000))),
                    (&"k".repeat(MAX_KEY), int(1)),
                    (
                        "rules",
                        list(vec![
                            record(vec![("name", s("r")), ("ports", list(vec![record(vec![("port", int(80))])]))]),
                            record(vec![(
                                "backendRefs",
                                list(vec![record(vec![("name", s("b")), ("weight", int(1))])]),
                            )]),
                            record(vec![
                                ("match", record(vec![("path", s("/")), ("type", s("Prefix"))])),
                                ("x", int(1)),
                            ]),
                            record(vec![]),
                            record(vec![("only", none.clone())]),
                        ]),
                    ),
                ]),
            ),
            (
                "metadata",
                record(vec![
                    ("annotations", record(vec![])),
                    ("labels", record(vec![("app.kubernetes.io/name", s("app"))])),
                    ("name", s("x")),
                ]),
            ),
            ("kind", s("ConfigMap")),
            ("apiVersion", s("v1")),
        ]);
        let direct = document(&object).expect("written directly");
        assert_eq!(direct, serialised(&object));
        // Left to the serialiser.
        for v in [
            record(vec![("data", record(vec![("a.txt", s("two\nlines\n"))]))]),
            record(vec![("list", list(vec![list(vec![s("x")])]))]),
            record(vec![("list", list(vec![none.clone()]))]),
            record(vec![("8080", s("x"))]),
            record(vec![(&"k0".repeat(65), s("x"))]),
            record(vec![("yes", s("x"))]),
            record(vec![]),
        ] {
            assert_eq!(document(&v), None, "{v:?}");
        }
    }
}
