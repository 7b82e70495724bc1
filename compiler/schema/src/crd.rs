//! Reading CustomResourceDefinitions from YAML files.
//!
//! A file may hold many YAML documents (`---`), and a document may be a `v1` `List` of
//! objects (what `kubectl get crd -o yaml` writes); objects that are not CRDs (a reference
//! file often mixes CRDs with Deployments and the like) are counted and skipped. Both
//! `apiextensions.k8s.io/v1` and the older `v1beta1` CRDs are read. Every CRD becomes one
//! [`Kind`] per **served** version, with that version's schema.
//!
//! Nothing in one document can stop the others from loading: a CRD with a bad schema,
//! missing names or an unknown scope becomes a [`CrdProblem`] and the next document is
//! read. Only a YAML *syntax* error ends the file early (the parser cannot tell where the
//! next document starts once the text stops being YAML); that is reported as well.
//!
//! # The top level of a kind's schema
//!
//! CRDs usually declare only `spec` and `status`; Kubernetes itself validates
//! `apiVersion`, `kind` and `metadata`. So every kind's top-level object gets:
//!
//! - `apiVersion` and `kind` as strings, unless the CRD declares them (its declaration is
//!   kept: it may carry a description);
//! - `metadata` as a [`Ty::Ref`] to [`OBJECT_META`], **always** — even when the CRD
//!   declares `metadata` itself, because a CRD may only restrict `name`/`generateName`
//!   there and a declared `metadata: {type: object}` would otherwise reject every label.
//!   The CRD's own restrictions on the name are dropped (the loose direction); its
//!   description is kept.
//!
//! # CRDs with no schema
//!
//! A version with no `openAPIV3Schema` (possible with `apiextensions.k8s.io/v1beta1`)
//! still becomes a kind, so objects of it are recognised, with a top-level object that
//! declares only `apiVersion`, `kind` and `metadata` and accepts any other field
//! ([`Additional::Any`]). A [`Severity::Warning`] problem says so: such objects are only
//! checked for apiVersion, kind and metadata.

use crate::Registry;
use crate::convert::{self, ConvertError};
use crate::model::*;
use cedc_diagnostics::Severity;
use serde_json::Value;
use serde_saphyr::{DuplicateKeyPolicy, Spanned};
use std::fmt;
use std::sync::Arc;

/// The definition every kind's `metadata` refers to (provided by the built-in kinds).
pub const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// The deepest YAML nesting read. Each schema level is two YAML levels
/// (`properties: {name: ...}`); real CRDs stay well below this, and the bound keeps the
/// recursive parse of a hostile file from overflowing the stack.
const MAX_YAML_DEPTH: usize = 256;

/// Stack of the YAML parsing thread: enough for [`MAX_YAML_DEPTH`] levels in a debug
/// build, with room to spare.
const YAML_STACK: usize = 64 << 20;

/// What one file yielded.
#[derive(Clone, Debug, Default)]
pub struct CrdFile {
    /// One per served version of each CRD that converted, in file order.
    pub kinds: Vec<Kind>,
    /// Everything that went wrong or is worth knowing, in file order.
    pub problems: Vec<CrdProblem>,
    /// Non-empty YAML documents read.
    pub documents: usize,
    /// CustomResourceDefinitions found (converted or not), as documents or as items of a
    /// `List` document.
    pub crds: usize,
    /// Objects (documents or `List` items) that are something else, skipped.
    pub other_objects: usize,
}

/// Something about one document of a CRD file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrdProblem {
    /// The file, as passed to [`load_crds`].
    pub file: String,
    /// 1-based position of the document among the file's non-empty YAML documents (empty
    /// documents, such as a leading `---`, are not counted).
    pub document: usize,
    /// 1-based line where the document (or the YAML error) is, when known.
    pub line: Option<usize>,
    /// `metadata.name` of the CRD, when it got that far.
    pub crd: Option<String>,
    /// [`Severity::Error`]: the CRD (or one of its versions) was not loaded.
    /// [`Severity::Warning`]: it was loaded, with less checking than usual.
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for CrdProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": document {}", self.document)?;
        if let Some(crd) = &self.crd {
            write!(f, " (CRD {crd})")?;
        }
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {level}: {}", self.message)
    }
}

/// What [`load_into`] did to the registry.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// `(group, version, kind)` of every kind added or replaced, in file order.
    pub loaded: Vec<(String, String, String)>,
    /// Kinds the registry already had that this file replaced.
    pub replaced: Vec<Kind>,
    pub problems: Vec<CrdProblem>,
}

