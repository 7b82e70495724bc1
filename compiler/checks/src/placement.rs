//! Placement and sizing: what an environment's cluster can run.
//!
//! - E0460: a component that needs a host cluster, placed in a virtual-cluster
//!   environment. What makes it host-only, first found: its `needs_host`, its chart's
//!   (chart modules declare it), a CSIDriver it installs, or a pod spec with host access
//!   (host namespaces, a `hostPath` volume, a privileged container, a capability over the
//!   node: [`PodSpec::host_access`]).
//! - Sizing against the nodes of the environment's cluster (its host's for a virtual
//!   cluster, [`Platform::nodes_of`]): E0461, a Deployment or StatefulSet spread at most
//!   one pod per node with more replicas than nodes; for a declared quorum (`quorum:` of
//!   the component or its chart), E0462 when its members cannot all be scheduled, E0463
//!   when one node restart takes away its majority, E0464 (a warning) when it survives a
//!   restart but the other nodes cannot hold all its members (`(nodes − 1) × per_node <
//!   members`), so the lost ones wait for the node (the Ceph lesson);
//!   E0465 for a quorum that is not one (no member, or none allowed per node).
//!
//! Environments that declare no cluster are not checked. Invariants: each component is
//! visited once and each of its objects once; no pair of objects is compared.

use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::core::{Pod, PodSpec, Workload};
use cedc_model::views::delivery::Release;
use cedc_model::views::placement::Quorum;
use cedc_model::views::storage;
use cedc_model::{Component, Environment, ObjectView, Platform, View};

/// Run the placement and sizing checks on `env`.
pub fn check(platform: &Platform, env: &Environment, diags: &mut Diagnostics) {
    let mut out = Vec::new();
    let host = platform.host_of(env).filter(|_| env.virtual_cluster().is_some());
    let nodes = platform.nodes_of(env);
    for c in &env.components {
        if let Some(h) = host {
            host_only(env, h, c, &mut out);
        }
        if let Some(nodes) = nodes {
            let sizing = Sizing { env, host, nodes: nodes.0, declared: nodes.1 };
            sizing.spread(c, &mut out);
            sizing.quorum(c, &mut out);
        }
    }
    diags.extend(out.into_iter().map(|d| d.in_env(&env.name)));
}

/// What makes a component host-only, in words, and where it is said.
fn needs_host(c: &Component) -> Option<(String, Span)> {
    let declared = |v: View| v.str().map(|s| (s.to_string(), v.span()));
    if let Some(found) = c.needs_host.as_deref().map(View::new).and_then(declared) {
        return Some(found);
    }
    let chart = c.chart.as_deref().map(|r| Release(View::new(r)));
    if let Some(found) = chart.and_then(|r| r.view().field("needs_host")).and_then(declared) {
        return Some(found);
    }
    for o in c.visible_objects() {
        if o.group() == storage::GROUP && &*o.kind == storage::CSI_DRIVER {
            return Some((format!("it installs the CSI driver `{}`, which runs on the nodes", o.name), o.name_span()));
        }
        let spec = match (Workload::cast(o), Pod::cast(o)) {
            (Some(w), _) => w.template().and_then(|t| t.pod_spec()),
            (None, Some(p)) => p.pod_spec(),
            _ => None,
        };
        if let Some(access) = spec.and_then(PodSpec::host_access) {
            return Some((format!("{} `{}`: {}", o.kind, o.name, access.what), access.at.span()));
        }
    }
    None
}

/// E0460 when component `c` needs the host and `env` is a virtual cluster in `host`.
fn host_only(env: &Environment, host: &Environment, c: &Component, out: &mut Vec<Diagnostic>) {
    let Some((why, at)) = needs_host(c) else { return };
    out.push(
        Diagnostic::error(
            "E0460",
            format!("`{}` needs a host cluster, and `{}` is a virtual cluster in `{}`: {why}", c.name, env.name, host.name),
        )
        .at(c.placed_at, "placed in a virtual cluster")
        .also(at, "what makes it host-only")
        .help(format!(
            "deploy it in the host only (`envs: [{}]`): a virtual cluster's pods run on the host's nodes, which it serves from there",
            host.name
        )),
    );
}

/// The sizing checks of one environment: its cluster's node count and where it is declared.
struct Sizing<'a> {
    env: &'a Environment,
    /// The host, when the environment is a virtual cluster (its nodes are the host's).
    host: Option<&'a Environment>,
    nodes: i64,
    declared: Span,
}

