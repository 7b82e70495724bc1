//! Argo CD (`argoproj.io`): the kinds cedc generates to deliver a platform
//! (Applications and their AppProject) and the annotations, finalizers and addresses
//! Argo CD reads on them, each named once, and a view of an Application's project,
//! sources and destination. A single `spec.source` and a `spec.sources` list are
//! presented alike, as [`Application::sources`].

use crate::view::{Items, ObjectView, View};

/// The API group of Argo CD's kinds.
pub const GROUP: &str = "argoproj.io";
/// The version cedc writes.
pub const VERSION: &str = "v1alpha1";
/// `apiVersion` of the objects cedc writes.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";

pub const APPLICATION: &str = "Application";
pub const APP_PROJECT: &str = "AppProject";
pub const APPLICATION_SET: &str = "ApplicationSet";

/// The annotation ordering an Application among its siblings of one app-of-apps.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// The annotation carrying an object's sync options.
pub const SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
/// The sync option that lets Argo CD apply an object whose kind's CRD is not installed
/// yet (one the same sync installs): without it the whole sync's dry run fails.
pub const SKIP_DRY_RUN_ON_MISSING_RESOURCE: &str = "SkipDryRunOnMissingResource=true";
/// The finalizer that makes deleting an Application delete what it deployed.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
/// The address of the cluster Argo CD runs in.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

crate::object_view!(
    /// An Application: what Argo CD deploys where.
    Application, GROUP, [APPLICATION]
);

crate::object_view!(
    /// An ApplicationSet: Applications made from generators.
    ApplicationSet, GROUP, [APPLICATION_SET]
);

impl<'a> ApplicationSet<'a> {
    /// The label selectors of its `clusters` generators (at the top level of
    /// `spec.generators`, and one level down in `matrix` and `merge` generators): each
    /// `selector.matchLabels`, with its span.
    pub fn cluster_selectors(self) -> Vec<View<'a>> {
        let top = self.view().items_at(&["spec", "generators"]);
        let mut out = Vec::new();
        for g in top {
            let nested = ["matrix", "merge"]
                .into_iter()
                .flat_map(move |k| g.at(&[k, "generators"]).map(View::items).into_iter().flatten());
            for g in std::iter::once(g).chain(nested) {
                out.extend(g.at(&["clusters", "selector", "matchLabels"]));
            }
        }
        out
    }
}

crate::part_view!(
    /// An Application's `spec.source`, or one entry of its `spec.sources`.
    AppSource
);
crate::part_view!(
    /// A source's `helm`.
    HelmSource
);
crate::part_view!(
    /// An Application's `spec.destination`: a cluster (by `server` URL or `name`) and a
    /// namespace.
    Destination
);

impl<'a> Application<'a> {
    /// `spec.project`, the field (with its span).
    pub fn project(self) -> Option<View<'a>> {
        self.view().at(&["spec", "project"])
    }
    /// `spec.source`, the single source (when the Application has one).
    pub fn source(self) -> Option<AppSource<'a>> {
        self.view().at(&["spec", "source"]).map(AppSource)
    }
    /// `spec.sources`, the list (empty when the Application has a single source).
    pub fn sources_list(self) -> impl ExactSizeIterator<Item = AppSource<'a>> + use<'a> {
        self.view().items_at(&["spec", "sources"]).map(AppSource)
    }
    /// Every source: `spec.sources` when it has items, else `spec.source` (as Argo CD
    /// reads them).
    pub fn sources(self) -> Vec<AppSource<'a>> {
        let list: Vec<AppSource<'a>> = self.sources_list().collect();
        if list.is_empty() { self.source().into_iter().collect() } else { list }
    }
    pub fn destination(self) -> Option<Destination<'a>> {
        self.view().at(&["spec", "destination"]).map(Destination)
    }
}

impl<'a> AppSource<'a> {
    /// `repoURL`: a Git repository, a Helm repository or an OCI registry.
    pub fn repo_url(self) -> Option<View<'a>> {
        self.0.field("repoURL")
    }
    /// `chart`, for a Helm repository source.
    pub fn chart(self) -> Option<View<'a>> {
        self.0.field("chart")
    }
    /// `path`, for a Git source.
    pub fn path(self) -> Option<View<'a>> {
        self.0.field("path")
    }
    /// `ref`: the name other sources use (`$name/values.yaml`) to read its files.
    pub fn reference(self) -> Option<View<'a>> {
        self.0.field("ref")
    }
    /// `targetRevision`: a branch, tag, commit or chart version.
    pub fn target_revision(self) -> Option<View<'a>> {
        self.0.field("targetRevision")
    }
    pub fn helm(self) -> Option<HelmSource<'a>> {
        self.0.field("helm").map(HelmSource)
    }
}

