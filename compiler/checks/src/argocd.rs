//! Argo CD objects written by hand (during a migration, or for what cedc does not
//! generate): the rules Argo CD's CRD schema cannot express, each a mistake the
//! reference platform made.
//!
//! - E0411: a source names neither a `chart`, a `path` nor a `ref` (or both a chart and
//!   a path);
//! - E0412: `$values/…` anywhere but a Helm source's `valueFiles`, or there without a
//!   source of the Application declaring `ref: values`;
//! - E0413: a Helm chart source without `targetRevision` (Argo CD would take the newest);
//! - E0414: a destination that is not a cluster of the platform (until environments are
//!   clusters, the one Argo CD runs in: `https://kubernetes.default.svc` or
//!   `in-cluster`), or a project that does not exist (a `project` written under
//!   `destination` is an unknown field for the schema check);
//! - E0415: a git `path` in the platform's own repository, under the directory cedc
//!   writes, that cedc does not write (a stale path);
//! - E0416: an RBAC policy line (`argocd-rbac-cm`'s `policy.csv`, or the `configs.rbac`
//!   values of the chart of the delivering component) that does not parse, or names a
//!   project or an Application that does not exist;
//! - E0417: a source tracking what moves (a branch such as `main`, `HEAD` or
//!   `feature/x`, or a chart version range): an error in a production environment, a
//!   warning elsewhere;
//! - E0418: an ApplicationSet whose `clusters` generator selects labels no cluster
//!   registration of the environment carries (it would make no Application).
//!
//! Invariants: the directories cedc writes and the projects that exist are collected
//! once per environment; each source, destination and policy line is one look-up.

use cedc_diagnostics::{Diagnostic, Diagnostics};
use cedc_model::views::argocd::{
    APP_PROJECT, APPLICATION, AppSource, Application, ApplicationSet, Destination, GROUP, IN_CLUSTER,
};
use cedc_model::views::cluster::Registration;
use cedc_model::views::core::{CONFIG_MAP, GROUP as CORE};
use cedc_model::views::delivery::{Delivery, Release};
use cedc_model::{Environment, Layout, ObjectView, Platform, View};
use std::collections::{BTreeMap, BTreeSet};

/// The name Argo CD gives the cluster it runs in.
const IN_CLUSTER_NAME: &str = "in-cluster";
/// The project every Argo CD has.
const DEFAULT_PROJECT: &str = "default";
/// The ConfigMap holding Argo CD's RBAC policy, and its key.
const RBAC_CONFIG_MAP: &str = "argocd-rbac-cm";
const POLICY_KEY: &str = "policy.csv";
/// What a `$values/…` file refers to: the source with `ref: values`.
const VALUES_PREFIX: &str = "$";

/// What the Argo CD checks of one environment compare against.
struct Known<'a> {
    /// Directories of the output tree (relative to it).
    dirs: &'a OutputDirs<'a>,
    projects: BTreeSet<&'a str>,
    /// The Applications of the environment (generated and written), by name.
    applications: BTreeSet<&'a str>,
    /// The platform's repository and the output directory in it (`""` or `dir/`).
    repository: Option<(&'a str, String)>,
    /// The environment is declared `production: true`.
    production: bool,
    /// The clusters registered in the environment's Argo CD (cluster Secrets, generated
    /// for its virtual clusters or written), as (server, name); the cluster Argo CD runs
    /// in is always known.
    clusters: BTreeSet<(&'a str, &'a str)>,
}

/// The cluster registrations among `objects`: Secrets labelled as clusters, and the
/// ExternalSecrets making such Secrets.
fn registrations<'a>(objects: impl Iterator<Item = &'a cedc_model::Object>) -> impl Iterator<Item = Registration<'a>> {
    objects.filter_map(Registration::cast)
}

/// The registrations carrying each label: (key, value) → their positions.
type LabelIndex<'a> = BTreeMap<(&'a str, &'a str), BTreeSet<usize>>;

fn label_index<'a>(registrations: &[Registration<'a>]) -> LabelIndex<'a> {
    let mut index = LabelIndex::new();
    for (i, r) in registrations.iter().enumerate() {
        let labels = r.labels().and_then(View::entries).into_iter().flatten();
        for (k, v) in labels.filter_map(|(k, v)| Some((k, v.str()?))) {
            index.entry((k, v)).or_default().insert(i);
        }
    }
    index
}

