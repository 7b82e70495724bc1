//! Validation of evaluated objects against their kind's [`Schema`].
//!
//! [`validate`] walks an evaluated [`Value`] beside its schema and reports every
//! [`Violation`], in document order of the value (a record before its fields, fields in
//! the order they were written, list items by index). Each violation carries the schema
//! path of the offending value (`spec.template.spec.containers[0].ports[1].containerPort`),
//! the span of the `.ced` expression that produced it (its [`Origin`](cedc_model::Origin)) and, for an
//! overridden value, the span of the base value the override replaced.
//!
//! What is checked, following what the Kubernetes API server accepts:
//!
//! - **types**: an integer for `integer` and `number`, a string for `string` (an
//!   environment value is written as its name, a string), a boolean, a list for `array`,
//!   a record for `object`, an integer or a string for `x-kubernetes-int-or-string`;
//!   anything for a schema without a type (and for a `$ref` that names no known
//!   definition). [`Ty::Ref`]s are followed through [`Registry::resolve`].
//! - **`none`**: a record field holding `none` is left out of the output, so it is
//!   treated as absent (an error only when the field is required). A `none` list item is
//!   written as `null` and must be `nullable`.
//! - **objects**: every declared property; undeclared properties according to
//!   [`Additional`] (every unknown field is reported, with a "did you mean" suggestion
//!   from the schema's property names, or the enclosing object that declares a field of
//!   that name); `required` fields (a field with a `default` is filled in by the API
//!   server and so never missing); `minProperties`/`maxProperties`;
//!   `x-kubernetes-embedded-resource` objects need `apiVersion` and `kind` (as the API
//!   server: `metadata` may be left out) and accept them undeclared.
//! - **strings**: `enum`, `pattern` (compiled once per validator with the `regex` crate,
//!   whose syntax is that of RE2 as used by the API server; a pattern that does not
//!   compile is a fault of the schema, not of the user, and is skipped),
//!   `minLength`/`maxLength` (in characters), and `format`:
//!   - `date-time`: RFC 3339 (`2024-05-01T12:00:00Z`), also with a lowercase `t` or a
//!     space, without seconds or without a zone, as the API server's parser accepts;
//!     the empty string is accepted;
//!   - `date`: `YYYY-MM-DD`, a real calendar day;
//!   - `byte`: standard base64 with padding (the empty string is valid);
//!   - `uuid`, `uuid3`, `uuid4`, `uuid5`: 32 hex digits, either plain or grouped
//!     8-4-4-4-12 (the version digit is not checked);
//!   - `ipv4`, `ipv6`, `cidr`: addresses and `address/prefix` ranges;
//!   - `quantity`: a Kubernetes resource quantity (`500m`, `1.5Gi`, `1e3`); an integer
//!     is accepted too;
//!   - `int-or-string`: an integer is accepted in place of the string.
//!
//!   Other formats (`hostname`, `email`, `uri`, `mac`, `duration`, `password`, ...) are
//!   not checked.
//! - **integers**: `enum`, `minimum`/`maximum` (and their exclusive forms), and the
//!   `int32` format's range.
//! - **lists**: `items`, `minItems`/`maxItems`, `x-kubernetes-list-type: set` (no two
//!   equal items) and `map` (no two items with the same values of the
//!   `x-kubernetes-list-map-keys`; a key left out takes its schema `default`, and an item
//!   missing a key with no default is not compared).
//!
//! The walk keeps its own stack of steps rather than recursing, so no value is too deep
//! for the call stack; values nested deeper than [`MAX_DEPTH`] are not looked into
//! (nothing is reported below that depth).
//! CEL rules (`x-kubernetes-validations`) are not evaluated here.

use crate::{Additional, Array, ListType, NumberRules, Object, Registry, Schema, StringRules, Ty};
use cedc_diagnostics::{Span, did_you_mean};
use cedc_model::{Fields, Value, ValueKind};
use regex::Regex;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Values nested deeper than this (records and lists inside each other) are not
/// validated below it.
pub const MAX_DEPTH: usize = 256;

/// Compiled patterns kept by one [`Validator`] at most; past it the cache starts over.
const PATTERN_CACHE_LIMIT: usize = 4096;
/// The compiled size a pattern may take (a schema's pattern larger than this is skipped).
const PATTERN_SIZE_LIMIT: usize = 1 << 21;

/// One way an object does not satisfy its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Schema path of the offending value:
    /// `spec.template.spec.containers[0].ports[1].containerPort`; keys that are not plain
    /// names are quoted: `metadata.labels["app.kubernetes.io/name"]`. Empty for the
    /// object itself.
    pub path: String,
    /// Where the value came from (its origin span); for a missing field, the span of
    /// the record that lacks it.
    pub span: Span,
    /// For an overridden value, the base value's span ([`cedc_model::Origin::overrides`]),
    /// so a diagnostic can show both.
    pub base: Option<Span>,
    pub kind: ViolationKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// A field the object's schema does not declare (and does not accept as a map key).
    UnknownField {
        field: String,
        /// A declared field of a close name (edit distance), if any.
        suggestion: Option<String>,
        /// Where a field of this name belongs instead: the path of an enclosing object
        /// that declares it (`spec` for `project` written under `spec.destination`), or
        /// of the `annotations` map beside it for a key like `argocd.argoproj.io/sync-wave`.
        elsewhere: Option<String>,
        /// The fields the object declares, in schema order.
        known: Vec<String>,
    },
    /// A required field is absent (or `none`).
    MissingField { field: String },
    WrongType {
        /// `an integer`, `a number`, `a string`, `a boolean`, `a list`, `an object`,
        /// `an integer or a string`.
        expected: String,
        /// The same words for the value found, or `none`.
        found: String,
        /// The value found if it is a scalar, written as in `.ced` (`"3"`, `3`, `true`).
        value: Option<String>,
    },
    /// A value outside the schema's `enum`.
    NotInEnum { value: String, allowed: Vec<String>, suggestion: Option<String> },
    /// A string that does not match the schema's `pattern`.
    Pattern { value: String, pattern: String },
    /// A value that does not have the schema's `format`; `why` says what is wrong.
    Format { value: String, format: String, why: String },
    /// A bound is not met: `minimum`/`maximum`, `minLength`/`maxLength`,
    /// `minItems`/`maxItems`, `minProperties`/`maxProperties`. Both are phrases:
    /// `bound` = `be at least 1`, `be at most 63 characters long`, `have at least 1 item`;
    /// `value` = `` `-1` ``, `70 characters`, `0 items`.
    Range { value: String, bound: String },
    /// A list item equal to an earlier one in a `set` list, or with the same key values
    /// in a `map` list.
    Duplicate {
        /// The repeated item (`set`) or its key values (`map`: `port: 80, protocol: "TCP"`).
        what: String,
        /// The `map` list's keys; empty for a `set`.
        keys: Vec<String>,
        /// Path and span of the earlier item it repeats.
        first: String,
        first_span: Span,
    },
}

