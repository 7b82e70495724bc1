//! The kinds a Crossplane CompositeResourceDefinition defines: its composite resource at
//! each served version, with the schema the definition states. cedc reads the
//! definitions its `composite` declarations made (docs/crossplane.md) so that composite
//! resources are validated like any object, against the very schema the cluster will
//! enforce.
//!
//! Besides the fields a definition declares, Crossplane gives every composite its own
//! (under `spec.crossplane` in v2; `spec.compositionRef` and others in v1): those are
//! open here, not checked.

use crate::crd::top_level;
use crate::model::*;
use serde_json::Value;
use std::sync::Arc;

/// Fields Crossplane adds to a v1 composite's (or claim's) `spec`.
const V1_SPEC_FIELDS: &[&str] = &[
    "compositeDeletePolicy",
    "resourceRef",
    "compositionRef",
    "compositionSelector",
    "compositionRevisionRef",
    "compositionRevisionSelector",
    "compositionUpdatePolicy",
    "claimRef",
    "resourceRefs",
    "writeConnectionSecretToRef",
    "publishConnectionDetailsTo",
];

/// The kinds of one definition (JSON of the whole object); none when it is malformed
/// (its own schema check reports that).
pub fn kinds(xrd: &Value, kind_name: &str) -> Vec<Kind> {
    let Some(spec) = xrd.get("spec") else { return Vec::new() };
    let (Some(group), Some(kind)) =
        (spec.get("group").and_then(Value::as_str), spec.pointer("/names/kind").and_then(Value::as_str))
    else {
        return Vec::new();
    };
    let v2 = xrd.get("apiVersion").and_then(Value::as_str) == Some("apiextensions.crossplane.io/v2");
    // v1 definitions are cluster-scoped; v2 ones say so, Namespaced by default.
    let scope = match spec.get("scope").and_then(Value::as_str) {
        Some("Cluster" | "LegacyCluster") => Scope::Cluster,
        Some(_) => Scope::Namespaced,
        None if v2 => Scope::Namespaced,
        None => Scope::Cluster,
    };
    let claim = spec.pointer("/claimNames/kind").and_then(Value::as_str);
    let mut out = Vec::new();
    for (i, version) in spec.get("versions").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let Some(name) = version.get("name").and_then(Value::as_str) else { continue };
        if version.get("served").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let api_version = format!("{group}/{name}");
        let path = format!("spec.versions[{i}].schema.openAPIV3Schema");
        let Some(json) = version.pointer("/schema/openAPIV3Schema") else { continue };
        let Ok(mut schema) = top_level(json, &path, &api_version, kind) else { continue };
        open_crossplane_fields(&mut schema, v2);
        // A v1 definition's claims: namespaced objects of the same spec.
        if let Some(claim) = claim.filter(|_| !v2)
            && let Ok(mut claim_schema) = top_level(json, &path, &api_version, claim)
        {
            open_crossplane_fields(&mut claim_schema, false);
            out.push(Kind {
                group: group.to_string(),
                version: name.to_string(),
                kind: claim.to_string(),
                scope: Scope::Namespaced,
                schema: claim_schema.into(),
                source: Source::Composite { kind: kind_name.to_string() },
            });
        }
        out.push(Kind {
            group: group.to_string(),
            version: name.to_string(),
            kind: kind.to_string(),
            scope,
            schema: schema.into(),
            source: Source::Composite { kind: kind_name.to_string() },
        });
    }
    out
}

/// Crossplane's own fields of a composite's `spec`, open.
fn open_crossplane_fields(schema: &mut Schema, v2: bool) {
    let Ty::Object(top) = &mut schema.ty else { return };
    let Some(spec) = top.properties.get_mut("spec") else { return };
    let spec = Arc::make_mut(spec);
    let Ty::Object(spec) = &mut spec.ty else { return };
    let names: &[&str] = if v2 { &["crossplane"] } else { V1_SPEC_FIELDS };
    for name in names {
        spec.properties.entry((*name).to_string()).or_insert_with(|| Arc::new(Schema::default()));
    }
}
