//! A compilation that keeps what it evaluated ([`Kept`], the language server's) makes
//! exactly what a fresh one makes, after every kind of edit, and takes a component from
//! the last evaluation only when nothing it reads changed.

use cedc_driver::{Compilation, Kept, Options, Settings, compile_opts};
use cedc_names::MemoryFs;

const MAIN: &str = r#"
env prod { domain: "example.org" }
env staging { domain: "staging.example.org" }

component gateway {
  namespace: "gateway"
  objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "gw" }, data: { host: "gw.{env.domain}" } }]
}
"#;

const LIB: &str = r#"
fn settings(name: String, size: String) -> Object = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: name },
  data: { size: size, env: env.name },
}
"#;

/// Components reading lib.ced.
const A: &str = r#"
import "./lib.ced"

let sizes: Map<String> = { small: "1", large: "3" }

component a1 {
  namespace: "a1"
  objects: [lib.settings("a1", sizes["small"])]
}

component a2 {
  namespace: "a2"
  objects: [lib.settings("a2", sizes["large"])]
}
"#;

/// Components reading nothing of another project file.
const B: &str = r#"
let owner = "team-b"

component b1 {
  namespace: "b1"
  labels: { owner: owner }
  objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b1" }, data: { owner: owner } }]
}
"#;

/// A component reading b.ced.
const C: &str = r#"
import "./b.ced"

component c1 {
  namespace: "c1"
  objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1" }, data: { owner: b.owner } }]
}
"#;

const ENTRIES: [&str; 4] = ["main.ced", "a.ced", "b.ced", "c.ced"];

struct Project {
    fs: MemoryFs,
    kept: Kept,
    /// The kinds left unchecked (cedc.toml's `[schemas] unchecked`).
    unchecked: Vec<String>,
    /// The CRD files (cedc.toml's `[schemas] crds`).
    crds: Vec<cedc_driver::project::CrdFile>,
    entries: Vec<String>,
}

impl Project {
    fn new() -> Project {
        let mut fs = MemoryFs::default();
        for (name, text) in [("main.ced", MAIN), ("lib.ced", LIB), ("a.ced", A), ("b.ced", B), ("c.ced", C)] {
            fs.files.insert(name.into(), text.as_bytes().to_vec());
        }
        let entries = ENTRIES.iter().map(|e| e.to_string()).collect();
        Project { fs, kept: Kept::default(), unchecked: Vec::new(), crds: Vec::new(), entries }
    }

    fn edit(&mut self, file: &str, from: &str, to: &str) {
        let text = String::from_utf8(self.fs.files[file].clone()).unwrap();
        assert!(text.contains(from), "{file} has {from:?}");
        self.fs.files.insert(file.into(), text.replacen(from, to, 1).into_bytes());
    }

    fn compile(&self, kept: Option<&Kept>) -> Compilation {
        let options = Options { kept: kept.cloned(), ..Default::default() };
        let settings = Settings { unchecked: self.unchecked.clone(), crds: self.crds.clone(), ..Default::default() };
        compile_opts(&self.fs, &self.entries, None, &settings, &options)
    }

    /// Add the file `name` as an entry.
    fn add(&mut self, name: &str, text: &str) {
        self.fs.files.insert(name.into(), text.as_bytes().to_vec());
        self.entries.push(name.into());
    }

    /// Compile keeping what was evaluated, check it against a fresh compilation, and
    /// say how many components were taken from the last one.
    fn check(&self) -> (usize, Compilation) {
        let kept = self.compile(Some(&self.kept));
        let fresh = self.compile(None);
        assert_eq!(format!("{:#?}", kept.diagnostics), format!("{:#?}", fresh.diagnostics));
        assert_eq!(format!("{:#?}", kept.platform), format!("{:#?}", fresh.platform));
        (self.kept.evaluations.taken_last(), kept)
    }
}

fn errors(c: &Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code).collect()
}

#[test]
fn only_what_an_edit_can_change_is_evaluated_again() {
    let mut p = Project::new();
    let (taken, first) = p.check();
    assert_eq!(taken, 0, "nothing to take the first time");
    assert!(first.ok(), "{:#?}", first.diagnostics);
    assert_eq!(first.platform.as_ref().map(|pl| pl.envs[0].components.len()), Some(5));
    assert_eq!(p.check().0, 5, "nothing changed: every component is taken");

    // b.ced: c1 imports it, the others do not.
    p.edit("b.ced", "team-b", "team-bee");
    assert_eq!(p.check().0, 3, "gateway, a1 and a2 taken; b1 and c1 evaluated");

    // lib.ced: a.ced imports it.
    p.edit("lib.ced", "size: size", "size: \"{size}x\"");
    assert_eq!(p.check().0, 3, "gateway, b1 and c1 taken");

    // A component's own file.
    p.edit("a.ced", "\"a2\", sizes", "\"a-two\", sizes");
    assert_eq!(p.check().0, 3);

    // main.ced declares the environments: every component may read them.
    p.edit("main.ced", "staging.example.org", "stage.example.org");
    assert_eq!(p.check().0, 0);
    assert_eq!(p.check().0, 5);
}

