//! Core Kubernetes kinds (`v1`, group `""`) and the workload kinds of `apps/v1`: the
//! fields checks read of Services, Secrets, ConfigMaps, claims, ServiceAccounts,
//! Namespaces, Deployments and their Pod templates (volumes, mounts, the objects a pod
//! reads), and of the objects that select pods by label (NetworkPolicy,
//! PodDisruptionBudget), with the label-selector semantics they share.

use crate::view::{Items, ObjectKey, ObjectView, View};

/// The core API group (`apiVersion: v1`).
pub const GROUP: &str = "";
pub const API_VERSION: &str = "v1";
/// The group of Deployments, StatefulSets and DaemonSets.
pub const APPS_GROUP: &str = "apps";
pub const APPS_API_VERSION: &str = "apps/v1";

pub const SERVICE: &str = "Service";
pub const SECRET: &str = "Secret";
pub const NAMESPACE: &str = "Namespace";
pub const CONFIG_MAP: &str = "ConfigMap";
pub const POD: &str = "Pod";
pub const DEPLOYMENT: &str = "Deployment";
pub const STATEFUL_SET: &str = "StatefulSet";
pub const DAEMON_SET: &str = "DaemonSet";
pub const PERSISTENT_VOLUME_CLAIM: &str = "PersistentVolumeClaim";
pub const SERVICE_ACCOUNT: &str = "ServiceAccount";
pub const ENDPOINTS: &str = "Endpoints";
/// The group of EndpointSlices and NetworkPolicies.
pub const DISCOVERY_GROUP: &str = "discovery.k8s.io";
pub const ENDPOINT_SLICE: &str = "EndpointSlice";
/// The label naming the Service an EndpointSlice belongs to.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
pub const NETWORKING_GROUP: &str = "networking.k8s.io";
pub const NETWORK_POLICY: &str = "NetworkPolicy";
pub const POLICY_GROUP: &str = "policy";
pub const POD_DISRUPTION_BUDGET: &str = "PodDisruptionBudget";
/// The ServiceAccount every namespace has.
pub const DEFAULT_SERVICE_ACCOUNT: &str = "default";
/// The ConfigMap every namespace has, holding the cluster's CA (`ca.crt`).
pub const ROOT_CA_CONFIG_MAP: &str = "kube-root-ca.crt";
/// The type of a Secret holding a certificate and its key (`tls.crt`, `tls.key`).
pub const TLS_SECRET_TYPE: &str = "kubernetes.io/tls";
/// A Service of this type points at a DNS name and selects no pods.
pub const EXTERNAL_NAME: &str = "ExternalName";

crate::object_view!(
    /// A Service: its ports and the Pods it selects.
    Service, GROUP, [SERVICE]
);
crate::object_view!(
    /// A Secret.
    Secret, GROUP, [SECRET]
);
crate::object_view!(
    /// A Namespace: its labels (which route and policy selectors match).
    Namespace, GROUP, [NAMESPACE]
);
crate::object_view!(
    /// A Pod.
    Pod, GROUP, [POD]
);
crate::object_view!(
    /// A Deployment, StatefulSet or DaemonSet: a Pod template and a selector.
    Workload, APPS_GROUP, [DEPLOYMENT, STATEFUL_SET, DAEMON_SET]
);

crate::object_view!(
    /// A ConfigMap: its keys, when written.
    ConfigMap, GROUP, [CONFIG_MAP]
);
crate::object_view!(
    /// A NetworkPolicy: the pods it applies to (`spec.podSelector`).
    NetworkPolicy, NETWORKING_GROUP, [NETWORK_POLICY]
);
crate::object_view!(
    /// A PodDisruptionBudget: the pods it protects (`spec.selector`).
    PodDisruptionBudget, POLICY_GROUP, [POD_DISRUPTION_BUDGET]
);

