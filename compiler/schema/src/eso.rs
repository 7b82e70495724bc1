//! The External Secrets Operator's kinds cedc writes, built in (`external-secrets.io/v1`,
//! operator v2.9.0): SecretStore and ClusterSecretStore (where secrets are read from) and
//! ExternalSecret (keys copied into a Kubernetes Secret, shaped by a template).
//!
//! Structural facts written by hand with the builder (field names, types, required fields,
//! enums, formats, patterns, bounds, defaults), no documentation text. Of a store's
//! providers only `kubernetes` is typed (the one cedc writes: Secrets of another
//! namespace); the forty-odd others are open, each named in [`OTHER_PROVIDERS`] so a
//! misspelled provider is still an unknown field. Compared node by node with the
//! upstream CRDs when `../shared` is there (`compiler/schema/tests/eso.rs`).
//!
//! A project's own CRDs replace these kinds ([`Registry::insert`]).

use crate::builder::*;
use crate::model::*;
use crate::{KindSchema, Registry, crd};
use cedc_model::views::eso as names;
use serde_json::json;
use std::sync::Arc;

/// What [`Source::Shipped`] names for these kinds.
pub const PACKAGE: &str = "External Secrets Operator v2.9.0";

/// The providers of a store besides `kubernetes`, left open.
pub const OTHER_PROVIDERS: &[&str] = &[
    "akeyless",
    "aws",
    "azurekv",
    "barbican",
    "beyondtrust",
    "beyondtrustworkloadcredentials",
    "bitwardensecretsmanager",
    "chef",
    "cloudrusm",
    "conjur",
    "crd",
    "delinea",
    "doppler",
    "dvls",
    "fake",
    "fortanix",
    "gcpsm",
    "github",
    "gitlab",
    "ibm",
    "infisical",
    "keepersecurity",
    "nebiusmysterybox",
    "ngrok",
    "onboardbase",
    "onepassword",
    "onepasswordSDK",
    "openBao",
    "oracle",
    "ovh",
    "passbolt",
    "passworddepot",
    "previder",
    "pulumi",
    "scaleway",
    "secretserver",
    "senhasegura",
    "vault",
    "volcengine",
    "webhook",
    "yandexcertificatemanager",
    "yandexlockbox",
];

/// Schema paths whose subtree is open (any value accepted), besides each of
/// [`OTHER_PROVIDERS`] under `spec.provider`.
pub const OPEN_PATHS: &[&str] = &["status", "spec.conditions"];

/// The generators an ExternalSecret may take its data from.
const GENERATORS: [&str; 18] = [
    "ACRAccessToken",
    "BeyondtrustWorkloadCredentialsDynamicSecret",
    "ClusterGenerator",
    "CloudsmithAccessToken",
    "ECRAuthorizationToken",
    "Fake",
    "GCRAccessToken",
    "GithubAccessToken",
    "GitlabDeployToken",
    "QuayAccessToken",
    "Password",
    "SSHKey",
    "STSSessionToken",
    "UUID",
    "VaultDynamicSecret",
    "Webhook",
    "Grafana",
    "MFA",
];

