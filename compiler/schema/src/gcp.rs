//! The Upbound GCP DNS provider's kinds (`provider-gcp-dns`, a family provider of
//! provider-upjet-gcp), built in so that projects managing Cloud DNS with Crossplane
//! need not import the provider's CRDs: `ManagedZone` and `RecordSet` of
//! `dns.gcp.upbound.io` at `v1beta1` and `v1beta2`, and the family's `ProviderConfig` of
//! `gcp.upbound.io/v1beta1`. All are cluster-scoped.
//!
//! The schemas are written here by hand, with the builder: structural facts only (field
//! names, types, required fields, enums, formats, bounds, defaults and list types), no
//! documentation text. They follow the provider's release [`PROVIDER_VERSION`], the last
//! one serving both versions of the DNS kinds (v3 serves only `v1beta2`, with a few
//! more fields); the test suite compares them, node by node, with the upstream CRDs when
//! `CEDC_GCP_DNS_CRDS` names a directory holding them (`compiler/schema/tests/gcp.rs`).
//!
//! The two versions differ only in nested blocks of at most one item: a list of one
//! object at `v1beta1`, the object itself at `v1beta2` ([`Version::block`]).
//!
//! The managed kinds keep Crossplane's common fields (`forProvider`, `initProvider`,
//! `managementPolicies`, `deletionPolicy`, `providerConfigRef`,
//! `writeConnectionSecretToRef`; this release has no `publishConnectionDetailsTo`).
//! Upstream's CEL rules are not carried over and not checked: the ones making
//! `forProvider.name` and `type` of a RecordSet (and `managedZone` at `v1beta2`) and
//! `dnsName` of a ManagedZone required unless the management policies leave creation
//! and updates out, and the bounds on a ProviderConfig's `reconciliationPolicy`
//! durations. The subtrees listed in [`OPEN_PATHS`] accept anything.
//!
//! Each kind's top level gets the same envelope as a CRD-loaded kind, and a project's
//! own CRDs of these kinds replace them ([`Registry::insert`]).

use crate::builder::*;
use crate::model::*;
use crate::{KindSchema, Registry, crd};
use cedc_model::views::gcp as names;
use serde_json::json;
use std::sync::Arc;

/// The provider release whose kinds are built in (tag of provider-upjet-gcp).
pub const PROVIDER_VERSION: &str = "v2.6.0";

/// What [`Source::Shipped`] names for these kinds.
pub const PACKAGE: &str = "provider-gcp-dns v2.6.0";

/// Schema paths (in each kind) whose subtree is open: any value is accepted there.
pub const OPEN_PATHS: &[&str] = &["status"];

/// A served version of the DNS kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1beta1,
    V1beta2,
}

impl Version {
    pub const ALL: [Version; 2] = [Version::V1beta1, Version::V1beta2];

    pub fn name(self) -> &'static str {
        match self {
            Version::V1beta1 => names::VERSION,
            Version::V1beta2 => names::VERSION_V1BETA2,
        }
    }

    /// A nested block of at most one item: a list at `v1beta1`, the object at `v1beta2`.
    fn block(self, body: Schema) -> Schema {
        match self {
            Version::V1beta1 => array(body),
            Version::V1beta2 => body,
        }
    }
}

/// Add the DNS kinds (both versions) and the ProviderConfig to a registry, replacing any
/// it already has.
pub fn add(registry: &mut Registry) {
    for version in Version::ALL {
        let parameters: [Parameters; 2] = [record_set_parameters, managed_zone_parameters];
        let kinds = [names::RECORD_SET, names::MANAGED_ZONE].into_iter().zip(parameters);
        for (kind, parameters) in kinds {
            let api_version = format!("{}/{}", names::GROUP_DNS, version.name());
            insert(registry, names::GROUP_DNS, version.name(), api_version, kind, move || {
                managed_spec(parameters(version))
            });
        }
    }
    insert(
        registry,
        names::PROVIDER_CONFIG_GROUP,
        names::PROVIDER_CONFIG_VERSION,
        names::PROVIDER_CONFIG_API_VERSION.to_string(),
        names::PROVIDER_CONFIG,
        provider_config_spec,
    );
}

