//! Every example, end to end through the real binary:
//! - the committed golden output is up to date (`cedc build --check`);
//! - building twice, from different working directories, gives identical bytes;
//! - for every Kustomize root listed in `cedc-index.json`, real `kubectl kustomize`
//!   yields exactly the objects `cedc render` prints for that environment/component;
//! - every object of every environment passes `kubernetes-validate --strict` for the
//!   Kubernetes version of cedc's built-in kinds (an independent schema validator).

use cedc_emit::testing;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/ exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("cedc.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 2, "expected at least the hello and webapp examples, found {names:?}");
    names
}

fn cedc(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cedc")
}

fn ok(out: &std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("inside").to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&p).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn golden_output_is_up_to_date() {
    for ex in examples() {
        let golden = repo().join("golden").join(&ex);
        assert!(golden.is_dir(), "golden/{ex} is missing: run scripts/update-golden");
        let out = cedc(&["build", &format!("examples/{ex}"), "--out", &format!("golden/{ex}"), "--check"], &repo());
        ok(&out, &format!("golden/{ex} drifted (run scripts/update-golden and review the diff)"));
    }
}

#[test]
fn builds_are_byte_identical_whatever_the_working_directory() {
    for ex in examples() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        let example = repo().join("examples").join(&ex);
        ok(&cedc(&["build", &format!("examples/{ex}"), "--out", &a.to_string_lossy()], &repo()), "build a");
        ok(&cedc(&["build", ".", "--out", &b.to_string_lossy()], &example), "build b");
        let (ta, tb) = (read_tree(&a), read_tree(&b));
        assert!(!ta.is_empty());
        assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>(), "{ex}: file sets differ");
        for (k, v) in &ta {
            assert!(tb[k] == *v, "{ex}: {k} differs between builds");
            let text = String::from_utf8_lossy(v);
            assert!(!text.contains(&*tmp.path().to_string_lossy()), "{ex}: {k} contains an absolute path");
            assert!(
                !text.contains(&*repo().canonicalize().unwrap().to_string_lossy()),
                "{ex}: {k} contains the checkout path"
            );
        }
    }
}

#[test]
fn kustomizations_use_only_current_fields() {
    for ex in examples() {
        for (path, bytes) in read_tree(&repo().join("golden").join(&ex)) {
            if !path.ends_with("kustomization.yaml") {
                continue;
            }
            let text = String::from_utf8_lossy(&bytes);
            for field in ["bases:", "commonLabels:", "patchesStrategicMerge:", "patchesJson6902:", "vars:"] {
                assert!(!text.lines().any(|l| l.starts_with(field)), "{ex}/{path} uses deprecated `{field}`");
            }
            assert!(text.contains("resources:"), "{ex}/{path} lists no resources (an empty kustomization)");
        }
    }
}

#[test]
fn real_kustomize_agrees_with_cedc_render_for_every_root() {
    let Some(kubectl) = testing::kubectl() else { return };
    for ex in examples() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        ok(&cedc(&["build", &format!("examples/{ex}"), "--out", &out.to_string_lossy()], &repo()), "build");
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("cedc-index.json")).expect("index")).expect("index is JSON");
        let roots = index["roots"].as_array().expect("roots");
        assert!(!roots.is_empty());
        for root in roots {
            let path = root["path"].as_str().expect("path");
            let env = root["env"].as_str().expect("env");
            let mut args = vec!["render".to_string(), format!("examples/{ex}"), "--env".into(), env.to_string()];
            if let Some(c) = root["component"].as_str() {
                args.push("--component".into());
                args.push(c.to_string());
            }
            if root["delivery"].as_bool() == Some(true) {
                args.push("--delivery".into());
            }
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let rendered = testing::parse_documents(&ok(&cedc(&argv, &repo()), "render"));
            let built = testing::kustomize_with(&kubectl, &out.join(path));
            assert!(!built.is_empty(), "{ex}/{path}: kustomize produced nothing");
            testing::assert_same_objects(&built, &rendered, &format!("{ex}/{path} vs cedc {}", args.join(" ")));
        }
    }
}

/// The Kubernetes version whose schemas `kubernetes-validate` checks against: the one
/// cedc's built-in kinds come from.
const KUBERNETES: &str = "1.34.0";

/// `kubernetes-validate --strict` on a YAML stream: `Ok` or its complaints.
fn kubernetes_validate(tool: &Path, yaml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("objects.yaml");
    std::fs::write(&file, yaml).expect("write");
    let out = Command::new(tool)
        .args(["--strict", "--quiet", "-k", KUBERNETES])
        .arg(&file)
        .output()
        .expect("run kubernetes-validate");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() { Ok(()) } else { Err(text) }
}

