//! Placement: what ties a component to a host cluster and how its replicas spread over
//! nodes — the prelude `Quorum` record, the `needs_host` facts components and chart
//! modules declare, and what pod specs say about host access and anti-affinity. Field
//! names and the host-access settings live here once; the placement checks read them.

use crate::view::View;
use crate::views::core::PodSpec;

crate::part_view!(
    /// A quorum system's members (prelude `Quorum`).
    Quorum
);

/// The node label pods spread over, one per node.
pub const HOSTNAME_TOPOLOGY: &str = "kubernetes.io/hostname";

/// Linux capabilities that give a container power over its node.
pub const HOST_CAPABILITIES: &[&str] = &["SYS_ADMIN", "NET_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE", "ALL"];

impl<'a> Quorum<'a> {
    pub fn what(self) -> Option<&'a str> {
        self.0.str_field("what")
    }
    pub fn members(self) -> Option<View<'a>> {
        self.0.field("members")
    }
    /// `per_node`, 1 when absent.
    pub fn per_node(self) -> i64 {
        self.0.int_field("per_node").unwrap_or(1)
    }
}

/// Something in a pod spec that needs the host: the field that says so and, in words,
/// what it is.
pub struct HostAccess<'a> {
    pub at: View<'a>,
    pub what: String,
}

impl<'a> PodSpec<'a> {
    /// The first setting of this pod spec that needs a node of a real cluster: host
    /// namespaces (`hostNetwork`, `hostPID`, `hostIPC`), a `hostPath` volume, a privileged
    /// container, or a capability over the node ([`HOST_CAPABILITIES`]).
    pub fn host_access(self) -> Option<HostAccess<'a>> {
        for field in ["hostNetwork", "hostPID", "hostIPC"] {
            if let Some(v) = self.0.field(field).filter(|v| v.bool() == Some(true)) {
                return Some(HostAccess { at: v, what: format!("its pods share the node's {field}") });
            }
        }
        for v in self.0.items_of("volumes") {
            if let Some(path) = v.field("hostPath") {
                let dir = path.str_field("path").unwrap_or("a node directory");
                return Some(HostAccess { at: path, what: format!("its pods mount `{dir}` of the node (hostPath)") });
            }
        }
        for c in self.containers().chain(self.init_containers()) {
            let name = c.name().unwrap_or("a container");
            let sc = c.0.field("securityContext");
            if let Some(p) = sc.and_then(|s| s.field("privileged")).filter(|v| v.bool() == Some(true)) {
                return Some(HostAccess { at: p, what: format!("container `{name}` runs privileged") });
            }
            let added = sc.and_then(|s| s.at(&["capabilities", "add"])).map(View::items).into_iter().flatten();
            for cap in added {
                if let Some(c) = cap.str().filter(|c| HOST_CAPABILITIES.contains(&c.trim_start_matches("CAP_"))) {
                    return Some(HostAccess { at: cap, what: format!("container `{name}` adds the capability {c}") });
                }
            }
        }
        None
    }

    /// The span saying the pods are spread at most one per node, when they are: a
    /// required pod anti-affinity on [`HOSTNAME_TOPOLOGY`] or a topology spread
    /// constraint over it with `maxSkew: 1` and `whenUnsatisfiable: DoNotSchedule`.
    pub fn one_per_node(self) -> Option<View<'a>> {
        let required = self.0.at(&["affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]);
        for term in required.map(View::items).into_iter().flatten() {
            if let Some(key) = term.field("topologyKey").filter(|k| k.str() == Some(HOSTNAME_TOPOLOGY)) {
                return Some(key);
            }
        }
        for c in self.0.items_of("topologySpreadConstraints") {
            let strict = c.str_field("whenUnsatisfiable") == Some("DoNotSchedule") && c.int_field("maxSkew") == Some(1);
            if let Some(key) = c.field("topologyKey").filter(|k| strict && k.str() == Some(HOSTNAME_TOPOLOGY)) {
                return Some(key);
            }
        }
        None
    }
}
