//! Schemas of Kubernetes kinds and the validation of evaluated objects against them.
//!
//! - [`model`]: the schema model every source is converted into.
//! - [`convert`]: OpenAPI v3 JSON (a CRD's `openAPIV3Schema`, or a built-in kind's
//!   schema) → [`Schema`].
//! - [`crd`]: reading CustomResourceDefinitions from YAML files.
//! - [`core`]: the built-in kinds of the target Kubernetes version, from k8s-openapi,
//!   and the Gateway API kinds ([`gateway`]).
//! - [`certmanager`]: the cert-manager kinds, hand-written structural schemas.
//! - [`argocd`]: the Argo CD kinds (Application, AppProject, ApplicationSet), the same.
//! - [`vault`]: the Vault Secrets Operator's and vault-config-operator's kinds, the same.
//! - [`eso`]: the External Secrets Operator's stores and ExternalSecret, the same.
//! - [`crossplane`]: Crossplane's core kinds and function-patch-and-transform's input, the same.
//! - [`validate`]: an evaluated object against its kind's schema, each violation located
//!   at the `.ced` expression that produced the offending value.

pub mod argocd;
mod builder;
pub mod certmanager;
pub mod convert;
pub mod core;
pub mod crd;
pub mod crossplane;
mod definitions;
pub mod eso;
pub mod gateway;
pub mod gcp;
pub mod model;
pub mod validate;
pub mod vault;
pub mod xrd;

pub use definitions::{Definitions, KindSchema};
pub use model::*;

use indexmap::{Equivalent, IndexMap};

/// Every kind cedc knows in a build: built-in kinds plus the project's CRDs.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    /// By `(group, version, kind)`.
    pub kinds: IndexMap<(String, String, String), Kind, foldhash::fast::FixedState>,
    /// Named definitions that [`Ty::Ref`] points to.
    pub definitions: Definitions,
    /// The scope of each kind by `(group, kind)`, kept by [`Registry::insert`] so that
    /// [`Registry::scope_of`] (asked once per object) is one look-up.
    scopes: IndexMap<(String, String), Scope, foldhash::fast::FixedState>,
}

/// A `(group, version, kind)` key of [`Registry::kinds`], borrowed: a look-up makes no
/// strings. It hashes as the owned tuple does (a tuple hashes its parts in order, as
/// the derived `Hash` does).
#[derive(Hash)]
struct KindKey<'a>(&'a str, &'a str, &'a str);

impl Equivalent<(String, String, String)> for KindKey<'_> {
    fn equivalent(&self, key: &(String, String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1 && self.2 == key.2
    }
}

/// A `(group, kind)` key of the scopes, borrowed (as [`KindKey`]).
#[derive(Hash)]
struct ScopeKey<'a>(&'a str, &'a str);

impl Equivalent<(String, String)> for ScopeKey<'_> {
    fn equivalent(&self, key: &(String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

impl Registry {
    /// The kind of an object, from its `apiVersion` (`apps/v1`, `v1`) and `kind`.
    pub fn lookup(&self, api_version: &str, kind: &str) -> Option<&Kind> {
        let (group, version) = split_api_version(api_version);
        self.kinds.get(&KindKey(group, version, kind))
    }

    /// For a kind the registry does not know: the versions it is served at, or the
    /// closest known kind. `None` when nothing comes close.
    pub fn suggest(&self, kind: &str) -> Option<String> {
        let versions: Vec<String> =
            self.kinds.values().filter(|k| k.kind == kind).map(|k| format!("`{}`", k.api_version())).collect();
        if !versions.is_empty() {
            return Some(format!("{kind} is served as {}", versions.join(", ")));
        }
        cedc_diagnostics::did_you_mean(kind, self.kinds.values().map(|k| k.kind.as_str()))
            .map(|s| format!("did you mean `{s}`?"))
    }

    /// The scope of a kind, whatever its version (`None` for an unknown kind).
    pub fn scope_of(&self, group: &str, kind: &str) -> Option<Scope> {
        let indexed = self.scopes.get(&ScopeKey(group, kind)).copied();
        // A kind put into `kinds` directly (not through `insert`) is still found.
        indexed.or_else(|| self.kinds.values().find(|k| k.group == group && k.kind == kind).map(|k| k.scope))
    }

    /// Follow [`Ty::Ref`]s (a bounded number of times) to the schema they name.
    pub fn resolve<'a>(&'a self, mut schema: &'a Schema) -> &'a Schema {
        for _ in 0..64 {
            match &schema.ty {
                Ty::Ref(name) => match self.definitions.get(name) {
                    Some(s) => schema = s,
                    None => return schema,
                },
                _ => return schema,
            }
        }
        schema
    }

    /// Add a kind; a kind already known (same group, version and kind) is replaced and
    /// returned.
    pub fn insert(&mut self, kind: Kind) -> Option<Kind> {
        self.scopes.insert((kind.group.clone(), kind.kind.clone()), kind.scope);
        self.kinds.insert((kind.group.clone(), kind.version.clone(), kind.kind.clone()), kind)
    }
}

/// The CEL rules (`x-kubernetes-validations`) of a kind, with the schema path each
/// applies to (`spec.acme`). cedc does not evaluate them; `cedc check --verbose` lists
/// them so nobody takes them as checked.
pub fn cel_rules(kind: &Kind) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Iterative, and CRD schemas hold no references: a tree as deep as its file.
    let mut stack: Vec<(String, &Schema)> = vec![(String::new(), &kind.schema)];
    while let Some((path, schema)) = stack.pop() {
        for rule in &schema.cel_rules {
            out.push((if path.is_empty() { "(the object)".to_string() } else { path.clone() }, rule.clone()));
        }
        match &schema.ty {
            Ty::Object(o) => {
                for (name, p) in o.properties.iter().rev() {
                    let child = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                    stack.push((child, p));
                }
                if let Additional::Schema(v) = &o.additional {
                    stack.push((format!("{path}[*]"), v));
                }
            }
            Ty::Array(a) => {
                if let Some(items) = &a.items {
                    stack.push((format!("{path}[*]"), items));
                }
            }
            _ => {}
        }
    }
    out
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}
