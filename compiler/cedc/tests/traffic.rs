//! Gateway API traffic checks on whole setups: a correct one compiles (cross-namespace
//! backend with its ReferenceGrant, selector-admitted namespace, wildcard hostnames,
//! sectionName and port, HTTPS with TLS), and each mistake is reported once, in the
//! environment where it happens. The diagnostics themselves have snapshots through
//! docs/diagnostics.md (E0120-E0126).

use cedc_names::MemoryFs;

/// The codes of the references between workload objects (`docs/workloads.md`): the
/// fixtures here write Services standing for workloads they do not write, so those are
/// left out; they are tested in `tests/cases/workloads`.
const WORKLOAD_CODES: [&str; 8] = ["E0140", "E0141", "E0142", "E0143", "E0144", "E0145", "E0146", "E0147"];

fn compile(src: &str) -> cedc::Compilation {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
    let mut c = cedc::compile(&fs, &["main.ced".to_string()], None);
    c.diagnostics.retain(|d| !WORKLOAD_CODES.contains(&d.code));
    c
}

fn codes(c: &cedc::Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

const SETUP: &str = r#"
env prod { domain: "example.org" }
env staging { domain: "staging.example.org" }

component gateway {
  namespace: "gateway"
  provides: ["projectcontour.io/gateway-controller"]
  objects: [{
    apiVersion: "gateway.networking.k8s.io/v1"
    kind: "GatewayClass"
    metadata: { name: "contour" }
    spec: { controllerName: "projectcontour.io/gateway-controller" }
  }, {
    apiVersion: "gateway.networking.k8s.io/v1"
    kind: "Gateway"
    metadata: { name: "public" }
    spec: {
      gatewayClassName: "contour"
      listeners: [
        { name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } },
        {
          name: "https"
          port: 443
          protocol: "HTTPS"
          hostname: "*.{env.domain}"
          tls: { mode: "Terminate", certificateRefs: [{ name: "wildcard-tls" }] }
          allowedRoutes: { namespaces: { from: "Selector", selector: { matchLabels: { expose: "true" } } } }
        },
      ]
    }
  }, {
    apiVersion: "v1"
    kind: "Secret"
    metadata: { name: "wildcard-tls" }
    type: "kubernetes.io/tls"
  }]
}

component api {
  namespace: "api"
  objects: [
    { apiVersion: "v1", kind: "Service", metadata: { name: "api" }, spec: { selector: { app: "api" }, ports: [{ port: 8080 }] } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "api", labels: { app: "api" } }, spec: { containers: [{ name: "api", image: "ghcr.io/example/api:1.0.0" }] } },
    {
      apiVersion: "gateway.networking.k8s.io/v1"
      kind: "ReferenceGrant"
      metadata: { name: "web-to-api" }
      spec: {
        from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "web" }]
        to: [{ group: "", kind: "Service", name: "api" }]
      }
    },
  ]
}

component web {
  namespace: "web"
  objects: [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "web", labels: { expose: "true" } } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "web", labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "ghcr.io/example/web:1.0.0" }] } },
    {
      apiVersion: "gateway.networking.k8s.io/v1"
      kind: "HTTPRoute"
      metadata: { name: "web" }
      spec: {
        parentRefs: [{ name: "public", namespace: "gateway", sectionName: "https", port: 443 }]
        hostnames: ["www.{env.domain}"]
        rules: [
          { matches: [{ path: { type: "PathPrefix", value: "/api" } }], backendRefs: [{ name: "api", namespace: "api", port: 8080 }] },
          { backendRefs: [{ name: "web", port: 80, weight: 90 }, { name: "web", port: 80, weight: 10 }] },
        ]
      }
    },
  ]
}
"#;

#[test]
fn a_correct_setup_compiles() {
    let c = compile(SETUP);
    assert!(c.ok(), "{:?}", c.diagnostics);
}

