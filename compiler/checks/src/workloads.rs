//! References between workload objects, in every environment: what a workload, a
//! Service or a pod names must exist where it is looked for.
//!
//! - E0140: a workload's selector does not select its own pod template (the Deployment
//!   would be refused, or adopt other pods);
//! - E0141: a Service's selector selects no pod template of its namespace;
//! - E0142 (warning): a Service without a selector, not `ExternalName`, that no
//!   Endpoints or EndpointSlice of the platform fills: it sends traffic nowhere;
//! - E0143: a Service's `targetPort` (by name, or by number where the pods declare their
//!   ports) is on none of the pods it selects;
//! - E0144: a container mounts a volume its pod does not declare (nor, for a
//!   StatefulSet, a claim template);
//! - E0145: a pod reads a ConfigMap, a PersistentVolumeClaim or a ServiceAccount that
//!   nothing in the platform makes in its namespace (`optional: true` references, the
//!   `default` ServiceAccount and `kube-root-ca.crt` excepted; Secrets are E0473);
//! - E0146: a ConfigMap key read that the ConfigMap, written with its contents, lacks;
//! - E0147 (warning): a NetworkPolicy or PodDisruptionBudget whose selector selects no
//!   pod template of its namespace;
//! - E0151: a workload name too long for the names and labels Kubernetes derives from
//!   it (a StatefulSet's `controller-revision-hash` label, a CronJob's Jobs, a Job's
//!   `job-name` label: at most 63 characters), or for the names an operator derives
//!   from it (the ClickHouse operator's per-host ConfigMap and volume,
//!   [`cedc_model::views::clickhouse`]).
//!
//! Pods are those of the platform's own objects (bare Pods and the templates of
//! Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs). A chart's
//! pods are not in the model: in a namespace where a chart is installed the selector
//! checks (E0141, E0143, E0147) are not made.
//!
//! Invariant: everything referred to is indexed once per environment — pods by
//! (namespace, label, value), objects made by (kind, namespace, name); each reference is
//! a lookup, each selector an intersection of the index's lists of pods.

use cedc_diagnostics::{Diagnostic, Span};
use cedc_model::views::clickhouse::Named;
use cedc_model::views::core::{
    self as core, ConfigMap, DEFAULT_SERVICE_ACCOUNT, EXTERNAL_NAME, LabelSelector, NetworkPolicy, Pod,
    PodDisruptionBudget, PodSpec, ROOT_CA_CONFIG_MAP, SERVICE_NAME_LABEL, SecretUse, Service, Workload,
};
use cedc_model::{Environment, Object, ObjectView, View};
use std::borrow::Cow;
use std::collections::BTreeSet;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// The kinds whose pod template is `spec.template` besides [`Workload`]'s.
const TEMPLATED: [(&str, &str); 2] = [("apps", "ReplicaSet"), ("batch", "Job")];

/// A pod template (or a bare Pod) of the platform.
struct Pods<'a> {
    ns: &'a str,
    labels: Option<View<'a>>,
    spec: PodSpec<'a>,
    /// The names of a StatefulSet's claim templates (mounted as volumes).
    claims: Vec<&'a str>,
    /// The object, for the help.
    owner: &'a Object,
}

impl<'a> Pods<'a> {
    fn label(&self, key: &str) -> Option<&'a str> {
        self.labels?.field(key)?.str()
    }
}

/// What the checks of one environment look things up in. The maps are only looked up
/// by key, never listed (what is listed keeps its order): hashed. The pods carrying a
/// label are a list of their indexes, ascending as the pods were added (a set each was
/// a tree's allocations for one or two pods, a fifth of this check's time).
struct Index<'a> {
    pods: Vec<Pods<'a>>,
    /// (namespace, label, value) → the pods carrying it, ascending.
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
    by_ns: HashMap<&'a str, Vec<usize>>,
    /// (kind, namespace, name) → the ConfigMap, whose keys are read when a pod reads one.
    made: HashMap<(&'a str, &'a str, &'a str), Option<ConfigMap<'a>>>,
    /// (kind, name) → the namespaces an object of that kind and name is made in (the
    /// help of E0145; sorted only for a report).
    by_name: HashMap<(&'a str, &'a str), Vec<&'a str>>,
    /// Services whose endpoints an Endpoints or EndpointSlice object gives.
    filled: BTreeSet<(&'a str, &'a str)>,
    /// Namespaces where a chart runs pods cedc does not see.
    charted: BTreeSet<&'a str>,
}

