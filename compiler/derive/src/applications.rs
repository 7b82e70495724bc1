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
//! environment `delivery.revision`.
//!
//! A virtual-cluster environment with no delivering component of its own is delivered by
//! the Argo CD of its host (a [`Remote`]): its directory holds only its components'
//! Applications, each targeting the virtual cluster's address; the host's directory
//! holds the AppProject (whose destinations include the virtual cluster's namespaces),
//! the virtual cluster's registration and its root Application, both synced after the
//! component installing the virtual cluster. Everything else targets the cluster Argo
//! CD runs in.
//!
//! A registration is the Argo CD cluster Secret `cluster-<env>`, made by the External
//! Secrets Operator from the credentials the vcluster chart writes when the virtual
//! cluster starts (they do not exist when cedc builds): a ServiceAccount in Argo CD's
//! namespace allowed (Role and RoleBinding) to read only the Secret `vc-<release>` of the
//! virtual cluster's namespace, a SecretStore reading that namespace as it, and an
//! ExternalSecret templating the Secret in Argo CD's format. Where Argo CD registers
//! virtual clusters, a component must install the operator's kinds (E0476).
//!
//! Invariants: every path an Application names is one the Kustomize emitter writes,
//! built by [`Layout`]; objects come out in a fixed order (project, root, then the
//! components in declaration order); each generated value's origin is the declaration
//! that asked for it (the component, its chart, the delivery settings).

use crate::clusters::Hosted;
use crate::order::{self, Order};
use crate::{Context, Generator, delivery_of};
use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::argocd::{
    API_VERSION, APP_PROJECT, APPLICATION, IN_CLUSTER, RESOURCES_FINALIZER, SKIP_DRY_RUN_ON_MISSING_RESOURCE,
    SYNC_OPTIONS, SYNC_WAVE,
};
use cedc_model::views::cluster::{
    self as cluster, ENVIRONMENT_LABEL, SECRET_TYPE_CLUSTER, SECRET_TYPE_LABEL, registration_name, vcluster_credentials,
};
use cedc_model::views::delivery::{Delivery, OCI_SCHEME, Release};
use cedc_model::views::eso::{self, ClusterCopy};
use cedc_model::{Component, Environment, Layout, Object, Platform, Value, ValueKind, View};
use serde_json::json;

/// Generates the app-of-apps of each environment that has a delivering component, and
/// the Applications of each virtual cluster its host's Argo CD delivers.
pub struct Applications;

impl Generator for Applications {
    fn generate(&self, env: &mut Environment, cx: &Context) -> Diagnostics {
        let mut diags = Vec::new();
        let order = order::order(env, cx, &mut diags);
        if let Some(at) = deliverer(env, &mut diags) {
            let c = &env.components[at];
            let Some(d) = c.delivery.as_deref() else { return diags };
            let Some(settings) = Settings::read(env.is_production(), d, &c.namespace) else { return diags };
            let remotes: Vec<&Remote> = cx.remote.iter().filter(|r| r.hosted.host == env.name).collect();
            let mut registrar = Registrar::new(env, &order);
            env.delivery = app_of_apps(env, &settings, &order, &remotes, &mut registrar);
            env.delivery.extend(sandbox_projects(env, &settings, &own_server(env), &mut registrar));
            diags.extend(registrar.finish(env));
        } else if let Some(r) = cx.remote.iter().find(|r| r.hosted.env == env.name) {
            let Some(settings) = Settings::read(env.is_production(), &r.delivery, &r.argocd_namespace) else {
                return diags;
            };
            env.delivery = applications(env, &settings, &order, &r.hosted.server);
            // Virtual-cluster sandboxes cannot be nested in a virtual cluster (E0484).
            let mut registrar = Registrar::new(env, &order);
            env.delivery.extend(sandbox_projects(env, &settings, &r.hosted.server, &mut registrar));
        }
        diags
    }
}

/// A virtual-cluster environment delivered by the Argo CD of its host.
#[derive(Clone, Debug)]
pub struct Remote {
    pub hosted: Hosted,
    /// The host's delivery settings and the namespace its Argo CD runs in.
    delivery: Value,
    argocd_namespace: String,
    /// Whether the virtual environment is production (what its root tracks).
    production: bool,
    /// The namespaces its components deploy to, and the repositories of their charts:
    /// the host's AppProject admits them.
    namespaces: Vec<String>,
    repos: Vec<String>,
}

