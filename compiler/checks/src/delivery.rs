//! Delivery checks: what Helm and Argo CD would take silently and the platform team
//! would find out in production.
//!
//! - E0401: a chart version that is not one exact SemVer version (a range, `latest`, an
//!   app version such as `v2.10` where the chart is `6.7.9` is caught by E0402);
//! - E0402: the version a component asks for is not the one its chart module describes
//!   (the values type would describe another chart);
//! - E0406: two releases of one name in one namespace (Helm refuses the second);
//! - E0407: a container image that is not pinned (no tag, `latest`, no digest): an
//!   error in a production environment, a warning elsewhere;
//! - E0408: a delivery `release` that names a moving branch (`HEAD`, `main`,
//!   `master`), which production environments would then follow;
//! - E0409: in an environment cedc delivers, an object of a kind that is not built into
//!   Kubernetes and whose CRD no component of the environment installs (when cedc
//!   delivers an environment it knows everything installed there);
//! - E0410 (warning): the delivering component installs Argo CD with the `argo-cd`
//!   chart without the Application health check in `configs.cm`, so Argo CD would not
//!   wait between sync waves.
//!
//! Invariants: one pass over the environment's components and objects; releases are
//! found through one map keyed by namespace and name, never by comparing pairs.

use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::core::{Container, Pod, Workload};
use cedc_model::views::delivery::{Delivery, Release};
use cedc_model::{Environment, Object, ObjectView, View};
use cedc_schema::{Registry, Source};
use std::collections::{BTreeMap, BTreeSet};

/// Run every delivery check on `env`.
pub fn check(env: &Environment, host: Option<&Environment>, registry: &Registry, diags: &mut Diagnostics) {
    let production = env.is_production();
    let mut out = Vec::new();
    let mut releases: BTreeMap<(&str, &str), Span> = BTreeMap::new();
    for c in &env.components {
        if let Some(r) = c.chart.as_deref().map(|r| Release(View::new(r))) {
            versions(r, &mut out);
            if let Some(name) = r.name().and_then(|n| n.str().map(|s| (s, n.span()))) {
                release_name(&c.namespace, name, &mut releases, &mut out);
            }
        }
        if let Some(d) = c.delivery.as_deref().map(|d| Delivery(View::new(d))) {
            pinned_release(d, &mut out);
            if let Some(r) = c.chart.as_deref().map(|r| Release(View::new(r))) {
                application_health(d, r, &mut out);
            }
        }
        for o in &c.objects {
            images(o, production, &mut out);
        }
    }
    if !env.delivery.is_empty() {
        installers(env, host, registry, &mut out);
    }
    diags.extend(out.into_iter().map(|d| d.in_env(&env.name)));
}

/// E0409 for each object whose kind's CRD nothing in `env` installs. The installed kinds
/// are indexed once; each object is one look-up. A virtual cluster has its own API
/// server: the CRDs of its `host` do not count, but are named in the help.
fn installers(env: &Environment, host: Option<&Environment>, registry: &Registry, out: &mut Vec<Diagnostic>) {
    let kinds = |e: &Environment| -> BTreeSet<(String, String)> {
        e.components.iter().flat_map(|c| c.installed_kinds().map(|(k, _)| k)).collect()
    };
    let installed = kinds(env);
    let in_host = host.map(kinds).unwrap_or_default();
    let mut reported = BTreeSet::new();
    for c in &env.components {
        for o in c.visible_objects() {
            let builtin = match registry.lookup(&o.api_version, &o.kind) {
                Some(k) => k.source == Source::Builtin,
                None => o.group().is_empty() || !o.group().contains('.'),
            };
            let key = (o.group().to_string(), o.kind.to_string());
            if builtin || installed.contains(&key) {
                continue;
            }
            let help = match host.filter(|_| in_host.contains(&key)) {
                Some(h) => format!("the host `{}` installs this CRD, but a virtual cluster has its own API server and CRDs: install it in this environment too (deploy the installing component here, `envs:`)", h.name),
                None => "add the component that installs it (a chart whose `installs.crds` lists the kind, or the CustomResourceDefinition object) to this environment; cedc then also syncs it first".into(),
            };
            if !reported.insert(key) {
                continue;
            }
            out.push(
                Diagnostic::error(
                    "E0409",
                    format!("nothing in this environment installs the CRD of {} ({})", o.kind, o.api_version),
                )
                .at(o.name_span(), format!("a {} of component `{}`", o.kind, c.name))
                .help(help),
            );
        }
    }
}

