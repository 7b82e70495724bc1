//! The External Secrets Operator (`external-secrets.io`), as cedc reads and writes it:
//! a SecretStore says where secrets are read from (cedc writes only its `kubernetes`
//! provider: Secrets of another namespace of the same cluster), an ExternalSecret copies
//! keys from a store into a Kubernetes Secret it creates, shaped by a template. Group,
//! version, kind names, the template engine and the field paths cedc reads are written
//! here once.
//!
//! cedc uses it to register virtual clusters in Argo CD: the credentials the vcluster
//! chart writes into its namespace are copied, templated into Argo CD's cluster format,
//! into the registration Secret ([`ClusterCopy`]).

use crate::view::{ObjectView, View};

/// The operator's API group.
pub const GROUP: &str = "external-secrets.io";
/// The version cedc writes (the operator's served and stored version since 0.17).
pub const VERSION: &str = "v1";
/// `apiVersion` of the objects cedc writes.
pub const API_VERSION: &str = "external-secrets.io/v1";
/// Where secrets are read from, for the ExternalSecrets of its namespace.
pub const SECRET_STORE: &str = "SecretStore";
/// Where secrets are read from, for ExternalSecrets of every namespace.
pub const CLUSTER_SECRET_STORE: &str = "ClusterSecretStore";
/// Keys of a store copied into one Kubernetes Secret.
pub const EXTERNAL_SECRET: &str = "ExternalSecret";
/// The template engine cedc's templates are written for (Go templates with Sprig's
/// functions: `b64enc`, ...).
pub const TEMPLATE_ENGINE: &str = "v2";
/// How often a copy is read again (a rotated vcluster certificate reaches Argo CD
/// within this).
pub const REFRESH_INTERVAL: &str = "1h";

crate::object_view!(
    /// An ExternalSecret: keys of a store copied into a Kubernetes Secret.
    ExternalSecret, GROUP, [EXTERNAL_SECRET]
);

impl<'a> ExternalSecret<'a> {
    /// The name of the Secret it writes: `target.name`, else its own.
    pub fn secret_name(self) -> &'a str {
        self.spec().and_then(|s| s.at(&["target", "name"])).and_then(View::str).unwrap_or(self.name())
    }
    /// The labels its template gives the Secret it creates.
    pub fn target_labels(self) -> Option<View<'a>> {
        self.spec()?.at(&["target", "template", "metadata", "labels"])
    }
    /// The value of key `key` in its template's data (a Go template).
    pub fn template_data(self, key: &str) -> Option<View<'a>> {
        self.spec()?.at(&["target", "template", "data", key])
    }
}

crate::object_view!(
    /// A SecretStore or ClusterSecretStore.
    SecretStore, GROUP, [SECRET_STORE, CLUSTER_SECRET_STORE]
);

/// The copy of a virtual cluster's credentials into its Argo CD registration: the keys
/// of the Secret the vcluster chart writes (PEM text), each under the name the
/// registration's template reads it by.
pub struct ClusterCopy;

impl ClusterCopy {
    /// (template variable, key of the vcluster's Secret) for the certificate authority,
    /// the client certificate and the client key.
    pub const KEYS: [(&'static str, &'static str); 3] = [
        ("caData", crate::views::cluster::VCLUSTER_CA_KEY),
        ("certData", crate::views::cluster::VCLUSTER_CERT_KEY),
        ("keyData", crate::views::cluster::VCLUSTER_KEY_KEY),
    ];

    /// Argo CD's cluster connection settings (`config`, JSON) as a template over
    /// [`ClusterCopy::KEYS`]: TLS verified against the virtual cluster's own authority,
    /// logging in with its client certificate; Argo CD wants each PEM base64-encoded.
    pub fn config_template() -> String {
        let fields: Vec<String> =
            Self::KEYS.iter().map(|(var, _)| format!("\"{var}\":\"{{{{ .{var} | b64enc }}}}\"")).collect();
        format!("{{\"tlsClientConfig\":{{\"insecure\":false,{}}}}}", fields.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::ClusterCopy;

    #[test]
    fn the_config_template_is_json_once_rendered() {
        let t = ClusterCopy::config_template();
        let rendered = t.replace("{{ .caData | b64enc }}", "Q0E=").replace("{{ .certData | b64enc }}", "Q0VSVA==");
        let rendered = rendered.replace("{{ .keyData | b64enc }}", "S0VZ");
        let v: serde_json::Value = serde_json::from_str(&rendered).expect("JSON");
        assert_eq!(v["tlsClientConfig"]["insecure"], false);
        assert_eq!(v["tlsClientConfig"]["caData"], "Q0E=");
        assert_eq!(v["tlsClientConfig"]["certData"], "Q0VSVA==");
        assert_eq!(v["tlsClientConfig"]["keyData"], "S0VZ");
    }
}
