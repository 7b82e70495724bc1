//! A second, independent path for validating custom resources against their CRDs.
//!
//! Every custom resource is checked twice:
//!
//! 1. by cedc's own path: `crd::load_into` (which converts the CRD with `convert.rs`) into a
//!    clone of the built-in registry (so that `metadata`, a reference to `ObjectMeta`,
//!    resolves), then `validate::Validator` on the object as a `cedc_model::Value`;
//! 2. by the `jsonschema` crate, on a standard JSON Schema (draft 2020-12) made here, by
//!    [`translate`], straight from the CRD's `openAPIV3Schema` as read from the YAML —
//!    without `convert.rs` or `validate.rs`.
//!
//! The two must agree on valid/invalid for every object. The test data are CRDs and
//! objects written here from scratch ([`hand_written`], each with the verdict Kubernetes
//! would give, so that both paths being wrong the same way fails too) and, where the
//! shared reference material exists beside the repository (`../shared`), every CRD under
//! `shared/crds` and `shared/reference` with every custom resource found under
//! `shared/reference` ([`shared_reference`]).
//!
//! # What the translation does (Kubernetes structural schemas → JSON Schema)
//!
//! - An object (`type: object`, or a node with `properties`/`additionalProperties`)
//!   without `additionalProperties` and without `x-kubernetes-preserve-unknown-fields`
//!   gets `additionalProperties: false`: the API server prunes undeclared fields, and
//!   cedc takes the strict view that writing one is a mistake.
//! - `x-kubernetes-int-or-string` (and `type: string` + `format: int-or-string`) →
//!   `anyOf: [{type: integer}, {type: string}]`, `type` dropped; the node's other keywords
//!   stay beside it and, as in JSON Schema and Kubernetes, apply to the values they are
//!   about (`pattern`, `maxLength` to strings, `minimum` to integers).
//! - `nullable: true` → `null` added to `type` (and to `enum`, when there is one).
//! - OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` → the draft-2020-12
//!   numeric form (the bound itself).
//! - `x-kubernetes-embedded-resource` → `apiVersion` and `kind` required; `apiVersion`,
//!   `kind` (strings) and `metadata` (an object) accepted when not declared.
//! - `x-kubernetes-list-type: set` → `uniqueItems: true`; `map` → a custom keyword
//!   ([`LIST_MAP_KEYS`], implemented here) that rejects two items with the same values of
//!   the `x-kubernetes-list-map-keys` (a key left out takes its `default`).
//! - `required` leaves out fields that have a `default`: the API server fills those in
//!   before it validates.
//! - The top level accepts `apiVersion` and `kind` (strings, unless the CRD declares
//!   them) and `metadata` (an object, any content: whatever the CRD declares for it).
//! - `format`: `int32` → bounds; `date-time`, `date`, `byte`, `uuid*`, `ipv4`, `ipv6`,
//!   `cidr` are kept and checked (see [`build_validator`]: `date`, `ipv4`, `ipv6` by the
//!   crate's own checkers, the others by checkers written here after the Kubernetes
//!   conventions, because JSON Schema's `date-time` is stricter than the API server's and
//!   the others are OpenAPI/Kubernetes formats JSON Schema does not know); `quantity` →
//!   an integer or a string matching the quantity grammar. Every other format (`int64`,
//!   `hostname`, `email`, `uri`, `password`, ...) is removed: cedc does not check it, and
//!   JSON Schema's idea of it is not the API server's.
//! - Removed, because neither path checks them (cedc documents each as not checked):
//!   CEL rules (`x-kubernetes-validations`), the junctors `anyOf`/`oneOf`/`not` and an
//!   `allOf` of several schemas (convert.rs: "they only narrow what the rest of the node
//!   allows ... so they are ignored"), `multipleOf`, and `enum`s of booleans or with
//!   fractional numbers (the model has no room for them). How many objects the junctors
//!   alone would reject is measured and printed (a second translation keeps them).
//! - Annotations (`description`, `default`, `example`, `title`, `externalDocs`,
//!   `x-kubernetes-map-type`) are removed. Any keyword the translation does not know
//!   fails the test, so nothing is dropped silently.
//!
//! # Where the paths differ by construction
//!
//! - `metadata`: cedc checks it against the built-in `ObjectMeta`; the translation only
//!   says "an object". Our violations *inside* `metadata` are therefore kept out of the
//!   verdict and reported on their own (they are real findings: `sync-wave` beside
//!   `annotations` is one).
//! - The object jsonschema sees is the object as cedc would write it:
//!   `Value::from_json(..).to_json()`. cedc has no `null` in records (a field holding
//!   `none` is left out) and no fractional numbers (`Value::from_json` turns a number that
//!   is not a 64-bit integer into a string). The number of objects this changes is
//!   printed.
//!
//! # Speed
//!
//! A debug build parses YAML slowly (about a second per megabyte, and the shared material
//! holds about 10 MB of distinct CRD text). So: files with the same text are parsed once;
//! texts are parsed on two threads; a reference file in which no CRD kind appears as a
//! word is not parsed (it cannot hold a custom resource); crd.rs is given only the CRD
//! documents that define a kind with objects to check, re-serialised as JSON (which is
//! YAML) without their descriptions. Every served version of every CRD is still
//! translated and compiled by jsonschema.
//!
//! # Gaps found
//!
//! This test found two gaps of cedc's path, both fixed; their cases are ordinary
//! `Invalid` ones: int-or-string nodes losing their `pattern` and bounds, and `\d`,
//! `\w`, `\b` being Unicode-aware. A new gap fails the test as a disagreement.

use cedc_diagnostics::Span;
use cedc_model::Value as CedValue;
use cedc_schema::crd::{self, OBJECT_META};
use cedc_schema::validate::{Validator, Violation};
use cedc_schema::{Registry, Schema, core};
use jsonschema::paths::Location;
use jsonschema::{Keyword, ValidationError};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Like `eprintln!`, but not captured by the test harness: the summaries, the SKIPPED
/// note show in every run.
macro_rules! loud {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

// =======================================================================================
// The translation

/// The custom keyword for `x-kubernetes-list-type: map` lists.
const LIST_MAP_KEYS: &str = "x-cedc-list-map-keys";

/// Kubernetes' resource quantity grammar (the pattern controller-gen writes for
/// quantities).
const QUANTITY: &str = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

/// String formats kept in the translation (and checked, see [`build_validator`]).
const CHECKED_FORMATS: &[&str] =
    &["date-time", "date", "byte", "uuid", "uuid3", "uuid4", "uuid5", "ipv4", "ipv6", "cidr"];

/// Keywords read by the translation.
const VALIDATION_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "format",
    "nullable",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
];
/// Keywords that say nothing about which values are valid.
const ANNOTATIONS: &[&str] = &["description", "title", "default", "example", "externalDocs", "x-kubernetes-map-type"];
/// Keywords that narrow the valid values but that cedc does not check (by design,
/// documented): removed, and counted.
const NOT_CHECKED: &[&str] = &["x-kubernetes-validations", "multipleOf"];

#[derive(Default, Debug)]
struct Stats {
    nodes: usize,
    closed_objects: usize,
    int_or_string: usize,
    nullable: usize,
    exclusive_bounds: usize,
    embedded: usize,
    sets: usize,
    map_lists: usize,
    defaults_not_required: usize,
    int32: usize,
    formats_kept: usize,
    /// Removed, by name.
    formats_removed: BTreeMap<String, usize>,
    junctors_removed: usize,
    not_checked_removed: BTreeMap<String, usize>,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.nodes += o.nodes;
        self.closed_objects += o.closed_objects;
        self.int_or_string += o.int_or_string;
        self.nullable += o.nullable;
        self.exclusive_bounds += o.exclusive_bounds;
        self.embedded += o.embedded;
        self.sets += o.sets;
        self.map_lists += o.map_lists;
        self.defaults_not_required += o.defaults_not_required;
        self.int32 += o.int32;
        self.formats_kept += o.formats_kept;
        self.junctors_removed += o.junctors_removed;
        for (k, v) in &o.formats_removed {
            *self.formats_removed.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.not_checked_removed {
            *self.not_checked_removed.entry(k.clone()).or_default() += v;
        }
    }
}

/// Whether a node is part of the structural schema, or a member of a junctor (`anyOf`
/// etc., only with [`Translator::keep_junctors`]): in Kubernetes those only restrict
/// values and are not closed objects.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Structural,
    Junctor,
}

struct Translator {
    /// Keep `anyOf`/`oneOf`/`not`/several-schema `allOf` (the informational translation).
    keep_junctors: bool,
    stats: Stats,
}