/// Read every CRD of a YAML file. `file` names the file in [`Source::Crd`] and problems
/// (a project-relative path).
pub fn load_crds(file: &str, text: &str) -> CrdFile {
    let mut out = CrdFile::default();
    let documents = match read_documents(text, DuplicateKeyPolicy::Error) {
        Ok(documents) => documents,
        Err(message) => {
            out.problems.push(CrdProblem {
                file: file.to_string(),
                document: 1,
                line: None,
                crd: None,
                severity: Severity::Error,
                message,
            });
            return out;
        }
    };
    // Documents with errors, read again with duplicate keys allowed, to tell whether they
    // are CRDs at all: a duplicate key in a Deployment beside the CRDs is not this
    // loader's business, one in a CRD is.
    let lenient =
        documents.iter().any(Result::is_err).then(|| read_documents(text, DuplicateKeyPolicy::LastWins).ok()).flatten();
    let count = documents.len();
    for (i, document) in documents.into_iter().enumerate() {
        out.documents += 1;
        let index = i + 1;
        match document {
            Err(error) => {
                let line = error.location().map(|l| l.line() as usize).filter(|&l| l > 0);
                let retried = lenient.as_ref().and_then(|l| l.get(i)).and_then(|d| d.as_ref().ok());
                let crd = match retried {
                    Some(document) if !is_crd(&document.value) => {
                        out.other_objects += 1;
                        continue;
                    }
                    Some(document) => {
                        out.crds += 1;
                        document.value.pointer("/metadata/name").and_then(Value::as_str).map(str::to_string)
                    }
                    None => None,
                };
                let mut message = format!("not valid YAML: {}", first_line(&error.to_string()));
                if crd.is_some() {
                    message.push_str("; the CRD was not loaded");
                }
                if i + 1 == count && retried.is_none() {
                    // The parser stops at a syntax error.
                    message.push_str(" (reading stopped here: later documents of the file, if any, were not read)");
                }
                out.problems.push(CrdProblem {
                    file: file.to_string(),
                    document: index,
                    line,
                    crd,
                    severity: Severity::Error,
                    message,
                });
            }
            Ok(document) => {
                let line = Some(document.referenced.line() as usize).filter(|&l| l > 0);
                let at = At { file, document: index, line };
                // `kubectl get crd -o yaml` writes one `List` of them.
                let objects = match list_items(&document.value) {
                    Some(items) => items.iter().collect(),
                    None => vec![&document.value],
                };
                for object in objects {
                    if is_crd(object) {
                        out.crds += 1;
                        read_crd(object, &at, &mut out);
                    } else {
                        out.other_objects += 1;
                    }
                }
            }
        }
    }
    out
}

type Documents = Vec<Result<Spanned<Value>, serde_saphyr::Error>>;

/// The non-empty YAML documents of a file, each with its location, or the error that
/// stopped it. After an error inside a document the parser resumes at the next one;
/// after a syntax error it stops.
///
/// The parser recurses once per nesting level with large frames (tens of KiB per level in
/// a debug build), so it runs on a thread of its own with [`YAML_STACK`] bytes of stack
/// (reserved, not committed, until used) instead of on the caller's thread, whose stack
/// may be 2 MiB. `Err` only if the parser itself panicked.
fn read_documents(text: &str, duplicate_keys: DuplicateKeyPolicy) -> Result<Documents, String> {
    let parse = move || {
        let options = serde_saphyr::options! {
            duplicate_keys: duplicate_keys,
            budget: serde_saphyr::budget! {
                max_reader_input_bytes: None,
                max_depth: MAX_YAML_DEPTH,
                // Budgets are per document with `read_with_options`; a large CRD (Argo
                // CD's ApplicationSet, Crossplane's) runs to hundreds of thousands of nodes.
                max_nodes: 10_000_000,
                max_events: 20_000_000,
                max_documents: 100_000,
            },
        };
        let mut reader = text.as_bytes();
        serde_saphyr::read_with_options::<_, Spanned<Value>>(&mut reader, options).collect::<Documents>()
    };
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().name("cedc-crd-yaml".to_string()).stack_size(YAML_STACK);
        match thread.spawn_scoped(scope, parse) {
            Ok(handle) => handle.join().map_err(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                format!("the YAML parser failed on this file: {what}")
            }),
            // No thread to be had (resource limits): parse here; the depth budget still
            // bounds the recursion.
            Err(_) => Ok(parse()),
        }
    })
}

/// Load a file's CRDs into `registry`. A kind the registry already knows (same group,
/// version and kind) is replaced; the report lists it.
pub fn load_into(registry: &mut Registry, file: &str, text: &str) -> LoadReport {
    insert_all(registry, load_crds(file, text))
}

