//! Composite resources end to end, through the real binary (docs/crossplane.md): every
//! form of patch a composed resource can read becomes the Crossplane patch it stands
//! for; the definition's derived schema accepts the platform's composite resources and
//! rejects broken ones in an independent JSON Schema validator (the `jsonschema` crate,
//! not cedc's); and the emitted Composition's input fits function-patch-and-transform's
//! upstream CRD (when `../shared` is there). The mistakes are cases of
//! `tests/cases/crossplane/`.

use cedc_emit::testing;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cedc(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cedc")
}

fn project(main: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\n").expect("write cedc.toml");
    std::fs::write(dir.path().join("main.ced"), main).expect("write main.ced");
    dir
}

fn render(dir: &Path, env: &str) -> Vec<Value> {
    let out = cedc(&["render", ".", "--env", env], dir);
    assert!(
        out.status.success(),
        "render failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    testing::parse_documents(&String::from_utf8_lossy(&out.stdout))
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {docs:#?}"))
}

const PATCHES: &str = r#"
import "std/crossplane"

env prod { zone: "prod-zone" }
env staging { zone: "staging-zone" }

/// A record.
type RecordSpec = {
  /// Its name.
  name: Label
  type: "A" | "CNAME" = "A"
  ttl: Int = 300
  targets: List<String>
  weight?: Int
  labels: Map<String> = {}
  port?: Port
}

/// A record, composed.
composite "dns.example.org/v1alpha1" Record(spec: RecordSpec) = {
  scope: "Cluster"
  resources: [{
    name: "config"
    base: {
      apiVersion: "v1"
      kind: "ConfigMap"
      metadata: { name: composite_name(), labels: { "example.org/zone": spec.name } }
      data: {
        zone: env.zone
        same: spec.name
        text: "{spec.ttl}"
        fqdn: "{spec.name}.example.org.%"
        both: "{spec.name}/{spec.type}"
        short: match spec.type { "A" => "a", "CNAME" => "c" }
        minutes: "{spec.ttl * 60}"
        weight: "{spec.weight ?? 7}"
        loud: upper(spec.name)
        quiet: lower("{spec.type}")
        ttl: string(spec.ttl)
      }
    }
    readinessChecks: [{ type: "NonEmpty", fieldPath: "data.zone" }]
    connectionDetails: [{ name: "zone", type: "FromFieldPath", fromFieldPath: "data.zone" }]
  }]
}

let www: Record = { metadata: { name: "www" }, spec: { name: "www", targets: ["192.0.2.1"], port: 53 } }

component dns {
  namespace: "dns"
  objects: [...crossplane.objects(Record), www]
}
"#;

#[test]
fn every_form_of_read_becomes_its_patch() {
    let p = project(PATCHES);
    for (env, zone) in [("prod", "prod-zone"), ("staging", "staging-zone")] {
        let docs = render(p.path(), env);
        let composition = find(&docs, "Composition", "records.dns.example.org");
        let step = &composition["spec"]["pipeline"][0];
        assert_eq!(step["functionRef"]["name"], "function-patch-and-transform");
        let resource = &step["input"]["resources"][0];
        assert_eq!(resource["name"], "config");
        // What is known when cedc runs stays in the base; every read left it.
        assert_eq!(resource["base"]["data"], json!({ "zone": zone, "weight": "7" }), "{env}");
        assert_eq!(resource["base"]["metadata"], json!({ "labels": {} }), "{env}");
        let patches: Vec<&Value> = resource["patches"].as_array().expect("patches").iter().collect();
        let by_target = |to: &str| {
            *patches.iter().find(|p| p["toFieldPath"] == to).unwrap_or_else(|| panic!("no patch to {to}: {patches:#?}"))
        };
        let from = |p: &Value| p["fromFieldPath"].as_str().unwrap_or_default().to_string();
        assert_eq!(from(by_target("metadata.name")), "metadata.name");
        assert!(by_target("metadata.name").get("transforms").is_none());
        assert_eq!(from(by_target("metadata.labels[example.org/zone]")), "spec.name");
        assert_eq!(
            by_target("data.same"),
            &json!({ "type": "FromCompositeFieldPath", "fromFieldPath": "spec.name", "toFieldPath": "data.same" })
        );
        assert_eq!(
            by_target("data.text")["transforms"],
            json!([{ "type": "convert", "convert": { "toType": "string" } }])
        );
        assert_eq!(
            by_target("data.fqdn")["transforms"],
            json!([{ "type": "string", "string": { "type": "Format", "fmt": "%v.example.org.%%" } }])
        );
        assert_eq!(
            by_target("data.both"),
            &json!({
                "type": "CombineFromComposite",
                "combine": {
                    "variables": [{ "fromFieldPath": "spec.name" }, { "fromFieldPath": "spec.type" }],
                    "strategy": "string",
                    "string": { "fmt": "%v/%v" }
                },
                "toFieldPath": "data.both"
            })
        );
        assert_eq!(
            by_target("data.short")["transforms"],
            json!([{ "type": "map", "map": { "A": "a", "CNAME": "c" } }])
        );
        assert_eq!(
            by_target("data.minutes")["transforms"],
            json!([
                { "type": "math", "math": { "type": "Multiply", "multiply": 60 } },
                { "type": "convert", "convert": { "toType": "string" } }
            ])
        );
        assert_eq!(from(by_target("data.weight")), "spec.weight");
        let convert = |to: &str| json!({ "type": "string", "string": { "type": "Convert", "convert": to } });
        assert_eq!(by_target("data.loud")["transforms"], json!([convert("ToUpper")]));
        assert_eq!(
            by_target("data.quiet")["transforms"],
            json!([{ "type": "convert", "convert": { "toType": "string" } }, convert("ToLower")])
        );
        assert_eq!(
            by_target("data.ttl")["transforms"],
            json!([{ "type": "convert", "convert": { "toType": "string" } }])
        );
        assert_eq!(patches.len(), 12, "{patches:#?}");
        assert_eq!(resource["readinessChecks"], json!([{ "type": "NonEmpty", "fieldPath": "data.zone" }]));
        assert_eq!(
            resource["connectionDetails"],
            json!([{ "name": "zone", "type": "FromFieldPath", "fromFieldPath": "data.zone" }])
        );

        // The definition: cluster scope, the spec type's schema, the Composition chosen.
        let xrd = find(&docs, "CompositeResourceDefinition", "records.dns.example.org");
        assert_eq!(xrd["apiVersion"], "apiextensions.crossplane.io/v2");
        assert_eq!(xrd["spec"]["scope"], "Cluster");
        assert_eq!(xrd["spec"]["defaultCompositionRef"]["name"], "records.dns.example.org");
        let schema = &xrd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        assert_eq!(schema["description"], "A record, composed.");
        let spec = &schema["properties"]["spec"];
        assert_eq!(spec["required"], json!(["name", "targets"]));
        assert_eq!(spec["properties"]["name"]["description"], "Its name.");
        assert_eq!(spec["properties"]["name"]["maxLength"], 63);
        assert_eq!(spec["properties"]["type"], json!({ "type": "string", "enum": ["A", "CNAME"], "default": "A" }));
        assert_eq!(spec["properties"]["ttl"], json!({ "type": "integer", "default": 300 }));
        assert_eq!(spec["properties"]["labels"]["additionalProperties"], json!({ "type": "string" }));
        assert_eq!(spec["properties"]["port"], json!({ "type": "integer", "minimum": 1, "maximum": 65535 }));

        // The function every Composition runs is installed, once, where none is declared.
        let function = find(&docs, "Function", "function-patch-and-transform");
        let package = cedc_model::views::crossplane::function_package("function-patch-and-transform");
        assert_eq!(function["spec"]["package"].as_str(), package.as_deref());
        assert_eq!(docs.iter().filter(|d| d["kind"] == "Function").count(), 1);

        // A composite of a cluster-scoped definition has no namespace.
        let www = find(&docs, "Record", "www");
        assert!(www["metadata"].get("namespace").is_none(), "{www:#?}");
        assert_eq!(www["spec"]["ttl"], 300, "defaults are filled in");
    }
}

/// The structural rules Kubernetes applies that JSON Schema leaves implicit: an object
/// with declared properties and no `additionalProperties` prunes (here: refuses) others.
fn as_json_schema(openapi: &Value) -> Value {
    let mut out = openapi.clone();
    let mut stack = vec![&mut out];
    while let Some(v) = stack.pop() {
        let Some(o) = v.as_object_mut() else { continue };
        if o.contains_key("properties")
            && !o.contains_key("additionalProperties")
            && !o.contains_key("x-kubernetes-preserve-unknown-fields")
        {
            o.insert("additionalProperties".into(), Value::Bool(false));
        }
        for (k, child) in o.iter_mut() {
            if k == "properties" {
                stack.extend(child.as_object_mut().into_iter().flat_map(|m| m.values_mut()));
            } else if k == "items" || k == "additionalProperties" {
                stack.push(child);
            }
        }
    }
    out
}

#[test]
fn the_derived_schema_accepts_the_platforms_composites_and_rejects_broken_ones_independently() {
    let docs = render(&repo().join("examples/cedille"), "prod");
    let xrd = find(&docs, "CompositeResourceDefinition", "dnsrecords.dns.cedille.club");
    let schema = as_json_schema(&xrd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]);
    let validator = jsonschema::validator_for(&schema).expect("the derived schema is a valid JSON Schema");
    let records: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "DnsRecord").collect();
    assert_eq!(records.len(), 3, "one record per environment");
    for r in &records {
        // Kubernetes validates the object less its envelope, which the API server owns.
        let body = json!({ "spec": r["spec"] });
        let errors: Vec<String> = validator.iter_errors(&body).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", r["metadata"]["name"]);
    }
    let good = json!({ "spec": { "name": "www.omni.cedille.club", "targets": ["lb.omni.cedille.club."] } });
    assert!(validator.is_valid(&good));
    let broken = [
        ("no targets", json!({ "spec": { "name": "www.omni.cedille.club" } })),
        ("a type outside the union", json!({ "spec": { "name": "a.b", "type": "MX", "targets": [] } })),
        ("a TTL as text", json!({ "spec": { "name": "a.b", "ttl": "300", "targets": [] } })),
        ("a name that is no hostname", json!({ "spec": { "name": "Www.Example", "targets": [] } })),
        ("an unknown field", json!({ "spec": { "name": "a.b", "targets": [], "priority": 1 } })),
        ("no spec", json!({})),
    ];
    for (what, instance) in broken {
        assert!(!validator.is_valid(&instance), "{what} was accepted: {instance}");
    }
}