#[test]
fn a_file_with_a_problem_is_evaluated_again_until_it_is_fixed() {
    let mut p = Project::new();
    p.check();
    p.edit("a.ced", "sizes[\"large\"]", "sizes[\"huge\"]");
    let (_, broken) = p.check();
    assert_eq!(errors(&broken), ["E0060"], "{:#?}", broken.diagnostics);
    // An edit elsewhere: a.ced's components are not taken (they reported a problem),
    // and the problem is reported again.
    p.edit("b.ced", "team-b", "team-c");
    let (taken, again) = p.check();
    assert_eq!(errors(&again), ["E0060"]);
    assert_eq!(taken, 1, "only gateway: a.ced reported a problem, b1 and c1 changed");
    p.edit("a.ced", "sizes[\"huge\"]", "sizes[\"large\"]");
    let (_, fixed) = p.check();
    assert!(fixed.ok(), "{:#?}", fixed.diagnostics);
    assert_eq!(p.check().0, 5);
}

#[test]
fn environments_and_overrides_reach_every_component() {
    let mut p = Project::new();
    p.check();
    // Another environment: every component is evaluated in it.
    p.edit("main.ced", "env staging", "env sandbox { domain: \"sandbox.example.org\" }\nenv staging");
    assert_eq!(p.check().0, 0);
    // An override, in a file of its own that imports b.ced: it changes b1 and what c1
    // reads, whichever file is edited next.
    p.add("o.ced", "import \"./b.ced\"\n\nin staging {\n  b.owner = \"team-s\"\n}\n");
    let (taken, with) = p.check();
    assert_eq!(taken, 0, "a module with an override is new");
    assert!(format!("{:?}", with.platform).contains("team-s"), "the override applies");
    p.edit("o.ced", "team-s", "team-t");
    let (taken, with) = p.check();
    assert_eq!(taken, 0, "an override file changed: nothing is taken");
    assert!(format!("{:?}", with.platform).contains("team-t"));
}

/// Component `name`, in the namespace of its name, making the one object `object`.
fn component_of(name: &str, object: &str) -> String {
    format!("\ncomponent {name} {{\n  namespace: \"{name}\"\n  objects: [{object}]\n}}\n")
}

/// A ConfigMap whose data holds a number: its schema wants strings.
fn d() -> String {
    component_of("d1", r#"{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "d1" }, data: { size: 3 } }"#)
}

#[test]
fn what_the_checks_found_is_found_again_and_what_they_skip_is_what_they_would_pass() {
    let mut p = Project::new();
    p.add("d.ced", &d());
    let (_, first) = p.check();
    let codes = errors(&first);
    assert!(!codes.is_empty(), "the ConfigMap breaks its schema: {:#?}", first.diagnostics);
    // Nothing d.ced reads changed: its object is the same value, checked again.
    p.edit("b.ced", "team-b", "team-c");
    let (taken, again) = p.check();
    assert_eq!(taken, 4, "d1 reported nothing while evaluated: taken with gateway, a1 and a2");
    assert_eq!(errors(&again), codes);
    // Left unchecked, the object is clean and remembered so; checked again, it is not.
    p.unchecked = vec!["v1/ConfigMap".into()];
    let (_, unchecked) = p.check();
    assert!(unchecked.ok(), "{:#?}", unchecked.diagnostics);
    p.check();
    p.unchecked.clear();
    let (_, checked) = p.check();
    assert_eq!(errors(&checked), codes);
}

#[test]
fn a_whole_check_takes_the_names_and_types_of_the_check_of_the_same_text() {
    let mut p = Project::new();
    let compile = |p: &Project, front_only: bool| {
        let options = Options { kept: Some(p.kept.clone()), front_only, ..Default::default() };
        compile_opts(&p.fs, &p.entries, None, &Settings::default(), &options)
    };
    let shared = |a: &Compilation, b: &Compilation| {
        let checked = a.checked.as_ref().zip(b.checked.as_ref()).is_some_and(|(x, y)| std::sync::Arc::ptr_eq(x, y));
        (std::sync::Arc::ptr_eq(&a.program.resolution, &b.program.resolution), checked)
    };
    let front = compile(&p, true);
    let whole = compile(&p, false);
    assert_eq!(shared(&front, &whole), (true, true), "the same text: taken");
    p.edit("b.ced", "team-b", "team-c");
    let edited = compile(&p, true);
    assert_eq!(shared(&whole, &edited), (false, false), "an edit: resolved and checked again");
    let (_, fresh_check) = p.check();
    assert!(fresh_check.ok());
}

/// A Widget (the CRD of the schema crate's tests) in a component of its own.
fn w() -> String {
    component_of(
        "w1",
        r#"{ apiVersion: "example.org/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 2 } }"#,
    )
}

#[test]
fn a_changed_crd_reaches_every_component_and_every_object() {
    let mut p = Project::new();
    let crd = include_str!("../../schema/tests/fixtures/crds/widget.yaml");
    p.fs.files.insert("widget.yaml".into(), crd.as_bytes().to_vec());
    p.crds = vec![cedc_driver::project::CrdFile { path: "widget.yaml".into(), pattern: 0..0 }];
    p.add("w.ced", &w());
    let (_, first) = p.check();
    assert!(first.ok(), "{:#?}", first.diagnostics);
    assert_eq!(p.check().0, 6, "nothing changed");
    // The schema now wants more than the Widget has: the clean object is checked again.
    p.edit("widget.yaml", "minimum: 1", "minimum: 5");
    let (taken, stricter) = p.check();
    assert_eq!(taken, 0, "the kinds changed: nothing is taken");
    assert!(!stricter.ok(), "the Widget breaks the new minimum: {:#?}", stricter.diagnostics);
    // Cluster-scoped now: evaluation gives the Widget no namespace.
    p.edit("widget.yaml", "minimum: 5", "minimum: 1");
    p.edit("widget.yaml", "scope: Namespaced", "scope: Cluster");
    let (taken, cluster) = p.check();
    assert_eq!(taken, 0);
    assert!(cluster.ok(), "{:#?}", cluster.diagnostics);
}
