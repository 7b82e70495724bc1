//! What a chart installs, from `helm template` run on the chart's defaults: the kinds of
//! its CRDs and the Services, GatewayClasses, IngressClasses, StorageClasses and
//! ServiceAccounts it creates. Invariant: helm runs only here (never at build time), with
//! a time limit and capped output; the result is sorted and deduplicated, and names
//! carry the placeholder release name, which the module writes as `{release}`.

use super::{Problem, err};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The release name helm renders with. It contains `-<chart name>` so that the usual
/// `fullname` helper (release name alone when it contains the chart name) gives the
/// same names as the module's default release, the chart's name.
pub fn placeholder_release(chart: &str) -> String {
    format!("cedcrelease-{chart}")
}
/// The namespace helm renders with (objects keep no namespace: they are the component's).
pub const PLACEHOLDER_NAMESPACE: &str = "cedc-namespace";
/// The longest helm may run.
const TIMEOUT: Duration = Duration::from_secs(120);
/// The most output read from helm.
const OUTPUT_CAP: u64 = 64 << 20;

/// Which helm, and why that one.
pub struct Helm {
    pub path: PathBuf,
    pub from: &'static str,
}

/// `--helm`, else `CEDC_HELM`, else `helm` on `PATH`.
pub fn find(flag: Option<&Path>) -> Option<Helm> {
    if let Some(p) = flag {
        return Some(Helm { path: p.to_path_buf(), from: "--helm" });
    }
    if let Some(p) = std::env::var_os("CEDC_HELM").filter(|p| !p.is_empty()) {
        return Some(Helm { path: PathBuf::from(p), from: "CEDC_HELM" });
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("helm"))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        .map(|p| Helm { path: p, from: "PATH" })
}

/// One object the platform may refer to, as found in helm's output.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// Its other top-level fields, reduced to what the checks use (`spec`,
    /// `provisioner`).
    pub extra: Option<Value>,
}

/// The installs: CRD kinds as `(apiVersion, kind)` and objects, both sorted.
#[derive(Default)]
pub struct Installs {
    pub crds: Vec<(String, String)>,
    pub objects: Vec<Found>,
}

fn helm_failed(why: String) -> Problem {
    err("E0434", format!("`helm template` failed: {why}")).help(
        "check that `helm template` works on this chart (its dependencies built), or give another helm with --helm",
    )
}

/// Run `helm template` on `chart` and read what it installs.
pub fn installs(helm: &Helm, chart: &Path, name: &str) -> Result<Installs, Problem> {
    let stdout = run(helm, chart, name)?;
    let docs = parse_stream(&stdout)?;
    Ok(collect(&docs))
}

fn run(helm: &Helm, chart: &Path, name: &str) -> Result<String, Problem> {
    let mut child = std::process::Command::new(&helm.path)
        .arg("template")
        .arg(placeholder_release(name))
        .arg(chart)
        .args(["--namespace", PLACEHOLDER_NAMESPACE, "--include-crds"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| helm_failed(format!("cannot run `{}`: {e}", helm.path.display())))?;
    let out = child.stdout.take().map(|s| std::thread::spawn(move || capped(s)));
    let errs = child.stderr.take().map(|s| std::thread::spawn(move || capped(s)));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < TIMEOUT => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(helm_failed(format!("it ran longer than {} s", TIMEOUT.as_secs())));
            }
            Err(e) => return Err(helm_failed(e.to_string())),
        }
    };
    let join = |h: Option<std::thread::JoinHandle<Vec<u8>>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
    let (stdout, stderr) = (join(out), join(errs));
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let last: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).rev().take(5).collect();
        let shown = last.into_iter().rev().collect::<Vec<_>>().join("\n");
        return Err(helm_failed(format!("{status}\n{shown}")));
    }
    if stdout.len() as u64 > OUTPUT_CAP {
        return Err(helm_failed(format!("its output is larger than {} MiB", OUTPUT_CAP >> 20)));
    }
    String::from_utf8(stdout).map_err(|_| helm_failed("its output is not UTF-8".to_string()))
}

/// All of a stream up to the cap (one byte more, to tell a capped stream); the rest is
/// drained so that helm does not block on a full pipe.
fn capped(stream: impl Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut s = stream;
    let _ = (&mut s).take(OUTPUT_CAP + 1).read_to_end(&mut bytes);
    let _ = std::io::copy(&mut s, &mut std::io::sink());
    bytes
}