impl Violation {
    /// The diagnostic code: E0100 unknown field, E0101 wrong type, E0102 missing
    /// required field, E0103 value not in enum, E0104 a constraint not satisfied
    /// (pattern, format, range, duplicate).
    pub fn code(&self) -> &'static str {
        match self.kind {
            ViolationKind::UnknownField { .. } => "E0100",
            ViolationKind::WrongType { .. } => "E0101",
            ViolationKind::MissingField { .. } => "E0102",
            ViolationKind::NotInEnum { .. } => "E0103",
            ViolationKind::Pattern { .. }
            | ViolationKind::Format { .. }
            | ViolationKind::Range { .. }
            | ViolationKind::Duplicate { .. } => "E0104",
        }
    }

    /// The one-line message: "unknown field `replica` in `spec`", "`spec.project` is
    /// required", "`spec.replicas` must be an integer, found a string".
    pub fn message(&self) -> String {
        let at = describe(&self.path);
        match &self.kind {
            ViolationKind::UnknownField { field, .. } => {
                let parent = parent_path(&self.path, field);
                if parent.is_empty() {
                    format!("unknown field `{field}` at the top level of the object")
                } else {
                    format!("unknown field `{field}` in `{parent}`")
                }
            }
            ViolationKind::MissingField { .. } => format!("{at} is required"),
            ViolationKind::WrongType { expected, found, .. } => format!("{at} must be {expected}, found {found}"),
            ViolationKind::NotInEnum { value, allowed, .. } => {
                format!("{at} must be one of: {}; found {}", allowed.join(", "), shown(value))
            }
            ViolationKind::Pattern { value, pattern } => {
                format!("{at} must match the pattern `{pattern}`; found {}", shown(value))
            }
            ViolationKind::Format { value, format, why } => {
                format!("{at} must have the format `{format}`: {why}; found {}", shown(value))
            }
            ViolationKind::Range { value, bound } => format!("{at} must {bound}; found {value}"),
            ViolationKind::Duplicate { what, keys, first, .. } => {
                if keys.is_empty() {
                    format!("{at} repeats {} ({})", describe(first), clip(what))
                } else {
                    format!("{at} has the same {} as {} ({})", and_list(keys), describe(first), clip(what))
                }
            }
        }
    }

    /// What to do about it, when there is something specific to say.
    pub fn help(&self) -> Option<String> {
        match &self.kind {
            ViolationKind::UnknownField { field, suggestion, elsewhere, known } => {
                let parent = parent_path(&self.path, field);
                if let Some(s) = suggestion {
                    return Some(match elsewhere {
                        Some(e) if is_prefix_path(e, parent) => {
                            format!("did you mean `{s}`? (or move `{field}` to {}, which declares it)", describe(e))
                        }
                        _ => format!("did you mean `{s}`?"),
                    });
                }
                if let Some(e) = elsewhere {
                    if !e.is_empty() && !is_prefix_path(e, parent) {
                        if field.contains('/') && e.ends_with("annotations") {
                            return Some(format!("`{field}` looks like an annotation: put it inside `{e}`"));
                        }
                        return Some(format!("`{field}` is a field of `{e}`: move it inside `{e}`"));
                    }
                    return Some(if e.is_empty() {
                        format!("`{field}` is a top-level field of the object; move it there")
                    } else {
                        format!("`{field}` is a field of `{e}`, not of `{parent}`; move it there")
                    });
                }
                if known.is_empty() {
                    return Some("this object declares no fields".to_string());
                }
                const SHOWN: usize = 12;
                let mut list = known.iter().take(SHOWN).map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                if known.len() > SHOWN {
                    let _ = write!(list, " and {} more", known.len() - SHOWN);
                }
                Some(format!("the known fields are {list}"))
            }
            ViolationKind::MissingField { field } => {
                let parent = parent_path(&self.path, field);
                Some(if parent.is_empty() {
                    format!("add `{field}: ...`")
                } else {
                    format!("add `{field}: ...` to `{parent}`")
                })
            }
            ViolationKind::WrongType { expected, value, .. } => {
                let value = value.as_deref()?;
                let unquoted = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                if expected.starts_with("an integer") || expected == "a number" {
                    let digits = unquoted.filter(|v| v.parse::<i64>().is_ok())?;
                    Some(format!("write the number without quotes: `{digits}`"))
                } else if expected == "a string" && unquoted.is_none() && value != "none" {
                    Some(format!("write it as a string: `\"{value}\"`"))
                } else {
                    None
                }
            }
            ViolationKind::NotInEnum { suggestion, .. } => suggestion.as_ref().map(|s| format!("did you mean `{s}`?")),
            ViolationKind::Pattern { .. } | ViolationKind::Range { .. } => None,
            ViolationKind::Format { format, .. } => format_help(format).map(str::to_string),
            ViolationKind::Duplicate { keys, .. } => Some(if keys.is_empty() {
                "the items of this list must be unique: remove one of the two".to_string()
            } else {
                format!(
                    "items of this list are identified by {}: each combination may appear once; merge the two items or change one",
                    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                )
            }),
        }
    }
}

/// Validate `value` (an object as evaluated) against `schema`, following references
/// through `registry`. Every violation is reported, in document order of the value.
pub fn validate(registry: &Registry, schema: &Schema, value: &Value) -> Vec<Violation> {
    Validator::new(registry).validate(schema, value)
}

/// A validator keeps the patterns it has compiled: use one for all the objects of a
/// build.
#[derive(Debug)]
pub struct Validator<'r> {
    registry: &'r Registry,
    /// Compiled patterns; `None` for a pattern that does not compile.
    patterns: HashMap<String, Option<Regex>>,
    /// The shared parts found valid so far ([`Valid`]).
    valid: Valid,
    /// What each reference met names ([`Resolved`]).
    resolved: Resolved<'r>,
}

/// The schema each reference (`Ty::Ref`) met resolves to, by the reference's address:
/// resolving searches the definitions by name, and the same few references (a
/// `PodSpec`, an `ObjectMeta`) are met in every object. The schemas live as long as the
/// validator, unchanged, as for [`Valid`].
type Resolved<'r> = HashMap<usize, &'r Schema, foldhash::fast::FixedState>;

