//! Reading CustomResourceDefinitions: the fixtures are small CRDs written for these tests.

use cedc_diagnostics::Severity;
use cedc_schema::crd::{CrdFile, OBJECT_META, load_crds, load_into};
use cedc_schema::*;

// Only the shared CRDs (`common::crds`), not the comparison with upstream.
#[allow(dead_code)]
mod common;
use common::crds;

/// A v1 CRD of group `example.org` with one served version, `v1`, whose schema's `spec`
/// is `spec` (YAML, indented to sit under `properties:` of the top level).
fn crd(kind: &str, plural: &str, scope: &str, spec: &str) -> String {
    crds::crd("example.org", "v1", kind, plural, scope, spec)
}

fn load(text: &str) -> CrdFile {
    load_crds("crds/example.yaml", text)
}

fn errors(file: &CrdFile) -> Vec<String> {
    file.problems.iter().filter(|p| p.severity == Severity::Error).map(ToString::to_string).collect()
}

fn object(schema: &Schema) -> &Object {
    match &schema.ty {
        Ty::Object(o) => o,
        other => panic!("expected an object, got {other:?}"),
    }
}

fn prop<'a>(schema: &'a Schema, name: &str) -> &'a Schema {
    object(schema).properties.get(name).unwrap_or_else(|| panic!("no property {name}"))
}

fn kind<'a>(file: &'a CrdFile, kind: &str, version: &str) -> &'a Kind {
    file.kinds.iter().find(|k| k.kind == kind && k.version == version).unwrap_or_else(|| {
        panic!("no {kind} {version} among {:?}", file.kinds.iter().map(|k| (&k.kind, &k.version)).collect::<Vec<_>>())
    })
}

#[test]
fn one_crd() {
    let file = load(crds::WIDGET);
    assert_eq!(errors(&file), Vec::<String>::new());
    assert_eq!((file.documents, file.crds, file.other_objects), (1, 1, 0));
    let [widget] = file.kinds.as_slice() else { panic!("{:?}", file.kinds) };
    assert_eq!((widget.group.as_str(), widget.version.as_str(), widget.kind.as_str()), ("example.org", "v1", "Widget"));
    assert_eq!(widget.api_version(), "example.org/v1");
    assert_eq!(widget.scope, Scope::Namespaced);
    assert_eq!(widget.source, Source::Crd { file: "crds/example.yaml".into() });
    let spec = prop(&widget.schema, "spec");
    assert_eq!(object(spec).required, ["size"]);
    assert!(matches!(prop(spec, "size").ty, Ty::Integer(NumberRules { minimum: Some(1.0), .. })));
}

#[test]
fn top_level_gets_api_version_kind_and_metadata() {
    let file = load(&crd("Widget", "widgets", "Cluster", "              type: object"));
    let schema = &file.kinds[0].schema;
    let o = object(schema);
    assert_eq!(o.properties.keys().collect::<Vec<_>>(), ["apiVersion", "kind", "metadata", "spec"]);
    assert!(matches!(o.properties["apiVersion"].ty, Ty::String(_)));
    assert!(matches!(o.properties["kind"].ty, Ty::String(_)));
    assert_eq!(o.properties["metadata"].ty, Ty::Ref(OBJECT_META.into()));
    assert_eq!(o.additional, Additional::Forbidden);
    assert_eq!(file.kinds[0].scope, Scope::Cluster);

    // A CRD's own `metadata: {type: object}` would reject every label: it is replaced by
    // the shared ObjectMeta (its description kept); a declared apiVersion is kept.
    let text = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.org}
spec:
  group: example.org
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: string}
            metadata: {type: object, description: The gadget's metadata.}
            apiVersion: {type: string, description: Declared by the CRD.}
";
    let file = load(text);
    let o = object(&file.kinds[0].schema);
    assert_eq!(o.properties.keys().collect::<Vec<_>>(), ["apiVersion", "kind", "metadata", "spec"]);
    assert_eq!(o.properties["metadata"].ty, Ty::Ref(OBJECT_META.into()));
    assert_eq!(o.properties["metadata"].description.as_deref(), Some("The gadget's metadata."));
    assert_eq!(o.properties["apiVersion"].description.as_deref(), Some("Declared by the CRD."));
}

#[test]
fn multi_version_crd_gives_one_kind_per_served_version() {
    let text = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: pipelines.ci.example.org}
spec:
  group: ci.example.org
  names: {kind: Pipeline, plural: pipelines}
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {stages: {type: integer}}}
    - name: v1beta1
      served: true
      storage: false
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {steps: {type: array, items: {type: string}}}}
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                steps:
                  type: array
                  items: {type: object, properties: {name: {type: string}}}