fn parse_stream(text: &str) -> Result<Vec<Value>, Problem> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 200,
            max_documents: 100_000,
        },
    };
    // The command runs on a thread with a large stack (main.rs), so the parser's
    // recursion, bounded by `max_depth`, fits.
    let docs = serde_saphyr::read_with_options::<_, Value>(&mut text.as_bytes(), options).collect::<Vec<_>>();
    docs.into_iter()
        .filter(|d| !matches!(d, Ok(Value::Null)))
        .map(|d| d.map_err(|e| helm_failed(format!("its output is not YAML: {e}"))))
        .collect()
}

fn collect(docs: &[Value]) -> Installs {
    let mut out = Installs::default();
    for doc in docs {
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
        let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
        let name = doc.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        if kind == "CustomResourceDefinition" {
            out.crds.extend(crd_kind(doc));
            continue;
        }
        if name.is_empty() {
            continue;
        }
        let extra = match (api_version, kind) {
            ("v1", "Service") => Some(service_spec(doc)),
            ("v1", "ServiceAccount") | ("networking.k8s.io/v1", "IngressClass") => None,
            ("storage.k8s.io/v1", "StorageClass") => pick(doc, &["provisioner"]),
            (v, "GatewayClass") if v.starts_with("gateway.networking.k8s.io/") => doc
                .pointer("/spec/controllerName")
                .filter(|v| v.is_string())
                .map(|c| serde_json::json!({ "spec": { "controllerName": c } })),
            _ => continue,
        };
        out.objects.push(Found { api_version: api_version.into(), kind: kind.into(), name: name.into(), extra });
    }
    out.crds.sort();
    out.crds.dedup();
    let key =
        |f: &Found| (f.api_version.clone(), f.kind.clone(), f.name.clone(), f.extra.as_ref().map(Value::to_string));
    out.objects.sort_by_key(key);
    out.objects.dedup();
    out
}

/// Top-level string fields of `doc` kept as they are.
fn pick(doc: &Value, keys: &[&str]) -> Option<Value> {
    let mut m = serde_json::Map::new();
    for k in keys {
        if let Some(v) = doc.get(*k).filter(|v| v.is_string()) {
            m.insert((*k).to_string(), v.clone());
        }
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// The kind a CRD defines, at its storage version (else its first served one).
fn crd_kind(doc: &Value) -> Option<(String, String)> {
    let group = doc.pointer("/spec/group").and_then(Value::as_str)?;
    let kind = doc.pointer("/spec/names/kind").and_then(Value::as_str)?;
    let versions = doc.pointer("/spec/versions").and_then(Value::as_array)?;
    let is = |v: &&Value, flag: &str| v.get(flag).and_then(Value::as_bool) == Some(true);
    let version = versions.iter().find(|v| is(v, "storage")).or_else(|| versions.iter().find(|v| is(v, "served")))?;
    let version = version.get("name").and_then(Value::as_str)?;
    Some((format!("{group}/{version}"), kind.to_string()))
}

/// The ports with `targetPort` only when all of them give it as the same JSON type: a
/// `.ced` list cannot mix a port number and a port name in one field (E0305), and
/// `targetPort` is what the checks need least (routes name the Service's `port`).
fn uniform_target_ports(mut ports: Vec<Value>) -> Vec<Value> {
    let kinds: std::collections::BTreeSet<bool> =
        ports.iter().filter_map(|p| p.get("targetPort")).map(Value::is_string).collect();
    if kinds.len() > 1 {
        for p in &mut ports {
            if let Some(m) = p.as_object_mut() {
                m.remove("targetPort");
            }
        }
    }
    ports
}

/// A Service's `spec`: its ports (port, targetPort, name, protocol) and its selector
/// when it is a plain map of strings.
fn service_spec(doc: &Value) -> Value {
    let mut spec = serde_json::Map::new();
    let ports: Vec<Value> = doc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let mut m = serde_json::Map::new();
                    for k in ["name", "port", "targetPort", "protocol"] {
                        if let Some(v) = p.get(k).filter(|v| v.is_string() || v.is_i64()) {
                            m.insert(k.to_string(), v.clone());
                        }
                    }
                    m.contains_key("port").then_some(Value::Object(m))
                })
                .collect()
        })
        .unwrap_or_default();
    if !ports.is_empty() {
        spec.insert("ports".into(), Value::Array(uniform_target_ports(ports)));
    }
    if let Some(sel) = doc.pointer("/spec/selector").and_then(Value::as_object)
        && !sel.is_empty()
        && sel.values().all(Value::is_string)
    {
        spec.insert("selector".into(), Value::Object(sel.clone()));
    }
    serde_json::json!({ "spec": spec })
}
