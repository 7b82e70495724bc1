//! What the schema tests share: a node-by-node structural comparison of a hand-written
//! schema with the one converted from an upstream CRD (types, fields, required fields,
//! enums, formats, patterns, bounds, list types, defaults; descriptions ignored), and
//! the loading of those upstream CRDs from `../shared`, which says loudly when it skips;
//! and, in [`crds`], the hand-written CRDs that several test files use.

pub mod crds;

use cedc_schema::crd;
use cedc_schema::{Additional, Array, Kind, NumberRules, Schema, StringRules, Ty};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The kinds of `group`/`version` defined by the CRDs in `../shared/crds/<folder>`, by
/// kind name; `None`, after saying so loudly, when that folder is absent (`../shared` is
/// not part of the repository).
pub fn upstream_kinds(folder: &str, group: &str, version: &str) -> Option<BTreeMap<String, Kind>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/crds").join(folder);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "\n*** SKIPPED: ../shared not found ({} is missing): \
             the built-in {group} kinds were NOT compared with upstream ***\n",
            dir.display()
        );
        return None;
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut upstream = BTreeMap::new();
    for p in files {
        let text = std::fs::read_to_string(&p).expect("read an upstream CRD");
        let file = crd::load_crds(&p.display().to_string(), &text);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        for k in file.kinds.into_iter().filter(|k| k.group == group && k.version == version) {
            upstream.insert(k.kind.clone(), k);
        }
    }
    Some(upstream)
}

/// A node's type, in words.
fn ty_name(ty: &Ty) -> &'static str {
    match ty {
        Ty::Any => "anything",
        Ty::Object(o) if o.properties.is_empty() && matches!(o.additional, Additional::Schema(_)) => "map",
        Ty::Object(_) => "object",
        Ty::Array(_) => "array",
        Ty::String(_) => "string",
        Ty::Integer(_) => "integer",
        Ty::Number(_) => "number",
        Ty::Boolean => "boolean",
        Ty::IntOrString(_) => "int-or-string",
        Ty::Ref(_) => "reference",
    }
}

fn additional_name(a: &Additional) -> &'static str {
    match a {
        Additional::Forbidden => "closed",
        Additional::Any => "open",
        Additional::Schema(_) => "a map",
    }
}

/// A structural comparison of our schemas with upstream's.
pub struct Compare {
    /// Paths whose subtree ours leaves open.
    open_paths: &'static [&'static str],
    pub differences: Vec<String>,
    /// Nodes compared (properties, list items and map values).
    pub nodes: usize,
    /// Open paths met (upstream has a node there).
    pub open_seen: BTreeSet<String>,
}

