//! OpenAPI v3 JSON → [`Schema`].
//!
//! The input is the JSON-Schema dialect Kubernetes uses: a CRD's `openAPIV3Schema`
//! (structural schemas with the `x-kubernetes-*` extensions) or a built-in kind's
//! OpenAPI v3 definition (with `$ref`s between definitions).
//!
//! The conversion is *honest*: whatever the model can express is kept exactly; a
//! keyword the model cannot express is dropped only when dropping it makes the schema
//! accept **more** values, never fewer — so a valid object is never rejected because of
//! a conversion shortcut. In particular:
//!
//! - `anyOf` / `oneOf` / `not` and an `allOf` of several schemas only narrow what the
//!   rest of the node allows (in a Kubernetes structural schema they may not even declare
//!   types or properties), so they are ignored — except the int-or-string idiom
//!   `anyOf: [{type: integer}, {type: string}]`, which becomes [`Ty::IntOrString`].
//! - An `allOf` with a single schema is unwrapped (the usual `allOf: [{$ref: ...}]`
//!   beside a `description` or `default`).
//! - Number enums with fractional values, enums of booleans and tuple `items` are
//!   dropped (the model has no room for them).
//! - `x-kubernetes-preserve-unknown-fields: true` on a node with no `type` and no
//!   properties is [`Ty::Any`]; on `type: object` (with or without properties) it is an
//!   [`Object`] whose undeclared fields are [`Additional::Any`]: the value must still be
//!   an object, as the API server requires, and `x-kubernetes-embedded-resource` stays
//!   recorded.
//! - An object without `additionalProperties` is closed ([`Additional::Forbidden`]),
//!   unlike plain JSON Schema: Kubernetes prunes or rejects undeclared fields.
//! - int-or-string is recognised in all its spellings: `x-kubernetes-int-or-string`,
//!   the `anyOf`/`oneOf` of integer and string, `type: [integer, string]` and
//!   `format: int-or-string` — never read as an integer.
//!
//! Malformed schemas (a `type` that is not a JSON-Schema type, `required` that is not a
//! list of strings, an enum value of the wrong type, …) are errors located by a JSON path,
//! because the API server would reject such a CRD too.

use crate::model::*;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// How deeply schemas may nest (each `properties.X`, `items`, `additionalProperties` and
/// `allOf` entry is one level). Real CRDs stay far below; the bound turns a hostile or
/// generated document into an error instead of a stack overflow.
pub const MAX_DEPTH: usize = 256;

/// A schema that cannot be converted: what is wrong, and where (a JSON path such as
/// `spec.versions[1].schema.openAPIV3Schema.properties.spec`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertError {
    /// The JSON path of the offending node; empty for the root.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ConvertError {}

/// Convert one schema node (and everything below it).
pub fn from_openapi(json: &Value) -> Result<Schema, ConvertError> {
    from_openapi_at(json, "")
}

/// Like [`from_openapi`], with the JSON path of `json` inside its document, so that
/// errors point into the whole document (`spec.versions[0].schema.openAPIV3Schema...`).
pub fn from_openapi_at(json: &Value, base: &str) -> Result<Schema, ConvertError> {
    convert(json, vec![Seg::Base(base)])
}

/// Convert a `$defs` / `definitions` / `components.schemas` map: each entry becomes the
/// definition a [`Ty::Ref`] of the same name resolves to.
pub fn definitions_from(map: &Map<String, Value>) -> Result<HashMap<Arc<str>, Arc<Schema>>, ConvertError> {
    let mut out = HashMap::with_capacity(map.len());
    for (name, json) in map {
        let schema = convert(json, vec![Seg::Key(name)])?;
        out.insert(Arc::from(name.as_str()), Arc::new(schema));
    }
    Ok(out)
}

/// A JSON path, only rendered into a string when an error is reported (CRDs run to
/// megabytes; most nodes never need their path): the path of the node being converted
/// ([`Seg::Many`]), extended on the stack by the keyword helpers (`.enum[3]`).
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Base(&'a str),
    Key(&'a str),
    Index(usize),
    Many(&'a [Seg<'a>]),
}