/// Insert a cluster-scoped kind whose whole schema is the envelope, a required `spec`
/// and an open `status`.
/// The parameters of a managed resource's `spec.forProvider` at an API version.
type Parameters = fn(Version) -> Schema;

fn insert(
    registry: &mut Registry,
    group: &str,
    version: &str,
    api_version: String,
    kind: &'static str,
    spec: impl Fn() -> Schema + Send + Sync + 'static,
) {
    let schema = move || {
        let mut object = Object::default();
        object.properties.insert("spec".to_string(), Arc::new(spec()));
        object.properties.insert("status".to_string(), Arc::new(obj([]).open()));
        object.required.push("spec".to_string());
        crd::add_envelope(&mut object, &api_version, kind);
        node(Ty::Object(object))
    };
    registry.insert(Kind {
        group: group.to_string(),
        version: version.to_string(),
        kind: kind.to_string(),
        scope: Scope::Cluster,
        schema: KindSchema::lazy(schema),
        source: Source::Shipped { package: PACKAGE },
    });
}

// ---------------------------------------------------------------------------------------
// What every managed resource shares

/// A number (`type: number`): Terraform's numbers, whole in practice.
fn number() -> Schema {
    node(Ty::Number(NumberRules::default()))
}

/// A managed resource's `spec`, around its parameters (`forProvider`, and the same
/// shape as `initProvider`).
fn managed_spec(parameters: Schema) -> Schema {
    obj([
        ("deletionPolicy", enum_of(["Orphan", "Delete"]).with_default(names::DEFAULT_DELETION_POLICY)),
        ("forProvider", parameters.clone()),
        ("initProvider", parameters),
        (
            "managementPolicies",
            array(enum_of(["Observe", "Create", "Update", "Delete", "LateInitialize", "*"]))
                .with_default_json(json!(["*"])),
        ),
        (
            "providerConfigRef",
            obj([("name", string()), ("policy", resolution_policy())])
                .required(["name"])
                .with_default_json(json!({ "name": names::DEFAULT_PROVIDER_CONFIG })),
        ),
        (
            "writeConnectionSecretToRef",
            obj([("name", string()), ("namespace", string())]).required(["name", "namespace"]),
        ),
    ])
    .required(["forProvider"])
}

/// How a reference or selector is resolved.
fn resolution_policy() -> Schema {
    obj([
        ("resolution", enum_of(["Required", "Optional"]).with_default("Required")),
        ("resolve", enum_of(["Always", "IfNotPresent"])),
    ])
}

/// `<field>Ref`: the managed resource whose external name fills the field.
fn reference() -> Schema {
    obj([("name", string()), ("policy", resolution_policy())]).required(["name"])
}

/// `<field>Selector`: the managed resource (by labels, or the same controller) whose
/// external name fills the field.
fn selector() -> Schema {
    obj([("matchControllerRef", boolean()), ("matchLabels", map(string())), ("policy", resolution_policy())])
}

/// An object whose string `fields` may also be filled from another managed resource:
/// each gets a `<field>Ref` and a `<field>Selector` beside it (fields in name order).
fn referable<const N: usize>(mut schema: Schema, fields: [&str; N]) -> Schema {
    if let Ty::Object(o) = &mut schema.ty {
        for field in fields {
            o.properties.insert(format!("{field}Ref"), Arc::new(reference()));
            o.properties.insert(format!("{field}Selector"), Arc::new(selector()));
        }
        o.properties.sort_keys();
    }
    schema
}

// ---------------------------------------------------------------------------------------
// RecordSet

