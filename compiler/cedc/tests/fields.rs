//! Record types with quoted field names (`"grafana.ini"?: ...`), as chart values
//! need: record literals check against them, evaluation writes their keys, `r["key"]`
//! reads them, override paths reach them with `["key"]` segments, and mistakes are
//! reported at the key with the usual codes.

use cedc_names::MemoryFs;

fn compile(src: &str) -> cedc::Compilation {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
    cedc::compile(&fs, &["main.ced".to_string()], None)
}

fn codes(c: &cedc::Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

/// The JSON of the only object of component `grafana` in `env`.
fn object(c: &cedc::Compilation, env: &str) -> serde_json::Value {
    let platform = c.platform.as_ref().expect("evaluated");
    let env = platform.envs.iter().find(|e| e.name == env).expect("environment");
    let component = env.components.iter().find(|x| x.name == "grafana").expect("component");
    component.objects[0].value.to_json().expect("json")
}

const VALUES: &str = r#"
env prod {}
env staging {}

type Labels = {
  "app.kubernetes.io/name": String
  "app.kubernetes.io/part-of": String = "monitoring"
  team?: String
}

type Values = {
  "grafana.ini": { server: { root_url: String = "/" } = {} } = {}
  replicas: Int = 1
}

let labels: Labels = { "app.kubernetes.io/name": "grafana" }
let values: Values = { "grafana.ini": { server: { root_url: "https://grafana.example.org" } } }

component grafana {
  namespace: "monitoring"
  objects: [{
    apiVersion: "v1"
    kind: "ConfigMap"
    metadata: { name: "grafana", labels: labels }
    data: {
      root_url: values["grafana.ini"].server.root_url
      name: labels["app.kubernetes.io/name"]
      "grafana.ini": "[server]\nroot_url = {values["grafana.ini"].server["root_url"]}\n"
    }
  }]
}
"#;

#[test]
fn quoted_fields_check_evaluate_and_are_read_by_index() {
    let c = compile(VALUES);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let o = object(&c, "prod");
    // The default of a quoted field is filled in under its key.
    assert_eq!(
        o["metadata"]["labels"],
        serde_json::json!({ "app.kubernetes.io/name": "grafana", "app.kubernetes.io/part-of": "monitoring" })
    );
    assert_eq!(o["data"]["root_url"], "https://grafana.example.org");
    assert_eq!(o["data"]["name"], "grafana");
    assert_eq!(o["data"]["grafana.ini"], "[server]\nroot_url = https://grafana.example.org\n");
}

#[test]
fn override_paths_reach_quoted_fields() {
    let src = format!(
        "{VALUES}\nin staging {{\n  values[\"grafana.ini\"].server.root_url = \"https://grafana.staging.example.org\"\n  labels[\"app.kubernetes.io/part-of\"] = \"observability\"\n}}\n"
    );
    let c = compile(&src);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    assert_eq!(object(&c, "prod")["data"]["root_url"], "https://grafana.example.org");
    let staging = object(&c, "staging");
    assert_eq!(staging["data"]["root_url"], "https://grafana.staging.example.org");
    assert_eq!(staging["metadata"]["labels"]["app.kubernetes.io/part-of"], "observability");
}

/// The diagnostic with `code`, and the source text of its primary span.
fn located<'c>(c: &'c cedc::Compilation, src: &'c str, code: &str) -> (&'c cedc_diagnostics::Diagnostic, &'c str) {
    let d = c.diagnostics.iter().find(|d| d.code == code).unwrap_or_else(|| panic!("no {code}: {:#?}", c.diagnostics));
    let span = d.span().expect("located");
    (d, &src[span.start as usize..span.end as usize])
}