impl<'a> Path<'a> {
    fn of(segs: &'a [Seg<'a>]) -> Path<'a> {
        Path { parent: None, seg: Seg::Many(segs) }
    }

    fn key<'b>(&'b self, key: &'b str) -> Path<'b> {
        Path { parent: Some(self), seg: Seg::Key(key) }
    }

    fn index(&self, i: usize) -> Path<'_> {
        Path { parent: Some(self), seg: Seg::Index(i) }
    }

    fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(p) = at {
            segs.push(&p.seg);
            at = p.parent;
        }
        let mut out = String::new();
        for seg in segs.into_iter().rev() {
            render_seg(&mut out, seg);
        }
        out
    }

    fn error(&self, message: impl Into<String>) -> ConvertError {
        ConvertError { path: self.render(), message: message.into() }
    }
}

fn render_seg(out: &mut String, seg: &Seg<'_>) {
    match seg {
        Seg::Base(b) => out.push_str(b),
        Seg::Key(k) => {
            let plain =
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$' | '@'));
            if plain {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            } else {
                out.push_str(&format!("[{}]", Value::String((*k).to_string())));
            }
        }
        Seg::Index(i) => out.push_str(&format!("[{i}]")),
        Seg::Many(segs) => {
            for seg in *segs {
                render_seg(out, seg);
            }
        }
    }
}

// The conversion walks the schema with an explicit stack of frames rather than by
// recursion: a debug build spends kilobytes of machine stack per recursive level, so even
// `MAX_DEPTH` levels would overflow a 2 MiB thread. Each frame is a node whose own
// keywords have been read and whose children (properties, additional properties, items,
// the member of a one-schema `allOf`) are converted one at a time.

/// A node being converted.
struct Frame<'a> {
    /// The node so far; its children are filled in as they finish.
    schema: Schema,
    /// Length of the path (in segments) up to and including this node.
    path_len: usize,
    /// Properties still to convert.
    properties: Option<serde_json::map::Iter<'a>>,
    additional: Option<&'a Value>,
    items: Option<&'a Value>,
    all_of: Option<&'a Value>,
    /// Where the child being converted goes.
    waiting: Slot<'a>,
}

#[derive(Clone, Copy)]
enum Slot<'a> {
    None,
    Property(&'a str),
    Additional,
    Items,
    AllOf,
}

impl<'a> Frame<'a> {
    /// The next child to convert, where it goes, and its path below this node.
    fn next_child(&mut self) -> Option<(Slot<'a>, &'a Value, [Option<Seg<'a>>; 2])> {
        if let Some(properties) = &mut self.properties {
            if let Some((name, json)) = properties.next() {
                return Some((Slot::Property(name), json, [Some(Seg::Key("properties")), Some(Seg::Key(name))]));
            }
            self.properties = None;
        }
        if let Some(json) = self.additional.take() {
            return Some((Slot::Additional, json, [Some(Seg::Key("additionalProperties")), None]));
        }
        if let Some(json) = self.items.take() {
            return Some((Slot::Items, json, [Some(Seg::Key("items")), None]));
        }
        if let Some(json) = self.all_of.take() {
            return Some((Slot::AllOf, json, [Some(Seg::Key("allOf")), Some(Seg::Index(0))]));
        }
        None
    }

    /// A child has been converted: put it where it goes.
    fn accept(&mut self, child: Schema) {
        match (std::mem::replace(&mut self.waiting, Slot::None), &mut self.schema.ty) {
            (Slot::Property(name), Ty::Object(object)) => {
                object.properties.insert(name.to_string(), Arc::new(child));
            }
            (Slot::Additional, Ty::Object(object)) => {
                object.additional =
                    if child == Schema::default() { Additional::Any } else { Additional::Schema(Arc::new(child)) };
            }
            (Slot::Items, Ty::Array(array)) => array.items = Some(Arc::new(child)),
            (Slot::AllOf, _) => merge_single_all_of(&mut self.schema, child),
            // A node only asks for children its type has room for.
            _ => {}
        }
    }
}

fn convert<'a>(json: &'a Value, mut path: Vec<Seg<'a>>) -> Result<Schema, ConvertError> {
    let mut stack = vec![enter(json, &path)?];
    loop {
        let Some(frame) = stack.last_mut() else { return Ok(Schema::default()) };
        match frame.next_child() {
            Some((slot, child, segs)) => {
                frame.waiting = slot;
                path.extend(segs.into_iter().flatten());
                if stack.len() > MAX_DEPTH {
                    return Err(too_deep(&Path::of(&path)));
                }
                let child = enter(child, &path)?;
                stack.push(child);
            }
            None => {
                let done = match stack.pop() {
                    Some(frame) => frame.schema,
                    None => Schema::default(),
                };
                match stack.last_mut() {
                    Some(parent) => {
                        path.truncate(parent.path_len);
                        parent.accept(done);
                    }
                    None => return Ok(done),
                }
            }
        }
    }
}

