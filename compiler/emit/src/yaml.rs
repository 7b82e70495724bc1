//! YAML rendering of JSON values, through `serde-saphyr`.
//!
//! Why this needs care: Kubernetes tooling reads YAML with YAML 1.1 rules (go-yaml v2
//! behind `sigs.k8s.io/yaml`, kyaml inside Kustomize). Under those rules an unquoted
//! `yes`, `on`, `y` is a boolean, `0777` is the octal integer 511, `1.10` is the float
//! 1.1 and `12:30` a base-60 integer. A string written plain would silently change type
//! or value on its way to the cluster. `serde-saphyr`, left at `yaml_12: false`, quotes
//! every string that a YAML 1.1 *or* 1.2 reader could resolve to something other than a
//! string (booleans, nulls, all number spellings, timestamps, `<<`, `=`), and every
//! string whose first character is a YAML indicator. The real-`kubectl` round trip
//! test (`tests/kubectl.rs`) holds it to that.
//!
//! Style choices, all for readers of generated files in pull requests:
//! - multi-line strings become literal blocks (`|`, with the chomping indicator the
//!   trailing newlines need), unless a line ends in whitespace: such lines are invisible
//!   in a review and editors strip them, so those strings are double-quoted instead;
//! - long single-line strings stay on one line (no folded `>` blocks), so a change to
//!   a long value is a one-line diff;
//! - two-space indentation, list items flush with their parent key (the
//!   `kubectl get -o yaml` style).

use cedc_diagnostics::Span;
use cedc_model::Object;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// The serializer options every cedc YAML file is written with.
pub(crate) fn options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        indent_step: 2,
        compact_list_indent: true,
        // Never fold long single-line strings: `>` blocks re-wrap on every change.
        folded_wrap_chars: usize::MAX,
        prefer_block_scalars: true,
        // Keep the YAML 1.1 safety heuristics (quote `yes`, `0777`, `1.10`, ...).
        yaml_12: false,
    }
}

/// One JSON value as a YAML document: LF line endings, a trailing newline, keys in the
/// order of the JSON map (the workspace enables `serde_json/preserve_order`).
///
/// Serialising a `serde_json::Value` cannot meet the failure cases of `serde-saphyr`
/// (non-string keys, invalid options), but if it ever did, the JSON text is returned
/// instead: JSON is valid YAML whose strings are all double-quoted, so it reads back
/// identically — a correct, if less readable, file rather than a panic.
pub fn to_yaml(json: &Value) -> String {
    match serde_saphyr::to_string_with_options(&Yaml(json), options()) {
        Ok(text) => normalize(text),
        Err(_) => json_fallback(json),
    }
}

/// Several objects as one multi-document YAML stream (`---` between documents), in the
/// order given: what `cedc render` prints. Each object is [`crate::object_json`] (the
/// content Kustomize builds). `Err(span)` points at an object that has no JSON form.
///
/// The objects are rendered in chunks on every core (`cedc_model::parallel`, results in
/// input order), so the text is the same whatever the thread count, and so is the error:
/// the first object, in order, without a JSON form.
///
/// Each object is serialised straight from the model ([`ObjectYaml`]), with the same
/// text as `to_yaml(&object_json(o))` (a test compares them) but without building its
/// JSON first.
pub fn render_objects(objects: &[&Object]) -> Result<String, Span> {
    let mut out = String::new();
    let mut first = true;
    // Writing into a string cannot fail.
    let _ = render_streamed(objects, |document| {
        if !first {
            out.push_str("---\n");
        }
        first = false;
        out.push_str(document);
        Ok(())
    })?;
    Ok(out)
}

