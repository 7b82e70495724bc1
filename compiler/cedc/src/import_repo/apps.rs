//! Argo CD Applications that install a Helm chart, found among the objects the import
//! builds, become chart components: the chart's repository, name and version, the
//! release name, and the values Argo CD would pass (its `valueFiles` read from the
//! repository in order, then `values`, then `valuesObject`, each merged over the
//! previous). A `path` source of the same Application that lies in the repository
//! brings its objects into the component (built with kustomize when it has a
//! kustomization, else its YAML files as Argo CD reads a plain directory).
//!
//! When the standard library has a module for the chart at exactly that version, the
//! component calls its typed `install`, so the values are checked against the chart's
//! `Values` type; otherwise the release is written as a plain `Release` record. What the
//! Application said that a component does not (its sync policy, the destination
//! server, Helm parameters) is listed in the report: cedc writes its own Applications.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// One Helm Application, as a chart component.
#[derive(Debug, Clone)]
pub struct ChartApp {
    /// The Application's name.
    pub app: String,
    pub namespace: Option<String>,
    pub repository: String,
    pub chart: String,
    pub version: String,
    pub release: String,
    pub values: Value,
    /// Repository directories of its `path` sources.
    pub paths: Vec<String>,
    /// What the component does not carry over.
    pub notes: Vec<String>,
}

/// The chart source of an Application and everything else its sources say, or `None`
/// when it installs no chart (or more than one).
pub fn chart_app(app: &Value, source_root: &Path) -> Option<ChartApp> {
    if !is_application(app) {
        return None;
    }
    let spec = app.get("spec")?;
    let sources: Vec<&Value> = match (spec.get("sources").and_then(Value::as_array), spec.get("source")) {
        (Some(list), _) => list.iter().collect(),
        (None, Some(one)) => vec![one],
        _ => return None,
    };
    let charts: Vec<&&Value> = sources.iter().filter(|s| s.get("chart").is_some()).collect();
    let [chart_source] = charts.as_slice() else { return None };
    let name = app.pointer("/metadata/name").and_then(Value::as_str)?.to_string();
    let chart = chart_source.get("chart").and_then(Value::as_str)?.to_string();
    let version = chart_source.get("targetRevision").and_then(Value::as_str).unwrap_or("").to_string();
    let repo_url = chart_source.get("repoURL").and_then(Value::as_str).unwrap_or("").to_string();
    // Argo CD writes OCI Helm repositories without a scheme.
    let repository = if repo_url.contains("://") { repo_url } else { format!("oci://{repo_url}") };
    let helm = chart_source.get("helm");
    let release = helm.and_then(|h| h.get("releaseName")).and_then(Value::as_str).unwrap_or(&name).to_string();
    let mut notes = Vec::new();
    let mut values = Value::Object(Map::new());
    for file in helm.and_then(|h| h.get("valueFiles")).and_then(Value::as_array).into_iter().flatten() {
        let Some(file) = file.as_str() else { continue };
        match value_file(file, source_root) {
            Ok(v) => merge(&mut values, v),
            Err(why) => notes.push(format!("the value file `{file}` was not read: {why}")),
        }
    }
    if let Some(text) = helm.and_then(|h| h.get("values")).and_then(Value::as_str) {
        match serde_saphyr::from_str::<Value>(text) {
            Ok(v) if v.is_object() => merge(&mut values, v),
            _ => notes.push("its inline `values` are not a YAML mapping and were not read".into()),
        }
    }
    if let Some(v) = helm.and_then(|h| h.get("valuesObject")).filter(|v| v.is_object()) {
        merge(&mut values, v.clone());
    }
    for key in ["parameters", "fileParameters"] {
        if helm.and_then(|h| h.get(key)).is_some() {
            notes.push(format!("Helm `{key}` are not carried over: write them into the values"));
        }
    }
    let mut paths = Vec::new();
    for s in &sources {
        let Some(path) = s.get("path").and_then(Value::as_str) else { continue };
        let path = path.trim_matches('/').to_string();
        if source_root.join(&path).is_dir() {
            paths.push(path);
        } else {
            notes.push(format!("the source path `{path}` is not in this repository and was not imported"));
        }
    }
    if let Some(server) = spec.pointer("/destination/server").and_then(Value::as_str)
        && server != "https://kubernetes.default.svc"
    {
        notes.push(format!("its destination server `{server}` is not carried over: environments are clusters in cedc (docs/environments.md)"));
    }
    if spec.get("syncPolicy").is_some() {
        notes.push(
            "its syncPolicy is not carried over: cedc writes the platform's Applications (docs/delivery.md)".into(),
        );
    }
    let namespace = spec.pointer("/destination/namespace").and_then(Value::as_str).map(str::to_string);
    Some(ChartApp { app: name, namespace, repository, chart, version, release, values, paths, notes })
}