crate::part_view!(
    /// One entry of a Service's `spec.ports`.
    ServicePort
);
crate::part_view!(
    /// A label selector (`matchLabels`, `matchExpressions`), as workloads, budgets and
    /// policies write them.
    LabelSelector
);
crate::part_view!(
    /// One entry of a Pod spec's `volumes`.
    Volume
);
crate::part_view!(
    /// A workload's `spec.template`.
    PodTemplate
);
crate::part_view!(
    /// A Pod's (or Pod template's) `spec`.
    PodSpec
);
crate::part_view!(
    /// One entry of a Pod spec's `containers` or `initContainers`.
    Container
);

/// The key of the Secret `name` in `namespace`: what certificate references, Certificates
/// and secret controllers name.
pub fn secret_key<'b>(namespace: &'b str, name: &'b str) -> ObjectKey<'b> {
    ObjectKey::namespaced(GROUP, SECRET, namespace, name)
}

/// The key of the Service `name` in `namespace`.
pub fn service_key<'b>(namespace: &'b str, name: &'b str) -> ObjectKey<'b> {
    ObjectKey::namespaced(GROUP, SERVICE, namespace, name)
}

impl<'a> Service<'a> {
    pub fn ports(self) -> impl Iterator<Item = ServicePort<'a>> + use<'a> {
        self.view().items_at(&["spec", "ports"]).map(ServicePort)
    }
    /// `spec.selector`: the labels of the Pods it sends traffic to.
    pub fn selector(self) -> Option<View<'a>> {
        self.view().at(&["spec", "selector"])
    }
    /// `spec.type`, `ClusterIP` by default.
    pub fn service_type(self) -> &'a str {
        self.view().at(&["spec", "type"]).and_then(View::str).unwrap_or("ClusterIP")
    }
}

impl<'a> ConfigMap<'a> {
    /// Its keys (`data` and `binaryData`), when either is written; `None` when the
    /// ConfigMap is written without contents (filled by something else).
    pub fn keys(self) -> Option<Vec<&'a str>> {
        let v = self.view();
        let (data, binary) = (v.field("data"), v.field("binaryData"));
        if data.is_none() && binary.is_none() {
            return None;
        }
        let keys = data.into_iter().chain(binary).filter_map(View::entries).flatten().map(|(k, _)| k);
        Some(keys.collect())
    }
}

impl<'a> NetworkPolicy<'a> {
    pub fn pod_selector(self) -> Option<LabelSelector<'a>> {
        self.view().at(&["spec", "podSelector"]).map(LabelSelector)
    }
}

impl<'a> PodDisruptionBudget<'a> {
    pub fn selector(self) -> Option<LabelSelector<'a>> {
        self.view().at(&["spec", "selector"]).map(LabelSelector)
    }
}

