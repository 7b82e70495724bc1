//! Test support shared with other crates' tests (the CLI's integration tests use it):
//! running the real `kubectl kustomize` on generated trees.
//!
//! Not part of the product API (`#[doc(hidden)]`); it panics freely, as test helpers do.
//!
//! The kubectl binary comes from `CEDC_KUBECTL` (`scripts/install-tools` puts kubectl
//! 1.34 in `target/tools/bin/kubectl`). When it is unset, tests that need it are skipped
//! with a loud `SKIPPED:` line on stderr — unless `CEDC_REQUIRE_TOOLS=1` (CI), where a
//! missing tool is a failure: a green CI run must mean real Kustomize agreed.

use crate::Tree;
use crate::index::{INDEX_FILE, Index};
use crate::write::write_tree;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kubectl to test with, or `None` (after printing `SKIPPED: <why>` to stderr) when
/// `CEDC_KUBECTL` is unset and tools are not required.
///
/// # Panics
/// When `CEDC_REQUIRE_TOOLS=1` and `CEDC_KUBECTL` is unset, or when `CEDC_KUBECTL` does
/// not name an existing file (a misconfiguration must not pass as a skip).
pub fn kubectl() -> Option<PathBuf> {
    tool("CEDC_KUBECTL", "kubectl")
}

/// The `kubernetes-validate` to test with (`CEDC_KUBERNETES_VALIDATE`), as [`kubectl`].
pub fn kubernetes_validate() -> Option<PathBuf> {
    tool("CEDC_KUBERNETES_VALIDATE", "kubernetes-validate")
}

fn tool(var: &str, name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(tool_var(var, name, &format!("a real-{name} check did not run"))?);
    assert!(path.is_file(), "{var}={} does not exist; run scripts/install-tools", path.display());
    Some(path)
}

/// The value of a tool's variable (`CEDC_NVIM`), or `None` after printing
/// `SKIPPED: <var> is unset, so <what>` to stderr.
///
/// # Panics
/// When `CEDC_REQUIRE_TOOLS=1` and the variable is unset: in CI a missing tool is a
/// failure, never a skip.
pub fn tool_var(var: &str, name: &str, what: &str) -> Option<String> {
    if let Some(value) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
        return Some(value);
    }
    let required = std::env::var("CEDC_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CEDC_REQUIRE_TOOLS=1 but {var} is unset: run scripts/install-tools and set {var}=target/tools/bin/{name}"
    );
    // Straight to the process's stderr: libtest captures `eprintln!` of passing tests,
    // and a skip must be visible in a plain `cargo test` run.
    let _ = std::io::stderr().write_all(
        format!(
            "SKIPPED: {var} is unset, so {what} (run scripts/install-tools and set {var}=target/tools/bin/{name})\n"
        )
        .as_bytes(),
    );
    None
}

/// `kubectl kustomize <dir>` with the kubectl of `CEDC_KUBECTL`, its output parsed into
/// one JSON value per document.
///
/// # Panics
/// When `CEDC_KUBECTL` is unset (call [`kubectl`] first to skip politely), when kubectl
/// fails, or when its output is not YAML.
pub fn run_kustomize(dir: &Path) -> Vec<Value> {
    let Some(kubectl) = std::env::var_os("CEDC_KUBECTL").filter(|v| !v.is_empty()) else {
        panic!("run_kustomize needs CEDC_KUBECTL; check testing::kubectl() first");
    };
    kustomize_with(Path::new(&kubectl), dir)
}

/// `kubectl kustomize <dir>` with the given kubectl, parsed into JSON values.
pub fn kustomize_with(kubectl: &Path, dir: &Path) -> Vec<Value> {
    let output = Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        // No cluster is needed; make sure none is contacted or read.
        .env("KUBECONFIG", "/dev/null")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", kubectl.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "kubectl kustomize {} failed ({}):\n{}\n{stdout}",
        dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    parse_documents(&stdout)
}

/// A multi-document YAML stream as JSON values (empty documents skipped).
pub fn parse_documents(yaml: &str) -> Vec<Value> {
    serde_saphyr::from_str_multiple::<Value, Vec<Value>>(yaml)
        .unwrap_or_else(|e| panic!("kustomize output is not YAML: {e}\n{yaml}"))
}

/// Kustomize's identity of an object: (apiVersion, kind, namespace, name).
pub fn object_key(object: &Value) -> (String, String, String, String) {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    (
        s(object.get("apiVersion")),
        s(object.get("kind")),
        s(object.pointer("/metadata/namespace")),
        s(object.pointer("/metadata/name")),
    )
}

/// Objects keyed by [`object_key`], asserting that no key repeats.
pub fn by_key(objects: &[Value]) -> BTreeMap<(String, String, String, String), Value> {
    let mut map = BTreeMap::new();
    for object in objects {
        let key = object_key(object);
        assert!(map.insert(key.clone(), object.clone()).is_none(), "object {key:?} appears twice");
    }
    map
}

/// Assert that two object lists are the same set (order-insensitive, compared as JSON,
/// map key order irrelevant), with a readable difference when they are not.
pub fn assert_same_objects(actual: &[Value], expected: &[Value], context: &str) {
    let actual = by_key(actual);
    let expected = by_key(expected);
    let only_actual: Vec<_> = actual.keys().filter(|k| !expected.contains_key(*k)).collect();
    let only_expected: Vec<_> = expected.keys().filter(|k| !actual.contains_key(*k)).collect();
    assert!(
        only_actual.is_empty() && only_expected.is_empty(),
        "{context}: object sets differ\n  unexpected: {only_actual:?}\n  missing: {only_expected:?}"
    );
    for (key, want) in &expected {
        let got = &actual[key];
        assert!(
            got == want,
            "{context}: object {key:?} differs\n--- got\n{}\n--- want\n{}",
            serde_json::to_string_pretty(got).unwrap_or_default(),
            serde_json::to_string_pretty(want).unwrap_or_default()
        );
    }
}

/// Write `tree` into `dir` (which must not exist yet or be empty) and run
/// `kubectl kustomize` on every root of its index: `(root path, env, component,
/// objects)` per root, in index order.
pub fn build_roots(kubectl: &Path, dir: &Path, tree: &Tree) -> Vec<(String, String, Option<String>, Vec<Value>)> {
    write_tree(dir, tree).unwrap_or_else(|e| panic!("write_tree failed: {e}"));
    let index =
        tree.get(INDEX_FILE).and_then(|b| Index::parse(b)).unwrap_or_else(|| panic!("tree has no valid {INDEX_FILE}"));
    index
        .roots
        .iter()
        .map(|root| {
            let objects = kustomize_with(kubectl, &dir.join(&root.path));
            (root.path.clone(), root.env.clone(), root.component.clone(), objects)
        })
        .collect()
}
