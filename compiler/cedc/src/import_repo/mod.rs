//! `cedc import repo SRC --out DIR`: turn a repository of Kustomize directories into a
//! cedc project that renders the same objects.
//!
//! Each Kustomize root — a directory with a kustomization that no other kustomization
//! of the repository uses as a resource — is one unit. `…/<name>/overlays/<env>` is the
//! component `<name>` in the environment `<env>`; any other root is the component named
//! after its directory, the same in every environment. Every unit is built with the real
//! `kubectl kustomize` (the importer interprets no Kustomize feature itself), and its
//! objects are written as `.ced`:
//!
//! - one file per component (`components/<name>.ced`): each object a `let` typed
//!   `Object`, written from its value in the first environment that has it;
//! - what an environment changes is an override in `in <env> { … }` at the deepest path
//!   where the values differ (`decl.metadata.labels["app.kubernetes.io/name"]`; a record
//!   whose keys differ, or a list, is replaced whole);
//! - an object only some environments have is listed for those only
//!   (`if env.name == … then [...] else []`); a component only some have gets `envs:`.
//!
//! Invariant (tested): for every environment and component, `cedc render` of the
//! project gives the objects `kubectl kustomize` gave, compared as parsed values,
//! with one documented exception: a namespaced object that sets no namespace gets
//! the component's namespace (what Argo CD does with its destination). Kinds cedc has
//! no schema for are listed in `[schemas] unchecked`; the report (`IMPORT.md`) says
//! this and everything else that was not carried over as is, and what cedc's checks find
//! in the imported platform.

mod apps;

use crate::import_chart::write::value as literal;
use cedc_syntax::field::segment;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Kustomization file names, as Kustomize looks for them.
const KUSTOMIZATION: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/// Deepest directory walked, most kustomizations read.
const MAX_DEPTH: usize = 24;
const MAX_UNITS: usize = 2_000;

/// What the command was asked.
pub struct Request {
    pub source: PathBuf,
    pub out: PathBuf,
    pub kubectl: Option<PathBuf>,
    /// The environment of a repository without overlays.
    pub env: String,
}

/// One Kustomize root: its directory, the component and the environment (`None`: every
/// environment) it stands for.
#[derive(Debug, Clone)]
struct Unit {
    dir: PathBuf,
    /// Relative to the source, for messages and the report.
    rel: String,
    component: String,
    env: Option<String>,
}

/// A component's objects in each environment that has it.
type PerEnv = BTreeMap<String, Vec<Value>>;

/// What was imported, for the report and the caller.
pub struct Imported {
    pub envs: Vec<String>,
    pub components: Vec<ComponentReport>,
    /// Units that could not be built, with kustomize's message.
    pub failed: Vec<(String, String)>,
    /// Kinds written to `[schemas] unchecked`.
    pub unchecked: Vec<String>,
}

pub struct ComponentReport {
    pub name: String,
    /// The chart it installs, for a Helm Application turned into a chart component:
    /// what it says of the chart, and what was not carried over.
    pub chart: Option<(String, Vec<String>)>,
    pub sources: Vec<String>,
    pub objects: usize,
    pub overrides: usize,
    pub partial_objects: usize,
    pub namespace: String,
    pub defaulted_namespace: usize,
}

