//! The Upbound GCP DNS provider (`provider-gcp-dns`, a family provider of
//! provider-upjet-gcp) as cedc reads it: Crossplane managed resources of
//! `dns.gcp.upbound.io` — a `ManagedZone` (a Cloud DNS zone) and the `RecordSet`s in
//! it — reconciled with the credentials of a `ProviderConfig` of `gcp.upbound.io`. All
//! three are cluster-scoped. (Releases from v2 also serve namespaced copies in
//! `dns.gcp.m.upbound.io` with `gcp.m.upbound.io` configs; cedc reads the classic,
//! cluster-scoped ones.)
//!
//! A managed resource's desired state is `spec.forProvider` (`spec.initProvider` holds
//! values set only at creation); a RecordSet names its zone by the zone's Cloud DNS name
//! (`managedZone`), or by the Crossplane object that manages it (`managedZoneRef`) or a
//! label selector over those (`managedZoneSelector`). The accessors here read
//! `forProvider` and apply Crossplane's defaults (deletion policy `Delete`, provider
//! config `default`).

use crate::view::{Items, ObjectKey, ObjectView, View};

/// The API group of the DNS kinds.
pub const GROUP_DNS: &str = "dns.gcp.upbound.io";
/// The version cedc writes: served by every release up to v2 (v3 serves only
/// [`VERSION_V1BETA2`]).
pub const VERSION: &str = "v1beta1";
/// The newer version, served since v1.x beside [`VERSION`]: single nested blocks are
/// objects rather than lists of one object.
pub const VERSION_V1BETA2: &str = "v1beta2";
/// Every version of the DNS kinds cedc knows.
pub const VERSIONS: [&str; 2] = [VERSION, VERSION_V1BETA2];
/// `apiVersion` of the DNS objects cedc writes.
pub const API_VERSION: &str = "dns.gcp.upbound.io/v1beta1";

/// A Cloud DNS managed zone.
pub const MANAGED_ZONE: &str = "ManagedZone";
/// A set of DNS records of one name and type in a managed zone.
pub const RECORD_SET: &str = "RecordSet";

/// The API group of the GCP family's provider configurations (shared by every GCP
/// family provider).
pub const PROVIDER_CONFIG_GROUP: &str = "gcp.upbound.io";
pub const PROVIDER_CONFIG_VERSION: &str = "v1beta1";
/// `apiVersion` of a ProviderConfig.
pub const PROVIDER_CONFIG_API_VERSION: &str = "gcp.upbound.io/v1beta1";
/// How a managed resource authenticates to GCP: a project and credentials.
pub const PROVIDER_CONFIG: &str = "ProviderConfig";

/// The provider's package: its OCI repository, without a tag.
pub const DNS_PROVIDER_REPOSITORY: &str = "xpkg.upbound.io/upbound/provider-gcp-dns";
/// The kinds of cedc knows the provider installs, as `(group, kind)`: its managed
/// resources and its family's ProviderConfig (the family provider comes with it as a
/// dependency).
pub const DNS_PROVIDER_KINDS: &[(&str, &str)] =
    &[(GROUP_DNS, MANAGED_ZONE), (GROUP_DNS, RECORD_SET), (PROVIDER_CONFIG_GROUP, PROVIDER_CONFIG)];

/// The ProviderConfig a managed resource uses when it names none.
pub const DEFAULT_PROVIDER_CONFIG: &str = "default";
/// What happens to the external resource when its object is deleted, when unset.
pub const DEFAULT_DELETION_POLICY: &str = "Delete";
/// A managed zone's visibility when unset (the Cloud DNS API's default).
pub const DEFAULT_VISIBILITY: &str = "public";

crate::object_view!(
    /// A RecordSet: records of one name and type in a managed zone.
    RecordSet, GROUP_DNS, [RECORD_SET]
);
crate::object_view!(
    /// A ManagedZone: a Cloud DNS zone for a DNS name.
    ManagedZone, GROUP_DNS, [MANAGED_ZONE]
);
crate::object_view!(
    /// A ProviderConfig of the GCP family: the project and credentials managed
    /// resources use.
    ProviderConfig, PROVIDER_CONFIG_GROUP, [PROVIDER_CONFIG]
);

/// The key of the ManagedZone object named `name` (cluster-scoped), as a
/// `managedZoneRef` names it.
pub fn managed_zone_key(name: &str) -> ObjectKey<'_> {
    ObjectKey::cluster(GROUP_DNS, MANAGED_ZONE, name)
}

/// The key of the ProviderConfig named `name` (cluster-scoped).
pub fn provider_config_key(name: &str) -> ObjectKey<'_> {
    ObjectKey::cluster(PROVIDER_CONFIG_GROUP, PROVIDER_CONFIG, name)
}

