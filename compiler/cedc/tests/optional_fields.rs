//! An optional field left out of a typed record is absent from the evaluated record
//! (Kubernetes kinds declare hundreds; storing each as `none` was most of a platform's
//! memory) and reads as `none` everywhere: `r.f`, `r["f"]`, a path read in place, an
//! override into it, and equality, which ignores fields holding `none`. A map's missing
//! key is still an error.

use cedc_names::MemoryFs;

fn compile(src: &str) -> cedc::Compilation {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
    cedc::compile(&fs, &["main.ced".to_string()], None)
}

/// The `data` of ConfigMap `c` in `env`.
fn data(c: &cedc::Compilation, env: &str) -> serde_json::Value {
    let platform = c.platform.as_ref().unwrap_or_else(|| panic!("not evaluated: {:?}", c.diagnostics));
    let env = platform.envs.iter().find(|e| e.name == env).expect("environment");
    let object = env.components.iter().flat_map(|x| &x.objects).find(|o| &*o.name == "c").expect("ConfigMap c");
    object.value.to_json().expect("json")["data"].clone()
}

const PROGRAM: &str = r#"
env prod {}
env dev {}

type Inner = { size?: Int, tag?: String }
type Options = { flag?: Bool, name?: String, inner?: Inner, extra: Int = 1 }

let given: Options = { flag: true }
let explicit: Options = { flag: true, name: none }
let nested: Options = { inner: {} }

component app {
  namespace: "app"
  objects: [{
    apiVersion: "v1"
    kind: "ConfigMap"
    metadata: { name: "c" }
    data: {
      field: given.name ?? "absent"
      index: given["name"] ?? "absent"
      deep: string((nested.inner ?? {}).size ?? 0)
      flag: string(given.flag ?? false)
      equal: string(given == explicit)
      differ: string(given == { flag: false })
      override: string((given.inner ?? {}).size ?? 0)
      extra: string(given.extra)
    }
  }]
}

in dev {
  given.inner.size = 3
}
"#;

#[test]
fn an_optional_field_left_out_reads_as_none() {
    let c = compile(PROGRAM);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let prod = data(&c, "prod");
    assert_eq!(prod["field"], "absent");
    assert_eq!(prod["index"], "absent");
    assert_eq!(prod["deep"], "0");
    assert_eq!(prod["flag"], "true");
    assert_eq!(prod["equal"], "true", "a field holding none equals a field left out");
    assert_eq!(prod["differ"], "false");
    assert_eq!(prod["override"], "0");
    assert_eq!(prod["extra"], "1", "defaults are still filled in");
    // An override reaches into the optional record left out.
    assert_eq!(data(&c, "dev")["override"], "3");
}

#[test]
fn a_maps_missing_key_is_still_an_error() {
    let c = compile(
        r#"
env prod {}
let m: Map<String> = { a: "x" }
component app {
  namespace: "app"
  objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { v: m["b"] } }]
}
"#,
    );
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0060"], "{:?}", c.diagnostics);
    assert!(c.diagnostics[0].message.contains("no key `b`"), "{}", c.diagnostics[0].message);
}

/// A record conformed to its type is not conformed to it again (`Fields::conformed_to`),
/// but a changed one is: a name made invalid by `with` is still caught where the record
/// is passed as an argument of that type.
#[test]
fn a_record_changed_after_it_was_conformed_is_conformed_again() {
    let c = compile(
        r#"
env prod {}
type Named = { name: Name, note?: String }
let good: Named = { name: "fine" }
let bad = good with { name: "Not" + "_Valid" }
fn name_of(n: Named) -> String = n.name
component app {
  namespace: "app"
  objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: name_of(good), b: name_of(bad) } }]
}
"#,
    );
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0040"], "{:?}", c.diagnostics);
    assert!(c.diagnostics[0].message.contains("Not_Valid"), "{}", c.diagnostics[0].message);
}