pub fn check(env: &Environment, diags: &mut Vec<Diagnostic>) {
    let index = Index::build(env);
    let mut out = Vec::new();
    for c in &env.components {
        for o in &c.objects {
            let from = out.len();
            let ns = o.namespace.as_deref().unwrap_or(&c.namespace);
            if let Some(w) = Workload::cast(o) {
                own_template(w, &mut out);
            }
            name_budget(o, &mut out);
            if let Some(i) = Named::cast(o) {
                operator_budget(i, &mut out);
            }
            if let Some(s) = Service::cast(o) {
                service(s, ns, &index, &mut out);
            }
            if let Some(p) = NetworkPolicy::cast(o) {
                selects_something(p.pod_selector(), ns, o, &index, &mut out);
            }
            if let Some(p) = PodDisruptionBudget::cast(o) {
                selects_something(p.selector(), ns, o, &index, &mut out);
            }
            crate::at_input(&mut out[from..], o);
        }
    }
    for p in &index.pods {
        let from = out.len();
        mounts(p, &mut out);
        reads(p, &index, &mut out);
        crate::at_input(&mut out[from..], p.owner);
    }
    diags.extend(out.into_iter().map(|d| d.in_env(&env.name)));
}

impl<'a> Index<'a> {
    fn build(env: &'a Environment) -> Index<'a> {
        let mut ix = Index {
            pods: Vec::new(),
            by_label: HashMap::default(),
            by_ns: HashMap::default(),
            made: HashMap::default(),
            by_name: HashMap::default(),
            filled: BTreeSet::new(),
            charted: BTreeSet::new(),
        };
        for c in &env.components {
            if c.chart.is_some() {
                ix.charted.insert(&c.namespace);
            }
            for o in c.visible_objects() {
                let ns = o.namespace.as_deref().unwrap_or(&c.namespace);
                ix.add_made(o, ns);
            }
            for o in &c.objects {
                let ns = o.namespace.as_deref().unwrap_or(&c.namespace);
                if let Some(p) = pods_of(o, ns) {
                    ix.add_pods(p);
                }
            }
        }
        ix
    }

    fn add_made(&mut self, o: &'a Object, ns: &'a str) {
        let group = o.group();
        if group == core::GROUP {
            match o.kind.as_ref() {
                core::CONFIG_MAP => {
                    self.made.insert((core::CONFIG_MAP, ns, &o.name), ConfigMap::cast(o));
                    self.by_name.entry((core::CONFIG_MAP, &o.name)).or_default().push(ns);
                }
                core::PERSISTENT_VOLUME_CLAIM | core::SERVICE_ACCOUNT => {
                    self.made.insert((o.kind.as_ref(), ns, &o.name), None);
                    self.by_name.entry((o.kind.as_ref(), &o.name)).or_default().push(ns);
                }
                core::ENDPOINTS => {
                    self.filled.insert((ns, &o.name));
                }
                _ => {}
            }
        } else if group == core::DISCOVERY_GROUP && &*o.kind == core::ENDPOINT_SLICE {
            let service = View::new(&o.value).at(&["metadata", "labels", SERVICE_NAME_LABEL]).and_then(View::str);
            if let Some(s) = service {
                self.filled.insert((ns, s));
            }
        }
    }

    fn add_pods(&mut self, p: Pods<'a>) {
        let i = self.pods.len();
        let labels = p.labels.and_then(View::entries).into_iter().flatten();
        for (k, v) in labels.filter_map(|(k, v)| Some((k, v.str()?))) {
            self.by_label.entry((p.ns, k, v)).or_default().push(i);
        }
        self.by_ns.entry(p.ns).or_default().push(i);
        self.pods.push(p);
    }

    /// The pods of namespace `ns` carrying every label of `wanted` (a map of strings),
    /// ascending: the index's own list for one label, their intersection for more.
    fn carrying<'s>(&'s self, ns: &'s str, wanted: View<'a>) -> Cow<'s, [usize]> {
        let mut found: Option<Cow<[usize]>> = None;
        for (k, v) in wanted.entries().into_iter().flatten() {
            let Some(v) = v.str() else { return Cow::Borrowed(&[]) };
            let these = self.by_label.get(&(ns, k, v)).map_or(&[][..], Vec::as_slice);
            found = Some(match found {
                None => Cow::Borrowed(these),
                Some(f) => Cow::Owned(f.iter().copied().filter(|i| these.binary_search(i).is_ok()).collect()),
            });
        }
        found.unwrap_or_else(|| Cow::Borrowed(self.in_ns(ns)))
    }

    /// The pods of `ns`, ascending.
    fn in_ns<'s>(&'s self, ns: &'s str) -> &'s [usize] {
        self.by_ns.get(ns).map_or(&[], Vec::as_slice)
    }

    /// The pods of `ns` a label selector selects: its `matchLabels` through the index,
    /// then its expressions on those.
    fn selected(&self, ns: &str, s: LabelSelector<'a>) -> Vec<usize> {
        let candidates = match s.match_labels() {
            Some(m) => self.carrying(ns, m),
            None => Cow::Borrowed(self.in_ns(ns)),
        };
        candidates.iter().copied().filter(|i| s.matches(&|k| self.pods[*i].label(k))).collect()
    }

    fn is_made(&self, kind: &'a str, ns: &'a str, name: &'a str) -> Option<&Option<ConfigMap<'a>>> {
        self.made.get(&(kind, ns, name))
    }
}