/// What every managed resource of the provider has in its `spec`.
pub trait Managed<'a>: ObjectView<'a> {
    /// `spec.forProvider`: the desired state of the external resource.
    fn for_provider(self) -> Option<View<'a>> {
        self.view().at(&["spec", "forProvider"])
    }
    /// `spec.initProvider`: values set only when the external resource is created.
    fn init_provider(self) -> Option<View<'a>> {
        self.view().at(&["spec", "initProvider"])
    }
    /// `spec.providerConfigRef.name`, the field (to point at it).
    fn provider_config_ref(self) -> Option<View<'a>> {
        self.view().at(&["spec", "providerConfigRef", "name"])
    }
    /// The ProviderConfig it uses: `spec.providerConfigRef.name`, `default` when unset.
    fn provider_config_name(self) -> &'a str {
        self.provider_config_ref().and_then(View::str).unwrap_or(DEFAULT_PROVIDER_CONFIG)
    }
    /// `spec.deletionPolicy`, `Delete` when unset.
    fn deletion_policy(self) -> &'a str {
        self.view().at(&["spec", "deletionPolicy"]).and_then(View::str).unwrap_or(DEFAULT_DELETION_POLICY)
    }
    /// `spec.managementPolicies` (all of them, `*`, when unset: empty here).
    fn management_policies(self) -> Items<'a> {
        self.view().items_at(&["spec", "managementPolicies"])
    }
    /// `spec.writeConnectionSecretToRef`.
    fn write_connection_secret_to_ref(self) -> Option<View<'a>> {
        self.view().at(&["spec", "writeConnectionSecretToRef"])
    }
}

impl<'a> Managed<'a> for RecordSet<'a> {}
impl<'a> Managed<'a> for ManagedZone<'a> {}

impl<'a> RecordSet<'a> {
    fn parameter(self, key: &str) -> Option<View<'a>> {
        self.for_provider()?.field(key)
    }
    /// `forProvider.managedZone`: the Cloud DNS name of its zone, when given directly.
    pub fn managed_zone(self) -> Option<View<'a>> {
        self.parameter("managedZone")
    }
    /// `forProvider.managedZoneRef`: the ManagedZone object whose zone it is in.
    pub fn managed_zone_ref(self) -> Option<View<'a>> {
        self.parameter("managedZoneRef")
    }
    /// `forProvider.managedZoneRef.name`, the field.
    pub fn managed_zone_ref_name(self) -> Option<View<'a>> {
        self.managed_zone_ref()?.field("name")
    }
    /// The key of the ManagedZone its `managedZoneRef` names.
    pub fn managed_zone_ref_key(self) -> Option<ObjectKey<'a>> {
        self.managed_zone_ref_name().and_then(View::str).map(managed_zone_key)
    }
    /// `forProvider.managedZoneSelector`: labels (`matchLabels`) picking its zone's object.
    pub fn managed_zone_selector(self) -> Option<View<'a>> {
        self.parameter("managedZoneSelector")
    }
    /// `forProvider.name`: the DNS name of the records, ending with a dot
    /// (`www.example.org.`). Named so as not to hide the object's own name.
    pub fn record_name(self) -> Option<View<'a>> {
        self.parameter("name")
    }
    /// `forProvider.type`: the record type (`A`, `CNAME`, `TXT`, ...).
    pub fn record_type(self) -> Option<View<'a>> {
        self.parameter("type")
    }
    /// `forProvider.ttl`, in seconds.
    pub fn ttl(self) -> Option<View<'a>> {
        self.parameter("ttl")
    }
    /// `forProvider.rrdatas`, the field (to point at all of them).
    pub fn rrdatas_field(self) -> Option<View<'a>> {
        self.parameter("rrdatas")
    }
    /// The records' data (`forProvider.rrdatas`), empty when absent.
    pub fn rrdatas(self) -> Items<'a> {
        self.rrdatas_field().map_or_else(Items::empty, View::items)
    }
    /// `forProvider.project`: the GCP project, when not the ProviderConfig's.
    pub fn project(self) -> Option<View<'a>> {
        self.parameter("project")
    }
}

impl<'a> ManagedZone<'a> {
    /// `forProvider.dnsName`: the DNS name the zone serves, ending with a dot
    /// (`example.org.`).
    pub fn dns_name(self) -> Option<View<'a>> {
        self.for_provider()?.field("dnsName")
    }
    /// `forProvider.visibility`: `public` (the default) or `private`.
    pub fn visibility(self) -> &'a str {
        self.for_provider().and_then(|p| p.str_field("visibility")).unwrap_or(DEFAULT_VISIBILITY)
    }
    /// `forProvider.project`: the GCP project, when not the ProviderConfig's.
    pub fn project(self) -> Option<View<'a>> {
        self.for_provider()?.field("project")
    }
}

