//! The sync objects cedc generates for `examples/cedille` (the committed golden output:
//! the Vault Secrets Operator's VaultConnection, VaultAuth and VaultStaticSecret objects
//! of every reading namespace) validate against the upstream CRDs in `../shared/crds`
//! themselves, not only against cedc's built-in copy of them. `../shared` is an optional
//! extra: without it the test says loudly that it checked nothing.

use cedc_diagnostics::Span;
use cedc_model::Value;
use cedc_schema::crd::load_crds;
use cedc_schema::validate::validate;
use cedc_schema::{Kind, Registry};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The upstream kinds of `../shared/crds/vault-secrets-operator`, by kind name.
fn upstream() -> Option<BTreeMap<String, Kind>> {
    let dir = repo().join("../shared/crds/vault-secrets-operator");
    let entries = std::fs::read_dir(&dir).ok()?;
    let mut out = BTreeMap::new();
    for p in entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let text = std::fs::read_to_string(&p).expect("read a CRD");
        for k in load_crds(&p.display().to_string(), &text).kinds {
            out.insert(k.kind.clone(), k);
        }
    }
    Some(out)
}

/// Every YAML file under `dir`, sorted.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn cedille_sync_objects_validate_against_the_upstream_crds() {
    let Some(kinds) = upstream() else {
        eprintln!(
            "\n*** SKIPPED: ../shared/crds/vault-secrets-operator not found: cedille's sync objects were NOT validated against the upstream CRDs ***\n"
        );
        return;
    };
    let registry = Registry::default();
    let mut files = Vec::new();
    yaml_files(&repo().join("golden/cedille/components"), &mut files);
    let mut checked = BTreeMap::<String, usize>::new();
    for path in files.iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("base"))) {
        let text = std::fs::read_to_string(path).expect("read golden");
        let json: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if json["apiVersion"] != "secrets.hashicorp.com/v1beta1" {
            continue;
        }
        let kind = json["kind"].as_str().expect("a kind");
        let k = kinds.get(kind).unwrap_or_else(|| panic!("no upstream CRD for {kind}"));
        let violations = validate(&registry, &k.schema, &Value::from_json(&json, Span::default()));
        assert!(
            violations.is_empty(),
            "{}: {:?}",
            path.display(),
            violations.iter().map(|v| format!("{}: {}", v.path, v.message())).collect::<Vec<_>>()
        );
        *checked.entry(kind.to_string()).or_default() += 1;
    }
    eprintln!("validated against the upstream CRDs: {checked:?}");
    for kind in ["VaultConnection", "VaultAuth", "VaultStaticSecret"] {
        assert!(checked.get(kind).is_some_and(|n| *n > 0), "cedille emits no {kind}: {checked:?}");
    }
}