/// The record and list values found without a violation against a schema at a depth,
/// by the addresses of the three: evaluation shares equal parts (a container's
/// `securityContext`, a route's parent reference), and such a part met again under the
/// same schema is not walked again. Whether a part has a violation depends on nothing
/// else (its path and the objects enclosing it change only a report's words). The
/// schemas and values a validator is given live as long as it does, unchanged (the
/// checks only read them), so no address is reused for another part meanwhile.
type Valid = std::collections::HashSet<(usize, usize, usize), foldhash::fast::FixedState>;

/// The address of a shared value (a record or a list), for [`Valid`].
fn shared_addr(value: &Value) -> Option<usize> {
    match &value.kind {
        ValueKind::Record(fields) => Some(fields.addr()),
        ValueKind::List(items) => Some(std::sync::Arc::as_ptr(items) as *const u8 as usize),
        _ => None,
    }
}

impl<'r> Validator<'r> {
    pub fn new(registry: &'r Registry) -> Validator<'r> {
        Validator { registry, patterns: HashMap::new(), valid: Valid::default(), resolved: Resolved::default() }
    }

    /// See [`validate`]. The schema and the value live as long as the validator (the
    /// registry's schemas, the platform's values): [`Valid`] knows parts by address.
    pub fn validate(&mut self, schema: &'r Schema, value: &'r Value) -> Vec<Violation> {
        let mut walk = Walk {
            registry: self.registry,
            patterns: &mut self.patterns,
            valid: &mut self.valid,
            resolved: &mut self.resolved,
            out: Vec::new(),
            segs: Vec::new(),
            enclosing: Vec::new(),
        };
        walk.run(schema, value);
        walk.out
    }
}

/// One step of the walk. The walk keeps its own stack of steps (no recursion), so the
/// depth of a value costs heap, not call stack.
enum Step<'s, 'v> {
    Visit(Visit<'s, 'v>),
    /// A value's subtree is done: restore the path to its first `path_len` segments,
    /// and leave the object it was (if it was one).
    Leave {
        path_len: usize,
        object: bool,
        /// The part's [`Valid`] key and how many violations there were before it: none
        /// added below it, and it is valid.
        part: Option<((usize, usize, usize), usize)>,
    },
}

struct Visit<'s, 'v> {
    check: Check<'s>,
    value: &'v Value,
    /// What the value adds to its parent's path.
    seg: Seg<'v>,
    depth: usize,
    /// A duplicate list item, reported before the item's own violations (boxed: the
    /// walk's stack moves every step, and almost none has one).
    duplicate: Option<Box<ViolationKind>>,
}

/// What to check a value against.
enum Check<'s> {
    Schema(&'s Schema),
    /// A field its object does not declare.
    Unknown(&'s Object),
    /// `apiVersion`, `kind` or `metadata` of an embedded resource that does not declare
    /// them.
    Embedded,
    /// Nothing (a list item with no item schema, visited for its duplicate).
    Nothing,
}

#[derive(Clone, Copy)]
enum Seg<'v> {
    Root,
    Key(&'v str),
    Index(usize),
}

struct Walk<'s, 'c, 'v> {
    registry: &'s Registry,
    patterns: &'c mut HashMap<String, Option<Regex>>,
    valid: &'c mut Valid,
    resolved: &'c mut Resolved<'s>,
    out: Vec<Violation>,
    /// The path of the value being visited, as its segments: written out
    /// ([`Walk::path`]) only for a violation, which few values have.
    segs: Vec<Seg<'v>>,
    /// The objects enclosing the value being visited, innermost last, each with the
    /// number of segments of its path (for "this field belongs in an enclosing object").
    enclosing: Vec<(&'s Object, usize)>,
}

impl<'s, 'v> Walk<'s, '_, 'v> {
    /// The path of the value being visited (`spec.template.spec.containers[0]`).
    fn path(&self) -> String {
        self.path_to(self.segs.len())
    }

    /// The path of the first `n` segments of the one being visited.
    fn path_to(&self, n: usize) -> String {
        let mut path = String::new();
        for seg in &self.segs[..n.min(self.segs.len())] {
            match seg {
                Seg::Root => {}
                Seg::Key(key) => push_key(&mut path, key),
                Seg::Index(i) => {
                    let _ = write!(path, "[{i}]");
                }
            }
        }
        path
    }

    /// Visit every value in document order: a value is checked, then its children
    /// (pushed on the stack in reverse, so the first is visited next), then left.
    fn run(&mut self, schema: &'s Schema, value: &'v Value) {
        let root = Visit { check: Check::Schema(schema), value, seg: Seg::Root, depth: 0, duplicate: None };
        let mut stack = vec![Step::Visit(root)];
        while let Some(step) = stack.pop() {
            let visit = match step {
                Step::Leave { path_len, object, part } => {
                    self.segs.truncate(path_len);
                    if object {
                        self.enclosing.pop();
                    }
                    if let Some((key, before)) = part
                        && self.out.len() == before
                    {
                        self.valid.insert(key);
                    }
                    continue;
                }
                Step::Visit(visit) => visit,
            };
            let path_len = self.segs.len();
            if !matches!(visit.seg, Seg::Root) {
                self.segs.push(visit.seg);
            }
            if let Some(kind) = visit.duplicate {
                let kind = *kind;
                self.report(visit.value, kind);
            }
            let mut part = None;
            if let Check::Schema(schema) = visit.check
                && let Some(addr) = shared_addr(visit.value)
            {
                let key = (std::ptr::from_ref(schema) as usize, addr, visit.depth);
                if self.valid.contains(&key) {
                    self.segs.truncate(path_len);
                    continue;
                }
                part = Some((key, self.out.len()));
            }
            // The step leaving the value, then its children straight on the stack (put
            // in reverse once pushed, so the first is visited next).
            let leave = stack.len();
            stack.push(Step::Leave { path_len, object: false, part });
            let object = match visit.check {
                Check::Schema(schema) => self.node(schema, visit.value, visit.depth, &mut stack),
                Check::Unknown(obj) => {
                    if let Seg::Key(key) = visit.seg {
                        self.unknown_field(obj, key, visit.value);
                    }
                    false
                }
                Check::Embedded => {
                    if let Seg::Key(key) = visit.seg {
                        self.embedded_field(key, visit.value);
                    }
                    false
                }
                Check::Nothing => false,
            };
            if let Some(Step::Leave { object: entered, .. }) = stack.get_mut(leave) {
                *entered = object;
            }
            if let Some(children) = stack.get_mut(leave + 1..) {
                children.reverse();
            }
        }
    }

    fn report(&mut self, value: &Value, kind: ViolationKind) {
        self.report_at(self.path(), value, kind);
    }

    fn report_at(&mut self, path: String, value: &Value, kind: ViolationKind) {
        self.out.push(Violation { path, span: value.origin.span, base: value.origin.overrides(), kind });
    }

    fn wrong_type(&mut self, expected: &str, value: &Value) {
        let kind = ViolationKind::WrongType {
            expected: expected.to_string(),
            found: found(value).to_string(),
            value: scalar(value),
        };
        self.report(value, kind);
    }

    /// The schema `schema` names when it is a reference ([`Resolved`]), else itself.
    fn resolve(&mut self, schema: &'s Schema) -> &'s Schema {
        if !matches!(schema.ty, Ty::Ref(_)) {
            return schema;
        }
        let registry = self.registry;
        self.resolved.entry(std::ptr::from_ref(schema) as usize).or_insert_with(|| registry.resolve(schema))
    }

    /// Check one value against its schema; its children to visit are pushed on
    /// `children`, in order.
    /// Returns whether the value was entered as an object (pushed on `enclosing`).
    fn node(&mut self, schema: &'s Schema, value: &'v Value, depth: usize, children: &mut Vec<Step<'s, 'v>>) -> bool {
        let nullable = schema.nullable;
        let schema = self.resolve(schema);
        if matches!(schema.ty, Ty::Any | Ty::Ref(_)) {
            return false;
        }
        if matches!(value.kind, ValueKind::None) {
            if !(nullable || schema.nullable) {
                self.wrong_type(expected(&schema.ty), value);
            }
            return false;
        }
        match (&schema.ty, &value.kind) {
            (Ty::Object(o), ValueKind::Record(fields)) => {
                self.object(o, value, fields, depth, children);
                return true;
            }
            (Ty::Array(a), ValueKind::List(items)) => self.array(a, value, items, depth, children),
            (Ty::String(rules), ValueKind::Str(s) | ValueKind::Env(s)) => self.string(rules, value, s),
            (Ty::String(rules), ValueKind::Named(n)) => self.string(rules, value, &n.text),
            (Ty::String(rules), ValueKind::Int(_)) if string_takes_int(rules) => {}
            (Ty::Integer(rules) | Ty::Number(rules), ValueKind::Int(i)) => self.integer(rules, value, *i),
            (Ty::Boolean, ValueKind::Bool(_)) => {}
            (Ty::IntOrString(rules), ValueKind::Int(i)) => self.integer(&rules.integer, value, *i),
            (Ty::IntOrString(rules), ValueKind::Str(s) | ValueKind::Env(s)) => self.string(&rules.string, value, s),
            (Ty::IntOrString(rules), ValueKind::Named(n)) => self.string(&rules.string, value, &n.text),
            (Ty::Any | Ty::Ref(_), _) => {}
            (ty, _) => {
                let expected = match ty {
                    Ty::String(rules) if string_takes_int(rules) => "an integer or a string",
                    ty => expected(ty),
                };
                self.wrong_type(expected, value);
            }
        }
        false
    }

    fn object(
        &mut self,
        obj: &'s Object,
        value: &'v Value,
        fields: &'v Fields,
        depth: usize,
        children: &mut Vec<Step<'s, 'v>>,
    ) {
        let present = |k: &str| fields.get(k).is_some_and(|v| !matches!(v.kind, ValueKind::None));
        for field in &obj.required {
            if !present(field) && !self.has_default(obj, field) {
                let path = join(&self.path(), field);
                self.report_at(path, value, ViolationKind::MissingField { field: field.clone() });
            }
        }
        if obj.embedded_resource {
            for field in ["apiVersion", "kind"] {
                if !present(field) && !obj.required.iter().any(|r| r == field) {
                    let path = join(&self.path(), field);
                    self.report_at(path, value, ViolationKind::MissingField { field: field.to_string() });
                }
            }
        }
        // Counted only for a bound (few schemas have one): a pass over every field.
        let count = || fields.values().filter(|v| !matches!(v.kind, ValueKind::None)).count() as u64;
        let count = if obj.min_properties.is_some() || obj.max_properties.is_some() { count() } else { 0 };
        if let Some(min) = obj.min_properties.filter(|m| count < *m) {
            let kind = ViolationKind::Range {
                value: counted(count, "field"),
                bound: format!("have at least {}", counted(min, "field")),
            };
            self.report(value, kind);
        }
        if let Some(max) = obj.max_properties.filter(|m| count > *m) {
            let kind = ViolationKind::Range {
                value: counted(count, "field"),
                bound: format!("have at most {}", counted(max, "field")),
            };
            self.report(value, kind);
        }

        self.enclosing.push((obj, self.segs.len()));
        if depth >= MAX_DEPTH {
            return;
        }
        for (key, field) in fields {
            if matches!(field.kind, ValueKind::None) {
                continue;
            }
            let check = if let Some(prop) = obj.properties.get(&**key) {
                Check::Schema(prop)
            } else if obj.embedded_resource && EMBEDDED_FIELDS.contains(&&**key) {
                Check::Embedded
            } else {
                match &obj.additional {
                    Additional::Any => continue,
                    Additional::Schema(s) => Check::Schema(s),
                    Additional::Forbidden => Check::Unknown(obj),
                }
            };
            children.push(Step::Visit(Visit {
                check,
                value: field,
                seg: Seg::Key(key),
                depth: depth + 1,
                duplicate: None,
            }));
        }
    }

    fn has_default(&self, obj: &Object, field: &str) -> bool {
        obj.properties.get(field).is_some_and(|p| p.default.is_some() || self.registry.resolve(p).default.is_some())
    }

    /// `apiVersion`, `kind` and `metadata` of an embedded resource whose schema does not
    /// declare them.
    fn embedded_field(&mut self, key: &str, field: &Value) {
        match (key, &field.kind) {
            ("metadata", ValueKind::Record(_)) => {}
            ("metadata", _) => self.wrong_type("an object", field),
            (_, ValueKind::Str(_) | ValueKind::Env(_) | ValueKind::Named(_)) => {}
            _ => self.wrong_type("a string", field),
        }
    }

    fn unknown_field(&mut self, obj: &Object, key: &str, field: &Value) {
        let mut known: Vec<String> = obj.properties.keys().cloned().collect();
        if obj.embedded_resource {
            for f in EMBEDDED_FIELDS {
                if !obj.properties.contains_key(f) {
                    known.push(f.to_string());
                }
            }
        }
        let suggestion = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(key))
            .cloned()
            .or_else(|| did_you_mean(key, known.iter().map(String::as_str)));
        let parent_len = self.enclosing.last().map_or(0, |(_, len)| *len);
        let elsewhere = if key.contains('/') && obj.properties.contains_key("annotations") {
            Some(join(&self.path_to(parent_len), "annotations"))
        } else {
            // The nearest enclosing object (not this one) that declares the field.
            let n = self.enclosing.len().saturating_sub(1);
            let above = self.enclosing[..n]
                .iter()
                .rev()
                .find(|(o, _)| o.properties.contains_key(key))
                .map(|(_, len)| self.path_to(*len));
            // Else the one field of this object whose own object declares it (`replicas`
            // written beside `spec` instead of in it).
            above.or_else(|| {
                // `status` is written by controllers, never by the platform.
                let mut below = obj.properties.iter().filter(|(name, p)| match &self.registry.resolve(p).ty {
                    Ty::Object(o) => *name != "status" && o.properties.contains_key(key),
                    _ => false,
                });
                match (below.next(), below.next()) {
                    (Some((name, _)), None) => Some(join(&self.path_to(parent_len), name)),
                    _ => None,
                }
            })
        };
        self.report(field, ViolationKind::UnknownField { field: key.to_string(), suggestion, elsewhere, known });
    }

    fn array(
        &mut self,
        arr: &'s Array,
        value: &'v Value,
        items: &'v [Value],
        depth: usize,
        children: &mut Vec<Step<'s, 'v>>,
    ) {
        let count = items.len() as u64;
        if let Some(min) = arr.min_items.filter(|m| count < *m) {
            let kind = ViolationKind::Range {
                value: counted(count, "item"),
                bound: format!("have at least {}", counted(min, "item")),
            };
            self.report(value, kind);
        }
        if let Some(max) = arr.max_items.filter(|m| count > *m) {
            let kind = ViolationKind::Range {
                value: counted(count, "item"),
                bound: format!("have at most {}", counted(max, "item")),
            };
            self.report(value, kind);
        }
        if depth >= MAX_DEPTH {
            return;
        }
        // Identity of each item for `set` and `map` lists: the canonical rendering of the
        // item or of its keys; `None` for an item that is not compared.
        let identities: Vec<Option<String>> = match arr.list_type {
            ListType::Atomic => Vec::new(),
            ListType::Set => items.iter().map(|item| Some(render(item))).collect(),
            ListType::Map if arr.map_keys.is_empty() => Vec::new(),
            ListType::Map => {
                let defaults = self.key_defaults(arr);
                items.iter().map(|item| map_identity(item, &arr.map_keys, &defaults)).collect()
            }
        };
        let mut seen: HashMap<&str, usize, foldhash::fast::FixedState> = HashMap::default();
        for (i, item) in items.iter().enumerate() {
            let mut duplicate = None;
            if let Some(Some(id)) = identities.get(i) {
                match seen.get(id.as_str()) {
                    Some(&first) => {
                        let first_path = format!("{}[{first}]", self.path());
                        let keys = if arr.list_type == ListType::Map { arr.map_keys.clone() } else { Vec::new() };
                        let first_span = items.get(first).map_or(item.origin.span, |f| f.origin.span);
                        duplicate = Some(Box::new(ViolationKind::Duplicate {
                            what: id.clone(),
                            keys,
                            first: first_path,
                            first_span,
                        }));
                    }
                    None => {
                        seen.insert(id, i);
                    }
                }
            }
            let check = match &arr.items {
                Some(schema) => Check::Schema(schema),
                None if duplicate.is_some() => Check::Nothing,
                None => continue,
            };
            children.push(Step::Visit(Visit { check, value: item, seg: Seg::Index(i), depth: depth + 1, duplicate }));
        }
    }

    /// The defaults of a `map` list's keys, from the item schema: a key left out of an
    /// item takes its default.
    fn key_defaults(&self, arr: &Array) -> Vec<Option<String>> {
        let props = arr.items.as_deref().map(|s| self.registry.resolve(s)).and_then(|s| match &s.ty {
            Ty::Object(o) => Some(&o.properties),
            _ => None,
        });
        arr.map_keys
            .iter()
            .map(|k| {
                let prop = props?.get(k)?;
                let default = prop.default.as_ref().or(self.registry.resolve(prop).default.as_ref())?;
                Some(render(&Value::from_json(default, Span::default())))
            })
            .collect()
    }

    fn string(&mut self, rules: &StringRules, value: &Value, s: &str) {
        if let Some(allowed) = &rules.enum_values
            && !allowed.iter().any(|a| a == s)
        {
            let suggestion = allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(s))
                .cloned()
                .or_else(|| did_you_mean(s, allowed.iter().map(String::as_str)));
            let kind = ViolationKind::NotInEnum { value: s.to_string(), allowed: allowed.clone(), suggestion };
            self.report(value, kind);
        }
        if let Some(pattern) = &rules.pattern
            && let Some(re) = self.pattern(pattern)
            && !re.is_match(s)
        {
            let kind = ViolationKind::Pattern { value: s.to_string(), pattern: pattern.clone() };
            self.report(value, kind);
        }
        let chars = s.chars().count() as u64;
        if let Some(min) = rules.min_length.filter(|m| chars < *m) {
            let kind = ViolationKind::Range {
                value: counted(chars, "character"),
                bound: format!("be at least {} long", counted(min, "character")),
            };
            self.report(value, kind);
        }
        if let Some(max) = rules.max_length.filter(|m| chars > *m) {
            let kind = ViolationKind::Range {
                value: counted(chars, "character"),
                bound: format!("be at most {} long", counted(max, "character")),
            };
            self.report(value, kind);
        }
        if let Some(format) = &rules.format
            && let Err(why) = check_string_format(format, s)
        {
            let kind = ViolationKind::Format { value: s.to_string(), format: format.clone(), why };
            self.report(value, kind);
        }
    }

