//! The typed platform model between evaluation and the emitters: environments →
//! components → objects. Emitters read only this, never the syntax tree.

use crate::value::{Fields, Value, ValueKind};
use cedc_diagnostics::Span;
use std::sync::Arc;

/// The whole platform, evaluated once per environment, in declaration order.
#[derive(Clone, Debug, Default)]
pub struct Platform {
    pub envs: Vec<Environment>,
    /// Every component declared, in declaration order, with the environments it is
    /// deployed to (a component may be limited to some environments).
    pub components: Vec<ComponentInfo>,
}

#[derive(Clone, Debug)]
pub struct ComponentInfo {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Environment {
    pub name: String,
    pub span: Span,
    /// The environment's declared attributes (`domain`, `production`, ...).
    pub attributes: Value,
    pub components: Vec<Component>,
    /// What delivers the environment: the Argo CD objects cedc generates for it (an
    /// AppProject, a root Application and one Application per component), empty when
    /// no component of the environment declares `delivery`. Emitted under
    /// [`crate::Layout::apps`].
    pub delivery: Vec<Object>,
}

/// One component as evaluated for one environment. The settings few components have
/// (`chart`, `delivery`, `vault`, ...) are boxed: a platform has a component per
/// (component, environment), and seven values inline were most of each one's size.
#[derive(Clone, Debug)]
pub struct Component {
    pub name: String,
    pub span: Span,
    /// Default namespace for the component's namespaced objects.
    pub namespace: String,
    pub objects: Vec<Object>,
    /// Controllers the component runs, by the name they claim (a GatewayClass's
    /// `controllerName`, such as `projectcontour.io/gateway-controller`).
    pub provides: Vec<String>,
    /// Labels the component puts on each of its objects (objects cedc generates for it,
    /// such as ReferenceGrants, get them too).
    pub labels: Fields,
    /// The Helm release the component installs (a prelude `Release` record), read
    /// through [`crate::views::delivery::Release`].
    pub chart: Option<Box<Value>>,
    /// What the release installs that other objects name (its `installs.objects`),
    /// completed like the component's own objects: the checks see them, the emitters
    /// do not write them (Helm does).
    pub installed: Vec<Object>,
    /// What the component's objects read that is made outside the platform's
    /// declarations (`made_outside:`, by hand, by the cluster's distribution, by a
    /// controller cedc does not know): the reference checks see them, nothing emits
    /// them, nothing is ordered after them.
    pub outside: Vec<Object>,
    /// Components this one is synchronised after (`after:`), each a string with its span.
    pub after: Vec<Value>,
    /// Where Argo CD finds the platform (a prelude `Delivery` record), on the component
    /// that runs Argo CD; read through [`crate::views::delivery::Delivery`].
    pub delivery: Option<Box<Value>>,
    /// Why the component needs a host cluster (`needs_host:`), a string with its span.
    pub needs_host: Option<Box<Value>>,
    /// The quorum system the component is (`quorum:`, a prelude `Quorum`), read through
    /// [`crate::views::placement::Quorum`].
    pub quorum: Option<Box<Value>>,
    /// Where the component was placed in this environment: the entry of its `envs`
    /// naming the environment, else its name.
    pub placed_at: Span,
    /// The per-member sandboxes it makes (a prelude `Sandboxes`), consumed by the derive
    /// stage; read through [`crate::views::sandbox::Sandboxes`].
    pub sandboxes: Option<Box<Value>>,
    /// The Vault the component runs, as code (`vault:`, a prelude `VaultServer`): derive
    /// writes its configuration objects and checks every read against it; read through
    /// [`crate::views::vault::Server`].
    pub vault: Option<Box<Value>>,
    /// Who the component reads its secrets as (`reads_secrets_as:`, a prelude
    /// `SecretReader`): a Vault role and a service account of its namespace.
    pub reader: Option<Box<Value>>,
}

impl Environment {
    /// Every object cedc writes for the environment: each component's own, in order,
    /// then the generated delivery objects.
    pub fn written_objects(&self) -> impl Iterator<Item = &Object> + Clone {
        self.components.iter().flat_map(|c| &c.objects).chain(&self.delivery)
    }

    /// The attribute environments declare to say they are production
    /// (`production: true`): stricter checks apply there, and delivery tracks releases.
    pub const PRODUCTION: &str = "production";

