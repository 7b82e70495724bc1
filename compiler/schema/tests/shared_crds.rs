//! Every CRD in the shared reference material (`../shared/crds/` and the YAML under
//! `../shared/reference/`, beside this repository) must load and convert with no
//! problem. The material is not part of the repository, so the test only runs where it
//! exists.

use cedc_schema::crd::{OBJECT_META, load_crds};
use cedc_schema::{Additional, Schema, Ty};
use std::path::{Path, PathBuf};

/// Counts of int-or-string fields and CEL rules below `schema` (for the summary: the
/// import found them rather than flattening them away).
fn count(schema: &Schema, int_or_string: &mut usize, cel: &mut usize) {
    *cel += schema.cel_rules.len();
    match &schema.ty {
        Ty::IntOrString(_) => *int_or_string += 1,
        Ty::Object(o) => {
            for p in o.properties.values() {
                count(p, int_or_string, cel);
            }
            if let Additional::Schema(a) = &o.additional {
                count(a, int_or_string, cel);
            }
        }
        Ty::Array(a) => {
            if let Some(items) = &a.items {
                count(items, int_or_string, cel);
            }
        }
        _ => {}
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

#[test]
fn every_shared_crd_converts() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if !shared.is_dir() {
        eprintln!("\n*** NOTE: {} does not exist: the shared CRDs were NOT checked ***\n", shared.display());
        return;
    }
    let mut files = Vec::new();
    yaml_files(&shared.join("crds"), &mut files);
    yaml_files(&shared.join("reference"), &mut files);
    assert!(!files.is_empty(), "no YAML under {}", shared.display());

    let (mut crds, mut kinds, mut documents, mut others, mut files_with_crds) = (0, 0, 0, 0, 0);
    let (mut int_or_string, mut cel) = (0, 0);
    let mut problems = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.strip_prefix(&shared).unwrap_or(path).display().to_string();
        let file = load_crds(&name, &text);
        crds += file.crds;
        kinds += file.kinds.len();
        documents += file.documents;
        others += file.other_objects;
        if file.crds > 0 {
            files_with_crds += 1;
        }
        problems.extend(file.problems.iter().map(|p| p.to_string()));
        for kind in &file.kinds {
            let Ty::Object(top) = &kind.schema.ty else { panic!("{name}: {} is not an object", kind.kind) };
            assert_eq!(top.properties["metadata"].ty, Ty::Ref(OBJECT_META.into()), "{name}: {}", kind.kind);
            assert!(matches!(top.properties["apiVersion"].ty, Ty::String(_)), "{name}: {}", kind.kind);
            assert!(matches!(top.properties["kind"].ty, Ty::String(_)), "{name}: {}", kind.kind);
            count(&kind.schema, &mut int_or_string, &mut cel);
        }
    }
    eprintln!(
        "shared CRDs: {} YAML files ({files_with_crds} with CRDs), {documents} documents, {crds} CRDs, {kinds} kinds (served versions), {others} other objects skipped; {int_or_string} int-or-string fields, {cel} CEL rules",
        files.len()
    );
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
