//! Sync order: which components of an environment must be running before others, and
//! the sync wave each gets. A component waits for the components that install the
//! CRDs of the kinds it uses (its objects and what its chart installs), that run the
//! controllers its GatewayClasses, IngressClasses and StorageClasses name, that write
//! the Secrets its pods and Gateway listeners read (a Secret, an ExternalSecret, a
//! SealedSecret or a cert-manager Certificate), and that it lists in `after:`. Its wave is one more than the highest wave it waits for (0 when
//! it waits for none); a cycle is reported whole, once, and its components get wave 0.
//!
//! Invariants: the providers of kinds and controllers are indexed once per environment
//! and every use is one look-up in them (no pair loops); the walk over the dependency
//! graph is iterative, so no platform can exhaust the stack; results follow the
//! components' declaration order, never a hash map's.

use crate::Context;
use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::certmanager::Certificate;
use cedc_model::views::core::{Pod, Secret, Workload};
use cedc_model::views::gateway::Gateway;
use cedc_model::views::secrets::{ExternalSecret, SealedSecret};
use cedc_model::{Environment, Object, ObjectView, View};
use std::collections::BTreeMap;

/// Why one component waits for another, and the `.ced` span that says so.
#[derive(Clone, Debug)]
pub struct Edge {
    /// The component waited for (an index into the environment's components).
    pub on: usize,
    pub span: Span,
    pub why: String,
}

/// The order of one environment: for each component (in the environment's order), what
/// it waits for and its sync wave.
#[derive(Clone, Debug, Default)]
pub struct Order {
    pub waits: Vec<Vec<Edge>>,
    pub waves: Vec<u32>,
}

/// Who provides what in one environment, by component index.
#[derive(Default)]
struct Providers {
    /// API group → kind name → the component installing it first (versions do not
    /// matter for who installs a kind; two levels, so that an object's kind is looked up
    /// with the strings it holds).
    kinds: BTreeMap<String, BTreeMap<String, (usize, Span)>>,
    controllers: BTreeMap<String, usize>,
    /// Secrets by (namespace, name): the first component writing each.
    secrets: BTreeMap<(String, String), usize>,
}

/// Compute the order of `env`; diagnostics have no environment yet ([`crate::derive`]
/// adds it).
pub fn order(env: &Environment, cx: &Context, diags: &mut Diagnostics) -> Order {
    let providers = providers(env, diags);
    let by_name: BTreeMap<&str, usize> = env.components.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
    let mut waits = Vec::with_capacity(env.components.len());
    for (i, c) in env.components.iter().enumerate() {
        let mut edges = Vec::new();
        for o in c.objects.iter().chain(&c.installed) {
            uses(o, &providers, &mut edges);
        }
        for a in &c.after {
            let Some(name) = a.as_str() else { continue };
            match by_name.get(name) {
                Some(&on) => edges.push(Edge { on, span: a.span(), why: "listed in `after`".into() }),
                None if cx.declared(name) => {} // declared, not deployed here: nothing to wait for
                None => diags.push(unknown_after(name, a.span(), cx)),
            }
        }
        edges.retain(|e| e.on != i);
        edges.sort_by_key(|e| e.on);
        edges.dedup_by_key(|e| e.on);
        waits.push(edges);
    }
    let waves = waves(env, &waits, diags);
    Order { waits, waves }
}

/// Index the kinds each component installs (its chart's `installs.crds` and the
/// CustomResourceDefinitions among its objects) and the controllers it `provides`. Two
/// components installing one kind is E0405.
fn providers(env: &Environment, diags: &mut Diagnostics) -> Providers {
    let mut p = Providers::default();
    for (i, c) in env.components.iter().enumerate() {
        for (key, span) in c.installed_kinds() {
            let (group, kind) = &key;
            match p.kinds.get(group).and_then(|kinds| kinds.get(kind)) {
                Some(&(other, first)) if other != i => diags.push(
                    Diagnostic::error(
                        "E0405",
                        format!(
                            "components `{}` and `{}` both install the CRD of {}.{}",
                            env.components[other].name, c.name, key.1, key.0
                        ),
                    )
                    .at(span, "installed again here")
                    .also(first, "first installed here")
                    .help("a CRD has one owner: keep it in one component and let the other be ordered after it (the CRDs of a chart can usually be turned off in its values)"),
                ),
                Some(_) => {}
                None => {
                    let (group, kind) = key;
                    p.kinds.entry(group).or_default().insert(kind, (i, span));
                }
            }
        }
        for name in &c.provides {
            p.controllers.entry(name.clone()).or_insert(i);
        }
        // What is made outside the platform is made by no component: nothing waits on it.
        for o in c.objects.iter().chain(&c.installed) {
            if let Some(secret) = written_secret(o) {
                p.secrets.entry(secret).or_insert(i);
            }
        }
    }
    p
}

/// The Secret an object writes, as (namespace, name): a Secret itself, or what an
/// ExternalSecret, a SealedSecret or a cert-manager Certificate writes.
fn written_secret(o: &Object) -> Option<(String, String)> {
    let ns = o.namespace.clone()?;
    let name = if let Some(s) = Secret::cast(o) {
        s.name().to_string()
    } else if let Some(e) = ExternalSecret::cast(o) {
        e.secret_name().to_string()
    } else if let Some(s) = SealedSecret::cast(o) {
        s.secret_name().to_string()
    } else {
        Certificate::cast(o)?.secret_name()?.str()?.to_string()
    };
    Some((ns.to_string(), name))
}

