//! Gateway API (`gateway.networking.k8s.io`): the group, kinds and the fields checks
//! read, with the API's defaults applied where the API applies them (a reference's
//! `kind` is `Gateway` or `Service`, its `group` the Gateway API's or the core one, a
//! TLS listener's `mode` is `Terminate`, `allowedRoutes.namespaces.from` is `Same`).
//! Namespace defaults depend on the referrer and are left to the caller (`None`).

use crate::view::{Items, ObjectKey, ObjectView, View};

/// The API group of every kind here.
pub const GROUP: &str = "gateway.networking.k8s.io";
/// The version cedc writes.
pub const VERSION: &str = "v1";
/// `apiVersion` of the objects cedc writes.
pub const API_VERSION: &str = "gateway.networking.k8s.io/v1";

pub const GATEWAY_CLASS: &str = "GatewayClass";
pub const GATEWAY: &str = "Gateway";
pub const HTTP_ROUTE: &str = "HTTPRoute";
pub const GRPC_ROUTE: &str = "GRPCRoute";
pub const TLS_ROUTE: &str = "TLSRoute";
pub const REFERENCE_GRANT: &str = "ReferenceGrant";
/// The route kinds cedc checks; they share `parentRefs`, `hostnames` and `rules`.
pub const ROUTE_KINDS: &[&str] = &[HTTP_ROUTE, GRPC_ROUTE, TLS_ROUTE];

crate::object_view!(
    /// A GatewayClass: which controller programs the Gateways of this class.
    GatewayClass, GROUP, [GATEWAY_CLASS]
);
crate::object_view!(
    /// A Gateway: its class and listeners.
    Gateway, GROUP, [GATEWAY]
);
crate::object_view!(
    /// An HTTPRoute, GRPCRoute or TLSRoute.
    Route, GROUP, [HTTP_ROUTE, GRPC_ROUTE, TLS_ROUTE]
);
crate::object_view!(
    /// A ReferenceGrant: which referrers of other namespaces may name objects of its own.
    ReferenceGrant, GROUP, [REFERENCE_GRANT]
);

crate::part_view!(
    /// One entry of a Gateway's `spec.listeners`.
    Listener
);
crate::part_view!(
    /// One entry of a listener's `tls.certificateRefs`.
    CertificateRef
);
crate::part_view!(
    /// One entry of a route's (or an HTTP-01 solver's) `parentRefs`.
    ParentRef
);
crate::part_view!(
    /// One entry of a route's `spec.rules`.
    Rule
);
crate::part_view!(
    /// One entry of a rule's `matches`.
    RouteMatch
);
crate::part_view!(
    /// One entry of a rule's `backendRefs`.
    BackendRef
);
crate::part_view!(
    /// One entry of a ReferenceGrant's `spec.from` or `spec.to`.
    GrantPeer
);

impl<'a> GatewayClass<'a> {
    /// `spec.controllerName`.
    pub fn controller_name(self) -> Option<View<'a>> {
        self.view().at(&["spec", "controllerName"])
    }
}

impl<'a> Gateway<'a> {
    /// `spec.gatewayClassName`.
    pub fn class_name(self) -> Option<View<'a>> {
        self.view().at(&["spec", "gatewayClassName"])
    }
    pub fn listeners(self) -> impl Iterator<Item = Listener<'a>> + use<'a> {
        self.view().items_at(&["spec", "listeners"]).map(Listener)
    }
}

