//! The cert-manager kinds (`cert-manager.io/v1` `Issuer`, `ClusterIssuer`, `Certificate`
//! and `CertificateRequest`), built in so that projects issuing certificates need not
//! import cert-manager's CRDs.
//!
//! The schemas are written here by hand, with the builder below: structural facts only
//! (field names, types, required fields, enums, formats, patterns, bounds, defaults and
//! list types), no documentation text. They follow cert-manager [`CERT_MANAGER_VERSION`];
//! the test suite compares them, node by node, with the upstream CRDs when those are
//! available (`compiler/schema/tests/certmanager.rs`), so they cannot drift unnoticed.
//!
//! The subtrees listed in [`OPEN_PATHS`] accept anything. Upstream's CEL rule on
//! `spec.venafi` (exactly one of `tpp`, `cloud` and `ngts`) is not carried over.
//!
//! Each kind's top level gets the same envelope as a CRD-loaded kind (`apiVersion`,
//! `kind`, and `metadata` as the shared `ObjectMeta`), so the validator and the type
//! checker cannot tell the two apart. A project's own cert-manager CRDs replace these
//! kinds ([`Registry::insert`]).

use crate::builder::*;
use crate::model::*;
use crate::{KindSchema, Registry, crd};
use cedc_model::views::{certmanager as cm, gateway};
use std::sync::Arc;

/// The cert-manager release whose kinds are built in.
pub const CERT_MANAGER_VERSION: &str = "v1.21";

/// What [`Source::Shipped`] names for these kinds.
pub const PACKAGE: &str = "cert-manager v1.21";

/// The API group and version of every kind here.
pub const API_VERSION: &str = cm::API_VERSION;

/// Schema paths (in each kind that has them) whose subtree is open: any value is accepted
/// there and nothing below is checked. `[*]` would stand for every item of a list.
pub const OPEN_PATHS: &[&str] = &["status"];

