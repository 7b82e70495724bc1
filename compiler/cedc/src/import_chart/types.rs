//! The values type of a chart module: derived from `values.yaml` (every key optional,
//! typed by its default, documented by the comment lines above it) or from
//! `values.schema.json` when the chart ships one. Invariant: recursion is bounded by
//! [`MAX_DEPTH`] and the number of fields by [`MAX_FIELDS`] (coded errors past them);
//! fields keep the order of the chart's files; nothing here depends on hash order.

use super::{Problem, err};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The deepest nesting of values turned into types.
pub const MAX_DEPTH: usize = 32;
/// The most fields in one values type.
pub const MAX_FIELDS: usize = 20_000;
/// The longest chain of `$ref`s followed from one place; deeper is `Any`.
const MAX_REFS: usize = 16;

/// A `.ced` type.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Str,
    Int,
    Bool,
    Any,
    Union(Vec<String>),
    List(Box<Ty>),
    Map(Box<Ty>),
    Record(Record),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Record {
    pub fields: Vec<Field>,
    /// `..`: fields it does not declare are allowed.
    pub open: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub doc: Vec<String>,
    pub ty: Ty,
    pub required: bool,
}

/// Documentation comments by key path (`["image", "tag"]`; list items are `[]`).
pub type Docs = BTreeMap<Vec<String>, Vec<String>>;

/// Counts fields against [`MAX_FIELDS`].
struct Budget(usize);

impl Budget {
    fn field(&mut self) -> Result<(), Problem> {
        self.0 += 1;
        if self.0 > MAX_FIELDS {
            return Err(too_many());
        }
        Ok(())
    }
}

fn too_many() -> Problem {
    err("E0432", format!("the chart's values have more than {MAX_FIELDS} fields"))
        .help("cedc types charts of ordinary size; check that this is the chart you meant")
}

fn too_deep() -> Problem {
    err("E0431", format!("the chart's values are nested more than {MAX_DEPTH} levels deep"))
        .help("cedc types values up to that depth; check that this is the chart you meant")
}

// ---------------------------------------------------------------- from values.yaml

/// The values type of a chart without a schema: one optional field per key.
pub fn from_values(values: &Map<String, Value>, docs: &Docs) -> Result<Record, Problem> {
    let mut budget = Budget(0);
    let mut path = Vec::new();
    record_of(values, docs, &mut path, &mut budget)
}

fn record_of(
    map: &Map<String, Value>,
    docs: &Docs,
    path: &mut Vec<String>,
    budget: &mut Budget,
) -> Result<Record, Problem> {
    if path.len() > MAX_DEPTH {
        return Err(too_deep());
    }
    let mut fields = Vec::new();
    for (key, value) in map {
        budget.field()?;
        path.push(key.clone());
        let ty = type_of(value, docs, path, budget)?;
        let doc = docs.get(path.as_slice()).cloned().unwrap_or_default();
        path.pop();
        fields.push(Field { name: key.clone(), doc, ty, required: false });
    }
    Ok(Record { fields, open: false })
}

/// The type of a default value (see docs/cli.md: fractional numbers and `null` are `Any`,
/// an empty map is `Map<Any>`, an empty list `List<Any>`).
fn type_of(value: &Value, docs: &Docs, path: &mut Vec<String>, budget: &mut Budget) -> Result<Ty, Problem> {
    Ok(match value {
        Value::Null => Ty::Any,
        Value::Bool(_) => Ty::Bool,
        Value::Number(n) if n.is_i64() => Ty::Int,
        Value::Number(_) => Ty::Any,
        Value::String(_) => Ty::Str,
        Value::Object(m) if m.is_empty() => Ty::Map(Box::new(Ty::Any)),
        Value::Object(m) => Ty::Record(record_of(m, docs, path, budget)?),
        Value::Array(items) => {
            if path.len() > MAX_DEPTH {
                return Err(too_deep());
            }
            path.push("[]".to_string());
            let mut item: Option<Ty> = None;
            for v in items {
                let t = type_of(v, docs, path, budget)?;
                item = Some(match item {
                    None => t,
                    Some(prev) => unify(prev, t),
                });
            }
            path.pop();
            Ty::List(Box::new(item.unwrap_or(Ty::Any)))
        }
    })
}

/// One type for the items of a list: records merge their fields, anything else that
/// differs is `Any`.
fn unify(a: Ty, b: Ty) -> Ty {
    match (a, b) {
        (a, b) if a == b => a,
        (Ty::Record(mut a), Ty::Record(b)) => {
            for f in b.fields {
                match a.fields.iter_mut().find(|x| x.name == f.name) {
                    Some(x) => x.ty = unify(x.ty.clone(), f.ty),
                    None => a.fields.push(f),
                }
            }
            Ty::Record(a)
        }
        (Ty::Map(a), Ty::Map(b)) => Ty::Map(Box::new(unify(*a, *b))),
        (Ty::Map(_), r @ Ty::Record(_)) | (r @ Ty::Record(_), Ty::Map(_)) => r,
        _ => Ty::Any,
    }
}

// ------------------------------------------------------------ from values.schema.json