/// The virtual-cluster environments their host's Argo CD delivers: those without a
/// delivering component of their own whose host has one.
pub fn remotes(platform: &Platform, hosted: &[Hosted]) -> Vec<Remote> {
    hosted
        .iter()
        .filter_map(|h| {
            let env = platform.env(&h.env)?;
            if delivery_of(env).is_some() {
                return None;
            }
            let (delivery, ns) = delivery_of(platform.env(&h.host)?)?;
            Some(Remote {
                hosted: h.clone(),
                delivery: delivery.clone(),
                argocd_namespace: ns.to_string(),
                production: env.is_production(),
                namespaces: object_namespaces(env).map(str::to_string).collect(),
                repos: env.components.iter().filter_map(chart_repository).collect(),
            })
        })
        .collect()
}

/// The index of the component delivering `env`; two is E0400.
fn deliverer(env: &Environment, diags: &mut Diagnostics) -> Option<usize> {
    let mut found = env.components.iter().enumerate().filter(|(_, c)| c.delivery.is_some());
    let (first, c) = found.next()?;
    for (_, other) in found {
        let span = other.delivery.as_deref().map_or(other.span, Value::span);
        let first_span = c.delivery.as_deref().map_or(c.span, Value::span);
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
    /// The settings of delivery `d` (a prelude `Delivery`) by the Argo CD running in
    /// `argocd_namespace`, for a production environment or not.
    fn read(production: bool, d: &Value, argocd_namespace: &str) -> Option<Settings> {
        let d = Delivery(View::new(d));
        let revision = if production { d.release() } else { d.revision() };
        let path = d.path()?.str()?.trim_matches('/');
        Some(Settings {
            argocd_namespace: argocd_namespace.to_string(),
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

/// The objects delivering `env`: the project, the root Application, one Application
/// per component with something to deploy, then the registration and the root of each
/// virtual cluster of `remotes` (those this environment's Argo CD delivers).
fn app_of_apps(
    env: &Environment,
    s: &Settings,
    order: &Order,
    remotes: &[&Remote],
    reg: &mut Registrar,
) -> Vec<Object> {
    let mut out = vec![project(env, s, remotes), root(&env.name, s, s.span)];
    out.extend(applications(env, s, order, &own_server(env)));
    for r in remotes {
        let installed = env.components.iter().position(|c| c.name == r.hosted.release);
        let wave = installed.map_or(0, |i| order.waves[i] + 1).to_string();
        let Some(theirs) = Settings::read(r.production, &r.delivery, &r.argocd_namespace) else { continue };
        out.extend(reg.register(&r.hosted, s, &s.project, installed.map(|i| order.waves[i])));
        let mut root = root(&r.hosted.env, &theirs, r.hosted.span);
        if let ValueKind::Record(fields) = &mut root.value.kind
            && let Some(meta) = fields.get_mut("metadata")
            && let ValueKind::Record(meta) = &mut meta.kind
        {
            meta.insert("annotations".into(), Value::from_json(&json!({ SYNC_WAVE: wave }), r.hosted.span));
        }
        out.push(root);
    }
    out
}

/// Every namespace the components of `env` deploy to: their own, and those their
/// objects name (a sandbox's, a ReferenceGrant's): the AppProject admits each.
fn object_namespaces(env: &Environment) -> impl Iterator<Item = &str> {
    env.components.iter().flat_map(|c| {
        let objects = c.objects.iter().filter_map(|o| o.namespace.as_deref());
        std::iter::once(c.namespace.as_str()).chain(objects)
    })
}

/// Where the Argo CD running in `env` reaches `env`'s own cluster: the `server` its host
/// cluster declares (in-cluster by default, and for environments that declare no cluster).
fn own_server(env: &Environment) -> String {
    let server = env.cluster().and_then(|c| c.host()).and_then(|h| h.server());
    server.and_then(View::str).unwrap_or(IN_CLUSTER).to_string()
}

/// One Application per component of `env` with something to deploy, targeting the
/// cluster at `server`.
fn applications(env: &Environment, s: &Settings, order: &Order, server: &str) -> Vec<Object> {
    let apps = env.components.iter().enumerate();
    apps.filter_map(|(i, c)| application(env, c, s, order.waves[i], server)).collect()
}

/// The registrations Argo CD makes of virtual clusters in one environment, and the
/// component copying their credentials (the one installing the External Secrets
/// Operator's kinds), found once.
struct Registrar {
    /// The sync wave of that component.
    copier: Option<u32>,
    /// Where registrations were asked for without it.
    uncopied: Vec<Span>,
}

impl Registrar {
    fn new(env: &Environment, order: &Order) -> Registrar {
        let wanted = [eso::SECRET_STORE, eso::EXTERNAL_SECRET];
        let copier = env.components.iter().position(|c| {
            let kinds: Vec<(String, String)> = c.installed_kinds().map(|(k, _)| k).collect();
            wanted.iter().all(|w| kinds.iter().any(|(g, k)| g == eso::GROUP && k == w))
        });
        Registrar { copier: copier.map(|i| order.waves[i]), uncopied: Vec::new() }
    }

    /// The objects registering virtual cluster `h` in the Argo CD of `s`, in `project`,
    /// synced after the component installing it (at wave `installed`) and after the
    /// operator copying its credentials.
    fn register(&mut self, h: &Hosted, s: &Settings, project: &str, installed: Option<u32>) -> Vec<Object> {
        let Some(copier) = self.copier else {
            self.uncopied.push(h.span);
            return vec![uncopied_registration(h, s, project)];
        };
        let wave = installed.map_or(copier, |w| w.max(copier)) + 1;
        registration(h, s, project, &wave.to_string())
    }

    /// E0476 when a registration was asked for with nothing to copy its credentials.
    fn finish(self, env: &Environment) -> Diagnostics {
        let Some((first, others)) = self.uncopied.split_first() else { return Vec::new() };
        let mut d = Diagnostic::error(
            "E0476",
            format!(
                "Argo CD in `{}` cannot log in to the virtual clusters it delivers: nothing copies their credentials",
                env.name
            ),
        )
        .at(*first, "a virtual cluster Argo CD must log in to");
        for span in others {
            d = d.also(*span, "another");
        }
        vec![d.help(format!(
            "install the External Secrets Operator in `{}` (`import \"std/charts/external-secrets\" as eso` and a \
             component with `chart: eso.install(version: \"2.9.0\")`): cedc then copies the certificates each virtual \
             cluster writes into its namespace (`vc-<release>`) into its registration (docs/environments.md)",
            env.name
        ))]
    }
}

/// The objects registering virtual cluster `h` (`cluster-<env>`) in the Argo CD of `s`,
/// all at sync `wave`: in Argo CD's namespace a ServiceAccount, a SecretStore reading
/// the virtual cluster's namespace as it, and an ExternalSecret making the cluster Secret
/// (labels, `name`, the derived `server`, `project`, and `config` templated from the
/// certificates); in the virtual cluster's namespace a Role reading only the Secret the
/// vcluster chart writes there, bound to that ServiceAccount.
fn registration(h: &Hosted, s: &Settings, project: &str, wave: &str) -> Vec<Object> {
    let name = registration_name(&h.env);
    let argocd = &s.argocd_namespace;
    let source = vcluster_credentials(&h.release);
    let reader = format!("{argocd}-{name}");
    let plain = json!({ SYNC_WAVE: wave });
    let late_kind = json!({ SYNC_WAVE: wave, SYNC_OPTIONS: SKIP_DRY_RUN_ON_MISSING_RESOURCE });
    let rbac = "rbac.authorization.k8s.io";
    let data: Vec<_> = ClusterCopy::KEYS
        .iter()
        .map(|(var, key)| json!({ "secretKey": var, "remoteRef": { "key": source, "property": key } }))
        .collect();
    let objects = [
        json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": { "name": name, "namespace": argocd, "annotations": plain },
        }),
        json!({
            "apiVersion": format!("{rbac}/v1"), "kind": "Role",
            "metadata": { "name": reader, "namespace": h.release, "annotations": plain },
            "rules": [{ "apiGroups": [""], "resources": ["secrets"], "resourceNames": [source], "verbs": ["get"] }],
        }),
        json!({
            "apiVersion": format!("{rbac}/v1"), "kind": "RoleBinding",
            "metadata": { "name": reader, "namespace": h.release, "annotations": plain },
            "subjects": [{ "kind": "ServiceAccount", "name": name, "namespace": argocd }],
            "roleRef": { "apiGroup": rbac, "kind": "Role", "name": reader },
        }),
        json!({
            "apiVersion": eso::API_VERSION, "kind": eso::SECRET_STORE,
            "metadata": { "name": name, "namespace": argocd, "annotations": late_kind },
            "spec": { "provider": { "kubernetes": {
                "remoteNamespace": h.release,
                "server": {
                    "url": IN_CLUSTER,
                    "caProvider": { "type": "ConfigMap", "name": ROOT_CA_CONFIG_MAP, "key": ROOT_CA_KEY },
                },
                "auth": { "serviceAccount": { "name": name } },
            } } },
        }),
        json!({
            "apiVersion": eso::API_VERSION, "kind": eso::EXTERNAL_SECRET,
            "metadata": { "name": name, "namespace": argocd, "annotations": late_kind },
            "spec": {
                "refreshInterval": eso::REFRESH_INTERVAL,
                "secretStoreRef": { "kind": eso::SECRET_STORE, "name": name },
                "target": {
                    "name": name,
                    "creationPolicy": "Owner",
                    "template": {
                        "engineVersion": eso::TEMPLATE_ENGINE,
                        "type": "Opaque",
                        "metadata": { "labels": { SECRET_TYPE_LABEL: SECRET_TYPE_CLUSTER, ENVIRONMENT_LABEL: h.env } },
                        "data": {
                            "name": h.env,
                            "server": h.server,
                            "project": project,
                            "config": ClusterCopy::config_template(),
                        },
                    },
                },
                "data": data,
            },
        }),
    ];
    objects.into_iter().map(|o| api_object(o, h.span)).collect()
}

/// The registration of `h` without credentials, made only so the checks of what targets
/// the virtual cluster still run when E0476 stops the build.
fn uncopied_registration(h: &Hosted, s: &Settings, project: &str) -> Object {
    let json = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": registration_name(&h.env),
            "namespace": s.argocd_namespace,
            "labels": { SECRET_TYPE_LABEL: SECRET_TYPE_CLUSTER, ENVIRONMENT_LABEL: h.env },
        },
        "type": "Opaque",
        "stringData": { "name": h.env, "server": h.server, "project": project },
    });
    api_object(json, h.span)
}

