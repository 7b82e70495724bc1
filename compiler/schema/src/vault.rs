//! The Vault kinds cedc writes, built in: the Vault Secrets Operator's VaultConnection,
//! VaultAuth and VaultStaticSecret (`secrets.hashicorp.com/v1beta1`, v1.4.1), which sync
//! secrets from Vault into Kubernetes Secrets, and the vault-config-operator's
//! SecretEngineMount, Policy and KubernetesAuthEngineRole (`redhatcop.redhat.io/v1alpha1`),
//! which configure Vault.
//!
//! Structural facts written by hand with the builder (field names, types, required fields,
//! enums, formats, patterns, bounds, defaults), no documentation text. The Vault Secrets
//! Operator kinds are compared node by node with the upstream CRDs when `../shared` is
//! there (`compiler/schema/tests/vault.rs`). The vault-config-operator's kinds follow its
//! CRDs at v0.8.52 (not in `../shared`: the test compares them when `CEDC_VCO_CRDS` names
//! a directory holding them, and says loudly that it did not otherwise). In Vault, a mount
//! is at its object's name (`spec.path` prefixing it), and a role is named as its object
//! (or `spec.name`), on the auth mount `spec.path`.
//!
//! A project's own CRDs replace these kinds ([`Registry::insert`]).

use crate::builder::*;
use crate::model::*;
use crate::{KindSchema, Registry, crd};
use cedc_model::views::vault as names;
use serde_json::json;
use std::sync::Arc;

/// What [`Source::Shipped`] names for the Vault Secrets Operator's kinds.
pub const VSO_PACKAGE: &str = "Vault Secrets Operator v1.4.1";
/// What [`Source::Shipped`] names for the vault-config-operator's kinds.
pub const VCO_PACKAGE: &str = "vault-config-operator v0.8.52";

/// Schema paths whose subtree is open (any value accepted).
pub const OPEN_PATHS: &[&str] = &["status"];