#[cold]
fn too_deep(path: &Path<'_>) -> ConvertError {
    path.error(format!("schemas nested more than {MAX_DEPTH} levels deep"))
}

/// Read a node's own keywords into a frame that knows which children remain.
fn enter<'a>(json: &'a Value, segs: &[Seg<'_>]) -> Result<Frame<'a>, ConvertError> {
    let path = Path::of(segs);
    let mut frame = Frame {
        schema: Schema::default(),
        path_len: segs.len(),
        properties: None,
        additional: None,
        items: None,
        all_of: None,
        waiting: Slot::None,
    };
    let node = match json {
        Value::Object(node) => node,
        // JSON Schema's boolean schemas: `true` allows anything; `false` allows nothing,
        // which the model cannot say, so it is read as "anything" (the loose direction).
        Value::Bool(_) => return Ok(frame),
        other => return Err(path.error(format!("expected a schema (a mapping), found {}", describe(other)))),
    };
    frame.schema = annotations(node, &path)?;
    if node.contains_key("$ref") {
        // Beside a `$ref`, OpenAPI 3.0 ignores every other keyword; the annotations
        // (description, default, nullable) are still kept for hover and completion.
        frame.schema.ty = ref_ty(node, &path)?;
        return Ok(frame);
    }
    frame.schema.ty = match shape(node, &path)? {
        Shape::Done(ty) => ty,
        Shape::Object { preserve_unknown, embedded } => {
            let (object, properties, additional) = object_rules(node, &path, preserve_unknown, embedded)?;
            frame.properties = properties.map(|p| p.iter());
            frame.additional = additional;
            Ty::Object(object)
        }
        Shape::Array => {
            frame.items = match node.get("items") {
                // Tuple validation (a list of schemas, one per position): not modelled;
                // any item.
                None | Some(Value::Null) | Some(Value::Array(_)) => None,
                Some(json) => Some(json),
            };
            Ty::Array(array_rules(node, &path)?)
        }
    };
    // `allOf: [X]` beside annotations is how OpenAPI 3.0 attaches a description or default
    // to a `$ref`; with one schema, the node is that schema.
    frame.all_of = single_all_of(node, &path)?;
    Ok(frame)
}

/// What a node's `type` says.
enum Declared {
    Absent,
    One(String),
    /// `type: [integer, string]` (JSON Schema): an int-or-string.
    IntOrString,
    /// A list of types cedc cannot model as one (`[string, array]`): anything.
    Several,
}

/// Whether `type` is or lists `null` (JSON Schema's way of saying `nullable`).
fn type_says_null(node: &Map<String, Value>) -> bool {
    match node.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        Some(t) => t == "null",
        None => false,
    }
}

/// The keywords every node may carry, whatever its type.
fn annotations(node: &Map<String, Value>, path: &Path<'_>) -> Result<Schema, ConvertError> {
    Ok(Schema {
        nullable: get_bool(node, "nullable", path)?.unwrap_or(false) || type_says_null(node),
        description: get_str(node, "description", path)?.map(str::to_string),
        // `default: null` sets no default (the API server prunes it unless nullable,
        // and then null is what an absent field reads as anyway).
        default: node.get("default").filter(|d| !d.is_null()).cloned(),
        cel_rules: cel_rules(node, path)?,
        ty: Ty::Any,
    })
}

fn ref_ty(node: &Map<String, Value>, path: &Path<'_>) -> Result<Ty, ConvertError> {
    let p = path.key("$ref");
    match node.get("$ref") {
        Some(Value::String(reference)) => ref_name(reference).map(Ty::Ref).ok_or_else(|| {
            p.error(format!(
                "unsupported `$ref` `{reference}` (expected `#/$defs/NAME`, `#/definitions/NAME` or `#/components/schemas/NAME`)"
            ))
        }),
        Some(other) => Err(p.error(format!("`$ref` must be a string, found {}", describe(other)))),
        None => Ok(Ty::Any),
    }
}

