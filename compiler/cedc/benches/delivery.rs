//! How long compiling and emitting a delivered platform takes: 1,000 chart components,
//! each a Helm release with typed-looking values and an installed Service, plus a
//! ConfigMap of its own and a dependency on the previous component every tenth one;
//! Argo CD delivering 2 environments (an Application per component per environment).
//! Measures the whole compilation (with the sync order and the app-of-apps) and the
//! Kustomize tree with the `apps/` directories, in memory. Run with
//! `cargo bench -p cedc --bench delivery`; the numbers go into docs/delivery.md.

use cedc_names::MemoryFs;
use std::time::{Duration, Instant};

const COMPONENTS: usize = 1_000;
const RUNS: usize = 10;

fn platform() -> String {
    let mut s = String::from(
        r#"import "std/k8s"

env prod { production: true }
env staging { production: false }

let health = "hs = \{}\nreturn hs\n"

component argocd {
  namespace: "argocd"
  objects: []
  chart: {
    chart: { repository: "https://argoproj.github.io/argo-helm", name: "argo-cd", version: "7.7.0" }
    version: "7.7.0"
    name: "argocd"
    values: { configs: { cm: { "resource.customizations.health.argoproj.io_Application": health } } }
    installs: { crds: [{ apiVersion: "argoproj.io/v1alpha1", kind: "Application" }] }
  }
  delivery: { repository: "https://github.com/example/platform.git", path: "out", revision: "main", release: "v1.0.0" }
}

type Values = { replicas?: Int, image?: { tag?: String }, ingress?: { enabled?: Bool, hosts?: List<String> } }

fn release(name: Name, values: Values) -> Release = {
  chart: { repository: "https://charts.example.org", name: "app", version: "1.2.3" }
  version: "1.2.3"
  name: name
  values: values
  installs: { objects: [k8s.service(name, port: 80, target_port: 8080)] }
}
"#,
    );
    for i in 0..COMPONENTS {
        let after = if i > 0 && i % 10 == 0 { format!("after: [\"app{}\"]", i - 1) } else { String::new() };
        s.push_str(&format!(
            r#"
component app{i} {{
  namespace: "app{i}"
  {after}
  chart: release("app{i}", {{ replicas: match env {{ prod => 3, _ => 1 }}, image: {{ tag: "1.0.{i}" }}, ingress: {{ enabled: true, hosts: ["app{i}.example.org"] }} }})
  objects: [k8s.config_map("app{i}-settings", data: {{ mode: "fast" }})]
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
    let mut compile: Vec<Duration> = Vec::new();
    let mut emit: Vec<Duration> = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let c = cedc::compile(&fs, &entries, None);
        compile.push(start.elapsed());
        assert!(c.ok(), "{:#?}", c.diagnostics.first());
        let platform = c.platform.as_ref().expect("evaluated");
        let apps: usize = platform.envs.iter().map(|e| e.delivery.len()).sum();
        assert_eq!(apps, 2 * (COMPONENTS + 3), "a project, a root and an Application per component, per environment");
        let start = Instant::now();
        let tree = cedc_emit::kustomize_tree(platform).expect("emits");
        emit.push(start.elapsed());
        assert!(tree.keys().any(|k| k.starts_with("apps/prod/")));
    }
    compile.sort();
    emit.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "delivery: {lines} lines, {COMPONENTS} chart components, 2 environments: compile median {:.0} ms (min {:.0}, max {:.0}); emit median {:.0} ms ({RUNS} runs)",
        ms(compile[RUNS / 2]),
        ms(compile[0]),
        ms(compile[RUNS - 1]),
        ms(emit[RUNS / 2]),
    );
}
