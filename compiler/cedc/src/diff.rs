//! `cedc diff`: what a change to the `.ced` files changes in the platform, for review —
//! per environment, component and object, each changed field with its old and new value
//! and the `.ced` place that produced the new one.
//!
//! Both sides are compiled platforms (the project now, and as it was at a git revision),
//! compared object by object as they are emitted (so moving a value between a base and
//! an overlay is no change). Invariants: the report is in environment, component and
//! object order, fields in document order, and deterministic; the contents of Secrets
//! are never shown (a change says only that they changed).

use cedc_diagnostics::Files;
use cedc_model::{Object, ObjectId, PathSeg, Platform};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One change of the platform.
#[derive(Debug)]
pub struct Change {
    pub env: String,
    pub component: String,
    /// `Kind name` or `Kind namespace/name`.
    pub object: String,
    pub what: What,
}

#[derive(Debug)]
pub enum What {
    Added,
    Removed,
    /// A field: its path, old and new value (`None` when absent), and where the new
    /// value is set (`file:line`).
    Field {
        path: String,
        old: Option<Value>,
        new: Option<Value>,
        at: Option<String>,
    },
}

/// The text shown for a Secret's contents.
const HIDDEN: &str = "(hidden: Secret contents)";

/// Every change from `old` to `new` (`files` are `new`'s, for the places).
pub fn changes(old: &Platform, new: &Platform, files: &Files) -> Vec<Change> {
    let mut out = Vec::new();
    let mut envs: Vec<&str> = new.envs.iter().map(|e| e.name.as_str()).collect();
    envs.extend(old.envs.iter().map(|e| e.name.as_str()).filter(|n| new.env(n).is_none()));
    for env in envs {
        let before = objects(old, env);
        let after = objects(new, env);
        let mut keys: Vec<&(String, ObjectId)> = after.keys().collect();
        keys.extend(before.keys().filter(|k| !after.contains_key(*k)));
        for key in keys {
            let (component, id) = key;
            let change = |what| Change { env: env.to_string(), component: component.clone(), object: shown(id), what };
            match (before.get(key), after.get(key)) {
                (None, Some(_)) => out.push(change(What::Added)),
                (Some(_), None) => out.push(change(What::Removed)),
                (Some(a), Some(b)) => {
                    let secret = id.group.is_empty() && id.kind == "Secret";
                    let (Some(ja), Some(jb)) = (json_of(a), json_of(b)) else { continue };
                    let mut fields = Vec::new();
                    compare(&ja, &jb, &mut Vec::new(), &mut fields);
                    for (path, old, new) in fields {
                        let at = place(b, &path, files);
                        let hide =
                            secret && matches!(path.first(), Some(PathSeg::Key(k)) if k == "data" || k == "stringData");
                        let (old, new) =
                            if hide { (old.map(|_| json!(HIDDEN)), new.map(|_| json!(HIDDEN))) } else { (old, new) };
                        out.push(change(What::Field { path: dotted(&path), old, new, at }));
                    }
                }
                (None, None) => {}
            }
        }
    }
    out
}

/// The objects of `env` by (component, identity), in declaration order of the map's keys.
fn objects<'a>(p: &'a Platform, env: &str) -> BTreeMap<(String, ObjectId), &'a Object> {
    let mut out = BTreeMap::new();
    for c in p.env(env).into_iter().flat_map(|e| &e.components) {
        for o in &c.objects {
            out.insert((c.name.clone(), o.id()), o);
        }
    }
    out
}

fn json_of(o: &Object) -> Option<Value> {
    cedc_emit::object_json(o).ok()
}

fn shown(id: &ObjectId) -> String {
    match &id.namespace {
        Some(ns) => format!("{} {ns}/{}", id.kind, id.name),
        None => format!("{} {}", id.kind, id.name),
    }
}