/// E0418 for each cluster selector of the ApplicationSet `set` that no registered
/// cluster's labels match: its generator makes no Application. Each label of a selector
/// is one look-up in `labels`.
fn selectors(set: ApplicationSet, labels: &LabelIndex, registrations: usize, out: &mut Vec<Diagnostic>) {
    for selector in set.cluster_selectors() {
        let Some(wanted) = selector.entries() else { continue };
        let mut matching: Option<BTreeSet<usize>> = None;
        for (k, v) in wanted {
            let carrying = v.str().and_then(|v| labels.get(&(k, v))).cloned().unwrap_or_default();
            matching = Some(match matching {
                None => carrying,
                Some(m) => m.intersection(&carrying).copied().collect(),
            });
        }
        // An empty selector matches every registration.
        if matching.map_or(registrations > 0, |m| !m.is_empty()) {
            continue;
        }
        let known: BTreeSet<String> = labels.keys().map(|(k, v)| format!("`{k}: {v}`")).collect();
        out.push(
            Diagnostic::error("E0418", format!("ApplicationSet `{}` selects clusters that no registration matches", set.name()))
                .at(selector.span(), "matches no registered cluster")
                .help(if known.is_empty() {
                    "no cluster is registered here with labels; cedc labels the registrations of virtual clusters `cedc.dev/environment: <env>`".to_string()
                } else {
                    format!("registered clusters carry {}", known.into_iter().collect::<Vec<_>>().join(", "))
                }),
        );
    }
}

/// The clusters `registrations` register, with the cluster Argo CD runs in.
fn registered<'a>(registrations: &[Registration<'a>]) -> BTreeSet<(&'a str, &'a str)> {
    let mut out = BTreeSet::from([(IN_CLUSTER, IN_CLUSTER_NAME)]);
    for r in registrations {
        if let (Some(server), Some(name)) = (r.data("server"), r.data("name")) {
            out.insert((server, name));
        }
    }
    out
}

/// Every directory the Kustomize emitter and the delivery write, over all environments.
/// The directories of the output tree ([`output_dirs`]), made the first time a check
/// needs them: only an Application whose source is the platform's repository does.
pub struct OutputDirs<'p> {
    platform: &'p Platform,
    dirs: std::sync::OnceLock<BTreeSet<String>>,
}

impl<'p> OutputDirs<'p> {
    pub fn new(platform: &'p Platform) -> OutputDirs<'p> {
        OutputDirs { platform, dirs: std::sync::OnceLock::new() }
    }
    fn get(&self) -> &BTreeSet<String> {
        self.dirs.get_or_init(|| output_dirs(self.platform))
    }
}

fn output_dirs(platform: &Platform) -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for env in &platform.envs {
        dirs.insert(Layout::env_root(&env.name));
        if !env.delivery.is_empty() {
            dirs.insert(Layout::apps(&env.name));
        }
        for c in env.components.iter().filter(|c| !c.objects.is_empty()) {
            dirs.insert(Layout::component_overlay(&c.name, &env.name));
            dirs.insert(Layout::component_base(&c.name));
        }
    }
    dirs
}

