//! Ingresses (`networking.k8s.io/v1`): an Ingress, the IngressClass it names and the
//! Service backends it sends traffic to. Field names and the default-class annotation
//! live here once.

use crate::view::{ObjectView, View};

/// The API group of Ingresses and IngressClasses.
pub const GROUP: &str = "networking.k8s.io";
pub const INGRESS: &str = "Ingress";
pub const INGRESS_CLASS: &str = "IngressClass";
/// The annotation making an IngressClass the one Ingresses without a class get.
pub const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";

crate::object_view!(
    /// An Ingress: the class that serves it and its Service backends.
    Ingress, GROUP, [INGRESS]
);
crate::object_view!(
    /// An IngressClass: the controller serving the Ingresses naming it.
    IngressClass, GROUP, [INGRESS_CLASS]
);
crate::part_view!(
    /// An Ingress backend's `service`: a name and a port (by number or name).
    IngressBackend
);
crate::part_view!(
    /// One entry of an Ingress's `spec.tls`: hostnames and the Secret of their certificate.
    IngressTls
);

impl<'a> Ingress<'a> {
    /// `spec.ingressClassName`, with its span.
    pub fn class_name(self) -> Option<View<'a>> {
        self.view().at(&["spec", "ingressClassName"])
    }
    /// Every Service backend: `spec.defaultBackend` then each rule path's, in order.
    pub fn backends(self) -> impl Iterator<Item = IngressBackend<'a>> + use<'a> {
        let default = self.view().at(&["spec", "defaultBackend", "service"]);
        let rules = self.view().items_at(&["spec", "rules"]);
        let paths = rules.flat_map(|r| r.items_at(&["http", "paths"]));
        default.into_iter().chain(paths.filter_map(|p| p.at(&["backend", "service"]))).map(IngressBackend)
    }
    /// Each rule's `host`, with its span.
    pub fn rule_hosts(self) -> impl Iterator<Item = View<'a>> + use<'a> {
        self.view().items_at(&["spec", "rules"]).filter_map(|r| r.field("host"))
    }
    /// `spec.tls`.
    pub fn tls(self) -> impl Iterator<Item = IngressTls<'a>> + use<'a> {
        self.view().items_at(&["spec", "tls"]).map(IngressTls)
    }
}

impl<'a> IngressTls<'a> {
    pub fn hosts(self) -> crate::view::Items<'a> {
        self.0.items_of("hosts")
    }
    pub fn secret_name(self) -> Option<View<'a>> {
        self.0.field("secretName")
    }
}

impl<'a> IngressClass<'a> {
    /// `spec.controller`, with its span.
    pub fn controller(self) -> Option<View<'a>> {
        self.view().at(&["spec", "controller"])
    }
    /// Whether it is annotated as the default class.
    pub fn is_default(self) -> bool {
        self.annotations().and_then(|a| a.field(DEFAULT_CLASS_ANNOTATION)).and_then(View::str) == Some("true")
    }
}

impl<'a> IngressBackend<'a> {
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// `port.number`, when the port is given by number.
    pub fn port_number(self) -> Option<View<'a>> {
        self.0.at(&["port", "number"])
    }
}