/// The differing leaves of `a` and `b` (records compared by key, lists by position; a
/// list of another length is one change), in document order.
fn compare(a: &Value, b: &Value, path: &mut Vec<PathSeg>, out: &mut Vec<(Vec<PathSeg>, Option<Value>, Option<Value>)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, vb) in y {
                path.push(PathSeg::Key(k.clone()));
                match x.get(k) {
                    Some(va) => compare(va, vb, path, out),
                    None => out.push((path.clone(), None, Some(vb.clone()))),
                }
                path.pop();
            }
            for (k, va) in x.iter().filter(|(k, _)| !y.contains_key(*k)) {
                path.push(PathSeg::Key(k.clone()));
                out.push((path.clone(), Some(va.clone()), None));
                path.pop();
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                path.push(PathSeg::Index(i));
                compare(va, vb, path, out);
                path.pop();
            }
        }
        _ if a == b => {}
        _ => out.push((path.clone(), Some(a.clone()), Some(b.clone()))),
    }
}

fn dotted(path: &[PathSeg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(k) if k.contains('.') || k.contains('/') => s.push_str(&format!("[\"{k}\"]")),
            PathSeg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// `file:line` of the expression that produced the value at `path` of `o`.
fn place(o: &Object, path: &[PathSeg], files: &Files) -> Option<String> {
    let span = o.value.origin_at(path).span;
    let f = files.try_get(span.file)?;
    Some(format!("{}:{}", f.name, f.line_col(span.start as usize).0))
}

fn value_text(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    }
}

/// For a terminal: one line per object, its fields below.
pub fn text(changes: &[Change]) -> String {
    let mut out = String::new();
    let mut last = None;
    for c in changes {
        let head = (&c.env, &c.component, &c.object);
        match &c.what {
            What::Added => out.push_str(&format!("{} · {} · {}: added\n", c.env, c.component, c.object)),
            What::Removed => out.push_str(&format!("{} · {} · {}: removed\n", c.env, c.component, c.object)),
            What::Field { path, old, new, at } => {
                if last != Some(head) {
                    out.push_str(&format!("{} · {} · {}: changed\n", c.env, c.component, c.object));
                }
                let at = at.as_ref().map(|a| format!(", set at {a}")).unwrap_or_default();
                out.push_str(&format!("    {path}: {} → {}{at}\n", value_text(old), value_text(new)));
            }
        }
        last = Some(head);
    }
    out
}

/// For a pull-request comment: per environment a collapsed section with a table.
pub fn markdown(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "**cedc diff**: no change to the platform.\n".into();
    }
    let mut by_env: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    let mut order = Vec::new();
    for c in changes {
        if !by_env.contains_key(c.env.as_str()) {
            order.push(c.env.as_str());
        }
        by_env.entry(&c.env).or_default().push(c);
    }
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from("**cedc diff**\n\n");
    for env in order {
        let list = &by_env[env];
        out.push_str(&format!(
            "<details><summary><b>{env}</b>: {} change{}</summary>\n\n",
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        ));
        out.push_str("| component | object | field | before | after | set at |\n|---|---|---|---|---|---|\n");
        for c in list {
            let (field, old, new, at) = match &c.what {
                What::Added => ("(added)".to_string(), String::new(), String::new(), String::new()),
                What::Removed => ("(removed)".to_string(), String::new(), String::new(), String::new()),
                What::Field { path, old, new, at } => {
                    (format!("`{path}`"), value_text(old), value_text(new), at.clone().unwrap_or_default())
                }
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(&c.component),
                cell(&c.object),
                cell(&field),
                cell(&old),
                cell(&new),
                cell(&at)
            ));
        }
        out.push_str("\n</details>\n\n");
    }
    out
}

/// For tools: one JSON document.
pub fn json(changes: &[Change]) -> Value {
    let list: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut v = json!({ "env": c.env, "component": c.component, "object": c.object });
            match &c.what {
                What::Added => v["change"] = json!("added"),
                What::Removed => v["change"] = json!("removed"),
                What::Field { path, old, new, at } => {
                    v["change"] = json!("changed");
                    v["path"] = json!(path);
                    v["old"] = old.clone().unwrap_or(Value::Null);
                    v["new"] = new.clone().unwrap_or(Value::Null);
                    v["at"] = json!(at);
                }
            }
            v
        })
        .collect();
    json!({ "changes": list })
}