/// Import `req.source` into `req.out` (which must not exist, or be empty).
pub fn import(req: &Request) -> Result<Imported, String> {
    let kubectl = find_kubectl(req.kubectl.as_deref())?;
    if req.out.exists() && std::fs::read_dir(&req.out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!("`{}` exists and is not empty: import into a new directory", req.out.display()));
    }
    let units = discover(&req.source, &req.out)?;
    if units.is_empty() {
        return Err(format!("`{}` holds no kustomization (kustomization.yaml)", req.source.display()));
    }
    let mut envs: Vec<String> =
        units.iter().filter_map(|u| u.env.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    if envs.is_empty() {
        envs.push(req.env.clone());
    }
    // component → the directories it came from, and its objects per environment.
    let mut built: BTreeMap<String, (Vec<String>, PerEnv)> = BTreeMap::new();
    let mut failed = Vec::new();
    for unit in &units {
        let objects = match kustomize(&kubectl, &unit.dir) {
            Ok(o) => o,
            Err(why) => {
                failed.push((unit.rel.clone(), why));
                continue;
            }
        };
        let entry = built.entry(unit.component.clone()).or_default();
        entry.0.push(unit.rel.clone());
        match &unit.env {
            Some(env) => {
                entry.1.insert(env.clone(), objects);
            }
            None => {
                for env in &envs {
                    entry.1.entry(env.clone()).or_insert_with(|| objects.clone());
                }
            }
        }
    }
    let charts = chart_components(&mut built, &units, &req.source, &kubectl, &mut failed);
    let mut files = BTreeMap::new();
    let mut reports = Vec::new();
    for (name, (sources, per_env)) in &built {
        let chart = charts.iter().find(|(n, _)| n == name).map(|(_, c)| c);
        let (text, report) = component_file(name, sources, per_env, &envs, chart);
        files.insert(format!("components/{name}.ced"), text);
        reports.push(report);
    }
    let unchecked = unknown_kinds(built.values().flat_map(|(_, e)| e.values().flatten()));
    files.insert("main.ced".into(), main_file(&envs, built.keys()));
    files.insert("cedc.toml".into(), config(&req.source, &unchecked));
    write_all(&req.out, &files)?;
    Ok(Imported { envs, components: reports, failed, unchecked })
}

/// Turn the Helm Applications of components that are the same in every environment
/// into chart components (see [`apps`]); components left with no object (a directory
/// that held only the Application) go. Returns each chart component's name and chart.
fn chart_components(
    built: &mut BTreeMap<String, (Vec<String>, PerEnv)>,
    units: &[Unit],
    source: &Path,
    kubectl: &Path,
    failed: &mut Vec<(String, String)>,
) -> Vec<(String, apps::ChartApp)> {
    let everywhere = |name: &String| units.iter().filter(|u| &u.component == name).all(|u| u.env.is_none());
    let mut found: Vec<(String, String, apps::ChartApp)> = Vec::new();
    for (name, (sources, per_env)) in built.iter_mut() {
        if !everywhere(name) {
            continue;
        }
        let Some(first) = per_env.values().next() else { continue };
        let charts: Vec<apps::ChartApp> = first.iter().filter_map(|o| apps::chart_app(o, source)).collect();
        if charts.is_empty() {
            continue;
        }
        let converted: BTreeSet<String> = charts.iter().map(|c| c.app.clone()).collect();
        for objects in per_env.values_mut() {
            objects.retain(|o| {
                let name = o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
                !(apps::is_application(o) && converted.contains(name))
            });
        }
        let from = sources.join(", ");
        found.extend(charts.into_iter().map(|c| (from.clone(), name.clone(), c)));
    }
    let envs: Vec<String> =
        built.values().flat_map(|(_, e)| e.keys().cloned()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut out = Vec::new();
    for (from, _, app) in found {
        let mut objects = Vec::new();
        let mut sources = vec![format!("the Application `{}` in {from}", app.app)];
        for path in &app.paths {
            // A directory imported as a component of its own joins this one.
            let unit = units.iter().find(|u| u.rel == *path && u.env.is_none());
            if let Some(unit) = unit
                && let Some((_, per_env)) = built.remove(&unit.component)
            {
                objects.extend(per_env.into_values().next().unwrap_or_default());
            } else {
                let dir = source.join(path);
                let read = if KUSTOMIZATION.iter().any(|k| dir.join(k).is_file()) {
                    kustomize(kubectl, &dir)
                } else {
                    apps::plain_directory(&dir)
                };
                match read {
                    Ok(o) => objects.extend(o),
                    Err(why) => failed.push((path.clone(), why)),
                }
            }
            sources.push(path.clone());
        }
        let mut name = name_of(&app.app);
        if built.get(&name).is_some_and(|(_, e)| e.values().any(|o| !o.is_empty())) {
            name = format!("{name}-chart");
        }
        let per_env: PerEnv = envs.iter().map(|e| (e.clone(), objects.clone())).collect();
        built.insert(name.clone(), (sources, per_env));
        out.push((name, app));
    }
    built.retain(|name, (_, per_env)| out.iter().any(|(n, _)| n == name) || per_env.values().any(|o| !o.is_empty()));
    out
}

fn find_kubectl(flag: Option<&Path>) -> Result<PathBuf, String> {
    let candidate = flag
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("CEDC_KUBECTL").filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("kubectl"));
    let runs = Command::new(&candidate).args(["version", "--client"]).env("KUBECONFIG", "/dev/null").output();
    match runs {
        Ok(o) if o.status.success() => Ok(candidate),
        _ => Err(format!(
            "cannot run `{}`: the import builds every Kustomize root with the real `kubectl kustomize` (give one with --kubectl, or set CEDC_KUBECTL)",
            candidate.display()
        )),
    }
}

