//! Kinds become types: every built-in kind, and every CRD of the shared reference
//! material when it is there (`../shared`, optional), converts into a record type with
//! documented fields.

use cedc_schema::{Registry, crd};
use cedc_types::Type;
use cedc_types::kinds::KindTypes;
use std::path::{Path, PathBuf};

fn record_fields(t: &Type) -> usize {
    match t {
        Type::Record(r) => r.fields.len(),
        _ => 0,
    }
}

#[test]
fn every_builtin_kind_is_a_record_type() {
    let registry = cedc_schema::core::registry();
    let mut types = KindTypes::new(registry);
    for k in registry.kinds.values() {
        let t = types.kind(&k.api_version(), &k.kind).expect("a known kind");
        assert!(record_fields(&t) >= 3, "{} {}: {t}", k.api_version(), k.kind);
        let Type::Record(r) = &t else { unreachable!() };
        assert_eq!(r.name.as_deref(), Some(k.kind.as_str()));
        assert!(!r.fields["apiVersion"].optional && r.fields["apiVersion"].default.is_some());
    }
    // Docs come along, for hover and completion.
    let d = types.kind("apps/v1", "Deployment").unwrap();
    let Type::Record(r) = d else { unreachable!() };
    let spec = match &r.fields["spec"].ty {
        Type::Optional(t) => t.as_ref().clone(),
        t => t.clone(),
    };
    let Type::Record(spec) = spec else { panic!("{spec}") };
    assert!(spec.fields["replicas"].doc.as_deref().unwrap_or("").contains("pods"));
    assert!(!spec.fields["selector"].optional);
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

#[test]
fn every_shared_crd_kind_is_a_record_type() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if !shared.is_dir() {
        eprintln!("SKIPPED: {} is missing, so the shared CRDs were not typed", shared.display());
        return;
    }
    let mut files = Vec::new();
    yaml_files(&shared.join("crds"), &mut files);
    yaml_files(&shared.join("reference"), &mut files);
    files.sort();
    let mut registry: Registry = cedc_schema::core::registry().clone();
    let mut kinds = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        if !text.contains("CustomResourceDefinition") {
            continue;
        }
        let loaded = crd::load_crds(&f.display().to_string(), &text);
        for k in loaded.kinds {
            kinds.push((k.api_version(), k.kind.clone()));
            registry.insert(k);
        }
    }
    kinds.sort();
    kinds.dedup();
    assert!(kinds.len() >= 50, "only {} CRD kinds found", kinds.len());
    let mut types = KindTypes::new(&registry);
    let mut bad = Vec::new();
    for (api, kind) in &kinds {
        match types.kind(api, kind) {
            Some(t) if record_fields(&t) >= 3 => {}
            other => bad.push(format!("{api} {kind}: {other:?}")),
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    eprintln!("typed {} CRD kinds", kinds.len());
}