#[test]
fn each_mistake_is_reported() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "missing gateway",
            r#"name: "public", namespace: "gateway", sectionName"#,
            r#"name: "pubic", namespace: "gateway", sectionName"#,
        ),
        ("missing listener", r#"sectionName: "https""#, r#"sectionName: "htps""#),
        ("wrong port", r#"sectionName: "https", port: 443"#, r#"sectionName: "https", port: 8443"#),
        ("namespace not selected", r#"labels: { expose: "true" }"#, r#"labels: { expose: "false" }"#),
        ("hostname outside the listener", r#"hostnames: ["www.{env.domain}"]"#, r#"hostnames: ["{env.domain}"]"#),
        ("missing backend", r#"{ name: "web", port: 80, weight: 90 }"#, r#"{ name: "wbe", port: 80, weight: 90 }"#),
        (
            "missing backend port",
            r#"{ name: "web", port: 80, weight: 10 }"#,
            r#"{ name: "web", port: 81, weight: 10 }"#,
        ),
        ("no grant", r#"namespace: "web" }]"#, r#"namespace: "other" }]"#),
        ("https without tls", r#"tls: { mode: "Terminate", certificateRefs: [{ name: "wildcard-tls" }] }"#, ""),
        ("http route on a TLS listener", r#"protocol: "HTTPS""#, r#"protocol: "TLS""#),
        ("undeclared gateway class", r#"gatewayClassName: "contour""#, r#"gatewayClassName: "contuor""#),
        ("controller nobody runs", r#"provides: ["projectcontour.io/gateway-controller"]"#, ""),
    ];
    // The hostname case differs per environment (each has its own listener hostname),
    // so it is reported once per environment.
    let expected: &[&[&str]] = &[
        &["E0120"],
        &["E0121"],
        &["E0121"],
        &["E0122"],
        &["E0123", "E0123"],
        &["E0124"],
        &["E0124"],
        &["E0125"],
        &["E0126"],
        &["E0122"],
        &["E0129"],
        &["E0129"],
    ];
    for ((what, from, to), want) in cases.iter().zip(expected) {
        assert!(SETUP.contains(from), "{what}: {from} not in the setup");
        let src = SETUP.replacen(from, to, 1);
        let c = compile(&src);
        assert_eq!(codes(&c), want.to_vec(), "{what}: {:#?}", c.diagnostics);
    }
}

#[test]
fn a_mistake_in_one_environment_only_names_it() {
    // The staging domain's listener does not match a route hardcoding the prod name.
    let src = SETUP.replacen(r#"hostnames: ["www.{env.domain}"]"#, r#"hostnames: ["www.example.org"]"#, 1);
    let c = compile(&src);
    // In staging the name meets no listener (E0123) and lies outside the domain (E0127).
    assert_eq!(codes(&c), vec!["E0123", "E0127"], "{:#?}", c.diagnostics);
    for d in &c.diagnostics {
        assert!(d.shown_notes().iter().any(|n| n == "in environment `staging`"), "{:?}", d.shown_notes());
    }
}

#[test]
fn hostnames_stay_within_the_environments_domains_unless_listed() {
    // On the HTTP listener (no hostname of its own), only the domain rule applies.
    let src = SETUP.replacen(r#"sectionName: "https", port: 443"#, r#"sectionName: "http""#, 1).replacen(
        r#"hostnames: ["www.{env.domain}"]"#,
        r#"hostnames: ["www.{env.domain}", "shop.example.com"]"#,
        1,
    );
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0127"], "{:#?}", c.diagnostics);
    assert!(
        c.diagnostics[0].shown_notes().iter().any(|n| n == "in environments `prod`, `staging`"),
        "{:?}",
        c.diagnostics[0]
    );
    let allowed = src.replace(
        "env prod { domain: \"example.org\" }\nenv staging { domain: \"staging.example.org\" }",
        "env prod { domain: \"example.org\", external_domains: [\"example.com\"] }\nenv staging { domain: \"staging.example.org\", external_domains: [\"example.com\"] }",
    );
    assert_ne!(allowed, src);
    let c = compile(&allowed);
    assert!(c.ok(), "{:#?}", c.diagnostics);
}

#[test]
fn one_hostname_and_path_is_claimed_by_one_route() {
    let second = r#"
component shop {
  namespace: "web"
  objects: [{
    apiVersion: "gateway.networking.k8s.io/v1"
    kind: "HTTPRoute"
    metadata: { name: "shop" }
    spec: {
      parentRefs: [{ name: "public", namespace: "gateway", sectionName: "https", port: 443 }]
      hostnames: ["www.{env.domain}", "shop.{env.domain}"]
      rules: [{ matches: [{ path: { type: "PathPrefix", value: "/api" } }], backendRefs: [{ name: "web", port: 80 }] }]
    }
  }]
}
"#;
    // Reported in each environment: the hostname claimed twice differs in each.
    let c = compile(&format!("{SETUP}{second}"));
    assert_eq!(codes(&c), vec!["E0128", "E0128"], "{:#?}", c.diagnostics);
    assert!(c.diagnostics[0].message.contains("`www.example.org` `PathPrefix /api`"), "{}", c.diagnostics[0].message);
    // Another path, or another hostname only, is fine.
    let c = compile(&format!("{SETUP}{}", second.replace("/api", "/shop")));
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let c = compile(&format!("{SETUP}{}", second.replace(r#""www.{env.domain}", "#, "")));
    assert!(c.ok(), "{:#?}", c.diagnostics);
}

/// DNS-01 through Cloudflare, which can validate wildcard names.
const SOLVERS: &str = r#"[{ dns01: { cloudflare: { apiTokenSecretRef: { name: "cloudflare", key: "token" } } } }]"#;

const ISSUERS: &str = r#"
component cert-manager {
  namespace: "cert-manager"
  objects: [
    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "letsencrypt-prod" }, spec: { acme: { server: "https://acme-v02.api.letsencrypt.org/directory", privateKeySecretRef: { name: "le" }, solvers: SOLVERS } } },
    {
      apiVersion: "cert-manager.io/v1"
      kind: "ClusterIssuer"
      metadata: { name: "letsencrypt-staging", labels: { "cedc.dev/issuer-stage": "staging" } }
      spec: { acme: { server: "https://acme-staging-v02.api.letsencrypt.org/directory", privateKeySecretRef: { name: "le-staging" }, solvers: SOLVERS } }
    },
  ]
}

component certs {
  namespace: "gateway"
  objects: [{
    apiVersion: "cert-manager.io/v1"
    kind: "Certificate"
    metadata: { name: "wildcard" }
    spec: { secretName: "wildcard-tls", dnsNames: ["*.{env.domain}"], issuerRef: { kind: "ClusterIssuer", name: ISSUER } }
  }]
}
"#;

fn project_check(main: &str) -> (bool, String) {
    let main = main
        .replace(r#"env prod { domain: "example.org" }"#, r#"env prod { domain: "example.org", production: true }"#)
        .replace(
            r#"env staging { domain: "staging.example.org" }"#,
            r#"env staging { domain: "staging.example.org", production: false }"#,
        );
    let main = main.replace("SOLVERS", SOLVERS);
    let dir = tempfile::tempdir().unwrap();
    // cert-manager's kinds are built in: no CRD file.
    std::fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\n").unwrap();
    std::fs::write(dir.path().join("main.ced"), main).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(["--color", "never", "check"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn issuers_exist_and_production_uses_no_staging_issuer() {
    let by_env = r#"match env { prod => "letsencrypt-prod", staging => "letsencrypt-staging" }"#;
    let (ok, err) = project_check(&format!("{SETUP}{}", ISSUERS.replace("ISSUER", by_env)));
    assert!(ok, "{err}");

    // The staging issuer everywhere: wrong in production only.
    let (ok, err) = project_check(&format!("{SETUP}{}", ISSUERS.replace("ISSUER", r#""letsencrypt-staging""#)));
    assert!(!ok);
    assert_eq!(err.matches("E0131").count(), 1, "{err}");
    assert!(err.contains("in environment `prod`"), "{err}");

    // A misspelt issuer, and one named by a Gateway annotation.
    let (ok, err) = project_check(&format!("{SETUP}{}", ISSUERS.replace("ISSUER", r#""letsencrypt-prd""#)));
    assert!(!ok);
    assert!(err.contains("E0130") && err.contains("did you mean `letsencrypt-prod`?"), "{err}");
    let annotated = SETUP.replacen(
        r#"metadata: { name: "public" }"#,
        r#"metadata: { name: "public", annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" } }"#,
        1,
    );
    let (ok, err) = project_check(&format!("{annotated}{}", ISSUERS.replace("ISSUER", by_env)));
    assert!(!ok);
    assert!(err.contains("Gateway `public` uses ClusterIssuer `letsencrypt`"), "{err}");
    insta::assert_snapshot!(err);
}

/// Two components reading each other's namespace (as routes and grants across
/// namespaces tempt one to) form a loop, named in full.
#[test]
fn components_reading_each_other_name_the_loop() {
    let c = compile(
        "env prod {}\ncomponent a { namespace: \"a\"\n objects: []\n labels: { peer: b.namespace } }\ncomponent b { namespace: \"b\"\n objects: []\n labels: { peer: a.namespace } }\n",
    );
    assert_eq!(codes(&c), vec!["E0024"], "{:#?}", c.diagnostics);
    assert_eq!(c.diagnostics[0].message, "component `a` depends on itself: a → b → a");
}

/// The objects `std/gateway` builds, exactly.
#[test]
fn std_gateway_builds_the_objects_it_documents() {
    let src = r#"
import "std/gateway" as gw
import "std/k8s"

env prod {}

let svc = k8s.service("web", port: 80)

component c {
  namespace: "web"
  objects: [
    svc,
    gw.http_route(
      "web",
      parents: [{ gateway: "public", listener: "http" }],
      rules: [{
        path_prefix: "/v2"
        headers: { "x-canary": "yes" }
        set_request_headers: { "x-from": "edge" }
        rewrite_prefix: "/"
        backends: [gw.backend(svc, 80, weight: 5)]
      }],
    ),
    gw.self_signed_issuer("internal"),
    gw.ca_issuer("corp", secret: "corp-ca"),
    gw.gateway_class("edge", "example.org/edge-controller"),
    gw.gateway("public", class: "edge", listeners: [{ name: "http", port: 80, protocol: "HTTP" }]),
  ]
  provides: ["example.org/edge-controller"]
}
"#;
    // cert-manager's kinds are built in, so the issuers are checked too.
    let c = compile(src);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let objects = &c.platform.as_ref().unwrap().envs[0].components[0].objects;
    let json: Vec<serde_json::Value> = objects.iter().map(|o| o.value.to_json().unwrap()).collect();
    assert_eq!(
        json[1]["spec"],
        serde_json::json!({
            "parentRefs": [{ "name": "public", "sectionName": "http" }],
            "rules": [{
                "matches": [{ "path": { "type": "PathPrefix", "value": "/v2" }, "headers": [{ "type": "Exact", "name": "x-canary", "value": "yes" }] }],
                "filters": [
                    { "type": "RequestHeaderModifier", "requestHeaderModifier": { "set": [{ "name": "x-from", "value": "edge" }] } },
                    { "type": "URLRewrite", "urlRewrite": { "path": { "type": "ReplacePrefixMatch", "replacePrefixMatch": "/" } } }
                ],
                "backendRefs": [{ "name": "web", "port": 80, "weight": 5 }]
            }]
        })
    );
    assert_eq!(json[2]["metadata"]["labels"]["cedc.dev/issuer-stage"], "test");
    assert_eq!(json[2]["spec"], serde_json::json!({ "selfSigned": {} }));
    assert!(json[3]["metadata"].get("labels").is_none(), "{}", json[3]);
    assert_eq!(json[3]["spec"], serde_json::json!({ "ca": { "secretName": "corp-ca" } }));
}

/// The objects of one environment's components, by component name.
fn objects_of<'c>(c: &'c cedc::Compilation, env: &str, component: &str) -> Vec<&'c cedc_model::Object> {
    let platform = c.platform.as_ref().expect("evaluated");
    let env = platform.envs.iter().find(|e| e.name == env).expect("environment");
    env.components.iter().filter(|x| x.name == component).flat_map(|x| &x.objects).collect()
}

const GRANTS: &str = r#"
import "std/gateway" as gw
import "std/k8s"

env prod { domain: "example.org" }

let api_service = k8s.service("api", port: 8080)
let admin_service = k8s.service("admin", port: 9090)
let https: gw.Parent = { gateway: "public", namespace: "edge", listener: "https" }

component edge {
  namespace: "edge"
  provides: ["example.org/edge"]
  objects: [
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway(
      "public",
      class: "edge",
      listeners: [{
        name: "https"
        port: 443
        protocol: "HTTPS"
        hostname: "*.example.org"
        certificate: "wildcard-tls"
        certificate_namespace: "certs"
        grant_certificate: true
        routes_from: "All"
      }],
    ),
  ]
}

component certs {
  namespace: "certs"
  labels: { team: "security" }
  objects: [{
    apiVersion: "v1"
    kind: "Secret"
    metadata: { name: "wildcard-tls" }
    type: "kubernetes.io/tls"
  }]
}

component api {
  namespace: "api"
  labels: { team: "api" }
  objects: [api_service, admin_service]
}

component web {
  namespace: "web"
  objects: [
    gw.http_route(
      "web",
      parents: [https],
      hostnames: ["www.example.org"],
      rules: [{ path_prefix: "/api", backends: [gw.backend(api_service, 8080, namespace: "api", grant: true)] }],
    ),
    gw.http_route(
      "admin",
      parents: [https],
      hostnames: ["admin.example.org"],
      rules: [{ backends: [gw.backend(admin_service, 9090, namespace: api.namespace, grant: true)] }],
    ),
    gw.grpc_route(
      "rpc",
      parents: [https],
      hostnames: ["rpc.example.org"],
      backends: [gw.backend(api_service, 8080, namespace: "api", grant: true)],
    ),
  ]
}
"#;

/// `grant: true` on a cross-namespace reference generates the ReferenceGrant, merged per
/// target namespace and referring namespace and kind, in the component deploying the
/// target, with its labels; the field itself never reaches the output.
#[test]
fn grants_are_generated_where_the_access_is_intended() {
    let c = compile(GRANTS);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let grants: Vec<serde_json::Value> = objects_of(&c, "prod", "api")
        .iter()
        .filter(|o| &*o.kind == "ReferenceGrant")
        .map(|o| o.value.to_json().unwrap())
        .collect();
    assert_eq!(
        grants,
        vec![
            serde_json::json!({
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "ReferenceGrant",
                "metadata": {
                    "name": "allow-web-grpcroutes",
                    "namespace": "api",
                    "labels": { "team": "api" },
                    "annotations": { "cedc.dev/generated-for": "GRPCRoute web/rpc" }
                },
                "spec": {
                    "from": [{ "group": "gateway.networking.k8s.io", "kind": "GRPCRoute", "namespace": "web" }],
                    "to": [{ "group": "", "kind": "Service", "name": "api" }]
                }
            }),
            serde_json::json!({
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "ReferenceGrant",
                "metadata": {
                    "name": "allow-web-httproutes",
                    "namespace": "api",
                    "labels": { "team": "api" },
                    "annotations": { "cedc.dev/generated-for": "HTTPRoute web/admin, HTTPRoute web/web" }
                },
                "spec": {
                    "from": [{ "group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "web" }],
                    "to": [
                        { "group": "", "kind": "Service", "name": "admin" },
                        { "group": "", "kind": "Service", "name": "api" }
                    ]
                }
            }),
        ]
    );
    let cert_grant = objects_of(&c, "prod", "certs").into_iter().find(|o| &*o.kind == "ReferenceGrant").unwrap();
    let cert_grant = cert_grant.value.to_json().unwrap();
    assert_eq!(cert_grant["metadata"]["name"], "allow-edge-gateways");
    assert_eq!(cert_grant["metadata"]["labels"]["team"], "security");
    assert_eq!(
        cert_grant["spec"],
        serde_json::json!({
            "from": [{ "group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": "edge" }],
            "to": [{ "group": "", "kind": "Secret", "name": "wildcard-tls" }]
        })
    );
    // No `grant` field is left in any object.
    for env in &c.platform.as_ref().unwrap().envs {
        for o in env.components.iter().flat_map(|x| &x.objects) {
            let text = o.value.to_json().unwrap().to_string();
            assert!(!text.contains("\"grant\""), "{text}");
        }
    }
}

/// Without `grant: true`, a cross-namespace reference with no grant is an error, each at
/// its reference; on a same-namespace reference `grant: true` generates nothing.
#[test]
fn grants_are_only_generated_when_asked_and_needed() {
    let src = GRANTS.replace("grant_certificate: true", "grant_certificate: false").replacen(
        r#"namespace: api.namespace, grant: true"#,
        r#"namespace: api.namespace"#,
        1,
    );
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0125", "E0125"], "{:#?}", c.diagnostics);
    let messages: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(messages[0].contains("Gateway in `edge` refers to Secret `wildcard-tls` in `certs`"), "{messages:?}");
    assert!(messages[1].contains("HTTPRoute in `web` refers to Service `admin` in `api`"), "{messages:?}");
    // The grant that is still asked for covers only what asked for it.
    let http_grant = objects_of(&c, "prod", "api").into_iter().find(|o| &*o.name == "allow-web-httproutes").unwrap();
    assert_eq!(http_grant.value.path(&["spec", "to"]).and_then(|v| v.as_list()).map(<[_]>::len), Some(1));

    let same_namespace = r#"
import "std/gateway" as gw
import "std/k8s"
env prod {}
let svc = k8s.service("web", port: 80)
component web {
  namespace: "web"
  objects: [svc, gw.http_route("web", parents: [{ gateway: "gw" }], rules: [{ backends: [gw.backend(svc, 80, grant: true)] }])]
}
"#;
    let c = compile(same_namespace);
    let objects = objects_of(&c, "prod", "web");
    assert!(objects.iter().all(|o| &*o.kind != "ReferenceGrant"));
    let route = objects.iter().find(|o| &*o.kind == "HTTPRoute").unwrap().value.to_json().unwrap();
    assert_eq!(route["spec"]["rules"][0]["backendRefs"], serde_json::json!([{ "name": "web", "port": 80 }]));
}

/// A generated grant whose name is already taken is reported at the `grant: true` that
/// asked for it.
#[test]
fn a_generated_grant_clashing_with_a_written_one_is_located() {
    let src = GRANTS.replacen(
        "objects: [api_service, admin_service]",
        r#"objects: [api_service, admin_service, gw.allow_routes("allow-web-grpcroutes", from_namespace: "web", to: api_service, kind: "GRPCRoute")]"#,
        1,
    );
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0070"], "{:#?}", c.diagnostics);
    let d = &c.diagnostics[0];
    // The gRPC route's `grant: true` (its line ends the backends list).
    let line_of = |at: usize| {
        src[..at].rsplit('\n').next().unwrap_or("").to_string() + src[at..].split('\n').next().unwrap_or("")
    };
    let located: Vec<(String, String)> = d
        .primary
        .iter()
        .chain(&d.secondary)
        .map(|(s, _)| (src[s.start as usize..s.end as usize].to_string(), line_of(s.start as usize)))
        .collect();
    assert!(
        located.iter().any(|(text, line)| text == "true" && line.trim_end().ends_with("grant: true)],")),
        "{located:?}"
    );
}

/// The names served over TLS are covered by the listener's certificate, as clients
/// check it: a wildcard covers one label. The listener's own hostname counts, and so
/// does each route hostname served on it.
#[test]
fn served_hostnames_are_covered_by_the_certificate() {
    let by_env = r#"match env { prod => "letsencrypt-prod", staging => "letsencrypt-staging" }"#;
    let issuers = ISSUERS.replace("ISSUER", by_env);
    let (ok, err) = project_check(&format!("{SETUP}{issuers}"));
    assert!(ok, "{err}");

    // Two labels under the wildcard: in every environment, at the route's hostname.
    let deep = SETUP.replacen(r#"hostnames: ["www.{env.domain}"]"#, r#"hostnames: ["api.www.{env.domain}"]"#, 1);
    let (ok, err) = project_check(&format!("{deep}{issuers}"));
    assert!(!ok);
    assert_eq!(err.matches("E0132").count(), 2, "{err}");
    assert!(
        err.contains("hostname `api.www.example.org` is served on listener `https` of Gateway `gateway/public`"),
        "{err}"
    );
    assert!(err.contains("hostname `api.www.staging.example.org`"), "{err}");
    assert!(err.contains("the certificate's names"), "{err}");

    // A certificate for the routes' names only, on a wildcard listener: clients ask for
    // those names, so it is enough ...
    let narrow = issuers.replacen(r#"dnsNames: ["*.{env.domain}"]"#, r#"dnsNames: ["www.{env.domain}"]"#, 1);
    assert_ne!(narrow, issuers);
    let (ok, err) = project_check(&format!("{SETUP}{narrow}"));
    assert!(ok, "{err}");
    // ... until a route without hostnames serves the listener's whole wildcard.
    let catch_all = SETUP.replacen(r#"hostnames: ["www.{env.domain}"]"#, "", 1);
    let (ok, err) = project_check(&format!("{catch_all}{narrow}"));
    assert!(!ok);
    assert_eq!(err.matches("E0132").count(), 2, "{err}");
    assert!(
        err.contains("hostname `*.example.org` is served on listener `https` of Gateway `gateway/public`"),
        "{err}"
    );
}

/// A request goes to the listener of its port with the most specific matching hostname:
/// a name is held to that listener's certificate only.
#[test]
fn certificate_coverage_follows_the_listener_a_name_reaches() {
    let src = r#"
import "std/gateway" as gw
import "std/k8s"
env prod {}
let ca = gw.ca_issuer("ca", secret: "ca-keypair")
let web = k8s.service("web", port: 80)
component edge {
  namespace: "edge"
  provides: ["example.org/edge"]
  objects: [
    ca,
    web,
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway("public", class: "edge", listeners: [
      { name: "default", port: 443, protocol: "HTTPS", certificate: "www-tls" },
      { name: "api", port: 443, protocol: "HTTPS", hostname: "api.example.org", certificate: "api-tls" },
    ]),
    gw.certificate("www", secret: "www-tls", dns_names: ["www.example.org"], issuer: ca),
    gw.certificate("api", secret: "api-tls", dns_names: ["api.example.org"], issuer: ca),
    gw.http_route("both", parents: [{ gateway: "public" }], hostnames: ["www.example.org", "api.example.org"], rules: [{ backends: [gw.backend(web, 80)] }]),
  ]
}
"#;
    let c = compile(src);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    // A name only the catch-all listener receives, and its certificate lacks.
    let c = compile(&src.replace(
        r#"hostnames: ["www.example.org", "api.example.org"]"#,
        r#"hostnames: ["www.example.org", "app.example.org"]"#,
    ));
    assert_eq!(codes(&c), vec!["E0132"], "{:#?}", c.diagnostics);
    assert!(c.diagnostics[0].message.starts_with("hostname `app.example.org` is served on listener `default`"));
}

/// The same report twice in one environment (two Certificates named alike, using one
/// missing issuer) names the environment once.
#[test]
fn a_report_repeated_in_one_environment_names_it_once() {
    let src = r#"
import "std/gateway" as gw
env prod {}
let missing: Object = { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "gone" } }
let cert = gw.certificate("wildcard", secret: "wildcard-tls", dns_names: ["*.example.org"], issuer: missing)
component a {
  namespace: "a"
  objects: [cert]
}
component b {
  namespace: "a"
  objects: [cert]
}
"#;
    let c = compile(src);
    let e0130: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "E0130").collect();
    assert_eq!(e0130.len(), 1, "{:#?}", c.diagnostics);
    assert_eq!(e0130[0].shown_notes(), vec!["in environment `prod`".to_string()]);
}

/// An ACME issuer with the given extra arguments, and a Certificate for a wildcard and
/// its apex issued by it; HTTP-01 challenges can go through the `edge/public` Gateway's
/// `http` listener, which admits routes from every namespace.
fn acme_setup(solvers: &str, cert_labels: &str) -> String {
    format!(
        r#"
import "std/gateway" as gw
env prod {{}}
component edge {{
  namespace: "edge"
  provides: ["example.org/edge"]
  objects: [
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway("public", class: "edge", listeners: [{{ name: "http", port: 80, protocol: "HTTP", routes_from: "All" }}]),
  ]
}}
let issuer = gw.acme_issuer("le", server: "https://acme.example/directory", email: "ops@example.org"{solvers})
component certs {{
  namespace: "certs"
  objects: [
    issuer,
    {{
      apiVersion: "cert-manager.io/v1"
      kind: "Certificate"
      metadata: {{ name: "site"{cert_labels} }}
      spec: {{ secretName: "site-tls", dnsNames: ["*.example.org", "example.org"], issuerRef: {{ kind: "ClusterIssuer", name: "le" }} }}
    }},
  ]
}}
"#
    )
}

/// ACME validates wildcard names over DNS-01 only, and every name needs a solver whose
/// selector matches it: E0133 at the name that cannot be validated.
#[test]
fn acme_issuers_can_validate_the_names_they_are_asked_for() {
    let http01 = r#", http01_gateways: [{ gateway: "public", namespace: "edge" }]"#;
    let dns01 = r#", dns01: { cloudflare: { apiTokenSecretRef: { name: "cf", key: "token" } } }"#;
    let cases: &[(&str, String, &str, &[&str])] = &[
        ("HTTP-01 only", http01.to_string(), "", &["*.example.org"]),
        ("both, DNS-01 for the zone", format!(r#"{http01}{dns01}, dns01_zones: ["example.org"]"#), "", &[]),
        ("DNS-01 only, no selector", dns01.to_string(), "", &[]),
        (
            "DNS-01 for another zone",
            format!(r#"{http01}{dns01}, dns01_zones: ["example.com"]"#),
            "",
            &["*.example.org"],
        ),
        (
            "DNS-01 for another zone only",
            format!(r#"{dns01}, dns01_zones: ["example.com"]"#),
            "",
            &["*.example.org", "example.org"],
        ),
    ];
    for (what, solvers, labels, uncovered) in cases {
        let src = acme_setup(solvers, labels);
        let c = compile(&src);
        let found: Vec<&str> = c
            .diagnostics
            .iter()
            .map(|d| {
                assert_eq!(d.code, "E0133", "{what}: {d:#?}");
                let (span, _) = d.primary.as_ref().unwrap();
                &src[span.start as usize + 1..span.end as usize - 1]
            })
            .collect();
        assert_eq!(&found, uncovered, "{what}: {:#?}", c.diagnostics);
        assert!(c.diagnostics.iter().all(|d| d.is_error()), "{what}: {:#?}", c.diagnostics);
    }

    // HTTP-01 through a listener that admits only its own namespace's routes: the
    // challenge's HTTPRoute, made in the Certificate's namespace, would not attach.
    let src = acme_setup(http01, "").replace(r#"protocol: "HTTP", routes_from: "All""#, r#"protocol: "HTTP""#);
    let c = compile(&src);
    let messages: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "ClusterIssuer `le` cannot issue the certificate for `*.example.org`: it has no DNS-01 solver for this name, and ACME validates wildcards over DNS-01 only",
            "ClusterIssuer `le` cannot issue the certificate for `example.org`: its HTTP-01 solvers answer through Gateway listeners that would not admit the challenge's HTTPRoute (made in the Certificate's namespace) for this name",
        ]
    );

    // An issuer without solvers: one warning at the issuer, whatever it is asked for.
    let src = acme_setup("", "");
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0133"], "{:#?}", c.diagnostics);
    assert!(!c.diagnostics[0].is_error());
    assert_eq!(
        c.diagnostics[0].message,
        "ClusterIssuer `le` has no ACME solvers: cert-manager can validate no name with it"
    );

    // A solver selected by labels applies to the Certificates carrying them.
    let raw = r#"
import "std/gateway" as gw
env prod {}
component certs {
  namespace: "certs"
  objects: [
    {
      apiVersion: "cert-manager.io/v1"
      kind: "ClusterIssuer"
      metadata: { name: "le" }
      spec: {
        acme: {
          server: "https://acme.example/directory"
          privateKeySecretRef: { name: "le" }
          solvers: [{ selector: { matchLabels: { dns: "yes" } }, dns01: { cloudflare: { apiTokenSecretRef: { name: "cf", key: "t" } } } }]
        }
      }
    },
    {
      apiVersion: "cert-manager.io/v1"
      kind: "Certificate"
      metadata: { name: "site", labels: { dns: "yes" } }
      spec: { secretName: "site-tls", dnsNames: ["*.example.org"], issuerRef: { kind: "ClusterIssuer", name: "le" } }
    },
  ]
}
"#;
    let c = compile(raw);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let c = compile(&raw.replace(r#"labels: { dns: "yes" }"#, r#"labels: { dns: "no" }"#));
    assert_eq!(codes(&c), vec!["E0133"], "{:#?}", c.diagnostics);
}

/// With the cert-manager annotation on a Gateway, cert-manager certifies each TLS
/// listener's hostname: the same rule, at the listener's hostname.
#[test]
fn gateway_annotations_are_held_to_the_same_acme_rule() {
    let src = r#"
import "std/gateway" as gw
env prod {}
let le = gw.acme_issuer("le", server: "https://acme.example/directory", email: "ops@example.org", http01_gateways: [{ gateway: "public", listener: "http" }])
component edge {
  namespace: "edge"
  provides: ["example.org/edge"]
  objects: [
    le,
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway(
      "public",
      class: "edge",
      listeners: [
        { name: "http", port: 80, protocol: "HTTP" },
        { name: "https", port: 443, protocol: "HTTPS", hostname: "*.example.org", certificate: "site-tls" },
        { name: "apex", port: 443, protocol: "HTTPS", hostname: "example.org", certificate: "apex-tls" },
      ],
      annotations: gw.issued_by(le),
    ),
  ]
}
"#;
    let c = compile(src);
    assert_eq!(codes(&c), vec!["E0133"], "{:#?}", c.diagnostics);
    assert!(
        c.diagnostics[0].message.contains("cannot issue the certificate for `*.example.org`"),
        "{:#?}",
        c.diagnostics
    );
    let gateway = &objects_of(&c, "prod", "edge")[2];
    assert_eq!(
        gateway.value.to_json().unwrap()["metadata"]["annotations"],
        serde_json::json!({ "cert-manager.io/cluster-issuer": "le" })
    );
}

/// TLS passthrough, TLSRoutes, namespaced issuers and DNS-01 solvers from `std/gateway`.
#[test]
fn std_gateway_builds_tls_passthrough_and_issuers() {
    let src = r#"
import "std/gateway" as gw
import "std/k8s"
env prod {}
let db = k8s.service("db", port: 5432)
let ca = gw.ca_issuer("team-ca", secret: "team-ca-keypair", kind: "Issuer")
component data {
  namespace: "data"
  provides: ["example.org/edge"]
  objects: [
    db,
    ca,
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway("tls", class: "edge", listeners: [{ name: "db", port: 5432, protocol: "TLS", hostname: "db.example.org", tls_mode: "Passthrough" }]),
    gw.tls_route("db", parents: [{ gateway: "tls", listener: "db" }], hostnames: ["db.example.org"], backends: [gw.backend(db, 5432)]),
    gw.certificate("db", secret: "db-tls", dns_names: ["db.example.org"], issuer: ca),
    gw.acme_issuer("le", server: "https://acme.example/directory", email: "ops@example.org", dns01: { webhook: { groupName: "acme.example.org", solverName: "x" } }, dns01_zones: ["example.org"], kind: "Issuer"),
  ]
}
"#;
    let c = compile(src);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let json: Vec<serde_json::Value> =
        objects_of(&c, "prod", "data").iter().map(|o| o.value.to_json().unwrap()).collect();
    assert_eq!(json[1]["kind"], "Issuer");
    assert_eq!(json[3]["spec"]["listeners"][0]["tls"], serde_json::json!({ "mode": "Passthrough" }));
    assert_eq!(
        json[4]["spec"],
        serde_json::json!({
            "parentRefs": [{ "name": "tls", "sectionName": "db" }],
            "hostnames": ["db.example.org"],
            "rules": [{ "backendRefs": [{ "name": "db", "port": 5432 }] }]
        })
    );
    assert_eq!(json[5]["spec"]["issuerRef"], serde_json::json!({ "kind": "Issuer", "name": "team-ca" }));
    assert_eq!(
        json[6]["spec"]["acme"]["solvers"],
        serde_json::json!([{ "selector": { "dnsZones": ["example.org"] }, "dns01": { "webhook": { "groupName": "acme.example.org", "solverName": "x" } } }])
    );
    // A TLSRoute on a listener that terminates HTTP is refused.
    let c =
        compile(&src.replace(r#"protocol: "TLS""#, r#"protocol: "HTTP""#).replace(r#", tls_mode: "Passthrough""#, ""));
    assert_eq!(codes(&c), vec!["E0122"], "{:#?}", c.diagnostics);
}

/// An HTTPRoute and a GRPCRoute whose hostnames meet on one listener conflict whatever
/// their paths: Gateway API serves only the older one.
#[test]
fn http_and_grpc_routes_do_not_share_a_hostname_on_a_listener() {
    let grpc = |hostnames: &str| {
        format!(
            r#"
component rpc {{
  namespace: "web"
  objects: [{{
    apiVersion: "gateway.networking.k8s.io/v1"
    kind: "GRPCRoute"
    metadata: {{ name: "rpc" }}
    spec: {{
      parentRefs: [{{ name: "public", namespace: "gateway", sectionName: "https" }}]
      {hostnames}
      rules: [{{ matches: [{{ method: {{ service: "shop.v1.Cart" }} }}], backendRefs: [{{ name: "web", port: 80 }}] }}]
    }}
  }}]
}}
"#
        )
    };
    let c = compile(&format!("{SETUP}{}", grpc(r#"hostnames: ["www.{env.domain}"]"#)));
    assert_eq!(codes(&c), vec!["E0128", "E0128"], "{:#?}", c.diagnostics);
    assert_eq!(
        c.diagnostics[0].message,
        "GRPCRoute `web/rpc` and HTTPRoute `web/web` share `www.example.org` on listener `https` of Gateway `gateway/public`"
    );
    // A wildcard meets the name under it; no hostnames means all of the listener's.
    let c = compile(&format!("{SETUP}{}", grpc(r#"hostnames: ["*.{env.domain}"]"#)));
    assert_eq!(codes(&c), vec!["E0128", "E0128"], "{:#?}", c.diagnostics);
    let c = compile(&format!("{SETUP}{}", grpc("")));
    assert_eq!(codes(&c), vec!["E0128", "E0128"], "{:#?}", c.diagnostics);
    // Its own hostname is fine.
    let c = compile(&format!("{SETUP}{}", grpc(r#"hostnames: ["grpc.{env.domain}"]"#)));
    assert!(c.ok(), "{:#?}", c.diagnostics);
}

/// Listeners admitting namespaces by label, and gRPC routes by service and method,
/// from `std/gateway`; a namespace without the label is refused (E0122).
#[test]
fn std_gateway_selects_namespaces_and_grpc_methods() {
    let src = r#"
import "std/gateway" as gw
import "std/k8s"
env prod {}
let cart = k8s.service("cart", port: 9000)
component edge {
  namespace: "edge"
  provides: ["example.org/edge"]
  objects: [
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway("public", class: "edge", listeners: [{ name: "h2c", port: 80, protocol: "HTTP", routes_from: "Selector", routes_selector: { expose: "yes" } }]),
  ]
}
component shop {
  namespace: "shop"
  objects: [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { expose: "yes" } } },
    cart,
    gw.grpc_route("cart", parents: [{ gateway: "public", namespace: "edge" }], hostnames: ["rpc.example.org"], backends: [gw.backend(cart, 9000)], service: "shop.v1.Cart", method: "Checkout"),
  ]
}
"#;
    let c = compile(src);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let json =
        |c: &cedc::Compilation, component: &str, i: usize| objects_of(c, "prod", component)[i].value.to_json().unwrap();
    assert_eq!(
        json(&c, "edge", 1)["spec"]["listeners"][0]["allowedRoutes"],
        serde_json::json!({ "namespaces": { "from": "Selector", "selector": { "matchLabels": { "expose": "yes" } } } })
    );
    assert_eq!(
        json(&c, "shop", 2)["spec"]["rules"][0]["matches"],
        serde_json::json!([{ "method": { "type": "Exact", "service": "shop.v1.Cart", "method": "Checkout" } }])
    );
    let c = compile(&src.replace(r#"labels: { expose: "yes" }"#, r#"labels: { expose: "no" }"#));
    assert_eq!(codes(&c), vec!["E0122"], "{:#?}", c.diagnostics);
}

/// A TLS listener's certificate Secret should come from somewhere in the environment: a
/// Certificate, cert-manager's Gateway annotation, or a declared Secret (also through an
/// ExternalSecret); otherwise the warning E0134 at the reference.
#[test]
fn listener_certificates_are_provided() {
    let secret = r#"{
    apiVersion: "v1"
    kind: "Secret"
    metadata: { name: "wildcard-tls" }
    type: "kubernetes.io/tls"
  }"#;
    assert!(SETUP.contains(secret));
    let without = SETUP.replacen(&format!(", {secret}"), "", 1);
    let c = compile(&without);
    assert_eq!(codes(&c), vec!["E0134"], "{:#?}", c.diagnostics);
    // A warning: the Secret may come from outside the platform's declarations.
    assert!(!c.diagnostics[0].is_error() && c.ok());
    assert_eq!(
        c.diagnostics[0].message,
        "the certificate Secret `gateway/wildcard-tls` of listener `https` is provided by nothing in this environment"
    );
    assert_eq!(c.diagnostics[0].shown_notes(), vec!["in Gateway `public`", "in environments `prod`, `staging`"]);

    // cert-manager's annotation: it writes the Secret itself.
    let annotated = without.replacen(
        r#"metadata: { name: "public" }"#,
        r#"metadata: { name: "public", annotations: { "cert-manager.io/cluster-issuer": "ca" } }"#,
        1,
    ) + r#"
component issuers {
  namespace: "cert-manager"
  objects: [{ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "ca" }, spec: { ca: { secretName: "ca" } } }]
}
"#;
    let c = compile(&annotated);
    assert!(c.ok(), "{:#?}", c.diagnostics);

    // An ExternalSecret making it (its kind left unchecked: no CRD here).
    let external = without.clone()
        + r#"
component secrets {
  namespace: "gateway"
  objects: [{
    apiVersion: "external-secrets.io/v1"
    kind: "ExternalSecret"
    metadata: { name: "wildcard" }
    spec: { target: { name: "wildcard-tls" } }
  }]
}
"#;
    let mut fs = cedc_names::MemoryFs::default();
    fs.files.insert("main.ced".into(), external.into_bytes());
    let schemas =
        cedc::Settings { unchecked: vec!["external-secrets.io/v1/ExternalSecret".into()], ..Default::default() };
    let c = cedc::compile_with(&fs, &["main.ced".to_string()], None, &schemas);
    assert!(c.ok(), "{:#?}", c.diagnostics);
}

/// cert-manager's Gateway support, as it behaves: it certifies listeners that terminate
/// TLS, have a hostname and name a Secret of the Gateway's namespace, for those
/// hostnames, with the Gateway's labels. Other listeners' Secrets are provided by
/// nothing (E0134); routes are held to the names it certifies (E0132).
#[test]
fn annotated_gateways_are_read_as_cert_manager_reads_them() {
    let src = r#"
import "std/gateway" as gw
import "std/k8s"
env prod {}
let dns = { cloudflare: { apiTokenSecretRef: { name: "cf", key: "t" } } }
let le = gw.acme_issuer("le", server: "https://acme.example/directory", email: "ops@example.org", dns01: dns, dns01_zones: ["example.org"])
let web = k8s.service("web", port: 80)
component edge {
  namespace: "edge"
  provides: ["example.org/edge"]
  labels: { team: "web" }
  objects: [
    le,
    web,
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway("public", class: "edge", annotations: gw.issued_by(le), listeners: [
      { name: "https", port: 443, protocol: "HTTPS", hostname: "*.example.org", certificate: "wildcard-tls" },
    ]),
    gw.http_route("web", parents: [{ gateway: "public" }], hostnames: ["www.example.org"], rules: [{ backends: [gw.backend(web, 80)] }]),
  ]
}
"#;
    let c = compile(src);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);

    // Two labels under the certified wildcard.
    let c = compile(&src.replace(r#"["www.example.org"]"#, r#"["v2.www.example.org"]"#));
    assert_eq!(codes(&c), vec!["E0132"], "{:#?}", c.diagnostics);

    // A listener without a hostname gets no certificate from cert-manager.
    let c = compile(&src.replace(r#"hostname: "*.example.org", certificate"#, "certificate"));
    assert_eq!(codes(&c), vec!["E0134"], "{:#?}", c.diagnostics);

    // A solver selected by labels: the Gateway's labels reach the Certificate.
    let labelled = src
        .replace(r#", dns01_zones: ["example.org"]"#, "")
        .replace("let le = gw.acme_issuer(", "let le_plain = gw.acme_issuer(")
        + r#"
let le: Object = le_plain with { spec: { acme: { solvers: [{ selector: { matchLabels: { team: "web" } }, dns01: dns }] } } }
"#;
    let c = compile(&labelled);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let c = compile(&labelled.replace(r#"labels: { team: "web" }"#, r#"labels: { team: "api" }"#));
    assert_eq!(codes(&c), vec!["E0133"], "{:#?}", c.diagnostics);
    assert!(
        c.diagnostics[0].message.contains("the `selector` of its DNS-01 solvers does not match"),
        "{:#?}",
        c.diagnostics
    );
}

/// HTTPS listeners terminate TLS, and so do TLS listeners in `Terminate` mode: both need
/// a certificate (E0126); HTTPS in `Passthrough` mode is refused.
#[test]
fn listeners_that_terminate_tls_have_a_certificate() {
    let gateway = |listener: &str| {
        format!(
            r#"
env prod {{}}
component edge {{
  namespace: "edge"
  provides: ["example.org/edge"]
  objects: [
    {{ apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: {{ name: "edge" }}, spec: {{ controllerName: "example.org/edge" }} }},
    {{ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: {{ name: "public" }}, spec: {{ gatewayClassName: "edge", listeners: [{listener}] }} }},
  ]
}}
"#
        )
    };
    let c = compile(&gateway(r#"{ name: "tls", port: 443, protocol: "TLS", tls: { mode: "Passthrough" } }"#));
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let c = compile(&gateway(r#"{ name: "tls", port: 443, protocol: "TLS" }"#));
    assert_eq!(codes(&c), vec!["E0126"], "{:#?}", c.diagnostics);
    let c = compile(&gateway(r#"{ name: "https", port: 443, protocol: "HTTPS", tls: { mode: "Passthrough" } }"#));
    assert_eq!(codes(&c), vec!["E0126"], "{:#?}", c.diagnostics);
    assert!(c.diagnostics[0].message.contains("does not terminate TLS"));
}

/// Two routes of one kind claiming the same hostname and path on one listener conflict
/// however they name it: by `sectionName` or by attaching to the whole Gateway.
#[test]
fn claims_are_counted_on_the_listeners_routes_reach() {
    let src = r#"
import "std/gateway" as gw
import "std/k8s"
env prod {}
let web = k8s.service("web", port: 80)
component edge {
  namespace: "edge"
  provides: ["example.org/edge"]
  objects: [
    web,
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway("public", class: "edge", listeners: [{ name: "http", port: 80, protocol: "HTTP" }]),
    gw.http_route("a", parents: [{ gateway: "public", listener: "http" }], hostnames: ["www.example.org"], rules: [{ backends: [gw.backend(web, 80)] }]),
    gw.http_route("b", parents: [{ gateway: "public" }], hostnames: ["www.example.org"], rules: [{ backends: [gw.backend(web, 80)] }]),
  ]
}
"#;
    let c = compile(src);
    assert_eq!(codes(&c), vec!["E0128"], "{:#?}", c.diagnostics);
}

/// Targets deployed by two components of one namespace get one grant each, named after
/// its component, so neither depends on the other; a target namespace no component
/// deploys leaves the grant with the referrer, with a warning.
#[test]
fn generated_grants_follow_the_components_deploying_their_targets() {
    let split = GRANTS.replacen(
        "  objects: [api_service, admin_service]\n}",
        "  objects: [api_service]\n}\n\ncomponent admin {\n  namespace: \"api\"\n  objects: [admin_service]\n}",
        1,
    );
    assert_ne!(split, GRANTS);
    let c = compile(&split);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let names = |component: &str| -> Vec<String> {
        objects_of(&c, "prod", component)
            .iter()
            .filter(|o| &*o.kind == "ReferenceGrant")
            .map(|o| o.name.to_string())
            .collect()
    };
    assert_eq!(names("api"), ["allow-web-grpcroutes", "allow-web-httproutes-api"]);
    assert_eq!(names("admin"), ["allow-web-httproutes-admin"]);

    let orphan =
        GRANTS.replacen("component certs {\n  namespace: \"certs\"", "component certs {\n  namespace: \"secrets\"", 1);
    assert_ne!(orphan, GRANTS);
    let c = compile(&orphan);
    let warnings: Vec<&str> = c.diagnostics.iter().filter(|d| !d.is_error()).map(|d| d.message.as_str()).collect();
    assert!(
        warnings.contains(&"the ReferenceGrant `certs/allow-edge-gateways` is deployed by `edge`, the referring component: no component of this environment deploys namespace `certs`"),
        "{:#?}",
        c.diagnostics
    );
    assert!(objects_of(&c, "prod", "edge").iter().any(|o| &*o.kind == "ReferenceGrant"));
}

/// A namespaced Issuer serves its own namespace: using it from another is E0130, saying
/// so, at the name and at the object using it.
#[test]
fn an_issuer_of_another_namespace_is_named_as_such() {
    let src = r#"
import "std/gateway" as gw
env prod {}
let ca = gw.ca_issuer("internal", secret: "ca-keypair", kind: "Issuer")
component certs {
  namespace: "cert-manager"
  objects: [ca]
}
component gateway {
  namespace: "gateway"
  objects: [gw.certificate("wildcard", secret: "wildcard-tls", dns_names: ["*.example.org"], issuer: ca)]
}
"#;
    let c = compile(src);
    assert_eq!(codes(&c), vec!["E0130"], "{:#?}", c.diagnostics);
    let d = &c.diagnostics[0];
    assert_eq!(
        d.message,
        "Certificate `wildcard` in `gateway` uses Issuer `internal`, which is in namespace `cert-manager`"
    );
    assert_eq!(d.secondary.len(), 1);
    assert!(d.help.as_deref().unwrap_or("").contains("an Issuer serves its own namespace only"));
}