/// The Kustomize roots under `source`, sorted by path.
fn discover(source: &Path, out: &Path) -> Result<Vec<Unit>, String> {
    let mut dirs = Vec::new();
    let out = std::fs::canonicalize(out).ok();
    let mut stack = vec![(source.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        if out.as_deref().is_some_and(|o| std::fs::canonicalize(&dir).ok().as_deref() == Some(o)) {
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        let mut names: Vec<(String, bool)> = entries
            .filter_map(Result::ok)
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.file_type().is_ok_and(|t| t.is_dir())))
            .collect();
        names.sort();
        if let Some((file, _)) = names.iter().find(|(n, d)| !d && KUSTOMIZATION.contains(&n.as_str())) {
            dirs.push((dir.clone(), dir.join(file)));
            if dirs.len() > MAX_UNITS {
                return Err(format!("more than {MAX_UNITS} kustomizations"));
            }
        }
        if depth < MAX_DEPTH {
            for (name, is_dir) in names.into_iter().rev() {
                if is_dir && !name.starts_with('.') && name != "node_modules" {
                    stack.push((dir.join(name), depth + 1));
                }
            }
        }
    }
    // Directories other kustomizations build on are not roots.
    let mut used = BTreeSet::new();
    for (dir, file) in &dirs {
        for reference in local_references(file) {
            if let Ok(p) = std::fs::canonicalize(dir.join(reference)) {
                used.insert(p);
            }
        }
    }
    let mut units = Vec::new();
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    for (dir, _) in dirs {
        if std::fs::canonicalize(&dir).is_ok_and(|c| used.contains(&c)) {
            continue;
        }
        let rel = dir.strip_prefix(source).unwrap_or(&dir).to_string_lossy().replace('\\', "/");
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        let (component_parts, env) = match parts.iter().rposition(|p| *p == "overlays") {
            Some(i) if i + 2 == parts.len() && i > 0 => (&parts[..i], Some(name_of(parts[i + 1]))),
            _ => (&parts[..], None),
        };
        let mut component = name_of(component_parts.last().copied().unwrap_or("platform"));
        // Two roots named alike: the longer paths tell them apart.
        let key = component_parts.join("/");
        if taken.get(&component).is_some_and(|k| *k != key) {
            component = name_of(&component_parts.join("-"));
        }
        taken.insert(component.clone(), key);
        units.push(Unit { dir, rel: if rel.is_empty() { ".".into() } else { rel }, component, env });
    }
    Ok(units)
}

/// The local directories a kustomization lists in `resources`, `bases` and
/// `components` (files and remote URLs are not kustomizations of this repository).
fn local_references(file: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(file) else { return Vec::new() };
    let Ok(doc) = serde_saphyr::from_str::<Value>(&text) else { return Vec::new() };
    ["resources", "bases", "components"]
        .iter()
        .filter_map(|k| doc.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .filter(|r| {
            !r.contains("://") && !r.starts_with("github.com/") && !r.ends_with(".yaml") && !r.ends_with(".yml")
        })
        .map(str::to_string)
        .collect()
}

/// A name cedc accepts for a component or an environment: lower case, digits and `-`,
/// starting with a letter.
fn name_of(s: &str) -> String {
    let mut out: String =
        s.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let out = out.trim_matches('-').to_string();
    match out.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => out,
        Some(_) => format!("c-{out}"),
        None => "component".into(),
    }
}