/// Each object's YAML document ([`object_yaml`]), given to `write` in order as it is
/// made: the text of a large platform's every environment is tens of megabytes, never
/// held whole. Objects that are one value (evaluation stores equal objects once:
/// `cedc_model::Interner`; every environment mostly makes the same ones) are serialised
/// once. The first object of each value is made on the worker threads, a few thousand
/// at most ahead of the writer, while the calling thread writes them in order
/// ([`cedc_model::parallel::map_in_order`]); a document is kept only while an object
/// further on is the same value. `Err(span)`, with nothing written: the first object
/// without a JSON form, in order (all are looked at first). `Ok(Err(e))`: `write`
/// failed.
pub fn render_streamed(
    objects: &[&Object],
    mut write: impl FnMut(&str) -> std::io::Result<()>,
) -> Result<std::io::Result<()>, Span> {
    /// Objects per task, and how many tasks' documents may wait to be written (about
    /// 4,096 documents).
    const CHUNK: usize = 256;
    const AHEAD: usize = 16;
    // How many objects are each value; which objects are the first of their value (or
    // of no shared value: each is made); the first of them without a JSON form.
    let mut left: Ids<usize> = Ids::default();
    let mut firsts: Vec<bool> = Vec::with_capacity(objects.len());
    let mut fresh: Vec<&Object> = Vec::new();
    for o in objects {
        let first = match o.value_id() {
            Some(id) => {
                let n = left.entry(id).or_default();
                *n += 1;
                *n == 1
            }
            None => true,
        };
        if first {
            writable(o)?;
            fresh.push(o);
        }
        firsts.push(first);
    }
    let mut kept: Ids<String> = Ids::default();
    let mut pending = objects.iter().zip(firsts);
    let mut outcome = Ok(Ok(()));
    // Each made document: the objects before it written from the documents kept, then
    // it. (Every object made was found writable above: an error here is not expected,
    // and stops the writing as one.)
    cedc_model::parallel::map_in_order(
        &fresh,
        CHUNK,
        AHEAD,
        |o| written(o),
        |made| {
            let mut made = match made {
                Ok(document) => Some(document),
                Err(span) => {
                    outcome = Err(span);
                    return false;
                }
            };
            for (o, first) in pending.by_ref() {
                let document = if first { made.take() } else { None };
                if let Err(e) = write_one(o, document, &mut kept, &mut left, &mut write) {
                    outcome = Ok(Err(e));
                    return false;
                }
                if first {
                    return true;
                }
            }
            true
        },
    );
    if matches!(outcome, Ok(Ok(()))) {
        for (o, _) in pending {
            if let Err(e) = write_one(o, None, &mut kept, &mut left, &mut write) {
                return Ok(Err(e));
            }
        }
    }
    outcome
}

/// Documents by the value they are of ([`Object::value_id`]): only looked up.
type Ids<V> = std::collections::HashMap<usize, V, foldhash::fast::FixedState>;

/// Write object `o`: its document `made`, or the one kept for its value; keep the
/// document while another object further on is the same value (`left` of them).
fn write_one(
    o: &Object,
    made: Option<String>,
    kept: &mut Ids<String>,
    left: &mut Ids<usize>,
    write: &mut impl FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let id = o.value_id();
    let document = match &made {
        Some(d) => d.as_str(),
        None => id.and_then(|id| kept.get(&id)).map_or("", String::as_str),
    };
    write(document)?;
    let Some(id) = id else { return Ok(()) };
    let n = left.entry(id).or_default();
    *n = n.saturating_sub(1);
    if *n == 0 {
        kept.remove(&id);
    } else if let Some(d) = made {
        kept.insert(id, d);
    }
    Ok(())
}

/// One object as a YAML document: `to_yaml(&object_json(object))`, serialised from the
/// model directly — written as text when every key and string is one whose text is
/// known ([`crate::yaml_text::document`], the serialiser's bytes), else by the
/// serialiser. `Err(span)`: a value without a JSON form (the first, in order).
pub fn object_yaml(object: &Object) -> Result<String, Span> {
    writable(object)?;
    written(object)
}

/// [`object_yaml`] through the serialiser alone (what the unit tests of
/// [`crate::yaml_text`] compare the text written directly with).
#[cfg(test)]
pub(crate) fn object_yaml_serialised(object: &Object) -> Result<String, Span> {
    writable(object)?;
    serialised(object)
}

/// `Err(span)`: the first value of `object` without a JSON form, in order.
fn writable(object: &Object) -> Result<(), Span> {
    object.value.unwritable().map_or(Ok(()), |v| Err(v.span()))
}