impl<'a> Listener<'a> {
    /// `name`, `""` when missing.
    pub fn name(self) -> &'a str {
        self.0.str_field("name").unwrap_or_default()
    }
    pub fn port(self) -> Option<i64> {
        self.0.int_field("port")
    }
    /// `protocol` (`HTTP`, `HTTPS`, `TLS`, ...), `""` when missing.
    pub fn protocol(self) -> &'a str {
        self.0.str_field("protocol").unwrap_or_default()
    }
    /// `hostname`, when it is a string.
    pub fn hostname(self) -> Option<View<'a>> {
        self.0.field("hostname").filter(|h| h.str().is_some())
    }
    pub fn tls(self) -> Option<View<'a>> {
        self.0.field("tls")
    }
    /// `tls.mode`, `Terminate` by default.
    pub fn tls_mode(self) -> &'a str {
        self.0.at(&["tls", "mode"]).and_then(View::str).unwrap_or("Terminate")
    }
    /// Whether the listener terminates TLS (HTTPS, or TLS in `Terminate` mode).
    pub fn terminates_tls(self) -> bool {
        matches!(self.0.str_field("protocol"), Some("HTTPS" | "TLS")) && self.tls_mode() == "Terminate"
    }
    pub fn certificate_refs(self) -> impl ExactSizeIterator<Item = CertificateRef<'a>> + use<'a> {
        self.0.items_at(&["tls", "certificateRefs"]).map(CertificateRef)
    }
    /// `allowedRoutes.kinds`: the route kinds admitted (empty: those of the protocol).
    pub fn allowed_kinds(self) -> impl ExactSizeIterator<Item = &'a str> + use<'a> {
        self.0.items_at(&["allowedRoutes", "kinds"]).map(|k| k.str_field("kind").unwrap_or_default())
    }
    /// `allowedRoutes.namespaces.from`, `Same` by default.
    pub fn allowed_from(self) -> &'a str {
        self.0.at(&["allowedRoutes", "namespaces", "from"]).and_then(View::str).unwrap_or("Same")
    }
    /// `allowedRoutes.namespaces.selector.matchLabels`.
    pub fn allowed_match_labels(self) -> Option<View<'a>> {
        self.0.at(&["allowedRoutes", "namespaces", "selector", "matchLabels"])
    }
}

impl<'a> CertificateRef<'a> {
    /// `name`, the field (with its span).
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// `namespace`: `None` for the Gateway's own.
    pub fn namespace(self) -> Option<&'a str> {
        self.0.str_field("namespace")
    }
    /// Whether the reference names a Secret (the API's default kind, core group).
    pub fn is_secret(self) -> bool {
        self.0.str_field("group").unwrap_or("").is_empty() && self.0.str_field("kind").unwrap_or("Secret") == "Secret"
    }
}

impl<'a> Route<'a> {
    /// `spec.hostnames`, the field (to point at all of them).
    pub fn hostnames_field(self) -> Option<View<'a>> {
        self.view().at(&["spec", "hostnames"])
    }
    pub fn hostnames(self) -> Items<'a> {
        self.view().items_at(&["spec", "hostnames"])
    }
    pub fn parent_refs(self) -> impl Iterator<Item = ParentRef<'a>> + use<'a> {
        self.view().items_at(&["spec", "parentRefs"]).map(ParentRef)
    }
    pub fn rules(self) -> impl ExactSizeIterator<Item = Rule<'a>> + use<'a> {
        self.view().items_at(&["spec", "rules"]).map(Rule)
    }
}

impl<'a> ParentRef<'a> {
    /// `group`, the Gateway API's by default.
    pub fn group(self) -> &'a str {
        self.0.str_field("group").unwrap_or(GROUP)
    }
    /// `kind`, `Gateway` by default.
    pub fn kind(self) -> &'a str {
        self.0.str_field("kind").unwrap_or(GATEWAY)
    }
    /// Whether the parent is a Gateway (not some other parent kind).
    pub fn is_gateway(self) -> bool {
        self.kind() == GATEWAY && self.group() == GROUP
    }
    /// `namespace`: `None` for the referrer's own.
    pub fn namespace(self) -> Option<&'a str> {
        self.0.str_field("namespace")
    }
    /// `name`, the field (with its span).
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// `sectionName`: the listener, by name.
    pub fn section_name(self) -> Option<View<'a>> {
        self.0.field("sectionName").filter(|s| s.str().is_some())
    }
    /// `port`: the listener, by port.
    pub fn port(self) -> Option<View<'a>> {
        self.0.field("port").filter(|p| p.int().is_some())
    }
    /// The Gateway this names, for a referrer in `referrer_ns`.
    pub fn gateway_key<'b>(self, referrer_ns: &'b str) -> ObjectKey<'b>
    where
        'a: 'b,
    {
        let name = self.name().and_then(View::str).unwrap_or_default();
        ObjectKey::namespaced(GROUP, GATEWAY, self.namespace().unwrap_or(referrer_ns), name)
    }
}

