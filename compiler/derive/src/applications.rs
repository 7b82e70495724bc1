//! The Argo CD app-of-apps of an environment, generated from the platform: when a
//! component of the environment declares `delivery` (the component running Argo CD),
//! the environment's [`Environment::delivery`] gets
//!
//! - the AppProject `delivery.project`, allowed the platform's git repository and the
//!   repositories of its charts, and the namespaces its components deploy to;
//! - one Application per component (`<env>-<component>`): its chart (the Helm source,
//!   values inline as `helm.valuesObject`) and its own objects (the git source, the
//!   component's overlay that the Kustomize emitter writes, at [`Layout`]'s path), with
//!   the sync wave the dependencies give it ([`crate::order`]);
//! - the root Application (`<project>-<env>`), which deploys the directory holding all
//!   of the above ([`Layout::apps`]), itself included.
//!
//! Production environments (`production: true`) track `delivery.release`, every other
//! environment `delivery.revision`. Until environments are clusters, every destination
//! is the cluster Argo CD runs in.
//!
//! Invariants: every path an Application names is one the Kustomize emitter writes,
//! built by [`Layout`]; objects come out in a fixed order (project, root, then the
//! components in declaration order); each generated value's origin is the declaration
//! that asked for it (the component, its chart, the delivery settings).

use crate::order::{self, Order};
use crate::{Context, Generator};
use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::argocd::{API_VERSION, APP_PROJECT, APPLICATION, IN_CLUSTER, RESOURCES_FINALIZER, SYNC_WAVE};
use cedc_model::views::delivery::{Delivery, OCI_SCHEME, Release};
use cedc_model::{Component, Environment, Layout, Object, Value, ValueKind, View};
use serde_json::json;

/// Generates the app-of-apps of each environment that has a delivering component.
pub struct Applications;

impl Generator for Applications {
    fn generate(&self, env: &mut Environment, cx: &Context) -> Diagnostics {
        let mut diags = Vec::new();
        let order = order::order(env, cx, &mut diags);
        let Some(at) = deliverer(env, &mut diags) else { return diags };
        let Some(settings) = Settings::read(env, at) else { return diags };
        env.delivery = app_of_apps(env, &settings, &order);
        diags
    }
}

/// The index of the component delivering `env`; two is E0400.
fn deliverer(env: &Environment, diags: &mut Diagnostics) -> Option<usize> {
    let mut found = env.components.iter().enumerate().filter(|(_, c)| c.delivery.is_some());
    let (first, c) = found.next()?;
    for (_, other) in found {
        let span = other.delivery.as_ref().map_or(other.span, Value::span);
        let first_span = c.delivery.as_ref().map_or(c.span, Value::span);
        diags.push(
            Diagnostic::error(
                "E0400",
                format!("components `{}` and `{}` both deliver this environment", c.name, other.name),
            )
            .at(span, "second `delivery`")
            .also(first_span, "first `delivery`")
            .help("one Argo CD delivers an environment: keep `delivery` on the component that runs it"),
        );
    }
    Some(first)
}

/// What every generated object of an environment shares.
struct Settings {
    /// The namespace Argo CD runs in (the delivering component's).
    argocd_namespace: String,
    project: String,
    repository: String,
    /// The output directory inside the repository: `""` or `dir/` (with its slash).
    prefix: String,
    revision: String,
    /// Where the delivery settings were written, the origin of generated values.
    span: Span,
}

impl Settings {
    fn read(env: &Environment, at: usize) -> Option<Settings> {
        let c = &env.components[at];
        let d = Delivery(View::new(c.delivery.as_ref()?));
        let production = env.is_production();
        let revision = if production { d.release() } else { d.revision() };
        let path = d.path()?.str()?.trim_matches('/');
        Some(Settings {
            argocd_namespace: c.namespace.clone(),
            project: d.project()?.str()?.to_string(),
            repository: d.repository()?.str()?.to_string(),
            prefix: if path.is_empty() { String::new() } else { format!("{path}/") },
            revision: revision?.str()?.to_string(),
            span: d.span(),
        })
    }

    /// A source deploying the directory `dir` of the output tree.
    fn git_source(&self, dir: &str) -> serde_json::Value {
        json!({ "repoURL": self.repository, "path": format!("{}{dir}", self.prefix), "targetRevision": self.revision })
    }

    fn metadata(&self, name: &str) -> serde_json::Value {
        json!({ "name": name, "namespace": self.argocd_namespace })
    }
}

/// The objects delivering `env`: the project, the root Application, then one
/// Application per component with something to deploy.
fn app_of_apps(env: &Environment, s: &Settings, order: &Order) -> Vec<Object> {
    let mut out = vec![project(env, s), root(env, s)];
    for (i, c) in env.components.iter().enumerate() {
        if let Some(app) = application(env, c, s, order.waves[i]) {
            out.push(app);
        }
    }
    out
}

/// The sync wave of the AppProject, below every component's (which start at 0).
const PROJECT_WAVE: &str = "-1";

fn project(env: &Environment, s: &Settings) -> Object {
    let mut repos: Vec<String> = vec![s.repository.clone()];
    repos.extend(env.components.iter().filter_map(chart_repository));
    repos.sort();
    repos.dedup();
    let mut namespaces: Vec<&str> = env.components.iter().map(|c| c.namespace.as_str()).collect();
    namespaces.push(&s.argocd_namespace);
    namespaces.sort();
    namespaces.dedup();
    let destinations: Vec<_> = namespaces.iter().map(|ns| json!({ "server": IN_CLUSTER, "namespace": ns })).collect();
    let mut metadata = s.metadata(&s.project);
    // Before every Application: Argo CD refuses an Application of a missing project.
    metadata["annotations"] = json!({ SYNC_WAVE: PROJECT_WAVE });
    let json = json!({
        "apiVersion": API_VERSION,
        "kind": APP_PROJECT,
        "metadata": metadata,
        "spec": {
            "description": format!("The platform in {}, generated by cedc", env.name),
            "sourceRepos": repos,
            "destinations": destinations,
            "clusterResourceWhitelist": [{ "group": "*", "kind": "*" }],
        },
    });
    object(json, s.span, None)
}

