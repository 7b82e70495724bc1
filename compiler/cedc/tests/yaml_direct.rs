//! `cedc render` serialises each object straight from the model
//! (`cedc_emit::object_yaml`), and so does `cedc build` for an object the environments
//! make alike; an object whose environments differ goes through its JSON
//! (`to_yaml(&object_json(o))`, for its majority and patches). Both ways must give the
//! same bytes (a build writes one way or the other by what the environments share): for every object of
//! every example, and for the cases where the two paths do something of their own —
//! fields holding `none`, keys put in the conventional order, an empty
//! `metadata.annotations`, text named by `secret_ref`, strings whose lines end in spaces.

use cedc_names::{MemoryFs, OsFs};
use std::path::Path;

fn compare(c: &cedc::Compilation, what: &str) -> usize {
    let platform = c.platform.as_ref().unwrap_or_else(|| panic!("{what}: not evaluated: {:?}", c.diagnostics));
    let mut n = 0;
    for env in &platform.envs {
        for object in env.components.iter().flat_map(|x| &x.objects) {
            let via_json = cedc_emit::object_json(object).map(|j| cedc_emit::to_yaml(&j));
            assert_eq!(cedc_emit::object_yaml(object), via_json, "{what}: {} in {}", object.name, env.name);
            n += 1;
        }
    }
    n
}

#[test]
fn every_object_of_every_example_gives_the_same_yaml_both_ways() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut total = 0;
    for entry in std::fs::read_dir(&examples).expect("examples/").flatten() {
        let dir = entry.path();
        if !dir.join("cedc.toml").is_file() {
            continue;
        }
        let mut files = cedc_diagnostics::Files::new();
        let Ok(project) = cedc::project::load(&dir, &mut files) else { panic!("{}: not a project", dir.display()) };
        let config = std::fs::read_to_string(dir.join("cedc.toml")).ok();
        let c = cedc::compile_project(&OsFs { root: dir.clone() }, &project, config);
        total += compare(&c, &dir.display().to_string());
    }
    assert!(total > 50, "only {total} objects compared");
}

#[test]
fn the_cases_of_their_own_give_the_same_yaml_both_ways() {
    let src = r#"
env prod {}

component app {
  namespace: "app"
  objects: [
    {
      data: { a: "x", trailing: "line one  \nline two\n", plain: "two\nlines\n" }
      metadata: { annotations: {}, labels: { l: "v" }, generateName: none, name: "c", uid: "u" }
      kind: "ConfigMap"
      apiVersion: "v1"
    },
    {
      apiVersion: "v1"
      kind: "ConfigMap"
      metadata: { name: "d", annotations: {}, generateName: none }
      data: { n: "1" }
    },
    {
      metadata: { name: "e", annotations: { kept: "yes" } }
      apiVersion: "v1"
      kind: "ConfigMap"
      data: { flow: "[1, 2]: x", list: "- a", yes: "yes", octal: "0777" }
    },
  ]
}
"#;
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
    let c = cedc::compile(&fs, &["main.ced".to_string()], None);
    assert_eq!(compare(&c, "crafted"), 3);
    let platform = c.platform.as_ref().expect("evaluated");
    let first = &platform.envs[0].components[0].objects[0];
    let yaml = cedc_emit::object_yaml(first).expect("yaml");
    assert!(yaml.starts_with("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"), "{yaml}");
    assert!(!yaml.contains("annotations"), "an empty annotations is left out: {yaml}");
}
