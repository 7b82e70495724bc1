//! What the tests of hand-written built-in kinds share: looking a kind up in the default
//! registry and validating JSON objects against it.

use cedc_diagnostics::Span;
use cedc_model::Value;
use cedc_schema::validate::{Violation, ViolationKind, validate};
use cedc_schema::{Kind, Registry};

pub fn registry() -> &'static Registry {
    cedc_schema::core::registry()
}

pub fn kind(api_version: &str, name: &str) -> &'static Kind {
    registry().lookup(api_version, name).unwrap_or_else(|| panic!("{api_version} {name} is not built in"))
}

/// The violations of a JSON object against its (built-in) kind.
pub fn check(object: serde_json::Value) -> Vec<Violation> {
    let k = kind(object["apiVersion"].as_str().expect("an apiVersion"), object["kind"].as_str().expect("a kind"));
    validate(registry(), &k.schema, &Value::from_json(&object, Span::default()))
}

pub fn assert_valid(object: serde_json::Value) {
    let name = format!("{} {} {}", object["apiVersion"], object["kind"], object["metadata"]["name"]);
    let v = check(object);
    assert!(
        v.is_empty(),
        "{name}: {:#?}",
        v.iter().map(|v| format!("{}: {}", v.path, v.message())).collect::<Vec<_>>()
    );
}

/// Each violation as `path: kind`, for readable assertions.
pub fn summary(v: &[Violation]) -> Vec<(String, ViolationKind)> {
    v.iter().map(|v| (v.path.clone(), v.kind.clone())).collect()
}