#[test]
fn a_misspelled_quoted_key_is_e0022_with_a_suggestion() {
    let src = VALUES.replace(r#"{ "grafana.ini": { server"#, r#"{ "grafana.inii": { server"#);
    let c = compile(&src);
    assert_eq!(codes(&c), ["E0022"], "{:#?}", c.diagnostics);
    let (d, at) = located(&c, &src, "E0022");
    assert_eq!(at, "\"grafana.inii\"");
    assert_eq!(d.message, "Values has no field `\"grafana.inii\"`");
    assert_eq!(d.help.as_deref(), Some("did you mean `\"grafana.ini\"`?"));
}

#[test]
fn an_index_naming_no_field_is_e0022() {
    let src = VALUES.replace(r#"labels["app.kubernetes.io/name"]"#, r#"labels["app.kubernetes.io/nme"]"#);
    let c = compile(&src);
    assert_eq!(codes(&c), ["E0022"], "{:#?}", c.diagnostics);
    let (d, at) = located(&c, &src, "E0022");
    assert_eq!(at, "\"app.kubernetes.io/nme\"");
    assert_eq!(d.help.as_deref(), Some("did you mean `\"app.kubernetes.io/name\"`?"));
}

#[test]
fn a_misspelled_override_key_is_e0050_and_a_wrong_value_e0039() {
    let src = format!("{VALUES}\nin staging {{\n  values[\"grafana.inii\"].server.root_url = \"x\"\n}}\n");
    let c = compile(&src);
    assert_eq!(codes(&c), ["E0050"], "{:#?}", c.diagnostics);
    let (d, at) = located(&c, &src, "E0050");
    assert_eq!(at, "\"grafana.inii\"");
    assert_eq!(d.help.as_deref(), Some("did you mean `\"grafana.ini\"`?"));

    let src = format!("{VALUES}\nin staging {{\n  values[\"grafana.ini\"].server = 3\n}}\n");
    let c = compile(&src);
    assert_eq!(codes(&c), ["E0039"], "{:#?}", c.diagnostics);
}

#[test]
fn conflicting_overrides_name_the_path_as_written() {
    let src = format!(
        "{VALUES}\nin staging {{\n  values[\"grafana.ini\"] = {{}}\n}}\nin staging {{\n  values[\"grafana.ini\"].server.root_url = \"x\"\n}}\n"
    );
    let c = compile(&src);
    assert_eq!(codes(&c), ["E0051"], "{:#?}", c.diagnostics);
    let d = &c.diagnostics[0];
    assert!(d.message.contains("`values[\"grafana.ini\"].server.root_url`"), "{}", d.message);
}

#[test]
fn types_print_quoted_names_quoted() {
    let src = r#"
env prod {}
let v: { "grafana.ini": Int, plain: Int } = { "grafana.ini": 1, plain: 2 }
let n: Int = v
"#;
    let c = compile(src);
    assert_eq!(codes(&c), ["E0039"], "{:#?}", c.diagnostics);
    assert!(c.diagnostics[0].message.contains("{ \"grafana.ini\": Int, plain: Int }"), "{}", c.diagnostics[0].message);
}

#[test]
fn a_field_declared_bare_and_quoted_is_declared_twice() {
    let c = compile("env prod {}\ntype T = { replicas: Int, \"replicas\": Int }\n");
    assert_eq!(codes(&c), ["E0021"], "{:#?}", c.diagnostics);
}

#[test]
fn an_interpolated_field_name_is_e0441() {
    let c = compile("env prod {}\nlet x = \"a\"\ntype T = { \"{x}.ini\": Int }\n");
    assert_eq!(codes(&c), ["E0441"], "{:#?}", c.diagnostics);
}

/// A Deployment with `replicas` beside `spec` instead of in it.
const MISPLACED: &str = r#"env prod {}

let d: KIND = {
  apiVersion: "apps/v1"
  kind: "Deployment"
  metadata: { name: "a" }
  replicas: 2
  spec: {
    selector: { matchLabels: { app: "a" } }
    template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "a", image: "nginx:1.27" }] } }
  }
}

component a {
  namespace: "a"
  objects: [d]
}
"#;

#[test]
fn a_field_written_one_level_too_high_is_told_where_it_belongs_typed_or_not() {
    // Typed as the kind: E0022 when checking types.
    let typed = MISPLACED.replace("KIND", "Kind<\"apps/v1\", \"Deployment\">");
    let c = compile(&typed);
    assert_eq!(codes(&c), ["E0022"], "{:#?}", c.diagnostics);
    let (d, at) = located(&c, &typed, "E0022");
    assert_eq!(at, "replicas");
    assert_eq!(d.help.as_deref(), Some("`replicas` is a field of `spec`: move it inside `spec`"));
    // Untyped: E0100 when checking the object against its schema.
    let untyped = MISPLACED.replace("KIND", "Object");
    let c = compile(&untyped);
    assert_eq!(codes(&c), ["E0100"], "{:#?}", c.diagnostics);
    let (d, _) = located(&c, &untyped, "E0100");
    assert_eq!(d.help.as_deref(), Some("`replicas` is a field of `spec`: move it inside `spec`"));
}