";
    let file = load(text);
    assert_eq!(errors(&file), Vec::<String>::new());
    let versions: Vec<_> = file.kinds.iter().map(|k| k.version.as_str()).collect();
    assert_eq!(versions, ["v1beta1", "v1"], "the unserved v1alpha1 is skipped");

    let beta_items = |k: &Kind| match &prop(prop(&k.schema, "spec"), "steps").ty {
        Ty::Array(a) => a.items.as_ref().map(|i| i.ty.clone()),
        other => panic!("{other:?}"),
    };
    assert!(matches!(beta_items(kind(&file, "Pipeline", "v1beta1")), Some(Ty::String(_))));
    assert!(matches!(beta_items(kind(&file, "Pipeline", "v1")), Some(Ty::Object(_))));

    let mut registry = Registry::default();
    let report = load_into(&mut registry, "crds/ci.yaml", text);
    assert!(report.problems.is_empty());
    assert_eq!(report.loaded.len(), 2);
    assert!(registry.lookup("ci.example.org/v1", "Pipeline").is_some());
    assert!(registry.lookup("ci.example.org/v1beta1", "Pipeline").is_some());
    assert!(registry.lookup("ci.example.org/v1alpha1", "Pipeline").is_none());
}

#[test]
fn int_or_string_from_yaml() {
    let file = load(&crd(
        "Rollout",
        "rollouts",
        "Namespaced",
        "              type: object
              properties:
                maxSurge:
                  anyOf:
                    - type: integer
                    - type: string
                  x-kubernetes-int-or-string: true
                port:
                  x-kubernetes-int-or-string: true
                replicas:
                  type: integer",
    ));
    let spec = prop(&file.kinds[0].schema, "spec");
    assert!(matches!(prop(spec, "maxSurge").ty, Ty::IntOrString(_)));
    assert!(matches!(prop(spec, "port").ty, Ty::IntOrString(_)));
    assert!(matches!(prop(spec, "replicas").ty, Ty::Integer(_)));
}

#[test]
fn fields_named_like_keywords_from_yaml() {
    let file = load(&crd(
        "Rule",
        "rules",
        "Namespaced",
        "              type: object
              required: [type, in]
              properties:
                type: {type: string, enum: [allow, deny]}
                default: {type: boolean, default: true}
                enum: {type: array, items: {type: string}}
                in: {type: string}
                let: {type: integer}
                required: {type: boolean}
                properties: {type: object, additionalProperties: {type: string}}
                items: {type: string}",
    ));
    assert_eq!(errors(&file), Vec::<String>::new());
    let spec = prop(&file.kinds[0].schema, "spec");
    let names: Vec<_> = object(spec).properties.keys().map(String::as_str).collect();
    assert_eq!(names, ["type", "default", "enum", "in", "let", "required", "properties", "items"]);
    assert_eq!(object(spec).required, ["type", "in"]);
    match &prop(spec, "type").ty {
        Ty::String(s) => assert_eq!(s.enum_values, Some(vec!["allow".to_string(), "deny".to_string()])),
        other => panic!("{other:?}"),
    }
    assert_eq!(prop(spec, "default").default, Some(serde_json::json!(true)));
    assert!(matches!(prop(spec, "enum").ty, Ty::Array(_)));
    assert!(matches!(object(prop(spec, "properties")).additional, Additional::Schema(_)));
}

#[test]
fn one_bad_crd_does_not_stop_the_others() {
    let good_a = crd("Alpha", "alphas", "Namespaced", "              type: object");
    let bad_type = crd("Beta", "betas", "Namespaced", "              type: strnig");
    let no_kind = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gammas.example.org}
spec:
  group: example.org
  names: {plural: gammas}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true}]
";
    let bad_scope = crd("Delta", "deltas", "Global", "              type: object");
    let not_a_crd = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 1}
";
    let duplicate_key_in_crd = crd(
        "Epsilon",
        "epsilons",
        "Namespaced",
        "              type: object
              type: string",
    );
    let duplicate_key_elsewhere = "apiVersion: v1
kind: Namespace
metadata:
  name: apps
  labels: {team: a}
  labels: {team: b}