/// The chart that installs Argo CD, and the `argocd-cm` key of the health check of
/// Applications, which Argo CD has not assessed by default since 1.8.
const ARGO_CD_CHART: &str = "argo-cd";
pub const APPLICATION_HEALTH_KEY: &str = "resource.customizations.health.argoproj.io_Application";

/// E0410: the delivering component installs Argo CD's chart without the health check
/// that makes sync waves of Applications wait for each other.
fn application_health(d: Delivery, r: Release, out: &mut Vec<Diagnostic>) {
    if r.chart().and_then(|c| c.name()).and_then(View::str) != Some(ARGO_CD_CHART) {
        return;
    }
    let set = r.values().and_then(|v| v.at(&["configs", "cm", APPLICATION_HEALTH_KEY])).is_some();
    if !set {
        out.push(
            Diagnostic::warning("E0410", "Argo CD will not wait between the sync waves of the generated Applications")
                .at(d.span(), "delivers with Argo CD")
                .also(r.values().map_or(r.span(), |v| v.span()), "values without the Application health check")
                .help(format!("set `configs.cm.\"{APPLICATION_HEALTH_KEY}\"` in the argo-cd chart's values to a Lua health check returning the Application's `status.health` (docs/delivery.md#sync-order)")),
        );
    }
}

/// E0401 and E0402 for one release.
fn versions(r: Release, out: &mut Vec<Diagnostic>) {
    let asked = r.version();
    let declared = r.chart().and_then(|c| c.version());
    for v in asked.iter().chain(declared.iter()) {
        if let Some(text) = v.str()
            && let Err(why) = exact_version(text)
        {
            out.push(
                Diagnostic::error("E0401", format!("chart version `{text}` is not an exact version: {why}"))
                    .at(v.span(), "not an exact version")
                    .help("pin the chart to one SemVer version, such as `1.21.1`: a range or `latest` lets Argo CD install whatever is newest when it syncs"),
            );
            return;
        }
    }
    let (Some(asked), Some(declared)) = (asked, declared) else { return };
    if asked.str() != declared.str() {
        out.push(
            Diagnostic::error(
                "E0402",
                format!(
                    "this component asks for chart version `{}`, but its chart module describes `{}`",
                    asked.str().unwrap_or_default(),
                    declared.str().unwrap_or_default()
                ),
            )
            .at(asked.span(), "version asked for")
            .also(declared.span(), "version the module describes")
            .help("the values type and installs of a chart module belong to one version: regenerate the module for the new version with `cedc import chart`, or ask for the module's version"),
        );
    }
}

/// Whether `v` is one SemVer version (an optional leading `v` is allowed, as some charts
/// use it); the reason when not.
pub fn exact_version(v: &str) -> Result<(), String> {
    let bare = v.strip_prefix('v').unwrap_or(v);
    if bare.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(c) = bare.chars().find(|c| matches!(c, '^' | '~' | '>' | '<' | '=' | '*' | ' ' | '|' | ',')) {
        return Err(format!("`{c}` makes it a range"));
    }
    semver::Version::parse(bare).map(|_| ()).map_err(|e| match bare.split('.').count() {
        1 | 2 => "SemVer has three numbers: major.minor.patch".into(),
        _ => e.to_string(),
    })
}