impl<'a> HelmSource<'a> {
    /// `valueFiles`, in order.
    pub fn value_files(self) -> Items<'a> {
        self.0.items_of("valueFiles")
    }
    /// `releaseName` (Argo CD uses the Application's name when absent).
    pub fn release_name(self) -> Option<View<'a>> {
        self.0.field("releaseName")
    }
}

impl<'a> Destination<'a> {
    /// `server`: the cluster's API server URL.
    pub fn server(self) -> Option<View<'a>> {
        self.0.field("server")
    }
    /// `name`: the cluster's name in Argo CD (instead of `server`).
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// `namespace`, for the namespaced objects that name none.
    pub fn namespace(self) -> Option<View<'a>> {
        self.0.field("namespace")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Object, Value};
    use cedc_diagnostics::Span;

    fn object(json: serde_json::Value) -> Object {
        Object {
            api_version: json["apiVersion"].as_str().unwrap_or_default().into(),
            kind: json["kind"].as_str().unwrap_or_default().into(),
            name: json["metadata"]["name"].as_str().unwrap_or_default().into(),
            namespace: json["metadata"]["namespace"].as_str().map(std::sync::Arc::from),
            value: Value::from_json(&json, Span::default()),
        }
    }

    fn strs<'a>(views: impl Iterator<Item = Option<View<'a>>>) -> Vec<&'a str> {
        views.map(|v| v.and_then(View::str).unwrap_or("-")).collect()
    }

    #[test]
    fn a_single_source_application_reads_its_fields() {
        let o = object(serde_json::json!({
            "apiVersion": API_VERSION, "kind": APPLICATION,
            "metadata": { "name": "web", "namespace": "argocd" },
            "spec": {
                "project": "team-a",
                "source": {
                    "repoURL": "https://charts.example.org", "chart": "web", "targetRevision": "1.2.3",
                    "helm": { "releaseName": "web-prod", "valueFiles": ["values.yaml", "prod.yaml"] }
                },
                "destination": { "server": "https://kubernetes.default.svc", "namespace": "web" }
            }
        }));
        let app = Application::cast(&o).expect("an Application");
        assert_eq!(app.project().and_then(View::str), Some("team-a"));
        let sources = app.sources();
        assert_eq!(sources.len(), 1);
        let s = sources[0];
        assert_eq!(
            strs([s.repo_url(), s.chart(), s.target_revision(), s.path()].into_iter()),
            ["https://charts.example.org", "web", "1.2.3", "-"]
        );
        let helm = s.helm().expect("helm");
        assert_eq!(helm.release_name().and_then(View::str), Some("web-prod"));
        assert_eq!(helm.value_files().filter_map(View::str).collect::<Vec<_>>(), ["values.yaml", "prod.yaml"]);
        let d = app.destination().expect("destination");
        assert_eq!(
            strs([d.server(), d.name(), d.namespace()].into_iter()),
            ["https://kubernetes.default.svc", "-", "web"]
        );
    }

    #[test]
    fn sources_win_over_source_and_other_kinds_do_not_cast() {
        let o = object(serde_json::json!({
            "apiVersion": API_VERSION, "kind": APPLICATION,
            "metadata": { "name": "web" },
            "spec": {
                "source": { "repoURL": "ignored" },
                "sources": [
                    { "repoURL": "https://charts.example.org", "chart": "web",
                      "helm": { "valueFiles": ["$values/web/prod.yaml"] } },
                    { "repoURL": "https://git.example.org/config.git", "ref": "values" }
                ],
                "destination": { "name": "prod" }
            }
        }));
        let app = Application::cast(&o).expect("an Application");
        let urls: Vec<_> = app.sources().iter().map(|s| s.repo_url().and_then(View::str).unwrap_or("-")).collect();
        assert_eq!(urls, ["https://charts.example.org", "https://git.example.org/config.git"]);
        assert_eq!(app.sources()[1].reference().and_then(View::str), Some("values"));
        assert_eq!(app.destination().and_then(|d| d.name()).and_then(View::str), Some("prod"));
        assert!(app.project().is_none());

        let project = object(serde_json::json!({
            "apiVersion": API_VERSION, "kind": APP_PROJECT, "metadata": { "name": "team-a" }
        }));
        assert!(Application::cast(&project).is_none());
        let other_group = object(serde_json::json!({
            "apiVersion": "example.org/v1", "kind": APPLICATION, "metadata": { "name": "x" }
        }));
        assert!(Application::cast(&other_group).is_none());
    }
}