/// The pods `o` runs, in namespace `ns`, when it runs any.
fn pods_of<'a>(o: &'a Object, ns: &'a str) -> Option<Pods<'a>> {
    let v = View::new(&o.value);
    let (template, claims) = if let Some(p) = Pod::cast(o) {
        return Some(Pods { ns, labels: v.at(&["metadata", "labels"]), spec: p.pod_spec()?, claims: vec![], owner: o });
    } else if let Some(w) = Workload::cast(o) {
        let claims = w.claim_templates().filter_map(|t| t.at(&["metadata", "name"])?.str()).collect();
        (v.at(&["spec", "template"])?, claims)
    } else if TEMPLATED.contains(&(o.group(), o.kind.as_ref())) {
        (v.at(&["spec", "template"])?, vec![])
    } else if o.group() == "batch" && &*o.kind == "CronJob" {
        (v.at(&["spec", "jobTemplate", "spec", "template"])?, vec![])
    } else {
        return None;
    };
    let spec = PodSpec(template.field("spec")?);
    Some(Pods { ns, labels: template.at(&["metadata", "labels"]), spec, claims, owner: o })
}

/// E0140: the workload's selector selects its own template.
fn own_template(w: Workload, out: &mut Vec<Diagnostic>) {
    let (Some(selector), Some(template)) = (w.selector(), w.template()) else { return };
    let labels = template.labels();
    let label = |k: &str| labels?.field(k)?.str();
    if selector.matches(&label) {
        return;
    }
    // Point at the first label the template lacks, else at the selector.
    let wanted = selector.match_labels().and_then(View::entries).into_iter().flatten();
    let (at, what) = match wanted.into_iter().find(|(k, v)| label(k) != v.str()) {
        Some((k, v)) => match label(k) {
            Some(have) => (v.span(), format!("the template's `{k}` is `{have}`")),
            None => (v.span(), format!("the template has no label `{k}`")),
        },
        None => (selector.span(), "an expression the template's labels do not meet".to_string()),
    };
    let mut d =
        Diagnostic::error("E0140", format!("{} `{}` selects pods its own template does not make", w.kind(), w.name()))
            .at(at, what);
    if let Some(l) = labels {
        d = d.also(l.span(), "the template's labels");
    }
    out.push(d.help(
        "a workload's `selector` must match its `template.metadata.labels` (the API server refuses it otherwise): derive both from one value",
    ));
}