    /// The compiled pattern, or `None` if it does not compile.
    fn pattern(&mut self, pattern: &str) -> Option<Regex> {
        if let Some(re) = self.patterns.get(pattern) {
            return re.clone();
        }
        if self.patterns.len() >= PATTERN_CACHE_LIMIT {
            self.patterns.clear();
        }
        let re = regex::RegexBuilder::new(&ascii_classes(pattern))
            .size_limit(PATTERN_SIZE_LIMIT)
            .dfa_size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .ok();
        self.patterns.insert(pattern.to_string(), re.clone());
        re
    }

    fn integer(&mut self, rules: &NumberRules, value: &Value, i: i64) {
        if let Some(allowed) = &rules.enum_values
            && !allowed.contains(&i)
        {
            let allowed = allowed.iter().map(i64::to_string).collect();
            let kind = ViolationKind::NotInEnum { value: i.to_string(), allowed, suggestion: None };
            self.report(value, kind);
        }
        if rules.format.as_deref() == Some("int32") && i32::try_from(i).is_err() {
            let kind = ViolationKind::Format {
                value: i.to_string(),
                format: "int32".to_string(),
                why: format!("it does not fit in 32 bits ({}..={})", i32::MIN, i32::MAX),
            };
            self.report(value, kind);
        }
        let x = i as f64;
        if let Some(min) = rules.minimum {
            let (ok, word) = if rules.exclusive_minimum { (x > min, "greater than") } else { (x >= min, "at least") };
            if !ok {
                let kind =
                    ViolationKind::Range { value: format!("`{i}`"), bound: format!("be {word} {}", number(min)) };
                self.report(value, kind);
            }
        }
        if let Some(max) = rules.maximum {
            let (ok, word) = if rules.exclusive_maximum { (x < max, "less than") } else { (x <= max, "at most") };
            if !ok {
                let kind =
                    ViolationKind::Range { value: format!("`{i}`"), bound: format!("be {word} {}", number(max)) };
                self.report(value, kind);
            }
        }
    }
}