/// The Application deploying the directory of the environment's Applications.
fn root(env: &Environment, s: &Settings) -> Object {
    let name = format!("{}-{}", s.project, env.name);
    let json = json!({
        "apiVersion": API_VERSION,
        "kind": APPLICATION,
        "metadata": s.metadata(&name),
        "spec": {
            "project": s.project,
            "source": s.git_source(&Layout::apps(&env.name)),
            "destination": { "server": IN_CLUSTER, "namespace": s.argocd_namespace },
            "syncPolicy": sync_policy(),
        },
    });
    object(json, s.span, None)
}

/// The Application of component `c`, or `None` when it deploys nothing in `env`.
fn application(env: &Environment, c: &Component, s: &Settings, wave: u32) -> Option<Object> {
    let release = c.chart.as_ref().map(|r| Release(View::new(r)));
    let mut sources = Vec::new();
    if let Some(r) = release {
        sources.push(chart_source(r)?);
    }
    if !c.objects.is_empty() {
        sources.push(s.git_source(&Layout::component_overlay(&c.name, &env.name)));
    }
    let mut spec = serde_json::Map::new();
    spec.insert("project".into(), json!(s.project));
    match sources.len() {
        0 => return None,
        1 => spec.insert("source".into(), sources.remove(0)),
        _ => spec.insert("sources".into(), json!(sources)),
    };
    spec.insert("destination".into(), json!({ "server": IN_CLUSTER, "namespace": c.namespace }));
    spec.insert("syncPolicy".into(), sync_policy());
    let mut metadata = s.metadata(&format!("{}-{}", env.name, c.name));
    metadata["annotations"] = json!({ SYNC_WAVE: wave.to_string() });
    metadata["finalizers"] = json!([RESOURCES_FINALIZER]);
    let json = json!({ "apiVersion": API_VERSION, "kind": APPLICATION, "metadata": metadata, "spec": spec });
    let values = release.and_then(|r| r.values()).filter(|v| !is_empty(*v));
    Some(object(json, c.span, values))
}

/// The Helm source of a release: an OCI repository is written without its scheme, as
/// Argo CD expects for Helm charts in OCI registries.
fn chart_source(r: Release) -> Option<serde_json::Value> {
    let chart = r.chart()?;
    let repository = chart.repository()?.str()?;
    let repo = repository.strip_prefix(OCI_SCHEME).unwrap_or(repository);
    Some(json!({
        "repoURL": repo,
        "chart": chart.name()?.str()?,
        "targetRevision": r.version()?.str()?,
        "helm": { "releaseName": r.name()?.str()? },
    }))
}

fn chart_repository(c: &Component) -> Option<String> {
    let r = Release(View::new(c.chart.as_ref()?));
    let repository = r.chart()?.repository()?.str()?;
    Some(repository.strip_prefix(OCI_SCHEME).unwrap_or(repository).to_string())
}

/// Applications sync automatically, prune what the platform no longer declares, undo
/// changes made by hand, create their namespace, and apply server-side (CRDs of
/// charts are often too large for a client-side apply's annotation).
fn sync_policy() -> serde_json::Value {
    json!({
        "automated": { "prune": true, "selfHeal": true },
        "syncOptions": ["CreateNamespace=true", "ServerSideApply=true"],
    })
}

/// A record with nothing to write (every field `none`), or no record at all.
fn is_empty(v: View) -> bool {
    v.entries().is_none_or(|mut e| e.next().is_none())
}

/// A model object from generated JSON, every value's origin at `span`; `values` (the
/// user's Helm values, with their own origins) goes under the Helm source's
/// `helm.valuesObject`.
fn object(json: serde_json::Value, span: Span, values: Option<View>) -> Object {
    let mut value = Value::from_json(&json, span);
    if let Some(values) = values {
        insert_values(&mut value, values.value().clone());
    }
    let meta = |k: &str| json.pointer(&format!("/metadata/{k}")).and_then(|v| v.as_str()).map(str::to_string);
    Object {
        api_version: API_VERSION.to_string(),
        kind: json["kind"].as_str().unwrap_or_default().to_string(),
        name: meta("name").unwrap_or_default(),
        namespace: meta("namespace"),
        value,
    }
}

/// Put `values` under the `helm` of the chart source (the only source with a `chart`).
fn insert_values(app: &mut Value, values: Value) {
    let Some(spec) = field_mut(app, "spec") else { return };
    let chart_source = if let Some(source) = field_mut(spec, "source") {
        Some(source)
    } else {
        match field_mut(spec, "sources").map(|s| &mut s.kind) {
            Some(ValueKind::List(items)) => items.iter_mut().find(|s| s.get("chart").is_some()),
            _ => None,
        }
    };
    if let Some(helm) = chart_source.and_then(|s| field_mut(s, "helm"))
        && let ValueKind::Record(fields) = &mut helm.kind
    {
        fields.insert("valuesObject".to_string(), values);
    }
}

fn field_mut<'v>(v: &'v mut Value, key: &str) -> Option<&'v mut Value> {
    match &mut v.kind {
        ValueKind::Record(fields) => fields.get_mut(key),
        _ => None,
    }
}
