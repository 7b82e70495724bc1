//! How long `cedc check` takes on a large platform with traffic: 1,000 components, each
//! a Service, a Deployment and two HTTPRoutes on one shared HTTPS listener (one on its
//! own hostname, one claiming a path on a shared hostname), behind a Gateway whose
//! wildcard certificate an ACME issuer signs; 2 environments. Every route check runs:
//! attachment, hostnames, claims, backends, certificate coverage, issuers. Run with
//! `cargo bench -p cedc --bench check`; the numbers go into docs/traffic.md.

use cedc_names::MemoryFs;
use std::time::{Duration, Instant};

const COMPONENTS: usize = 1_000;
const RUNS: usize = 10;

fn platform() -> String {
    let mut s = String::from(
        r#"import "std/gateway" as gw
import "std/k8s"

env prod {
  domain: "example.org"
  production: true
}
env staging {
  domain: "staging.example.org"
  production: false
}

let https: gw.Parent = { gateway: "public", namespace: "edge", listener: "https" }
let dns01 = { cloudflare: { apiTokenSecretRef: { name: "cloudflare", key: "token" } } }
let le = gw.acme_issuer("le", server: "https://acme.example/directory", email: "ops@example.org", dns01: dns01)

component edge {
  namespace: "edge"
  provides: ["example.org/edge"]
  objects: [
    le,
    gw.gateway_class("edge", "example.org/edge"),
    gw.gateway(
      "public",
      class: "edge",
      listeners: [{
        name: "https"
        port: 443
        protocol: "HTTPS"
        hostname: "*.{env.domain}"
        certificate: "wildcard-tls"
        routes_from: "All"
      }],
    ),
    gw.certificate("wildcard", secret: "wildcard-tls", dns_names: ["*.{env.domain}"], issuer: le),
  ]
}
"#,
    );
    for i in 0..COMPONENTS {
        s.push_str(&format!(
            r#"
let svc{i} = k8s.service("app{i}", port: 80, target_port: 8080)
component app{i} {{
  namespace: "app{i}"
  objects: [
    svc{i},
    k8s.deployment("app{i}", image: "registry.example.org/app:1.0.{i}", port: 8080),
    gw.http_route("app{i}", parents: [https], hostnames: ["app{i}.{{env.domain}}"], rules: [{{ backends: [gw.backend(svc{i}, 80)] }}]),
    gw.http_route("api{i}", parents: [https], hostnames: ["api.{{env.domain}}"], rules: [{{ path_prefix: "/app{i}", backends: [gw.backend(svc{i}, 80)] }}]),
  ]
}}
"#
        ));
    }
    s
}

fn main() {
    let text = platform();
    let lines = text.lines().count();
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), text.into_bytes());
    let entries = ["main.ced".to_string()];
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let c = cedc::compile(&fs, &entries, None);
        times.push(start.elapsed());
        assert!(c.ok(), "{:#?}", c.diagnostics.first());
        let objects: usize =
            c.platform.iter().flat_map(|p| &p.envs).flat_map(|e| &e.components).map(|c| c.objects.len()).sum();
        assert_eq!(objects, 2 * (4 + 4 * COMPONENTS));
    }
    // The platform checks alone (schemas, identity, traffic), on the evaluated platform.
    let c = cedc::compile(&fs, &entries, None);
    let platform = c.platform.as_ref().expect("evaluated");
    let mut checks: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let diags = cedc_checks::check(platform, &c.registry, &[]);
            let t = start.elapsed();
            assert!(diags.is_empty());
            t
        })
        .collect();
    times.sort();
    checks.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "check: {lines} lines, {COMPONENTS} components, {} routes, 2 environments: median {:.0} ms, min {:.0} ms, max {:.0} ms ({RUNS} runs); platform checks alone: median {:.0} ms",
        2 * COMPONENTS,
        ms(times[RUNS / 2]),
        ms(times[0]),
        ms(times[RUNS - 1]),
        ms(checks[RUNS / 2]),
    );
}