/// Add the three kinds to a registry, replacing any it already has.
pub fn add(registry: &mut Registry) {
    let kinds: [(&'static str, Make, Scope); 3] = [
        (names::SECRET_STORE, store_spec, Scope::Namespaced),
        (names::CLUSTER_SECRET_STORE, store_spec, Scope::Cluster),
        (names::EXTERNAL_SECRET, external_secret_spec, Scope::Namespaced),
    ];
    for (kind, spec, scope) in kinds {
        registry.insert(Kind {
            group: names::GROUP.to_string(),
            version: names::VERSION.to_string(),
            kind: kind.to_string(),
            scope,
            schema: KindSchema::lazy(move || top_level(kind, spec())),
            source: Source::Shipped { package: PACKAGE },
        });
    }
}

/// A kind's whole schema: the envelope, `spec`, and an open `status`.
fn top_level(kind: &str, spec: Schema) -> Schema {
    let mut object = Object::default();
    object.properties.insert("spec".to_string(), Arc::new(spec));
    object.properties.insert("status".to_string(), Arc::new(obj([]).open()));
    crd::add_envelope(&mut object, names::API_VERSION, kind);
    node(Ty::Object(object))
}

/// An object name (a DNS subdomain).
fn name() -> Schema {
    string().pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").min_len(1).max_len(253)
}

/// A namespace name (a DNS label).
fn namespace() -> Schema {
    string().pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").min_len(1).max_len(63)
}

/// A key of a Secret or ConfigMap.
fn key() -> Schema {
    string().pattern("^[-._a-zA-Z0-9]+$").min_len(1).max_len(253)
}

/// A key of a Secret, by Secret name, key and (for cluster stores) namespace.
fn secret_key_ref() -> Schema {
    obj([("key", key()), ("name", name()), ("namespace", namespace())])
}

/// An object with exactly one of its fields set.
fn one_of(mut s: Schema) -> Schema {
    if let Ty::Object(o) = &mut s.ty {
        o.min_properties = Some(1);
        o.max_properties = Some(1);
    }
    s
}

// ---------------------------------------------------------------------------------------
// SecretStore, ClusterSecretStore

fn store_spec() -> Schema {
    let mut provider = Object::default();
    provider.properties.insert("kubernetes".to_string(), Arc::new(kubernetes_provider()));
    for p in OTHER_PROVIDERS {
        provider.properties.insert((*p).to_string(), Arc::new(obj([]).open()));
    }
    obj([
        ("conditions", any()),
        ("controller", string()),
        ("provider", one_of(node(Ty::Object(provider)))),
        ("refreshInterval", int_or_string()),
        ("retrySettings", obj([("maxRetries", int32()), ("retryInterval", string())])),
    ])
    .required(["provider"])
}

/// Secrets of a namespace of a Kubernetes cluster: its API server, how to log in, which
/// namespace.
fn kubernetes_provider() -> Schema {
    let auth = obj([
        (
            "cert",
            obj([("clientCert", secret_key_ref()), ("clientKey", secret_key_ref())])
                .required(["clientCert", "clientKey"]),
        ),
        (
            "serviceAccount",
            obj([("audiences", array(string())), ("name", name()), ("namespace", namespace())]).required(["name"]),
        ),
        ("token", obj([("bearerToken", secret_key_ref())]).required(["bearerToken"])),
    ]);
    let ca_provider =
        obj([("key", key()), ("name", name()), ("namespace", namespace()), ("type", enum_of(["Secret", "ConfigMap"]))])
            .required(["name", "type"]);
    obj([
        ("auth", one_of(auth)),
        ("authRef", secret_key_ref()),
        ("remoteNamespace", namespace().with_default("default")),
        (
            "server",
            obj([
                ("caBundle", bytes()),
                ("caProvider", ca_provider),
                ("url", string().with_default("kubernetes.default")),
            ]),
        ),
    ])
}

// ---------------------------------------------------------------------------------------
// ExternalSecret

fn store_ref() -> Schema {
    obj([("kind", enum_of([names::SECRET_STORE, names::CLUSTER_SECRET_STORE])), ("name", name())])
}

/// How fetched bytes are turned into a Secret's keys and values.
fn strategies() -> [(&'static str, Schema); 3] {
    [
        ("conversionStrategy", enum_of(["Default", "Unicode"])),
        ("decodingStrategy", enum_of(["Auto", "Base64", "Base64URL", "None"])),
        ("nullBytePolicy", enum_of(["Ignore", "Fail"])),
    ]
}

/// A secret of the store: its key, a property in it, a version.
fn remote_ref() -> Schema {
    let [a, b, c] = strategies();
    obj([
        a,
        b,
        ("key", string()),
        ("metadataPolicy", enum_of(["None", "Fetch"])),
        c,
        ("property", string()),
        ("version", string()),
    ])
    .required(["key"])
}

/// Where data comes from when not the ExternalSecret's store: another store, or a
/// generator.
fn source_ref() -> Schema {
    let generator = obj([
        ("apiVersion", string().with_default("generators.external-secrets.io/v1alpha1")),
        ("kind", enum_of(GENERATORS)),
        ("name", name()),
    ])
    .required(["kind", "name"]);
    one_of(obj([("generatorRef", generator), ("storeRef", store_ref())]))
}

fn data_item() -> Schema {
    obj([("remoteRef", remote_ref()), ("secretKey", key()), ("sourceRef", source_ref())])
        .required(["remoteRef", "secretKey"])
}

fn data_from_item() -> Schema {
    let [a, b, c] = strategies();
    let find = obj([a, b, ("name", obj([("regexp", string())])), c, ("path", string()), ("tags", map(string()))]);
    let merge = obj([
        ("conflictPolicy", enum_of(["Ignore", "Error"]).with_default("Error")),
        ("into", string().with_default("")),
        ("priority", array(string())),
        ("priorityPolicy", enum_of(["IgnoreNotFound", "Strict"]).with_default("Strict")),
        ("strategy", enum_of(["Extract", "JSON"]).with_default("Extract")),
    ]);
    let rewrite = one_of(obj([
        ("merge", merge),
        ("regexp", obj([("source", string()), ("target", string())]).required(["source", "target"])),
        ("transform", obj([("template", string())]).required(["template"])),
    ]));
    obj([("extract", remote_ref()), ("find", find), ("rewrite", array(rewrite)), ("sourceRef", source_ref())])
}

/// Items of a ConfigMap or Secret holding templates.
fn template_source() -> Schema {
    let item = obj([("key", key()), ("templateAs", enum_of(["Values", "KeysAndValues"]).with_default("Values"))])
        .required(["key"]);
    obj([("items", array(item)), ("name", name())]).required(["items", "name"])
}

fn template() -> Schema {
    let from = obj([
        ("configMap", template_source()),
        ("literal", string()),
        ("secret", template_source()),
        ("target", string().with_default("Data")),
        ("valuesDecodingStrategy", enum_of(["Auto", "Base64", "Base64URL", "None"])),
    ]);
    obj([
        ("data", map(string())),
        ("engineVersion", enum_of([names::TEMPLATE_ENGINE]).with_default(names::TEMPLATE_ENGINE)),
        ("mergePolicy", enum_of(["Replace", "Merge"]).with_default("Replace")),
        ("metadata", obj([("annotations", map(string())), ("finalizers", array(string())), ("labels", map(string()))])),
        ("templateFrom", array(from)),
        ("type", string()),
    ])
}

fn target() -> Schema {
    obj([
        ("creationPolicy", enum_of(["Owner", "Orphan", "Merge", "None", "CreateOrMerge"]).with_default("Owner")),
        ("deletionPolicy", enum_of(["Delete", "Merge", "Retain"]).with_default("Retain")),
        ("immutable", boolean()),
        (
            "manifest",
            obj([("apiVersion", string().min_len(1)), ("kind", string().min_len(1))]).required(["apiVersion", "kind"]),
        ),
        ("name", name()),
        ("template", template()),
    ])
    .with_default_json(json!({ "creationPolicy": "Owner", "deletionPolicy": "Retain" }))
}

fn sync_windows() -> Schema {
    let schedule = string()
        .pattern("^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|@every [^\\s]+.*|[^\\s]+( [^\\s]+){4})$")
        .min_len(1);
    let window = obj([("duration", string()), ("schedule", schedule)]).required(["duration", "schedule"]);
    let mut windows = array(window);
    if let Ty::Array(a) = &mut windows.ty {
        a.min_items = Some(1);
    }
    obj([("kind", enum_of(["allow", "deny"])), ("windows", windows)]).required(["kind", "windows"])
}

fn external_secret_spec() -> Schema {
    obj([
        ("data", array(data_item())),
        ("dataFrom", array(data_from_item())),
        ("refreshInterval", string().with_default("1h0m0s")),
        ("refreshPolicy", enum_of(["CreatedOnce", "Periodic", "OnChange"])),
        ("secretStoreRef", store_ref()),
        ("syncWindows", sync_windows()),
        ("target", target()),
    ])
}