";
    let good_b = crd("Zeta", "zetas", "Cluster", "              type: object");
    let text = [
        "",
        &good_a,
        &bad_type,
        no_kind,
        &bad_scope,
        not_a_crd,
        "",
        &duplicate_key_in_crd,
        duplicate_key_elsewhere,
        &good_b,
    ]
    .join("---\n");
    let file = load(&text);

    let kinds: Vec<_> = file.kinds.iter().map(|k| k.kind.as_str()).collect();
    assert_eq!(kinds, ["Alpha", "Zeta"]);
    assert_eq!(file.documents, 8, "the two empty documents are not counted");
    assert_eq!(file.crds, 6);
    assert_eq!(file.other_objects, 2);

    let problems: Vec<_> =
        file.problems.iter().map(|p| (p.document, p.crd.as_deref(), p.severity, p.message.as_str())).collect();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let (document, crd, severity, message) = problems[0];
    assert_eq!((document, crd, severity), (2, Some("betas.example.org"), Severity::Error));
    assert!(
        message.contains("spec.versions[0].schema.openAPIV3Schema.properties.spec.type") && message.contains("strnig"),
        "{message}"
    );
    assert_eq!(problems[1].0, 3);
    assert_eq!(problems[1].1, Some("gammas.example.org"));
    assert!(problems[1].3.contains("spec.names.kind"), "{}", problems[1].3);
    assert_eq!(problems[2].0, 4);
    assert!(problems[2].3.contains("Global"), "{}", problems[2].3);
    assert_eq!(problems[3].0, 6);
    assert_eq!(problems[3].1, Some("epsilons.example.org"));
    assert!(problems[3].3.contains("duplicate"), "{}", problems[3].3);

    // Problems say where.
    let shown = file.problems[0].to_string();
    assert!(shown.starts_with("crds/example.yaml:"), "{shown}");
    assert!(shown.contains("document 2 (CRD betas.example.org): error:"), "{shown}");
    assert!(file.problems.iter().all(|p| p.line.is_some()));
}

#[test]
fn a_yaml_syntax_error_keeps_what_came_before() {
    let good = crd("Alpha", "alphas", "Namespaced", "              type: object");
    let text = format!("{good}---\nkind: [unclosed\n---\n{good}");
    let file = load(&text);
    assert_eq!(file.kinds.len(), 1);
    let [problem] = file.problems.as_slice() else { panic!("{:?}", file.problems) };
    assert_eq!(problem.severity, Severity::Error);
    assert_eq!(problem.document, 2);
    assert!(problem.message.starts_with("not valid YAML"), "{}", problem.message);
    assert!(problem.message.contains("not read"), "{}", problem.message);
}

#[test]
fn crd_with_no_schema() {
    let text = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: notes.example.org}
spec:
  group: example.org
  names: {kind: Note, plural: notes}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true}]
";
    let file = load(text);
    assert_eq!(errors(&file), Vec::<String>::new());
    let [warning] = file.problems.as_slice() else { panic!("{:?}", file.problems) };
    assert_eq!(warning.severity, Severity::Warning);
    assert!(warning.message.contains("no schema"), "{}", warning.message);
    let note = kind(&file, "Note", "v1");
    let o = object(&note.schema);
    assert_eq!(o.additional, Additional::Any);
    assert_eq!(o.properties.keys().collect::<Vec<_>>(), ["apiVersion", "kind", "metadata"]);
    assert_eq!(o.properties["metadata"].ty, Ty::Ref(OBJECT_META.into()));
}

#[test]
fn v1beta1_crd_with_a_shared_schema() {
    let text = "apiVersion: apiextensions.k8s.io/v1beta1
kind: CustomResourceDefinition
metadata: {name: olds.example.org}
spec:
  group: example.org
  version: v1
  names: {kind: Old, plural: olds}
  validation:
    openAPIV3Schema:
      properties:
        spec:
          properties:
            size: {type: integer}
";
    let file = load(text);
    assert_eq!(errors(&file), Vec::<String>::new());
    let old = kind(&file, "Old", "v1");
    assert_eq!(old.scope, Scope::Namespaced, "v1beta1 defaults the scope");
    assert!(matches!(prop(prop(&old.schema, "spec"), "size").ty, Ty::Integer(_)));
}

#[test]
fn preserve_unknown_fields_embedded_resources_lists_and_nullable() {
    let file = load(&crd(
        "Bundle",
        "bundles",
        "Namespaced",
        "              type: object
              properties:
                values:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                anything:
                  x-kubernetes-preserve-unknown-fields: true
                template:
                  type: object
                  x-kubernetes-embedded-resource: true
                  x-kubernetes-preserve-unknown-fields: true
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [name, protocol]
                  maxItems: 16
                  items:
                    type: object
                    required: [name]
                    properties:
                      name: {type: string, maxLength: 15}
                      protocol: {type: string, default: TCP, enum: [TCP, UDP]}
                note:
                  type: string
                  nullable: true
                mode:
                  type: string
                  x-kubernetes-validations:
                    - rule: self != 'off'
                      message: mode must not be off",
    ));
    assert_eq!(errors(&file), Vec::<String>::new());
    let spec = prop(&file.kinds[0].schema, "spec");
    assert_eq!(object(prop(spec, "values")).additional, Additional::Any);
    assert_eq!(prop(spec, "anything").ty, Ty::Any);
    assert!(object(prop(spec, "template")).embedded_resource);
    match &prop(spec, "ports").ty {
        Ty::Array(a) => {
            assert_eq!(a.list_type, ListType::Map);
            assert_eq!(a.map_keys, ["name", "protocol"]);
            assert_eq!(a.max_items, Some(16));
            let item = a.items.as_deref().unwrap();
            assert_eq!(prop(item, "protocol").default, Some(serde_json::json!("TCP")));
        }
        other => panic!("{other:?}"),
    }
    assert!(prop(spec, "note").nullable);
    assert_eq!(prop(spec, "mode").cel_rules, ["self != 'off'"]);
}

