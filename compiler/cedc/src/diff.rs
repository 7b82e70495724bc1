//! `cedc diff`: what a change to the `.ced` files changes in the platform, for review —
//! per environment, component and object, each changed field with its old and new value
//! and the `.ced` place that produced the new one.
//!
//! The new side is the project compiled now; the old side the same project compiled at a
//! git revision, or a tree `cedc build` wrote (its overlays read back: the base's
//! objects with each environment's JSON patches applied). Objects are compared as they
//! are emitted (so moving a value between a base and an overlay is no change).
//! Invariants: the report is in environment, component and object order, fields in
//! document order, and deterministic; the contents of Secrets are never shown (a change
//! says only that they changed).

use cedc_diagnostics::Files;
use cedc_model::views::core;
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

/// One side of a comparison: per environment (in order), the emitted JSON of each
/// object by (component, identity), with the object when it is a compiled one (for the
/// places values are set).
pub type Side<'a> = Vec<(String, Objects<'a>)>;

/// The objects of one environment of a [`Side`].
pub type Objects<'a> = BTreeMap<(String, ObjectId), (Value, Option<&'a Object>)>;

fn find<'s, 'a>(side: &'s Side<'a>, env: &str) -> Option<&'s Objects<'a>> {
    side.iter().find(|(n, _)| n == env).map(|(_, o)| o)
}

/// The side of a compiled platform.
pub fn side(p: &Platform) -> Side<'_> {
    p.envs
        .iter()
        .map(|e| {
            let mut objects = BTreeMap::new();
            for c in &e.components {
                for o in &c.objects {
                    if let Some(json) = json_of(o) {
                        objects.insert((c.name.clone(), o.id()), (json, Some(o)));
                    }
                }
            }
            (e.name.clone(), objects)
        })
        .collect()
}

