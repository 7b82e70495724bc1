//! Vault, as cedc reads and writes it: the Vault Secrets Operator's kinds that sync a
//! secret from Vault into a Kubernetes Secret (`secrets.hashicorp.com`: VaultConnection,
//! VaultAuth, VaultStaticSecret), and the Red Hat vault-config-operator's kinds that
//! configure Vault itself (`redhatcop.redhat.io`: SecretEngineMount, Policy,
//! KubernetesAuthEngineRole). Group, version and kind names are written here once, and
//! the typed views of a component's `vault:` (prelude `VaultServer`) and
//! `reads_secrets_as:`.

use crate::view::{ObjectView, View};

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

/// The Kubernetes auth mount of the cluster Vault runs in; a virtual cluster reading
/// from it logs in through `kubernetes-<env>` (its tokens are its own API server's).
pub const HOME_AUTH_MOUNT: &str = "kubernetes";
/// The identity segments of a policy rule's path, and the alias metadata Vault's
/// identity templating reads for each.
pub const IDENTITY_SEGMENTS: [(&str, &str); 2] =
    [(NAMESPACE_SEGMENT, "service_account_namespace"), (SERVICE_ACCOUNT_SEGMENT, "service_account_name")];
/// The segment of a rule path standing for the reader's namespace.
pub const NAMESPACE_SEGMENT: &str = "$namespace";
/// The segment of a rule path standing for the reader's service account.
pub const SERVICE_ACCOUNT_SEGMENT: &str = "$service_account";
/// The name of the VaultConnection cedc writes in each reading namespace.
pub const CONNECTION_NAME: &str = "vault";
/// How often a synced Secret is read again from Vault.
pub const REFRESH_AFTER: &str = "1h";

/// The Kubernetes auth mount through which `env` logs in to a Vault running in
/// `home` (the environment whose component runs it).
pub fn auth_mount(env: &str, home: &str) -> String {
    if env == home { HOME_AUTH_MOUNT.to_string() } else { format!("{HOME_AUTH_MOUNT}-{env}") }
}

crate::object_view!(
    /// A VaultStaticSecret: one Vault secret synced into a Kubernetes Secret.
    StaticSecret, VSO_GROUP, [VAULT_STATIC_SECRET]
);

impl<'a> StaticSecret<'a> {
    /// The Secret it writes: `spec.destination.name`.
    pub fn secret_name(self) -> Option<&'a str> {
        self.view().at(&["spec", "destination", "name"]).and_then(View::str)
    }
}

/// The name in Vault (and of the KubernetesAuthEngineRole) of role `role` on the auth
/// mount of `env`: the role's own where Vault runs (`home`), `<role>-<env>` elsewhere
/// (the vault-config-operator names a role as its object, and objects share a namespace).
pub fn role_name(role: &str, env: &str, home: &str) -> String {
    if env == home { role.to_string() } else { format!("{role}-{env}") }
}

crate::part_view!(
    /// A component's `vault:` (prelude `VaultServer`).
    Server
);
crate::part_view!(
    /// One of `mounts` (prelude `VaultMount`).
    Mount
);
crate::part_view!(
    /// One of `policies` (prelude `VaultPolicy`).
    Policy
);
crate::part_view!(
    /// One of a policy's `rules` (prelude `VaultRule`).
    Rule
);
crate::part_view!(
    /// One of `roles` (prelude `VaultRole`).
    Role
);
crate::part_view!(
    /// A component's `reads_secrets_as:` (prelude `SecretReader`).
    Reader
);

impl<'a> Server<'a> {
    pub fn address(self) -> &'a str {
        self.0.str_field("address").unwrap_or_default()
    }
    pub fn mounts(self) -> impl Iterator<Item = Mount<'a>> + use<'a> {
        self.0.items_of("mounts").map(Mount)
    }
    pub fn policies(self) -> impl Iterator<Item = Policy<'a>> + use<'a> {
        self.0.items_of("policies").map(Policy)
    }
    pub fn roles(self) -> impl Iterator<Item = Role<'a>> + use<'a> {
        self.0.items_of("roles").map(Role)
    }
    pub fn default_role(self) -> Option<&'a str> {
        self.0.str_field("default_role")
    }
    pub fn admin_role(self) -> &'a str {
        self.0.str_field("admin_role").unwrap_or("vault-admin")
    }
}

impl<'a> Mount<'a> {
    pub fn path(self) -> &'a str {
        self.0.str_field("path").unwrap_or_default()
    }
    /// Where the mount's path is written (`secrets.kv("kv")`: its argument).
    pub fn path_span(self) -> crate::__private::Span {
        self.0.field("path").map_or(self.span(), View::span)
    }
    pub fn engine(self) -> &'a str {
        self.0.str_field("type").unwrap_or("kv")
    }
    /// KV's version, 2 unless written.
    pub fn version(self) -> i64 {
        self.0.int_field("version").unwrap_or(2)
    }
}

impl<'a> Policy<'a> {
    pub fn name(self) -> &'a str {
        self.0.str_field("name").unwrap_or_default()
    }
    pub fn rules(self) -> impl Iterator<Item = Rule<'a>> + use<'a> {
        self.0.items_of("rules").map(Rule)
    }
}

impl<'a> Rule<'a> {
    /// `path` as written, with its span (where a problem with the rule is reported).
    pub fn path(self) -> Option<View<'a>> {
        self.0.field("path")
    }
    /// The Vault path the rule is on: `path`, or `<kv>/data/<path>` with `kv`.
    pub fn full_path(self) -> Option<String> {
        let path = self.path()?.str()?;
        Some(match self.0.str_field("kv") {
            Some(kv) => format!("{kv}/data/{path}"),
            None => path.to_string(),
        })
    }
    pub fn capabilities(self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.0.items_of("capabilities").filter_map(View::str)
    }
}

impl<'a> Role<'a> {
    pub fn name(self) -> &'a str {
        self.0.str_field("name").unwrap_or_default()
    }
    pub fn service_accounts(self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.0.items_of("service_accounts").filter_map(View::str)
    }
    pub fn namespaces(self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.0.items_of("namespaces").filter_map(View::str)
    }
    /// `policies`, each with its span.
    pub fn policies(self) -> impl Iterator<Item = View<'a>> + use<'a> {
        self.0.items_of("policies")
    }
    /// The environments it serves, when it says (`envs`).
    pub fn envs(self) -> Option<Vec<&'a str>> {
        self.0.field("envs").map(|e| e.items().filter_map(View::env).collect())
    }
    /// Whether it lets `service_account` of `namespace` log in.
    pub fn binds(self, namespace: &str, service_account: &str) -> bool {
        let admits = |v: &str, x: &str| v == "*" || v == x;
        self.namespaces().any(|v| admits(v, namespace)) && self.service_accounts().any(|v| admits(v, service_account))
    }
}

impl<'a> Reader<'a> {
    pub fn role(self) -> Option<View<'a>> {
        self.0.field("role")
    }
    pub fn service_account(self) -> &'a str {
        self.0.str_field("service_account").unwrap_or("default")
    }
}