/// The ConfigMap every namespace holds with the certificate authority of its cluster's
/// API server, and its key.
const ROOT_CA_CONFIG_MAP: &str = "kube-root-ca.crt";
const ROOT_CA_KEY: &str = "ca.crt";

/// A generated object of any API (not only Argo CD's).
fn api_object(json: serde_json::Value, span: Span) -> Object {
    let mut o = object(json.clone(), span, None);
    o.api_version = json["apiVersion"].as_str().unwrap_or_default().into();
    o
}

/// For each member sandbox of `env`'s components: an AppProject named after the sandbox,
/// deploying from any repository into the sandbox only (nothing cluster-wide), in the
/// cluster at `server`; for a virtual-cluster sandbox, into any namespace of it, with its
/// registration.
fn sandbox_projects(env: &Environment, s: &Settings, server: &str, reg: &mut Registrar) -> Vec<Object> {
    use cedc_model::views::sandbox::{Sandboxes, VCLUSTER_KIND};
    let mut out = Vec::new();
    for c in env.components.iter() {
        let Some(sandboxes) = c.sandboxes.as_deref().map(|v| Sandboxes(View::new(v))) else { continue };
        let vcluster = sandboxes.kind() == VCLUSTER_KIND;
        for ns in crate::sandboxes::member_namespaces(c) {
            let span = ns.name_span();
            let (destination, registration) = if vcluster {
                let hosted = Hosted {
                    env: ns.name.to_string(),
                    host: env.name.clone(),
                    release: ns.name.to_string(),
                    server: cluster::vcluster_server(&ns.name, &ns.name),
                    span,
                };
                (json!({ "server": hosted.server, "namespace": "*" }), reg.register(&hosted, s, &ns.name, None))
            } else {
                (json!({ "server": server, "namespace": *ns.name }), Vec::new())
            };
            let spec = json!({
                "description": format!("The sandbox {}, generated by cedc", ns.name),
                "sourceRepos": ["*"],
                "destinations": [destination],
                "namespaceResourceWhitelist": [{ "group": "*", "kind": "*" }],
            });
            out.push(app_project(s, &ns.name, spec, span));
            out.extend(registration);
        }
    }
    out
}