/// [`object_yaml`] of an object [`writable`] let through: as text, else serialised.
fn written(object: &Object) -> Result<String, Span> {
    match crate::yaml_text::document(&object.value) {
        Some(text) => Ok(text),
        None => serialised(object),
    }
}

/// An object [`writable`] let through, by the serialiser.
fn serialised(object: &Object) -> Result<String, Span> {
    match serde_saphyr::to_string_with_options(&ObjectYaml(&object.value), options()) {
        Ok(text) => Ok(normalize(text)),
        Err(_) => crate::object_json(object).map(|json| json_fallback(&json)),
    }
}

/// An object of the model serialised as [`crate::object_json`] would give it: fields
/// holding `none` left out, the top-level and `metadata` keys in the conventional order
/// ([`cedc_model::TOP_ORDER`]), an empty `metadata.annotations` left out, text of a
/// `Named` value as a string, and the string styles of [`Yaml`].
struct ObjectYaml<'a>(&'a cedc_model::Value);

/// A value of the model inside an object ([`ObjectYaml`]), and where it is.
struct ModelYaml<'a> {
    value: &'a cedc_model::Value,
    level: Level,
}

/// Where a record is in an object: what its keys' order is, what it leaves out.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Level {
    /// The object itself: [`cedc_model::TOP_ORDER`].
    Top,
    /// Its `metadata`: [`cedc_model::METADATA_ORDER`], an empty `annotations` left out.
    Metadata,
    /// Anything deeper: keys as written.
    Inner,
}

impl Level {
    fn order(self) -> &'static [&'static str] {
        match self {
            Level::Top => cedc_model::TOP_ORDER,
            Level::Metadata => cedc_model::METADATA_ORDER,
            Level::Inner => &[],
        }
    }

    /// The level of the field `key` of a record at this level.
    fn of_field(self, key: &str) -> Level {
        if self == Level::Top && key == "metadata" { Level::Metadata } else { Level::Inner }
    }

    /// The fields of a record at this level as an object's YAML holds them, each with
    /// its own level: the level's keys first in their order, then the others as
    /// written; fields holding `none` and an empty `metadata.annotations` left out. What
    /// both writers of an object's YAML lay out (the serialiser's, and
    /// [`crate::yaml_text`], which reads them as they come).
    pub(crate) fn entries(
        self,
        fields: &cedc_model::Fields,
    ) -> impl Iterator<Item = (&str, &cedc_model::Value, Level)> + Clone {
        use cedc_model::ValueKind;
        let left_out = move |k: &str, v: &cedc_model::Value| {
            matches!(v.kind, ValueKind::None) || (self == Level::Metadata && k == "annotations" && is_empty_record(v))
        };
        let order = self.order();
        let first = order.iter().filter_map(|k| fields.get_key_value(k));
        let rest = fields.iter().filter(move |(k, _)| !order.contains(&&***k));
        first.chain(rest).filter(move |(k, v)| !left_out(k, v)).map(move |(k, v)| (&**k, v, self.of_field(k)))
    }
}

impl Serialize for ObjectYaml<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ModelYaml { value: self.0, level: Level::Top }.serialize(serializer)
    }
}

impl Serialize for ModelYaml<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use cedc_model::ValueKind;
        let plain = |value| ModelYaml { value, level: Level::Inner };
        match &self.value.kind {
            ValueKind::None => serializer.serialize_unit(),
            ValueKind::Bool(b) => serializer.serialize_bool(*b),
            ValueKind::Int(i) => serializer.serialize_i64(*i),
            ValueKind::Str(s) => string(s, serializer),
            ValueKind::Named(n) => string(&n.text, serializer),
            ValueKind::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(&plain(item))?;
                }
                seq.end()
            }
            ValueKind::Record(fields) => {
                let entries = self.level.entries(fields);
                let mut m = serializer.serialize_map(Some(entries.clone().count()))?;
                for (k, value, level) in entries {
                    m.serialize_entry(k, &ModelYaml { value, level })?;
                }
                m.end()
            }
            ValueKind::Env(_) | ValueKind::Secret(_) | ValueKind::Patch(_) => {
                Err(serde::ser::Error::custom("a value without a JSON form"))
            }
        }
    }
}

