//! Validation of evaluated values against hand-built schemas: every kind of violation,
//! its path, its span (and the overridden base value's span), its message and help.

use cedc_diagnostics::{FileId, Span};
use cedc_model::{Origin, Value, ValueKind};
use cedc_schema::validate::{MAX_DEPTH, Validator, Violation, ViolationKind, validate};
use cedc_schema::{Additional, Array, ListType, NumberRules, Object, Registry, Schema, StringRules, Ty};
use std::sync::Arc;

// ---------------------------------------------------------------------------------------
// Schema builders

fn sch(ty: Ty) -> Arc<Schema> {
    Arc::new(Schema { ty, ..Schema::default() })
}
fn int() -> Arc<Schema> {
    sch(Ty::Integer(NumberRules::default()))
}
fn int_with(rules: NumberRules) -> Arc<Schema> {
    sch(Ty::Integer(rules))
}
fn string() -> Arc<Schema> {
    sch(Ty::String(StringRules::default()))
}
fn string_with(rules: StringRules) -> Arc<Schema> {
    sch(Ty::String(rules))
}
fn string_enum(values: &[&str]) -> Arc<Schema> {
    string_with(StringRules { enum_values: Some(values.iter().map(|v| v.to_string()).collect()), ..Default::default() })
}
fn boolean() -> Arc<Schema> {
    sch(Ty::Boolean)
}
fn any() -> Arc<Schema> {
    sch(Ty::Any)
}
fn reference(name: &str) -> Arc<Schema> {
    sch(Ty::Ref(name.into()))
}
fn object_of(o: Object) -> Arc<Schema> {
    sch(Ty::Object(o))
}
fn props(properties: Vec<(&str, Arc<Schema>)>) -> Object {
    Object { properties: properties.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), ..Object::default() }
}
fn object(properties: Vec<(&str, Arc<Schema>)>, required: &[&str]) -> Arc<Schema> {
    object_of(Object { required: required.iter().map(|r| r.to_string()).collect(), ..props(properties) })
}
fn map_of(values: Arc<Schema>) -> Arc<Schema> {
    object_of(Object { additional: Additional::Schema(values), ..Object::default() })
}
fn array_of(a: Array) -> Arc<Schema> {
    sch(Ty::Array(a))
}
fn list_of(items: Arc<Schema>) -> Arc<Schema> {
    array_of(Array { items: Some(items), ..Array::default() })
}
fn with_default(s: Arc<Schema>, default: serde_json::Value) -> Arc<Schema> {
    Arc::new(Schema { default: Some(default), ..(*s).clone() })
}
fn nullable(s: Arc<Schema>) -> Arc<Schema> {
    Arc::new(Schema { nullable: true, ..(*s).clone() })
}

// ---------------------------------------------------------------------------------------
// Value builders: every value at its own span, `at..at+1`.

fn sp(at: usize) -> Span {
    Span::new(FileId(0), at, at + 1)
}
fn i(n: i64, at: usize) -> Value {
    Value::new(ValueKind::Int(n), sp(at))
}
fn s(text: &str, at: usize) -> Value {
    Value::str(text, sp(at))
}
fn b(v: bool, at: usize) -> Value {
    Value::new(ValueKind::Bool(v), sp(at))
}
fn none(at: usize) -> Value {
    Value::new(ValueKind::None, sp(at))
}
fn env(name: &str, at: usize) -> Value {
    Value::new(ValueKind::Env(name.into()), sp(at))
}
fn rec(at: usize, fields: Vec<(&str, Value)>) -> Value {
    Value::new(ValueKind::Record(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()), sp(at))
}
fn list(at: usize, items: Vec<Value>) -> Value {
    Value::new(ValueKind::list(items), sp(at))
}

fn check(schema: &Schema, value: &Value) -> Vec<Violation> {
    validate(&Registry::default(), schema, value)
}

fn violation(path: &str, at: usize, kind: ViolationKind) -> Violation {
    Violation { path: path.to_string(), span: sp(at), base: None, kind }
}