/// The Secrets an object reads, each with the span naming it: those of its pods, and
/// the certificates of a Gateway's listeners.
fn read_secrets(o: &Object) -> Vec<(String, View<'_>)> {
    let Some(ns) = o.namespace.as_deref() else { return Vec::new() };
    let spec = match (Workload::cast(o), Pod::cast(o)) {
        (Some(w), _) => w.template().and_then(|t| t.pod_spec()),
        (_, Some(p)) => p.pod_spec(),
        _ => None,
    };
    let mut out: Vec<(String, View)> =
        spec.map(|s| s.secret_names()).unwrap_or_default().into_iter().map(|n| (ns.to_string(), n)).collect();
    if let Some(g) = Gateway::cast(o) {
        for r in g.listeners().flat_map(|l| l.certificate_refs()).filter(|r| r.is_secret()) {
            if let Some(name) = r.name() {
                out.push((r.namespace().unwrap_or(ns).to_string(), name));
            }
        }
    }
    out
}

/// The dependencies one object implies: on the installer of its kind, on the
/// component running the controller it names, and on the writers of the Secrets it
/// reads.
fn uses(o: &Object, p: &Providers, edges: &mut Vec<Edge>) {
    // With no Secret written by a component (most platforms read theirs from a store
    // outside), an object's pods are not walked for the Secrets they read.
    let reads = if p.secrets.is_empty() { Vec::new() } else { read_secrets(o) };
    for (ns, name) in reads {
        let Some(text) = name.str() else { continue };
        if let Some(&on) = p.secrets.get(&(ns, text.to_string())) {
            edges.push(Edge { on, span: name.span(), why: format!("reads its Secret `{text}`") });
        }
    }
    if let Some(&(on, _)) = p.kinds.get(o.group()).and_then(|kinds| kinds.get(&*o.kind)) {
        let why = format!("uses its kind {}", o.kind);
        edges.push(Edge { on, span: o.name_span(), why });
    }
    let controller = match (o.group(), o.kind.as_ref()) {
        ("gateway.networking.k8s.io", "GatewayClass") => &["spec", "controllerName"][..],
        ("networking.k8s.io", "IngressClass") => &["spec", "controller"][..],
        ("storage.k8s.io", "StorageClass") => &["provisioner"][..],
        _ => return,
    };
    let Some(named) = View::new(&o.value).at(controller) else { return };
    if let Some(&on) = named.str().and_then(|n| p.controllers.get(n)) {
        let why = format!("names its controller `{}`", named.str().unwrap_or_default());
        edges.push(Edge { on, span: named.span(), why });
    }
}

fn unknown_after(name: &str, span: Span, cx: &Context) -> Diagnostic {
    let d = Diagnostic::error("E0404", format!("`after` names `{name}`, which is not a component"))
        .at(span, "no component has this name");
    match cedc_diagnostics::did_you_mean(name, cx.components.iter().map(|c| c.name.as_str())) {
        Some(s) => {
            d.help(format!("did you mean `{s}`? `after` lists the names of components declared in the platform"))
        }
        None => d.help("`after` lists the names of components declared in the platform"),
    }
}

/// The wave of each component: the longest chain of waits below it. Iterative
/// depth-first walk; a cycle is E0403, reported once with every component on it.
fn waves(env: &Environment, waits: &[Vec<Edge>], diags: &mut Diagnostics) -> Vec<u32> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let n = waits.len();
    let mut state = vec![State::New; n];
    let mut wave = vec![0u32; n];
    for root in 0..n {
        if state[root] != State::New {
            continue;
        }
        // (component, next edge to follow)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = State::Open;
        while let Some(&mut (c, ref mut next)) = stack.last_mut() {
            if let Some(edge) = waits[c].get(*next) {
                *next += 1;
                match state[edge.on] {
                    State::New => {
                        state[edge.on] = State::Open;
                        stack.push((edge.on, 0));
                    }
                    State::Open => {
                        let from = stack.iter().position(|(s, _)| *s == edge.on).unwrap_or(0);
                        let cycle: Vec<usize> = stack[from..].iter().map(|(s, _)| *s).collect();
                        diags.push(cycle_error(env, waits, &cycle));
                    }
                    State::Done => {}
                }
            } else {
                stack.pop();
                state[c] = State::Done;
                wave[c] = waits[c]
                    .iter()
                    .filter(|e| state[e.on] == State::Done)
                    .map(|e| wave[e.on].saturating_add(1))
                    .max()
                    .unwrap_or(0);
            }
        }
    }
    wave
}

/// E0403 for the components of `cycle`, each waiting for the next, the last for the
/// first: at the span of each wait.
fn cycle_error(env: &Environment, waits: &[Vec<Edge>], cycle: &[usize]) -> Diagnostic {
    let names: Vec<&str> = cycle.iter().map(|&c| env.components[c].name.as_str()).collect();
    let mut shown = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>();
    shown.push(format!("`{}`", names[0]));
    let mut d = Diagnostic::error("E0403", format!("components wait for each other: {}", shown.join(" → ")));
    for (k, &c) in cycle.iter().enumerate() {
        let next = cycle[(k + 1) % cycle.len()];
        if let Some(e) = waits[c].iter().find(|e| e.on == next) {
            let label = format!("`{}` waits for `{}` ({})", names[k], env.components[next].name, e.why);
            d = if k == 0 { d.at(e.span, label) } else { d.also(e.span, label) };
        }
    }
    d.help("no component can be synchronised first: remove one of these dependencies (an `after` entry, or move the CRD or controller to the component that needs it)")
}