impl<'a> Rule<'a> {
    pub fn matches(self) -> impl ExactSizeIterator<Item = RouteMatch<'a>> + use<'a> {
        self.0.items_of("matches").map(RouteMatch)
    }
    pub fn backend_refs(self) -> impl Iterator<Item = BackendRef<'a>> + use<'a> {
        self.0.items_of("backendRefs").map(BackendRef)
    }
}

impl<'a> RouteMatch<'a> {
    /// Whether the match also tests headers, query parameters or the method: it selects
    /// a subset of the requests to its path.
    pub fn selects_subset(self) -> bool {
        ["headers", "queryParams", "method"].iter().any(|k| self.0.field(k).is_some())
    }
    /// `path.type` (the API's default, `PathPrefix`, left to the caller).
    pub fn path_type(self) -> Option<&'a str> {
        self.0.at(&["path", "type"]).and_then(View::str)
    }
    /// `path.value`.
    pub fn path_value(self) -> Option<&'a str> {
        self.0.at(&["path", "value"]).and_then(View::str)
    }
}

impl<'a> BackendRef<'a> {
    /// Whether the backend is a Service (core group, the API's default kind).
    pub fn is_service(self) -> bool {
        self.0.str_field("group").unwrap_or("").is_empty() && self.0.str_field("kind").unwrap_or("Service") == "Service"
    }
    /// `namespace`: `None` for the route's own.
    pub fn namespace(self) -> Option<&'a str> {
        self.0.str_field("namespace")
    }
    /// `name`, the field (with its span).
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// `port`, when it is an integer.
    pub fn port(self) -> Option<View<'a>> {
        self.0.field("port").filter(|p| p.int().is_some())
    }
}

impl<'a> ReferenceGrant<'a> {
    /// `spec.from`: the referrers allowed (`group`, `kind`, `namespace`).
    pub fn from(self) -> impl Iterator<Item = GrantPeer<'a>> + use<'a> {
        self.view().items_at(&["spec", "from"]).map(GrantPeer)
    }
    /// `spec.to`: the objects they may name (`group`, `kind`, optional `name`).
    pub fn to(self) -> impl Iterator<Item = GrantPeer<'a>> + use<'a> {
        self.view().items_at(&["spec", "to"]).map(GrantPeer)
    }
    /// Whether the grant lets `from_kind` objects (of this group) in `from_ns` refer to
    /// the `to_kind` of `to_group` named `to_name`, in the grant's namespace.
    pub fn allows(self, from_kind: &str, from_ns: &str, to_group: &str, to_kind: &str, to_name: &str) -> bool {
        let from_ok = self
            .from()
            .any(|f| f.group() == Some(GROUP) && f.kind() == Some(from_kind) && f.namespace() == Some(from_ns));
        let to_ok = self.to().any(|t| {
            t.group().unwrap_or("") == to_group && t.kind() == Some(to_kind) && t.name().is_none_or(|n| n == to_name)
        });
        from_ok && to_ok
    }
}

impl<'a> GrantPeer<'a> {
    pub fn group(self) -> Option<&'a str> {
        self.0.str_field("group")
    }
    pub fn kind(self) -> Option<&'a str> {
        self.0.str_field("kind")
    }
    pub fn namespace(self) -> Option<&'a str> {
        self.0.str_field("namespace")
    }
    pub fn name(self) -> Option<&'a str> {
        self.0.str_field("name")
    }
}