/// Fields every embedded resource may have, declared or not.
const EMBEDDED_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// A string schema whose format lets an integer stand for the string.
fn string_takes_int(rules: &StringRules) -> bool {
    matches!(rules.format.as_deref(), Some("int-or-string" | "quantity"))
}

fn expected(ty: &Ty) -> &'static str {
    match ty {
        Ty::Object(_) => "an object",
        Ty::Array(_) => "a list",
        Ty::String(_) => "a string",
        Ty::Integer(_) => "an integer",
        Ty::Number(_) => "a number",
        Ty::Boolean => "a boolean",
        Ty::IntOrString(_) => "an integer or a string",
        Ty::Any | Ty::Ref(_) => "anything",
    }
}

fn found(value: &Value) -> &'static str {
    match value.kind {
        ValueKind::None => "none",
        ValueKind::Bool(_) => "a boolean",
        ValueKind::Int(_) => "an integer",
        ValueKind::Str(_) | ValueKind::Env(_) | ValueKind::Named(_) => "a string",
        ValueKind::Secret(_) => "a secret",
        ValueKind::Patch(_) => "a composite's field",
        ValueKind::List(_) => "a list",
        ValueKind::Record(_) => "an object",
    }
}

/// A scalar written as in `.ced`; `None` for lists and records.
fn scalar(value: &Value) -> Option<String> {
    match value.kind {
        ValueKind::List(_) | ValueKind::Record(_) => None,
        _ => Some(clip(&render(value))),
    }
}