/// The member of a one-schema `allOf`; `None` without `allOf` or with several members
/// (restrictions on top of the node's own shape, dropped: the loose direction).
fn single_all_of<'a>(node: &'a Map<String, Value>, path: &Path<'_>) -> Result<Option<&'a Value>, ConvertError> {
    match node.get("allOf") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(all_of)) => Ok(match all_of.as_slice() {
            [only] => Some(only),
            _ => None,
        }),
        Some(other) => {
            Err(path.key("allOf").error(format!("`allOf` must be a list of schemas, found {}", describe(other))))
        }
    }
}

/// Fold the single schema of an `allOf` into the node that holds it. The node's own
/// annotations win; its type wins unless it has none (then the `allOf` supplies it). When
/// both declare a type, the `allOf` member is a further restriction that is dropped (the
/// loose direction).
fn merge_single_all_of(schema: &mut Schema, inner: Schema) {
    if matches!(schema.ty, Ty::Any) {
        schema.ty = inner.ty;
    }
    schema.nullable |= inner.nullable;
    if schema.description.is_none() {
        schema.description = inner.description;
    }
    if schema.default.is_none() {
        schema.default = inner.default;
    }
    schema.cel_rules.extend(inner.cel_rules);
}

/// What a node is, before its children are converted.
enum Shape {
    /// A leaf, fully converted.
    Done(Ty),
    Object {
        preserve_unknown: bool,
        embedded: bool,
    },
    Array,
}

fn shape(node: &Map<String, Value>, path: &Path<'_>) -> Result<Shape, ConvertError> {
    let declared = declared_type(node, path)?;
    let preserve_unknown = get_bool(node, "x-kubernetes-preserve-unknown-fields", path)?.unwrap_or(false);
    let embedded = get_bool(node, "x-kubernetes-embedded-resource", path)?.unwrap_or(false);

    if get_bool(node, "x-kubernetes-int-or-string", path)?.unwrap_or(false)
        || is_int_or_string_alternative(node, "anyOf")
        || is_int_or_string_alternative(node, "oneOf")
        || (matches!(&declared, Declared::One(t) if t == "string")
            && matches!(node.get("format"), Some(Value::String(f)) if f == "int-or-string"))
    {
        return Ok(Shape::Done(Ty::IntOrString(int_or_string_rules(node, path)?)));
    }

    let ty = match declared {
        Declared::One(t) => t,
        Declared::IntOrString => return Ok(Shape::Done(Ty::IntOrString(int_or_string_rules(node, path)?))),
        Declared::Several => return Ok(Shape::Done(Ty::Any)),
        Declared::Absent => {
            // Structural schemas always say `type`; other OpenAPI documents leave it
            // out when the shape makes it obvious.
            if node.contains_key("properties") || node.contains_key("additionalProperties") || embedded {
                return Ok(Shape::Object { preserve_unknown, embedded });
            } else if node.contains_key("items") {
                return Ok(Shape::Array);
            } else {
                return Ok(Shape::Done(Ty::Any));
            }
        }
    };

    Ok(match ty.as_str() {
        "object" => Shape::Object { preserve_unknown, embedded },
        "array" => Shape::Array,
        "string" => Shape::Done(Ty::String(string_rules(node, path)?)),
        "integer" => Shape::Done(Ty::Integer(number_rules(node, path, true)?)),
        "number" => Shape::Done(Ty::Number(number_rules(node, path, false)?)),
        "boolean" => Shape::Done(Ty::Boolean),
        // Only `null`: nothing to check beyond what `nullable` says.
        "null" => Shape::Done(Ty::Any),
        other => {
            return Err(path.key("type").error(format!(
                "unknown type `{other}` (expected object, array, string, integer, number or boolean)"
            )));
        }
    })
}

