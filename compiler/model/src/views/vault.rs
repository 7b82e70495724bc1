//! Vault, as cedc reads and writes it: the Vault Secrets Operator's kinds that sync a
//! secret from Vault into a Kubernetes Secret (`secrets.hashicorp.com`: VaultConnection,
//! VaultAuth, VaultStaticSecret), and the Red Hat vault-config-operator's kinds that
//! configure Vault itself (`redhatcop.redhat.io`: SecretEngineMount, Policy,
//! KubernetesAuthEngineRole). Group, version and kind names are written here once.

/// The Vault Secrets Operator's API group.
pub const VSO_GROUP: &str = "secrets.hashicorp.com";
/// The version cedc writes.
pub const VSO_VERSION: &str = "v1beta1";
/// `apiVersion` of the VSO objects cedc writes.
pub const VSO_API_VERSION: &str = "secrets.hashicorp.com/v1beta1";
/// How the operator reaches Vault (address, TLS).
pub const VAULT_CONNECTION: &str = "VaultConnection";
/// How the operator logs in to Vault for a namespace (method, mount, role, service account).
pub const VAULT_AUTH: &str = "VaultAuth";
/// One KV secret synced into one Kubernetes Secret.
pub const VAULT_STATIC_SECRET: &str = "VaultStaticSecret";

/// The vault-config-operator's API group.
pub const VCO_GROUP: &str = "redhatcop.redhat.io";
/// The version cedc writes.
pub const VCO_VERSION: &str = "v1alpha1";
/// `apiVersion` of the vault-config-operator objects cedc writes.
pub const VCO_API_VERSION: &str = "redhatcop.redhat.io/v1alpha1";
/// A secret engine mounted at a path (`kv` version 2, ...).
pub const SECRET_ENGINE_MOUNT: &str = "SecretEngineMount";
/// An ACL policy, as HCL.
pub const POLICY: &str = "Policy";
/// A role of a Kubernetes auth mount: service accounts and namespaces, and policies.
pub const KUBERNETES_AUTH_ENGINE_ROLE: &str = "KubernetesAuthEngineRole";
