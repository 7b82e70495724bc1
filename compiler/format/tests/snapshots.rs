//! The canonical style on representative inputs, as reviewed insta snapshots. Every
//! input is also checked to keep its meaning and comments and to format idempotently.

mod common;

fn format(src: &str) -> String {
    match common::check_formatting(src) {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn declarations() {
    let src = r#"
import "std/k8s"
import   "./lib/common.ced"   as   common
env prod {domain:"omni.cedille.club",production:true,nodes:3}
env staging {
  domain: "staging.omni.cedille.club", production: false, nodes: 1 }
let replicas:Int=if env.production then env.nodes*2 else 1


let argocd-ui = "argocd-server"
fn host(service: Label, domain: String = "omni.cedille.club") -> String =
  "{service}.{domain}"
fn web_component(name: Label, image: String, replicas: Int = 1, port: Port? = none, labels: Map<String> = {}) -> Component = {
  namespace: name, objects: [k8s.deployment(name, image: image)] }
component docs { namespace: "docs", objects: [k8s.config_map("docs-settings", data: { theme: "dark" })] }
component blog = web_component("blog", "ghcr.io/clubcedille/blog:1.2.0")
in staging, sandbox { replicas = 1 web.labels = { "cedille.club/preview": "true" } }
in prod {}
"#;
    insta::assert_snapshot!(format(src));
}

#[test]
fn types() {
    let src = r#"
type Tier="web"|"worker"|"batch"
type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName" | "SomethingElseEntirely" | "More"
type Probe = { path: String = "/healthz", port: Port, period?: Duration, }
type Annotated = { name: Name, .. }
type Size = {
  /// CPU request.
  cpu: Quantity = "100m", memory: Quantity = "128Mi"
  memory_limit?: Quantity
  tags: List<String> = [], extra: Map<k8s.Resources>? = none
}
let small: Size = { memory: "64Mi" }
let nested: List<{ a: Int, b: String? }> = []
"#;
    insta::assert_snapshot!(format(src));
}

#[test]
fn quoted_field_names_are_kept_only_where_needed() {
    let src = r#"
type Values = { "grafana.ini"?: { server?: { "root_url"?: String } }, "replicas": Int = 1, "in": Bool = false
  "app.kubernetes.io/name"?: String, "caf\u{e9}": Int = 0 }
let v: Values = { "grafana.ini": { server: { root_url: "/" } } }
in staging {
  v["grafana.ini"].server["root_url"] = "/grafana"
  v [ "caf\u{e9}" ] = 1
  v["replicas"] = 2
}
"#;
    insta::assert_snapshot!(format(src));
}

#[test]
fn records_and_lists_break_when_they_do_not_fit() {
    let src = r#"
let fits = { replicas: 2, memory: "64Mi" }
let written_broken = {
  replicas: 2, memory: "64Mi" }
let too_long = { name: "web", image: "ghcr.io/clubcedille/webapp-frontend:1.8.0", replicas: 2, port: 8080 }
let list_fits = [80, 443]
let list_too_long = ["--log-format=json", "--port=8080", "--verbose", "--metrics-address=0.0.0.0:9090"]
let hug = [{ name: "http", containerPort: 8080, protocol: "TCP", appProtocol: "kubernetes.io/h2c" }]
let call = k8s.deployment("web", image: "nginx:1.27", replicas: 3, port: 8080, args: ["--verbose"], labels: part_of)
let sole_record = f({ a: 1, b: 2, c: "a string that makes this line long enough to break it up" })
let nested = { metadata: { name: "grafana", labels: { "app.kubernetes.io/part-of": "grafana", team: "platform" } } }
let spread = [...base_args, "--port=8080", ...(if verbose then ["--verbose"] else [])]
let empty = { list: [], record: {}, call: f() }
"#;
    insta::assert_snapshot!(format(src));
}

#[test]
fn expressions() {
    let src = r#"
let a = 2*3-1
let b = (a + b) * c
let c = a - (b - c)
let d = (a - b) - c
let e = a ?? b ?? c
let f = -x.y + !flag && (n % 2 == 0 || n >= 10)
let g = base with { spec: { strategy: { "type": "Recreate" } } }
let h = 1 + (if replicas > 3 then 10 else 0)
let i = (if a then b else c).field
let j = f(x)(y)[0].z
let long_chain = first_value_with_a_long_name + second_value_with_a_long_name * third_value_with_a_long_name - fourth_value
let cond = if replicas > 3 then "large" else if replicas > 1 then "medium" else "small"
let long_if = if environment_is_production && replicas_were_requested then requested_replica_count else default_replicas
let matched = match env { prod => 3 staging | sandbox => 1, _ => 0 }
let port_name = match 8443 { 443 | 8443 => "https", _ => if insecure_is_allowed_here then "http" else "http-but-this-is-discouraged" }
let hosts = [for s in services if s != "worker": "{s}.omni.cedille.club"]
let pairs = [for k, v in labels: { name: k, value: v, description: "label {k} of the component, for display" }]
let one = let x = 1 in x + 1
let two = let prefix = "cedille" in let env_name: Label = env.name in "{prefix}-{env_name}"
"#;
    insta::assert_snapshot!(format(src));
}

#[test]
fn literals_are_kept_verbatim() {
    let src = r#"
let escapes = "tab\there, quote \" and \\ and \u{e9} and \{braces\}"
let interpolated = "http://{ service.name }.{env.domain}:{port}/health"
let numbers = [007, 0, 9223372036854775807]
let keys = { "type": "ClusterIP", plain: 1, "app.kubernetes.io/name": "web", "{prefix}/team": "x" }
let block = """
    server \{
      listen {port};
    }
    """
let nested = { config: { "nginx.conf": """
  a
    b
  """ } }
"#;
    insta::assert_snapshot!(format(src));
}

#[test]
fn comments_are_kept_in_place() {
    let src = r#"// File header.
// Second line.

import "std/k8s" // the helpers

/// Documented.
/// Twice.
let a = 1 // trailing

// Before b, after a blank line.


let b = [ // after the bracket
  1, // one
  // before two
  2,

  // before three, after a blank line
  3
  // at the end of the list
]
let c = {
  /// The name.
  name: "web" // trailing
  // Between fields.
  port: 80,
}
let d = f(x, // first
  y)
let e = match env {
  // before the first arm
  prod => 1 // production
  _ => 2
}
let f = a + // after the operator
  b
let g = if c // after the condition
  then 1 else 2
fn h(
  /// The name.
  name: Name, // trailing
) -> Int = 1
in staging {
  // nothing yet
}
let i = {} // empty
let j = { /// documents k
  k: 1, /// documents l
  l: 2 }
let k: // after the colon
  Int = 1
fn m() -> // after the arrow
  Int = 1
in prod, // between environments
  staging {
  k = 2
}

// At the end of the file.
"#;
    insta::assert_snapshot!(format(src));
}

#[test]
fn imports_move_first() {
    let src = r#"// Header, kept at the top.

let a = 1
/// Documents the import.
import "std/k8s"
let b = 2
import "./lib/apps.ced" as apps // trailing
"#;
    insta::assert_snapshot!(format(src));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format(""), "");
    assert_eq!(format("\n\n  \n"), "");
    assert_eq!(format("// only\n\n\n// comments   \n"), "// only\n\n// comments\n");
    assert_eq!(format("let a = 1"), "let a = 1\n");
    assert_eq!(format("let a = 1\r\nlet b = 2\r\n"), "let a = 1\nlet b = 2\n");
    assert_eq!(format("\tlet   a=1 // c\n\n\n\nlet b=2\n\n"), "let a = 1 // c\n\nlet b = 2\n");
}

#[test]
fn a_byte_order_mark_is_kept() {
    let src = "\u{FEFF}let   a = 1\n";
    let out = cedc_format::format_source(src).unwrap();
    assert_eq!(out, "\u{FEFF}let a = 1\n");
    assert_eq!(cedc_format::format_source(&out).unwrap(), out);
}