impl Sizing<'_> {
    /// `prod's 3 nodes`, or `the 3 nodes of its host prod`.
    fn nodes_text(&self) -> String {
        let n = self.nodes;
        let s = if n == 1 { "" } else { "s" };
        match self.host {
            Some(h) => format!("the {n} node{s} of its host `{}`", h.name),
            None => format!("`{}`'s {n} node{s}", self.env.name),
        }
    }

    /// E0461 for each workload of `c` spread one pod per node with more replicas than nodes.
    fn spread(&self, c: &Component, out: &mut Vec<Diagnostic>) {
        for w in c.visible_objects().filter_map(Workload::cast) {
            if w.kind() == "DaemonSet" {
                continue;
            }
            let Some(key) = w.template().and_then(|t| t.pod_spec()).and_then(PodSpec::one_per_node) else { continue };
            let replicas = w.view().at(&["spec", "replicas"]);
            let count = replicas.and_then(View::int).unwrap_or(1);
            if count <= self.nodes {
                continue;
            }
            out.push(
                Diagnostic::error(
                    "E0461",
                    format!(
                        "{} `{}` asks for {count} replicas at most one per node, on {}: {} stay Pending",
                        w.kind(),
                        w.name(),
                        self.nodes_text(),
                        count - self.nodes
                    ),
                )
                .at(replicas.map_or(w.name_span(), View::span), format!("{count} replicas"))
                .also(key.span(), "one per node")
                .also(self.declared, "the cluster's nodes")
                .help(format!(
                    "run at most {} replicas, or relax the spreading (preferred anti-affinity, or `maxSkew` above 1)",
                    self.nodes
                )),
            );
        }
    }

    /// The quorum checks of `c` (its own `quorum`, else its chart's).
    fn quorum(&self, c: &Component, out: &mut Vec<Diagnostic>) {
        let chart = c.chart.as_deref().and_then(|r| Release(View::new(r)).view().field("quorum"));
        let own = c.quorum.as_deref().map(View::new);
        let Some(q) = own.or(chart).map(Quorum) else { return };
        let Some(members) = q.members() else { return };
        let (m, p) = (members.int().unwrap_or(0), q.per_node());
        let what = q.what().unwrap_or("members");
        if m < 1 || p < 1 {
            out.push(
                Diagnostic::error("E0465", format!("the quorum of `{}` has {m} {what}, at most {p} per node", c.name))
                    .at(q.span(), "not a quorum")
                    .help(
                        "a quorum has at least one member (`members`), and at least one may run on a node (`per_node`)",
                    ),
            );
            return;
        }
        let needed = (m + p - 1) / p;
        let majority = m / 2 + 1;
        let survivors = m - p.min(m);
        let nodes = self.nodes;
        // A quorum the chart module computes is pointed at where the component is placed
        // (the user's input), with the module's computation beside it.
        let base = |code, msg: String| {
            let d = if code == "E0464" { Diagnostic::warning(code, msg) } else { Diagnostic::error(code, msg) };
            let d = match own {
                Some(_) => d.at(members.span(), format!("{m} {what}")),
                None => {
                    d.at(c.placed_at, format!("{m} {what} (its chart's)")).also(members.span(), "the chart's quorum")
                }
            };
            d.also(self.declared, "the cluster's nodes")
        };
        if needed > nodes {
            out.push(
                base(
                    "E0462",
                    format!(
                        "{m} {what} of `{}`, at most {p} per node, need {needed} nodes; {} cannot schedule them all",
                        c.name,
                        self.nodes_text()
                    ),
                )
                .help(format!(
                    "run at most {} {what} here, or allow more per node (which weakens what a node restart takes)",
                    nodes * p
                )),
            );
        } else if survivors < majority {
            out.push(
                base("E0463", format!("a node restart takes {} of the {m} {what} of `{}`: {survivors} left, below the majority of {majority}, so it stops", p.min(m), c.name))
                    .help(format!("run an odd number of at least 3 {what} spread one per node (on {} that is {})", self.nodes_text(), if nodes >= 3 { "possible" } else { "not possible: add nodes" })),
            );
        } else if (nodes - 1) * p < m {
            out.push(
                base("E0464", format!("the {m} {what} of `{}` survive a node restart ({survivors} of {m}, majority {majority}), but the other {} node(s) hold at most {} of them ({p} per node) on {}: the lost ones cannot be rescheduled until the node returns, and one more failure stops it", c.name, nodes - 1, (nodes - 1) * p, self.nodes_text()))
                    .help(format!("run on {} nodes (one spare for {m} {what} at {p} per node), or accept running degraded during every node restart", (m + p - 1) / p + 1)),
            );
        }
    }
}