/// Check the hand-written Argo CD objects of `env`.
pub fn check<'a>(env: &'a Environment, dirs: &'a OutputDirs<'a>, diags: &mut Diagnostics) {
    let objects = || env.written_objects();
    let mut projects: BTreeSet<&str> = BTreeSet::from([DEFAULT_PROJECT]);
    projects.extend(objects().filter(|o| o.group() == GROUP && &*o.kind == APP_PROJECT).map(|o| o.name.as_ref()));
    let deliverer = env.components.iter().find_map(|c| c.delivery.as_deref().map(|d| (c, Delivery(View::new(d)))));
    let repository = deliverer.and_then(|(_, d)| {
        let path = d.path()?.str()?.trim_matches('/');
        Some((d.repository()?.str()?, if path.is_empty() { String::new() } else { format!("{path}/") }))
    });
    let applications =
        objects().filter(|o| o.group() == GROUP && &*o.kind == APPLICATION).map(|o| o.name.as_ref()).collect();
    let production = env.is_production();
    let found: Vec<Registration> = registrations(objects()).collect();
    let mut clusters = registered(&found);
    let labels = label_index(&found);
    if let Some(server) = env.cluster().and_then(|c| c.host()).and_then(|h| h.server()).and_then(|s| s.str()) {
        clusters.insert((server, env.name.as_str()));
    }
    let known = Known { dirs, projects, applications, repository, production, clusters };
    let mut out = Vec::new();
    for c in &env.components {
        for app in c.objects.iter().filter_map(Application::cast) {
            application(app, &known, &mut out);
        }
        for set in c.objects.iter().filter_map(ApplicationSet::cast) {
            selectors(set, &labels, found.len(), &mut out);
        }
        for o in c.objects.iter().filter(|o| o.group() == CORE && &*o.kind == CONFIG_MAP && &*o.name == RBAC_CONFIG_MAP)
        {
            if let Some(policy) = View::new(&o.value).at(&["data", POLICY_KEY]) {
                rbac(policy, &known, &mut out);
            }
        }
    }
    if let Some((c, _)) = deliverer
        && let Some(r) = c.chart.as_deref().map(|r| Release(View::new(r)))
        && let Some(policy) = r.values().and_then(|v| v.at(&["configs", "rbac", POLICY_KEY]))
    {
        rbac(policy, &known, &mut out);
    }
    diags.extend(out.into_iter().map(|d| d.in_env(&env.name)));
}

/// The checks of one hand-written Application.
fn application(app: Application, known: &Known, out: &mut Vec<Diagnostic>) {
    let sources = app.sources();
    let has_values_ref = sources.iter().any(|s| s.reference().and_then(View::str) == Some("values"));
    for s in &sources {
        source(*s, has_values_ref, known, out);
    }
    if let Some(project) = app.project()
        && let Some(name) = project.str()
        && !known.projects.contains(name)
    {
        out.push(
            Diagnostic::error(
                "E0414",
                format!("Application `{}` belongs to project `{name}`, which does not exist", app.name()),
            )
            .at(project.span(), "no such AppProject")
            .help("name the project cedc generates (`delivery.project`), `default`, or an AppProject of the platform"),
        );
    }
    if let Some(d) = app.destination() {
        destination(d, app.name(), &known.clusters, out);
    }
}

fn source(s: AppSource, has_values_ref: bool, known: &Known, out: &mut Vec<Diagnostic>) {
    let chart = s.chart();
    let path = s.path();
    let reference = s.reference();
    if (chart.is_none() && path.is_none() && reference.is_none()) || (chart.is_some() && path.is_some()) {
        let why = if chart.is_some() { "names both a chart and a path" } else { "names no chart, path or ref" };
        out.push(
            Diagnostic::error("E0411", format!("this Application source {why}"))
                .at(s.span(), "source")
                .help("a source deploys a Helm `chart` (with `targetRevision`), a git `path`, or is a `ref` other sources read values files from"),
        );
    }
    if let Some(p) = path.filter(|p| p.str().is_some_and(|t| t.starts_with(VALUES_PREFIX))) {
        out.push(values_outside(p, "`path`"));
    }
    if let Some(revision) = s.target_revision()
        && let Some(why) = moving_revision(revision.str().unwrap_or_default(), chart.is_some())
    {
        let message = format!("this source tracks `{}`, which moves: {why}", revision.str().unwrap_or_default());
        let d =
            if known.production { Diagnostic::error("E0417", message) } else { Diagnostic::warning("E0417", message) };
        out.push(d.at(revision.span(), "not pinned").help(
            "pin a tag or a commit (`v1.4.0`), or an exact chart version: what a branch or a range points at changes without a commit to this platform (an error in production, a warning elsewhere)",
        ));
    }
    if let Some(chart) = chart
        && s.target_revision().is_none()
    {
        out.push(
            Diagnostic::error("E0413", "this Helm source has no `targetRevision`")
                .at(chart.span(), "chart without a version")
                .help("pin the chart's exact version in `targetRevision`: without it Argo CD installs the newest"),
        );
    }
    for f in s.helm().map(|h| h.value_files()).into_iter().flatten() {
        if f.str().is_some_and(|t| t.starts_with("$values/")) && !has_values_ref {
            out.push(
                Diagnostic::error("E0412", "`$values/…` names a `ref: values` source this Application does not have")
                    .at(f.span(), "no source has `ref: values`")
                    .help("add the git source holding the values files, with `ref: values`; or give the values inline with `helm.valuesObject`"),
            );
        }
    }
    if let (Some(p), Some((repo, prefix))) = (path, &known.repository)
        && s.repo_url().and_then(View::str) == Some(*repo)
        && let Some(text) = p.str()
    {
        stale_path(p, text, prefix, known.dirs, out);
    }
}