impl<'a> LabelSelector<'a> {
    pub fn match_labels(self) -> Option<View<'a>> {
        self.0.field("matchLabels")
    }
    /// Whether it selects nothing in particular (no labels, no expressions): it then
    /// selects every pod of its namespace.
    pub fn is_empty(self) -> bool {
        let labels = self.match_labels().and_then(View::entries).is_some_and(|mut e| e.next().is_some());
        !labels && self.0.items_of("matchExpressions").next().is_none()
    }
    /// Whether pods labelled `labels` are selected (`matchLabels` and every expression:
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`); an expression it cannot read selects
    /// nothing.
    pub fn matches(self, labels: &dyn Fn(&str) -> Option<&'a str>) -> bool {
        let wanted = self.match_labels().and_then(View::entries).into_iter().flatten();
        for (k, v) in wanted {
            if v.str().is_none() || labels(k) != v.str() {
                return false;
            }
        }
        self.0.items_of("matchExpressions").all(|e| {
            let Some(key) = e.str_field("key") else { return false };
            let values: Vec<&str> = e.items_of("values").filter_map(View::str).collect();
            let have = labels(key);
            match e.str_field("operator") {
                Some("In") => have.is_some_and(|h| values.contains(&h)),
                Some("NotIn") => have.is_none_or(|h| !values.contains(&h)),
                Some("Exists") => have.is_some(),
                Some("DoesNotExist") => have.is_none(),
                _ => false,
            }
        })
    }
}

impl<'a> ServicePort<'a> {
    pub fn name(self) -> Option<&'a str> {
        self.0.str_field("name")
    }
    pub fn port(self) -> Option<i64> {
        self.0.int_field("port")
    }
    /// `targetPort`: a number or a container port's name.
    pub fn target_port(self) -> Option<View<'a>> {
        self.0.field("targetPort")
    }
    /// `protocol`, `TCP` by default.
    pub fn protocol(self) -> &'a str {
        self.0.str_field("protocol").unwrap_or("TCP")
    }
}

impl<'a> Secret<'a> {
    /// `type`, `Opaque` by default.
    pub fn secret_type(self) -> &'a str {
        self.view().str_field("type").unwrap_or("Opaque")
    }
}

impl<'a> Pod<'a> {
    pub fn pod_spec(self) -> Option<PodSpec<'a>> {
        self.spec().map(PodSpec)
    }
}

impl<'a> Workload<'a> {
    /// `spec.replicas` (absent for DaemonSets and when left to the default, 1).
    pub fn replicas(self) -> Option<i64> {
        self.view().at(&["spec", "replicas"]).and_then(View::int)
    }
    /// `spec.selector.matchLabels`.
    pub fn match_labels(self) -> Option<View<'a>> {
        self.view().at(&["spec", "selector", "matchLabels"])
    }
    /// `spec.selector`.
    pub fn selector(self) -> Option<LabelSelector<'a>> {
        self.view().at(&["spec", "selector"]).map(LabelSelector)
    }
    /// A StatefulSet's `spec.volumeClaimTemplates`: each makes a claim per pod, mounted
    /// by its `metadata.name` as if it were a volume.
    pub fn claim_templates(self) -> Items<'a> {
        self.view().items_at(&["spec", "volumeClaimTemplates"])
    }
    pub fn template(self) -> Option<PodTemplate<'a>> {
        self.view().at(&["spec", "template"]).map(PodTemplate)
    }
}

impl<'a> PodTemplate<'a> {
    /// `metadata.labels`: what the workload's selector and Services match.
    pub fn labels(self) -> Option<View<'a>> {
        self.0.at(&["metadata", "labels"])
    }
    pub fn pod_spec(self) -> Option<PodSpec<'a>> {
        self.0.field("spec").map(PodSpec)
    }
}

impl<'a> PodSpec<'a> {
    pub fn containers(self) -> impl Iterator<Item = Container<'a>> + use<'a> {
        self.0.items_of("containers").map(Container)
    }
    pub fn init_containers(self) -> impl Iterator<Item = Container<'a>> + use<'a> {
        self.0.items_of("initContainers").map(Container)
    }
    pub fn service_account_name(self) -> Option<View<'a>> {
        self.0.field("serviceAccountName")
    }
    pub fn volumes(self) -> impl Iterator<Item = Volume<'a>> + use<'a> {
        self.0.items_of("volumes").map(Volume)
    }
    /// Every reference of the pods to an object of kind `kind` ([`CONFIG_MAP`],
    /// [`PERSISTENT_VOLUME_CLAIM`]) by name, with the keys read: `configMapKeyRef`,
    /// `envFrom` `configMapRef`, and `configMap`, projected `configMap` and
    /// `persistentVolumeClaim` volumes.
    pub fn object_uses(self, kind: &str) -> Vec<SecretUse<'a>> {
        match kind {
            PERSISTENT_VOLUME_CLAIM => self
                .volumes()
                .filter_map(|v| v.0.at(&["persistentVolumeClaim", "claimName"]))
                .map(|name| SecretUse { name, keys: Vec::new(), optional: false })
                .collect(),
            CONFIG_MAP => self.reads(&CONFIG_MAP_REFS),
            _ => Vec::new(),
        }
    }

    /// Every read by the pods of the kind `refs` describes: its key references in `env`,
    /// its `envFrom` entries, and its volumes (plain and projected), with the keys read
    /// and whether the pod starts without it (`optional: true`).
    fn reads(self, refs: &Refs) -> Vec<SecretUse<'a>> {
        let optional = |v: View<'a>| v.field("optional").and_then(View::bool) == Some(true);
        let mut out = Vec::new();
        for c in self.containers().chain(self.init_containers()) {
            for r in c.env().filter_map(|e| e.at(&["valueFrom", refs.key_ref])) {
                if let Some(name) = r.field("name") {
                    out.push(SecretUse { name, keys: r.field("key").into_iter().collect(), optional: optional(r) });
                }
            }
            for r in c.0.items_of("envFrom").filter_map(|e| e.field(refs.env_from)) {
                if let Some(name) = r.field("name") {
                    out.push(SecretUse { name, keys: Vec::new(), optional: optional(r) });
                }
            }
        }
        for v in self.0.items_of("volumes") {
            let projected = v.at(&["projected"]).map(|p| p.items_of("sources")).into_iter().flatten();
            let sources = v.field(refs.volume).map(|s| (s, refs.volume_name)).into_iter();
            let sources = sources.chain(projected.filter_map(|s| s.field(refs.volume)).map(|s| (s, "name")));
            for (s, field) in sources {
                if let Some(name) = s.field(field) {
                    let keys = s.items_of("items").filter_map(|i| i.field("key")).collect();
                    out.push(SecretUse { name, keys, optional: optional(s) });
                }
            }
        }
        out
    }
    /// The names of the Secrets the pods read, as written: `secretKeyRef` and `secretRef`
    /// of every container's `env` and `envFrom`, `secret` and projected `secret` volumes,
    /// and `imagePullSecrets`.
    pub fn secret_names(self) -> Vec<View<'a>> {
        let mut out = Vec::new();
        for c in self.containers().chain(self.init_containers()) {
            out.extend(c.env().filter_map(|e| e.at(&["valueFrom", "secretKeyRef", "name"])));
            out.extend(c.0.items_of("envFrom").filter_map(|e| e.at(&["secretRef", "name"])));
        }
        for v in self.0.items_of("volumes") {
            out.extend(v.at(&["secret", "secretName"]));
            let projected = v.at(&["projected"]).map(|p| p.items_of("sources")).into_iter().flatten();
            out.extend(projected.filter_map(|s| s.at(&["secret", "name"])));
        }
        out.extend(self.0.items_of("imagePullSecrets").filter_map(|s| s.field("name")));
        out
    }

    /// Every read of a Secret by the pods, with the key read when one is (`secretKeyRef`,
    /// a volume's `items`), and whether the pod starts without it (`optional: true`).
    pub fn secret_uses(self) -> Vec<SecretUse<'a>> {
        self.reads(&SECRET_REFS)
    }
}

impl<'a> Volume<'a> {
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
}

/// Where a pod spec names objects of one kind: the field of an `env` entry's
/// `valueFrom`, of an `envFrom` entry, of a volume (and of a projected volume's source),
/// and the volume's field holding the name.
struct Refs {
    key_ref: &'static str,
    env_from: &'static str,
    volume: &'static str,
    volume_name: &'static str,
}

const SECRET_REFS: Refs =
    Refs { key_ref: "secretKeyRef", env_from: "secretRef", volume: "secret", volume_name: "secretName" };
const CONFIG_MAP_REFS: Refs =
    Refs { key_ref: "configMapKeyRef", env_from: "configMapRef", volume: "configMap", volume_name: "name" };

/// One read of a Secret (or ConfigMap, or claim) by a pod: its name and the keys read,
/// as written.
#[derive(Clone, Debug)]
pub struct SecretUse<'a> {
    pub name: View<'a>,
    pub keys: Vec<View<'a>>,
    pub optional: bool,
}

impl<'a> Container<'a> {
    pub fn name(self) -> Option<&'a str> {
        self.0.str_field("name")
    }
    pub fn image(self) -> Option<View<'a>> {
        self.0.field("image")
    }
    /// `ports`: each with `containerPort`, and maybe `name` and `protocol`.
    pub fn ports(self) -> Items<'a> {
        self.0.items_of("ports")
    }
    /// `env`: each with `name` and `value` or `valueFrom`.
    pub fn env(self) -> Items<'a> {
        self.0.items_of("env")
    }
    /// `volumeMounts`: each names a volume of the pod (`name`).
    pub fn volume_mounts(self) -> Items<'a> {
        self.0.items_of("volumeMounts")
    }
}
