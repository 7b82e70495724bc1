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
}

impl Project {
    fn new() -> Project {
        let mut fs = MemoryFs::default();
        for (name, text) in [("main.ced", MAIN), ("lib.ced", LIB), ("a.ced", A), ("b.ced", B), ("c.ced", C)] {
            fs.files.insert(name.into(), text.as_bytes().to_vec());
        }
        Project { fs, kept: Kept::default() }
    }

    fn edit(&mut self, file: &str, from: &str, to: &str) {
        let text = String::from_utf8(self.fs.files[file].clone()).unwrap();
        assert!(text.contains(from), "{file} has {from:?}");
        self.fs.files.insert(file.into(), text.replacen(from, to, 1).into_bytes());
    }

    fn compile(&self, kept: Option<&Kept>) -> Compilation {
        let entries: Vec<String> = ENTRIES.iter().map(|e| e.to_string()).collect();
        let options = Options { kept: kept.cloned(), ..Default::default() };
        compile_opts(&self.fs, &entries, None, &Settings::default(), &options)
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
    p.fs.files.insert("o.ced".into(), b"import \"./b.ced\"\n\nin staging {\n  b.owner = \"team-s\"\n}\n".to_vec());
    let entries = ["main.ced", "a.ced", "b.ced", "c.ced", "o.ced"];
    let with_override = |p: &Project, kept: Option<&Kept>| {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        compile_opts(
            &p.fs,
            &entries,
            None,
            &Settings::default(),
            &Options { kept: kept.cloned(), ..Default::default() },
        )
    };
    let kept = with_override(&p, Some(&p.kept));
    let fresh = with_override(&p, None);
    assert_eq!(format!("{:#?}", kept.platform), format!("{:#?}", fresh.platform));
    assert_eq!(p.kept.evaluations.taken_last(), 0, "a module with an override is new");
    assert!(format!("{:?}", kept.platform).contains("team-s"), "the override applies");
    p.edit("o.ced", "team-s", "team-t");
    let kept = with_override(&p, Some(&p.kept));
    let fresh = with_override(&p, None);
    assert_eq!(format!("{:#?}", kept.platform), format!("{:#?}", fresh.platform));
    assert_eq!(p.kept.evaluations.taken_last(), 0, "an override file changed: nothing is taken");
    assert!(format!("{:?}", kept.platform).contains("team-t"));
}