/// `kubectl kustomize DIR`, parsed.
fn kustomize(kubectl: &Path, dir: &Path) -> Result<Vec<Value>, String> {
    let out = Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .env("KUBECONFIG", "/dev/null")
        .output()
        .map_err(|e| format!("cannot run kubectl: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let docs: Vec<Value> =
        serde_saphyr::from_str_multiple(&text).map_err(|e| format!("kustomize's output is not YAML: {e}"))?;
    Ok(docs.into_iter().filter(|d| d.is_object()).collect())
}

/// Kustomize's identity of an object.
fn identity(o: &Value) -> (String, String, String, String) {
    let s = |p: &str| o.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
    (s("/apiVersion"), s("/kind"), s("/metadata/namespace"), s("/metadata/name"))
}

/// The namespace of most of the objects that set one (the first in order on a tie).
fn main_namespace(objects: &[&Value], component: &str) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for o in objects {
        let Some(ns) = o.pointer("/metadata/namespace").and_then(Value::as_str) else { continue };
        match counts.iter_mut().find(|(n, _)| n == ns) {
            Some((_, c)) => *c += 1,
            None => counts.push((ns.to_string(), 1)),
        }
    }
    let best = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    counts.into_iter().find(|(_, c)| *c == best).map(|(n, _)| n).unwrap_or_else(|| component.to_string())
}

/// An object's identity across environments: apiVersion, kind, name, and which of
/// that kind and name it is.
type ObjectKey = (String, String, String, usize);

/// One object across environments: its `let` name, and its value per environment.
struct Tracked<'a> {
    decl: String,
    values: Vec<(&'a str, &'a Value)>,
}

fn component_file(
    name: &str,
    sources: &[String],
    per_env: &PerEnv,
    envs: &[String],
    chart: Option<&apps::ChartApp>,
) -> (String, ComponentReport) {
    // Objects in the order of the first environment that has them. An object is the
    // same across environments by kind and name (overlays often change the namespace),
    // the n-th of that kind and name in each.
    let mut order: Vec<ObjectKey> = Vec::new();
    let mut by_id: BTreeMap<ObjectKey, Vec<(&str, &Value)>> = BTreeMap::new();
    for env in envs {
        let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for o in per_env.get(env).into_iter().flatten() {
            let (api, kind, _, name) = identity(o);
            let n = seen.entry((api.clone(), kind.clone(), name.clone())).or_default();
            let id = (api, kind, name, *n);
            *n += 1;
            if !by_id.contains_key(&id) {
                order.push(id.clone());
            }
            by_id.entry(id).or_default().push((env.as_str(), o));
        }
    }
    let mut used_names = BTreeSet::new();
    let tracked: Vec<Tracked> = order
        .iter()
        .map(|id| {
            let base = decl_name(name, &id.1, &id.2);
            let mut decl = base.clone();
            let mut n = 2;
            while !used_names.insert(decl.clone()) {
                decl = format!("{base}_{n}");
                n += 1;
            }
            Tracked { decl, values: by_id.remove(id).unwrap_or_default() }
        })
        .collect();
    let all: Vec<&Value> = tracked.iter().flat_map(|t| t.values.iter().map(|(_, v)| *v)).collect();
    let namespace = match chart.and_then(|c| c.namespace.clone()) {
        Some(ns) => ns,
        None => main_namespace(&all, name),
    };
    let release = chart.map(|c| release_expr(name, c));
    let component_envs: Vec<&String> = envs.iter().filter(|e| per_env.contains_key(*e)).collect();

    // An object every environment that has it agrees on, and that a `std/k8s` helper
    // writes exactly, is written as the helper's call.
    let helpers: Vec<Option<String>> = tracked
        .iter()
        .map(|t| {
            let (_, base) = t.values[0];
            if t.values.iter().any(|(_, v)| *v != base) { None } else { helper_call(base, &namespace) }
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "// Imported by `cedc import repo` from {}.", sources.join(", "));
    if helpers.iter().any(Option::is_some) {
        out.push_str("\nimport \"std/k8s\"\n");
    }
    if let Some((Some(import), _, _)) = &release {
        let _ = writeln!(out, "\n{import}");
    }
    let mut overrides: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut partial = 0;
    let mut defaulted = 0;
    for (t, helper) in tracked.iter().zip(&helpers) {
        let (_, base) = t.values[0];
        if base.pointer("/metadata/namespace").is_none() {
            defaulted += 1;
        }
        match helper {
            Some(call) => {
                let _ = writeln!(out, "\nlet {}: Object = {call}", t.decl);
            }
            None => {
                let _ = writeln!(out, "\nlet {}: Object = {}", t.decl, literal(base, 0, t.decl.len() + 14));
            }
        }
        for (env, v) in &t.values[1..] {
            let mut lines = Vec::new();
            diff(&t.decl, &mut Vec::new(), base, v, &mut lines);
            overrides.entry(env).or_default().extend(lines);
        }
        if t.values.len() != component_envs.len() {
            partial += 1;
        }
    }
    let _ = writeln!(out, "\ncomponent {name} {{");
    let _ = writeln!(out, "  namespace: {}", crate::import_chart::write::string(&namespace));
    if component_envs.len() != envs.len() {
        let list: Vec<&str> = component_envs.iter().map(|e| e.as_str()).collect();
        let _ = writeln!(out, "  envs: [{}]", list.join(", "));
    }
    // The objects every environment has, then, per set of environments, the others.
    let mut groups: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    for t in &tracked {
        let in_envs: Vec<&str> = t.values.iter().map(|(e, _)| *e).collect();
        let key = if t.values.len() == component_envs.len() { Vec::new() } else { in_envs };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, decls)) => decls.push(&t.decl),
            None => groups.push((key, vec![&t.decl])),
        }
    }
    groups.sort_by_key(|(k, _)| !k.is_empty());
    let parts: Vec<String> = groups
        .iter()
        .map(|(in_envs, decls)| {
            let list = format!("[{}]", decls.join(", "));
            if in_envs.is_empty() {
                return list;
            }
            let cond: Vec<String> = in_envs.iter().map(|e| format!("env.name == \"{e}\"")).collect();
            format!("(if {} then {list} else [])", cond.join(" || "))
        })
        .collect();
    let objects = if parts.is_empty() { "[]".to_string() } else { parts.join(" + ") };
    let _ = writeln!(out, "  objects: {objects}");
    if let Some((_, expr, _)) = &release {
        let _ = writeln!(out, "  chart: {expr}");
    }
    out.push_str("}\n");
    let mut count = 0;
    for env in envs {
        let Some(lines) = overrides.get(env.as_str()).filter(|l| !l.is_empty()) else { continue };
        count += lines.len();
        let _ = writeln!(out, "\nin {env} {{");
        for line in lines {
            let _ = writeln!(out, "  {line}");
        }
        out.push_str("}\n");
    }
    // In `cedc fmt` style (the text above always parses; keep it as is if not).
    let out = cedc_format::format_source(&out).unwrap_or(out);
    let report = ComponentReport {
        name: name.to_string(),
        chart: release.map(|(_, _, said)| (said, chart.map(|c| c.notes.clone()).unwrap_or_default())),
        sources: sources.to_vec(),
        objects: tracked.len(),
        overrides: count,
        partial_objects: partial,
        namespace,
        defaulted_namespace: defaulted,
    };
    (out, report)
}