/// `3 items`, `1 item`.
fn counted(n: u64, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// A bound as written in a schema: `1`, `0.5`.
fn number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

/// `a`, `a and b`, `a, b and c`, each in backticks.
fn and_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// A path as the subject of a message.
fn describe(path: &str) -> String {
    if path.is_empty() { "the object".to_string() } else { format!("`{path}`") }
}

/// A user's string in a message, shortened if long.
fn shown(s: &str) -> String {
    format!("`{}`", clip(s))
}

fn clip(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX { s.to_string() } else { format!("{}…", s.chars().take(MAX).collect::<String>()) }
}

fn format_help(format: &str) -> Option<&'static str> {
    Some(match format {
        "date-time" => "write an RFC 3339 timestamp such as `2024-05-01T12:00:00Z`",
        "date" => "write a date as `YYYY-MM-DD`, such as `2024-05-01`",
        "byte" => "write the data base64-encoded, such as `aGVsbG8=`",
        "int32" => "use an integer from -2147483648 to 2147483647",
        "uuid" | "uuid3" | "uuid4" | "uuid5" => "write a UUID such as `123e4567-e89b-12d3-a456-426614174000`",
        "ipv4" => "write an IPv4 address such as `192.0.2.1`",
        "ipv6" => "write an IPv6 address such as `2001:db8::1`",
        "cidr" => "write an address range such as `10.0.0.0/16` or `2001:db8::/32`",
        "quantity" => "a quantity is a number with an optional suffix: `100m`, `0.5`, `512Mi`, `2Gi`, `1k`, `1e3`",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Paths

/// A key that can be written after a `.` in a path.
fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn quote(key: &str) -> String {
    serde_json::Value::String(key.to_string()).to_string()
}

fn push_key(path: &mut String, key: &str) {
    if is_plain_key(key) {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&quote(key));
        path.push(']');
    }
}

fn join(path: &str, key: &str) -> String {
    let mut p = path.to_string();
    push_key(&mut p, key);
    p
}

/// The path of the record holding `field`, from the path of the field.
fn parent_path<'p>(path: &'p str, field: &str) -> &'p str {
    if is_plain_key(field) {
        path.strip_suffix(field).map(|p| p.strip_suffix('.').unwrap_or(p)).unwrap_or(path)
    } else {
        path.strip_suffix(&format!("[{}]", quote(field))).unwrap_or(path)
    }
}

/// Whether `prefix` is `path` or a path enclosing it.
fn is_prefix_path(prefix: &str, path: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => prefix.is_empty() || rest.is_empty() || rest.starts_with(['.', '[']),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------
// Rendering values (for messages and for comparing list items)

/// Records nested deeper than this are rendered as `…` (equal as far as this goes).
const RENDER_DEPTH: usize = 32;

/// A value written as in `.ced`, record fields sorted and `none` fields left out, so
/// that two values render the same exactly when they are written the same in output.
fn render(value: &Value) -> String {
    let mut out = String::new();
    render_into(value, 0, &mut out);
    out
}

fn render_into(value: &Value, depth: usize, out: &mut String) {
    if depth > RENDER_DEPTH {
        out.push('…');
        return;
    }
    match &value.kind {
        ValueKind::None => out.push_str("none"),
        ValueKind::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        ValueKind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        ValueKind::Str(s) | ValueKind::Env(s) => out.push_str(&quote(s)),
        ValueKind::Named(n) => out.push_str(&quote(&n.text)),
        ValueKind::Secret(_) => out.push_str("<secret>"),
        ValueKind::Patch(p) => {
            let _ = write!(out, "<{}>", p.from.join(", "));
        }
        ValueKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(item, depth + 1, out);
            }
            out.push(']');
        }
        ValueKind::Record(fields) => {
            let mut keys: Vec<(&cedc_model::Key, &Value)> =
                fields.iter().filter(|(_, v)| !matches!(v.kind, ValueKind::None)).collect();
            keys.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if is_plain_key(k) {
                    out.push_str(k);
                } else {
                    out.push_str(&quote(k));
                }
                out.push_str(": ");
                render_into(v, depth + 1, out);
            }
            out.push('}');
        }
    }
}