/// Add the four cert-manager kinds to a registry, replacing any it already has.
pub fn add(registry: &mut Registry) {
    let kinds: [(&'static str, Scope, Make, bool); 4] = [
        (cm::ISSUER, Scope::Namespaced, issuer_spec, true),
        (cm::CLUSTER_ISSUER, Scope::Cluster, issuer_spec, true),
        (cm::CERTIFICATE, Scope::Namespaced, certificate_spec, false),
        (cm::CERTIFICATE_REQUEST, Scope::Namespaced, certificate_request_spec, false),
    ];
    for (kind, scope, spec, spec_required) in kinds {
        registry.insert(Kind {
            group: cm::GROUP.to_string(),
            version: cm::VERSION.to_string(),
            kind: kind.to_string(),
            scope,
            schema: KindSchema::lazy(move || top_level(kind, Arc::new(spec()), spec_required)),
            source: Source::Shipped { package: PACKAGE },
        });
    }
}

/// A kind's whole schema: the envelope, `spec`, and an open `status`.
fn top_level(kind: &str, spec: Arc<Schema>, spec_required: bool) -> Schema {
    let mut object = Object::default();
    object.properties.insert("spec".to_string(), spec);
    object.properties.insert("status".to_string(), Arc::new(obj([]).open()));
    if spec_required {
        object.required.push("spec".to_string());
    }
    crd::add_envelope(&mut object, API_VERSION, kind);
    node(Ty::Object(object))
}

// ---------------------------------------------------------------------------------------
// Certificate and CertificateRequest

fn certificate_spec() -> Schema {
    let san_list = || array(string());
    let name_list = || {
        obj([
            ("dnsDomains", san_list()),
            ("emailAddresses", san_list()),
            ("ipRanges", san_list()),
            ("uriDomains", san_list()),
        ])
    };
    obj([
        ("additionalOutputFormats", array(obj([("type", enum_of(["DER", "CombinedPEM"]))]).required(["type"]))),
        ("commonName", string()),
        ("dnsNames", san_list()),
        ("duration", string()),
        ("emailAddresses", san_list()),
        ("encodeUsagesInRequest", boolean()),
        ("ipAddresses", san_list()),
        ("isCA", boolean()),
        ("issuerRef", issuer_ref()),
        (
            "keystores",
            obj([
                (
                    "jks",
                    obj([
                        ("alias", string()),
                        ("create", boolean()),
                        ("password", string()),
                        ("passwordSecretRef", secret_key_ref()),
                    ])
                    .required(["create"]),
                ),
                (
                    "pkcs12",
                    obj([
                        ("create", boolean()),
                        ("password", string()),
                        ("passwordSecretRef", secret_key_ref()),
                        ("profile", enum_of(["LegacyRC2", "LegacyDES", "Modern2023", "Modern2026"])),
                    ])
                    .required(["create"]),
                ),
            ]),
        ),
        ("literalSubject", string()),
        ("nameConstraints", obj([("critical", boolean()), ("excluded", name_list()), ("permitted", name_list())])),
        ("otherNames", array(obj([("oid", string()), ("utf8Value", string())]))),
        (
            "privateKey",
            obj([
                ("algorithm", enum_of(["RSA", "ECDSA", "Ed25519"])),
                ("encoding", enum_of(["PKCS1", "PKCS8"])),
                ("rotationPolicy", enum_of(["Never", "Always"])),
                ("size", int()),
            ]),
        ),
        ("renewBefore", string()),
        ("renewBeforePercentage", int32()),
        (
            "renewal",
            obj([
                ("policy", enum_of(["RenewBefore", "Disabled"])),
                (
                    "windows",
                    array(
                        obj([
                            ("cron", string().min_len(1)),
                            ("timezone", string().min_len(1)),
                            ("windowDuration", string().pattern(r"^([0-9]+(\.[0-9]+)?(s|m|h))+$")),
                        ])
                        .required(["cron", "windowDuration"]),
                    ),
                ),
            ]),
        ),
        ("revisionHistoryLimit", int32()),
        ("secretName", string()),
        ("secretTemplate", obj([("annotations", map(string())), ("labels", map(string()))])),
        (
            "signatureAlgorithm",
            enum_of([
                "SHA256WithRSA",
                "SHA384WithRSA",
                "SHA512WithRSA",
                "ECDSAWithSHA256",
                "ECDSAWithSHA384",
                "ECDSAWithSHA512",
                "PureEd25519",
            ]),
        ),
        (
            "subject",
            obj([
                ("countries", array(string())),
                ("localities", array(string())),
                ("organizationalUnits", array(string())),
                ("organizations", array(string())),
                ("postalCodes", array(string())),
                ("provinces", array(string())),
                ("serialNumber", string()),
                ("streetAddresses", array(string())),
            ]),
        ),
        ("uris", san_list()),
        ("usages", usages()),
    ])
    .required(["issuerRef", "secretName"])
}

fn certificate_request_spec() -> Schema {
    obj([
        ("duration", string()),
        ("extra", map(array(string()))),
        ("groups", array(string())),
        ("isCA", boolean()),
        ("issuerRef", issuer_ref()),
        ("request", bytes()),
        ("uid", string()),
        ("usages", usages()),
        ("username", string()),
    ])
    .required(["issuerRef", "request"])
}

/// The key usages a certificate may ask for.
fn usages() -> Schema {
    array(enum_of([
        "signing",
        "digital signature",
        "content commitment",
        "key encipherment",
        "key agreement",
        "data encipherment",
        "cert sign",
        "crl sign",
        "encipher only",
        "decipher only",
        "any",
        "server auth",
        "client auth",
        "code signing",
        "email protection",
        "s/mime",
        "ipsec end system",
        "ipsec tunnel",
        "ipsec user",
        "timestamping",
        "ocsp signing",
        "microsoft sgc",
        "netscape sgc",
    ]))
}

fn issuer_ref() -> Schema {
    obj([("group", string()), ("kind", string()), ("name", string())]).required(["name"])
}

// ---------------------------------------------------------------------------------------
// Issuer and ClusterIssuer

fn issuer_spec() -> Schema {
    obj([
        ("acme", acme()),
        (
            "ca",
            obj([
                ("crlDistributionPoints", array(string())),
                ("issuingCertificateURLs", array(string())),
                ("ocspServers", array(string())),
                ("secretName", string()),
            ])
            .required(["secretName"]),
        ),
        ("selfSigned", obj([("crlDistributionPoints", array(string()))])),
        ("vault", vault()),
        ("venafi", venafi()),
    ])
}

fn acme() -> Schema {
    obj([
        ("caBundle", bytes()),
        ("disableAccountKeyGeneration", boolean()),
        ("email", string()),
        ("enableDurationFeature", boolean()),
        (
            "externalAccountBinding",
            obj([
                ("keyAlgorithm", enum_of(["HS256", "HS384", "HS512"])),
                ("keyID", string()),
                ("keySecretRef", secret_key_ref()),
            ])
            .required(["keyID", "keySecretRef"]),
        ),
        ("preferredChain", string().max_len(64)),
        ("privateKeySecretRef", secret_key_ref()),
        ("profile", string()),
        ("server", string()),
        ("skipTLSVerify", boolean()),
        ("solvers", array(solver())),
    ])
    .required(["privateKeySecretRef", "server"])
}

fn solver() -> Schema {
    obj([
        ("dns01", dns01()),
        ("http01", obj([("gatewayHTTPRoute", gateway_http_route()), ("ingress", ingress())])),
        (
            "selector",
            obj([("dnsNames", array(string())), ("dnsZones", array(string())), ("matchLabels", map(string()))]),
        ),
        ("waitInsteadOfSelfCheck", string()),
    ])
}

fn gateway_http_route() -> Schema {
    let parent_ref = obj([
        (
            "group",
            string()
                .pattern(r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
                .max_len(253)
                .with_default(gateway::GROUP),
        ),
        (
            "kind",
            string().pattern(r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$").min_len(1).max_len(63).with_default("Gateway"),
        ),
        ("name", string().min_len(1).max_len(253)),
        ("namespace", string().pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").min_len(1).max_len(63)),
        ("port", int32().range(1, 65535)),
        (
            "sectionName",
            string()
                .pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
                .min_len(1)
                .max_len(253),
        ),
    ])
    .required(["name"]);
    obj([
        ("labels", map(string())),
        ("parentRefs", array(parent_ref)),
        ("podTemplate", pod_template()),
        ("serviceType", string()),
    ])
}

fn ingress() -> Schema {
    obj([
        ("class", string()),
        ("ingressClassName", string()),
        ("ingressTemplate", obj([("metadata", template_metadata())])),
        ("name", string()),
        ("podTemplate", pod_template()),
        ("serviceType", string()),
    ])
}

fn dns01() -> Schema {
    obj([
        (
            "acmeDNS",
            obj([("accountSecretRef", secret_key_ref()), ("host", string())]).required(["accountSecretRef", "host"]),
        ),
        (
            "akamai",
            obj([
                ("accessTokenSecretRef", secret_key_ref()),
                ("clientSecretSecretRef", secret_key_ref()),
                ("clientTokenSecretRef", secret_key_ref()),
                ("serviceConsumerDomain", string()),
            ])
            .required([
                "accessTokenSecretRef",
                "clientSecretSecretRef",
                "clientTokenSecretRef",
                "serviceConsumerDomain",
            ]),
        ),
        (
            "azureDNS",
            obj([
                ("clientID", string()),
                ("clientSecretSecretRef", secret_key_ref()),
                (
                    "environment",
                    enum_of(["AzurePublicCloud", "AzureChinaCloud", "AzureGermanCloud", "AzureUSGovernmentCloud"]),
                ),
                ("hostedZoneName", string()),
                ("managedIdentity", obj([("clientID", string()), ("resourceID", string()), ("tenantID", string())])),
                ("resourceGroupName", string()),
                ("subscriptionID", string()),
                ("tenantID", string()),
                ("zoneType", enum_of(["AzurePublicZone", "AzurePrivateZone"])),
            ])
            .required(["resourceGroupName", "subscriptionID"]),
        ),
        (
            "cloudDNS",
            obj([("hostedZoneName", string()), ("project", string()), ("serviceAccountSecretRef", secret_key_ref())])
                .required(["project"]),
        ),
        (
            "cloudflare",
            obj([("apiKeySecretRef", secret_key_ref()), ("apiTokenSecretRef", secret_key_ref()), ("email", string())]),
        ),
        ("cnameStrategy", enum_of(["None", "Follow"])),
        ("digitalocean", obj([("tokenSecretRef", secret_key_ref())]).required(["tokenSecretRef"])),
        (
            "rfc2136",
            obj([
                ("nameserver", string()),
                ("protocol", enum_of(["TCP", "UDP"])),
                ("tsigAlgorithm", string()),
                ("tsigKeyName", string()),
                ("tsigSecretSecretRef", secret_key_ref()),
            ])
            .required(["nameserver"]),
        ),
        (
            "route53",
            obj([
                ("accessKeyID", string()),
                ("accessKeyIDSecretRef", secret_key_ref()),
                (
                    "auth",
                    obj([(
                        "kubernetes",
                        obj([("serviceAccountRef", service_account_ref())]).required(["serviceAccountRef"]),
                    )])
                    .required(["kubernetes"]),
                ),
                ("hostedZoneID", string()),
                ("region", string()),
                ("role", string()),
                ("secretAccessKeySecretRef", secret_key_ref()),
            ]),
        ),
        (
            "webhook",
            obj([("config", any()), ("groupName", string()), ("solverName", string())])
                .required(["groupName", "solverName"]),
        ),
    ])
}

fn vault() -> Schema {
    obj([
        (
            "auth",
            obj([
                (
                    "appRole",
                    obj([("path", string()), ("roleId", string()), ("secretRef", secret_key_ref())]).required([
                        "path",
                        "roleId",
                        "secretRef",
                    ]),
                ),
                (
                    "aws",
                    obj([
                        ("iamRoleArn", string()),
                        ("mountPath", string()),
                        ("region", string()),
                        ("role", string().min_len(1)),
                        ("serviceAccountRef", service_account_ref()),
                        ("vaultHeaderValue", string()),
                    ])
                    .required(["role"]),
                ),
                ("clientCertificate", obj([("mountPath", string()), ("name", string()), ("secretName", string())])),
                (
                    "kubernetes",
                    obj([
                        ("mountPath", string()),
                        ("role", string()),
                        ("secretRef", secret_key_ref()),
                        ("serviceAccountRef", service_account_ref()),
                    ])
                    .required(["role"]),
                ),
                ("tokenSecretRef", secret_key_ref()),
            ]),
        ),
        ("caBundle", bytes()),
        ("caBundleSecretRef", secret_key_ref()),
        ("clientCertSecretRef", secret_key_ref()),
        ("clientKeySecretRef", secret_key_ref()),
        ("namespace", string()),
        ("path", string()),
        ("server", string()),
        ("serverName", string()),
    ])
    .required(["auth", "path", "server"])
}

fn venafi() -> Schema {
    let credentials_ref = || obj([("name", string())]).required(["name"]);
    obj([
        ("cloud", obj([("apiTokenSecretRef", secret_key_ref()), ("url", string())]).required(["apiTokenSecretRef"])),
        (
            "ngts",
            obj([
                ("credentialsRef", credentials_ref()),
                ("tokenEndpoint", string()),
                ("tsgID", string()),
                ("url", string()),
            ])
            .required(["credentialsRef", "tsgID"]),
        ),
        (
            "tpp",
            obj([
                ("caBundle", bytes()),
                ("caBundleSecretRef", secret_key_ref()),
                ("credentialsRef", credentials_ref()),
                ("url", string()),
            ])
            .required(["credentialsRef", "url"]),
        ),
        ("zone", string()),
    ])
    .required(["zone"])
}

/// A key of a Secret (`key` may be left to the field's convention).
fn secret_key_ref() -> Schema {
    obj([("key", string()), ("name", string())]).required(["name"])
}

fn service_account_ref() -> Schema {
    obj([("audiences", array(string())), ("name", string())]).required(["name"])
}

/// A Kubernetes quantity (`100m`, `64Mi`, `1e3`), in its string form.
pub(crate) const QUANTITY_PATTERN: &str = concat!(
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))",
    r"(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
);

/// Labels and annotations of an object the solver creates.
fn template_metadata() -> Schema {
    obj([("annotations", map(string())), ("labels", map(string()))])
}

/// The pod of an HTTP-01 solver: the few pod settings cert-manager lets a user set.
fn pod_template() -> Schema {
    let int64 = || int().format("int64");
    let quantity = || {
        let mut rules = IntOrStringRules::default();
        rules.string.pattern = Some(QUANTITY_PATTERN.to_string());
        node(Ty::IntOrString(rules))
    };
    let security_context = obj([
        ("fsGroup", int64()),
        ("fsGroupChangePolicy", string()),
        ("runAsGroup", int64()),
        ("runAsNonRoot", boolean()),
        ("runAsUser", int64()),
        ("seLinuxOptions", obj([("level", string()), ("role", string()), ("type", string()), ("user", string())])),
        ("seccompProfile", obj([("localhostProfile", string()), ("type", string())]).required(["type"])),
        ("supplementalGroups", array(int64())),
        ("sysctls", array(obj([("name", string()), ("value", string())]).required(["name", "value"]))),
    ]);
    let toleration = obj([
        ("effect", string()),
        ("key", string()),
        ("operator", string()),
        ("tolerationSeconds", int64()),
        ("value", string()),
    ]);
    obj([
        ("metadata", template_metadata()),
        (
            "spec",
            obj([
                ("affinity", affinity()),
                ("imagePullSecrets", array(obj([("name", string().with_default(""))])).list_map(["name"])),
                ("nodeSelector", map(string())),
                ("priorityClassName", string()),
                ("resources", obj([("limits", map(quantity())), ("requests", map(quantity()))])),
                ("securityContext", security_context),
                ("serviceAccountName", string()),
                ("tolerations", array(toleration)),
            ]),
        ),
    ])
}