fn declared_type(node: &Map<String, Value>, path: &Path<'_>) -> Result<Declared, ConvertError> {
    match node.get("type") {
        None | Some(Value::Null) => Ok(Declared::Absent),
        Some(Value::String(t)) => Ok(Declared::One(t.clone())),
        Some(Value::Array(types)) => {
            let p = path.key("type");
            let mut names = Vec::new();
            for (i, t) in types.iter().enumerate() {
                match t {
                    Value::String(t) if t != "null" => names.push(t.as_str()),
                    Value::String(_) => {}
                    other => return Err(p.index(i).error(format!("expected a type name, found {}", describe(other)))),
                }
            }
            names.sort_unstable();
            names.dedup();
            Ok(match names.as_slice() {
                [] => Declared::Absent,
                [one] => Declared::One((*one).to_string()),
                ["integer", "string"] => Declared::IntOrString,
                _ => Declared::Several,
            })
        }
        Some(other) => Err(path.key("type").error(format!("`type` must be a string, found {}", describe(other)))),
    }
}

/// `anyOf: [{type: integer}, {type: string}]` (in either order, each member possibly with
/// further restrictions such as a `pattern`): the way structural schemas spell
/// int-or-string beside `x-kubernetes-int-or-string`, and what some generators emit alone.
fn is_int_or_string_alternative(node: &Map<String, Value>, keyword: &str) -> bool {
    let Some(Value::Array(members)) = node.get(keyword) else { return false };
    let mut types: Vec<&str> = members.iter().filter_map(|m| m.get("type").and_then(Value::as_str)).collect();
    if types.len() != members.len() {
        return false;
    }
    types.sort_unstable();
    types == ["integer", "string"]
}

/// An object's own keywords, plus the `properties` map and the `additionalProperties`
/// schema still to convert.
#[allow(clippy::type_complexity)]
fn object_rules<'a>(
    node: &'a Map<String, Value>,
    path: &Path<'_>,
    preserve_unknown: bool,
    embedded: bool,
) -> Result<(Object, Option<&'a Map<String, Value>>, Option<&'a Value>), ConvertError> {
    let properties = match node.get("properties") {
        None | Some(Value::Null) => None,
        Some(Value::Object(properties)) => Some(properties),
        Some(other) => {
            return Err(path
                .key("properties")
                .error(format!("`properties` must be a mapping, found {}", describe(other))));
        }
    };

    let required = match node.get("required") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(names)) => {
            let p = path.key("required");
            let mut out = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                match name {
                    Value::String(name) => {
                        if !out.contains(name) {
                            out.push(name.clone());
                        }
                    }
                    other => {
                        return Err(p
                            .index(i)
                            .error(format!("required field names must be strings, found {}", describe(other))));
                    }
                }
            }
            out
        }
        Some(other) => {
            return Err(path
                .key("required")
                .error(format!("`required` must be a list of field names, found {}", describe(other))));
        }
    };

    // Kubernetes prunes (or, with strict field validation, rejects) fields a structural
    // schema does not declare, unlike plain JSON Schema: no `additionalProperties` means
    // none, unless unknown fields are preserved.
    let closed = if preserve_unknown { Additional::Any } else { Additional::Forbidden };
    let (additional, additional_schema) = match node.get("additionalProperties") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => (closed, None),
        Some(Value::Bool(true)) => (Additional::Any, None),
        Some(json) => (closed, Some(json)),
    };

    let object = Object {
        properties: Properties::default(),
        required,
        additional,
        embedded_resource: embedded,
        min_properties: get_count(node, "minProperties", path)?,
        max_properties: get_count(node, "maxProperties", path)?,
    };
    Ok((object, properties, additional_schema))
}

/// An array's own keywords (`items` is converted as a child of the frame).
fn array_rules(node: &Map<String, Value>, path: &Path<'_>) -> Result<Array, ConvertError> {
    let list_type = match get_str(node, "x-kubernetes-list-type", path)? {
        None | Some("atomic") => ListType::Atomic,
        Some("set") => ListType::Set,
        Some("map") => ListType::Map,
        Some(other) => {
            return Err(path
                .key("x-kubernetes-list-type")
                .error(format!("unknown list type `{other}` (expected atomic, set or map)")));
        }
    };
    let map_keys = match node.get("x-kubernetes-list-map-keys") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(keys)) => {
            let p = path.key("x-kubernetes-list-map-keys");
            keys.iter()
                .enumerate()
                .map(|(i, k)| match k {
                    Value::String(k) => Ok(k.clone()),
                    other => Err(p.index(i).error(format!("map keys must be field names, found {}", describe(other)))),
                })
                .collect::<Result<_, _>>()?
        }
        Some(other) => {
            return Err(path.key("x-kubernetes-list-map-keys").error(format!(
                "`x-kubernetes-list-map-keys` must be a list of field names, found {}",
                describe(other)
            )));
        }
    };
    Ok(Array {
        items: None,
        min_items: get_count(node, "minItems", path)?,
        max_items: get_count(node, "maxItems", path)?,
        list_type,
        map_keys,
    })
}