/// The `chart:` of a chart component: the standard module's typed `install` when it is
/// written for this version, else a `Release` record. Returns the import it needs, the
/// expression, and a sentence for the report.
fn release_expr(component: &str, c: &apps::ChartApp) -> (Option<String>, String, String) {
    let s = crate::import_chart::write::string;
    let values = literal(&c.values, 1, 10);
    let said = format!("chart `{}` {} from {}, release `{}`", c.chart, c.version, c.repository, c.release);
    match apps::std_module(&c.chart, &c.version) {
        Ok(module) => {
            let alias = format!("{}_chart", c.chart.replace('-', "_"));
            let release = if c.release == component { String::new() } else { format!(", release: {}", s(&c.release)) };
            let expr = format!("{alias}.install(version: {}{release}, values: {values})", s(&c.version));
            (Some(format!("import \"{module}\" as {alias}")), expr, format!("{said}; values typed by `{module}`"))
        }
        Err(written) => {
            let expr = format!(
                "{{ chart: {{ repository: {}, name: {}, version: {} }}, version: {}, name: {}, values: {values} }}",
                s(&c.repository),
                s(&c.chart),
                s(&c.version),
                s(&c.version),
                s(&c.release)
            );
            let why = match written {
                Some(w) => format!("values untyped: `std/charts/{}` is written for {w}", c.chart),
                None => "values untyped: no chart module (`cedc import chart` writes one)".to_string(),
            };
            (None, expr, format!("{said}; {why}"))
        }
    }
}