fn record_set_parameters(v: Version) -> Schema {
    let strings = || array(string());
    // Health-checked targets: endpoints outside GCP and internal load balancers.
    let targets = |referable_balancers: bool| {
        let balancer = obj([
            ("ipAddress", string()),
            ("ipProtocol", string()),
            ("loadBalancerType", string()),
            ("networkUrl", string()),
            ("port", string()),
            ("project", string()),
            ("region", string()),
        ]);
        let balancer = if referable_balancers {
            referable(balancer, ["ipAddress", "networkUrl", "project", "region"])
        } else {
            balancer
        };
        obj([("externalEndpoints", strings()), ("internalLoadBalancers", array(balancer))])
    };
    let geo =
        || obj([("healthCheckedTargets", v.block(targets(false))), ("location", string()), ("rrdatas", strings())]);
    let routing_policy = referable(
        obj([
            ("enableGeoFencing", boolean()),
            ("geo", array(geo())),
            ("healthCheck", string()),
            (
                "primaryBackup",
                v.block(obj([
                    ("backupGeo", array(geo())),
                    ("enableGeoFencingForBackups", boolean()),
                    ("primary", v.block(targets(true))),
                    ("trickleRatio", number()),
                ])),
            ),
            (
                "wrr",
                array(obj([
                    ("healthCheckedTargets", v.block(targets(false))),
                    ("rrdatas", strings()),
                    ("weight", number()),
                ])),
            ),
        ]),
        ["healthCheck"],
    );
    referable(
        obj([
            ("managedZone", string()),
            ("name", string()),
            ("project", string()),
            ("routingPolicy", v.block(routing_policy)),
            ("rrdatas", strings()),
            ("ttl", number()),
            ("type", string()),
        ]),
        ["managedZone"],
    )
}

// ---------------------------------------------------------------------------------------
// ManagedZone

fn managed_zone_parameters(v: Version) -> Schema {
    let network = || referable(obj([("networkUrl", string())]), ["networkUrl"]);
    let key_spec = obj([("algorithm", string()), ("keyLength", number()), ("keyType", string()), ("kind", string())]);
    obj([
        ("cloudLoggingConfig", v.block(obj([("enableLogging", boolean())]))),
        ("description", string()),
        ("dnsName", string()),
        (
            "dnssecConfig",
            v.block(obj([
                ("defaultKeySpecs", array(key_spec)),
                ("kind", string()),
                ("nonExistence", string()),
                ("state", string()),
            ])),
        ),
        ("forceDestroy", boolean()),
        (
            "forwardingConfig",
            v.block(obj([(
                "targetNameServers",
                array(obj([("domainName", string()), ("forwardingPath", string()), ("ipv4Address", string())])),
            )])),
        ),
        ("labels", map(string())),
        ("peeringConfig", v.block(obj([("targetNetwork", v.block(network()))]))),
        (
            "privateVisibilityConfig",
            v.block(obj([
                ("gkeClusters", array(referable(obj([("gkeClusterName", string())]), ["gkeClusterName"]))),
                ("networks", array(network())),
            ])),
        ),
        ("project", string()),
        ("visibility", string()),
    ])
}

// ---------------------------------------------------------------------------------------
// ProviderConfig

fn provider_config_spec() -> Schema {
    let named = || obj([("name", string())]).required(["name"]);
    let credentials = obj([
        ("env", named()),
        ("fs", obj([("path", string())]).required(["path"])),
        ("impersonateServiceAccount", named()),
        (
            "secretRef",
            obj([("key", string()), ("name", string()), ("namespace", string())]).required([
                "key",
                "name",
                "namespace",
            ]),
        ),
        (
            "source",
            enum_of([
                "None",
                "Secret",
                "AccessToken",
                "ImpersonateServiceAccount",
                "InjectedIdentity",
                "Environment",
                "Filesystem",
                "Upbound",
            ]),
        ),
        (
            "upbound",
            obj([(
                "federation",
                obj([("providerID", string().min_len(1)), ("serviceAccount", string().min_len(1))])
                    .required(["providerID", "serviceAccount"]),
            )]),
        ),
    ])
    .required(["source"]);
    obj([
        ("credentials", credentials),
        ("projectID", string()),
        (
            "reconciliationPolicy",
            obj([("exponentialFailureRateLimiter", obj([("baseDelay", string()), ("maxDelay", string())]))]),
        ),
    ])
    .required(["credentials", "projectID"])
}
