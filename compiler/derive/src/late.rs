//! Objects of kinds Crossplane makes from objects of the same component — the composite
//! kind of a CompositeResourceDefinition, the managed kinds of a Provider — do not exist
//! when Argo CD starts syncing the component's Application: Crossplane creates their
//! CRDs only once it has read the definition or installed the package. Each such object
//! is applied one sync wave after the rest of its Application, with Argo CD's dry run
//! skipped for it (`SkipDryRunOnMissingResource`), so the first sync succeeds. An object
//! that sets either annotation itself keeps its own.
//!
//! Invariant: only annotations are added; no object is made or removed.

use crate::{Context, Generator};
use cedc_diagnostics::Diagnostics;
use cedc_model::views::argocd::{SKIP_DRY_RUN_ON_MISSING_RESOURCE, SYNC_OPTIONS, SYNC_WAVE};
use cedc_model::{Component, Environment, Object, Value, ValueKind};
use std::collections::BTreeSet;

/// The wave, within its Application, of an object whose kind Crossplane makes.
pub const LATE_WAVE: &str = "1";

pub(crate) struct LateKinds;

impl Generator for LateKinds {
    fn generate(&self, env: &mut Environment, _cx: &Context) -> Diagnostics {
        env.components.iter_mut().for_each(late);
        Diagnostics::default()
    }
}

/// Annotate the objects of `c` whose kind Crossplane makes from `c`'s objects.
fn late(c: &mut Component) {
    let made: BTreeSet<(String, String)> = c.crossplane_kinds().map(|(k, _)| k).collect();
    if made.is_empty() {
        return;
    }
    for o in &mut c.objects {
        if made.contains(&(o.group().to_string(), o.kind.to_string())) {
            annotate(o);
        }
    }
}

fn annotate(o: &mut Object) {
    let span = o.value.span();
    let Some(a) = o.annotations_mut() else { return };
    for (key, value) in [(SYNC_WAVE, LATE_WAVE), (SYNC_OPTIONS, SKIP_DRY_RUN_ON_MISSING_RESOURCE)] {
        if a.get(key).is_none_or(|v| matches!(v.kind, ValueKind::None)) {
            a.insert(key.into(), Value::str(value, span));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_diagnostics::Span;
    use serde_json::json;

    fn object(v: serde_json::Value) -> Object {
        Object::from_json(&v, Span::default())
    }

    #[test]
    fn objects_of_kinds_crossplane_makes_here_come_late_without_dry_run() {
        let xrd = object(json!({
            "apiVersion": "apiextensions.crossplane.io/v2", "kind": "CompositeResourceDefinition",
            "metadata": { "name": "records.dns.example.org" },
            "spec": { "group": "dns.example.org", "names": { "kind": "Record", "plural": "records" } }
        }));
        let provider = object(json!({
            "apiVersion": "pkg.crossplane.io/v1", "kind": "Provider", "metadata": { "name": "provider-gcp-dns" },
            "spec": { "package": "xpkg.upbound.io/upbound/provider-gcp-dns:v2.6.0" }
        }));
        let record = object(json!({
            "apiVersion": "dns.example.org/v1alpha1", "kind": "Record", "metadata": { "name": "www" }
        }));
        let zone = object(json!({
            "apiVersion": "dns.gcp.upbound.io/v1beta1", "kind": "ManagedZone",
            "metadata": { "name": "main", "annotations": { SYNC_WAVE: "5" } }
        }));
        let config = object(json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "c" } }));
        let mut c = Component::new("dns", Span::default(), "dns", vec![xrd, provider, record, zone, config]);
        late(&mut c);
        let objects = &c.objects;
        let annotation = |i: usize, key: &str| {
            objects[i].value.path(&["metadata", "annotations", key]).and_then(Value::as_str).map(str::to_string)
        };
        assert_eq!(annotation(2, SYNC_WAVE).as_deref(), Some(LATE_WAVE));
        assert_eq!(annotation(2, SYNC_OPTIONS).as_deref(), Some(SKIP_DRY_RUN_ON_MISSING_RESOURCE));
        assert_eq!(annotation(3, SYNC_WAVE).as_deref(), Some("5"), "an object's own wave is kept");
        assert_eq!(annotation(3, SYNC_OPTIONS).as_deref(), Some(SKIP_DRY_RUN_ON_MISSING_RESOURCE));
        for i in [0, 1, 4] {
            assert_eq!(annotation(i, SYNC_WAVE), None, "object {i} is not late");
        }
    }
}