    /// Whether the environment declares `production: true`.
    pub fn is_production(&self) -> bool {
        crate::View::new(&self.attributes).field(Self::PRODUCTION).and_then(crate::View::bool) == Some(true)
    }

    /// What the environment runs on (its `cluster:` attribute), when it declares it.
    pub fn cluster(&self) -> Option<crate::views::cluster::Cluster<'_>> {
        crate::View::new(&self.attributes).field(crate::views::cluster::ATTRIBUTE).map(crate::views::cluster::Cluster)
    }

    /// The virtual cluster the environment is, when it is one.
    pub fn virtual_cluster(&self) -> Option<crate::views::cluster::VirtualCluster<'_>> {
        self.cluster().and_then(|c| c.virtual_cluster())
    }

    /// The name of the host environment of a virtual-cluster environment.
    pub fn host_name(&self) -> Option<&str> {
        self.virtual_cluster()?.host()?.env()
    }
}

impl Platform {
    /// The environment named `name`.
    pub fn env(&self, name: &str) -> Option<&Environment> {
        self.envs.iter().find(|e| e.name == name)
    }

    /// The host environment `env` runs in when it is a virtual cluster (and its host is
    /// a declared environment).
    pub fn host_of(&self, env: &Environment) -> Option<&Environment> {
        self.env(env.host_name()?)
    }

    /// The nodes the workloads of `env` are scheduled on: its own cluster's, or its
    /// host's when it is a virtual cluster; with the span that declares the count.
    pub fn nodes_of(&self, env: &Environment) -> Option<(i64, Span)> {
        let host = if env.virtual_cluster().is_some() { self.host_of(env)? } else { env };
        let nodes = host.cluster()?.host()?.nodes()?;
        Some((nodes.int()?, nodes.span()))
    }
}

impl Component {
    /// Store the parts of its objects and chart that equal parts seen before once
    /// (see [`Interner`](crate::Interner)); the parts it shared are then forgotten by
    /// address (what shares them is all interned).
    pub fn intern(&mut self, interner: &mut crate::Interner) {
        let objects = self.objects.iter_mut().chain(&mut self.installed).chain(&mut self.outside);
        for o in objects {
            interner.intern(&mut o.value);
            // The identity's strings become the value's canonical ones: one copy each.
            for text in [&mut o.api_version, &mut o.kind, &mut o.name].into_iter().chain(&mut o.namespace) {
                interner.share(text);
            }
        }
        if let Some(chart) = &mut self.chart {
            interner.intern(chart);
        }
        interner.forget_shared();
    }

    /// The kinds whose CRDs the component installs, as (group, kind) with the span that
    /// says so: its chart's `installs.crds`, then its CustomResourceDefinition objects,
    /// then the composite kinds of its Crossplane definitions and the kinds of the
    /// Crossplane providers it installs that cedc knows.
    pub fn installed_kinds(&self) -> impl Iterator<Item = ((String, String), Span)> + '_ {
        use crate::View;
        use crate::views::delivery::Release;
        let chart =
            self.chart.as_deref().into_iter().flat_map(|r| Release(View::new(r)).crds()).filter_map(|(av, k)| {
                let group = av.str()?.rsplit_once('/').map_or("", |(g, _)| g);
                Some(((group.to_string(), k.str()?.to_string()), k.span()))
            });
        let objects = self.objects.iter().filter_map(|o| {
            if o.group() != "apiextensions.k8s.io" || &*o.kind != "CustomResourceDefinition" {
                return None;
            }
            let spec = View::new(&o.value).field("spec")?;
            let group = spec.field("group")?.str()?;
            let kind = spec.at(&["names", "kind"])?;
            Some(((group.to_string(), kind.str()?.to_string()), kind.span()))
        });
        chart.chain(objects).chain(self.crossplane_kinds())
    }

    /// The kinds Crossplane makes from the component's objects, as (group, kind) with
    /// the span that says so: a definition's composite (and claim) kind, and the kinds
    /// of a provider cedc knows.
    pub fn crossplane_kinds(&self) -> impl Iterator<Item = ((String, String), Span)> + '_ {
        use crate::View;
        self.objects.iter().flat_map(|o| {
            use crate::ObjectView;
            use crate::views::crossplane::{CompositeResourceDefinition, Provider, provider_kinds};
            let composite = CompositeResourceDefinition::cast(o).into_iter().flat_map(|d| {
                let group = d.group().and_then(View::str).unwrap_or_default();
                [d.names_kind(), d.claim_kind()]
                    .into_iter()
                    .flatten()
                    .filter_map(move |kind| Some(((group.to_string(), kind.str()?.to_string()), kind.span())))
            });
            let provided = Provider::cast(o).and_then(|p| p.package()).into_iter().flat_map(|package| {
                provider_kinds(package.str().unwrap_or_default())
                    .iter()
                    .map(move |(g, k)| (((*g).to_string(), (*k).to_string()), package.span()))
            });
            composite.chain(provided)
        })
    }

    /// Every object the component's environment has through it: its own (emitted by
    /// cedc), what its chart installs (emitted by Helm), then what it declares made
    /// outside the platform. Checks of references read these.
    pub fn visible_objects(&self) -> impl Iterator<Item = &Object> {
        self.objects.iter().chain(&self.installed).chain(&self.outside)
    }

    /// A component with objects only, as the checks' and emitters' tests build them.
    pub fn new(name: &str, span: Span, namespace: &str, objects: Vec<Object>) -> Component {
        Component {
            name: name.to_string(),
            span,
            namespace: namespace.to_string(),
            objects,
            provides: Vec::new(),
            labels: Fields::new(),
            chart: None,
            installed: Vec::new(),
            outside: Vec::new(),
            after: Vec::new(),
            delivery: None,
            needs_host: None,
            quorum: None,
            placed_at: span,
            sandboxes: None,
            vault: None,
            reader: None,
        }
    }
}