/// Why a source's `targetRevision` is not pinned, or `None`: a chart version that is not
/// exact, or a git revision that is a well-known branch or a branch path (`feature/x`).
fn moving_revision(revision: &str, chart: bool) -> Option<String> {
    if chart {
        return crate::delivery::exact_version(revision).err();
    }
    if revision.is_empty() || crate::delivery::MOVING_REVISIONS.contains(&revision) {
        return Some("it is a branch".into());
    }
    revision.contains('/').then(|| "it is a branch (`feature/...`)".into())
}

fn values_outside(at: View, place: &str) -> Diagnostic {
    Diagnostic::error("E0412", format!("`$values/…` in {place}: Argo CD only expands it in `helm.valueFiles`"))
        .at(at.span(), "not a values file")
        .help("`path` names a directory of the source's repository; values files from another source go in `helm.valueFiles` as `$values/<file>`")
}

/// E0415: `text` is under the output directory of the platform's repository but names
/// no directory cedc writes.
fn stale_path(at: View, text: &str, prefix: &str, dirs: &OutputDirs, out: &mut Vec<Diagnostic>) {
    let text = text.trim_matches('/');
    let inside = if prefix.is_empty() { Some(text) } else { text.strip_prefix(prefix) };
    let Some(dir) = inside else { return };
    let dirs = dirs.get();
    if dirs.contains(dir) {
        return;
    }
    let suggestion = cedc_diagnostics::did_you_mean(dir, dirs.iter().map(String::as_str));
    out.push(
        Diagnostic::error("E0415", format!("`{text}` is not a directory cedc writes"))
            .at(at.span(), "stale path")
            .help(match suggestion {
                Some(s) => format!("did you mean `{prefix}{s}`? cedc writes components/<c>/base, components/<c>/overlays/<env>, envs/<env> and apps/<env>"),
                None => "cedc writes components/<c>/base, components/<c>/overlays/<env>, envs/<env> and apps/<env>; point at one of them".into(),
            }),
    );
}

fn destination(d: Destination, app: &str, clusters: &BTreeSet<(&str, &str)>, out: &mut Vec<Diagnostic>) {
    if d.server().is_none() && d.name().is_none() {
        out.push(
            Diagnostic::error("E0414", format!("Application `{app}` names no destination cluster"))
                .at(d.span(), "neither `server` nor `name`")
                .help(format!("give the destination `server: {IN_CLUSTER}` (the cluster Argo CD runs in) or the `server` of a registered cluster")),
        );
        return;
    }
    let server = d.server().filter(|s| !s.str().is_some_and(|s| clusters.iter().any(|c| c.0 == s)));
    let name = d.name().filter(|n| !n.str().is_some_and(|n| clusters.iter().any(|c| c.1 == n)));
    for unknown in server.into_iter().chain(name) {
        let text = unknown.str().unwrap_or_default();
        let known: Vec<String> = clusters.iter().map(|(s, n)| format!("`{n}` (`{s}`)")).collect();
        let help = match cedc_diagnostics::did_you_mean(text, clusters.iter().flat_map(|(s, n)| [*s, *n])) {
            Some(close) => format!("did you mean `{close}`? Argo CD here knows {}", known.join(", ")),
            None => format!(
                "Argo CD here knows {}; a virtual cluster of the platform is registered by cedc (its address is `https://<release>.<namespace>`)",
                known.join(", ")
            ),
        };
        out.push(
            Diagnostic::error(
                "E0414",
                format!("Application `{app}` deploys to `{text}`, which is not a cluster of the platform"),
            )
            .at(unknown.span(), "unknown cluster")
            .help(help),
        );
    }
}

