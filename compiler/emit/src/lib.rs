//! Emitters: what turns the platform model into files.
//!
//! - [`to_yaml`] / [`render_objects`]: YAML that every Kubernetes tool reads back as the
//!   same values (YAML 1.1-ambiguous strings quoted), for files and for `cedc render`.
//! - [`object_json`]: the exact content emitted for an object, which is what
//!   `kubectl kustomize` of the tree yields for it.
//! - [`kustomize_tree`]: the Kustomize tree (a base per component, an overlay per
//!   environment holding only the differences, a root per environment) plus
//!   `cedc-index.json`, as an in-memory [`Tree`].
//! - [`write_tree`] / [`check_tree`]: put a tree on disk all-or-nothing without ever
//!   touching files cedc did not generate, or report how the disk differs from it.
//!
//! Emitting is pure: a [`Tree`] depends only on the platform (no clock, no absolute
//! paths, no hash-map order), so two builds give byte-identical files.

mod index;
mod kustomize;
#[doc(hidden)]
pub mod testing;
mod write;
mod yaml;
mod yaml_text;

pub use index::{INDEX_FILE, INDEX_VERSION, Index, IndexFile, IndexRoot, sha256_hex};
pub use kustomize::{HEADER, kustomize_tree, kustomize_tree_releasing};
#[doc(hidden)]
pub use write::fault as write_faults;
pub use write::{Drift, DriftKind, OutputError, WriteReport, check_tree, validate_tree_path, write_tree};
pub use yaml::{object_yaml, render_objects, render_streamed, to_yaml};

use cedc_diagnostics::{Diagnostic, Span};
use cedc_model::Object;
use std::collections::BTreeMap;
use std::fmt;

/// The JSON cedc emits for an object: [`Object::to_json`] (keys in conventional order),
/// without an empty `metadata.annotations` map.
///
/// Why the exception: Kustomize always drops an empty `metadata.annotations` (it
/// rewrites annotations through a setter that deletes the field when the map is
/// empty), in bases and after patches alike, so `kubectl kustomize` could never
/// reproduce it. An empty annotation map means the same as none to the API server; by
/// emitting it the way Kustomize will build it, `cedc render`, the tree and
/// `kubectl kustomize` all agree. (Empty `labels` and other empty maps are kept:
/// Kustomize keeps them.)
pub fn object_json(object: &Object) -> Result<serde_json::Value, Span> {
    let mut json = object.to_json()?;
    if let Some(meta) = json.get_mut("metadata").and_then(serde_json::Value::as_object_mut)
        && meta.get("annotations").and_then(serde_json::Value::as_object).is_some_and(|a| a.is_empty())
    {
        meta.shift_remove("annotations");
    }
    Ok(json)
}

/// A generated file tree: relative path (forward slashes) → file bytes. A `BTreeMap`
/// so that iteration, and everything derived from it, is in path order.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// What a name that must become a directory name belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Environment,
    Component,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Environment => "environment",
            NameKind::Component => "component",
        })
    }
}

/// A platform the emitter cannot turn into a correct tree. Earlier phases should have
/// reported each of these; the emitter checks again because a wrong tree (or a file
/// written under an unintended path) is worse than a late error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// A value inside an object has no JSON form (an environment value slipped in).
    Unrepresentable { span: Span },
    /// An object lacks a string `apiVersion`, `kind` or `metadata.name`: Kustomize
    /// cannot identify it.
    MissingIdentity { span: Span, field: &'static str },
    /// An environment or component name that is not a DNS-1123 label, so cannot safely
    /// be a directory name.
    InvalidName { what: NameKind, name: String, span: Span },
    /// Two environments with one name would write the same directories.
    DuplicateEnvironment { name: String, span: Span, first: Span },
    /// One component listed twice in one environment.
    DuplicateComponent { env: String, component: String, span: Span, first: Span },
    /// Two objects with one identity (group, kind, namespace, name) in one environment:
    /// `kubectl kustomize envs/<env>` would fail.
    DuplicateObject {
        env: String,
        object: String,
        /// The components of the first and the second object (may be equal).
        components: [String; 2],
        span: Span,
        first: Span,
    },
}

impl EmitError {
    /// The primary span: the `.ced` source responsible.
    pub fn span(&self) -> Span {
        match self {
            EmitError::Unrepresentable { span }
            | EmitError::MissingIdentity { span, .. }
            | EmitError::InvalidName { span, .. }
            | EmitError::DuplicateEnvironment { span, .. }
            | EmitError::DuplicateComponent { span, .. }
            | EmitError::DuplicateObject { span, .. } => *span,
        }
    }

    /// The coded diagnostic the CLI reports.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let message = self.to_string();
        match self {
            EmitError::Unrepresentable { span } => Diagnostic::error("E0072", message)
                .at(*span, "this value has no YAML form")
                .help("objects may hold strings, numbers, booleans, lists and records only"),
            EmitError::MissingIdentity { span, field } => Diagnostic::error("E0071", message)
                .at(*span, format!("this object has no `{field}`"))
                .help("every Kubernetes object needs apiVersion, kind and metadata.name"),
            EmitError::InvalidName { what, span, .. } => {
                let code = match what {
                    NameKind::Environment => "E0040",
                    NameKind::Component => "E0071",
                };
                Diagnostic::error(code, message)
                    .at(*span, format!("{what} declared here"))
                    .help("use lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit")
            }
            EmitError::DuplicateEnvironment { span, first, .. } => Diagnostic::error("E0021", message)
                .at(*span, "declared again here")
                .also(*first, "first declared here")
                .help("rename one of the environments"),
            EmitError::DuplicateComponent { span, first, .. } => Diagnostic::error("E0071", message)
                .at(*span, "deployed again here")
                .also(*first, "first deployed here")
                .help("deploy each component once per environment"),
            EmitError::DuplicateObject { span, first, .. } => Diagnostic::error("E0070", message)
                .at(*span, "this object")
                .also(*first, "has the same identity as this one")
                .help("give one of the objects another name or namespace"),
        }
    }
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::Unrepresentable { .. } => {
                write!(f, "an object holds a value that cannot be written to YAML")
            }
            EmitError::MissingIdentity { field, .. } => {
                write!(f, "an object has no string `{field}`")
            }
            EmitError::InvalidName { what, name, .. } => {
                write!(f, "{what} name `{name}` cannot be used as a directory name")
            }
            EmitError::DuplicateEnvironment { name, .. } => {
                write!(f, "environment `{name}` is declared twice")
            }
            EmitError::DuplicateComponent { env, component, .. } => {
                write!(f, "component `{component}` is deployed twice in environment `{env}`")
            }
            EmitError::DuplicateObject { env, object, components, .. } => {
                if components[0] == components[1] {
                    write!(f, "{object} is defined twice in component `{}` in environment `{env}`", components[0])
                } else {
                    write!(
                        f,
                        "{object} is defined by both `{}` and `{}` in environment `{env}`",
                        components[0], components[1]
                    )
                }
            }
        }
    }
}

impl std::error::Error for EmitError {}