impl Compare {
    pub fn new(open_paths: &'static [&'static str]) -> Compare {
        Compare { open_paths, differences: Vec::new(), nodes: 0, open_seen: BTreeSet::new() }
    }

    fn differ(&mut self, kind: &str, path: &str, what: impl std::fmt::Display) {
        let at = if path.is_empty() { "(top level)" } else { path };
        self.differences.push(format!("{kind} {at}: {what}"));
    }

    fn same<T: PartialEq + std::fmt::Debug>(&mut self, kind: &str, path: &str, what: &str, ours: T, upstream: T) {
        if ours != upstream {
            self.differ(kind, path, format_args!("{what}: ours {ours:?}, upstream {upstream:?}"));
        }
    }

    pub fn node(&mut self, kind: &str, path: &str, ours: &Schema, upstream: &Schema) {
        self.nodes += 1;
        if self.open_paths.contains(&path) {
            self.open_seen.insert(path.to_string());
            let open = match &ours.ty {
                Ty::Any => true,
                Ty::Object(o) => o.properties.is_empty() && o.additional == Additional::Any,
                _ => false,
            };
            if !open {
                self.differ(kind, path, "listed in OPEN_PATHS but not open in ours");
            }
            return;
        }
        self.same(kind, path, "nullable", ours.nullable, upstream.nullable);
        self.same(kind, path, "default", &ours.default, &upstream.default);
        match (&ours.ty, &upstream.ty) {
            (Ty::Object(o), Ty::Object(u)) => {
                let on: BTreeSet<&String> = o.properties.keys().collect();
                let un: BTreeSet<&String> = u.properties.keys().collect();
                for missing in un.difference(&on) {
                    self.differ(kind, path, format_args!("field `{missing}` of upstream is missing from ours"));
                }
                for extra in on.difference(&un) {
                    self.differ(kind, path, format_args!("field `{extra}` of ours is not upstream"));
                }
                let or: BTreeSet<&String> = o.required.iter().collect();
                let ur: BTreeSet<&String> = u.required.iter().collect();
                self.same(kind, path, "required", or, ur);
                self.same(
                    kind,
                    path,
                    "undeclared fields",
                    additional_name(&o.additional),
                    additional_name(&u.additional),
                );
                self.same(kind, path, "embedded resource", o.embedded_resource, u.embedded_resource);
                self.same(kind, path, "minProperties", o.min_properties, u.min_properties);
                self.same(kind, path, "maxProperties", o.max_properties, u.max_properties);
                for (name, op) in &o.properties {
                    if let Some(up) = u.properties.get(name) {
                        let child = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                        self.node(kind, &child, op, up);
                    }
                }
                if let (Additional::Schema(ov), Additional::Schema(uv)) = (&o.additional, &u.additional) {
                    self.node(kind, &format!("{path}{{*}}"), ov, uv);
                }
            }
            (Ty::Array(o), Ty::Array(u)) => {
                let Array { items: oi, min_items, max_items, list_type, map_keys } = o;
                self.same(kind, path, "minItems", min_items, &u.min_items);
                self.same(kind, path, "maxItems", max_items, &u.max_items);
                self.same(kind, path, "list type", list_type, &u.list_type);
                self.same(kind, path, "list map keys", map_keys, &u.map_keys);
                match (oi, &u.items) {
                    (Some(oi), Some(ui)) => self.node(kind, &format!("{path}[*]"), oi, ui),
                    (None, None) => {}
                    (oi, ui) => self.same(kind, path, "items declared", oi.is_some(), ui.is_some()),
                }
            }
            (Ty::String(o), Ty::String(u)) => self.strings(kind, path, o, u),
            (Ty::Integer(o), Ty::Integer(u)) | (Ty::Number(o), Ty::Number(u)) => self.numbers(kind, path, o, u),
            (Ty::IntOrString(o), Ty::IntOrString(u)) => {
                self.strings(kind, path, &o.string, &u.string);
                self.numbers(kind, path, &o.integer, &u.integer);
            }
            (Ty::Ref(o), Ty::Ref(u)) => self.same(kind, path, "reference", o, u),
            (Ty::Any, Ty::Any) | (Ty::Boolean, Ty::Boolean) => {}
            (o, u) => self.differ(kind, path, format_args!("type: ours {}, upstream {}", ty_name(o), ty_name(u))),
        }
    }

    fn strings(&mut self, kind: &str, path: &str, o: &StringRules, u: &StringRules) {
        let set = |e: &Option<Vec<String>>| e.as_ref().map(|e| e.iter().cloned().collect::<BTreeSet<_>>());
        self.same(kind, path, "enum", set(&o.enum_values), set(&u.enum_values));
        self.same(kind, path, "format", &o.format, &u.format);
        self.same(kind, path, "pattern", &o.pattern, &u.pattern);
        self.same(kind, path, "minLength", o.min_length, u.min_length);
        self.same(kind, path, "maxLength", o.max_length, u.max_length);
    }

    fn numbers(&mut self, kind: &str, path: &str, o: &NumberRules, u: &NumberRules) {
        self.same(kind, path, "enum", &o.enum_values, &u.enum_values);
        self.same(kind, path, "format", &o.format, &u.format);
        self.same(kind, path, "minimum", (o.minimum, o.exclusive_minimum), (u.minimum, u.exclusive_minimum));
        self.same(kind, path, "maximum", (o.maximum, o.exclusive_maximum), (u.maximum, u.exclusive_maximum));
    }
}