/// One Kubernetes object, fully evaluated for one environment.
#[derive(Clone, Debug)]
pub struct Object {
    pub api_version: Arc<str>,
    pub kind: Arc<str>,
    pub name: Arc<str>,
    /// `None` for cluster-scoped kinds.
    pub namespace: Option<Arc<str>>,
    /// The whole object (apiVersion, kind, metadata, ...), with provenance.
    pub value: Value,
}

impl Object {
    /// The object's `metadata.annotations`, made (empty) when it has none: where derive
    /// adds the annotations it owns. Values added take the object's span.
    pub fn annotations_mut(&mut self) -> Option<&mut Fields> {
        let span = self.value.span();
        let ValueKind::Record(top) = &mut self.value.kind else { return None };
        let meta = top.entry("metadata".into()).or_insert_with(|| Value::new(ValueKind::Record(Fields::new()), span));
        let ValueKind::Record(meta) = &mut meta.kind else { return None };
        let annotations = meta.entry("annotations".into()).or_insert_with(|| Value::new(ValueKind::None, span));
        if matches!(annotations.kind, ValueKind::None) {
            *annotations = Value::new(ValueKind::Record(Fields::new()), span);
        }
        match &mut annotations.kind {
            ValueKind::Record(a) => Some(a),
            _ => None,
        }
    }

    /// An object from its JSON (`apiVersion`, `kind`, `metadata.name`, maybe
    /// `metadata.namespace`), every value's origin at `span`: how generated objects are
    /// made.
    pub fn from_json(json: &serde_json::Value, span: Span) -> Object {
        let text = |p: &str| json.pointer(p).and_then(serde_json::Value::as_str).map(Arc::from);
        Object {
            api_version: text("/apiVersion").unwrap_or_default(),
            kind: text("/kind").unwrap_or_default(),
            name: text("/metadata/name").unwrap_or_default(),
            namespace: text("/metadata/namespace"),
            value: Value::from_json(json, span),
        }
    }

    /// The call outside any function that made the object, when a function built it (a
    /// `std/k8s` helper, a function of the project): where a problem found inside that
    /// function is used ([`crate::Origin::input`]).
    pub fn made_by(&self) -> Option<Span> {
        self.value.origin.input().filter(|_| matches!(self.value.kind, crate::ValueKind::Record(_)))
    }

    /// Which value the object is: the same for objects that are one value (evaluation
    /// stores equal objects once, [`crate::Interner`]), so that what depends on the value
    /// alone is computed once per distinct one. Valid while the object lives unchanged.
    pub fn value_id(&self) -> Option<usize> {
        self.value.as_record().map(crate::Fields::addr)
    }

