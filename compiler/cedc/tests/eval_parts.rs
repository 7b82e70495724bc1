//! Evaluation splits each environment's components into parts evaluated in parallel
//! (`cedc_eval::evaluate_in_parts`): whatever the split, the platform and the
//! diagnostics (merged across environments, as the driver reports them) are those of
//! evaluating each environment whole — also when a failing `let` is read from several
//! parts, when a failing component is read from another part, and when a component
//! reads one in another part.

use cedc_diagnostics::merge_across_envs;
use cedc_names::MemoryFs;

const COMPONENTS: usize = 150;

fn source() -> String {
    let mut src = String::from(
        r#"
env prod { domain: "example.org" }
env staging { domain: "staging.example.org" }

fn settings(name: String, host: String) -> Object = {
  apiVersion: "v1"
  kind: "ConfigMap"
  metadata: { name: "settings-{name}" }
  data: { host: host, owner: component_name() }
}

let broken = settings("Not_A_Name", "nowhere")
"#,
    );
    for i in 0..COMPONENTS {
        let namespace = match i {
            // Reads a component of another part, and one that fails.
            140 => "c3.namespace".to_string(),
            145 => "c5.namespace".to_string(),
            2 => "c149.namespace".to_string(),
            _ => format!("\"ns-{i}\""),
        };
        let object = match i {
            5 => "settings(\"Bad_{env.name}\", \"x\")".to_string(),
            _ if i % 10 == 0 => "broken".to_string(),
            _ => format!("settings(\"c{i}\", \"c{i}.{{env.domain}}\")"),
        };
        src.push_str(&format!("\ncomponent c{i} {{\n  namespace: {namespace}\n  objects: [{object}]\n}}\n"));
    }
    src
}

#[test]
fn the_split_changes_neither_the_platform_nor_the_diagnostics() {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), source().into_bytes());
    let entries = ["main.ced".to_string()];
    let registry = cedc_schema::core::registry();
    let (program, diags) = cedc_names::load_project(&fs, &entries);
    assert!(diags.is_empty(), "{diags:?}");
    let (checked, diags) = cedc_types::check_with(&program, registry);
    assert!(diags.is_empty(), "{:?}", diags.first());
    let cluster_scoped = |group: &str, kind: &str| cedc_model::is_cluster_scoped(group, kind);
    let run = |per_env: usize| {
        let (platform, diags) = cedc_eval::evaluate_in_parts(&program, &checked, &cluster_scoped, per_env);
        (format!("{platform:#?}"), format!("{:#?}", merge_across_envs(diags)))
    };
    let (whole, whole_diags) = run(1);
    // What the split must keep: the failures of the let (`component_name()` outside a
    // component), of c5 and of c145 (reading c5).
    assert!(whole_diags.contains("E0440") && whole_diags.contains("Bad_"), "{whole_diags}");
    assert!(whole.contains("c149.example.org") && whole.contains("owner"));
    for per_env in [2, 3, 7, COMPONENTS] {
        let (platform, diags) = run(per_env);
        assert!(platform == whole, "{per_env} parts per environment: another platform");
        assert_eq!(diags, whole_diags, "{per_env} parts per environment: other diagnostics");
    }
}