/// Add the six kinds to a registry, replacing any it already has.
pub fn add(registry: &mut Registry) {
    let vso: [(&'static str, Make, bool); 3] = [
        (names::VAULT_CONNECTION, connection_spec, false),
        (names::VAULT_AUTH, auth_spec, false),
        (names::VAULT_STATIC_SECRET, static_secret_spec, false),
    ];
    for (kind, spec, required) in vso {
        registry.insert(Kind {
            group: names::VSO_GROUP.to_string(),
            version: names::VSO_VERSION.to_string(),
            kind: kind.to_string(),
            scope: Scope::Namespaced,
            schema: KindSchema::lazy(move || top_level(names::VSO_API_VERSION, kind, spec(), required)),
            source: Source::Shipped { package: VSO_PACKAGE },
        });
    }
    let vco: [(&'static str, Make); 3] = [
        (names::SECRET_ENGINE_MOUNT, mount_spec),
        (names::POLICY, policy_spec),
        (names::KUBERNETES_AUTH_ENGINE_ROLE, role_spec),
    ];
    for (kind, spec) in vco {
        registry.insert(Kind {
            group: names::VCO_GROUP.to_string(),
            version: names::VCO_VERSION.to_string(),
            kind: kind.to_string(),
            scope: Scope::Namespaced,
            schema: KindSchema::lazy(move || top_level(names::VCO_API_VERSION, kind, spec(), false)),
            source: Source::Shipped { package: VCO_PACKAGE },
        });
    }
}

/// A kind's whole schema: the envelope, `spec`, and an open `status`.
fn top_level(api_version: &str, kind: &str, spec: Schema, spec_required: bool) -> Schema {
    let mut object = Object::default();
    object.properties.insert("spec".to_string(), Arc::new(spec));
    object.properties.insert("status".to_string(), Arc::new(obj([]).open()));
    if spec_required {
        object.required.push("spec".to_string());
    }
    crd::add_envelope(&mut object, api_version, kind);
    node(Ty::Object(object))
}

fn strings() -> Schema {
    array(string())
}

/// A duration the operator parses: `30s`, `1.5h`.
fn duration() -> Schema {
    string().pattern("^([0-9]+(\\.[0-9]+)?(s|m|h))$")
}

// ---------------------------------------------------------------------------------------
// Vault Secrets Operator

fn connection_spec() -> Schema {
    obj([
        ("address", string()),
        ("caCertPath", string()),
        ("caCertSecretRef", string()),
        ("headers", map(string())),
        ("skipTLSVerify", boolean().with_default_json(json!(false))),
        ("timeout", duration()),
        ("tlsServerName", string()),
    ])
    .required(["address", "skipTLSVerify"])
}

fn auth_spec() -> Schema {
    let token_seconds = || int().format("int64").at_least(600).with_default_json(json!(600));
    let merge = || enum_of(["union", "replace", "none"]);
    obj([
        ("allowedNamespaces", strings()),
        ("appRole", obj([("roleId", string()), ("secretIDPath", string()), ("secretRef", string())])),
        (
            "aws",
            obj([
                ("headerValue", string()),
                ("iamEndpoint", string()),
                ("irsaServiceAccount", string()),
                ("region", string()),
                ("role", string()),
                ("secretRef", string()),
                ("sessionName", string()),
                ("stsEndpoint", string()),
            ]),
        ),
        (
            "gcp",
            obj([
                ("clusterName", string()),
                ("projectID", string()),
                ("region", string()),
                ("role", string()),
                ("workloadIdentityServiceAccount", string()),
            ]),
        ),
        ("headers", map(string())),
        (
            "jwt",
            obj([
                ("audiences", strings()),
                ("role", string()),
                ("secretRef", string()),
                ("serviceAccount", string()),
                ("tokenExpirationSeconds", token_seconds()),
            ]),
        ),
        (
            "kubernetes",
            obj([
                ("audiences", strings()),
                ("role", string()),
                ("serviceAccount", string()),
                ("tokenExpirationSeconds", token_seconds()),
            ]),
        ),
        ("method", enum_of(["kubernetes", "jwt", "appRole", "aws", "gcp"])),
        ("mount", string()),
        ("namespace", string()),
        ("params", map(string())),
        ("storageEncryption", obj([("keyName", string()), ("mount", string())]).required(["keyName", "mount"])),
        (
            "vaultAuthGlobalRef",
            obj([
                ("allowDefault", boolean()),
                ("mergeStrategy", obj([("headers", merge()), ("params", merge())])),
                ("name", string().pattern("^([a-z0-9.-]{1,253})$")),
                ("namespace", string().pattern("^([a-z0-9-]{1,63})$")),
            ]),
        ),
        ("vaultConnectionRef", string()),
    ])
}

fn static_secret_spec() -> Schema {
    obj([
        ("destination", destination()),
        ("hmacSecretData", boolean().with_default_json(json!(true))),
        ("mount", string()),
        ("namespace", string()),
        ("path", string()),
        ("refreshAfter", duration()),
        (
            "rolloutRestartTargets",
            array(
                obj([
                    ("kind", enum_of(["Deployment", "DaemonSet", "StatefulSet", "argo.Rollout"])),
                    ("name", string()),
                ])
                .required(["kind", "name"]),
            ),
        ),
        ("syncConfig", obj([("instantUpdates", boolean())])),
        ("type", enum_of(["kv-v1", "kv-v2"])),
        ("vaultAuthRef", string()),
        ("version", int().at_least(0)),
    ])
    .required(["destination", "mount", "path", "type"])
}

/// Where a synced secret is written: the Kubernetes Secret, and how its data is shaped.
fn destination() -> Schema {
    let template_ref = obj([("keyOverride", string()), ("name", string())]).required(["name"]);
    let transformation_ref = obj([
        ("ignoreExcludes", boolean()),
        ("ignoreIncludes", boolean()),
        ("name", string()),
        ("namespace", string()),
        ("templateRefs", array(template_ref)),
    ])
    .required(["name"]);
    obj([
        ("annotations", map(string())),
        ("create", boolean().with_default_json(json!(false))),
        ("labels", map(string())),
        ("name", string()),
        ("overwrite", boolean().with_default_json(json!(false))),
        (
            "transformation",
            obj([
                ("excludeRaw", boolean()),
                ("excludes", strings()),
                ("includes", strings()),
                ("templates", map(obj([("name", string()), ("text", string())]).required(["text"]))),
                ("transformationRefs", array(transformation_ref)),
            ]),
        ),
        ("type", string()),
    ])
    .required(["name"])
}

// ---------------------------------------------------------------------------------------
// vault-config-operator

/// A Vault path as the operator accepts it.
fn vault_path() -> Schema {
    string().pattern("^(?:/?[\\w;:@&=\\$-\\.\\+]*)+/?")
}

/// The name of the object in Vault, when not the Kubernetes object's.
fn vault_name() -> Schema {
    string().pattern("[a-z0-9]([-a-z0-9]*[a-z0-9])?")
}

/// How the operator logs in to Vault to write the object.
fn authentication() -> Schema {
    obj([
        ("namespace", string()),
        ("path", vault_path().with_default("kubernetes")),
        ("role", string()),
        ("serviceAccount", obj([("name", string().with_default(""))]).with_default_json(json!({ "name": "default" }))),
    ])
    .required(["path", "role", "serviceAccount"])
}

/// Where Vault is, when not the operator's default.
fn connection() -> Schema {
    obj([
        ("address", string()),
        ("maxRetries", int()),
        (
            "tLSConfig",
            obj([
                ("cacert", string()),
                ("skipVerify", boolean()),
                ("tlsSecret", obj([("name", string().with_default(""))])),
                ("tlsServerName", string()),
            ]),
        ),
        ("timeOut", string()),
    ])
    .required(["address"])
}

fn set_of_strings() -> Schema {
    let mut s = strings();
    if let Ty::Array(a) = &mut s.ty {
        a.list_type = ListType::Set;
    }
    s
}

fn mount_spec() -> Schema {
    obj([
        ("authentication", authentication()),
        (
            "config",
            obj([
                ("allowedResponseHeaders", set_of_strings()),
                ("auditNonHMACRequestKeys", set_of_strings()),
                ("auditNonHMACResponseKeys", set_of_strings()),
                ("defaultLeaseTTL", string()),
                ("forceNoCache", boolean()),
                ("listingVisibility", enum_of(["unauth", "hidden"]).with_default("hidden")),
                ("maxLeaseTTL", string()),
                ("passthroughRequestHeaders", set_of_strings()),
            ]),
        ),
        ("connection", connection()),
        ("description", string()),
        ("externalEntropyAccess", boolean()),
        ("local", boolean()),
        ("name", vault_name()),
        ("options", map(string())),
        ("path", vault_path()),
        ("sealWrap", boolean()),
        ("type", string()),
    ])
    .required(["authentication", "type"])
}

fn policy_spec() -> Schema {
    obj([
        ("authentication", authentication()),
        ("connection", connection()),
        ("name", vault_name()),
        ("policy", string()),
        ("type", enum_of(["acl"])),
    ])
    .required(["authentication", "policy"])
}

fn role_spec() -> Schema {
    let ttl = || int().at_least(0);
    let mut accounts = strings().with_default_json(json!(["default"]));
    let mut namespaces = set_of_strings();
    for a in [&mut accounts, &mut namespaces] {
        if let Ty::Array(a) = &mut a.ty {
            a.min_items = Some(1);
        }
    }
    let mut policies = strings();
    if let Ty::Array(a) = &mut policies.ty {
        a.min_items = Some(1);
    }
    obj([
        ("aliasNameSource", enum_of(["serviceaccount_uid", "serviceaccount_name"]).with_default("serviceaccount_uid")),
        ("audience", string()),
        ("authentication", authentication()),
        ("connection", connection()),
        ("name", vault_name()),
        ("path", vault_path()),
        ("policies", policies),
        ("targetNamespaces", obj([("targetNamespaceSelector", label_selector()), ("targetNamespaces", namespaces)])),
        ("targetServiceAccounts", accounts),
        ("tokenBoundCIDRs", set_of_strings()),
        ("tokenExplicitMaxTTL", ttl()),
        ("tokenMaxTTL", ttl()),
        ("tokenNoDefaultPolicy", boolean()),
        ("tokenNumUses", ttl()),
        ("tokenPeriod", ttl()),
        ("tokenTTL", ttl()),
        (
            "tokenType",
            enum_of(["service", "batch", "default", "default-service", "default-batch"]).with_default("default"),
        ),
    ])
    .required(["authentication", "path", "policies", "targetNamespaces", "targetServiceAccounts"])
}

/// A Kubernetes label selector.
fn label_selector() -> Schema {
    let requirement = obj([
        ("key", string()),
        ("operator", string()),
        ("values", {
            let mut v = strings();
            if let Ty::Array(a) = &mut v.ty {
                a.list_type = ListType::Atomic;
            }
            v
        }),
    ])
    .required(["key", "operator"]);
    let mut expressions = array(requirement);
    if let Ty::Array(a) = &mut expressions.ty {
        a.list_type = ListType::Atomic;
    }
    obj([("matchExpressions", expressions), ("matchLabels", map(string()))])
}