/// A CRD version's `openAPIV3Schema` (or `None`: a version with no schema) → a JSON
/// Schema for the whole object.
fn translate(schema: Option<&Value>, keep_junctors: bool) -> Result<(Value, Stats), String> {
    let mut t = Translator { keep_junctors, stats: Stats::default() };
    // A version without a schema: any object (Kubernetes preserves every field).
    let any_object = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
    let mut out = t.node(schema.unwrap_or(&any_object), "", Mode::Structural)?;
    let Value::Object(top) = &mut out else { return Err("the top level is not a mapping".into()) };
    // Every Kubernetes object is a mapping.
    top.insert("type".into(), json!("object"));
    let properties = top.entry("properties").or_insert_with(|| json!({}));
    let Value::Object(properties) = properties else { return Err("`properties` is not a mapping".into()) };
    properties.entry("apiVersion").or_insert_with(|| json!({"type": "string"}));
    properties.entry("kind").or_insert_with(|| json!({"type": "string"}));
    // Whatever the CRD says about `metadata` (it may restrict `name`), it is an object
    // here; cedc checks it against ObjectMeta (see the module documentation).
    properties.insert("metadata".into(), json!({"type": "object"}));
    top.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    Ok((out, t.stats))
}

fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// `anyOf`/`oneOf` of exactly `{type: integer}` and `{type: string}`: the structural way of
/// spelling int-or-string beside `x-kubernetes-int-or-string` (consumed by it).
fn is_int_or_string_idiom(members: &Value) -> bool {
    let Some(members) = members.as_array() else { return false };
    let mut types: Vec<&str> = members.iter().filter_map(|m| m.get("type").and_then(Value::as_str)).collect();
    types.sort_unstable();
    types.len() == members.len() && types == ["integer", "string"]
}

impl Translator {
    fn node(&mut self, json: &Value, path: &str, mode: Mode) -> Result<Value, String> {
        let node = match json {
            Value::Object(node) => node,
            // Boolean schemas mean the same in both worlds.
            Value::Bool(_) => return Ok(json.clone()),
            other => return Err(format!("{path}: a schema must be a mapping, found {other}")),
        };
        self.stats.nodes += 1;
        for key in node.keys() {
            if NOT_CHECKED.contains(&key.as_str()) {
                *self.stats.not_checked_removed.entry(key.clone()).or_default() += 1;
            } else if !VALIDATION_KEYWORDS.contains(&key.as_str()) && !ANNOTATIONS.contains(&key.as_str()) {
                return Err(format!("{path}: keyword `{key}` is not handled by the translation"));
            }
        }

        let mut out = Map::new();
        let mut all_of = Vec::new();
        let nullable = flag(node, "nullable");
        let preserve = flag(node, "x-kubernetes-preserve-unknown-fields");
        let embedded = flag(node, "x-kubernetes-embedded-resource");
        let ty = match node.get("type") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) => Some(t.as_str()),
            Some(other) => return Err(format!("{path}: `type` {other} is not a type name")),
        };
        let format = node.get("format").and_then(Value::as_str);
        let int_or_string =
            flag(node, "x-kubernetes-int-or-string") || (ty == Some("string") && format == Some("int-or-string"));
        if nullable {
            self.stats.nullable += 1;
        }

        // --- type
        if int_or_string {
            self.stats.int_or_string += 1;
            let mut members = vec![json!({"type": "integer"}), json!({"type": "string"})];
            if nullable {
                members.push(json!({"type": "null"}));
            }
            all_of.push(json!({"anyOf": members}));
        } else if ty == Some("string") && format == Some("quantity") {
            // cedc lets an integer stand for a quantity (`cpu: 2`), as the API server does
            // for the built-in kinds' quantities.
            let mut members = vec![json!({"type": "integer"}), json!({"type": "string", "pattern": QUANTITY})];
            if nullable {
                members.push(json!({"type": "null"}));
            }
            all_of.push(json!({"anyOf": members}));
        } else if let Some(ty) = ty {
            out.insert("type".into(), if nullable { json!([ty, "null"]) } else { json!(ty) });
        }

        // --- objects
        let is_object = ty == Some("object")
            || node.contains_key("properties")
            || node.contains_key("additionalProperties")
            || embedded;
        let mut properties = Map::new();
        if let Some(props) = node.get("properties") {
            let Value::Object(props) = props else { return Err(format!("{path}: `properties` is not a mapping")) };
            for (name, schema) in props {
                // Field names are names, whatever they are called (`type`, `properties`).
                let child = self.node(schema, &format!("{path}.{name}"), mode)?;
                properties.insert(name.clone(), child);
            }
        }
        if let Some(Value::Array(required)) = node.get("required") {
            let mut kept = Vec::new();
            for name in required {
                let defaulted = name
                    .as_str()
                    .and_then(|n| node.get("properties")?.get(n)?.get("default"))
                    .is_some_and(|d| !d.is_null());
                if defaulted && mode == Mode::Structural {
                    // The API server fills the default in before it validates.
                    self.stats.defaults_not_required += 1;
                } else if !kept.contains(name) {
                    kept.push(name.clone());
                }
            }
            if !kept.is_empty() {
                out.insert("required".into(), Value::Array(kept));
            }
        }
        if embedded {
            self.stats.embedded += 1;
            properties.entry("apiVersion").or_insert_with(|| json!({"type": "string"}));
            properties.entry("kind").or_insert_with(|| json!({"type": "string"}));
            properties.entry("metadata").or_insert_with(|| json!({"type": "object"}));
            let required = out.entry("required").or_insert_with(|| json!([]));
            if let Value::Array(required) = required {
                for field in ["apiVersion", "kind"] {
                    if !required.iter().any(|r| r == field) {
                        required.push(json!(field));
                    }
                }
            }
        }
        if !properties.is_empty() {
            out.insert("properties".into(), Value::Object(properties));
        }
        match node.get("additionalProperties") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => {
                // Structural rule: undeclared fields are pruned by the API server, so writing
                // one is a mistake — unless unknown fields are preserved (which wins over a
                // stray `additionalProperties: false`).
                if is_object && !preserve && mode == Mode::Structural {
                    self.stats.closed_objects += 1;
                    out.insert("additionalProperties".into(), json!(false));
                }
            }
            Some(Value::Bool(true)) => {}
            Some(schema) => {
                let child = self.node(schema, &format!("{path}.additionalProperties"), mode)?;
                out.insert("additionalProperties".into(), child);
            }
        }
        for key in ["minProperties", "maxProperties"] {
            if let Some(v) = node.get(key) {
                out.insert(key.into(), v.clone());
            }
        }

        // --- arrays
        // Tuple validation (`items` a list) is not structural; cedc reads it as "any items",
        // and so does this translation.
        if let Some(items @ Value::Object(_)) = node.get("items") {
            let child = self.node(items, &format!("{path}[]"), mode)?;
            out.insert("items".into(), child);
        }
        for key in ["minItems", "maxItems"] {
            if let Some(v) = node.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        match node.get("x-kubernetes-list-type").and_then(Value::as_str) {
            Some("set") => {
                self.stats.sets += 1;
                out.insert("uniqueItems".into(), json!(true));
            }
            Some("map") => {
                let keys: Vec<String> = node
                    .get("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)
                    .map(|k| k.iter().filter_map(|k| k.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                if !keys.is_empty() {
                    self.stats.map_lists += 1;
                    let item_props = node.get("items").and_then(|i| i.get("properties"));
                    let defaults: Vec<Value> = keys
                        .iter()
                        .map(|k| item_props.and_then(|p| p.get(k)?.get("default")).cloned().unwrap_or(Value::Null))
                        .collect();
                    out.insert(LIST_MAP_KEYS.into(), json!({"keys": keys, "defaults": defaults}));
                }
            }
            _ => {}
        }

        // --- strings and numbers
        // cedc keeps string and integer enums only (convert.rs: "Number enums with fractional
        // values, enums of booleans ... are dropped"); so does the translation.
        let enum_kept = |values: &[Value]| match ty {
            Some("boolean") => false,
            Some("number") => values.iter().all(|v| v.is_null() || v.as_f64().is_some_and(|f| f.fract() == 0.0)),
            _ => true,
        };
        if let Some(Value::Array(values)) = node.get("enum").filter(|v| v.as_array().is_some_and(|v| enum_kept(v))) {
            let mut values = values.clone();
            if nullable && !values.contains(&Value::Null) {
                values.push(Value::Null);
            }
            out.insert("enum".into(), Value::Array(values));
        }
        for key in ["pattern", "minLength", "maxLength", "minimum", "maximum"] {
            if let Some(v) = node.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        for (key, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            match node.get(key) {
                // OpenAPI 3.0: a flag on the bound → JSON Schema: the bound itself.
                Some(Value::Bool(true)) => {
                    if let Some(b) = out.remove(bound) {
                        self.stats.exclusive_bounds += 1;
                        out.insert(key.into(), b);
                    }
                }
                Some(n @ Value::Number(_)) => {
                    out.insert(key.into(), n.clone());
                }
                _ => {}
            }
        }
        match (ty, format) {
            (_, None) => {}
            (Some("integer" | "number"), Some("int32")) => {
                self.stats.int32 += 1;
                all_of.push(json!({"minimum": i32::MIN, "maximum": i32::MAX}));
            }
            (Some("string"), Some(f)) if CHECKED_FORMATS.contains(&f) => {
                self.stats.formats_kept += 1;
                out.insert("format".into(), json!(f));
            }
            (Some("string"), Some("int-or-string" | "quantity")) => {}
            (_, Some(f)) => *self.stats.formats_removed.entry(f.to_string()).or_default() += 1,
        }

        // --- junctors
        for key in ["anyOf", "oneOf", "allOf", "not"] {
            let Some(value) = node.get(key) else { continue };
            if int_or_string && key != "not" && is_int_or_string_idiom(value) {
                continue;
            }
            let single_all_of = key == "allOf" && value.as_array().is_some_and(|m| m.len() == 1);
            if !(self.keep_junctors || single_all_of) {
                self.stats.junctors_removed += 1;
                continue;
            }
            // A one-schema `allOf` is that schema (cedc unwraps it too); the others are value
            // validations, evaluated in the informational translation only.
            let member_mode = if single_all_of { mode } else { Mode::Junctor };
            let translated = match value {
                Value::Array(members) => Value::Array(
                    members
                        .iter()
                        .enumerate()
                        .map(|(i, m)| self.node(m, &format!("{path}.{key}[{i}]"), member_mode))
                        .collect::<Result<_, _>>()?,
                ),
                member => self.node(member, &format!("{path}.{key}"), member_mode)?,
            };
            if key == "allOf" {
                if let Value::Array(members) = translated {
                    all_of.extend(members);
                }
            } else {
                out.insert(key.into(), translated);
            }
        }
        if !all_of.is_empty() {
            out.insert("allOf".into(), Value::Array(all_of));
        }
        Ok(Value::Object(out))
    }
}

// =======================================================================================
// The jsonschema side: formats and the list-map keyword

/// Items of an `x-kubernetes-list-type: map` list are unique by their keys.
struct ListMapKeys {
    keys: Vec<String>,
    /// Per key, its default (`Null`: none).
    defaults: Vec<Value>,
}

impl ListMapKeys {
    /// The first item whose keys repeat an earlier item's, with that earlier item. An item
    /// missing a key that has no default is not compared (the item schema's `required`
    /// reports it).
    fn duplicate(&self, instance: &Value) -> Option<(usize, usize)> {
        let items = instance.as_array()?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            let Some(item) = item.as_object() else { continue };
            let identity: Option<Vec<&Value>> = self
                .keys
                .iter()
                .zip(&self.defaults)
                .map(|(k, d)| item.get(k).filter(|v| !v.is_null()).or(Some(d).filter(|d| !d.is_null())))
                .collect();
            let Some(identity) = identity else { continue };
            let identity = serde_json::to_string(&identity).unwrap_or_default();
            if let Some(&first) = seen.get(&identity) {
                return Some((first, i));
            }
            seen.insert(identity, i);
        }
        None
    }
}

impl<'i> Keyword<'i> for ListMapKeys {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        match self.duplicate(instance) {
            None => Ok(()),
            Some((first, again)) => Err(ValidationError::custom(format!(
                "items {first} and {again} have the same values of the list's map keys {:?}",
                self.keys
            ))),
        }
    }
    fn is_valid(&self, instance: &'i Value) -> bool {
        self.duplicate(instance).is_none()
    }
}

fn list_map_keys<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|k| k.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let keys = strings(value.get("keys"));
    let defaults = value.get("defaults").and_then(Value::as_array).cloned().unwrap_or_default();
    if keys.len() != defaults.len() {
        return Err(ValidationError::schema(format!("{LIST_MAP_KEYS}: one default per key")));
    }
    Ok(Box::new(ListMapKeys { keys, defaults }))
}