fn wrong(expected: &str, found: &str, value: Option<&str>) -> ViolationKind {
    ViolationKind::WrongType { expected: expected.into(), found: found.into(), value: value.map(str::to_string) }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A Deployment-like shape.
fn deployment() -> Arc<Schema> {
    let container = object(
        vec![
            ("name", string()),
            ("image", string()),
            (
                "ports",
                array_of(Array {
                    items: Some(object(
                        vec![
                            (
                                "containerPort",
                                int_with(NumberRules { format: Some("int32".into()), ..Default::default() }),
                            ),
                            ("protocol", with_default(string_enum(&["TCP", "UDP", "SCTP"]), "TCP".into())),
                        ],
                        &["containerPort"],
                    )),
                    list_type: ListType::Map,
                    map_keys: strs(&["containerPort", "protocol"]),
                    ..Array::default()
                }),
            ),
        ],
        &["name"],
    );
    let pod_spec = object(vec![("containers", list_of(container))], &["containers"]);
    let template = object(vec![("metadata", any()), ("spec", pod_spec)], &[]);
    let spec = object(
        vec![
            ("replicas", int_with(NumberRules { minimum: Some(0.0), ..Default::default() })),
            ("selector", any()),
            ("template", template),
        ],
        &["selector", "template"],
    );
    object(vec![("apiVersion", string()), ("kind", string()), ("metadata", any()), ("spec", spec)], &[])
}

/// An Argo CD Application-like shape.
fn application() -> Arc<Schema> {
    let destination = object(vec![("server", string()), ("namespace", string()), ("name", string())], &[]);
    let spec = object(
        vec![("project", string()), ("destination", destination), ("source", any())],
        &["destination", "project"],
    );
    object(vec![("metadata", any()), ("spec", spec)], &["spec"])
}

// ---------------------------------------------------------------------------------------
// Unknown fields

#[test]
fn unknown_field_suggests_the_close_name() {
    let value = rec(0, vec![("spec", rec(1, vec![("replica", i(3, 2)), ("selector", rec(3, vec![]))]))]);
    let v = check(&deployment(), &value);
    assert_eq!(
        v,
        vec![
            violation("spec.template", 1, ViolationKind::MissingField { field: "template".into() }),
            violation(
                "spec.replica",
                2,
                ViolationKind::UnknownField {
                    field: "replica".into(),
                    suggestion: Some("replicas".into()),
                    elsewhere: None,
                    known: strs(&["replicas", "selector", "template"]),
                }
            ),
        ]
    );
    assert_eq!(v[1].code(), "E0100");
    assert_eq!(v[1].message(), "unknown field `replica` in `spec`");
    assert_eq!(v[1].help().as_deref(), Some("did you mean `replicas`?"));
    assert_eq!(v[0].code(), "E0102");
    assert_eq!(v[0].message(), "`spec.template` is required");
    assert_eq!(v[0].help().as_deref(), Some("add `template: ...` to `spec`"));
}

#[test]
fn argo_project_under_destination() {
    let value = rec(
        0,
        vec![(
            "spec",
            rec(
                10,
                vec![(
                    "destination",
                    rec(
                        20,
                        vec![
                            ("server", s("https://kubernetes.default.svc", 21)),
                            ("namespace", s("argocd", 22)),
                            ("project", s("default", 23)),
                        ],
                    ),
                )],
            ),
        )],
    );
    let v = check(&application(), &value);
    assert_eq!(
        v,
        vec![
            violation("spec.project", 10, ViolationKind::MissingField { field: "project".into() }),
            violation(
                "spec.destination.project",
                23,
                ViolationKind::UnknownField {
                    field: "project".into(),
                    suggestion: None,
                    elsewhere: Some("spec".into()),
                    known: strs(&["server", "namespace", "name"]),
                }
            ),
        ]
    );
    assert_eq!(v[0].message(), "`spec.project` is required");
    assert_eq!(v[0].help().as_deref(), Some("add `project: ...` to `spec`"));
    assert_eq!(v[1].message(), "unknown field `project` in `spec.destination`");
    assert_eq!(
        v[1].help().as_deref(),
        Some("`project` is a field of `spec`, not of `spec.destination`; move it there")
    );
}

#[test]
fn replicas_inside_the_pod_template() {
    let value = rec(
        0,
        vec![(
            "spec",
            rec(
                1,
                vec![
                    ("selector", rec(2, vec![])),
                    (
                        "template",
                        rec(
                            3,
                            vec![
                                ("replicas", i(2, 4)),
                                ("spec", rec(5, vec![("containers", list(6, vec![])), ("replicas", i(2, 7))])),
                            ],
                        ),
                    ),
                ],
            ),
        )],
    );
    let v = check(&deployment(), &value);
    let got: Vec<(&str, Option<String>, u32)> = v
        .iter()
        .map(|x| match &x.kind {
            ViolationKind::UnknownField { elsewhere, .. } => (x.path.as_str(), elsewhere.clone(), x.span.start),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("spec.template.replicas", Some("spec".to_string()), 4),
            ("spec.template.spec.replicas", Some("spec".to_string()), 7),
        ]
    );
    assert_eq!(v[1].message(), "unknown field `replicas` in `spec.template.spec`");
    assert_eq!(
        v[1].help().as_deref(),
        Some("`replicas` is a field of `spec`, not of `spec.template.spec`; move it there")
    );
}

#[test]
fn annotation_written_beside_annotations() {
    let metadata =
        object(vec![("name", string()), ("annotations", map_of(string())), ("labels", map_of(string()))], &[]);
    let schema = object(vec![("metadata", metadata)], &[]);
    let value = rec(
        0,
        vec![(
            "metadata",
            rec(
                1,
                vec![
                    ("name", s("web", 2)),
                    ("annotations", rec(3, vec![("argocd.argoproj.io/hook", s("PreSync", 4))])),
                    ("argocd.argoproj.io/sync-wave", s("1", 5)),
                ],
            ),
        )],
    );
    let v = check(&schema, &value);
    assert_eq!(
        v,
        vec![violation(
            r#"metadata["argocd.argoproj.io/sync-wave"]"#,
            5,
            ViolationKind::UnknownField {
                field: "argocd.argoproj.io/sync-wave".into(),
                suggestion: None,
                elsewhere: Some("metadata.annotations".into()),
                known: strs(&["name", "annotations", "labels"]),
            }
        )]
    );
    assert_eq!(v[0].message(), "unknown field `argocd.argoproj.io/sync-wave` in `metadata`");
    assert_eq!(
        v[0].help().as_deref(),
        Some("`argocd.argoproj.io/sync-wave` looks like an annotation: put it inside `metadata.annotations`")
    );
}

#[test]
fn every_unknown_field_is_reported_and_known_fields_listed() {
    let schema = object(vec![("alpha", int()), ("beta", int())], &[]);
    let value = rec(0, vec![("zzz", i(1, 1)), ("alpha", i(1, 2)), ("qqq", s("x", 3)), ("none-field", none(4))]);
    let v = check(&schema, &value);
    assert_eq!(v.iter().map(|x| (x.path.as_str(), x.span.start)).collect::<Vec<_>>(), vec![("zzz", 1), ("qqq", 3)]);
    assert_eq!(v[0].message(), "unknown field `zzz` at the top level of the object");
    assert_eq!(v[0].help().as_deref(), Some("the known fields are `alpha`, `beta`"));
    // A field written in another case is suggested whatever its length.
    let v = check(&object(vec![("containerPort", int())], &[]), &rec(0, vec![("ContainerPort", i(1, 1))]));
    assert!(matches!(&v[0].kind, ViolationKind::UnknownField { suggestion: Some(s), .. } if s == "containerPort"));
    // A close name here, and the exact name in an enclosing object: both are offered.
    let schema = object(vec![("name", string()), ("spec", object(vec![("names", list_of(string()))], &[]))], &[]);
    let v = check(&schema, &rec(0, vec![("spec", rec(1, vec![("name", s("web", 2))]))]));
    assert_eq!(
        v,
        vec![violation(
            "spec.name",
            2,
            ViolationKind::UnknownField {
                field: "name".into(),
                suggestion: Some("names".into()),
                elsewhere: Some("".into()),
                known: strs(&["names"]),
            }
        )]
    );
    assert_eq!(v[0].help().as_deref(), Some("did you mean `names`? (or move `name` to the object, which declares it)"));
}

#[test]
fn additional_any_and_map_schemas() {
    let schema = object(
        vec![
            ("labels", map_of(string())),
            ("free", object_of(Object { additional: Additional::Any, ..props(vec![("x", int())]) })),
        ],
        &[],
    );
    let value = rec(
        0,
        vec![
            ("labels", rec(1, vec![("app", s("web", 2)), ("app.kubernetes.io/name", i(5, 3)), ("tier", b(true, 4))])),
            ("free", rec(5, vec![("x", s("no", 6)), ("anything", rec(7, vec![("goes", list(8, vec![]))]))])),
        ],
    );
    let v = check(&schema, &value);
    assert_eq!(
        v,
        vec![
            violation(r#"labels["app.kubernetes.io/name"]"#, 3, wrong("a string", "an integer", Some("5"))),
            violation("labels.tier", 4, wrong("a string", "a boolean", Some("true"))),
            violation("free.x", 6, wrong("an integer", "a string", Some("\"no\""))),
        ]
    );
    assert_eq!(v[0].message(), r#"`labels["app.kubernetes.io/name"]` must be a string, found an integer"#);
    assert_eq!(v[0].help().as_deref(), Some("write it as a string: `\"5\"`"));
    assert_eq!(v[2].help(), None, "a non-numeric string has no quick fix");
}

// ---------------------------------------------------------------------------------------
// Types

#[test]
fn wrong_types() {
    let schema = object(
        vec![
            ("replicas", int()),
            ("image", string()),
            ("paused", boolean()),
            ("ratio", sch(Ty::Number(NumberRules::default()))),
            ("spec", object(vec![], &[])),
            ("args", list_of(string())),
        ],
        &[],
    );
    let value = rec(
        0,
        vec![
            ("replicas", s("3", 1)),
            ("image", i(5, 2)),
            ("paused", s("yes", 3)),
            ("ratio", s("0.5", 4)),
            ("spec", list(5, vec![])),
            ("args", rec(6, vec![])),
        ],
    );
    let v = check(&schema, &value);
    assert_eq!(
        v,
        vec![
            violation("replicas", 1, wrong("an integer", "a string", Some("\"3\""))),
            violation("image", 2, wrong("a string", "an integer", Some("5"))),
            violation("paused", 3, wrong("a boolean", "a string", Some("\"yes\""))),
            violation("ratio", 4, wrong("a number", "a string", Some("\"0.5\""))),
            violation("spec", 5, wrong("an object", "a list", None)),
            violation("args", 6, wrong("a list", "an object", None)),
        ]
    );
    assert!(v.iter().all(|x| x.code() == "E0101"));
    assert_eq!(v[0].message(), "`replicas` must be an integer, found a string");
    assert_eq!(v[0].help().as_deref(), Some("write the number without quotes: `3`"));
    assert_eq!(v[1].message(), "`image` must be a string, found an integer");
    assert_eq!(v[1].help().as_deref(), Some("write it as a string: `\"5\"`"));
    assert_eq!(v[3].help(), None);
    // The object itself.
    let v = check(&schema, &list(9, vec![]));
    assert_eq!(v, vec![violation("", 9, wrong("an object", "a list", None))]);
    assert_eq!(v[0].message(), "the object must be an object, found a list");
}

#[test]
fn int_or_string_both_ways() {
    let schema = object(vec![("targetPort", sch(Ty::IntOrString(Default::default())))], &[]);
    for ok in [i(8080, 1), s("http", 1), env("prod", 1)] {
        assert_eq!(check(&schema, &rec(0, vec![("targetPort", ok)])), vec![]);
    }
    let v = check(&schema, &rec(0, vec![("targetPort", b(true, 1))]));
    assert_eq!(v, vec![violation("targetPort", 1, wrong("an integer or a string", "a boolean", Some("true")))]);
    assert_eq!(v[0].message(), "`targetPort` must be an integer or a string, found a boolean");
    let v = check(&schema, &rec(0, vec![("targetPort", list(1, vec![]))]));
    assert_eq!(v, vec![violation("targetPort", 1, wrong("an integer or a string", "a list", None))]);
    // A string schema of format int-or-string (as some generators write it) takes both too.
    let schema = object(
        vec![("p", string_with(StringRules { format: Some("int-or-string".into()), ..Default::default() }))],
        &[],
    );
    assert_eq!(check(&schema, &rec(0, vec![("p", i(80, 1))])), vec![]);
    assert_eq!(check(&schema, &rec(0, vec![("p", s("http", 1))])), vec![]);
    let v = check(&schema, &rec(0, vec![("p", b(false, 1))]));
    assert_eq!(v, vec![violation("p", 1, wrong("an integer or a string", "a boolean", Some("false")))]);
}

#[test]
fn environment_values_are_strings() {
    let schema = object(vec![("env", string_enum(&["dev", "prod"])), ("n", int())], &[]);
    assert_eq!(check(&schema, &rec(0, vec![("env", env("prod", 1))])), vec![]);
    let v = check(&schema, &rec(0, vec![("env", env("staging", 1)), ("n", env("dev", 2))]));
    assert_eq!(v.len(), 2);
    assert!(matches!(&v[0].kind, ViolationKind::NotInEnum { value, .. } if value == "staging"));
    assert_eq!(v[1], violation("n", 2, wrong("an integer", "a string", Some("\"dev\""))));
}

// ---------------------------------------------------------------------------------------
// Enums, patterns, formats, ranges

#[test]
fn string_enum_with_suggestion() {
    let schema = object(vec![("type", string_enum(&["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]))], &[]);
    let v = check(&schema, &rec(0, vec![("type", s("Clusterip", 1))]));
    assert_eq!(
        v,
        vec![violation(
            "type",
            1,
            ViolationKind::NotInEnum {
                value: "Clusterip".into(),
                allowed: strs(&["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]),
                suggestion: Some("ClusterIP".into()),
            }
        )]
    );
    assert_eq!(v[0].code(), "E0103");
    assert_eq!(
        v[0].message(),
        "`type` must be one of: ClusterIP, NodePort, LoadBalancer, ExternalName; found `Clusterip`"
    );
    assert_eq!(v[0].help().as_deref(), Some("did you mean `ClusterIP`?"));
    let v = check(&schema, &rec(0, vec![("type", s("NodPort", 1))]));
    assert!(matches!(&v[0].kind, ViolationKind::NotInEnum { suggestion: Some(s), .. } if s == "NodePort"));
    let v = check(&schema, &rec(0, vec![("type", s("Ingress", 1))]));
    assert!(matches!(&v[0].kind, ViolationKind::NotInEnum { suggestion: None, .. }));
    assert_eq!(v[0].help(), None);
    assert_eq!(check(&schema, &rec(0, vec![("type", s("NodePort", 1))])), vec![]);
}

#[test]
fn integer_enum_and_ranges() {
    let schema = object(
        vec![
            ("mode", int_with(NumberRules { enum_values: Some(vec![1, 2, 3]), ..Default::default() })),
            ("replicas", int_with(NumberRules { minimum: Some(0.0), maximum: Some(10.0), ..Default::default() })),
            (
                "weight",
                int_with(NumberRules {
                    minimum: Some(0.0),
                    maximum: Some(100.0),
                    exclusive_minimum: true,
                    exclusive_maximum: true,
                    ..Default::default()
                }),
            ),
        ],
        &[],
    );
    let ok = rec(0, vec![("mode", i(2, 1)), ("replicas", i(0, 2)), ("weight", i(99, 3))]);
    assert_eq!(check(&schema, &ok), vec![]);
    let bad = rec(0, vec![("mode", i(4, 1)), ("replicas", i(-1, 2)), ("weight", i(0, 3)), ("replicas", i(11, 4))]);
    // (IndexMap keeps the last `replicas`, in the first one's place.)
    let v = check(&schema, &bad);
    assert_eq!(
        v,
        vec![
            violation(
                "mode",
                1,
                ViolationKind::NotInEnum { value: "4".into(), allowed: strs(&["1", "2", "3"]), suggestion: None }
            ),
            violation("replicas", 4, ViolationKind::Range { value: "`11`".into(), bound: "be at most 10".into() }),
            violation("weight", 3, ViolationKind::Range { value: "`0`".into(), bound: "be greater than 0".into() }),
        ]
    );
    assert_eq!(v[1].message(), "`replicas` must be at most 10; found `11`");
    assert_eq!(v[1].code(), "E0104");
    let v = check(&schema, &rec(0, vec![("replicas", i(-1, 1)), ("weight", i(100, 2))]));
    assert_eq!(v[0].message(), "`replicas` must be at least 0; found `-1`");
    assert_eq!(v[1].message(), "`weight` must be less than 100; found `100`");
}

#[test]
fn int32_range() {
    let schema = object(
        vec![
            ("port", int_with(NumberRules { format: Some("int32".into()), ..Default::default() })),
            ("big", int_with(NumberRules { format: Some("int64".into()), ..Default::default() })),
        ],
        &[],
    );
    let ok = rec(0, vec![("port", i(i64::from(i32::MAX), 1)), ("big", i(i64::MAX, 2))]);
    assert_eq!(check(&schema, &ok), vec![]);
    assert_eq!(check(&schema, &rec(0, vec![("port", i(i64::from(i32::MIN), 1))])), vec![]);
    let v = check(&schema, &rec(0, vec![("port", i(3_000_000_000, 1))]));
    assert_eq!(
        v,
        vec![violation(
            "port",
            1,
            ViolationKind::Format {
                value: "3000000000".into(),
                format: "int32".into(),
                why: "it does not fit in 32 bits (-2147483648..=2147483647)".into(),
            }
        )]
    );
    assert_eq!(
        v[0].message(),
        "`port` must have the format `int32`: it does not fit in 32 bits (-2147483648..=2147483647); found `3000000000`"
    );
    assert_eq!(v[0].help().as_deref(), Some("use an integer from -2147483648 to 2147483647"));
}

#[test]
fn patterns_and_lengths() {
    let name = string_with(StringRules {
        pattern: Some("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$".into()),
        min_length: Some(2),
        max_length: Some(5),
        ..Default::default()
    });
    let broken = string_with(StringRules { pattern: Some("([a-z".into()), ..Default::default() });
    let schema = object(vec![("name", name), ("odd", broken)], &[]);
    let registry = Registry::default();
    // The values live as long as the validator (it knows the parts it found valid by
    // address).
    let (web, wide, long, short) = (
        rec(0, vec![("name", s("web", 1)), ("odd", s("x", 2))]),
        rec(0, vec![("name", s("wéb-1", 1))]),
        rec(0, vec![("name", s("Web_12", 1))]),
        rec(0, vec![("name", s("a", 1))]),
    );
    let mut validator = Validator::new(&registry);
    assert_eq!(validator.validate(&schema, &web), vec![]);
    // Five characters, six bytes.
    assert_eq!(validator.validate(&schema, &wide).len(), 1, "the pattern only");
    let v = validator.validate(&schema, &long);
    assert_eq!(
        v,
        vec![
            violation(
                "name",
                1,
                ViolationKind::Pattern { value: "Web_12".into(), pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$".into() }
            ),
            violation(
                "name",
                1,
                ViolationKind::Range { value: "6 characters".into(), bound: "be at most 5 characters long".into() }
            ),
        ]
    );
    assert_eq!(v[0].message(), "`name` must match the pattern `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`; found `Web_12`");
    assert_eq!(v[1].message(), "`name` must be at most 5 characters long; found 6 characters");
    let v = validator.validate(&schema, &short);
    assert_eq!(
        v,
        vec![violation(
            "name",
            1,
            ViolationKind::Range { value: "1 character".into(), bound: "be at least 2 characters long".into() }
        )]
    );
}

#[test]
fn string_formats() {
    let fmt = |f: &str| string_with(StringRules { format: Some(f.into()), ..Default::default() });
    let schema = object(
        vec![
            ("at", fmt("date-time")),
            ("data", fmt("byte")),
            ("cpu", fmt("quantity")),
            ("ip", fmt("ipv4")),
            ("host", fmt("hostname")),
        ],
        &[],
    );
    let ok = rec(
        0,
        vec![
            ("at", s("2024-05-01T12:00:00Z", 1)),
            ("data", s("aGVsbG8=", 2)),
            ("cpu", s("500m", 3)),
            ("ip", s("10.0.0.1", 4)),
            ("host", s("whatever, not checked", 5)),
        ],
    );
    assert_eq!(check(&schema, &ok), vec![]);
    assert_eq!(check(&schema, &rec(0, vec![("cpu", i(2, 1))])), vec![], "a quantity may be an integer");
    let bad = rec(
        0,
        vec![("at", s("2024-05-01", 1)), ("data", s("hello", 2)), ("cpu", s("512MB", 3)), ("ip", s("10.0.0", 4))],
    );
    let v = check(&schema, &bad);
    assert_eq!(
        v.iter()
            .map(|x| match &x.kind {
                ViolationKind::Format { format, .. } => (x.path.as_str(), format.as_str(), x.span.start),
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>(),
        vec![("at", "date-time", 1), ("data", "byte", 2), ("cpu", "quantity", 3), ("ip", "ipv4", 4)]
    );
    assert_eq!(
        v[0].message(),
        "`at` must have the format `date-time`: a timestamp is a date, `T` and a time (`2024-05-01T12:00:00Z`); found `2024-05-01`"
    );
    assert_eq!(v[0].help().as_deref(), Some("write an RFC 3339 timestamp such as `2024-05-01T12:00:00Z`"));
    assert_eq!(v[1].help().as_deref(), Some("write the data base64-encoded, such as `aGVsbG8=`"));
}

// ---------------------------------------------------------------------------------------
// Lists

#[test]
fn list_set_duplicates() {
    let schema = object(
        vec![("finalizers", array_of(Array { items: Some(string()), list_type: ListType::Set, ..Array::default() }))],
        &[],
    );
    let value = rec(0, vec![("finalizers", list(1, vec![s("a", 2), s("b", 3), s("a", 4), s("a", 5), s("b", 6)]))]);
    let v = check(&schema, &value);
    let dup = |first: usize, first_at: usize, what: &str| ViolationKind::Duplicate {
        what: what.into(),
        keys: vec![],
        first: format!("finalizers[{first}]"),
        first_span: sp(first_at),
    };
    assert_eq!(
        v,
        vec![
            violation("finalizers[2]", 4, dup(0, 2, "\"a\"")),
            violation("finalizers[3]", 5, dup(0, 2, "\"a\"")),
            violation("finalizers[4]", 6, dup(1, 3, "\"b\"")),
        ]
    );
    assert_eq!(v[0].code(), "E0104");
    assert_eq!(v[0].message(), "`finalizers[2]` repeats `finalizers[0]` (\"a\")");
    assert_eq!(v[0].help().as_deref(), Some("the items of this list must be unique: remove one of the two"));
    // Records compare by content, whatever their field order; `none` fields are absent.
    let schema =
        object(vec![("s", array_of(Array { items: Some(any()), list_type: ListType::Set, ..Array::default() }))], &[]);
    let value = rec(
        0,
        vec![(
            "s",
            list(
                1,
                vec![
                    rec(2, vec![("a", i(1, 3)), ("b", i(2, 4))]),
                    rec(5, vec![("b", i(2, 6)), ("c", none(7)), ("a", i(1, 8))]),
                    rec(9, vec![("a", s("1", 10)), ("b", i(2, 11))]),
                ],
            ),
        )],
    );
    let v = check(&schema, &value);
    assert_eq!(v.iter().map(|x| x.path.as_str()).collect::<Vec<_>>(), vec!["s[1]"]);
    // Atomic lists may repeat.
    let schema = object(vec![("args", list_of(string()))], &[]);
    assert_eq!(check(&schema, &rec(0, vec![("args", list(1, vec![s("a", 2), s("a", 3)]))])), vec![]);
}

#[test]
fn list_map_duplicates_by_key_with_defaults() {
    let port = |at: usize, number: Option<i64>, protocol: Option<&str>| {
        let mut fields = vec![];
        if let Some(n) = number {
            fields.push(("containerPort", i(n, at + 1)));
        }
        if let Some(p) = protocol {
            fields.push(("protocol", s(p, at + 2)));
        }
        rec(at, fields)
    };
    let value = rec(
        0,
        vec![(
            "spec",
            rec(
                1,
                vec![
                    ("selector", rec(2, vec![])),
                    (
                        "template",
                        rec(
                            3,
                            vec![(
                                "spec",
                                rec(
                                    4,
                                    vec![(
                                        "containers",
                                        list(
                                            5,
                                            vec![rec(
                                                6,
                                                vec![
                                                    ("name", s("web", 7)),
                                                    (
                                                        "ports",
                                                        list(
                                                            8,
                                                            vec![
                                                                port(10, Some(80), None),
                                                                port(20, Some(80), Some("UDP")),
                                                                port(30, Some(80), Some("TCP")),
                                                                port(40, None, Some("TCP")),
                                                                port(50, Some(443), None),
                                                            ],
                                                        ),
                                                    ),
                                                ],
                                            )],
                                        ),
                                    )],
                                ),
                            )],
                        ),
                    ),
                ],
            ),
        )],
    );
    let v = check(&deployment(), &value);
    let base = "spec.template.spec.containers[0].ports";
    assert_eq!(
        v,
        vec![
            violation(
                &format!("{base}[2]"),
                30,
                ViolationKind::Duplicate {
                    what: "containerPort: 80, protocol: \"TCP\"".into(),
                    keys: strs(&["containerPort", "protocol"]),
                    first: format!("{base}[0]"),
                    first_span: sp(10),
                }
            ),
            violation(
                &format!("{base}[3].containerPort"),
                40,
                ViolationKind::MissingField { field: "containerPort".into() }
            ),
        ]
    );
    assert_eq!(
        v[0].message(),
        format!(
            "`{base}[2]` has the same `containerPort` and `protocol` as `{base}[0]` (containerPort: 80, protocol: \"TCP\")"
        )
    );
    assert_eq!(
        v[0].help().as_deref(),
        Some(
            "items of this list are identified by `containerPort`, `protocol`: each combination may appear once; merge the two items or change one"
        )
    );
}

#[test]
fn item_and_property_counts() {
    let schema = object_of(Object {
        min_properties: Some(1),
        ..props(vec![(
            "hosts",
            array_of(Array { items: Some(string()), min_items: Some(1), max_items: Some(2), ..Array::default() }),
        )])
    });
    let v = check(&schema, &rec(0, vec![("hosts", list(1, vec![]))]));
    assert_eq!(
        v,
        vec![violation(
            "hosts",
            1,
            ViolationKind::Range { value: "0 items".into(), bound: "have at least 1 item".into() }
        )]
    );
    assert_eq!(v[0].message(), "`hosts` must have at least 1 item; found 0 items");
    let v = check(&schema, &rec(0, vec![("hosts", list(1, vec![s("a", 2), s("b", 3), i(4, 4)]))]));
    assert_eq!(
        v,
        vec![
            violation(
                "hosts",
                1,
                ViolationKind::Range { value: "3 items".into(), bound: "have at most 2 items".into() }
            ),
            violation("hosts[2]", 4, wrong("a string", "an integer", Some("4"))),
        ]
    );
    let v = check(&schema, &rec(0, vec![("hosts", none(1))]));
    assert_eq!(
        v,
        vec![violation(
            "",
            0,
            ViolationKind::Range { value: "0 fields".into(), bound: "have at least 1 field".into() }
        )]
    );
    let capped = object_of(Object { max_properties: Some(1), additional: Additional::Any, ..Object::default() });
    let v = check(&capped, &rec(0, vec![("a", i(1, 1)), ("b", i(2, 2))]));
    assert_eq!(v[0].message(), "the object must have at most 1 field; found 2 fields");
}

// ---------------------------------------------------------------------------------------
// none, nullable, required, defaults, embedded resources

#[test]
fn none_is_absent_and_nullable_matters_for_items() {
    let schema = object(
        vec![("a", int()), ("b", int()), ("xs", list_of(string())), ("ys", list_of(nullable(string())))],
        &["b"],
    );
    let value = rec(
        0,
        vec![
            ("a", none(1)),
            ("b", none(2)),
            ("xs", list(3, vec![s("x", 4), none(5)])),
            ("ys", list(6, vec![none(7)])),
            ("undeclared", none(8)),
        ],
    );
    let v = check(&schema, &value);
    assert_eq!(
        v,
        vec![
            violation("b", 0, ViolationKind::MissingField { field: "b".into() }),
            violation("xs[1]", 5, wrong("a string", "none", Some("none"))),
        ]
    );
    assert_eq!(v[0].message(), "`b` is required");
    assert_eq!(v[0].help().as_deref(), Some("add `b: ...`"));
    assert_eq!(v[1].message(), "`xs[1]` must be a string, found none");
    assert_eq!(v[1].help(), None);
}

#[test]
fn required_field_with_a_default_is_not_missing() {
    let schema =
        object(vec![("protocol", with_default(string(), "TCP".into())), ("port", int())], &["protocol", "port"]);
    let v = check(&schema, &rec(0, vec![]));
    assert_eq!(v, vec![violation("port", 0, ViolationKind::MissingField { field: "port".into() })]);
}

#[test]
fn embedded_resources() {
    let embedded = object_of(Object { embedded_resource: true, ..Object::default() });
    let schema = object(vec![("template", embedded)], &[]);
    let ok = rec(
        0,
        vec![(
            "template",
            rec(1, vec![("apiVersion", s("v1", 2)), ("kind", s("ConfigMap", 3)), ("metadata", rec(4, vec![]))]),
        )],
    );
    assert_eq!(check(&schema, &ok), vec![]);
    // metadata may be left out (as the API server allows); apiVersion and kind may not.
    let v =
        check(&schema, &rec(0, vec![("template", rec(1, vec![("apiVersion", s("v1", 2)), ("data", rec(3, vec![]))]))]));
    assert_eq!(
        v,
        vec![
            violation("template.kind", 1, ViolationKind::MissingField { field: "kind".into() }),
            violation(
                "template.data",
                3,
                ViolationKind::UnknownField {
                    field: "data".into(),
                    suggestion: None,
                    elsewhere: None,
                    known: strs(&["apiVersion", "kind", "metadata"]),
                }
            ),
        ]
    );
    let v = check(
        &schema,
        &rec(
            0,
            vec![("template", rec(1, vec![("apiVersion", i(1, 2)), ("kind", s("X", 3)), ("metadata", s("m", 4))]))],
        ),
    );
    assert_eq!(
        v,
        vec![
            violation("template.apiVersion", 2, wrong("a string", "an integer", Some("1"))),
            violation("template.metadata", 4, wrong("an object", "a string", Some("\"m\""))),
        ]
    );
}

#[test]
fn overridden_values_carry_the_base_span() {
    let schema = object(vec![("replicas", int()), ("spec", object(vec![("x", int())], &["x"]))], &[]);
    let mut replicas = s("three", 50);
    replicas.origin = Origin::at(sp(50));
    replicas.origin.set_overrides(Some(sp(10)));
    let mut spec = rec(60, vec![]);
    spec.origin.set_overrides(Some(sp(20)));
    let v = check(&schema, &rec(0, vec![("replicas", replicas), ("spec", spec)]));
    assert_eq!(
        v,
        vec![
            Violation {
                path: "replicas".into(),
                span: sp(50),
                base: Some(sp(10)),
                kind: wrong("an integer", "a string", Some("\"three\"")),
            },
            Violation {
                path: "spec.x".into(),
                span: sp(60),
                base: Some(sp(20)),
                kind: ViolationKind::MissingField { field: "x".into() },
            },
        ]
    );
}

// ---------------------------------------------------------------------------------------
// References and depth

#[test]
fn references_are_resolved() {
    let mut registry = Registry::default();
    registry
        .definitions
        .insert("io.k8s.ObjectMeta".into(), object(vec![("name", string()), ("labels", map_of(string()))], &["name"]));
    let meta = Arc::new(Schema { description: Some("metadata".into()), ..(*reference("io.k8s.ObjectMeta")).clone() });
    let schema = object(vec![("metadata", meta), ("other", reference("io.k8s.Unknown"))], &[]);
    let value = rec(
        0,
        vec![
            ("metadata", rec(1, vec![("labels", rec(2, vec![("a", i(1, 3))])), ("nam", s("web", 4))])),
            ("other", rec(5, vec![("anything", b(true, 6))])),
        ],
    );
    let v = validate(&registry, &schema, &value);
    assert_eq!(
        v.iter().map(|x| (x.path.as_str(), x.code(), x.span.start)).collect::<Vec<_>>(),
        vec![("metadata.name", "E0102", 1), ("metadata.labels.a", "E0101", 3), ("metadata.nam", "E0100", 4)]
    );
    assert_eq!(v[2].help().as_deref(), Some("did you mean `name`?"));
}

/// `Node = { name: string, children: [Node] }`.
fn tree_registry() -> Registry {
    let mut registry = Registry::default();
    registry.definitions.insert(
        "Node".into(),
        object(vec![("name", string()), ("children", list_of(reference("Node"))), ("child", reference("Node"))], &[]),
    );
    registry
}

#[test]
fn self_referential_definitions() {
    let registry = tree_registry();
    let leaf = |at: usize, name: Value| rec(at, vec![("name", name)]);
    let value = rec(
        0,
        vec![
            ("name", s("root", 1)),
            (
                "children",
                list(
                    2,
                    vec![
                        leaf(3, s("a", 4)),
                        rec(5, vec![("children", list(6, vec![leaf(7, s("b", 8)), leaf(9, i(1, 10))]))]),
                    ],
                ),
            ),
        ],
    );
    let v = validate(&registry, &reference("Node"), &value);
    assert_eq!(v, vec![violation("children[1].children[1].name", 10, wrong("a string", "an integer", Some("1")))]);

    // A cycle of references that names no schema accepts anything, and ends.
    let mut registry = Registry::default();
    registry.definitions.insert("A".into(), reference("B"));
    registry.definitions.insert("B".into(), reference("A"));
    assert_eq!(validate(&registry, &reference("A"), &rec(0, vec![("x", i(1, 1))])), vec![]);
}

/// Take a value apart without recursion (dropping a very deep value would recurse).
fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(mut v) = stack.pop() {
        match &mut v.kind {
            ValueKind::Record(fields) => stack.extend(fields.drain(..).map(|(_, v)| v)),
            ValueKind::List(items) => stack.append(std::sync::Arc::make_mut(items)),
            _ => {}
        }
    }
}

#[test]
fn a_very_deep_value_does_not_overflow() {
    let registry = tree_registry();
    const DEPTH: usize = 100_000;
    // child.child.child...: a wrong `name` at depth 3, 200, and at the very bottom.
    let mut value = rec(DEPTH, vec![("name", i(0, DEPTH + 1))]);
    for depth in (0..DEPTH).rev() {
        let mut fields = vec![];
        if depth == 3 || depth == 200 {
            fields.push(("name", i(0, depth + DEPTH * 2)));
        }
        fields.push(("child", value));
        value = rec(depth, fields);
    }
    // On a small stack too: the walk keeps its own stack of steps.
    let v = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped(scope, || validate(&registry, &reference("Node"), &value))
            .map(|handle| handle.join())
    });
    // Before any assertion: a failing one would drop the value, recursively.
    dismantle(value);
    let Ok(Ok(v)) = v else { panic!("the validation thread failed") };
    let paths: Vec<usize> = v.iter().map(|x| x.path.matches("child").count()).collect();
    assert_eq!(paths, vec![3, 200], "nothing is reported below depth {MAX_DEPTH}");
    assert_eq!(v[0].path, "child.child.child.name");
    assert_eq!(v[0].span, sp(3 + DEPTH * 2));
}

// ---------------------------------------------------------------------------------------
// Several violations

#[test]
fn all_violations_in_document_order() {
    let schema = object(
        vec![
            ("a", int()),
            ("b", object(vec![("x", string()), ("y", string())], &["y"])),
            ("c", list_of(string_enum(&["on", "off"]))),
            ("d", boolean()),
        ],
        &["d"],
    );
    let value = rec(
        0,
        vec![
            ("c", list(1, vec![s("on", 2), s("of", 3), i(1, 4)])),
            ("a", s("1", 5)),
            ("zz", i(1, 6)),
            ("b", rec(7, vec![("x", b(true, 8)), ("w", i(1, 9))])),
        ],
    );
    let v = check(&schema, &value);
    assert_eq!(
        v.iter().map(|x| (x.path.as_str(), x.code(), x.span.start)).collect::<Vec<_>>(),
        vec![
            ("d", "E0102", 0),
            ("c[1]", "E0103", 3),
            ("c[2]", "E0101", 4),
            ("a", "E0101", 5),
            ("zz", "E0100", 6),
            ("b.y", "E0102", 7),
            ("b.x", "E0101", 8),
            ("b.w", "E0100", 9),
        ]
    );
    // The same input gives the same output.
    assert_eq!(check(&schema, &value), v);
}

/// A validator remembers the shared parts (evaluation shares equal records and lists)
/// it found valid, so that it does not walk them again: only valid ones, and only under
/// the schema they were checked against.
#[test]
fn a_shared_part_is_remembered_valid_only_under_its_schema() {
    let registry = Registry::default();
    // One record, held twice (a clone shares it).
    let port = rec(1, vec![("port", i(80, 2))]);
    let lenient = object(vec![("port", int())], &[]);
    let strict = object(vec![("port", int_with(NumberRules { maximum: Some(10.0), ..Default::default() }))], &[]);
    let outer = |s: &Arc<Schema>| object(vec![("a", s.clone()), ("b", s.clone())], &[]);
    let (lenient_outer, strict_outer) = (outer(&lenient), outer(&strict));
    let value = rec(0, vec![("a", port.clone()), ("b", port.clone())]);
    let other = rec(5, vec![("b", port.clone())]);
    let mut validator = Validator::new(&registry);
    assert_eq!(validator.validate(&lenient_outer, &value), Vec::new());
    // The same part under another schema is walked: reported in both places.
    let found = validator.validate(&strict_outer, &value);
    let paths: Vec<&str> = found.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["a.port", "b.port"], "{found:?}");
    // A part with a violation is not remembered: reported again in another object.
    let again = validator.validate(&strict_outer, &other);
    assert_eq!(again.iter().map(|v| v.path.as_str()).collect::<Vec<_>>(), ["b.port"]);
}

/// A validator remembers what each reference it met resolves to (by the reference's
/// address): two references to different definitions, met again and again by one
/// validator, each keep checking against their own definition.
#[test]
fn a_reused_validator_resolves_each_reference_to_its_own_definition() {
    let mut registry = Registry::default();
    let small = object(vec![("port", int_with(NumberRules { maximum: Some(10.0), ..Default::default() }))], &[]);
    registry.definitions.insert("Small".into(), small);
    registry.definitions.insert("Named".into(), object(vec![("port", string())], &[]));
    let schema = object(vec![("a", reference("Small")), ("b", reference("Named"))], &[]);
    let paths = |found: Vec<Violation>| found.into_iter().map(|v| v.path).collect::<Vec<_>>();
    // Each value its own allocation (nothing remembered valid by address); the values
    // outlive the validator.
    let rounds: Vec<[Value; 3]> = (0..3)
        .map(|_| {
            [
                rec(0, vec![("a", rec(1, vec![("port", i(8, 2))])), ("b", rec(3, vec![("port", s("http", 4))]))]),
                rec(0, vec![("a", rec(1, vec![("port", s("http", 2))])), ("b", rec(3, vec![("port", i(80, 4))]))]),
                rec(0, vec![("a", rec(1, vec![("port", i(80, 2))]))]),
            ]
        })
        .collect();
    let mut validator = Validator::new(&registry);
    for (round, [fits, swapped, large]) in rounds.iter().enumerate() {
        assert_eq!(paths(validator.validate(&schema, fits)), Vec::<String>::new(), "round {round}");
        assert_eq!(paths(validator.validate(&schema, swapped)), ["a.port", "b.port"], "round {round}");
        assert_eq!(paths(validator.validate(&schema, large)), ["a.port"], "round {round}");
    }
}