    /// API group (`""` for the core group): `apps/v1` → `apps`, `v1` → `""`.
    pub fn group(&self) -> &str {
        // The version after the last `/` is a few bytes (`v1`, `v1beta1`): a plain scan
        // from the end finds it sooner than `rsplit_once`'s general search (this is
        // asked for every object by most checks).
        let bytes = self.api_version.as_bytes();
        let mut i = bytes.len();
        while i > 0 {
            i -= 1;
            if bytes[i] == b'/' {
                return self.api_version.get(..i).unwrap_or("");
            }
        }
        ""
    }
    /// Identity inside an environment: group, kind, namespace, name.
    pub fn id(&self) -> ObjectId {
        ObjectId {
            group: self.group().to_string(),
            kind: self.kind.to_string(),
            namespace: self.namespace.as_deref().map(str::to_string),
            name: self.name.to_string(),
        }
    }
    pub fn span(&self) -> Span {
        self.value.span()
    }
    /// Where the object's name was written: the place to point at for a problem with the
    /// whole object. An object made by a helper function (`k8s.service("web", ...)`) has
    /// its span inside the helper, while its name comes from the call's argument.
    pub fn name_span(&self) -> Span {
        // `origin_at` of `metadata.name`, without making its path (every check asks).
        let meta = self.value.as_record().and_then(|f| f.get("metadata"));
        let name = meta.and_then(Value::as_record).and_then(|f| f.get("name"));
        name.or(meta).unwrap_or(&self.value).origin.span
    }
    /// The object as JSON, keys in the conventional Kubernetes order.
    pub fn to_json(&self) -> Result<serde_json::Value, Span> {
        self.value.to_json().map(conventional_order)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    pub group: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let group = if self.group.is_empty() { String::new() } else { format!(".{}", self.group) };
        match &self.namespace {
            Some(ns) => write!(f, "{}{} {}/{}", self.kind, group, ns, self.name),
            None => write!(f, "{}{} {}", self.kind, group, self.name),
        }
    }
}

/// Top-level keys first in the order Kubernetes users expect; the rest as written.
pub const TOP_ORDER: &[&str] = &["apiVersion", "kind", "metadata", "spec", "data", "stringData", "type"];
/// The same for `metadata`'s keys.
pub const METADATA_ORDER: &[&str] = &["name", "namespace", "labels", "annotations"];

pub fn conventional_order(v: serde_json::Value) -> serde_json::Value {
    fn reorder(
        map: serde_json::Map<String, serde_json::Value>,
        order: &[&str],
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut rest = map;
        let mut out = serde_json::Map::new();
        for k in order {
            if let Some(v) = rest.shift_remove(*k) {
                out.insert((*k).to_string(), v);
            }
        }
        out.extend(rest);
        out
    }
    match v {
        serde_json::Value::Object(map) => {
            let mut out = reorder(map, TOP_ORDER);
            if let Some(serde_json::Value::Object(meta)) = out.get_mut("metadata") {
                let m = std::mem::take(meta);
                *meta = reorder(m, METADATA_ORDER);
            }
            serde_json::Value::Object(out)
        }
        other => other,
    }
}

/// Built-in cluster-scoped kinds (group, kind). Objects of these kinds carry no
/// namespace. Custom resources are namespaced unless their schema says otherwise
/// (schemas arrive with CRD support).
pub const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("resource.k8s.io", "DeviceClass"),
    ("resource.k8s.io", "ResourceSlice"),
];

pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    CLUSTER_SCOPED.iter().any(|(g, k)| *g == group && *k == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_api_version(api_version: &str) -> Object {
        let value = Value::new(ValueKind::Record(Fields::new()), Span::default());
        Object { api_version: api_version.into(), kind: "K".into(), name: "n".into(), namespace: None, value }
    }

    #[test]
    fn an_objects_group_is_its_api_version_before_the_last_slash() {
        assert_eq!(with_api_version("apps/v1").group(), "apps");
        assert_eq!(with_api_version("gateway.networking.k8s.io/v1beta1").group(), "gateway.networking.k8s.io");
        assert_eq!(with_api_version("v1").group(), "");
        assert_eq!(with_api_version("").group(), "");
        assert_eq!(with_api_version("/v1").group(), "");
        assert_eq!(with_api_version("a/b/v1").group(), "a/b");
    }
}