/// `YYYY-MM-DD` at the start of `s`, a real day, and the rest.
fn calendar_date(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    (1..=days).contains(&day).then(|| &s[10..])
}

/// `date-time` as the API server reads it (written here from the rules the validate.rs
/// documentation states, not from its code): RFC 3339 and the looser forms also parsed —
/// `t` or a space for `T`, no seconds, no zone, `±hhmm` zones; the empty string is
/// accepted.
fn k8s_date_time(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    static TIME: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let time = TIME.get_or_init(|| {
        regex::Regex::new(
            r"^[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?(?:[Zz]|[+-]([0-9]{2}):?([0-9]{2}))?$",
        )
        .unwrap()
    });
    let Some(rest) = calendar_date(s) else { return false };
    let Some(c) = time.captures(rest) else { return false };
    let n = |i: usize, max: u32| c.get(i).is_none_or(|m| m.as_str().parse::<u32>().is_ok_and(|v| v <= max));
    n(1, 23) && n(2, 59) && n(3, 60) && n(4, 23) && n(5, 59)
}

/// OpenAPI's `byte`: standard base64, padded.
fn base64(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$").unwrap())
        .is_match(s)
}

/// A UUID: 32 hex digits, plain or grouped 8-4-4-4-12.
fn uuid(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        )
        .unwrap()
    })
    .is_match(s)
}

/// `address/prefix`.
fn cidr(s: &str) -> bool {
    let Some((addr, bits)) = s.split_once('/') else { return false };
    let Ok(addr) = addr.parse::<std::net::IpAddr>() else { return false };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    !bits.is_empty() && bits.bytes().all(|b| b.is_ascii_digit()) && bits.parse::<u32>().is_ok_and(|b| b <= max)
}

fn build_validator(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("date-time", k8s_date_time)
        .with_format("byte", base64)
        .with_format("uuid", uuid)
        .with_format("uuid3", uuid)
        .with_format("uuid4", uuid)
        .with_format("uuid5", uuid)
        .with_format("cidr", cidr)
        .with_keyword(LIST_MAP_KEYS, list_map_keys)
        .build(schema)
        .map_err(|e| e.to_string())
}

// =======================================================================================
// YAML

/// The YAML documents of a text, each as JSON or as the reason it was skipped (not YAML,
/// a duplicate key). Parsed on a thread with a large stack, as crd.rs does.
fn parse_documents(text: &str) -> Vec<Result<Value, String>> {
    let parse = move || {
        let options = serde_saphyr::options! {
            duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
            budget: serde_saphyr::budget! {
                max_reader_input_bytes: None,
                max_depth: 256,
                max_nodes: 10_000_000,
                max_events: 20_000_000,
                max_documents: 100_000,
            },
        };
        let mut reader = text.as_bytes();
        serde_saphyr::read_with_options::<_, Value>(&mut reader, options)
            .map(|d| d.map_err(|e| e.to_string().lines().next().unwrap_or_default().to_string()))
            .filter(|d| !matches!(d, Ok(Value::Null)))
            .collect::<Vec<_>>()
    };
    std::thread::scope(|s| {
        std::thread::Builder::new().stack_size(64 << 20).spawn_scoped(s, parse).unwrap().join().unwrap()
    })
}

/// The objects of a document: itself, or the items of a `v1` `List`.
fn objects_of(document: &Value) -> Vec<&Value> {
    if document.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && document.get("kind").and_then(Value::as_str) == Some("List")
        && let Some(items) = document.get("items").and_then(Value::as_array)
    {
        return items.iter().collect();
    }
    vec![document]
}

fn is_crd(object: &Value) -> bool {
    object.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
        && object.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with("apiextensions.k8s.io/"))
}

type Gvk = (String, String, String);

/// The served versions of a CRD, each with its raw `openAPIV3Schema` (read here, not by
/// crd.rs).
fn crd_versions(crd: &Value) -> Vec<(Gvk, Option<Value>)> {
    let spec = &crd["spec"];
    let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str()) else {
        return Vec::new();
    };
    let shared = spec.pointer("/validation/openAPIV3Schema");
    let mut out = Vec::new();
    match spec["versions"].as_array() {
        Some(versions) => {
            for v in versions {
                let (Some(name), Some(true)) = (v["name"].as_str(), v["served"].as_bool()) else { continue };
                let schema = v.pointer("/schema/openAPIV3Schema").or(shared).cloned();
                out.push(((group.to_string(), name.to_string(), kind.to_string()), schema));
            }
        }
        None => {
            if let Some(name) = spec["version"].as_str() {
                out.push(((group.to_string(), name.to_string(), kind.to_string()), shared.cloned()));
            }
        }
    }
    out
}

