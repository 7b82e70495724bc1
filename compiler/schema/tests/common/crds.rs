//! The small CRDs written for the tests, shared between test files: fixture files under
//! `tests/fixtures/crds/` (other crates' tests read them with `include_str!`), and
//! [`crd`], the one template for a CRD with one version. A CRD that only one test needs
//! (malformed, or there for one edge case) stays beside that test.

// Each test file uses some of these.
#![allow(dead_code)]

/// `example.org/v1` Widget (`fixtures/crds/widget.yaml`): namespaced, `spec.size` a
/// required integer of at least 1.
pub const WIDGET: &str = include_str!("../fixtures/crds/widget.yaml");

/// A v1 CRD of `group` with one version, `version` (served and stored), whose schema's
/// `spec` is `spec` (YAML, indented to sit under `properties:` of the top level).
pub fn crd(group: &str, version: &str, kind: &str, plural: &str, scope: &str, spec: &str) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.{group}
spec:
  group: {group}
  names:
    kind: {kind}
    plural: {plural}
  scope: {scope}
  versions:
    - name: {version}
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
{spec}
"
    )
}

/// A CRD like a project's own copy of an operator's CRD: its `spec` takes anything.
pub fn open(group: &str, version: &str, kind: &str, plural: &str, scope: &str) -> String {
    crd(
        group,
        version,
        kind,
        plural,
        scope,
        "              type: object
              x-kubernetes-preserve-unknown-fields: true",
    )
}