/// E0416 for each line of an RBAC policy that does not parse or names an unknown
/// project. Lines: `p, <subject>, <resource>, <action>, <project>/<object>, allow|deny`
/// and `g, <subject>, <role>`; `#` comments and blank lines are skipped.
fn rbac(policy: View, known: &Known, out: &mut Vec<Diagnostic>) {
    let Some(text) = policy.str() else { return };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(problem) = policy_line(line, &known.projects, &known.applications) {
            out.push(
                Diagnostic::error("E0416", format!("RBAC policy line {}: {problem}", n + 1))
                    .at(policy.span(), format!("line {}: `{line}`", n + 1))
                    .help("policy lines are `p, <role or user>, <resource>, <action>, <project>/<object>, allow|deny` or `g, <user or group>, <role>`"),
            );
        }
    }
}

/// Resources whose object is written `<project>/<name>`.
const PROJECT_SCOPED: &[&str] = &["applications", "applicationsets", "logs", "exec"];
const RESOURCES: &[&str] = &[
    "applications",
    "applicationsets",
    "clusters",
    "projects",
    "repositories",
    "accounts",
    "certificates",
    "gpgkeys",
    "logs",
    "exec",
    "extensions",
];
const ACTIONS: &[&str] = &["get", "create", "update", "delete", "sync", "override", "action", "invoke", "*"];

/// Why one policy line is wrong, or `None`.
fn policy_line(line: &str, projects: &BTreeSet<&str>, applications: &BTreeSet<&str>) -> Option<String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    match fields.first().copied() {
        Some("g") if fields.len() == 3 => None,
        Some("g") => Some(format!("a `g` line has 3 fields, this one has {}", fields.len())),
        Some("p") if fields.len() == 6 => {
            let (resource, action, object, effect) = (fields[2], fields[3], fields[4], fields[5]);
            if !RESOURCES.contains(&resource) && resource != "*" {
                return Some(format!("`{resource}` is not an Argo CD resource"));
            }
            let base_action = action.split('/').next().unwrap_or(action);
            if !ACTIONS.contains(&base_action) {
                return Some(format!("`{action}` is not an Argo CD action"));
            }
            if effect != "allow" && effect != "deny" {
                return Some(format!("the effect is `{effect}`, not `allow` or `deny`"));
            }
            if PROJECT_SCOPED.contains(&resource) {
                let (project, name) = object.split_once('/').unwrap_or((object, "*"));
                if project != "*" && !projects.contains(project) {
                    return Some(format!("project `{project}` does not exist"));
                }
                let pattern = name.contains('*') || name.contains('?');
                if resource == "applications" && !pattern && !applications.contains(name) {
                    return Some(format!("Application `{name}` does not exist"));
                }
            }
            None
        }
        Some("p") => Some(format!("a `p` line has 6 fields, this one has {}", fields.len())),
        _ => Some("a line starts with `p` (a permission) or `g` (a role assignment)".into()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn policy_lines() {
        let projects = BTreeSet::from(["default", "platform"]);
        let apps = BTreeSet::from(["prod-web"]);
        let policy_line = |line: &str, projects: &BTreeSet<&str>| super::policy_line(line, projects, &apps);
        assert_eq!(policy_line("p, role:ops, applications, sync, platform/*, allow", &projects), None);
        assert_eq!(policy_line("p, role:ops, applications, sync, platform/prod-web, allow", &projects), None);
        assert!(policy_line("p, role:ops, applications, sync, platform/prod-wbe, allow", &projects).is_some());
        assert_eq!(policy_line("g, ClubCedille:admins, role:admin", &projects), None);
        assert_eq!(
            policy_line("p, role:ops, applications, action/apps/Deployment/restart, */*, allow", &projects),
            None
        );
        assert!(
            policy_line("p, role:ops, applications, sync, platfrom/*, allow", &projects)
                .is_some_and(|w| w.contains("platfrom"))
        );
        assert!(policy_line("p, role:ops, applications, sync, platform/*", &projects).is_some());
        assert!(policy_line("p, role:ops, application, sync, platform/*, allow", &projects).is_some());
        assert!(policy_line("p, role:ops, applications, synch, platform/*, allow", &projects).is_some());
        assert!(policy_line("p, role:ops, applications, sync, platform/*, permit", &projects).is_some());
        assert!(policy_line("x, y", &projects).is_some());
        assert!(policy_line("g, a", &projects).is_some());
    }
}