/// `port: 80, protocol: "TCP"`: the key values of a `map` list item, a left-out key
/// taking its default; `None` if the item is not a record or lacks a key with no default.
fn map_identity(item: &Value, keys: &[String], defaults: &[Option<String>]) -> Option<String> {
    let fields = item.as_record()?;
    let mut out = String::new();
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(key);
        out.push_str(": ");
        match fields.get(key.as_str()).filter(|v| !matches!(v.kind, ValueKind::None)) {
            Some(v) => render_into(v, 1, &mut out),
            None => out.push_str(defaults.get(i)?.as_deref()?),
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Formats

/// `pattern` with the Perl classes `\d`, `\w`, `\s` and the word boundaries `\b`, `\B`
/// made ASCII-only, as in Go's RE2 (the API server) and ECMA-262; the regex crate makes
/// them Unicode-aware. Negated classes inside brackets (`[\D]`) are left as they are.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let replacement = match (next, in_class) {
                    ('d', false) => "[0-9]",
                    ('D', false) => "[^0-9]",
                    ('w', false) => "[0-9A-Za-z_]",
                    ('W', false) => "[^0-9A-Za-z_]",
                    ('s', false) => "[\\t\\n\\x0C\\r ]",
                    ('S', false) => "[^\\t\\n\\x0C\\r ]",
                    ('b', false) => "(?-u:\\b)",
                    ('B', false) => "(?-u:\\B)",
                    ('d', true) => "0-9",
                    ('w', true) => "0-9A-Za-z_",
                    ('s', true) => "\\t\\n\\x0C\\r ",
                    _ => {
                        out.push(c);
                        out.push(next);
                        continue;
                    }
                };
                out.push_str(replacement);
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // `]` right after `[` or `[^` is a literal.
                let rest = chars.as_str();
                let skip = if rest.starts_with("^]") {
                    2
                } else if rest.starts_with(']') {
                    1
                } else {
                    0
                };
                for _ in 0..skip {
                    if let Some(x) = chars.next() {
                        out.push(x);
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Check a string against a `format`; unknown formats pass.
fn check_string_format(format: &str, s: &str) -> Result<(), String> {
    match format {
        "date-time" => date_time(s),
        "date" => date(s),
        "byte" => base64(s),
        "uuid" | "uuid3" | "uuid4" | "uuid5" => uuid(s),
        "ipv4" => s.parse::<std::net::Ipv4Addr>().map(|_| ()).map_err(|_| "it is not an IPv4 address".to_string()),
        "ipv6" => s.parse::<std::net::Ipv6Addr>().map(|_| ()).map_err(|_| "it is not an IPv6 address".to_string()),
        "cidr" => cidr(s),
        "quantity" => quantity(s),
        _ => Ok(()),
    }
}

/// Exactly `n` ASCII digits at the start of `s`, as a number, and the rest.
fn digits(s: &str, n: usize) -> Option<(u32, &str)> {
    let head = s.get(..n)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head.parse().ok()?, &s[n..]))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

/// `YYYY-MM-DD` at the start of `s`, and the rest.
fn date_prefix(s: &str) -> Result<&str, String> {
    let bad = || "the date is not `YYYY-MM-DD`".to_string();
    let (year, rest) = digits(s, 4).ok_or_else(bad)?;
    let rest = rest.strip_prefix('-').ok_or_else(bad)?;
    let (month, rest) = digits(rest, 2).ok_or_else(bad)?;
    let rest = rest.strip_prefix('-').ok_or_else(bad)?;
    let (day, rest) = digits(rest, 2).ok_or_else(bad)?;
    if !(1..=12).contains(&month) {
        return Err(format!("there is no month {month}"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!("there is no day {day} in month {month} of {year}"));
    }
    Ok(rest)
}

fn date(s: &str) -> Result<(), String> {
    if date_prefix(s)?.is_empty() { Ok(()) } else { Err("it has more than a date".to_string()) }
}

/// RFC 3339, leniently: `T`, `t` or a space between date and time; seconds, fraction
/// and zone optional; a zone as `Z`, `±hh:mm` or `±hhmm`.
fn date_time(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    let rest = date_prefix(s)?;
    let rest = rest
        .strip_prefix(['T', 't', ' '])
        .ok_or_else(|| "a timestamp is a date, `T` and a time (`2024-05-01T12:00:00Z`)".to_string())?;
    let bad_time = || "the time is not `hh:mm:ss`".to_string();
    let (hour, rest) = digits(rest, 2).ok_or_else(bad_time)?;
    let rest = rest.strip_prefix(':').ok_or_else(bad_time)?;
    let (minute, mut rest) = digits(rest, 2).ok_or_else(bad_time)?;
    let mut second = 0;
    if let Some(r) = rest.strip_prefix(':') {
        (second, rest) = digits(r, 2).ok_or_else(bad_time)?;
        if let Some(r) = rest.strip_prefix(['.', ',']) {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return Err("the fraction of a second has no digits".to_string());
            }
            rest = &r[n..];
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!("{hour:02}:{minute:02}:{second:02} is not a time of day"));
    }
    match rest {
        "" | "Z" | "z" => Ok(()),
        zone => {
            let bad_zone = || format!("`{zone}` is not a time zone (`Z`, `+02:00`)");
            let z = zone.strip_prefix(['+', '-']).ok_or_else(bad_zone)?;
            let (h, z) = digits(z, 2).ok_or_else(bad_zone)?;
            let z = z.strip_prefix(':').unwrap_or(z);
            let (m, z) = digits(z, 2).ok_or_else(bad_zone)?;
            if z.is_empty() && h <= 23 && m <= 59 { Ok(()) } else { Err(bad_zone()) }
        }
    }
}

/// Standard base64 (`+`, `/`) with `=` padding to a multiple of 4 characters.
fn base64(s: &str) -> Result<(), String> {
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))) {
        return Err(format!("`{c}` is not a base64 character"));
    }
    if !s.len().is_multiple_of(4) {
        return Err(format!("base64 text is a multiple of 4 characters long; this is {}", s.len()));
    }
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 || body.contains('=') {
        return Err("`=` may only pad the end, at most twice".to_string());
    }
    Ok(())
}