/// The values type from the chart's JSON Schema. `defaults` (the chart's values.yaml)
/// decides which required fields the user must give: one the chart has a default for
/// need not be.
pub fn from_schema(schema: &Value, defaults: &Value, docs: &Docs) -> Result<Record, Problem> {
    let root = Schema { root: schema, docs, budget: std::cell::Cell::new(0) };
    match root.ty(schema, Some(defaults), &mut Vec::new(), 0)? {
        Ty::Record(r) => Ok(r),
        Ty::Map(t) if *t == Ty::Any => Ok(Record { fields: Vec::new(), open: true }),
        _ => Err(err("E0429", "values.schema.json does not describe an object")
            .help("a chart's values are a mapping: its schema's top level must be `type: object`")),
    }
}

struct Schema<'a> {
    root: &'a Value,
    docs: &'a Docs,
    budget: std::cell::Cell<usize>,
}

impl Schema<'_> {
    /// Follow `$ref`s (local ones only, at most [`MAX_REFS`]); `None` if it cannot.
    fn resolve<'s>(&'s self, mut s: &'s Value) -> Option<&'s Value> {
        for _ in 0..MAX_REFS {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else { return Some(s) };
            let pointer = r.strip_prefix('#')?;
            if !(pointer.starts_with("/definitions/") || pointer.starts_with("/$defs/")) {
                return None;
            }
            s = self.root.pointer(pointer)?;
        }
        None
    }

    fn ty(&self, s: &Value, defaults: Option<&Value>, path: &mut Vec<String>, refs: usize) -> Result<Ty, Problem> {
        if path.len() > MAX_DEPTH {
            return Err(too_deep());
        }
        let depth_of_refs = refs + usize::from(s.get("$ref").is_some());
        let Some(s) = self.resolve(s).filter(|_| depth_of_refs <= MAX_REFS * 4) else { return Ok(Ty::Any) };
        if let Some(members) = s.get("enum").and_then(Value::as_array) {
            let strings: Option<Vec<String>> = members.iter().map(|m| m.as_str().map(str::to_string)).collect();
            return Ok(match strings {
                Some(v) if !v.is_empty() => Ty::Union(v),
                _ => Ty::Any,
            });
        }
        let Some(kind) = single_type(s) else { return Ok(Ty::Any) };
        Ok(match kind {
            "string" => Ty::Str,
            "integer" => Ty::Int,
            "boolean" => Ty::Bool,
            "array" => match s.get("items") {
                Some(items) if items.is_object() => {
                    path.push("[]".to_string());
                    let t = self.ty(items, None, path, depth_of_refs)?;
                    path.pop();
                    Ty::List(Box::new(t))
                }
                _ => Ty::List(Box::new(Ty::Any)),
            },
            "object" => self.object(s, defaults, path, depth_of_refs)?,
            _ => Ty::Any,
        })
    }

    fn object(&self, s: &Value, defaults: Option<&Value>, path: &mut Vec<String>, refs: usize) -> Result<Ty, Problem> {
        let additional = s.get("additionalProperties");
        let props = s.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty());
        let Some(props) = props else {
            return Ok(match additional {
                Some(Value::Bool(false)) => Ty::Record(Record::default()),
                Some(a) if a.is_object() => {
                    path.push("[]".to_string());
                    let t = self.ty(a, None, path, refs)?;
                    path.pop();
                    Ty::Map(Box::new(t))
                }
                _ => Ty::Map(Box::new(Ty::Any)),
            });
        };
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        for (name, prop) in props {
            self.budget.set(self.budget.get() + 1);
            if self.budget.get() > MAX_FIELDS {
                return Err(too_many());
            }
            let default = defaults.and_then(|d| d.get(name));
            path.push(name.clone());
            let ty = self.ty(prop, default, path, refs)?;
            let doc = self.doc(prop).unwrap_or_else(|| self.docs.get(path.as_slice()).cloned().unwrap_or_default());
            path.pop();
            let required = required.contains(&name.as_str()) && default.is_none();
            fields.push(Field { name: name.clone(), doc, ty, required });
        }
        let open = matches!(additional, Some(Value::Bool(true))) || additional.is_some_and(Value::is_object);
        Ok(Ty::Record(Record { fields, open }))
    }

    /// A field's documentation: its schema's `description`, else its `title`.
    fn doc(&self, s: &Value) -> Option<Vec<String>> {
        let s = self.resolve(s).unwrap_or(s);
        let text = s.get("description").or_else(|| s.get("title")).and_then(Value::as_str)?;
        let lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
        (!lines.iter().all(|l| l.trim().is_empty())).then_some(lines)
    }
}

/// The one JSON type a schema allows, `null` aside; `None` when it allows several or
/// says nothing (then the type is `Any`). An object schema may leave `type` out.
fn single_type(s: &Value) -> Option<&str> {
    match s.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => {
            let non_null: Vec<&str> = ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect();
            match non_null.as_slice() {
                [one] => Some(one),
                _ => None,
            }
        }
        None if s.get("properties").is_some() => Some("object"),
        _ => None,
    }
}