/// E0141, E0142, E0143 for the Service `s` of namespace `ns`.
fn service(s: Service, ns: &str, ix: &Index, out: &mut Vec<Diagnostic>) {
    if s.service_type() == EXTERNAL_NAME {
        return;
    }
    let selector = s.selector().filter(|v| v.entries().is_some_and(|mut e| e.next().is_some()));
    let Some(selector) = selector else {
        if !ix.filled.contains(&(ns, s.name())) {
            out.push(
                Diagnostic::warning("E0142", format!("Service `{}` selects no pods and nothing gives it endpoints", s.name()))
                    .at(s.object().name_span(), "no `selector`")
                    .help("give it the `selector` of the pods it serves; a Service for something outside the cluster is `type: \"ExternalName\"`, or is filled by an EndpointSlice labelled `kubernetes.io/service-name` with its name"),
            );
        }
        return;
    };
    if ix.charted.contains(ns) {
        return;
    }
    let selected = ix.carrying(ns, selector);
    if selected.is_empty() {
        out.push(no_pods(s, ns, selector, ix));
        return;
    }
    for p in s.ports() {
        target_port(s, p, &selected, ix, out);
    }
}

/// E0141, with the closest pods of the namespace in the help.
fn no_pods(s: Service, ns: &str, selector: View, ix: &Index) -> Diagnostic {
    let mut d = Diagnostic::error(
        "E0141",
        format!("Service `{}` selects no pods: no pod template of `{ns}` carries all of its labels", s.name()),
    )
    .at(selector.span(), "selects nothing");
    let pods = ix.in_ns(ns).iter().take(3);
    let described: Vec<String> = pods
        .map(|i| {
            let p = &ix.pods[*i];
            let labels = p.labels.and_then(View::entries).into_iter().flatten();
            let labels: Vec<String> = labels.filter_map(|(k, v)| Some(format!("{k}: {}", v.str()?))).collect();
            match labels.is_empty() {
                true => format!("{} `{}` has no labels", p.owner.kind, p.owner.name),
                false => format!("{} `{}` has {{ {} }}", p.owner.kind, p.owner.name, labels.join(", ")),
            }
        })
        .collect();
    if let Some(first) = ix.in_ns(ns).first() {
        let owner = ix.pods[*first].owner;
        d = d.also(owner.name_span(), format!("{} `{}` runs pods here", owner.kind, owner.name));
    }
    d.help(if described.is_empty() {
        format!("no pod runs in `{ns}` in this environment: a Service selects pods of its own namespace")
    } else {
        format!("select labels a template carries: {}", described.join("; "))
    })
}

/// E0143: the port `p` of Service `s` reaches a port of the pods it selects.
fn target_port(s: Service, p: core::ServicePort, selected: &[usize], ix: &Index, out: &mut Vec<Diagnostic>) {
    let containers = || {
        selected.iter().flat_map(|i| {
            let spec = ix.pods[*i].spec;
            spec.containers().flat_map(|c| c.ports()).collect::<Vec<_>>()
        })
    };
    let target = p.target_port();
    let at = target.map_or(p.0.span(), View::span);
    if let Some(name) = target.and_then(View::str) {
        if name.parse::<i64>().is_ok() {
            return;
        }
        let names: Vec<&str> = containers().filter_map(|c| c.str_field("name")).collect();
        if !names.contains(&name) {
            let known = sorted(names).iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            out.push(
                Diagnostic::error(
                    "E0143",
                    format!("Service `{}` sends port `{name}` to pods that have no port of that name", s.name()),
                )
                .at(at, "no selected container has this port")
                .help(if known.is_empty() {
                    "the selected containers name no ports: name the container port, or target it by number".to_string()
                } else {
                    format!("the selected containers' ports are {known}")
                }),
            );
        }
        return;
    }
    let Some(number) = target.and_then(View::int).or(p.port()) else { return };
    let declared: Vec<i64> = containers().filter_map(|c| c.int_field("containerPort")).collect();
    if declared.is_empty() || declared.contains(&number) {
        return;
    }
    let list = sorted(declared.clone()).iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let swapped = p.port().filter(|port| *port != number && declared.contains(port));
    let help = match swapped {
        Some(port) => format!(
            "the pods listen on {list}: `port` ({port}) and `targetPort` ({number}) look swapped — `targetPort` is the container's"
        ),
        None => format!("the pods listen on {list}: set `targetPort` to one of them"),
    };
    out.push(
        Diagnostic::error(
            "E0143",
            format!("Service `{}` sends traffic to port {number}, on which none of its pods listens", s.name()),
        )
        .at(at, if target.is_some() { "targetPort" } else { "port (and targetPort, left to it)" })
        .help(help),
    );
}