/// Every change from `old` to `new` (`files` are `new`'s, for the places).
pub fn changes(old: &Side, new: &Side, files: &Files) -> Vec<Change> {
    let mut out = Vec::new();
    let empty = BTreeMap::new();
    let mut envs: Vec<&str> = new.iter().map(|(n, _)| n.as_str()).collect();
    envs.extend(old.iter().map(|(n, _)| n.as_str()).filter(|n| find(new, n).is_none()));
    for env in envs {
        let before = find(old, env).unwrap_or(&empty);
        let after = find(new, env).unwrap_or(&empty);
        let mut keys: Vec<&(String, ObjectId)> = after.keys().collect();
        keys.extend(before.keys().filter(|k| !after.contains_key(*k)));
        for key in keys {
            let (component, id) = key;
            let change = |what| Change { env: env.to_string(), component: component.clone(), object: shown(id), what };
            match (before.get(key), after.get(key)) {
                (None, Some(_)) => out.push(change(What::Added)),
                (Some(_), None) => out.push(change(What::Removed)),
                (Some((ja, _)), Some((jb, b))) => {
                    let secret = id.group == core::GROUP && id.kind == core::SECRET;
                    let mut fields = Vec::new();
                    compare(ja, jb, &mut Vec::new(), &mut fields);
                    for (path, old, new) in fields {
                        let at = b.and_then(|b| place(b, &path, files));
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

// ------------------------------------------------------------------ a built tree

/// The side of a tree `cedc build` wrote in `dir`: each component overlay its index
/// lists, read back as Kustomize would build it (the resources, then the JSON 6902
/// patches cedc writes: `add`, `replace`, `remove`).
pub fn side_of_tree(dir: &std::path::Path) -> Result<Side<'static>, String> {
    let read = |rel: &str| -> Result<String, String> {
        let path = dir.join(rel);
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let index: Value = serde_json::from_str(&read("cedc-index.json")?)
        .map_err(|e| format!("{} is not a cedc index: {e}", dir.join("cedc-index.json").display()))?;
    if index["generator"] != "cedc" {
        return Err(format!("{} was not written by cedc", dir.join("cedc-index.json").display()));
    }
    let mut side: Side = Vec::new();
    for root in index["roots"].as_array().into_iter().flatten() {
        let (Some(path), Some(env), Some(component)) =
            (root["path"].as_str(), root["env"].as_str(), root["component"].as_str())
        else {
            continue;
        };
        let objects = build_root(path, &read)?;
        let at = match side.iter().position(|(n, _)| n == env) {
            Some(i) => i,
            None => {
                side.push((env.to_string(), BTreeMap::new()));
                side.len() - 1
            }
        };
        for json in objects {
            side[at].1.insert((component.to_string(), id_of(&json)), (json, None));
        }
    }
    Ok(side)
}

fn yaml(text: &str, what: &str) -> Result<Value, String> {
    serde_saphyr::from_str(text).map_err(|e| format!("{what} is not YAML cedc wrote: {e}"))
}

/// The objects the Kustomization in directory `path` builds.
fn build_root(path: &str, read: &dyn Fn(&str) -> Result<String, String>) -> Result<Vec<Value>, String> {
    let file = format!("{path}/kustomization.yaml");
    let k = yaml(&read(&file)?, &file)?;
    let mut objects = Vec::new();
    for r in k["resources"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let rel = normalize(&format!("{path}/{r}"));
        if r.ends_with(".yaml") {
            objects.push(yaml(&read(&rel)?, &rel)?);
        } else {
            objects.extend(build_root(&rel, read)?);
        }
    }
    for p in k["patches"].as_array().into_iter().flatten() {
        let (Some(file), target) = (p["path"].as_str(), &p["target"]) else { continue };
        let rel = normalize(&format!("{path}/{file}"));
        let ops = yaml(&read(&rel)?, &rel)?;
        let hit = objects.iter_mut().find(|o| {
            o["kind"] == target["kind"]
                && o["metadata"]["name"] == target["name"]
                && o["metadata"]["namespace"] == target["namespace"]
        });
        if let Some(o) = hit {
            for op in ops.as_array().into_iter().flatten() {
                apply(o, op).map_err(|e| format!("{rel}: {e}"))?;
            }
        }
    }
    Ok(objects)
}

/// `a/b/../c` → `a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Apply one JSON 6902 operation (`add`, `replace`, `remove`) to `doc`.
fn apply(doc: &mut Value, op: &Value) -> Result<(), String> {
    let path = op["path"].as_str().ok_or("an operation without a path")?;
    let segs: Vec<String> = path.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
    let (last, parents) = segs.split_last().ok_or("an operation on the whole object")?;
    let mut at = &mut *doc;
    for s in parents {
        at = match at {
            Value::Object(m) => m.get_mut(s.as_str()),
            Value::Array(a) => s.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| format!("no `{path}` to change"))?;
    }
    let kind = op["op"].as_str().unwrap_or("");
    match (kind, at) {
        ("remove", Value::Object(m)) => {
            m.remove(last.as_str());
        }
        ("remove", Value::Array(a)) => {
            let i: usize = last.parse().map_err(|_| format!("`{path}`: not an index"))?;
            if i < a.len() {
                a.remove(i);
            }
        }
        ("add" | "replace", Value::Object(m)) => {
            m.insert(last.clone(), op["value"].clone());
        }
        ("add", Value::Array(a)) if last == "-" => a.push(op["value"].clone()),
        ("add", Value::Array(a)) => {
            let i: usize = last.parse().map_err(|_| format!("`{path}`: not an index"))?;
            a.insert(i.min(a.len()), op["value"].clone());
        }
        ("replace", Value::Array(a)) => {
            let i: usize = last.parse().map_err(|_| format!("`{path}`: not an index"))?;
            *a.get_mut(i).ok_or_else(|| format!("no `{path}` to replace"))? = op["value"].clone();
        }
        (other, _) => return Err(format!("cannot apply `{other}` at `{path}`")),
    }
    Ok(())
}

/// The identity of an emitted object.
fn id_of(json: &Value) -> ObjectId {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let api = text(&json["apiVersion"]);
    ObjectId {
        group: api.rsplit_once('/').map_or(String::new(), |(g, _)| g.to_string()),
        kind: text(&json["kind"]),
        namespace: json["metadata"]["namespace"].as_str().map(str::to_string),
        name: text(&json["metadata"]["name"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_apply_as_json_6902_says() {
        let mut doc = json!({ "spec": { "a/b": 1, "list": [1, 2, 3] } });
        apply(&mut doc, &json!({ "op": "replace", "path": "/spec/a~1b", "value": 2 })).unwrap();
        apply(&mut doc, &json!({ "op": "remove", "path": "/spec/list/0" })).unwrap();
        apply(&mut doc, &json!({ "op": "add", "path": "/spec/list/-", "value": 4 })).unwrap();
        apply(&mut doc, &json!({ "op": "add", "path": "/spec/new", "value": "x" })).unwrap();
        assert_eq!(doc, json!({ "spec": { "a/b": 2, "list": [2, 3, 4], "new": "x" } }));
        assert!(apply(&mut doc, &json!({ "op": "replace", "path": "/nothing/here", "value": 1 })).is_err());
        assert_eq!(normalize("components/a/overlays/prod/../../base"), "components/a/base");
    }
}