fn uuid(s: &str) -> Result<(), String> {
    let hex = |part: &str, n: usize| part.len() == n && part.bytes().all(|b| b.is_ascii_hexdigit());
    let parts: Vec<&str> = s.split('-').collect();
    let ok = match parts.as_slice() {
        [one] => hex(one, 32),
        [a, b, c, d, e] => hex(a, 8) && hex(b, 4) && hex(c, 4) && hex(d, 4) && hex(e, 12),
        _ => false,
    };
    if ok { Ok(()) } else { Err("a UUID is 32 hexadecimal digits grouped 8-4-4-4-12".to_string()) }
}

fn cidr(s: &str) -> Result<(), String> {
    let (addr, bits) = s.split_once('/').ok_or_else(|| "it has no `/prefix`".to_string())?;
    let addr: std::net::IpAddr = addr.parse().map_err(|_| format!("`{addr}` is not an IP address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    match bits.parse::<u32>() {
        Ok(b) if b <= max && bits.bytes().all(|c| c.is_ascii_digit()) => Ok(()),
        _ => Err(format!("the prefix length must be from 0 to {max}")),
    }
}

/// Kubernetes resource quantity (apimachinery's `resource.Quantity` grammar). The
/// language's `Quantity` domain type (`cedc_types::domain`) checks with this too.
pub fn quantity(s: &str) -> Result<(), String> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits_end = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (num, suffix) = body.split_at(digits_end);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return Err("it does not start with a number".into());
    }
    const SUFFIXES: &[&str] = &["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if SUFFIXES.contains(&suffix) {
        return Ok(());
    }
    if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if !exp.is_empty() && exp.chars().all(|c| c.is_ascii_digit()) {
            return Ok(());
        }
    }
    Err(format!("`{suffix}` is not a quantity suffix (use m, k, M, G, T, Ki, Mi, Gi, Ti, ... or an exponent)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_odd_keys() {
        let mut p = String::new();
        push_key(&mut p, "metadata");
        push_key(&mut p, "labels");
        push_key(&mut p, "app.kubernetes.io/name");
        assert_eq!(p, r#"metadata.labels["app.kubernetes.io/name"]"#);
        assert_eq!(parent_path(&p, "app.kubernetes.io/name"), "metadata.labels");
        assert_eq!(join("", "x-y_z"), "x-y_z");
        assert_eq!(join("", "0"), r#"["0"]"#);
        assert_eq!(join("a", r#"say "hi""#), r#"a["say \"hi\""]"#);
        assert_eq!(parent_path("spec.replica", "replica"), "spec");
        assert_eq!(parent_path("spec", "spec"), "");
        assert!(is_prefix_path("", "spec"));
        assert!(is_prefix_path("spec", "spec.template"));
        assert!(!is_prefix_path("spec", "specs.x"));
        assert!(!is_prefix_path("metadata.annotations", "metadata"));
    }

    #[test]
    fn date_times() {
        for ok in [
            "",
            "2024-05-01T12:00:00Z",
            "2024-05-01t12:00:00z",
            "2024-05-01 12:00:00",
            "2024-05-01T12:00Z",
            "2024-05-01T12:00:00.123456789+02:00",
            "2024-05-01T12:00:00-0530",
            "2024-02-29T23:59:60Z",
        ] {
            assert_eq!(date_time(ok), Ok(()), "{ok}");
        }
        for bad in [
            "2024-05-01",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+2",
            "2024-05-01T12:00:00 UTC",
            "yesterday",
            "2024-5-1T12:00:00Z",
        ] {
            assert!(date_time(bad).is_err(), "{bad}");
        }
        assert_eq!(date("2024-05-01"), Ok(()));
        assert!(date("2024-05-01T00:00:00Z").is_err());
        assert!(date("2024-04-31").is_err());
    }

    #[test]
    fn perl_classes_are_ascii_as_in_re2() {
        assert_eq!(ascii_classes(r"^\d+$"), "^[0-9]+$");
        assert_eq!(ascii_classes(r"^[a-z\d_-]+\.\w$"), r"^[a-z0-9_-]+\.[0-9A-Za-z_]$");
        assert_eq!(ascii_classes(r"\\d"), r"\\d", "an escaped backslash before d is kept");
        assert_eq!(ascii_classes(r"[]\d]\b"), r"[]0-9](?-u:\b)");
        let re = regex::Regex::new(&ascii_classes(r"^\d+$")).unwrap();
        assert!(re.is_match("42") && !re.is_match("٤٢"));
    }

    #[test]
    fn other_formats() {
        for ok in ["", "aGVsbG8=", "aGVsbA==", "aGVs", "+/+/"] {
            assert_eq!(base64(ok), Ok(()), "{ok}");
        }
        for bad in ["aGVsbG8", "aGVsbG8==", "a===", "aG=s", "aGVs bG8=", "aGVsbG8_"] {
            assert!(base64(bad).is_err(), "{bad}");
        }
        assert_eq!(uuid("123e4567-e89b-12d3-a456-426614174000"), Ok(()));
        assert_eq!(uuid("123E4567E89B12D3A456426614174000"), Ok(()));
        assert!(uuid("123e4567-e89b-12d3-a456-42661417400").is_err());
        assert!(uuid("123e4567e89b-12d3-a456-426614174000").is_err());
        assert_eq!(check_string_format("ipv4", "192.0.2.1"), Ok(()));
        assert!(check_string_format("ipv4", "192.0.2").is_err());
        assert!(check_string_format("ipv4", "::1").is_err());
        assert_eq!(check_string_format("ipv6", "2001:db8::1"), Ok(()));
        assert!(check_string_format("ipv6", "192.0.2.1").is_err());
        assert_eq!(cidr("10.0.0.0/16"), Ok(()));
        assert_eq!(cidr("2001:db8::/128"), Ok(()));
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("10.0.0.0").is_err());
        assert!(cidr("10.0.0.0/+8").is_err());
        assert_eq!(check_string_format("quantity", "512Mi"), Ok(()));
        assert!(check_string_format("quantity", "512MB").is_err());
        assert_eq!(check_string_format("hostname", "Not A Hostname!"), Ok(()), "unknown formats pass");
    }

    #[test]
    fn rendering_is_canonical() {
        let span = Span::default();
        let a = Value::from_json(&serde_json::json!({"b": 1, "a": "x", "c": null}), span);
        let b = Value::from_json(&serde_json::json!({"a": "x", "b": 1}), span);
        assert_eq!(render(&a), render(&b));
        assert_eq!(render(&a), r#"{a: "x", b: 1}"#);
        let odd = Value::from_json(&serde_json::json!({"x.y": [true, 2]}), span);
        assert_eq!(render(&odd), r#"{"x.y": [true, 2]}"#);
    }
}