/// A record with no field that has a value (JSON `{}`).
fn is_empty_record(v: &cedc_model::Value) -> bool {
    v.as_record().is_some_and(|f| f.values().all(|x| matches!(x.kind, cedc_model::ValueKind::None)))
}

/// A string: double-quoted when it has a line ending in whitespace (see the module docs), else in the style the library picks.
fn string<S: Serializer>(s: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if has_invisible_line_end(s) {
        serde_saphyr::DoubleQuoted(s).serialize(serializer)
    } else {
        serializer.serialize_str(s)
    }
}

fn json_fallback(json: &Value) -> String {
    let text = serde_json::to_string_pretty(json).unwrap_or_else(|_| "null".to_string());
    normalize(text)
}

/// LF line endings and exactly one trailing newline, whatever the library did.
fn normalize(text: String) -> String {
    let mut text = if text.contains('\r') {
        // Only literal CRs can appear: content CRs are always escaped inside quotes.
        text.replace("\r\n", "\n")
    } else {
        text
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Serialises a JSON value, steering the style of the few strings for which the
/// library's automatic choice is valid YAML but a poor file (see the module docs).
/// Everything else — and all quoting decisions — stays with the library.
struct Yaml<'a>(&'a Value);

impl Serialize for Yaml<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::String(s) => string(s, serializer),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Yaml(item))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut m = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k.as_str(), &Yaml(v))?;
                }
                m.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// A multi-line string with a line that ends in a space or tab: in a literal block the
