//! Clusters: what an environment runs on, its `cluster:` attribute (prelude types
//! `Cluster`, `HostCluster`, `VirtualCluster`, `ClusterSync`, made by `std/clusters`).
//! The field names of those records live here once, with the vcluster facts cedc
//! derives from them (release, namespace, the address Argo CD reaches it at); the derive
//! stage and the checks read clusters only through these views.

use crate::view::View;

crate::part_view!(
    /// An environment's `cluster`: exactly one of [`Cluster::host`] and
    /// [`Cluster::virtual_cluster`] is set.
    Cluster
);
crate::part_view!(
    /// A host cluster's facts (prelude `HostCluster`).
    HostCluster
);
crate::part_view!(
    /// A virtual cluster (prelude `VirtualCluster`).
    VirtualCluster
);
crate::part_view!(
    /// What a virtual cluster syncs with its host (prelude `ClusterSync`).
    ClusterSync
);

/// The environment attribute holding the cluster.
pub const ATTRIBUTE: &str = "cluster";
/// What a virtual cluster's namespace and release are named when not given:
/// `vcluster-<env>`.
pub const VCLUSTER_PREFIX: &str = "vcluster-";
/// The label that makes a Secret in Argo CD's namespace a cluster registration.
pub const SECRET_TYPE_LABEL: &str = "argocd.argoproj.io/secret-type";
/// Its value for clusters.
pub const SECRET_TYPE_CLUSTER: &str = "cluster";
/// The label of a cluster registration naming the environment (or sandbox) it is, which
/// ApplicationSets' cluster generators select on.
pub const ENVIRONMENT_LABEL: &str = "cedc.dev/environment";
/// The keys of the Secret the vcluster chart writes into the virtual cluster's namespace
/// when it starts ([`vcluster_credentials`]): the certificate authority of the virtual
/// API server, and a client certificate and key with administrator rights on it (PEM).
pub const VCLUSTER_CA_KEY: &str = "certificate-authority";
pub const VCLUSTER_CERT_KEY: &str = "client-certificate";
pub const VCLUSTER_KEY_KEY: &str = "client-key";
/// The prefix of the name Argo CD's registration of a cluster gets (`cluster-<env>`),
/// shared by the objects that make it.
pub const REGISTRATION_PREFIX: &str = "cluster-";

/// The Secret (in the virtual cluster's namespace of its host) that the vcluster chart
/// writes the credentials of release `release` into: `vc-<release>`.
pub fn vcluster_credentials(release: &str) -> String {
    format!("vc-{release}")
}

/// The name of the registration of environment (or sandbox) `env` in Argo CD.
pub fn registration_name(env: &str) -> String {
    format!("{REGISTRATION_PREFIX}{env}")
}

impl<'a> Cluster<'a> {
    pub fn host(self) -> Option<HostCluster<'a>> {
        self.0.field("host").map(HostCluster)
    }
    /// The virtual part (`virtual`; a keyword in Rust).
    pub fn virtual_cluster(self) -> Option<VirtualCluster<'a>> {
        self.0.field("virtual").map(VirtualCluster)
    }
    /// The Kubernetes version the cluster runs, with its span.
    pub fn kubernetes(self) -> Option<View<'a>> {
        match (self.host(), self.virtual_cluster()) {
            (Some(h), _) => h.kubernetes(),
            (None, Some(v)) => v.kubernetes(),
            (None, None) => None,
        }
    }
}

impl<'a> HostCluster<'a> {
    pub fn nodes(self) -> Option<View<'a>> {
        self.0.field("nodes")
    }
    pub fn kubernetes(self) -> Option<View<'a>> {
        self.0.field("kubernetes")
    }
    pub fn distribution(self) -> Option<View<'a>> {
        self.0.field("distribution")
    }
    /// The address Argo CD reaches the cluster's API server at.
    pub fn server(self) -> Option<View<'a>> {
        self.0.field("server")
    }
}

impl<'a> VirtualCluster<'a> {
    /// The host environment (an `Env` value), with its span.
    pub fn host(self) -> Option<View<'a>> {
        self.0.field("host")
    }
    /// The namespace as written (`none` when left out: see [`VirtualCluster::namespace_for`]).
    pub fn namespace(self) -> Option<View<'a>> {
        self.0.field("namespace")
    }
    /// The host namespace the virtual cluster of environment `env` runs in, which is
    /// also its release name: as written, else `vcluster-<env>`.
    pub fn namespace_for(self, env: &str) -> String {
        match self.namespace().and_then(View::str) {
            Some(ns) => ns.to_string(),
            None => format!("{VCLUSTER_PREFIX}{env}"),
        }
    }
    pub fn kubernetes(self) -> Option<View<'a>> {
        self.0.field("kubernetes")
    }
    /// The vcluster chart (a prelude `Chart`).
    pub fn chart(self) -> Option<crate::views::delivery::Chart<'a>> {
        self.0.field("chart").map(crate::views::delivery::Chart)
    }
    pub fn values(self) -> Option<View<'a>> {
        self.0.field("values")
    }
    /// The chart version whose values layout `values` is written in.
    pub fn values_for(self) -> Option<View<'a>> {
        self.0.field("values_for")
    }
    pub fn sync(self) -> Option<ClusterSync<'a>> {
        self.0.field("sync").map(ClusterSync)
    }
    /// Whether a sync setting is on (`false` when absent).
    pub fn syncs(self, setting: Sync) -> bool {
        self.sync().and_then(|s| s.0.field(setting.field())).and_then(View::bool) == Some(true)
    }
}

