//! Controllers that write Secrets from elsewhere: External Secrets Operator's
//! `ExternalSecret` (its family lives in [`crate::views::eso`], re-exported here) and
//! Bitnami's `SealedSecret`. Each names the Secret it writes.

use crate::view::{ObjectView, View};

pub use crate::views::eso::ExternalSecret;

/// Sealed Secrets' group.
pub const SEALED_SECRETS_GROUP: &str = "bitnami.com";
pub const SEALED_SECRET: &str = "SealedSecret";

crate::object_view!(
    /// A SealedSecret: a Secret decrypted in the cluster.
    SealedSecret, SEALED_SECRETS_GROUP, [SEALED_SECRET]
);

impl<'a> SealedSecret<'a> {
    /// The Secret it writes: `spec.template.metadata.name`, by default its own name.
    pub fn secret_name(self) -> &'a str {
        self.view().at(&["spec", "template", "metadata", "name"]).and_then(View::str).unwrap_or(self.name())
    }
}