/// The rules of an int-or-string node: string rules for its string form, number rules
/// for its integer form. An `enum` is split by member type; a side with no member then
/// allows no value of that type.
fn int_or_string_rules(node: &Map<String, Value>, path: &Path<'_>) -> Result<IntOrStringRules, ConvertError> {
    let mut strings = node.clone();
    let mut integers = node.clone();
    if let Some(Value::Array(values)) = node.get("enum") {
        let keep = |pred: fn(&Value) -> bool| Value::Array(values.iter().filter(|v| pred(v)).cloned().collect());
        strings.insert("enum".into(), keep(|v| v.is_string() || v.is_null()));
        integers.insert("enum".into(), keep(|v| v.is_number() || v.is_null()));
    }
    // `format: int-or-string` names the pair itself, not a string format.
    for side in [&mut strings, &mut integers] {
        if side.get("format").and_then(Value::as_str) == Some("int-or-string") {
            side.remove("format");
        }
    }
    Ok(IntOrStringRules { string: string_rules(&strings, path)?, integer: number_rules(&integers, path, false)? })
}

fn string_rules(node: &Map<String, Value>, path: &Path<'_>) -> Result<StringRules, ConvertError> {
    let enum_values = match enum_list(node, path)? {
        None => None,
        Some(values) => {
            let p = path.key("enum");
            let mut out = Vec::with_capacity(values.len());
            for (i, v) in values.iter().enumerate() {
                match v {
                    Value::String(s) => out.push(s.clone()),
                    // `null` in an enum is how a nullable enum admits null.
                    Value::Null => {}
                    other => return Err(p.index(i).error(format!("enum of a string field holds {}", describe(other)))),
                }
            }
            Some(out)
        }
    };
    Ok(StringRules {
        enum_values,
        format: get_str(node, "format", path)?.map(str::to_string),
        pattern: get_str(node, "pattern", path)?.map(str::to_string),
        min_length: get_count(node, "minLength", path)?,
        max_length: get_count(node, "maxLength", path)?,
    })
}

fn number_rules(node: &Map<String, Value>, path: &Path<'_>, integer: bool) -> Result<NumberRules, ConvertError> {
    let enum_values = match enum_list(node, path)? {
        None => None,
        Some(values) => {
            let p = path.key("enum");
            let mut out = Some(Vec::with_capacity(values.len()));
            for (i, v) in values.iter().enumerate() {
                match v {
                    Value::Null => {}
                    Value::Number(n) => match as_integer(n) {
                        Some(n) => {
                            if let Some(out) = &mut out {
                                out.push(n);
                            }
                        }
                        None if integer => {
                            return Err(p.index(i).error(format!("enum of an integer field holds the number {n}")));
                        }
                        // A fractional value in a number enum: the model keeps integer
                        // enums only, so the whole enum is dropped (loose direction).
                        None => out = None,
                    },
                    other => {
                        let field = if integer { "an integer" } else { "a number" };
                        return Err(p.index(i).error(format!("enum of {field} field holds {}", describe(other))));
                    }
                }
            }
            out
        }
    };

    let mut rules = NumberRules {
        enum_values,
        format: get_str(node, "format", path)?.map(str::to_string),
        minimum: get_number(node, "minimum", path)?,
        maximum: get_number(node, "maximum", path)?,
        exclusive_minimum: false,
        exclusive_maximum: false,
    };
    // OpenAPI 3.0 spells exclusivity as a boolean beside minimum/maximum; JSON Schema
    // (2019-09 and OpenAPI 3.1) makes it the bound itself.
    (rules.minimum, rules.exclusive_minimum) =
        exclusive_bound(node, "exclusiveMinimum", rules.minimum, path, |new, old| new >= old)?;
    (rules.maximum, rules.exclusive_maximum) =
        exclusive_bound(node, "exclusiveMaximum", rules.maximum, path, |new, old| new <= old)?;
    Ok(rules)
}