/// A schema without its `description`s (only in schema positions: a field may be called
/// `description`), to keep what crd.rs has to parse small.
fn strip_descriptions(node: &mut Value) {
    let Value::Object(map) = node else { return };
    if matches!(map.get("description"), Some(Value::String(_))) {
        map.remove("description");
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        props.values_mut().for_each(strip_descriptions);
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key) {
            strip_descriptions(child);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(members)) = map.get_mut(key) {
            members.iter_mut().for_each(strip_descriptions);
        }
    }
}

// =======================================================================================
// Checking one (schema, object) pair both ways

/// One CRD version as both paths see it.
struct Definition {
    /// Where it comes from (files with the same text are read once).
    source: String,
    gvk: Gvk,
    ours: Arc<Schema>,
    validator: jsonschema::Validator,
    /// With the junctors kept (`anyOf`, `oneOf`, `not`): for information.
    with_junctors: Option<jsonschema::Validator>,
}

#[derive(Debug)]
struct Outcome {
    /// Our violations outside `metadata` (the verdict).
    ours: Vec<Violation>,
    /// Our violations inside `metadata` (ObjectMeta; not checked by the second path).
    ours_metadata: Vec<Violation>,
    /// jsonschema's errors: instance path (JSON pointer) and message.
    theirs: Vec<(String, String)>,
    /// Rejected only when the junctors are kept.
    junctors_reject: bool,
    /// The object as written by cedc differs from the input (nulls, fractions).
    rewritten: bool,
}

impl Outcome {
    fn agree(&self) -> bool {
        self.ours.is_empty() == self.theirs.is_empty()
    }
    fn valid(&self) -> bool {
        self.ours.is_empty() && self.theirs.is_empty()
    }
}

fn inside_metadata(path: &str) -> bool {
    path.starts_with("metadata.") || path.starts_with("metadata[")
}

/// `object` against both validators (ours made for this value alone: a validator knows
/// the parts it found valid by address, so its values must outlive it).
fn check(registry: &Registry, def: &Definition, object: &Value) -> Outcome {
    let value = CedValue::from_json(object, Span::default());
    let (metadata, rest): (Vec<Violation>, Vec<Violation>) =
        Validator::new(registry).validate(&def.ours, &value).into_iter().partition(|v| inside_metadata(&v.path));
    // What cedc would write for this value; Env values cannot come from JSON.
    let written = value.to_json().expect("a value read from JSON has a JSON form");
    let theirs: Vec<(String, String)> =
        def.validator.iter_errors(&written).map(|e| (e.instance_path().as_str().to_string(), e.to_string())).collect();
    let junctors_reject = theirs.is_empty() && def.with_junctors.as_ref().is_some_and(|v| !v.is_valid(&written));
    Outcome { ours: rest, ours_metadata: metadata, theirs, junctors_reject, rewritten: &written != object }
}

fn render_outcome(o: &Outcome) -> String {
    let mut s = String::new();
    s.push_str(&format!("    ours ({}):\n", o.ours.len()));
    for v in &o.ours {
        s.push_str(&format!("      {} [{}] {}\n", v.path, v.code(), v.message()));
    }
    if !o.ours_metadata.is_empty() {
        s.push_str(&format!("    ours in metadata, not compared ({}):\n", o.ours_metadata.len()));
        for v in &o.ours_metadata {
            s.push_str(&format!("      {} [{}] {}\n", v.path, v.code(), v.message()));
        }
    }
    s.push_str(&format!("    jsonschema ({}):\n", o.theirs.len()));
    for (path, message) in &o.theirs {
        s.push_str(&format!("      {path:?}: {}\n", clip(message)));
    }
    s
}

fn clip(s: &str) -> String {
    if s.chars().count() > 300 { format!("{}…", s.chars().take(300).collect::<String>()) } else { s.to_string() }
}

/// Our path (`spec.ports[1].name`, `metadata.labels["a/b"]`) → JSON pointer segments.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("[\"") {
            let mut key = String::new();
            let mut chars = r.char_indices();
            let mut end = r.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, e)) = chars.next() {
                            key.push(e);
                        }
                    }
                    '"' => {
                        end = i + 2; // `"]`
                        break;
                    }
                    c => key.push(c),
                }
            }
            out.push(key);
            rest = r.get(end..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            out.push(r[..end].to_string());
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

// =======================================================================================
// Hand-written CRDs and objects

const WIDGET_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.org
spec:
  group: example.org
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          description: A widget.
          required: [spec]
          properties:
            spec:
              type: object
              required: [size, mode, flavour]
              properties:
                size: {type: integer, minimum: 1, maximum: 10}
                ratio: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 100, exclusiveMaximum: true}
                mode: {type: string, enum: [fast, slow]}
                flavour: {type: string, default: vanilla}
                name: {type: string, pattern: '^[a-z][a-z0-9-]*$', minLength: 2, maxLength: 8}
                port:
                  x-kubernetes-int-or-string: true
                  anyOf: [{type: integer}, {type: string}]
                cpu:
                  x-kubernetes-int-or-string: true
                  anyOf: [{type: integer}, {type: string}]
                  pattern: '^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$'
                tags:
                  type: array
                  items: {type: string}
                  minItems: 1
                  maxItems: 3
                  x-kubernetes-list-type: set
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [port, protocol]
                  items:
                    type: object
                    required: [port]
                    properties:
                      port: {type: integer, format: int32}
                      protocol: {type: string, default: TCP}
                      name: {type: string}
                labels:
                  type: object
                  maxProperties: 2
                  additionalProperties: {type: string}
                selector:
                  type: object
                  minProperties: 1
                  additionalProperties: {type: string}
                priority: {type: integer, enum: [1, 2, 3]}
                serial: {type: string, pattern: '^\d+$'}
                weight: {type: number, minimum: 0.5}
                scale: {type: number, enum: [0.5, 1, 2]}
                strict: {type: boolean, enum: [true]}
                config:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    level: {type: integer}
                raw:
                  x-kubernetes-preserve-unknown-fields: true
                template:
                  type: object
                  x-kubernetes-embedded-resource: true
                  x-kubernetes-preserve-unknown-fields: true
                aliases:
                  type: array
                  items: {type: string, nullable: true}
                hosts:
                  type: array
                  items: {type: string}
                nested:
                  type: object
                  required: [enabled]
                  properties:
                    enabled: {type: boolean}
                    note: {type: string}
                since: {type: string, format: date-time}
                cert: {type: string, format: byte}
                address: {type: string, format: ipv4}
                address6: {type: string, format: ipv6}
                day: {type: string, format: date}
                uid: {type: string, format: uuid}
                network: {type: string, format: cidr}
                retries: {type: integer, format: int32}
                contact: {type: string, format: email}
                choice:
                  type: object
                  properties:
                    a: {type: string}
                    b: {type: string}
                  oneOf:
                    - required: [a]
                    - required: [b]
                  x-kubernetes-validations:
                    - rule: "!has(self.a) || self.a != 'x'"
                      message: a must not be x
            status:
              type: object
              x-kubernetes-preserve-unknown-fields: true
"#;

/// Cluster-scoped, several versions (one not served), fields named like keywords, a
/// `metadata` declaration restricting the name.
const GADGET_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.org
spec:
  group: example.org
  names: {kind: Gadget, plural: gadgets}
  scope: Cluster
  versions:
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema: {type: object}
    - name: v1beta1
      served: true
      storage: false
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                count:
                  x-kubernetes-int-or-string: true
                  anyOf: [{type: integer}, {type: string}]
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            metadata:
              type: object
              properties:
                name: {type: string, maxLength: 5}
            spec:
              type: object
              properties:
                count: {type: integer}
                type: {type: string, enum: [a, b]}
                required: {type: boolean}
                description: {type: string}
                properties:
                  type: object
                  additionalProperties: {type: string}
                x-kubernetes-int-or-string: {type: string}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: blobs.example.org
spec:
  group: example.org
  names: {kind: Blob, plural: blobs}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
"#;

/// `apiextensions.k8s.io/v1beta1` CRDs: one schema for all versions, and none at all.
const LEGACY_CRDS: &str = r#"
apiVersion: apiextensions.k8s.io/v1beta1
kind: CustomResourceDefinition
metadata: {name: legacies.example.org}
spec:
  group: example.org
  version: v1
  names: {kind: Legacy, plural: legacies}
  scope: Namespaced
  validation:
    openAPIV3Schema:
      type: object
      properties:
        spec:
          type: object
          properties:
            n: {type: integer, minimum: 0}
---
apiVersion: apiextensions.k8s.io/v1beta1
kind: CustomResourceDefinition
metadata: {name: bares.example.org}
spec:
  group: example.org
  version: v1
  names: {kind: Bare, plural: bares}
  scope: Namespaced
