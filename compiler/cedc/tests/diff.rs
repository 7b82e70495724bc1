//! `cedc diff --against REV`: the platform now against the same project at a git
//! revision, in a real repository (git must be installed: the command runs it).

mod common;

use common::copy_dir;
use std::path::Path;
use std::process::{Command, Output};

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "user.email=t@example.org", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git is installed");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn diff(dir: &Path, format: &str) -> Output {
    Command::new(CEDC)
        .args(["diff", "--against", "HEAD", "--format", format])
        .current_dir(dir)
        .output()
        .expect("run cedc")
}

const MAIN: &str = r#"env prod {}
env staging {}

let replicas: Int = 2

component web {
  namespace: "web"
  objects: [
    {
      apiVersion: "apps/v1"
      kind: "Deployment"
      metadata: { name: "web" }
      spec: {
        replicas: replicas
        selector: { matchLabels: { app: "web" } }
        template: {
          metadata: { labels: { app: "web" } }
          spec: { containers: [{ name: "web", image: "nginx:1.27" }] }
        }
      }
    },
    {
      apiVersion: "v1"
      kind: "Secret"
      metadata: { name: "web-repo", labels: { "argocd.argoproj.io/secret-type": "repository" } }
      stringData: { url: "https://git.example.org/public-a.git" }
    },
  ]
}

in staging {
  replicas = 1
}
"#;

#[test]
fn a_change_is_shown_per_environment_with_the_line_that_sets_it_and_secrets_hidden() {
    let repo = tempfile::tempdir().expect("tempdir");
    let project = repo.path().join("deploy");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(project.join("cedc.toml"), "[project]\nname = \"t\"\n").expect("write");
    std::fs::write(project.join("main.ced"), MAIN).expect("write");
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "platform"]);

    // Nothing changed: exit 0, nothing printed.
    let o = diff(&project, "text");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());

    // Production's replicas, the image everywhere, the Secret's contents, a new object.
    let changed = MAIN
        .replace("replicas: Int = 2", "replicas: Int = 3")
        .replace("nginx:1.27", "nginx:1.28")
        .replace("public-a", "public-b")
        .replace(
            "  ]\n}\n\nin staging",
            "    { apiVersion: \"v1\", kind: \"ConfigMap\", metadata: { name: \"web\" }, data: { a: \"b\" } },\n  ]\n}\n\nin staging",
        );
    std::fs::write(project.join("main.ced"), changed).expect("write");
    let o = diff(&project, "text");
    assert_eq!(o.status.code(), Some(1), "something changed: {}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("prod · web · Deployment web/web: changed\n    spec.replicas: 2 → 3, set at main.ced:4\n"),
        "{text}"
    );
    assert!(
        !text.contains("staging · web · Deployment web/web: changed\n    spec.replicas"),
        "staging keeps 1: {text}"
    );
    assert!(
        text.contains("spec.template.spec.containers[0].image: \"nginx:1.27\" → \"nginx:1.28\", set at main.ced:18"),
        "{text}"
    );
    assert!(text.contains("staging · web · ConfigMap web/web: added"), "{text}");
    assert!(text.contains("Secret web/web-repo: changed\n    stringData.url: \"(hidden: Secret contents)\""), "{text}");
    assert!(!text.contains("public-a") && !text.contains("public-b"), "secret contents never shown: {text}");

    let o = diff(&project, "json");
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let changes = doc["changes"].as_array().expect("changes");
    let replicas = changes.iter().find(|c| c["path"] == "spec.replicas" && c["env"] == "prod").expect("replicas");
    assert_eq!((replicas["old"].clone(), replicas["new"].clone()), (serde_json::json!(2), serde_json::json!(3)));
    assert_eq!(replicas["at"], "main.ced:4");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("public-b"));

    let o = diff(&project, "markdown");
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains("<details><summary><b>prod</b>:"), "{md}");
    assert!(md.contains("| web | Deployment web/web | `spec.replicas` | 2 | 3 | main.ced:4 |"), "{md}");

    // The temporary worktree is gone.
    let list = Command::new("git").args(["worktree", "list"]).current_dir(repo.path()).output().expect("git");
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 1, "{}", String::from_utf8_lossy(&list.stdout));
}

#[test]
fn outside_a_repository_or_with_an_unknown_revision_it_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cedc.toml"), "[project]\nname = \"t\"\n").expect("write");
    std::fs::write(dir.path().join("main.ced"), "env prod {}\n").expect("write");
    let o = diff(dir.path(), "text");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not in a git repository"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    git(dir.path(), &["init", "-q"]);
    let o = diff(dir.path(), "text");
    assert_eq!(o.status.code(), Some(2), "no commit yet: {}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot check out `HEAD`"));
}

#[test]
fn every_golden_tree_reads_back_as_its_example_and_a_change_shows_against_it() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Base, overlays and patches read back are exactly what each example compiles to.
    for example in ["hello", "webapp", "traffic", "cedille"] {
        let o = Command::new(CEDC)
            .args(["diff", "--against"])
            .arg(repo.join("golden").join(example))
            .arg(repo.join("examples").join(example))
            .output()
            .expect("run cedc");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{example}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo.join("examples/webapp"), &dir.path().join("webapp"));
    copy_dir(&repo.join("golden/webapp"), &dir.path().join("golden"));
    let components = dir.path().join("webapp/components.ced");
    let text = std::fs::read_to_string(&components).expect("read");
    std::fs::write(&components, text.replacen("replicas: 3", "replicas: 5", 1)).expect("write");
    let line = text.lines().position(|l| l.contains("replicas: 3")).expect("the example sets 3 replicas") + 1;
    let o = Command::new(CEDC)
        .args(["diff", "webapp", "--against", "golden"])
        .current_dir(dir.path())
        .output()
        .expect("run cedc");
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out,
        format!(
            "prod · api · Deployment webapp/api: changed\n    spec.replicas: 3 → 5, set at components.ced:{line}\n"
        )
    );
    // A directory that is not a cedc tree is not taken for one.
    let o = Command::new(CEDC)
        .args(["diff", "webapp", "--against", "webapp"])
        .current_dir(dir.path())
        .output()
        .expect("run cedc");
    assert_eq!(o.status.code(), Some(2), "not a tree, not a git revision: {}", String::from_utf8_lossy(&o.stderr));
}