#[test]
fn the_same_kind_twice_in_one_file() {
    let first = crd("Alpha", "alphas", "Namespaced", "              type: string");
    let second = crd("Alpha", "alphas", "Namespaced", "              type: integer");
    let file = load(&format!("{first}---\n{second}"));
    let [alpha] = file.kinds.as_slice() else { panic!("{:?}", file.kinds) };
    assert!(matches!(prop(&alpha.schema, "spec").ty, Ty::Integer(_)), "the later definition wins");
    let [warning] = file.problems.as_slice() else { panic!("{:?}", file.problems) };
    assert_eq!((warning.severity, warning.document), (Severity::Warning, 2));
}

#[test]
fn load_into_reports_replaced_kinds() {
    let mut registry = Registry::default();
    let first = load_into(&mut registry, "a.yaml", &crd("Alpha", "alphas", "Namespaced", "              type: string"));
    assert!(first.replaced.is_empty());
    let second =
        load_into(&mut registry, "b.yaml", &crd("Alpha", "alphas", "Namespaced", "              type: integer"));
    assert_eq!(second.loaded, [("example.org".to_string(), "v1".to_string(), "Alpha".to_string())]);
    let [replaced] = second.replaced.as_slice() else { panic!("{:?}", second.replaced) };
    assert_eq!(replaced.source, Source::Crd { file: "a.yaml".into() });
    let now = registry.lookup("example.org/v1", "Alpha").unwrap();
    assert_eq!(now.source, Source::Crd { file: "b.yaml".into() });
}

#[test]
fn deeply_nested_yaml_is_a_problem_not_a_crash() {
    // 400 levels of `properties: {a: ...}` in flow style.
    let mut schema = String::from("{type: string}");
    for _ in 0..400 {
        schema = format!("{{type: object, properties: {{a: {schema}}}}}");
    }
    let deep = crd("Deep", "deeps", "Namespaced", &format!("              {schema}"));
    let good = crd("Alpha", "alphas", "Namespaced", "              type: object");
    let file = load(&format!("{good}---\n{deep}---\n{good}"));
    assert!(file.kinds.iter().any(|k| k.kind == "Alpha"));
    assert!(!file.kinds.iter().any(|k| k.kind == "Deep"));
    assert!(file.problems.iter().any(|p| p.severity == Severity::Error && p.document == 2), "{:?}", file.problems);

    // Just under the YAML depth limit: loads, converts and is dropped without trouble on
    // a test thread's 2 MiB stack.
    let mut schema = String::from("{type: string}");
    for _ in 0..110 {
        schema = format!("{{type: object, properties: {{a: {schema}}}}}");
    }
    let file = load(&crd("Deep", "deeps", "Namespaced", &format!("              {schema}")));
    assert_eq!(errors(&file), Vec::<String>::new());
    let mut node = prop(&file.kinds[0].schema, "spec");
    let mut levels = 0;
    while let Ty::Object(o) = &node.ty {
        node = &o.properties["a"];
        levels += 1;
    }
    assert_eq!(levels, 110);
}

#[test]
fn other_objects_and_empty_files() {
    let file = load("");
    assert_eq!((file.documents, file.kinds.len(), file.problems.len()), (0, 0, 0));
    let file = load("---\n# only a comment\n---\n");
    assert_eq!((file.documents, file.kinds.len(), file.problems.len()), (0, 0, 0));
    let file = load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\nplain: values\n");
    assert_eq!((file.documents, file.other_objects, file.crds), (2, 2, 0));
    assert!(file.problems.is_empty());
}

#[test]
fn a_list_of_crds() {
    // What `kubectl get crd -o yaml` writes.
    let alpha = crd("Alpha", "alphas", "Namespaced", "              type: object");
    let indented: String = alpha.lines().map(|l| format!("    {l}\n")).collect();
    let text = format!(
        "apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {{name: unrelated}}
  -
{indented}"
    );
    let file = load(&text);
    assert_eq!(errors(&file), Vec::<String>::new());
    assert_eq!((file.documents, file.crds, file.other_objects), (1, 1, 1));
    assert_eq!(file.kinds[0].kind, "Alpha");
}
