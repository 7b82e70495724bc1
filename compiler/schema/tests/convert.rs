//! OpenAPI v3 → schema model, one keyword (or known importer bug) at a time.

use cedc_schema::convert::{ConvertError, MAX_DEPTH, definitions_from, from_openapi, from_openapi_at};
use cedc_schema::*;
use serde_json::{Value, json};

fn convert(json: Value) -> Schema {
    from_openapi(&json).unwrap_or_else(|e| panic!("{e}"))
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

fn string(schema: &Schema) -> &StringRules {
    match &schema.ty {
        Ty::String(s) => s,
        other => panic!("expected a string, got {other:?}"),
    }
}

fn integer(schema: &Schema) -> &NumberRules {
    match &schema.ty {
        Ty::Integer(n) => n,
        other => panic!("expected an integer, got {other:?}"),
    }
}

fn array(schema: &Schema) -> &Array {
    match &schema.ty {
        Ty::Array(a) => a,
        other => panic!("expected an array, got {other:?}"),
    }
}

fn error(json: Value) -> ConvertError {
    match from_openapi(&json) {
        Ok(s) => panic!("expected an error, converted to {s:?}"),
        Err(e) => e,
    }
}

// --- int-or-string: other importers read it as an integer ------------------------------

#[test]
fn int_or_string_extension_is_int_or_string() {
    // The structural-schema spelling (what controller-gen writes).
    let s = convert(json!({
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "x-kubernetes-int-or-string": true,
        "pattern": "^\\d+%$"
    }));
    assert!(matches!(s.ty, Ty::IntOrString(_)));
    // The extension alone, and the extension with a (wrong) `type: integer` beside it.
    assert!(matches!(convert(json!({"x-kubernetes-int-or-string": true})).ty, Ty::IntOrString(_)));
    assert!(matches!(convert(json!({"type": "integer", "x-kubernetes-int-or-string": true})).ty, Ty::IntOrString(_)));
}

#[test]
fn int_or_string_as_any_of_alone_is_int_or_string() {
    assert!(matches!(convert(json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})).ty, Ty::IntOrString(_)));
    assert!(matches!(convert(json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})).ty, Ty::IntOrString(_)));
    assert!(matches!(
        convert(json!({"oneOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]})).ty,
        Ty::IntOrString(_)
    ));
    // JSON Schema's list of types and the OpenAPI v2 format.
    assert!(matches!(convert(json!({"type": ["integer", "string"]})).ty, Ty::IntOrString(_)));
    assert!(matches!(convert(json!({"type": "string", "format": "int-or-string"})).ty, Ty::IntOrString(_)));
    // Not int-or-string: a third alternative.
    assert_eq!(convert(json!({"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "boolean"}]})).ty, Ty::Any);
}

// --- anyOf / oneOf / allOf --------------------------------------------------------------

#[test]
fn any_of_and_one_of_only_loosen() {
    // Structural schemas use them for value validations on top of the declared shape:
    // the shape stays, the alternatives (which cedc cannot express) are dropped.
    let s = convert(json!({
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "oneOf": [{"required": ["a"]}, {"required": ["b"]}]
    }));
    let o = object(&s);
    assert_eq!(o.properties.len(), 2);
    assert!(o.required.is_empty(), "one-of requirements must not become plain requirements");
    // With no shape of its own, a node of alternatives accepts anything.
    assert_eq!(convert(json!({"anyOf": [{"type": "string"}, {"type": "array"}]})).ty, Ty::Any);
    assert_eq!(convert(json!({"not": {"type": "string"}})).ty, Ty::Any);
}

#[test]
fn all_of_with_one_schema_is_unwrapped() {
    let s = convert(json!({
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.PodSpec"}],
        "description": "The pod.",
        "default": {}
    }));
    assert_eq!(s.ty, Ty::Ref("io.k8s.api.core.v1.PodSpec".into()));
    assert_eq!(s.description.as_deref(), Some("The pod."));
    assert_eq!(s.default, Some(json!({})));

    let s = convert(json!({"allOf": [{"type": "string", "maxLength": 3}]}));
    assert_eq!(string(&s).max_length, Some(3));

    // Several: restrictions only, dropped.
    let s = convert(json!({"type": "string", "allOf": [{"minLength": 1}, {"maxLength": 3}]}));
    assert_eq!(string(&s), &StringRules::default());
}

// --- $ref ---------------------------------------------------------------------------------

#[test]
fn refs_of_every_spelling() {
    for (reference, name) in [
        ("#/$defs/Foo", "Foo"),
        ("#/definitions/io.k8s.api.apps.v1.Deployment", "io.k8s.api.apps.v1.Deployment"),
        ("#/components/schemas/a~1b~0c", "a/b~c"),
    ] {
        let s = convert(json!({"$ref": reference, "description": "kept"}));
        assert_eq!(s.ty, Ty::Ref(name.into()), "{reference}");
        assert_eq!(s.description.as_deref(), Some("kept"));
    }
    let e = error(json!({"properties": {"x": {"$ref": "https://example.com/schema.json"}}}));
    assert_eq!(e.path, "properties.x.$ref");
    assert!(e.message.contains("unsupported `$ref`"), "{e}");
}

#[test]
fn definitions_convert_by_name() {
    let defs = json!({
        "Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}},
        "Name": {"type": "string"}
    });
    let defs = definitions_from(defs.as_object().unwrap()).unwrap();
    assert_eq!(defs.len(), 2);
    assert_eq!(prop(&defs["Node"], "next").ty, Ty::Ref("Node".into()));
    assert!(matches!(defs["Name"].ty, Ty::String(_)));

    let bad = json!({"Good": {"type": "string"}, "Bad": {"type": "strnig"}});
    let e = definitions_from(bad.as_object().unwrap()).unwrap_err();
    assert_eq!(e.path, "Bad.type");
}

// --- field names that are keywords -------------------------------------------------------

#[test]
fn fields_named_like_keywords() {
    let names = [
        "type",
        "default",
        "enum",
        "in",
        "let",
        "properties",
        "required",
        "items",
        "format",
        "$ref",
        "nullable",
        "description",
        "x-kubernetes-int-or-string",
        "anyOf",
        "fn",
        "if",
        "true",
        "null",
    ];
    let mut properties = serde_json::Map::new();
    for name in names {
        properties.insert(name.to_string(), json!({"type": "string", "description": format!("the {name} field")}));
    }
    let s = convert(json!({"type": "object", "properties": properties, "required": ["type", "in", "default"]}));
    let o = object(&s);
    assert_eq!(o.properties.keys().map(String::as_str).collect::<Vec<_>>(), names, "all fields, in order");
    for name in names {
        let p = &o.properties[name];
        assert!(matches!(p.ty, Ty::String(_)), "{name}: {:?}", p.ty);
        assert_eq!(p.description.as_deref(), Some(format!("the {name} field").as_str()));
    }
    assert_eq!(o.required, ["type", "in", "default"]);

    // A property called `type` that is itself an object with a `type` field.
    let s = convert(json!({"properties": {"type": {"properties": {"type": {"type": "integer"}}}}}));
    assert!(matches!(prop(prop(&s, "type"), "type").ty, Ty::Integer(_)));
}

// --- types and shapes ---------------------------------------------------------------------

#[test]
fn type_inference_when_type_is_absent() {
    assert!(matches!(convert(json!({"properties": {"a": {}}})).ty, Ty::Object(_)));
    assert!(matches!(convert(json!({"additionalProperties": {"type": "string"}})).ty, Ty::Object(_)));
    assert!(matches!(convert(json!({"items": {"type": "string"}})).ty, Ty::Array(_)));
    assert_eq!(convert(json!({})).ty, Ty::Any);
    assert_eq!(convert(json!({"description": "anything"})).ty, Ty::Any);
    assert_eq!(convert(json!(true)).ty, Ty::Any);
    let s = convert(json!({"type": "boolean", "x-some-vendor-extension": {"deep": [1, 2]}, "readOnly": true}));
    assert_eq!(s.ty, Ty::Boolean, "unknown keywords are ignored");
    assert!(matches!(convert(json!({"type": "number"})).ty, Ty::Number(_)));
}

#[test]
fn additional_properties() {
    assert_eq!(object(&convert(json!({"type": "object"}))).additional, Additional::Forbidden);
    assert_eq!(
        object(&convert(json!({"type": "object", "additionalProperties": false}))).additional,
        Additional::Forbidden
    );
    assert_eq!(object(&convert(json!({"type": "object", "additionalProperties": true}))).additional, Additional::Any);
    let s = convert(json!({"type": "object", "additionalProperties": {"type": "string", "maxLength": 63}}));
    match &object(&s).additional {
        Additional::Schema(v) => assert_eq!(string(v).max_length, Some(63)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn preserve_unknown_fields() {
    // Alone: any value at all.
    assert_eq!(convert(json!({"x-kubernetes-preserve-unknown-fields": true})).ty, Ty::Any);
    // An object with no declared fields: any object.
    let s = convert(json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
    let o = object(&s);
    assert!(o.properties.is_empty());
    assert_eq!(o.additional, Additional::Any);
    // Declared fields are still checked; others are kept.
    let s = convert(json!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
        "properties": {"replicas": {"type": "integer"}}
    }));
    assert_eq!(object(&s).additional, Additional::Any);
    assert!(matches!(prop(&s, "replicas").ty, Ty::Integer(_)));
}

#[test]
fn embedded_resource() {
    let s = convert(json!({
        "type": "object",
        "x-kubernetes-embedded-resource": true,
        "x-kubernetes-preserve-unknown-fields": true
    }));
    let o = object(&s);
    assert!(o.embedded_resource);
    assert_eq!(o.additional, Additional::Any);
    assert!(!object(&convert(json!({"type": "object"}))).embedded_resource);
}

#[test]
fn list_types_and_map_keys() {
    let s = convert(json!({
        "type": "array",
        "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}},
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name", "port"],
        "minItems": 1,
        "maxItems": 64
    }));
    let a = array(&s);
    assert_eq!(a.list_type, ListType::Map);
    assert_eq!(a.map_keys, ["name", "port"]);
    assert_eq!((a.min_items, a.max_items), (Some(1), Some(64)));
    assert!(matches!(a.items.as_deref().map(|i| &i.ty), Some(Ty::Object(_))));

    let set = convert(json!({"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"}));
    assert_eq!(array(&set).list_type, ListType::Set);
    assert_eq!(array(&convert(json!({"type": "array"}))).list_type, ListType::Atomic);
    assert_eq!(array(&convert(json!({"type": "array", "items": [{"type": "string"}]}))).items, None);

    let e = error(json!({"type": "array", "x-kubernetes-list-type": "bag"}));
    assert_eq!(e.path, "x-kubernetes-list-type");
}

#[test]
fn nullable() {
    let s = convert(json!({"type": "string", "nullable": true, "enum": ["a", "b", null]}));
    assert!(s.nullable);
    assert_eq!(string(&s).enum_values, Some(vec!["a".to_string(), "b".to_string()]));
    assert!(!convert(json!({"type": "string"})).nullable);
    // JSON Schema's spelling.
    let s = convert(json!({"type": ["string", "null"]}));
    assert!(s.nullable);
    assert!(matches!(s.ty, Ty::String(_)));
}

#[test]
fn defaults() {
    let s = convert(json!({
        "type": "object",
        "default": {"mode": "auto"},
        "properties": {
            "mode": {"type": "string", "default": "auto"},
            "count": {"type": "integer", "default": 3},
            "on": {"type": "boolean", "default": false},
            "unset": {"type": "string", "default": null}
        }
    }));
    assert_eq!(s.default, Some(json!({"mode": "auto"})));
    assert_eq!(prop(&s, "mode").default, Some(json!("auto")));
    assert_eq!(prop(&s, "count").default, Some(json!(3)));
    assert_eq!(prop(&s, "on").default, Some(json!(false)));
    assert_eq!(prop(&s, "unset").default, None);
}

#[test]
fn enums() {
    let s = convert(json!({"type": "string", "enum": ["Always", "Never", "IfNotPresent"]}));
    assert_eq!(string(&s).enum_values.as_deref().map(<[String]>::len), Some(3));
    let s = convert(json!({"type": "integer", "enum": [1, 2, 4.0]}));
    assert_eq!(integer(&s).enum_values, Some(vec![1, 2, 4]));
    // A fractional value in a number enum cannot be kept: no restriction rather than a
    // wrong one.
    match convert(json!({"type": "number", "enum": [1, 2.5]})).ty {
        Ty::Number(n) => assert_eq!(n.enum_values, None),
        other => panic!("{other:?}"),
    }
    let e = error(json!({"properties": {"policy": {"type": "string", "enum": ["A", 3]}}}));
    assert_eq!(e.path, "properties.policy.enum[1]");
    let e = error(json!({"type": "integer", "enum": [1, 1.5]}));
    assert_eq!(e.path, "enum[1]");
}

#[test]
fn strings_and_numbers_keep_their_rules() {
    let s = convert(
        json!({"type": "string", "format": "date-time", "pattern": "^[a-z]+$", "minLength": 1, "maxLength": 253}),
    );
    assert_eq!(
        string(&s),
        &StringRules {
            enum_values: None,
            format: Some("date-time".into()),
            pattern: Some("^[a-z]+$".into()),
            min_length: Some(1),
            max_length: Some(253),
        }
    );

    let s = convert(
        json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 65535, "exclusiveMaximum": true}),
    );
    let n = integer(&s);
    assert_eq!(n.format.as_deref(), Some("int32"));
    assert_eq!((n.minimum, n.maximum), (Some(1.0), Some(65535.0)));
    assert!(!n.exclusive_minimum);
    assert!(n.exclusive_maximum);

    // JSON Schema (2019-09) numeric exclusive bounds.
    let s = convert(json!({"type": "integer", "exclusiveMinimum": 0}));
    let n = integer(&s);
    assert_eq!(n.minimum, Some(0.0));
    assert!(n.exclusive_minimum);

    let s = convert(json!({"type": "object", "minProperties": 1, "maxProperties": 2}));
    assert_eq!((object(&s).min_properties, object(&s).max_properties), (Some(1), Some(2)));

    let e = error(json!({"type": "string", "maxLength": -1}));
    assert_eq!(e.path, "maxLength");
}

#[test]
fn cel_rules_are_collected() {
    let s = convert(json!({
        "type": "object",
        "x-kubernetes-validations": [
            {"rule": "self.minReplicas <= self.maxReplicas", "message": "min above max"},
            {"rule": "has(self.name)"}
        ]
    }));
    assert_eq!(s.cel_rules, ["self.minReplicas <= self.maxReplicas", "has(self.name)"]);
    let e = error(json!({"x-kubernetes-validations": [{"message": "no rule"}]}));
    assert_eq!(e.path, "x-kubernetes-validations[0]");
}

// --- errors -----------------------------------------------------------------------------

#[test]
fn errors_say_where() {
    let json = json!({"type": "object", "properties": {"spec": {"properties": {"my.field": {"type": "strnig"}}}}});
    let e = from_openapi_at(&json, "spec.versions[1].schema.openAPIV3Schema").unwrap_err();
    assert_eq!(e.path, "spec.versions[1].schema.openAPIV3Schema.properties.spec.properties[\"my.field\"].type");
    assert!(e.message.contains("unknown type `strnig`"), "{e}");
    assert_eq!(e.to_string(), format!("at {}: {}", e.path, e.message));

    assert_eq!(error(json!({"type": 3})).path, "type");
    assert_eq!(error(json!({"type": "object", "required": "name"})).path, "required");
    assert_eq!(error(json!({"properties": {"a": "string"}})).path, "properties.a");
    assert_eq!(error(json!({"nullable": "yes"})).path, "nullable");
}

/// `{properties: {a: {properties: {a: ...}}}}`, `levels` deep.
fn nested(levels: usize) -> Value {
    // Built by hand: `json!` with an expression inside serialises it, recursively.
    let mut json = json!({"type": "string"});
    for _ in 0..levels {
        let mut properties = serde_json::Map::new();
        properties.insert("a".to_string(), json);
        let mut node = serde_json::Map::new();
        node.insert("type".to_string(), json!("object"));
        node.insert("properties".to_string(), Value::Object(properties));
        json = Value::Object(node);
    }
    json
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let json = nested(MAX_DEPTH * 8);
    let e = from_openapi(&json).unwrap_err();
    assert!(e.message.contains("nested more than"), "{e}");
    assert!(e.path.starts_with("properties.a.properties.a."), "{}", e.path);
    // Dropping a deep `Value` recurses too (serde_json); keep it out of the test.
    std::mem::forget(json);
}

#[test]
fn nesting_up_to_the_limit_converts() {
    // On the default 2 MiB test-thread stack, in a debug build.
    let json = nested(MAX_DEPTH);
    let mut s = &from_openapi(&json).unwrap();
    let mut levels = 0;
    while let Ty::Object(o) = &s.ty {
        s = &o.properties["a"];
        levels += 1;
    }
    assert_eq!(levels, MAX_DEPTH);
    assert!(matches!(s.ty, Ty::String(_)));
}