#[test]
fn a_problem_in_a_helper_used_twice_is_one_report_with_both_uses() {
    let src = r#"env prod {}
env staging {}

fn settings(team: String) -> Object = {
  apiVersion: "v1"
  kind: "ConfigMap"
  metadata: { name: "settings-{team}" }
  data: { first: ["a", "b"][5] }
}

component a {
  namespace: "a"
  objects: [settings("a")]
}

component b {
  namespace: "b"
  objects: [settings("b")]
}
"#;
    let c = compile(src);
    assert_eq!(codes(&c), ["E0060"], "{:#?}", c.diagnostics);
    let (d, at) = located(&c, src, "E0060");
    assert_eq!(at, "5", "the problem is in the helper's body");
    let uses: Vec<&str> = d.uses.iter().map(|s| &src[s.start as usize..s.end as usize]).collect();
    assert_eq!(uses, ["settings(\"a\")", "settings(\"b\")"]);
    assert_eq!(d.envs, ["prod", "staging"]);
}

#[test]
fn a_check_finding_a_problem_in_a_helper_names_each_use() {
    // The checks (not the evaluator) find these: a Service made by a project function
    // selecting nothing, used twice; and a Job name computed from an argument.
    let src = r#"env prod {}

fn front(team: String) -> Object = {
  apiVersion: "v1"
  kind: "Service"
  metadata: { name: "{team}-front" }
  spec: { selector: { app: "frontend" }, ports: [{ port: 80 }] }
}

fn job(team: String) -> Object = {
  apiVersion: "batch/v1"
  kind: "Job"
  metadata: { name: "{team}-a-job-name-long-enough-to-leave-no-room-for-the-label-kubernetes-adds" }
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "j", image: "busybox:1.37" }] } } }
}

component a {
  namespace: "a"
  objects: [front("one"), front("two"), job("abc")]
}
"#;
    let c = compile(src);
    assert_eq!(codes(&c), ["E0141", "E0141", "E0151"], "{:#?}", c.diagnostics);
    let text = |s: &cedc_diagnostics::Span| &src[s.start as usize..s.end as usize];
    let services: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "E0141").collect();
    for (d, call) in services.iter().zip(["front(\"one\")", "front(\"two\")"]) {
        assert_eq!(d.span().map(|s| text(&s)), Some("{ app: \"frontend\" }"), "in the helper's body");
        let uses: Vec<&str> = d.uses.iter().map(text).collect();
        assert_eq!(uses, [call], "each report names the call that made its Service");
    }
    let (d, at) = located(&c, src, "E0151");
    assert_eq!(at, "\"abc\"", "the name's input");
    assert!(d.secondary.iter().any(|(s, l)| l == "computed here" && text(s).starts_with("\"{team}")), "{d:#?}");
    assert!(d.uses.is_empty(), "the argument is inside the call: {d:#?}");
}

#[test]
fn a_name_computed_from_an_argument_is_reported_at_the_argument() {
    let src = r#"env prod {}

fn settings(team: String) -> Object = {
  apiVersion: "v1"
  kind: "ConfigMap"
  metadata: { name: "settings-{team}" }
}

component a {
  namespace: "a"
  objects: [settings("Data_Science")]
}
"#;
    let c = compile(src);
    assert_eq!(codes(&c), ["E0040"], "{:#?}", c.diagnostics);
    let (d, at) = located(&c, src, "E0040");
    assert_eq!(at, "\"Data_Science\"");
    let computed: Vec<&str> = d.secondary.iter().map(|(s, _)| &src[s.start as usize..s.end as usize]).collect();
    assert_eq!(computed, ["\"settings-{team}\""]);
}

/// Conforming a record to its type goes through the type's fields in the type's
/// order, whatever order the record gives them in: the defaults left out are added in
/// that order after the given fields, and of two invalid computed fields the one the
/// type declares first is reported.
#[test]
fn conforming_follows_the_types_order() {
    let src = r#"
env prod {}

type Settings = {
  first: String = "1"
  second?: String
  third: String = "three"
  fourth: String
}

type Pair = { a: Port, b: Port }

fn settings(port: Int) -> Settings = { fourth: "{port}", second: "{port + 1}" }
fn pair(port: Int) -> Pair = { b: port + 1, a: port + 0 }

component grafana {
  namespace: "monitoring"
  objects: [{
    apiVersion: "v1"
    kind: "ConfigMap"
    metadata: { name: "grafana", labels: { port: "{pair(80).a}" } }
    data: settings(80)
  }]
}
"#;
    let c = compile(src);
    assert!(codes(&c).is_empty(), "{:#?}", c.diagnostics);
    let data = &object(&c, "prod")["data"];
    let keys: Vec<&String> = data.as_object().expect("data").keys().collect();
    assert_eq!(keys, ["fourth", "second", "first", "third"], "the given fields, then the defaults in order");

    let bad = compile(&src.replace("pair(80)", "pair(70000)"));
    let text = format!("{:?}", bad.diagnostics);
    // `a` is declared before `b`: its value, 70000, is the one reported.
    assert!(text.contains("70000 is not a valid Port") && !text.contains("70001"), "{text}");
}