/// The `std/k8s` call that writes exactly `object` in a component whose namespace is
/// `namespace` (the helpers leave the namespace to the component), if there is one:
/// a ConfigMap of string data, a Namespace (with labels), a ServiceAccount — with no
/// other field.
fn helper_call(object: &Value, namespace: &str) -> Option<String> {
    let s = crate::import_chart::write::string;
    let o = object.as_object()?;
    let meta = o.get("metadata")?.as_object()?;
    let name = meta.get("name")?.as_str()?;
    let in_namespace = meta.get("namespace").is_none_or(|n| n.as_str() == Some(namespace));
    let only = |fields: &[&str], meta_fields: &[&str]| {
        o.keys().all(|k| fields.contains(&k.as_str())) && meta.keys().all(|k| meta_fields.contains(&k.as_str()))
    };
    match (o.get("apiVersion")?.as_str()?, o.get("kind")?.as_str()?) {
        ("v1", "ConfigMap")
            if in_namespace && only(&["apiVersion", "kind", "metadata", "data"], &["name", "namespace"]) =>
        {
            let data = o.get("data")?.as_object()?;
            if data.is_empty() || !data.values().all(Value::is_string) {
                return None;
            }
            Some(format!("k8s.config_map({}, data: {})", s(name), literal(&Value::Object(data.clone()), 0, 60)))
        }
        ("v1", "ServiceAccount")
            if in_namespace && only(&["apiVersion", "kind", "metadata"], &["name", "namespace"]) =>
        {
            Some(format!("k8s.service_account({})", s(name)))
        }
        ("v1", "Namespace") if only(&["apiVersion", "kind", "metadata"], &["name", "labels"]) => {
            match meta.get("labels").and_then(Value::as_object) {
                Some(labels) if !labels.is_empty() && labels.values().all(Value::is_string) => Some(format!(
                    "k8s.namespace({}, labels: {})",
                    s(name),
                    literal(&Value::Object(labels.clone()), 0, 60)
                )),
                Some(_) => None,
                None => Some(format!("k8s.namespace({})", s(name))),
            }
        }
        _ => None,
    }
}

/// A `let` name for an object: its kind and name, in lower case with `_`.
fn decl_name(component: &str, kind: &str, name: &str) -> String {
    let raw = format!("{}_{}", kind, name).to_ascii_lowercase();
    let mut s: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_string();
    if s.is_empty() { format!("{}_object", component.replace('-', "_")) } else { s }
}

/// Overrides turning `base` into `value`, at the deepest paths where they differ.
fn diff(decl: &str, path: &mut Vec<String>, base: &Value, value: &Value, out: &mut Vec<String>) {
    if base == value {
        return;
    }
    if let (Value::Object(b), Value::Object(v)) = (base, value)
        && b.keys().collect::<BTreeSet<_>>() == v.keys().collect::<BTreeSet<_>>()
    {
        for (k, bv) in b {
            path.push(k.clone());
            diff(decl, path, bv, &v[k], out);
            path.pop();
        }
        return;
    }
    out.push(assign(decl, path, value));
}

/// `decl.a["b.c"] = value`: each key written as an override path writes it.
fn assign(decl: &str, path: &[String], value: &Value) -> String {
    let target: String = std::iter::once(decl.to_string()).chain(path.iter().map(|k| segment(k))).collect();
    format!("{target} = {}", literal(value, 1, target.len() + 3))
}

fn main_file<'a>(envs: &[String], components: impl Iterator<Item = &'a String>) -> String {
    let mut out = String::from("// Imported by `cedc import repo`: see IMPORT.md.\n\n");
    // The aliases are never read (a component belongs to the platform wherever it is
    // declared); `component_` keeps them clear of environment names and keywords.
    for c in components {
        let _ = writeln!(out, "import \"./components/{c}\" as component_{}", c.replace('-', "_"));
    }
    out.push('\n');
    for env in envs {
        let _ = writeln!(out, "env {env} {{}}");
    }
    out
}

/// Kinds cedc has no built-in schema for, as `apiVersion/Kind`, sorted.
fn unknown_kinds<'a>(objects: impl Iterator<Item = &'a Value>) -> Vec<String> {
    let registry = cedc_schema::core::registry();
    let mut kinds = BTreeSet::new();
    for o in objects {
        let (api, kind, _, _) = identity(o);
        if registry.lookup(&api, &kind).is_none() {
            kinds.insert(format!("{api}/{kind}"));
        }
    }
    kinds.into_iter().collect()
}