/// E0406: a second release of one name in one namespace.
fn release_name<'a>(
    namespace: &'a str,
    (name, span): (&'a str, Span),
    releases: &mut BTreeMap<(&'a str, &'a str), Span>,
    out: &mut Vec<Diagnostic>,
) {
    match releases.get(&(namespace, name)) {
        Some(first) => out.push(
            Diagnostic::error("E0406", format!("two Helm releases are named `{name}` in namespace `{namespace}`"))
                .at(span, "second release")
                .also(*first, "first release")
                .help("a release name is unique in its namespace: give one of them another name with `release:`"),
        ),
        None => {
            releases.insert((namespace, name), span);
        }
    }
}

/// Branch names that move: a production environment tracking one deploys whatever was
/// pushed last.
pub(crate) const MOVING_REVISIONS: &[&str] = &["HEAD", "main", "master", "develop", "trunk"];

/// E0408: the release production tracks is a moving branch.
fn pinned_release(d: Delivery, out: &mut Vec<Diagnostic>) {
    let Some(release) = d.release() else { return };
    let Some(text) = release.str() else { return };
    if text.is_empty() || MOVING_REVISIONS.contains(&text) {
        out.push(
            Diagnostic::error("E0408", format!("production environments would track `{text}`, a moving revision"))
                .at(release.span(), "not a release")
                .help("set `release` to a tag or a commit that names what production runs (`v1.4.0`); `revision` is what other environments track"),
        );
    }
}

/// E0407 for each container image of `o` that is not pinned.
fn images(o: &Object, production: bool, out: &mut Vec<Diagnostic>) {
    let spec = match (Workload::cast(o), Pod::cast(o)) {
        (Some(w), _) => w.template().and_then(|t| t.pod_spec()),
        (_, Some(p)) => p.pod_spec(),
        _ => None,
    };
    let Some(spec) = spec else { return };
    for c in spec.containers().chain(spec.init_containers()) {
        if let Some(image) = Container::image(c)
            && let Some(text) = image.str()
            && let Some(why) = unpinned(text)
        {
            let message = format!("image `{text}` is not pinned: {why}");
            let d =
                if production { Diagnostic::error("E0407", message) } else { Diagnostic::warning("E0407", message) };
            out.push(
                d.at(image.span(), "mutable image")
                    .help("give the image an exact tag (`nginx:1.27.3`) or a digest (`@sha256:…`): a moving tag deploys whatever was pushed last, and differs between nodes"),
            );
        }
    }
}

/// Why an image reference is not pinned, or `None` when it is.
fn unpinned(image: &str) -> Option<&'static str> {
    if image.contains("@sha256:") {
        return None;
    }
    // The tag follows the last `:` after the last `/` (a registry's port is before it).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        None => Some("it has no tag, so it means `latest`"),
        Some((_, "latest")) => Some("`latest` moves"),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_versions_and_ranges() {
        assert!(exact_version("1.21.1").is_ok());
        assert!(exact_version("v1.13.1").is_ok(), "cert-manager's charts are versioned `v…`");
        assert!(exact_version("1.0.0-rc.1").is_ok());
        assert!(exact_version("^1.2.0").is_err());
        assert!(exact_version("~1.2").is_err());
        assert!(exact_version(">=1.0.0 <2.0.0").is_err());
        assert!(exact_version("1.x").is_err());
        assert!(exact_version("latest").is_err());
        assert!(exact_version("6.7").is_err());
        assert!(exact_version("").is_err());
    }

    #[test]
    fn pinned_and_moving_images() {
        assert_eq!(unpinned("nginx:1.27"), None);
        assert_eq!(unpinned("registry:5000/team/app:2.0.1"), None);
        assert_eq!(unpinned("ghcr.io/x/y@sha256:abcd"), None);
        assert!(unpinned("nginx").is_some());
        assert!(unpinned("registry:5000/team/app").is_some(), "a port is not a tag");
        assert!(unpinned("nginx:latest").is_some());
    }
}