/// An independent validator agrees: every object of every example, in every
/// environment, is valid for Kubernetes 1.34 (unknown fields rejected).
#[test]
fn every_example_object_passes_kubernetes_validate_strict() {
    let Some(tool) = testing::kubernetes_validate() else { return };
    // The check can fail: a Deployment with `replicas` in its pod template is rejected.
    let bad = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  selector:\n    matchLabels: {a: b}\n  template:\n    replicas: 2\n    metadata:\n      labels: {a: b}\n    spec:\n      containers: [{name: x, image: x}]\n";
    assert!(kubernetes_validate(&tool, bad).is_err(), "kubernetes-validate accepted an invalid Deployment");
    let mut checked = 0;
    for ex in examples() {
        let index: serde_json::Value = serde_json::from_slice(
            &std::fs::read(repo().join("golden").join(&ex).join("cedc-index.json")).expect("golden index"),
        )
        .expect("index is JSON");
        let mut envs: Vec<&str> =
            index["roots"].as_array().expect("roots").iter().filter_map(|r| r["env"].as_str()).collect();
        envs.sort();
        envs.dedup();
        for env in envs {
            let yaml = ok(&cedc(&["render", &format!("examples/{ex}"), "--env", env], &repo()), "render");
            // kubernetes-validate knows the built-in kinds only; custom resources are
            // checked against their CRDs below.
            let yaml = core_objects(&yaml);
            if yaml.is_empty() {
                continue;
            }
            if let Err(why) = kubernetes_validate(&tool, &yaml) {
                panic!("examples/{ex} in {env}: kubernetes-validate --strict rejects:\n{why}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "only {checked} renders checked");
}

/// The objects of a YAML stream whose kinds are built into Kubernetes, as YAML again.
fn core_objects(yaml: &str) -> String {
    let core = cedc_schema::core::registry();
    testing::parse_documents(yaml)
        .into_iter()
        .filter(|o| {
            let api = o["apiVersion"].as_str().unwrap_or("");
            let kind = o["kind"].as_str().unwrap_or("");
            core.lookup(api, kind).is_some_and(|k| k.source == cedc_schema::Source::Builtin)
        })
        .map(|o| serde_saphyr::to_string(&o).expect("YAML"))
        .collect::<Vec<_>>()
        .join("---\n")
}

/// The custom resources every example emits (Gateway API, cert-manager, Argo CD, the
/// External Secrets and Vault Secrets operators, Crossplane) fit the upstream CRDs of
/// `../shared/crds`, when that folder is there: a second source of truth besides the
/// schemas cedc ships and the CRDs the examples name.
#[test]
fn custom_resources_of_the_examples_fit_the_upstream_crds() {
    let crds = repo().join("../shared/crds");
    if !crds.is_dir() {
        eprintln!("SKIPPED: {} is missing: example custom resources not checked against upstream CRDs", crds.display());
        return;
    }
    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    yaml_files(&crds, &mut files);
    files.sort();
    // Start from the built-in kinds for the shared definitions (ObjectMeta), drop the
    // built-in custom ones so that only upstream CRDs judge custom resources.
    let mut upstream = cedc_schema::core::registry().clone();
    upstream.kinds.retain(|_, k| k.source == cedc_schema::Source::Builtin);
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        cedc_schema::crd::load_into(&mut upstream, &f.display().to_string(), &text);
    }
    let mut checked = 0;
    let mut problems = Vec::new();
    for ex in examples() {
        // The environments' objects, and the Argo CD objects delivering them.
        let renders = ["prod", "staging", "sandbox"].into_iter().flat_map(|env| [(env, false), (env, true)]);
        for (env, delivery) in renders {
            let mut args =
                vec!["render", &*format!("examples/{ex}")].into_iter().map(str::to_string).collect::<Vec<_>>();
            args.extend(["--env".to_string(), env.to_string()]);
            if delivery {
                args.push("--delivery".to_string());
            }
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = cedc(&argv, &repo());
            if !out.status.success() {
                continue;
            }
            for o in testing::parse_documents(&String::from_utf8_lossy(&out.stdout)) {
                let api = o["apiVersion"].as_str().unwrap_or("");
                let kind = o["kind"].as_str().unwrap_or("");
                let group = api.rsplit_once('/').map_or("", |(g, _)| g);
                if !(group == "gateway.networking.k8s.io"
                    || group.ends_with("cert-manager.io")
                    || group == "argoproj.io"
                    || group == "external-secrets.io"
                    || group == "secrets.hashicorp.com"
                    || group.ends_with("crossplane.io"))
                {
                    continue;
                }
                let Some(k) = upstream.lookup(api, kind) else {
                    problems.push(format!("{ex}/{env}: no upstream CRD serves {api} {kind}"));
                    continue;
                };
                checked += 1;
                let value = cedc_model::Value::from_json(&o, cedc_diagnostics::Span::default());
                for v in cedc_schema::validate::validate(&upstream, &k.schema, &value) {
                    problems.push(format!("{ex}/{env}: {kind} {}: {}", o["metadata"]["name"], v.message()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 10, "only {checked} custom resources checked");
    eprintln!("{checked} custom resources of the examples fit the upstream CRDs");
}