/// E0147: a policy's or budget's selector selects some pod.
fn selects_something(s: Option<LabelSelector>, ns: &str, o: &Object, ix: &Index, out: &mut Vec<Diagnostic>) {
    let Some(s) = s.filter(|s| !s.is_empty()) else { return };
    if ix.charted.contains(ns) || !ix.selected(ns, s).is_empty() {
        return;
    }
    out.push(
        Diagnostic::warning("E0147", format!("{} `{}` selects no pods in `{ns}`", o.kind, o.name))
            .at(s.span(), "selects nothing")
            .help("it applies to nothing: select the labels of the pod templates it is meant for"),
    );
}

/// E0144: every mount names a volume of its pod.
fn mounts(p: &Pods, out: &mut Vec<Diagnostic>) {
    let volumes: Vec<&str> = p.spec.volumes().filter_map(|v| v.name()?.str()).chain(p.claims.iter().copied()).collect();
    for c in p.spec.containers().chain(p.spec.init_containers()) {
        for m in c.volume_mounts() {
            let Some(name) = m.field("name") else { continue };
            let Some(text) = name.str().filter(|n| !volumes.contains(n)) else { continue };
            let known = sorted(volumes.clone()).iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
            // The name where the mount writes it; when it comes from elsewhere (a helper's
            // `mount(volume, path)` copies the volume's own), the mount's path, with the
            // volume's declaration as the second place.
            let (at, declared) = match m.field("mountPath") {
                Some(path) if !m.span().contains(name.span()) => (path.span(), Some(name.span())),
                _ => (name.span(), None),
            };
            let mut d = Diagnostic::error(
                "E0144",
                format!(
                    "container `{}` mounts the volume `{text}`, which its pod does not declare",
                    c.name().unwrap_or("?")
                ),
            )
            .at(at, "no such volume");
            if let Some(n) = declared {
                d = d.also(n, format!("the volume `{text}`, not given to the workload"));
            }
            out.push(d.help(if known.is_empty() {
                format!("{} `{}` declares no volumes: add `{text}` to the pod's `volumes`", p.owner.kind, p.owner.name)
            } else {
                format!("the pod's volumes are {known}")
            }));
        }
    }
}

/// E0145 and E0146 for what the pods of `p` read.
fn reads<'a>(p: &Pods<'a>, ix: &Index<'a>, out: &mut Vec<Diagnostic>) {
    for kind in [core::CONFIG_MAP, core::PERSISTENT_VOLUME_CLAIM] {
        for u in p.spec.object_uses(kind).into_iter().filter(|u| !u.optional) {
            let Some(name) = u.name.str() else { continue };
            if kind == core::CONFIG_MAP && name == ROOT_CA_CONFIG_MAP {
                continue;
            }
            match ix.is_made(kind, p.ns, name) {
                None => out.push(not_made(kind, name, p.ns, u.name.span(), ix)),
                Some(Some(map)) if !u.keys.is_empty() => {
                    if let Some(keys) = map.keys() {
                        out.extend(missing_keys(&u, name, &keys.into_iter().collect()));
                    }
                }
                Some(_) => {}
            }
        }
    }
    if let Some(sa) = p.spec.service_account_name()
        && let Some(name) = sa.str()
        && name != DEFAULT_SERVICE_ACCOUNT
        && ix.is_made(core::SERVICE_ACCOUNT, p.ns, name).is_none()
    {
        out.push(not_made(core::SERVICE_ACCOUNT, name, p.ns, sa.span(), ix));
    }
}

/// `items` in order, each once: what a report lists (the lists looked up in are a pod's
/// few volumes or ports, kept as read).
fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort_unstable();
    items.dedup();
    items
}