fn config(source: &Path, unchecked: &[String]) -> String {
    let name = source
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .map(|n| name_of(&n))
        .unwrap_or_else(|| "platform".into());
    let mut out = format!("[project]\nname = \"{name}\"\n");
    if !unchecked.is_empty() {
        out.push_str("\n[schemas]\n# Kinds cedc has no schema for (see IMPORT.md): add their CRDs to `crds` to check them.\nunchecked = [\n");
        for k in unchecked {
            let _ = writeln!(out, "  {},", toml_string(k));
        }
        out.push_str("]\n");
    }
    out
}

/// `IMPORT.md`: what was imported, what was not carried over as is, and what cedc's
/// checks found (`checks`: the diagnostics of `cedc check`, rendered).
pub fn report(done: &Imported, checks: &str, errors: usize) -> String {
    let mut out = String::from(
        "# Imported by `cedc import repo`

",
    );
    let _ = writeln!(
        out,
        "Environments: {}.
",
        done.envs.join(", ")
    );
    out.push_str(
        "| Component | From | Objects | Only in some environments | Overrides | Namespace | Objects given it |
|---|---|---|---|---|---|---|
",
    );
    for c in &done.components {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            c.name,
            c.sources.join(", "),
            c.objects,
            c.partial_objects,
            c.overrides,
            c.namespace,
            c.defaulted_namespace
        );
    }
    out.push_str("
Each component renders the objects `kubectl kustomize` built from its directories. A namespaced object that set no namespace now gets the component's (the last column counts them; Argo CD would have put them in its destination namespace).
");
    let charts: Vec<&ComponentReport> = done.components.iter().filter(|c| c.chart.is_some()).collect();
    if !charts.is_empty() {
        out.push_str("\n## Helm Applications\n\nThese Argo CD Applications installed a Helm chart; each is now a chart component (`chart:`), whose Application cedc writes when the platform declares `delivery` (docs/delivery.md):\n\n");
        for c in charts {
            let Some((said, notes)) = &c.chart else { continue };
            let _ = writeln!(out, "- `{}`: {said}.", c.name);
            for n in notes {
                let _ = writeln!(out, "  - {n}");
            }
        }
    }
    if !done.unchecked.is_empty() {
        out.push_str("
## Kinds without a schema

cedc has no schema for these kinds, so their objects are not checked (`[schemas] unchecked` in cedc.toml). Add their CRD files to `[schemas] crds` (`cedc import crd`) to check them:

");
        for k in &done.unchecked {
            let _ = writeln!(out, "- `{k}`");
        }
    }
    if !done.failed.is_empty() {
        out.push_str(
            "
## Not imported

`kubectl kustomize` could not build these directories:

",
        );
        for (dir, why) in &done.failed {
            let _ = writeln!(out, "- `{dir}`: {}", why.lines().next().unwrap_or(""));
        }
    }
    out.push_str(
        "
## What cedc's checks find

",
    );
    if checks.trim().is_empty() {
        out.push_str(
            "`cedc check` finds nothing wrong.
",
        );
    } else {
        let _ = writeln!(
            out,
            "`cedc check` reports {errors} error{} in the imported platform: defects the original already had, now shown at the line that holds them.

```text
{}
```",
            if errors == 1 { "" } else { "s" },
            checks.trim_end()
        );
    }
    out
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn write_all(out: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
    for (rel, text) in files {
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overrides_go_as_deep_as_the_shapes_agree() {
        let base = json!({"spec": {"replicas": 3, "template": {"labels": {"a": "1"}}}, "metadata": {"labels": {"app.kubernetes.io/name": "x"}}});
        let env = json!({"spec": {"replicas": 1, "template": {"labels": {"a": "1", "b": "2"}}}, "metadata": {"labels": {"app.kubernetes.io/name": "y"}}});
        let mut out = Vec::new();
        diff("web", &mut Vec::new(), &base, &env, &mut out);
        assert_eq!(
            out,
            vec![
                "web.spec.replicas = 1".to_string(),
                "web.spec.template.labels = { a: \"1\", b: \"2\" }".to_string(),
                "web.metadata.labels[\"app.kubernetes.io/name\"] = \"y\"".to_string(),
            ]
        );
    }

    #[test]
    fn names_are_what_cedc_accepts() {
        assert_eq!(name_of("Cert_Manager"), "cert-manager");
        assert_eq!(name_of("2048-game"), "c-2048-game");
        assert_eq!(decl_name("web", "Deployment", "web-api.v2"), "deployment_web_api_v2");
    }
}
