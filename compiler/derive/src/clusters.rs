//! Clusters: what the `cluster:` of each environment implies, derived once for the whole
//! platform before the per-environment generators run.
//!
//! A virtual-cluster environment (`clusters.vcluster(host: prod, ...)`) runs as a Helm
//! release of the vcluster chart in its host's cluster. This pass
//!
//! - checks the declaration: a virtual cluster's `host` is a host-cluster environment
//!   (E0450), its release name (`vcluster-<env>` unless `namespace` is given) is one Helm
//!   accepts (E0451), no two virtual clusters share a host namespace (E0452), and the
//!   component cedc adds for it does not clash with a declared one (E0453), and its
//!   control-plane image runs the Kubernetes version it declares (E0459), and the chart
//!   version it asks for takes the values layout they are written in (E0485);
//! - adds to the host environment a component named after the release, in its
//!   namespace, installing the chart with the values `std/clusters` derived from `sync`
//!   (the Applications generator then delivers it like any chart component), with the
//!   Service the chart creates among its installed objects;
//! - returns, per virtual environment, the [`Hosted`] facts the Applications generator
//!   needs: the address Argo CD reaches it at (derived from release and namespace, never
//!   typed: [`vcluster_server`]), and where it was declared.
//!
//! Invariants: only the model is read; environments are visited in declaration order;
//! every generated value's origin is the `cluster:` declaration of the virtual
//! environment (its `namespace` when written).

use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::cluster::{VirtualCluster, k3s_image_version, kubernetes_minor, vcluster_server};
use cedc_model::{Component, ComponentInfo, Environment, Object, Platform, Value, ValueKind, View};
use serde_json::json;
use std::collections::BTreeMap;

/// What the delivery of a platform needs to know of one virtual-cluster environment.
#[derive(Clone, Debug)]
pub struct Hosted {
    /// The virtual environment.
    pub env: String,
    /// Its host environment.
    pub host: String,
    /// Its release name, which is also its namespace in the host.
    pub release: String,
    /// Where Argo CD reaches its API server.
    pub server: String,
    /// What chose its release in the `.ced` input (its `namespace:` argument, else the
    /// environment's declaration): where what is generated for it comes from.
    pub span: Span,
}

/// Helm's limit on a release name (it becomes part of object names and labels).
const RELEASE_MAX: usize = 53;

/// Check every environment's cluster, add each virtual cluster's install to its host,
/// and return what delivery needs of the virtual environments.
pub fn derive(platform: &mut Platform) -> (Vec<Hosted>, Diagnostics) {
    let mut diags = Vec::new();
    let mut hosted = Vec::new();
    let mut installs: Vec<(String, Component)> = Vec::new();
    let mut namespaces: BTreeMap<(String, String), (String, Span)> = BTreeMap::new();
    for env in &platform.envs {
        let Some(v) = env.virtual_cluster() else { continue };
        let Some(h) = host(platform, env, v, &mut diags) else { continue };
        let Some((release, at)) = release(env, v, &mut diags) else { continue };
        let key = (h.clone(), release.clone());
        if let Some((other, first)) = namespaces.get(&key) {
            diags.push(
                Diagnostic::error(
                    "E0452",
                    format!("virtual clusters `{other}` and `{}` both run in namespace `{release}` of `{h}`", env.name),
                )
                .at(at, "second virtual cluster here")
                .also(*first, "first one")
                .help("give one of them another `namespace:` (each virtual cluster is its own Helm release)")
                .in_env(&env.name),
            );
            continue;
        }
        namespaces.insert(key, (env.name.clone(), at));
        image_version(env, v, &mut diags);
        chart_version(env, v, &mut diags);
        let server = vcluster_server(&release, &release);
        installs.push((h.clone(), install(v, &release, at)));
        hosted.push(Hosted { env: env.name.clone(), host: h, release, server, span: at });
    }
    for (h, c) in installs {
        add_install(platform, &h, c, &mut diags);
    }
    (hosted, diags)
}

/// The host environment of virtual cluster `v` (of `env`), when it is a host cluster.
fn host(platform: &Platform, env: &Environment, v: VirtualCluster, diags: &mut Diagnostics) -> Option<String> {
    let at = v.host()?;
    let name = at.env()?;
    let host = platform.env(name)?;
    if host.cluster().and_then(|c| c.host()).is_some() {
        return Some(name.to_string());
    }
    let why = if name == env.name {
        "a virtual cluster cannot run inside itself".to_string()
    } else if host.virtual_cluster().is_some() {
        format!("`{name}` is itself a virtual cluster; cedc installs virtual clusters in host clusters only")
    } else {
        format!("`{name}` does not say what it runs on")
    };
    diags.push(
        Diagnostic::error("E0450", format!("the host of `{}` is not a host cluster: {why}", env.name))
            .at(at.span(), "not a host cluster")
            .help(format!(
                "name an environment declared with `cluster: clusters.host(...)` as `host`, or declare `{name}` so"
            ))
            .in_env(&env.name),
    );
    None
}

