//! Ingresses, checked where they are served. An Ingress of a host cluster (or of an
//! environment that says nothing of its cluster) is served by the IngressClasses of its
//! own environment; an Ingress of a virtual cluster that syncs Ingresses to its host
//! (`sync: { ingresses: true }`) is copied there and served by the host's classes, while
//! one that does not stays inside the virtual cluster and is served by its own.
//!
//! - E0454: the Ingress names an IngressClass that does not exist where it is served;
//! - E0455 (warning): it names no class and no class is the default where it is served;
//! - E0456: a backend names a Service that its namespace does not have, or a port
//!   number that Service does not expose.
//!
//! The classes are checked only where cedc knows them: where the Ingress is served some
//! IngressClass is declared, or the environment is a virtual cluster (cedc knows what it
//! syncs), or cedc delivers it (and so knows what is installed). Elsewhere the class may
//! come with the cluster, outside the platform's declarations.
//!
//! Invariants: the classes of each environment and the Services are indexed once; each
//! Ingress is a few look-ups.

use cedc_diagnostics::{Diagnostic, Diagnostics, did_you_mean};
use cedc_model::views::cluster::Sync;
use cedc_model::views::core::{self, Service};
use cedc_model::views::ingress::{Ingress, IngressClass};
use cedc_model::{Component, Environment, ObjectKey, ObjectView, Platform};
use std::collections::BTreeMap;

/// The IngressClasses of one environment, by name, and the default one.
struct Classes<'a> {
    names: BTreeMap<&'a str, IngressClass<'a>>,
    default: Option<&'a str>,
}

impl<'a> Classes<'a> {
    fn of(env: &'a Environment) -> Classes<'a> {
        let mut names = BTreeMap::new();
        let mut default = None;
        for c in env.components.iter().flat_map(Component::visible_objects).filter_map(IngressClass::cast) {
            if c.is_default() {
                default.get_or_insert(c.name());
            }
            names.entry(c.name()).or_insert(c);
        }
        Classes { names, default }
    }
}

/// Where the Ingresses of an environment are served, for the messages.
struct Served<'a> {
    classes: Classes<'a>,
    /// `this environment`, or `its host `prod``.
    place: String,
    /// Said when an Ingress is not served: how the virtual cluster could change that.
    hint: Option<String>,
}

fn served<'a>(platform: &'a Platform, env: &'a Environment) -> Served<'a> {
    let own = || Served { classes: Classes::of(env), place: "this environment".into(), hint: None };
    let (Some(v), Some(host)) = (env.virtual_cluster(), platform.host_of(env)) else { return own() };
    if v.syncs(Sync::Ingresses) {
        let place = format!("its host `{}` (the virtual cluster syncs Ingresses there)", host.name);
        return Served { classes: Classes::of(host), place, hint: None };
    }
    let hint = (!Classes::of(host).names.is_empty()).then(|| {
        format!(
            "this virtual cluster does not sync Ingresses to its host `{}`, whose classes would serve them: set `sync: {{ ingresses: true }}` in its `clusters.vcluster(...)`",
            host.name
        )
    });
    Served { hint, ..own() }
}

/// Check every Ingress of `env`.
pub fn check(platform: &Platform, env: &Environment, diags: &mut Diagnostics) {
    let ingresses: Vec<Ingress> =
        env.components.iter().flat_map(|c| c.objects.iter()).filter_map(Ingress::cast).collect();
    if ingresses.is_empty() {
        return;
    }
    let served = served(platform, env);
    let services: BTreeMap<ObjectKey, Service> = env
        .components
        .iter()
        .flat_map(Component::visible_objects)
        .filter_map(Service::cast)
        .map(|s| (core::service_key(s.namespace(), s.name()), s))
        .collect();
    let known = !served.classes.names.is_empty() || env.virtual_cluster().is_some() || !env.delivery.is_empty();
    let mut out = Vec::new();
    for i in ingresses {
        let from = out.len();
        if known {
            class(i, &served, &mut out);
        }
        for b in i.backends() {
            backend(i, b, &services, &mut out);
        }
        crate::at_input(&mut out[from..], i.object());
    }
    diags.extend(out.into_iter().map(|d| d.in_env(&env.name)));
}

fn class(i: Ingress, served: &Served, out: &mut Vec<Diagnostic>) {
    let names = &served.classes.names;
    let Some(class) = i.class_name() else {
        if served.classes.default.is_none() {
            let help = served.hint.clone().unwrap_or_else(|| {
                "name the class of the controller that should serve it (`ingressClassName`), or mark one IngressClass as the default".into()
            });
            out.push(
                Diagnostic::warning(
                    "E0455",
                    format!(
                        "Ingress `{}` names no class, and no IngressClass is the default in {}",
                        i.name(),
                        served.place
                    ),
                )
                .at(i.name_span(), "served by no controller")
                .help(help),
            );
        }
        return;
    };
    let Some(name) = class.str() else { return };
    if names.contains_key(name) {
        return;
    }
    let help = match (&served.hint, did_you_mean(name, names.keys().copied())) {
        (Some(hint), _) => hint.clone(),
        (None, Some(s)) => format!("did you mean `{s}`?"),
        (None, None) if names.is_empty() => {
            format!(
                "no IngressClass exists in {}: deploy an ingress controller there (its chart installs its class)",
                served.place
            )
        }
        (None, None) => {
            let known: Vec<String> = names.keys().map(|n| format!("`{n}`")).collect();
            format!("the classes there are {}", known.join(", "))
        }
    };
    out.push(
        Diagnostic::error(
            "E0454",
            format!("Ingress `{}` names IngressClass `{name}`, which does not exist in {}", i.name(), served.place),
        )
        .at(class.span(), "no such IngressClass where it is served")
        .help(help),
    );
}

fn backend(
    i: Ingress,
    b: cedc_model::views::ingress::IngressBackend,
    services: &BTreeMap<ObjectKey, Service>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(name) = b.name() else { return };
    let Some(svc) = name.str() else { return };
    let ns = i.namespace();
    let Some(service) = services.get(&core::service_key(ns, svc)) else {
        let in_ns = services.keys().filter(|k| k.namespace == Some(ns)).map(|k| k.name);
        let help = match did_you_mean(svc, in_ns) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("an Ingress reaches Services of its own namespace (`{ns}`): deploy the Service there"),
        };
        out.push(
            Diagnostic::error(
                "E0456",
                format!("Ingress `{}` sends traffic to Service `{ns}/{svc}`, which does not exist", i.name()),
            )
            .at(name.span(), "no such Service")
            .help(help),
        );
        return;
    };
    let Some(port) = b.port_number() else { return };
    let Some(number) = port.int() else { return };
    let ports: Vec<i64> = service.ports().filter_map(|p| p.port()).collect();
    if !ports.contains(&number) {
        let list: Vec<String> = ports.iter().map(i64::to_string).collect();
        out.push(
            Diagnostic::error("E0456", format!("Service `{ns}/{svc}` has no port {number}"))
                .at(port.span(), "not a port of the Service")
                .help(format!(
                    "the Service exposes {}",
                    if list.is_empty() { "no port".into() } else { list.join(", ") }
                )),
        );
    }
}
