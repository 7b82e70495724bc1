//! Equal parts of the evaluated objects are stored once, across environments
//! (`cedc_model::Interner`), and what depends on a value alone is computed once per
//! distinct value (schema validation): the objects every environment makes alike are
//! one value, those that differ are not, and a problem in a shared object is still
//! reported for every environment, at its place in the source.

use cedc_model::{Fields, Platform, Value};
use cedc_names::MemoryFs;

const PLATFORM: &str = r#"
env prod { domain: "example.org" }
env staging { domain: "staging.example.org" }
env sandbox { domain: "sandbox.example.org" }

component alike {
  namespace: "alike"
  objects: [{
    apiVersion: "v1"
    kind: "ConfigMap"
    metadata: { name: "settings" }
    data: { mode: "fast" }
    dataa: { typo: "here" }
  }]
}

component differs {
  namespace: "differs"
  objects: [{
    apiVersion: "v1"
    kind: "ConfigMap"
    metadata: { name: "settings" }
    data: { host: "app.{env.domain}", mode: "fast" }
    binaryDataa: { typo: "here" }
  }]
}
"#;

fn compile(src: &str) -> cedc::Compilation {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
    cedc::compile(&fs, &["main.ced".to_string()], None)
}

/// The value of the only object of `component` in each environment, in order.
fn objects<'p>(platform: &'p Platform, component: &str) -> Vec<&'p Value> {
    platform
        .envs
        .iter()
        .map(|env| {
            let c = env.components.iter().find(|c| c.name == component).expect("component in every environment");
            &c.objects[0].value
        })
        .collect()
}

fn addr(v: &Value) -> usize {
    v.as_record().map(Fields::addr).expect("an object is a record")
}

fn part_addr(v: &Value, path: &[&str]) -> usize {
    v.path(path).and_then(Value::as_record).map(Fields::addr).expect("a record at the path")
}

#[test]
fn objects_made_alike_are_one_value_and_others_share_their_equal_parts() {
    let c = compile(PLATFORM);
    let platform = c.platform.as_ref().expect("evaluated");
    let alike = objects(platform, "alike");
    assert_eq!(alike.len(), 3);
    assert!(alike.iter().all(|v| addr(v) == addr(alike[0])), "the same object in every environment is one value");

    let differs = objects(platform, "differs");
    assert_ne!(addr(differs[0]), addr(differs[1]), "objects that differ are not shared");
    assert_ne!(differs[0], differs[1]);
    // What is equal in them is: `metadata` (with its namespace), the misspelled field.
    assert_eq!(part_addr(differs[0], &["metadata"]), part_addr(differs[2], &["metadata"]));
    assert_eq!(part_addr(differs[0], &["binaryDataa"]), part_addr(differs[1], &["binaryDataa"]));
    // Sharing changes no value: each environment's data is its own.
    let host = |v: &Value| v.path(&["data", "host"]).and_then(Value::as_str).map(str::to_string);
    assert_eq!(host(differs[0]).as_deref(), Some("app.example.org"));
    assert_eq!(host(differs[1]).as_deref(), Some("app.staging.example.org"));
}

#[test]
fn a_problem_in_a_shared_object_is_reported_for_every_environment() {
    let c = compile(PLATFORM);
    let unknown: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "E0100").collect();
    let fields: Vec<String> = unknown.iter().map(|d| d.message.clone()).collect();
    assert_eq!(unknown.len(), 2, "one report per misspelled field: {fields:?}");
    for d in &unknown {
        assert_eq!(d.envs, ["prod", "staging", "sandbox"], "{}", d.message);
        let (span, _) = d.primary.as_ref().expect("located");
        let text = &PLATFORM[span.start as usize..span.end as usize];
        assert!(text.contains("typo"), "at the misspelled field's value, found {text:?}");
    }
    assert!(fields[0].contains("`dataa`") && fields[1].contains("`binaryDataa`"), "{fields:?}");
}