/// The sync wave of the AppProject, below every component's (which start at 0).
const PROJECT_WAVE: &str = "-1";

fn project(env: &Environment, s: &Settings, remotes: &[&Remote]) -> Object {
    let mut repos: Vec<String> = vec![s.repository.clone()];
    repos.extend(env.components.iter().filter_map(chart_repository));
    repos.extend(remotes.iter().flat_map(|r| r.repos.iter().cloned()));
    repos.sort();
    repos.dedup();
    let own = own_server(env);
    let mut namespaces: Vec<(&str, &str)> = object_namespaces(env).map(|ns| (own.as_str(), ns)).collect();
    namespaces.push((IN_CLUSTER, &s.argocd_namespace));
    namespaces.sort();
    namespaces.dedup();
    let mut destinations: Vec<_> =
        namespaces.iter().map(|(server, ns)| json!({ "server": server, "namespace": ns })).collect();
    for r in remotes {
        let mut theirs: Vec<&str> = r.namespaces.iter().map(String::as_str).collect();
        theirs.sort();
        theirs.dedup();
        destinations.extend(theirs.iter().map(|ns| json!({ "server": r.hosted.server, "namespace": ns })));
    }
    let spec = json!({
        "description": format!("The platform in {}, generated by cedc", env.name),
        "sourceRepos": repos,
        "destinations": destinations,
        "clusterResourceWhitelist": [{ "group": "*", "kind": "*" }],
    });
    app_project(s, &s.project, spec, s.span)
}