/// whitespace would be significant yet invisible, and lost to "trim trailing
/// whitespace" editor settings.
fn has_invisible_line_end(s: &str) -> bool {
    s.contains('\n') && s.split('\n').any(|line| line.ends_with(' ') || line.ends_with('\t'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roundtrip(v: &Value) -> Value {
        let text = to_yaml(v);
        serde_saphyr::from_str::<Value>(&text).unwrap()
    }

    #[test]
    fn ambiguous_strings_are_quoted() {
        for s in [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Y",
            "~",
            "null",
            "true",
            "1.10",
            "0777",
            "0x1F",
            "1e3",
            ".5",
            "2024-01-01",
            "12:30",
            "1_000",
            "",
        ] {
            let text = to_yaml(&json!({ "k": s }));
            assert!(text.starts_with("k: \"") || text.starts_with("k: '"), "{s:?} not quoted: {text}");
            assert_eq!(roundtrip(&json!({ "k": s })), json!({ "k": s }));
        }
    }

    #[test]
    fn unicode_line_separators_and_control_characters_round_trip() {
        for s in ["a\u{2028}b", "x\u{0085}y", "p\u{2029}q", "\u{feff}bom", "cr\r\nlf", "nul\0", "ünï ✓ 日本 🚀"]
        {
            let v = json!({ "k": s, "m": format!("{s}\nsecond line\n") });
            assert_eq!(roundtrip(&v), v, "{s:?}: {}", to_yaml(&v));
        }
    }

    #[test]
    fn ambiguous_keys_are_quoted() {
        let text = to_yaml(&json!({ "yes": "a", "1.10": "b", "0777": "c", "on": "d" }));
        assert_eq!(text, "\"yes\": a\n\"1.10\": b\n\"0777\": c\n\"on\": d\n", "{text}");
    }

    #[test]
    fn multiline_strings_use_literal_blocks() {
        let text = to_yaml(&json!({ "a": "x\ny\n", "b": "x\ny" }));
        assert_eq!(text, "a: |\n  x\n  y\nb: |-\n  x\n  y\n");
    }

    #[test]
    fn trailing_whitespace_lines_are_double_quoted() {
        let v = json!({ "a": "x  \ny\n" });
        assert_eq!(to_yaml(&v), "a: \"x  \\ny\\n\"\n");
        assert_eq!(roundtrip(&v), v);
    }

    #[test]
    fn long_strings_stay_on_one_line() {
        let long = "word ".repeat(40).trim_end().to_string();
        let text = to_yaml(&json!({ "a": long }));
        assert_eq!(text.lines().count(), 1, "{text}");
    }

    #[test]
    fn empty_collections_and_nulls() {
        let v = json!({ "m": {}, "l": [], "n": [null, 1, true] });
        assert_eq!(to_yaml(&v), "m: {}\nl: []\n\"n\":\n- null\n- 1\n- true\n");
        assert_eq!(roundtrip(&v), v);
    }

    #[test]
    fn render_objects_separates_documents() {
        use cedc_model::Value as MValue;
        let mk = |name: &str| {
            let json = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}});
            Object {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                name: name.into(),
                namespace: None,
                value: MValue::from_json(&json, Span::default()),
            }
        };
        let (a, b) = (mk("a"), mk("b"));
        let text = render_objects(&[&a, &b]).unwrap();
        assert_eq!(
            text,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"
        );
        assert_eq!(render_objects(&[]).unwrap(), "");
    }

    /// A ConfigMap `c-<i>` of the model.
    fn config_map(i: usize) -> Object {
        let json = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("c-{i}")}});
        Object {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: format!("c-{i}").into(),
            namespace: None,
            value: cedc_model::Value::from_json(&json, Span::default()),
        }
    }

    /// Rendered in chunks on several threads, the stream is the objects' documents in
    /// order, and an object without a JSON form is the first such one in order.
    #[test]
    fn render_objects_in_chunks_keeps_order_and_the_first_error() {
        use cedc_model::{Value as MValue, ValueKind};
        let mk = config_map;
        let objects: Vec<Object> = (0..1000).map(mk).collect();
        let refs: Vec<&Object> = objects.iter().collect();
        let expected: Vec<String> =
            objects.iter().map(|o| to_yaml(&crate::object_json(o).unwrap_or_default())).collect();
        assert_eq!(render_objects(&refs).unwrap(), expected.join("---\n"));
        // Two objects with no JSON form (an environment is not data), in two chunks.
        let mut broken = objects.clone();
        for (i, at) in [(700, 7), (300, 3)] {
            if let ValueKind::Record(f) = &mut broken[i].value.kind {
                f.insert(
                    "env".into(),
                    MValue::new(ValueKind::Env("prod".into()), Span::new(cedc_diagnostics::FileId(0), at, at + 1)),
                );
            }
        }
        let refs: Vec<&Object> = broken.iter().collect();
        assert_eq!(render_objects(&refs).unwrap_err().start, 3);
    }

    /// Streamed in windows, the documents are each object's `object_yaml`, in order, for
    /// values met again windows later (kept) and objects that are one value or not;
    /// an object without a JSON form far on stops it before anything is written; a
    /// failed write stops it.
    #[test]
    fn the_streamed_documents_are_the_documents_in_order() {
        use cedc_model::{Value as MValue, ValueKind};
        let mk = config_map;
        let shared: Vec<Object> = (0..300).map(mk).collect();
        let own: Vec<Object> = (300..3300).map(mk).collect();
        // 13,000 objects (several windows): each shared value again and again, far apart.
        let refs: Vec<&Object> = (0..13_000)
            .map(|i| if i % 13 == 0 { &own[(i / 13) % own.len()] } else { &shared[(i * 7919) % 300] })
            .collect();
        let expected: Vec<String> = refs.iter().map(|o| object_yaml(o).unwrap()).collect();
        let mut got = Vec::new();
        render_streamed(&refs, |d| {
            got.push(d.to_string());
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "the streamed documents differ");

        let mut broken = mk(9);
        if let ValueKind::Record(f) = &mut broken.value.kind {
            let at = Span::new(cedc_diagnostics::FileId(0), 9, 10);
            f.insert("env".into(), MValue::new(ValueKind::Env("prod".into()), at));
        }
        let mut with_broken = refs.clone();
        with_broken[12_000] = &broken;
        let mut written = 0;
        let err = render_streamed(&with_broken, |_| {
            written += 1;
            Ok(())
        });
        assert_eq!(err.unwrap_err().start, 9);
        assert_eq!(written, 0, "documents were written before the error was found");

        let mut calls = 0;
        let failed = render_streamed(&refs, |_| {
            calls += 1;
            if calls == 5 { Err(std::io::Error::other("closed")) } else { Ok(()) }
        });
        assert!(matches!(failed, Ok(Err(_))));
        assert_eq!(calls, 5);
    }
}