/// E0145, naming the namespaces where an object of that kind and name is made.
fn not_made(kind: &str, name: &str, ns: &str, at: Span, ix: &Index) -> Diagnostic {
    let namespaces = sorted(ix.by_name.get(&(kind, name)).cloned().unwrap_or_default());
    let elsewhere: Vec<String> = namespaces.iter().map(|other| format!("`{other}`")).collect();
    let help = if elsewhere.is_empty() {
        let optional = if kind == core::CONFIG_MAP {
            ", or mark the reference `optional: true` if the pods start without it"
        } else {
            ""
        };
        format!(
            "make a {kind} `{name}` in `{ns}` in this environment{optional}; one made outside the platform's declarations is listed in the component's `made_outside` (`k8s.outside(\"{kind}\", \"{name}\")`)"
        )
    } else {
        format!(
            "a {kind} `{name}` is made in {}, not in `{ns}`: pods read objects of their own namespace",
            elsewhere.join(", ")
        )
    };
    Diagnostic::error(
        "E0145",
        format!("the pods read the {kind} `{name}`, which nothing in the platform makes in `{ns}`"),
    )
    .at(at, "read here")
    .help(help)
}

/// E0146 for each key `u` reads that the ConfigMap `name` (with `keys`) lacks.
fn missing_keys(u: &SecretUse, name: &str, keys: &BTreeSet<&str>) -> Vec<Diagnostic> {
    let list = keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    u.keys
        .iter()
        .filter_map(|k| Some((k, k.str()?)))
        .filter(|(_, key)| !keys.contains(key))
        .map(|(k, key)| {
            Diagnostic::error("E0146", format!("the ConfigMap `{name}` has no key `{key}`"))
                .at(k.span(), "read here")
                .help(if list.is_empty() {
                    "it is written with no keys".to_string()
                } else {
                    format!("its keys are {list}")
                })
        })
        .collect()
}

/// What Kubernetes derives from a workload's name, with the longest name that keeps it
/// within 63 characters: (group, kind, what is derived, longest name).
const BUDGETS: [(&str, &str, &str, usize); 3] = [
    ("apps", "StatefulSet", "its pods' label `controller-revision-hash: <name>-<10 characters>`", 52),
    ("batch", "CronJob", "its Jobs, named `<name>-<11 digits>` and labelled `job-name` with it", 52),
    ("batch", "Job", "its pods' label `job-name: <name>`", 63),
];

/// E0151: the workload's name leaves room for what Kubernetes derives from it.
fn name_budget(o: &Object, out: &mut Vec<Diagnostic>) {
    let Some((_, kind, derived, max)) = BUDGETS.iter().find(|(g, k, _, _)| o.group() == *g && &*o.kind == *k) else {
        return;
    };
    let length = o.name.chars().count();
    if length <= *max {
        return;
    }
    out.push(
        Diagnostic::error(
            "E0151",
            format!("{kind} `{}` has a {length}-character name: {derived} would exceed 63 characters", o.name),
        )
        .at(o.name_span(), format!("{length} characters"))
        .help(format!("a {kind}'s name can have at most {max} characters: shorten it by {}", length - max)),
    );
}

/// E0151 for a ClickHouse installation whose longest per-host name (the ConfigMap the
/// operator mounts as a volume, a DNS label) exceeds 63 characters: reported at the
/// installation's name, with the cluster's name beside it.
fn operator_budget(i: Named, out: &mut Vec<Diagnostic>) {
    const MAX: usize = 63;
    for c in i.clusters() {
        let cluster = c.name().and_then(View::str).unwrap_or_default();
        let derived = i.config_map_name(cluster, &c.longest_host());
        let length = derived.chars().count();
        if length <= MAX {
            continue;
        }
        let mut d = Diagnostic::error(
            "E0151",
            format!(
                "{} `{}`: the operator names a host's ConfigMap and volume `{derived}`, {length} characters",
                i.object.kind, i.object.name
            ),
        )
        .at(i.object.name_span(), format!("{} characters too many", length - MAX));
        if let Some(n) = c.name() {
            d = d.also(n.span(), "the cluster's name is part of it");
        }
        out.push(d.help(format!(
            "a volume name has at most {MAX} characters and the operator does not shorten it (the StatefulSet is refused, and the operator retries without saying why): shorten the installation's or the cluster's name by {} in all (it makes `{}-<name>-deploy-confd-<cluster>-<shard>-<replica>` for each host)",
            length - MAX,
            i.prefix
        )));
    }
}