#[test]
fn the_composition_input_fits_the_upstream_function_crd() {
    let dir = repo().join("../shared/crds/function-patch-and-transform");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED (loudly): {} is absent; the Compositions' inputs are not compared with the upstream function-patch-and-transform CRD (cedc's own copy of its schema checked them in the build)",
            dir.display()
        );
        return;
    }
    let mut upstream = cedc_schema::core::registry().clone();
    upstream.kinds.retain(|_, k| k.source == cedc_schema::Source::Builtin);
    let text = std::fs::read_to_string(dir.join("pt.fn.crossplane.io_resources.yaml")).expect("read the CRD");
    cedc_schema::crd::load_into(&mut upstream, "pt.fn.crossplane.io_resources.yaml", &text);
    let kind = upstream.lookup("pt.fn.crossplane.io/v1beta1", "Resources").expect("the upstream CRD serves Resources");
    let mut checked = 0;
    let patches = project(PATCHES);
    for (dir, env) in [(repo().join("examples/cedille"), "prod"), (patches.path().to_path_buf(), "staging")] {
        for c in render(&dir, env).iter().filter(|d| d["kind"] == "Composition") {
            for step in c["spec"]["pipeline"].as_array().expect("pipeline") {
                let mut input = step["input"].clone();
                // The input is embedded: it has no metadata of its own.
                input["metadata"] = json!({ "name": "input" });
                let value = cedc_model::Value::from_json(&input, cedc_diagnostics::Span::default());
                let violations = cedc_schema::validate::validate(&upstream, &kind.schema, &value);
                assert!(violations.is_empty(), "{}: {violations:#?}", c["metadata"]["name"]);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2);
}

const CLAIMS: &str = r#"
import "std/crossplane"

env prod {}

type BucketSpec = {
  region: "eu" | "us"
  size: Int = 10
}

/// A bucket, claimed from a namespace.
composite "storage.example.org/v1alpha1" Bucket(spec: BucketSpec) = {
  claim: "BucketClaim"
  resources: [{
    name: "config"
    base: {
      apiVersion: "v1"
      kind: "ConfigMap"
      metadata: { name: composite_name(), namespace: "buckets" }
      data: { region: spec.region }
    }
  }]
}

let logs: Bucket = { kind: "BucketClaim", metadata: { name: "logs" }, spec: { region: "eu" } }
let shared: Bucket = { metadata: { name: "shared" }, spec: { region: "us", size: 100 } }

component storage {
  namespace: "storage"
  objects: [...crossplane.objects(Bucket), logs, shared]
}
"#;

#[test]
fn a_composite_with_claims_takes_the_v1_form() {
    let p = project(CLAIMS);
    let docs = render(p.path(), "prod");
    let xrd = find(&docs, "CompositeResourceDefinition", "buckets.storage.example.org");
    assert_eq!(xrd["apiVersion"], "apiextensions.crossplane.io/v1");
    assert!(xrd["spec"].get("scope").is_none(), "a v1 definition has no scope: {xrd:#?}");
    assert_eq!(xrd["spec"]["claimNames"], json!({ "kind": "BucketClaim", "plural": "bucketclaims" }));
    // Claims live in the component's namespace; composites in the cluster.
    let claim = find(&docs, "BucketClaim", "logs");
    assert_eq!(claim["metadata"]["namespace"], "storage");
    assert_eq!(claim["spec"], json!({ "region": "eu", "size": 10 }));
    let composite = find(&docs, "Bucket", "shared");
    assert!(composite["metadata"].get("namespace").is_none(), "{composite:#?}");
    // Both are delivered after Crossplane has read the definition.
    for o in [claim, composite] {
        assert_eq!(o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"], "1");
    }
}

#[test]
fn std_crossplane_installs_the_release_cedc_writes_compositions_for() {
    let p = project(
        "import \"std/crossplane\"\nenv prod {}\ncomponent xp {\n  namespace: \"crossplane-system\"\n  objects: [crossplane.patch_and_transform()]\n}\n",
    );
    let docs = render(p.path(), "prod");
    let function = find(&docs, "Function", "function-patch-and-transform");
    let package = cedc_model::views::crossplane::function_package("function-patch-and-transform");
    assert_eq!(function["spec"]["package"].as_str(), package.as_deref());
}
