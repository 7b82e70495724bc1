//! Delivery: the prelude records a component carries for Helm and Argo CD — its
//! `chart` (a `Release` of a `Chart`, with what it `installs`) and, on the component
//! running Argo CD, its `delivery` (the git repository Argo CD reads the platform
//! from). The field names of those records live here once; the derive stage and the
//! checks read them through these views, with their spans.

use crate::view::View;

crate::part_view!(
    /// A component's `chart`: a Helm release (prelude type `Release`).
    Release
);
crate::part_view!(
    /// A release's `chart`: where the chart is published and its exact version.
    Chart
);
crate::part_view!(
    /// A component's `delivery` (prelude type `Delivery`).
    Delivery
);

/// The scheme of a chart repository that is an OCI registry.
pub const OCI_SCHEME: &str = "oci://";

impl<'a> Release<'a> {
    pub fn chart(self) -> Option<Chart<'a>> {
        self.0.field("chart").map(Chart)
    }
    /// The version the component asks for (`version:`), with its span.
    pub fn version(self) -> Option<View<'a>> {
        self.0.field("version")
    }
    /// The release name.
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// The values, as given (`{}` when none).
    pub fn values(self) -> Option<View<'a>> {
        self.0.field("values")
    }
    /// The kinds whose CRDs the release installs, as (`apiVersion`, `kind`) views.
    pub fn crds(self) -> impl Iterator<Item = (View<'a>, View<'a>)> {
        self.0
            .at(&["installs", "crds"])
            .map(View::items)
            .into_iter()
            .flatten()
            .filter_map(|k| Some((k.field("apiVersion")?, k.field("kind")?)))
    }
}

impl<'a> Chart<'a> {
    /// The repository URL (`https://…` or `oci://…`).
    pub fn repository(self) -> Option<View<'a>> {
        self.0.field("repository")
    }
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// The version the chart module declares.
    pub fn version(self) -> Option<View<'a>> {
        self.0.field("version")
    }
}

impl<'a> Delivery<'a> {
    pub fn repository(self) -> Option<View<'a>> {
        self.0.field("repository")
    }
    /// The output directory inside the repository, without leading or trailing `/`.
    pub fn path(self) -> Option<View<'a>> {
        self.0.field("path")
    }
    /// What environments not marked `production` track.
    pub fn revision(self) -> Option<View<'a>> {
        self.0.field("revision")
    }
    /// What production environments track.
    pub fn release(self) -> Option<View<'a>> {
        self.0.field("release")
    }
    pub fn project(self) -> Option<View<'a>> {
        self.0.field("project")
    }
}