/// Whether an object is an Argo CD Application.
pub fn is_application(o: &Value) -> bool {
    o.get("kind").and_then(Value::as_str) == Some("Application")
        && o.get("apiVersion").and_then(Value::as_str).is_some_and(|a| a.starts_with("argoproj.io/"))
}

/// A `valueFiles` entry: `$values/<path>` (a `ref: values` source, taken to be this
/// repository) or a path in the repository.
fn value_file(file: &str, root: &Path) -> Result<Value, String> {
    let rel = file.strip_prefix('$').and_then(|f| f.split_once('/')).map_or(file, |(_, p)| p);
    if rel.split('/').any(|p| p == "..") {
        return Err("it leaves the repository".into());
    }
    let path: PathBuf = root.join(rel.trim_start_matches('/'));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{rel}`: {e}"))?;
    match serde_saphyr::from_str::<Value>(&text) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(Value::Null) => Ok(Value::Object(Map::new())),
        Ok(_) => Err(format!("`{rel}` is not a YAML mapping")),
        Err(e) => Err(format!("`{rel}` is not YAML: {e}")),
    }
}

/// Helm's merge of values: maps merged key by key, anything else replaced.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// The standard library's module for a chart, when it is written for exactly this
/// version: its import path.
pub fn std_module(chart: &str, version: &str) -> Result<String, Option<String>> {
    let key = format!("charts/{chart}");
    let Some((_, text)) = cedc_names::STDLIB.iter().find(|(n, _)| *n == key) else { return Err(None) };
    let written = text
        .split("let chart: Chart = {")
        .nth(1)
        .and_then(|rest| rest.split("version: \"").nth(1))
        .and_then(|v| v.split('"').next())
        .unwrap_or("");
    if written == version { Ok(format!("std/{key}")) } else { Err(Some(written.to_string())) }
}

/// The YAML objects of a plain directory, as Argo CD reads one (its `.yaml`, `.yml` and
/// `.json` files, in name order, not recursing).
pub fn plain_directory(dir: &Path) -> Result<Vec<Value>, String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let docs: Vec<Value> =
            serde_saphyr::from_str_multiple(&text).map_err(|e| format!("`{}` is not YAML: {e}", path.display()))?;
        out.extend(docs.into_iter().filter(|d| d.get("kind").is_some() && d.get("apiVersion").is_some()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_merge_as_helm_merges_them() {
        let mut v = json!({"a": {"b": 1, "c": [1]}, "d": 1});
        merge(&mut v, json!({"a": {"c": [2], "e": 3}, "d": {"x": 1}}));
        assert_eq!(v, json!({"a": {"b": 1, "c": [2], "e": 3}, "d": {"x": 1}}));
    }

    #[test]
    fn a_multi_source_application_is_read_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("system/grafana/helm")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("system/grafana/ingress")).expect("mkdir");
        std::fs::write(dir.path().join("system/grafana/helm/values.yaml"), "replicas: 2\ningress:\n  enabled: false\n")
            .expect("write");
        let app = json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "grafana", "namespace": "argocd"},
            "spec": {
                "destination": {"namespace": "monitoring", "server": "https://kubernetes.default.svc"},
                "sources": [
                    {"chart": "grafana", "repoURL": "https://grafana.github.io/helm-charts", "targetRevision": "7.0.1",
                     "helm": {"releaseName": "g", "valueFiles": ["$values/system/grafana/helm/values.yaml"], "valuesObject": {"ingress": {"enabled": true}}}},
                    {"repoURL": "https://git.example.com/platform.git", "ref": "values"},
                    {"repoURL": "https://git.example.com/platform.git", "path": "system/grafana/ingress"}
                ],
                "syncPolicy": {"automated": {}}
            }
        });
        let c = chart_app(&app, dir.path()).expect("a chart Application");
        assert_eq!((c.chart.as_str(), c.version.as_str(), c.release.as_str()), ("grafana", "7.0.1", "g"));
        assert_eq!(c.values, json!({"replicas": 2, "ingress": {"enabled": true}}));
        assert_eq!(c.paths, vec!["system/grafana/ingress".to_string()]);
        assert_eq!(c.namespace.as_deref(), Some("monitoring"));
        assert!(c.notes.iter().any(|n| n.contains("syncPolicy")), "{:?}", c.notes);
        // An OCI repository, as Argo CD writes it.
        let oci = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "x"},
            "spec": {"source": {"chart": "x", "repoURL": "registry-1.docker.io/bitnamicharts", "targetRevision": "1.0.0"}}});
        assert_eq!(chart_app(&oci, dir.path()).expect("chart").repository, "oci://registry-1.docker.io/bitnamicharts");
    }

    #[test]
    fn only_a_module_written_for_the_version_is_used() {
        let Err(Some(written)) = std_module("grafana", "0.0.1") else { panic!("grafana has a module") };
        assert!(!written.is_empty());
        assert_eq!(std_module("grafana", &written), Ok("std/charts/grafana".to_string()));
        assert_eq!(std_module("no-such-chart", "1.0.0"), Err(None));
    }
}
