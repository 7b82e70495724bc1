//! cert-manager (`cert-manager.io`): issuers, their ACME solvers, Certificates, and the
//! Gateway annotations cert-manager reads, with cert-manager's defaults (an `issuerRef`
//! names an `Issuer` unless its `kind` says otherwise).

use crate::view::{Items, ObjectKey, ObjectView, View};
use crate::views::gateway::ParentRef;

/// The API group of every kind here.
pub const GROUP: &str = "cert-manager.io";
/// The version cedc writes.
pub const VERSION: &str = "v1";
/// `apiVersion` of the objects cedc writes.
pub const API_VERSION: &str = "cert-manager.io/v1";

pub const ISSUER: &str = "Issuer";
pub const CLUSTER_ISSUER: &str = "ClusterIssuer";
pub const CERTIFICATE: &str = "Certificate";
pub const CERTIFICATE_REQUEST: &str = "CertificateRequest";

/// The issuer annotations cert-manager reads on a Gateway, with the kind each names.
pub const ISSUER_ANNOTATIONS: [(&str, &str); 2] =
    [("cert-manager.io/cluster-issuer", CLUSTER_ISSUER), ("cert-manager.io/issuer", ISSUER)];

crate::object_view!(
    /// An Issuer (serves its own namespace) or a ClusterIssuer (serves every one).
    Issuer, GROUP, [ISSUER, CLUSTER_ISSUER]
);
crate::object_view!(
    /// A Certificate: the names cert-manager certifies into a Secret, and by whom.
    Certificate, GROUP, [CERTIFICATE]
);

crate::part_view!(
    /// An issuer's `spec.acme`.
    Acme
);
crate::part_view!(
    /// One entry of `spec.acme.solvers`.
    Solver
);
crate::part_view!(
    /// A solver's `selector`: the names (and object labels) it answers for.
    SolverSelector
);
crate::part_view!(
    /// A Certificate's `spec.issuerRef`.
    IssuerRef
);

/// The key an issuer of `kind` (`Issuer` or `ClusterIssuer`) named `name` has, as seen
/// from `namespace` (a ClusterIssuer has none).
pub fn issuer_key<'b>(kind: &'b str, namespace: &'b str, name: &'b str) -> ObjectKey<'b> {
    if kind == CLUSTER_ISSUER {
        ObjectKey::cluster(GROUP, kind, name)
    } else {
        ObjectKey::namespaced(GROUP, kind, namespace, name)
    }
}

impl<'a> Issuer<'a> {
    /// The issuer's key (a ClusterIssuer's has no namespace).
    pub fn issuer_key(self) -> ObjectKey<'a> {
        issuer_key(self.kind(), self.namespace(), self.name())
    }
    /// `spec.acme`, for an ACME issuer.
    pub fn acme(self) -> Option<Acme<'a>> {
        self.view().at(&["spec", "acme"]).map(Acme)
    }
}

impl<'a> Acme<'a> {
    pub fn solvers(self) -> impl ExactSizeIterator<Item = Solver<'a>> + Clone + use<'a> {
        self.0.items_of("solvers").map(Solver)
    }
}

impl<'a> Solver<'a> {
    pub fn selector(self) -> Option<SolverSelector<'a>> {
        self.0.field("selector").map(SolverSelector)
    }
    /// Whether it answers DNS-01 challenges.
    pub fn is_dns01(self) -> bool {
        self.0.field("dns01").is_some()
    }
    /// For an HTTP-01 solver through Gateway API (`http01.gatewayHTTPRoute`): the
    /// parents of the HTTPRoute cert-manager makes for a challenge.
    pub fn gateway_parents(self) -> Option<impl Iterator<Item = ParentRef<'a>> + use<'a>> {
        self.0.at(&["http01", "gatewayHTTPRoute"]).map(|r| r.items_of("parentRefs").map(ParentRef))
    }
}

impl<'a> SolverSelector<'a> {
    /// `matchLabels`, on the labels of the Certificate (or annotated Gateway).
    pub fn match_labels(self) -> Option<View<'a>> {
        self.0.field("matchLabels")
    }
    pub fn dns_names(self) -> Items<'a> {
        self.0.items_of("dnsNames")
    }
    pub fn dns_zones(self) -> Items<'a> {
        self.0.items_of("dnsZones")
    }
}

impl<'a> Certificate<'a> {
    /// `spec.secretName`: the Secret it writes.
    pub fn secret_name(self) -> Option<View<'a>> {
        self.view().at(&["spec", "secretName"])
    }
    /// `spec.dnsNames`, the field (to point at all of them).
    pub fn dns_names_field(self) -> Option<View<'a>> {
        self.view().at(&["spec", "dnsNames"])
    }
    pub fn dns_names(self) -> Items<'a> {
        self.view().items_at(&["spec", "dnsNames"])
    }
    /// `spec.commonName`.
    pub fn common_name(self) -> Option<View<'a>> {
        self.view().at(&["spec", "commonName"])
    }
    pub fn issuer_ref(self) -> Option<IssuerRef<'a>> {
        self.view().at(&["spec", "issuerRef"]).map(IssuerRef)
    }
}

impl<'a> IssuerRef<'a> {
    /// `kind`, `Issuer` by default.
    pub fn kind(self) -> &'a str {
        self.0.str_field("kind").unwrap_or(ISSUER)
    }
    /// `name`, the field (with its span).
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
}