/// E0459 when the control-plane image of virtual cluster `v` runs another Kubernetes
/// minor version than the one `env` declares (the checks of `env` go by the declared one).
fn image_version(env: &Environment, v: VirtualCluster, diags: &mut Diagnostics) {
    let (Some(declared), Some(image)) = (v.kubernetes(), v.image()) else { return };
    let (Some(text), Some(tag)) = (declared.str(), image.str()) else { return };
    let Some(runs) = k3s_image_version(tag) else { return };
    let (Some(want), Some(got)) = (kubernetes_minor(text), kubernetes_minor(runs)) else { return };
    if want == got {
        return;
    }
    diags.push(
        Diagnostic::error(
            "E0459",
            format!("`{}` declares Kubernetes {text}, but its virtual control plane runs `{tag}` (Kubernetes {runs})", env.name),
        )
        .at(declared.span(), "the declared version")
        .also(image.span(), "the image that runs")
        .help(format!(
            "declare `kubernetes: \"1.{got}\"`, or give `clusters.vcluster(...)` an `image:` of Kubernetes 1.{want} (such as `rancher/k3s:v1.{want}.<patch>-k3s1`)"
        ))
        .in_env(&env.name),
    );
}

/// E0485 when the vcluster chart asked for is of another minor version than the one the
/// values are written for: vcluster changed its values between minor versions (0.20
/// replaced the whole layout), and a values file shared by two versions silently
/// configures one of them wrong.
fn chart_version(env: &Environment, v: VirtualCluster, diags: &mut Diagnostics) {
    let Some(asked) = v.chart().and_then(|c| c.version()) else { return };
    let Some(layout) = v.values_for() else { return };
    let (Some(text), Some(layout_text)) = (asked.str(), layout.str()) else { return };
    let minor = |t: &str| -> Option<(u64, u64)> {
        let v = semver::Version::parse(t.strip_prefix('v').unwrap_or(t)).ok()?;
        Some((v.major, v.minor))
    };
    if minor(text).is_some() && minor(text) == minor(layout_text) {
        return;
    }
    diags.push(
        Diagnostic::error(
            "E0485",
            format!("the virtual cluster of `{}` asks for vcluster chart {text}, whose values differ from the {layout_text} layout cedc writes", env.name),
        )
        .at(asked.span(), "the chart version")
        .help(format!("ask for a {} release (`version:` of `clusters.vcluster`), whose values cedc knows; another minor version needs its own values layout", layout_text.rsplit_once('.').map_or(layout_text, |(m, _)| m)))
        .in_env(&env.name),
    );
}

/// The release (and namespace) of virtual cluster `v` with the span that chose it.
fn release(env: &Environment, v: VirtualCluster, diags: &mut Diagnostics) -> Option<(String, Span)> {
    let name = v.namespace_for(&env.name);
    let at = v.namespace().filter(|n| n.str().is_some()).map_or(env.span, View::span);
    if name.len() <= RELEASE_MAX {
        return Some((name, at));
    }
    diags.push(
        Diagnostic::error(
            "E0451",
            format!(
                "the virtual cluster of `{}` would be released as `{name}`, {} characters long",
                env.name,
                name.len()
            ),
        )
        .at(at, "names the release")
        .help(format!(
            "Helm release names have at most {RELEASE_MAX} characters: give the virtual cluster a shorter `namespace:`"
        ))
        .in_env(&env.name),
    );
    None
}

/// The component installing virtual cluster `v` as `release` (also its namespace).
fn install(v: VirtualCluster, release: &str, at: Span) -> Component {
    let span = v.span();
    let mut c = Component::new(release, at, release, Vec::new());
    let mut fields = cedc_model::Fields::new();
    if let Some(chart) = v.chart() {
        fields.insert("chart".into(), chart.view().value().clone());
        if let Some(version) = chart.version() {
            fields.insert("version".into(), version.value().clone());
        }
    }
    fields.insert("name".into(), Value::str(release, at));
    if let Some(values) = v.values() {
        fields.insert("values".into(), values.value().clone());
    }
    fields.insert("installs".into(), Value::from_json(&json!({ "crds": [], "objects": [] }), span));
    c.chart = Some(Box::new(Value::new(ValueKind::Record(fields), span)));
    c.installed = vec![service(release, span)];
    c
}

/// The Service the vcluster chart creates for the virtual API server: named after the
/// release, port 443 (what [`vcluster_server`] addresses).
fn service(release: &str, span: Span) -> Object {
    let json = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": { "name": release, "namespace": release },
        "spec": {
            "selector": { "app": "vcluster", "release": release },
            "ports": [{ "name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP" }],
        },
    });
    Object::from_json(&json, span)
}

/// Add the install component `c` to environment `host`, unless a declared component
/// there has its name (E0453).
fn add_install(platform: &mut Platform, host: &str, c: Component, diags: &mut Diagnostics) {
    let Some(env) = platform.envs.iter_mut().find(|e| e.name == host) else { return };
    if let Some(other) = env.components.iter().find(|o| o.name == c.name) {
        diags.push(
            Diagnostic::error(
                "E0453",
                format!("component `{}` has the name of the virtual cluster cedc installs in `{host}`", c.name),
            )
            .at(c.span, "the virtual cluster's release")
            .also(other.span, "the component")
            .help("rename the component, or give the virtual cluster another `namespace:`")
            .in_env(host),
        );
        return;
    }
    if !platform.components.iter().any(|i| i.name == c.name) {
        platform.components.push(ComponentInfo { name: c.name.clone(), span: c.span });
    }
    env.components.push(c);
}
