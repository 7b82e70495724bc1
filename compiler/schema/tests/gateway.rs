//! The built-in Gateway API kinds: they load with no problem, and (when `../shared` is
//! there) their fields match the upstream Gateway API CRDs, so cedc never rejects a
//! field the served API accepts.

use cedc_schema::{Additional, Registry, Schema, Scope, Source, Ty, crd};
use std::collections::BTreeSet;
use std::path::Path;

fn builtin() -> &'static Registry {
    cedc_schema::core::registry()
}

#[test]
fn gateway_api_kinds_are_built_in() {
    let mut r = Registry::default();
    let problems = cedc_schema::gateway::load_eagerly(&mut r);
    assert!(problems.is_empty(), "{problems:?}");
    let reg = builtin();
    for kind in ["GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "TLSRoute", "ReferenceGrant"] {
        let k = reg.lookup("gateway.networking.k8s.io/v1", kind).unwrap_or_else(|| panic!("{kind}"));
        let expected = if kind == "GatewayClass" { Scope::Cluster } else { Scope::Namespaced };
        assert_eq!(k.scope, expected, "{kind}");
        assert_eq!(k.source, Source::GatewayApi, "{kind}");
    }
    // Fields a route needs, with their types.
    let route = reg.lookup("gateway.networking.k8s.io/v1", "HTTPRoute").unwrap();
    let paths = paths(reg, &route.schema);
    for p in [
        "spec.parentRefs[].sectionName",
        "spec.hostnames[]",
        "spec.rules[].backendRefs[].port",
        "spec.rules[].filters[].requestRedirect.scheme",
    ] {
        assert!(paths.contains(p), "{p} missing from HTTPRoute");
    }
}

/// The kinds the registry reads from the CRDs when first needed are exactly those, with
/// the schemas, that loading every CRD at once gives.
#[test]
fn lazy_kinds_are_the_eager_ones() {
    let mut eager = Registry::default();
    assert!(cedc_schema::gateway::load_eagerly(&mut eager).is_empty());
    let mut lazy = Registry::default();
    cedc_schema::gateway::add(&mut lazy);
    let keys = |r: &Registry| r.kinds.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&lazy), keys(&eager));
    assert!(eager.kinds.len() >= 8, "{}", eager.kinds.len());
    for (key, e) in &eager.kinds {
        let l = &lazy.kinds[key];
        assert_eq!((l.scope, &l.source), (e.scope, &e.source), "{key:?}");
        assert_eq!(**l.schema.arc(), **e.schema.arc(), "{key:?}");
    }
}

/// Every property path of a schema (`spec.rules[].matches[].path.value`).
fn paths(reg: &Registry, schema: &Schema) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![(String::new(), schema, 0usize)];
    while let Some((path, s, depth)) = stack.pop() {
        if depth > 40 {
            continue;
        }
        let s = reg.resolve(s);
        match &s.ty {
            Ty::Object(o) => {
                for (name, p) in &o.properties {
                    let child = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                    out.insert(child.clone());
                    stack.push((child, p, depth + 1));
                }
                if let Additional::Schema(v) = &o.additional {
                    stack.push((format!("{path}{{}}"), v, depth + 1));
                }
            }
            Ty::Array(a) => {
                if let Some(items) = &a.items {
                    out.insert(format!("{path}[]"));
                    stack.push((format!("{path}[]"), items, depth + 1));
                }
            }
            _ => {}
        }
    }
    out.retain(|p| !p.starts_with("metadata") && !p.starts_with("status"));
    out
}

#[test]
fn built_in_gateway_kinds_accept_every_field_of_the_upstream_crds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/crds/gateway-api");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIPPED: {} is missing: the built-in Gateway API kinds were not compared with upstream",
            dir.display()
        );
        return;
    };
    let mut upstream = Registry::default();
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            let text = std::fs::read_to_string(&p).unwrap();
            crd::load_into(&mut upstream, &p.display().to_string(), &text);
        }
    }
    let ours = builtin();
    let mut missing = Vec::new();
    let mut compared = 0;
    for k in ours.kinds.values().filter(|k| k.group == "gateway.networking.k8s.io") {
        let Some(up) = upstream.lookup(&k.api_version(), &k.kind) else { continue };
        compared += 1;
        let ours_paths = paths(ours, &k.schema);
        for p in paths(&upstream, &up.schema) {
            if !ours_paths.contains(&p) {
                missing.push(format!("{} {}: {p}", k.api_version(), k.kind));
            }
        }
    }
    assert!(compared >= 5, "compared only {compared} kinds");
    assert!(missing.is_empty(), "fields the upstream CRDs accept and cedc would reject:\n{}", missing.join("\n"));
}