/// [`load_into`] for one CRD already parsed (a built-in CRD made in code): no YAML
/// text is written and read back.
pub fn load_value_into(registry: &mut Registry, file: &str, crd: &Value) -> LoadReport {
    let mut out = CrdFile::default();
    out.documents += 1;
    if is_crd(crd) {
        out.crds += 1;
        read_crd(crd, &At { file, document: 1, line: None }, &mut out);
    } else {
        out.other_objects += 1;
    }
    insert_all(registry, out)
}

fn insert_all(registry: &mut Registry, crds: CrdFile) -> LoadReport {
    let mut report = LoadReport { problems: crds.problems, ..LoadReport::default() };
    for kind in crds.kinds {
        report.loaded.push((kind.group.clone(), kind.version.clone(), kind.kind.clone()));
        if let Some(old) = registry.insert(kind) {
            report.replaced.push(old);
        }
    }
    report
}

/// Where a document is, for its problems.
struct At<'a> {
    file: &'a str,
    document: usize,
    line: Option<usize>,
}

impl At<'_> {
    fn problem(&self, crd: Option<&str>, severity: Severity, message: impl Into<String>) -> CrdProblem {
        CrdProblem {
            file: self.file.to_string(),
            document: self.document,
            line: self.line,
            crd: crd.map(str::to_string),
            severity,
            message: message.into(),
        }
    }
}

/// The items of a `v1` `List` document.
fn list_items(document: &Value) -> Option<&Vec<Value>> {
    if document.get("kind").and_then(Value::as_str) != Some("List")
        || document.get("apiVersion").and_then(Value::as_str) != Some("v1")
    {
        return None;
    }
    document.get("items").and_then(Value::as_array)
}

fn is_crd(document: &Value) -> bool {
    document.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
        && document.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with("apiextensions.k8s.io/"))
}