/// The bound and its exclusivity after reading `key` (`exclusiveMinimum` or
/// `exclusiveMaximum`). `tighter(new, old)` says whether a numeric exclusive bound is at
/// least as strict as the inclusive one already read.
fn exclusive_bound(
    node: &Map<String, Value>,
    key: &str,
    bound: Option<f64>,
    path: &Path<'_>,
    tighter: impl Fn(f64, f64) -> bool,
) -> Result<(Option<f64>, bool), ConvertError> {
    match node.get(key) {
        None | Some(Value::Null) => Ok((bound, false)),
        // Exclusive without a bound means nothing.
        Some(Value::Bool(exclusive)) => Ok((bound, *exclusive && bound.is_some())),
        Some(Value::Number(n)) => {
            let n = n.as_f64().ok_or_else(|| path.key(key).error("bound out of range"))?;
            match bound {
                Some(old) if !tighter(n, old) => Ok((Some(old), false)),
                _ => Ok((Some(n), true)),
            }
        }
        Some(other) => {
            Err(path.key(key).error(format!("`{key}` must be a boolean or a number, found {}", describe(other))))
        }
    }
}

fn enum_list<'a>(node: &'a Map<String, Value>, path: &Path<'_>) -> Result<Option<&'a Vec<Value>>, ConvertError> {
    match node.get("enum") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(values)) => Ok(Some(values)),
        Some(other) => {
            Err(path.key("enum").error(format!("`enum` must be a list of values, found {}", describe(other))))
        }
    }
}

fn cel_rules(node: &Map<String, Value>, path: &Path<'_>) -> Result<Vec<String>, ConvertError> {
    let Some(rules) = node.get("x-kubernetes-validations") else { return Ok(Vec::new()) };
    let p = path.key("x-kubernetes-validations");
    let Value::Array(rules) = rules else {
        return Err(p.error(format!("expected a list of validation rules, found {}", describe(rules))));
    };
    rules
        .iter()
        .enumerate()
        .map(|(i, rule)| match rule.get("rule") {
            Some(Value::String(rule)) => Ok(rule.clone()),
            _ => Err(p.index(i).error("a validation rule needs a `rule` string")),
        })
        .collect()
}

/// `#/$defs/NAME`, `#/definitions/NAME`, `#/components/schemas/NAME` → `NAME` (JSON
/// pointer escapes `~1` and `~0` undone).
fn ref_name(reference: &str) -> Option<Arc<str>> {
    let name = ["#/$defs/", "#/definitions/", "#/components/schemas/"]
        .iter()
        .find_map(|prefix| reference.strip_prefix(prefix))?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    Some(Arc::from(name.replace("~1", "/").replace("~0", "~")))
}

fn as_integer(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // `1.0` from a YAML or JSON writer that always prints a fraction.
    (f.fract() == 0.0 && f >= i64::MIN as f64 && f <= i64::MAX as f64).then_some(f as i64)
}

fn get_bool(node: &Map<String, Value>, key: &str, path: &Path<'_>) -> Result<Option<bool>, ConvertError> {
    match node.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(path.key(key).error(format!("`{key}` must be true or false, found {}", describe(other)))),
    }
}

fn get_str<'a>(node: &'a Map<String, Value>, key: &str, path: &Path<'_>) -> Result<Option<&'a str>, ConvertError> {
    match node.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(path.key(key).error(format!("`{key}` must be a string, found {}", describe(other)))),
    }
}

fn get_count(node: &Map<String, Value>, key: &str, path: &Path<'_>) -> Result<Option<u64>, ConvertError> {
    match node.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64().or_else(|| as_integer(n).and_then(|i| u64::try_from(i).ok())) {
            Some(n) => Ok(Some(n)),
            None => Err(path.key(key).error(format!("`{key}` must be a non-negative integer, found {n}"))),
        },
        Some(other) => {
            Err(path.key(key).error(format!("`{key}` must be a non-negative integer, found {}", describe(other))))
        }
    }
}

fn get_number(node: &Map<String, Value>, key: &str, path: &Path<'_>) -> Result<Option<f64>, ConvertError> {
    match node.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(other) => Err(path.key(key).error(format!("`{key}` must be a number, found {}", describe(other)))),
    }
}

/// A short description of a JSON value for messages (`a string "x"`, `a list`).
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", Value::String(s.clone())),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
    }
}