impl<'a> ProviderConfig<'a> {
    /// `spec.projectID`: the project resources are made in by default.
    pub fn project_id(self) -> Option<View<'a>> {
        self.view().at(&["spec", "projectID"])
    }
    /// `spec.credentials.source` (`Secret`, `InjectedIdentity`, ...).
    pub fn credentials_source(self) -> Option<View<'a>> {
        self.view().at(&["spec", "credentials", "source"])
    }
    /// `spec.credentials.secretRef`, for credentials read from a Secret.
    pub fn credentials_secret_ref(self) -> Option<View<'a>> {
        self.view().at(&["spec", "credentials", "secretRef"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Object;
    use cedc_diagnostics::Span;

    fn object(json: serde_json::Value) -> Object {
        Object::from_json(&json, Span::default())
    }

    #[test]
    fn a_record_set_reads_its_parameters_and_defaults() {
        let o = object(serde_json::json!({
            "apiVersion": API_VERSION, "kind": RECORD_SET,
            "metadata": { "name": "www" },
            "spec": { "forProvider": {
                "managedZoneRef": { "name": "example-org" },
                "name": "www.example.org.", "type": "A", "ttl": 300,
                "rrdatas": ["192.0.2.10", "192.0.2.11"]
            } }
        }));
        let rs = RecordSet::cast(&o).expect("a RecordSet");
        assert!(ManagedZone::cast(&o).is_none());
        assert_eq!(rs.name(), "www");
        assert_eq!(rs.record_name().and_then(View::str), Some("www.example.org."));
        assert_eq!(rs.record_type().and_then(View::str), Some("A"));
        assert_eq!(rs.ttl().and_then(View::int), Some(300));
        assert_eq!(rs.rrdatas().filter_map(View::str).collect::<Vec<_>>(), ["192.0.2.10", "192.0.2.11"]);
        assert!(rs.managed_zone().is_none());
        assert!(rs.managed_zone_selector().is_none());
        assert_eq!(rs.managed_zone_ref_key(), Some(managed_zone_key("example-org")));
        assert_eq!(rs.managed_zone_ref_key().map(|k| k.namespace), Some(None));
        // Crossplane's defaults.
        assert_eq!(rs.provider_config_name(), DEFAULT_PROVIDER_CONFIG);
        assert_eq!(rs.deletion_policy(), "Delete");
        assert_eq!(rs.management_policies().len(), 0);
        assert_eq!(rs.key(), ObjectKey::cluster(GROUP_DNS, RECORD_SET, "www"));
    }

    #[test]
    fn a_managed_zone_and_a_provider_config_read_their_fields() {
        let o = object(serde_json::json!({
            "apiVersion": "dns.gcp.upbound.io/v1beta2", "kind": MANAGED_ZONE,
            "metadata": { "name": "example-org" },
            "spec": {
                "forProvider": { "dnsName": "example.org.", "visibility": "private" },
                "providerConfigRef": { "name": "gcp" },
                "deletionPolicy": "Orphan"
            }
        }));
        let zone = ManagedZone::cast(&o).expect("a ManagedZone (any version)");
        assert_eq!(zone.dns_name().and_then(View::str), Some("example.org."));
        assert_eq!(zone.visibility(), "private");
        assert_eq!(zone.provider_config_name(), "gcp");
        assert_eq!(zone.deletion_policy(), "Orphan");
        assert_eq!(zone.key(), managed_zone_key("example-org"));

        let o = object(serde_json::json!({
            "apiVersion": "dns.gcp.upbound.io/v1beta1", "kind": MANAGED_ZONE,
            "metadata": { "name": "bare" }, "spec": { "forProvider": {} }
        }));
        let zone = ManagedZone::cast(&o).expect("a ManagedZone");
        assert_eq!((zone.visibility(), zone.dns_name().is_none()), (DEFAULT_VISIBILITY, true));

        let o = object(serde_json::json!({
            "apiVersion": PROVIDER_CONFIG_API_VERSION, "kind": PROVIDER_CONFIG,
            "metadata": { "name": "default" },
            "spec": {
                "projectID": "acme-dns",
                "credentials": { "source": "Secret", "secretRef": { "namespace": "crossplane-system", "name": "gcp", "key": "creds" } }
            }
        }));
        let pc = ProviderConfig::cast(&o).expect("a ProviderConfig");
        assert!(RecordSet::cast(&o).is_none());
        assert_eq!(pc.project_id().and_then(View::str), Some("acme-dns"));
        assert_eq!(pc.credentials_source().and_then(View::str), Some("Secret"));
        assert_eq!(pc.credentials_secret_ref().and_then(|r| r.str_field("key")), Some("creds"));
        assert_eq!(pc.key(), provider_config_key("default"));
    }
}