/// One CRD document → its kinds (pushed to `out.kinds`) and problems.
fn read_crd(crd: &Value, at: &At<'_>, out: &mut CrdFile) {
    let name = crd.pointer("/metadata/name").and_then(Value::as_str);
    let error = |message: String| at.problem(name, Severity::Error, message);
    let api_version = crd.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let v1beta1 = match api_version {
        "apiextensions.k8s.io/v1" => false,
        "apiextensions.k8s.io/v1beta1" => true,
        other => {
            out.problems
                .push(error(format!("unsupported apiVersion `{other}` (expected apiextensions.k8s.io/v1 or v1beta1)")));
            return;
        }
    };
    let Some(spec) = crd.get("spec").and_then(Value::as_object) else {
        out.problems.push(error("no `spec` mapping".to_string()));
        return;
    };
    let Some(group) = non_empty_str(spec.get("group")) else {
        out.problems.push(error("`spec.group` is missing or empty".to_string()));
        return;
    };
    let Some(kind) = non_empty_str(spec.get("names").and_then(|n| n.get("kind"))) else {
        out.problems.push(error("`spec.names.kind` is missing or empty".to_string()));
        return;
    };
    let scope = match spec.get("scope").and_then(Value::as_str) {
        Some("Namespaced") => Scope::Namespaced,
        Some("Cluster") => Scope::Cluster,
        // v1beta1 defaulted the scope.
        None if v1beta1 => Scope::Namespaced,
        None => {
            out.problems.push(error("`spec.scope` is missing (expected Namespaced or Cluster)".to_string()));
            return;
        }
        Some(other) => {
            out.problems.push(error(format!("unknown `spec.scope` `{other}` (expected Namespaced or Cluster)")));
            return;
        }
    };

    // v1beta1's schema for every version.
    let shared_schema = spec.get("validation").and_then(|v| v.get("openAPIV3Schema"));
    let versions: Vec<Version<'_>> = match spec.get("versions") {
        Some(Value::Array(versions)) if !versions.is_empty() => versions
            .iter()
            .enumerate()
            .map(|(i, v)| Version {
                path: format!("spec.versions[{i}]"),
                name: non_empty_str(v.get("name")),
                served: v.get("served"),
                schema: v
                    .pointer("/schema/openAPIV3Schema")
                    .map(|s| (s, format!("spec.versions[{i}].schema.openAPIV3Schema"))),
            })
            .collect(),
        // v1beta1's single `spec.version`.
        None | Some(Value::Null) if v1beta1 => match non_empty_str(spec.get("version")) {
            Some(version) => vec![Version {
                path: "spec.version".to_string(),
                name: Some(version),
                served: Some(&Value::Bool(true)),
                schema: None,
            }],
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    if versions.is_empty() {
        out.problems.push(error("no versions (`spec.versions` is missing or empty)".to_string()));
        return;
    }

    for version in versions {
        let Some(version_name) = version.name else {
            out.problems.push(error(format!("`{}.name` is missing or empty", version.path)));
            continue;
        };
        match version.served {
            Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => continue,
            _ => {
                out.problems.push(error(format!("`{}.served` must be true or false", version.path)));
                continue;
            }
        }
        let schema =
            version.schema.or_else(|| shared_schema.map(|s| (s, "spec.validation.openAPIV3Schema".to_string())));
        let api_version = format!("{group}/{version_name}");
        let schema = match schema {
            Some((json, path)) => match top_level(json, &path, &api_version, kind) {
                Ok(schema) => schema,
                Err(e) => {
                    out.problems.push(error(format!("version {version_name}: {e}")));
                    continue;
                }
            },
            None => {
                out.problems.push(at.problem(
                    name,
                    Severity::Warning,
                    format!(
                        "version {version_name} has no schema: objects of kind {kind} ({api_version}) are only checked for apiVersion, kind and metadata"
                    ),
                ));
                let mut object = Object { additional: Additional::Any, ..Object::default() };
                add_envelope(&mut object, &api_version, kind);
                Schema { ty: Ty::Object(object), ..Schema::default() }
            }
        };
        // Two CRDs of one file defining the same kind: the later wins, as it would in
        // the cluster when the file is applied in order.
        if let Some(earlier) =
            out.kinds.iter().position(|k| k.group == group && k.version == version_name && k.kind == kind)
        {
            out.kinds.remove(earlier);
            out.problems.push(at.problem(
                name,
                Severity::Warning,
                format!("{api_version} {kind} is defined earlier in this file too; this later definition is used"),
            ));
        }
        out.kinds.push(Kind {
            group: group.to_string(),
            version: version_name.to_string(),
            kind: kind.to_string(),
            scope,
            schema: schema.into(),
            source: Source::Crd { file: at.file.to_string() },
        });
    }
}

struct Version<'a> {
    /// `spec.versions[2]`, for messages.
    path: String,
    name: Option<&'a str>,
    served: Option<&'a Value>,
    schema: Option<(&'a Value, String)>,
}

/// Convert a version's `openAPIV3Schema` and give its top level the object envelope.
pub(crate) fn top_level(json: &Value, path: &str, api_version: &str, kind: &str) -> Result<Schema, ConvertError> {
    let mut schema = convert::from_openapi_at(json, path)?;
    match &mut schema.ty {
        Ty::Object(object) => add_envelope(object, api_version, kind),
        // `x-kubernetes-preserve-unknown-fields` alone at the top: any object.
        Ty::Any => {
            let mut object = Object { additional: Additional::Any, ..Object::default() };
            add_envelope(&mut object, api_version, kind);
            schema.ty = Ty::Object(object);
        }
        _ => {
            return Err(ConvertError {
                path: path.to_string(),
                message: "the top level of a CRD schema must be an object".to_string(),
            });
        }
    }
    Ok(schema)
}

/// Put `apiVersion`, `kind` and `metadata` first in the top-level object (see the module
/// documentation for why `metadata` is always the shared `ObjectMeta`).
pub(crate) fn add_envelope(object: &mut Object, api_version: &str, kind: &str) {
    let mut properties = Properties::with_capacity_and_hasher(object.properties.len() + 3, Default::default());
    let api_version_schema = object.properties.shift_remove("apiVersion").unwrap_or_else(|| {
        Arc::new(Schema {
            ty: Ty::String(StringRules::default()),
            description: Some(format!("The API version of the object: `{api_version}`.")),
            ..Schema::default()
        })
    });
    let kind_schema = object.properties.shift_remove("kind").unwrap_or_else(|| {
        Arc::new(Schema {
            ty: Ty::String(StringRules::default()),
            description: Some(format!("The kind of the object: `{kind}`.")),
            ..Schema::default()
        })
    });
    let declared_metadata = object.properties.shift_remove("metadata");
    let metadata = Schema {
        ty: Ty::Ref(Arc::from(OBJECT_META)),
        description: declared_metadata.and_then(|m| m.description.clone()),
        ..Schema::default()
    };
    properties.insert("apiVersion".to_string(), api_version_schema);
    properties.insert("kind".to_string(), kind_schema);
    properties.insert("metadata".to_string(), Arc::new(metadata));
    properties.extend(std::mem::take(&mut object.properties));
    object.properties = properties;
}

fn non_empty_str(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// YAML errors come with a rendered snippet after the first line; a problem message keeps
/// only the first line (the location is in [`CrdProblem::line`]).
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_string()
}
