//! The GitHub Actions workflow of docs/ci.md: every step that runs `cedc` is run here,
//! as the runner would (`bash -c`, with the workflow's `env`), against a copy of
//! `examples/webapp` — passing on the example as it is, and failing with annotations when
//! the platform has a problem or its tree is stale.

mod common;

use common::copy_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

const CEDC: &str = env!("CARGO_BIN_EXE_cedc");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The workflow: the first ```yaml block of docs/ci.md.
fn workflow() -> serde_json::Value {
    let doc = std::fs::read_to_string(repo().join("docs/ci.md")).expect("read docs/ci.md");
    let start = doc.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = start + doc[start..].find("```").expect("its end");
    serde_saphyr::from_str(&doc[start..end]).expect("the workflow is YAML")
}

/// Run the workflow's `cedc` steps in `repo_dir`; each step's name and exit code.
fn run_steps(repo_dir: &Path, env: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, i32, String)> {
    let steps = workflow()["jobs"]["cedc"]["steps"].as_array().expect("steps").clone();
    let bin = Path::new(CEDC).parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut out = Vec::new();
    for step in steps {
        let Some(run) = step["run"].as_str().filter(|r| r.trim_start().starts_with("cedc ")) else { continue };
        let mut cmd = Command::new("bash");
        cmd.arg("-c").arg(run).current_dir(repo_dir).env("PATH", &path).env_remove("GITHUB_WORKSPACE");
        for (k, v) in env {
            cmd.env(k, v.as_str().expect("env values are strings"));
        }
        let o = cmd.output().expect("run bash");
        let name = step["name"].as_str().unwrap_or(run).to_string();
        out.push((name, o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned()));
    }
    out
}

#[test]
fn the_documented_workflow_passes_on_a_good_platform_and_fails_on_a_bad_one() {
    let wf = workflow();
    let env = wf["env"].as_object().expect("the workflow's env").clone();
    let platform = env["PLATFORM"].as_str().expect("PLATFORM").to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join(&platform);
    copy_dir(&repo().join("examples/webapp"), &project);
    let _ = std::fs::remove_dir_all(project.join("out"));
    // The tree is committed with the platform; the pull request's base is that commit.
    let built = Command::new(CEDC).arg("build").arg(&project).output().expect("build");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    for args in [&["init", "-q"][..], &["add", "-A"], &["commit", "-qm", "base"]] {
        let o = Command::new("git")
            .args(["-c", "user.email=t@example.org", "-c", "user.name=t"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git is installed");
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let mut env = env;
    env.insert("BASE".into(), "HEAD".into());

    let steps = run_steps(dir.path(), &env);
    assert_eq!(steps.len(), 4, "the check, the tree, the SARIF and the diff steps run cedc: {steps:?}");
    for (name, code, err) in &steps {
        assert_eq!(*code, 0, "{name}: {err}");
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("cedc.sarif")).expect("cedc.sarif written"))
            .expect("SARIF");
    assert_eq!(sarif["runs"][0]["results"].as_array().map(Vec::len), Some(0));
    let comment = std::fs::read_to_string(dir.path().join("platform-diff.md")).expect("the diff is written");
    assert!(comment.contains("no change to the platform"), "{comment}");

    // A change the platform accepts: the diff comment shows it where it is set.
    let components = project.join("components.ced");
    let text = std::fs::read_to_string(&components).expect("read");
    let scaled = text.replacen("replicas: 3", "replicas: 5", 1);
    assert_ne!(scaled, text, "the example has the line this test changes");
    std::fs::write(&components, &scaled).expect("write");
    let steps = run_steps(dir.path(), &env);
    assert_eq!(steps[0].1, 0, "still a valid platform: {}", steps[0].2);
    assert_ne!(steps[1].1, 0, "but the committed tree is stale");
    let comment = std::fs::read_to_string(dir.path().join("platform-diff.md")).expect("the diff is written");
    assert!(comment.contains("| `spec.replicas` | 3 | 5 | components.ced:"), "{comment}");
    std::fs::write(&components, &text).expect("restore");

    // A problem in the platform: the check fails with an annotation on the line, the
    // tree is stale, and the SARIF log lists it.
    let broken = text.replacen("namespace: \"databases\"", "namespace: \"Databases\"", 1);
    assert_ne!(broken, text, "the example has the line this test breaks");
    std::fs::write(&components, broken).expect("write");
    let steps = run_steps(dir.path(), &env);
    let (_, code, err) = &steps[0];
    assert_eq!(*code, 1);
    let line = err.lines().find(|l| l.starts_with("::error ")).expect("an annotation");
    assert!(line.contains(&format!("file={platform}/components.ced,line=")), "{line}");
    assert_ne!(steps[1].1, 0, "the tree step fails too");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("cedc.sarif")).expect("cedc.sarif"))
            .expect("SARIF");
    assert!(sarif["runs"][0]["results"].as_array().is_some_and(|r| !r.is_empty()));
}