/// The AppProject `name` with `spec`, synced before every Application (Argo CD refuses an
/// Application of a missing project).
fn app_project(s: &Settings, name: &str, spec: serde_json::Value, span: Span) -> Object {
    let mut metadata = s.metadata(name);
    metadata["annotations"] = json!({ SYNC_WAVE: PROJECT_WAVE });
    let json = json!({ "apiVersion": API_VERSION, "kind": APP_PROJECT, "metadata": metadata, "spec": spec });
    object(json, span, None)
}

/// The Application deploying the directory of environment `env`'s Applications (in the
/// cluster Argo CD runs in, where Applications live), made for the declaration at `span`.
fn root(env: &str, s: &Settings, span: Span) -> Object {
    let name = format!("{}-{}", s.project, env);
    let json = json!({
        "apiVersion": API_VERSION,
        "kind": APPLICATION,
        "metadata": s.metadata(&name),
        "spec": {
            "project": s.project,
            "source": s.git_source(&Layout::apps(env)),
            "destination": { "server": IN_CLUSTER, "namespace": s.argocd_namespace },
            "syncPolicy": sync_policy(),
        },
    });
    object(json, span, None)
}

/// The Application of component `c`, or `None` when it deploys nothing in `env`; it
/// deploys to the cluster at `server`.
fn application(env: &Environment, c: &Component, s: &Settings, wave: u32, server: &str) -> Option<Object> {
    let release = c.chart.as_deref().map(|r| Release(View::new(r)));
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
    spec.insert("destination".into(), json!({ "server": server, "namespace": c.namespace }));
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
    let r = Release(View::new(c.chart.as_deref()?));
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
    let meta = |k: &str| json.pointer(&format!("/metadata/{k}")).and_then(|v| v.as_str()).map(std::sync::Arc::from);
    Object {
        api_version: API_VERSION.into(),
        kind: json["kind"].as_str().unwrap_or_default().into(),
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
            Some(ValueKind::List(items)) => {
                std::sync::Arc::make_mut(items).iter_mut().find(|s| s.get("chart").is_some())
            }
            _ => None,
        }
    };
    if let Some(helm) = chart_source.and_then(|s| field_mut(s, "helm"))
        && let ValueKind::Record(fields) = &mut helm.kind
    {
        fields.insert("valuesObject".into(), values);
    }
}

fn field_mut<'v>(v: &'v mut Value, key: &str) -> Option<&'v mut Value> {
    match &mut v.kind {
        ValueKind::Record(fields) => fields.get_mut(key),
        _ => None,
    }
}