"#;

/// What Kubernetes says about an object (the hand-written cases' expected verdicts).
#[derive(Clone, Copy, Debug)]
enum Expect {
    Valid,
    /// Invalid, with a violation at this path (ours exactly there, jsonschema there or at
    /// an enclosing object).
    Invalid(&'static str),
    /// Kubernetes would reject it, but by a rule that neither path checks (documented:
    /// CEL, junctors, unchecked formats, CRD restrictions on `metadata`): both must
    /// accept it.
    NotChecked(&'static str),
    /// Valid outside `metadata`; cedc (ObjectMeta) reports something at this path inside
    /// it.
    MetadataOnly(&'static str),
}

fn cases() -> Vec<(&'static str, &'static str, Expect)> {
    use Expect::*;
    vec![
        // --- valid
        ("minimal", "spec: {size: 3, mode: fast}", Valid),
        (
            "everything",
            r#"spec:
  size: 10
  ratio: 50
  mode: slow
  flavour: chocolate
  name: web-1
  port: 8080
  cpu: 500m
  tags: [a, b, c]
  ports: [{port: 80}, {port: 80, protocol: UDP}, {port: 443, name: https}]
  labels: {app: web}
  selector: {app: web}
  priority: 2
  serial: "0042"
  weight: 1
  config: {level: 2, anything: {goes: [1, 2]}}
  raw: [1, "x", {a: null}]
  template: {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {a: b}}
  aliases: [a, null]
  hosts: [example.org]
  nested: {enabled: true, note: hi}
  since: "2024-05-01T12:00:00Z"
  cert: aGVsbG8=
  address: 10.0.0.1
  address6: "2001:db8::1"
  day: "2024-02-29"
  uid: 123e4567-e89b-12d3-a456-426614174000
  network: 10.0.0.0/16
  retries: 2147483647
  choice: {a: 'y'}
status: {anything: [1]}"#,
            Valid,
        ),
        ("bounds inclusive low", "spec: {size: 1, mode: fast}", Valid),
        ("int-or-string as a string", "spec: {size: 3, mode: fast, port: http}", Valid),
        ("int-or-string as an integer", "spec: {size: 3, mode: fast, port: 80, cpu: 2}", Valid),
        ("a null field is absent", "spec: {size: 3, mode: fast, name: null, nested: null}", Valid),
        (
            "date-time without seconds (API server accepts)",
            r#"spec: {size: 3, mode: fast, since: "2024-05-01T12:00Z"}"#,
            Valid,
        ),
        ("ratio just above the exclusive minimum", "spec: {size: 3, mode: fast, ratio: 1}", Valid),
        (
            "map list items differ by a defaulted key",
            "spec: {size: 3, mode: fast, ports: [{port: 53}, {port: 53, protocol: UDP}]}",
            Valid,
        ),
        // --- unknown fields
        ("unknown field", "spec: {size: 3, mode: fast, colour: red}", Invalid("spec.colour")),
        (
            "unknown field in a nested object",
            "spec: {size: 3, mode: fast, nested: {enabled: true, notes: x}}",
            Invalid("spec.nested.notes"),
        ),
        (
            "unknown field in a map-list item",
            "spec: {size: 3, mode: fast, ports: [{port: 1, protocl: TCP}]}",
            Invalid("spec.ports[0].protocl"),
        ),
        ("unknown top-level field", "spec: {size: 3, mode: fast}\nspecs: {}", Invalid("specs")),
        (
            "unknown field in an embedded resource's envelope is fine, a field of the object is not",
            "spec: {size: 3, mode: fast, nested: {enabled: true}, template: {apiVersion: v1, kind: X}, extra: 1}",
            Invalid("spec.extra"),
        ),
        // --- missing required fields
        ("missing spec", "status: {}", Invalid("spec")),
        ("missing required", "spec: {size: 3}", Invalid("spec.mode")),
        ("required field written as null", "spec: {size: 3, mode: null}", Invalid("spec.mode")),
        ("missing nested required", "spec: {size: 3, mode: fast, nested: {note: x}}", Invalid("spec.nested.enabled")),
        ("missing map-list key", "spec: {size: 3, mode: fast, ports: [{name: x}]}", Invalid("spec.ports[0].port")),
        (
            "embedded resource without kind",
            "spec: {size: 3, mode: fast, template: {apiVersion: v1}}",
            Invalid("spec.template.kind"),
        ),
        // --- wrong types
        ("string for an integer", r#"spec: {size: "3", mode: fast}"#, Invalid("spec.size")),
        ("integer for a string", "spec: {size: 3, mode: fast, name: 12}", Invalid("spec.name")),
        ("string for an object", "spec: {size: 3, mode: fast, nested: 'yes'}", Invalid("spec.nested")),
        ("boolean for an object (YAML 1.1: `yes`)", "spec: {size: 3, mode: fast, nested: yes}", Invalid("spec.nested")),
        (
            "string for a boolean",
            r#"spec: {size: 3, mode: fast, nested: {enabled: "true"}}"#,
            Invalid("spec.nested.enabled"),
        ),
        ("object for a list", "spec: {size: 3, mode: fast, tags: {a: b}}", Invalid("spec.tags")),
        (
            "integer in a string map",
            "spec: {size: 3, mode: fast, labels: {replicas: 3}}",
            Invalid("spec.labels.replicas"),
        ),
        (
            "wrong type under preserved unknown fields",
            "spec: {size: 3, mode: fast, config: {level: high}}",
            Invalid("spec.config.level"),
        ),
        ("string for a preserving object", "spec: {size: 3, mode: fast, config: 'on'}", Invalid("spec.config")),
        (
            "embedded metadata not an object",
            "spec: {size: 3, mode: fast, template: {apiVersion: v1, kind: X, metadata: x}}",
            Invalid("spec.template.metadata"),
        ),
        ("boolean for int-or-string", "spec: {size: 3, mode: fast, port: true}", Invalid("spec.port")),
        ("list for int-or-string", "spec: {size: 3, mode: fast, port: [80]}", Invalid("spec.port")),
        ("a spec that is a list", "spec: [size]", Invalid("spec")),
        // --- nullable
        ("null item in a nullable list", "spec: {size: 3, mode: fast, aliases: [null]}", Valid),
        ("null item in a non-nullable list", "spec: {size: 3, mode: fast, hosts: [a, null]}", Invalid("spec.hosts[1]")),
        // --- enum, pattern, lengths
        ("enum", "spec: {size: 3, mode: Fast}", Invalid("spec.mode")),
        ("pattern", "spec: {size: 3, mode: fast, name: Web_1}", Invalid("spec.name")),
        ("minLength", "spec: {size: 3, mode: fast, name: a}", Invalid("spec.name")),
        ("maxLength", "spec: {size: 3, mode: fast, name: abcdefghi}", Invalid("spec.name")),
        // --- numbers
        ("below minimum", "spec: {size: 0, mode: fast}", Invalid("spec.size")),
        ("above maximum", "spec: {size: 11, mode: fast}", Invalid("spec.size")),
        ("exclusive minimum", "spec: {size: 3, mode: fast, ratio: 0}", Invalid("spec.ratio")),
        ("exclusive maximum", "spec: {size: 3, mode: fast, ratio: 100}", Invalid("spec.ratio")),
        ("int32 overflow", "spec: {size: 3, mode: fast, retries: 2147483648}", Invalid("spec.retries")),
        (
            "int32 overflow in a map-list key",
            "spec: {size: 3, mode: fast, ports: [{port: -2147483649}]}",
            Invalid("spec.ports[0].port"),
        ),
        ("integer enum", "spec: {size: 3, mode: fast, priority: 4}", Invalid("spec.priority")),
        ("number below a fractional minimum", "spec: {size: 3, mode: fast, weight: 0}", Invalid("spec.weight")),
        ("string for a number", "spec: {size: 3, mode: fast, weight: '1'}", Invalid("spec.weight")),
        // --- objects
        ("maxProperties", "spec: {size: 3, mode: fast, labels: {a: x, b: y, c: z}}", Invalid("spec.labels")),
        ("minProperties", "spec: {size: 3, mode: fast, selector: {}}", Invalid("spec.selector")),
        // --- lists
        ("minItems", "spec: {size: 3, mode: fast, tags: []}", Invalid("spec.tags")),
        ("maxItems", "spec: {size: 3, mode: fast, tags: [a, b, c, d]}", Invalid("spec.tags")),
        ("set with a repeated item", "spec: {size: 3, mode: fast, tags: [a, a]}", Invalid("spec.tags[1]")),
        (
            "map list with a repeated key (via the default)",
            "spec: {size: 3, mode: fast, ports: [{port: 80}, {port: 80, protocol: TCP, name: x}]}",
            Invalid("spec.ports[1]"),
        ),
        // --- formats
        ("date-time", "spec: {size: 3, mode: fast, since: yesterday}", Invalid("spec.since")),
        (
            "date-time on the 30th of February",
            r#"spec: {size: 3, mode: fast, since: "2024-02-30T00:00:00Z"}"#,
            Invalid("spec.since"),
        ),
        ("byte", "spec: {size: 3, mode: fast, cert: hello!}", Invalid("spec.cert")),
        ("ipv4", "spec: {size: 3, mode: fast, address: 10.0.0.256}", Invalid("spec.address")),
        ("ipv6", "spec: {size: 3, mode: fast, address6: '1::2::3'}", Invalid("spec.address6")),
        (
            "date on the 29th of February of a common year",
            "spec: {size: 3, mode: fast, day: '2023-02-29'}",
            Invalid("spec.day"),
        ),
        ("uuid, plain hex", "spec: {size: 3, mode: fast, uid: 123E4567E89B12D3A456426614174000}", Valid),
        ("uuid", "spec: {size: 3, mode: fast, uid: 123e4567-e89b}", Invalid("spec.uid")),
        ("cidr", "spec: {size: 3, mode: fast, network: 10.0.0.0/33}", Invalid("spec.network")),
        // --- not checked by either path (documented)
        (
            "email format",
            "spec: {size: 3, mode: fast, contact: not an address}",
            NotChecked("formats other than those listed are not checked"),
        ),
        (
            "oneOf",
            "spec: {size: 3, mode: fast, choice: {a: 'y', b: 'z'}}",
            NotChecked("oneOf/anyOf/not are not evaluated"),
        ),
        (
            "CEL rule",
            "spec: {size: 3, mode: fast, choice: {a: x}}",
            NotChecked("x-kubernetes-validations are not evaluated"),
        ),
        (
            "number enum with a fraction",
            "spec: {size: 3, mode: fast, scale: 3}",
            NotChecked("number enums with fractions are dropped"),
        ),
        ("boolean enum", "spec: {size: 3, mode: fast, strict: false}", NotChecked("boolean enums are dropped")),
        ("number enum, wrong type", "spec: {size: 3, mode: fast, scale: x}", Invalid("spec.scale")),
        // --- metadata: ObjectMeta, checked by cedc only
        (
            "label value not a string",
            "metadata: {name: w, labels: {tier: 1}}\nspec: {size: 3, mode: fast}",
            MetadataOnly("metadata.labels.tier"),
        ),
        (
            "sync-wave beside annotations",
            "metadata:\n  name: w\n  annotations: {a: b}\n  argocd.argoproj.io/sync-wave: \"1\"\nspec: {size: 3, mode: fast}",
            MetadataOnly(r#"metadata["argocd.argoproj.io/sync-wave"]"#),
        ),
        // An int-or-string's `pattern` applies to its string form.
        ("int-or-string string breaking the pattern", "spec: {size: 3, mode: fast, cpu: lots}", Invalid("spec.cpu")),
        // `\d` is ASCII in the API server's RE2, and in cedc.
        ("`\\d` is ASCII in the API server's RE2", "spec: {size: 3, mode: fast, serial: '٤٢'}", Invalid("spec.serial")),
    ]
}

/// Gadget, Blob, Legacy and Bare cases: (apiVersion, kind, object body, expectation).
fn other_cases() -> Vec<(&'static str, &'static str, &'static str, Expect)> {
    use Expect::*;
    vec![
        (
            "example.org/v1",
            "Gadget",
            "spec: {count: 3, type: a, required: true, description: d, properties: {k: v}, x-kubernetes-int-or-string: s}",
            Valid,
        ),
        ("example.org/v1", "Gadget", "spec: {count: three}", Invalid("spec.count")),
        ("example.org/v1", "Gadget", "spec: {type: c}", Invalid("spec.type")),
        ("example.org/v1", "Gadget", "spec: {properties: {k: 1}}", Invalid("spec.properties.k")),
        (
            "example.org/v1",
            "Gadget",
            "spec: {x-kubernetes-int-or-string: 1}",
            Invalid("spec.x-kubernetes-int-or-string"),
        ),
        ("example.org/v1", "Gadget", "spec: {anyOf: []}", Invalid("spec.anyOf")),
        (
            "example.org/v1",
            "Gadget",
            "metadata: {name: toolong}\nspec: {}",
            NotChecked("a CRD's restrictions on metadata.name"),
        ),
        ("example.org/v1beta1", "Gadget", "spec: {count: three}", Valid),
        ("example.org/v1beta1", "Gadget", "spec: {count: 3}", Valid),
        ("example.org/v1beta1", "Gadget", "spec: {count: {n: 3}}", Invalid("spec.count")),
        ("example.org/v1beta1", "Gadget", "spec: {count: 3, type: a}", Invalid("spec.type")),
        ("example.org/v1", "Blob", "anything: [1, {two: 2}]\nspec: {x: y}", Valid),
        ("example.org/v1", "Blob", "metadata: []", Invalid("metadata")),
        ("example.org/v1", "Legacy", "spec: {n: 1}", Valid),
        ("example.org/v1", "Legacy", "spec: {n: -1}", Invalid("spec.n")),
        ("example.org/v1", "Legacy", "spec: {m: 1}", Invalid("spec.m")),
        ("example.org/v1", "Bare", "spec: {anything: [1]}\nstatus: 3", Valid),
        ("example.org/v1", "Bare", "metadata: 3", Invalid("metadata")),
    ]
}

/// Everything loaded for a set of CRD texts: the registry (core kinds + CRDs) and one
/// [`Definition`] per (text, served version).
struct Loaded {
    registry: Registry,
    definitions: Vec<Definition>,
    stats: Stats,
    /// CRD versions translated (validators are built only for those with objects, unless
    /// asked for all).
    translated: usize,
    problems: Vec<String>,
}

/// The JSON text crd.rs is given for some CRD documents: JSON is YAML, and the
/// descriptions are left out (they take no part in validation, and the YAML of the shared
/// files has been parsed once already, here: parsing it again in a debug build is slow).
fn crd_text(crds: &[&Value]) -> String {
    let mut text = String::new();
    for crd in crds {
        let mut crd = (*crd).clone();
        if let Some(Value::Array(versions)) = crd.pointer_mut("/spec/versions") {
            for v in versions {
                if let Some(schema) = v.pointer_mut("/schema/openAPIV3Schema") {
                    strip_descriptions(schema);
                }
            }
        }
        if let Some(schema) = crd.pointer_mut("/spec/validation/openAPIV3Schema") {
            strip_descriptions(schema);
        }
        text.push_str("---\n");
        text.push_str(&serde_json::to_string(&crd).unwrap());
        text.push('\n');
    }
    text
}

/// Load CRD documents (already parsed; `(source name, documents)`) both ways. Every served
/// version is translated and gets a jsonschema validator; the kinds for which `used` says
/// yes are also loaded by crd.rs into the registry and become [`Definition`]s (the others
/// have no object to compare on; shared_crds.rs checks that crd.rs loads them all).
fn load(sources: &[(String, Vec<&Value>)], used: &(dyn Fn(&Gvk) -> bool + Sync)) -> Loaded {
    // This test's reading: per source, its served versions (a later CRD of the same kind
    // in one source replaces the earlier, as with crd.rs).
    let mut raw: Vec<(usize, Gvk, Option<Value>)> = Vec::new();
    for (i, (_, crds)) in sources.iter().enumerate() {
        for crd in crds {
            for (gvk, schema) in crd_versions(crd) {
                raw.retain(|(j, g, _)| !(*j == i && *g == gvk));
                raw.push((i, gvk, schema));
            }
        }
    }
    let raw = &raw;
    // The second path: translations and validators, on a thread of its own; a second one
    // joins in when crd.rs is done (threads with a large stack: schemas nest deeply, and a
    // debug build spends a lot of stack per level).
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Mutex::new((Stats::default(), HashMap::new()));
    let work = || {
        loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((i, gvk, schema)) = raw.get(n) else { return };
            let what = format!("{}: {}/{} {}", sources[*i].0, gvk.0, gvk.1, gvk.2);
            let (translated, stats) = translate(schema.as_ref(), false).unwrap_or_else(|e| panic!("{what}: {e}"));
            let validator = build_validator(&translated)
                .unwrap_or_else(|e| panic!("{what}: the translation is not a valid JSON Schema: {e}"));
            // Only where the translation removed junctors is there anything to learn.
            let with_junctors = (used(gvk) && stats.junctors_removed > 0)
                .then(|| translate(schema.as_ref(), true).ok().and_then(|(s, _)| build_validator(&s).ok()))
                .flatten();
            let mut done = done.lock().unwrap();
            done.0.add(&stats);
            done.1.insert((*i, gvk.clone()), (validator, with_junctors));
        }
    };
    let (registry, problems, mut ours) = std::thread::scope(|s| {
        let worker = || std::thread::Builder::new().stack_size(64 << 20).spawn_scoped(s, work).unwrap();
        let first = worker();

        // cedc's path.
        let mut registry = core::registry().clone();
        let mut problems = Vec::new();
        let mut ours: HashMap<(usize, Gvk), Arc<Schema>> = HashMap::new();
        for (i, (source, crds)) in sources.iter().enumerate() {
            let crds: Vec<&Value> =
                crds.iter().copied().filter(|c| crd_versions(c).iter().any(|(g, _)| used(g))).collect();
            if crds.is_empty() {
                continue;
            }
            let report = crd::load_into(&mut registry, source, &crd_text(&crds));
            problems.extend(report.problems.iter().map(|p| p.to_string()));
            for (group, version, kind) in &report.loaded {
                let schema = registry.lookup(&format!("{group}/{version}"), kind).unwrap().schema.arc().clone();
                ours.insert((i, (group.clone(), version.clone(), kind.clone())), schema);
            }
        }

        let second = worker();
        first.join().unwrap();
        second.join().unwrap();
        (registry, problems, ours)
    });
    let (stats, mut validators) = done.into_inner().unwrap();
    let translated = validators.len();
    let mut definitions = Vec::new();
    for (i, gvk, _) in raw {
        let key = (*i, gvk.clone());
        let (validator, with_junctors) = validators.remove(&key).unwrap();
        // A version without objects may be loaded beside one with (same CRD).
        match (ours.remove(&key), used(gvk)) {
            (Some(ours), true) => definitions.push(Definition {
                source: sources[*i].0.clone(),
                gvk: gvk.clone(),
                ours,
                validator,
                with_junctors,
            }),
            (None, true) => {
                panic!("{}: {}/{} {}: crd.rs did not load this served version", sources[*i].0, gvk.0, gvk.1, gvk.2)
            }
            (_, false) => {}
        }
    }
    if let Some(((i, gvk), _)) = ours.iter().next() {
        panic!("{}: crd.rs loaded {gvk:?}, which this test does not see served", sources[*i].0);
    }
    Loaded { registry, definitions, stats, translated, problems }
}

fn gvk_of(object: &Value) -> Option<Gvk> {
    let api_version = object.get("apiVersion")?.as_str()?;
    let kind = object.get("kind")?.as_str()?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    Some((group.to_string(), version.to_string(), kind.to_string()))
}

#[test]
fn hand_written() {
    let mut docs = Vec::new();
    for text in [WIDGET_CRD, GADGET_CRD, LEGACY_CRDS] {
        for d in parse_documents(text) {
            docs.push(d.expect("the hand-written CRDs are YAML"));
        }
    }
    let sources: Vec<(String, Vec<&Value>)> = vec![("hand-written".to_string(), docs.iter().collect())];
    let loaded = load(&sources, &|_| true);
    // One warning: Bare has no schema.
    assert_eq!(loaded.problems.len(), 1, "{:#?}", loaded.problems);
    assert!(loaded.problems[0].contains("warning: version v1 has no schema"), "{:#?}", loaded.problems);
    assert!(loaded.registry.lookup("example.org/v1alpha1", "Gadget").is_none(), "v1alpha1 is not served");
    // `metadata` of every CRD kind refers to ObjectMeta, which the core kinds define.
    assert!(loaded.registry.definitions.contains_key(OBJECT_META));

    let mut objects = Vec::new();
    for (name, body, expect) in cases() {
        let text = format!("apiVersion: example.org/v1\nkind: Widget\n{body}");
        objects.push((name.to_string(), text, expect));
    }
    for (i, (api_version, kind, body, expect)) in other_cases().into_iter().enumerate() {
        objects.push((
            format!("{kind} {api_version} #{i}"),
            format!("apiVersion: {api_version}\nkind: {kind}\n{body}"),
            expect,
        ));
    }

    let mut failures = Vec::new();
    let (mut valid, mut invalid, mut not_checked, mut junctors_reject) = (0, 0, 0, 0);
    for (name, text, expect) in &objects {
        let docs = parse_documents(text);
        let [Ok(object)] = docs.as_slice() else { panic!("{name}: not one YAML document: {docs:?}") };
        let gvk = gvk_of(object).unwrap();
        let def = loaded.definitions.iter().find(|d| d.gvk == gvk).unwrap_or_else(|| panic!("{name}: no definition"));
        let outcome = check(&loaded.registry, def, object);
        if outcome.valid() {
            valid += 1;
        } else {
            invalid += 1;
        }
        let ours_at = |path: &str| outcome.ours.iter().any(|v| segments(&v.path) == segments(path));
        let theirs_at = |path: &str| {
            let want = segments(path);
            outcome.theirs.iter().any(|(p, _)| want.starts_with(&pointer_segments(p)))
        };
        let problem = match *expect {
            Expect::Valid => (!(outcome.valid() && outcome.ours_metadata.is_empty()))
                .then(|| "expected valid on both paths".to_string()),
            Expect::NotChecked(why) => {
                not_checked += 1;
                junctors_reject += usize::from(outcome.junctors_reject);
                (!(outcome.valid() && outcome.ours_metadata.is_empty()))
                    .then(|| format!("expected valid on both paths (not checked by either: {why})"))
            }
            Expect::Invalid(path) => {
                (!(ours_at(path) && theirs_at(path))).then(|| format!("expected invalid at `{path}` on both paths"))
            }
            Expect::MetadataOnly(path) => {
                let at = outcome.ours_metadata.iter().any(|v| segments(&v.path) == segments(path));
                (!(outcome.valid() && at)).then(|| format!("expected valid, and ours to report `{path}` in metadata"))
            }
        };
        let disagree = !outcome.agree();
        if let Some(problem) = problem.or_else(|| disagree.then(|| "the two paths disagree".to_string())) {
            failures.push(format!("case `{name}`: {problem}\n{text}\n{}", render_outcome(&outcome)));
        }
    }
    loud!(
        "second path, hand-written: {} objects checked: {valid} valid, {invalid} invalid on at least one path ({not_checked} rejected by Kubernetes for rules neither path checks, {junctors_reject} of them caught by the junctor-keeping translation); translation: {:?}",
        objects.len(),
        loaded.stats
    );
    // The `oneOf` case: the informational translation that keeps junctors does see it.
    assert_eq!(junctors_reject, 1, "the junctor-keeping translation should reject the `oneOf` case");
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), objects.len(), failures.join("\n"));
}

// =======================================================================================
// The shared reference material

/// Parse some of the texts, on two threads (debug builds parse YAML slowly).
fn parse_many(texts: &[(Vec<String>, String)], which: &[usize]) -> Vec<(usize, Vec<Result<Value, String>>)> {
    let mut order = which.to_vec();
    order.sort_by_key(|&i| std::cmp::Reverse(texts[i].1.len()));
    // Largest first, dealt out in turn.
    type Share = Vec<(usize, usize)>;
    let (a, b): (Share, Share) = order.into_iter().enumerate().partition(|(n, _)| n % 2 == 0);
    std::thread::scope(|s| {
        let run = |part: Vec<(usize, usize)>| {
            s.spawn(move || part.into_iter().map(|(_, i)| (i, parse_documents(&texts[i].1))).collect::<Vec<_>>())
        };
        let (ha, hb) = (run(a), run(b));
        let mut out = ha.join().unwrap();
        out.extend(hb.join().unwrap());
        out
    })
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

#[test]
fn shared_reference() {
    let started = Instant::now();
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if !shared.is_dir() {
        loud!(
            "\n*** SKIPPED: {} does not exist: the shared CRDs and reference objects were NOT checked by the second path (the hand-written cases still run) ***\n",
            shared.display()
        );
        return;
    }
    let mut files = Vec::new();
    yaml_files(&shared.join("crds"), &mut files);
    let crd_files = files.len();
    yaml_files(&shared.join("reference"), &mut files);
    assert!(!files.is_empty());

    // Files with the same text (the reference holds two snapshots of one repository) are
    // read once; their names are kept together.
    let mut texts: Vec<(Vec<String>, String)> = Vec::new();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    let mut in_reference: Vec<bool> = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.strip_prefix(&shared).unwrap_or(path).display().to_string();
        match by_text.get(&text) {
            Some(&j) => {
                texts[j].0.push(name);
                in_reference[j] |= i >= crd_files;
            }
            None => {
                by_text.insert(text.clone(), texts.len());
                texts.push((vec![name], text));
                in_reference.push(i >= crd_files);
            }
        }
    }

    // Parse: first the texts with CRDs, then those of the reference that name one of
    // their kinds (a text in which no CRD kind appears as a word cannot hold a custom
    // resource; most are Helm values and built-in objects).
    let has_crd: Vec<usize> = (0..texts.len()).filter(|&i| texts[i].1.contains("CustomResourceDefinition")).collect();
    let mut parsed: Vec<Option<Vec<Result<Value, String>>>> = vec![None; texts.len()];
    for (i, docs) in parse_many(&texts, &has_crd) {
        parsed[i] = Some(docs);
    }
    let mut crd_kinds: HashSet<(String, String)> = HashSet::new();
    for docs in parsed.iter().flatten() {
        for doc in docs.iter().flatten() {
            for object in objects_of(doc).into_iter().filter(|o| is_crd(o)) {
                for ((group, _, kind), _) in crd_versions(object) {
                    crd_kinds.insert((group, kind));
                }
            }
        }
    }
    let mut words: Vec<String> = crd_kinds.iter().map(|(_, k)| regex::escape(k)).collect();
    words.sort();
    words.dedup();
    let names_a_kind = regex::Regex::new(&format!(r"\b(?:{})\b", words.join("|"))).unwrap();
    let rest: Vec<usize> = (0..texts.len())
        .filter(|&i| parsed[i].is_none() && in_reference[i] && names_a_kind.is_match(&texts[i].1))
        .collect();
    let not_parsed = texts.len() - has_crd.len() - rest.len();
    for (i, docs) in parse_many(&texts, &rest) {
        parsed[i] = Some(docs);
    }
    let parse_time = started.elapsed();

    // Custom-resource objects of the reference, and the CRDs of every file.
    let (mut documents, mut skipped) = (0, Vec::new());
    let mut crd_sources: Vec<(String, Vec<&Value>)> = Vec::new();
    // (where, object, in how many files).
    let mut objects: Vec<(String, &Value, usize)> = Vec::new();
    for (i, docs) in parsed.iter().enumerate() {
        let Some(docs) = docs else { continue };
        let name = texts[i].0.join(" = ");
        let mut crds = Vec::new();
        for (d, doc) in docs.iter().enumerate() {
            documents += 1;
            match doc {
                Err(e) => skipped.push(format!("{name} document {}: {e}", d + 1)),
                Ok(doc) => {
                    for object in objects_of(doc) {
                        if is_crd(object) {
                            crds.push(object);
                        } else if in_reference[i] && gvk_of(object).is_some() {
                            objects.push((format!("{name} document {}", d + 1), object, texts[i].0.len()));
                        }
                    }
                }
            }
        }
        if !crds.is_empty() {
            crd_sources.push((name, crds));
        }
    }
    let wanted: HashSet<Gvk> = objects.iter().filter_map(|(_, o, _)| gvk_of(o)).collect();
    let loaded = load(&crd_sources, &|gvk: &Gvk| wanted.contains(gvk));
    let load_time = started.elapsed() - parse_time;
    let errors: Vec<&String> = loaded.problems.iter().filter(|p| p.contains(": error:")).collect();
    assert!(errors.is_empty(), "crd.rs could not load some shared CRDs:\n{errors:#?}");
    let mut by_gvk: HashMap<&Gvk, Vec<&Definition>> = HashMap::new();
    for def in &loaded.definitions {
        by_gvk.entry(&def.gvk).or_default().push(def);
    }

    let (mut pairs, mut valid, mut invalid, mut rewritten, mut junctor_only) = (0, 0, 0, 0, Vec::new());
    let (mut checked_objects, mut occurrences, mut unserved) = (0, 0, Vec::new());
    let mut disagreements = Vec::new();
    let mut metadata_findings = Vec::new();
    let mut invalid_list = Vec::new();
    // The known defects of the reference: Argo CD Applications with `project` under
    // `spec.destination`, and Applications without `spec.project`.
    let (mut misplaced_project, mut missing_project, mut missed) = (Vec::new(), Vec::new(), Vec::new());
    for (at, object, copies) in &objects {
        let gvk = gvk_of(object).unwrap();
        let Some(defs) = by_gvk.get(&gvk) else {
            if crd_kinds.contains(&(gvk.0.clone(), gvk.2.clone())) {
                unserved.push(format!("{at}: {}/{} {}", gvk.0, gvk.1, gvk.2));
            }
            continue;
        };
        checked_objects += 1;
        occurrences += copies;
        let misplaced =
            gvk.0 == "argoproj.io" && gvk.2 == "Application" && object.pointer("/spec/destination/project").is_some();
        let missing = gvk.0 == "argoproj.io" && gvk.2 == "Application" && object.pointer("/spec/project").is_none();
        let who = format!(
            "{at}: {}/{} {} {}/{}",
            gvk.0,
            gvk.1,
            gvk.2,
            object.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("-"),
            object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("-"),
        );
        for def in defs {
            pairs += 1;
            let outcome = check(&loaded.registry, def, object);
            rewritten += usize::from(outcome.rewritten);
            if outcome.junctors_reject {
                junctor_only.push(format!("{who} (CRD from {})", def.source));
            }
            if !outcome.ours_metadata.is_empty() {
                metadata_findings.push(format!(
                    "{who}: {}",
                    outcome.ours_metadata.iter().map(Violation::message).collect::<Vec<_>>().join("; ")
                ));
            }
            // Both paths must flag the known defects.
            if misplaced || missing {
                if outcome.ours.is_empty() || outcome.theirs.is_empty() {
                    missed.push(format!("{who}\n  CRD from {}\n{}", def.source, render_outcome(&outcome)));
                } else if misplaced {
                    misplaced_project.push(who.clone());
                } else {
                    missing_project.push(who.clone());
                }
            }
            if !outcome.agree() {
                disagreements.push(format!("{who}\n  CRD from {}\n{}", def.source, render_outcome(&outcome)));
                continue;
            }
            if outcome.valid() {
                valid += 1;
            } else {
                invalid += 1;
                invalid_list.push(format!(
                    "{who}: {}",
                    outcome.ours.iter().map(Violation::message).collect::<Vec<_>>().join("; ")
                ));
            }
        }
    }

    let stats = &loaded.stats;
    loud!(
        "\nsecond path, shared reference ({} s parse, {} s load):",
        parse_time.as_secs_f32(),
        load_time.as_secs_f32()
    );
    loud!(
        "  {} YAML files ({} distinct texts; {not_parsed} naming no CRD kind not parsed), {documents} documents, {} skipped (not YAML or duplicate keys)",
        files.len(),
        texts.len(),
        skipped.len()
    );
    for s in &skipped {
        eprintln!("    skipped: {s}");
    }
    loud!(
        "  {} CRD versions translated ({} nodes: {} closed objects, {} int-or-string, {} nullable, {} exclusive bounds, {} embedded resources, {} sets, {} map lists, {} defaulted fields not required, {} int32, {} formats kept; removed: formats {:?}, {} junctors, {:?})",
        loaded.translated,
        stats.nodes,
        stats.closed_objects,
        stats.int_or_string,
        stats.nullable,
        stats.exclusive_bounds,
        stats.embedded,
        stats.sets,
        stats.map_lists,
        stats.defaults_not_required,
        stats.int32,
        stats.formats_kept,
        stats.formats_removed,
        stats.junctors_removed,
        stats.not_checked_removed,
    );
    loud!(
        "  {checked_objects} custom-resource objects ({occurrences} occurrences in files) checked against {pairs} (CRD, object) pairs: {valid} valid, {invalid} invalid, {} disagreements; {rewritten} rewritten by cedc's value model (nulls, fractions); known defects flagged by both: {} `project` under `spec.destination`, {} without `spec.project`",
        disagreements.len(),
        misplaced_project.len(),
        missing_project.len()
    );
    for s in &invalid_list {
        eprintln!("    invalid: {s}");
    }
    for s in &unserved {
        eprintln!("    kind known, version not served by any loaded CRD: {s}");
    }
    for s in &metadata_findings {
        eprintln!("    metadata (ObjectMeta, cedc only): {s}");
    }
    for s in &junctor_only {
        eprintln!("    rejected only by anyOf/oneOf/not (checked by neither path): {s}");
    }
    loud!("  total {} s", started.elapsed().as_secs_f32());

    assert!(
        disagreements.is_empty(),
        "{} disagreements between cedc's validator and the jsonschema path:\n\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(missed.is_empty(), "known defects not flagged by both paths:\n\n{}", missed.join("\n"));
    assert!(invalid > 0, "the shared reference has known defects, and none was found");
    assert!(!misplaced_project.is_empty(), "no Application with `project` under `spec.destination` was flagged");
    assert!(!missing_project.is_empty(), "no Application without `spec.project` was flagged");
}