/// Where Argo CD reaches the API server of a virtual cluster released as `release` in
/// `namespace` of its host: the chart's Service (named after the release, port 443) by
/// `<service>.<namespace>`, the name the virtual API server's certificate is issued for
/// (vcluster 0.19 puts the Service's name, `<service>.<namespace>` and its cluster IP in
/// the certificate, not the `.svc` name), resolved by the host's cluster DNS from Argo
/// CD's pods. Derived, never typed.
pub fn vcluster_server(release: &str, namespace: &str) -> String {
    format!("https://{release}.{namespace}")
}

/// The minor version of a Kubernetes version written `1.N` or `1.N.P` (`None` otherwise).
pub fn kubernetes_minor(version: &str) -> Option<u32> {
    let rest = version.strip_prefix("1.")?;
    let (minor, patch) = rest.split_once('.').unwrap_or((rest, "0"));
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    (digits(minor) && digits(patch)).then(|| minor.parse().ok()).flatten()
}

/// The Kubernetes version of a k3s image (`rancher/k3s:v1.29.0-k3s1` → `1.29.0`).
pub fn k3s_image_version(image: &str) -> Option<&str> {
    let (_, tag) = image.rsplit_once(':')?;
    let tag = tag.strip_prefix('v')?;
    Some(tag.split_once(['-', '+']).map_or(tag, |(v, _)| v))
}

impl<'a> VirtualCluster<'a> {
    /// The control-plane image in the chart's values (`vcluster.image`), with its span.
    pub fn image(self) -> Option<View<'a>> {
        self.values()?.at(&["vcluster", "image"])
    }
}

/// The sync settings the checks and the derive stage read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sync {
    Ingresses,
    IngressClasses,
    StorageClasses,
    HostStorageClasses,
    PersistentVolumes,
    VolumeSnapshots,
    NetworkPolicies,
    Nodes,
}

impl Sync {
    /// The prelude `ClusterSync` field.
    pub fn field(self) -> &'static str {
        match self {
            Sync::Ingresses => "ingresses",
            Sync::IngressClasses => "ingress_classes",
            Sync::StorageClasses => "storage_classes",
            Sync::HostStorageClasses => "host_storage_classes",
            Sync::PersistentVolumes => "persistent_volumes",
            Sync::VolumeSnapshots => "volume_snapshots",
            Sync::NetworkPolicies => "network_policies",
            Sync::Nodes => "nodes",
        }
    }
}

/// An Argo CD cluster registration, as written (a Secret in Argo CD's format) or as made
/// by an ExternalSecret whose template gives that Secret (cedc's registrations of virtual
/// clusters): its labels and its data (`name`, `server`), read the same way from both.
#[derive(Clone, Copy, Debug)]
pub enum Registration<'a> {
    Secret(View<'a>),
    Copied(crate::views::eso::ExternalSecret<'a>),
}

impl<'a> Registration<'a> {
    /// The registration `o` is, if it is one (labelled as a cluster).
    pub fn cast(o: &'a crate::Object) -> Option<Registration<'a>> {
        use crate::ObjectView;
        let r = if o.group() == crate::views::core::GROUP && &*o.kind == crate::views::core::SECRET {
            Registration::Secret(View::new(&o.value))
        } else {
            Registration::Copied(crate::views::eso::ExternalSecret::cast(o)?)
        };
        let kind = r.labels()?.field(SECRET_TYPE_LABEL)?.str()?;
        (kind == SECRET_TYPE_CLUSTER).then_some(r)
    }
    /// The labels of the registration Secret.
    pub fn labels(self) -> Option<View<'a>> {
        match self {
            Registration::Secret(v) => v.at(&["metadata", "labels"]),
            Registration::Copied(e) => e.target_labels(),
        }
    }
    /// A key of the registration Secret's data, as text (`stringData` of a written one).
    pub fn data(self, key: &str) -> Option<&'a str> {
        match self {
            Registration::Secret(v) => v.at(&["stringData", key]),
            Registration::Copied(e) => e.template_data(key),
        }
        .and_then(View::str)
    }
}
