//! The meaning of the secret built-ins: `vault_secret` and `existing_secret` make a
//! [`SecretSource`] (where a secret lives, never its contents), and `secret_ref` turns
//! one into the name and key of the Kubernetes Secret its readers read. The name is
//! [`ValueKind::Named`] text: wherever it is emitted, derive knows the secret is read
//! there. Strings built from such text stay [`ValueKind::Named`].
//!
//! Invariant: every check of a path, a key or a derived name happens here, once, when
//! the secret is made; later stages trust a `SecretSource`.

use cedc_diagnostics::{Diagnostic, Span};
use cedc_model::{Named, SecretSource, SecretStore, Value, ValueKind};
use cedc_types::domain::dns_subdomain;
use std::sync::Arc;

/// E0496: a Vault path cedc cannot read.
const BAD_PATH: &str = "E0496";
/// E0497: a key, or the name of the Kubernetes Secret holding the secret, that
/// Kubernetes refuses.
const BAD_NAME: &str = "E0497";

/// `vault_secret(path, key)`: the `key` of the KV version 2 secret at `path`, written
/// `<mount>/<path in the mount>`. It is synced into the Kubernetes Secret
/// `<mount>-<path>` (slashes and underscores as dashes, in lower case).
/// `spans` are the path's and the key's: problems are reported there, and the secret
/// is known by the path's span.
pub(crate) fn vault(path: &str, key: &str, spans: (Span, Span)) -> Result<SecretSource, Diagnostic> {
    let (span, key_span) = spans;
    let bad = |msg: String, help: &str| Diagnostic::error(BAD_PATH, msg).at(span, "this secret").help(help.to_string());
    let segments: Vec<&str> = path.split('/').collect();
    if let Some(s) = segments.iter().find(|s| !segment_ok(s)) {
        let what = if s.is_empty() { "an empty segment".to_string() } else { format!("the segment `{s}`") };
        return Err(bad(
            format!("the Vault path `{path}` has {what}"),
            "write `<mount>/<path>`, segments of letters, digits, `.`, `_` and `-` separated by single `/` (no globs: a secret is one path)",
        ));
    }
    let [mount, rest @ ..] = segments.as_slice() else {
        return Err(bad(format!("the Vault path `{path}` is empty"), "write `<mount>/<path>`"));
    };
    if rest.is_empty() {
        return Err(bad(
            format!("the Vault path `{path}` names a mount but no secret in it"),
            "write `<mount>/<path>`: `kv/argocd/github` is the secret `argocd/github` of the mount `kv`",
        ));
    }
    if matches!(rest[0], "data" | "metadata") && rest.len() > 1 {
        let plain = format!("{mount}/{}", rest[1..].join("/"));
        return Err(bad(
            format!("the Vault path `{path}` is written with the API's `{}/` segment", rest[0]),
            &format!(
                "write `{plain}`: secrets are named by mount and path, and cedc adds `data/` where Vault's KV version 2 API needs it (in policies and sync objects)"
            ),
        ));
    }
    check_key(key, key_span)?;
    let name = format!("{mount}-{}", rest.join("-")).replace('_', "-").to_lowercase();
    if let Err(why) = dns_subdomain(&name) {
        return Err(Diagnostic::error(
            BAD_NAME,
            format!("the Kubernetes Secret for `{path}` would be named `{name}`, which is not a valid name: {why}"),
        )
        .at(span, "this secret")
        .help("cedc names the synced Secret `<mount>-<path>` with dashes; use a shorter path of letters, digits and dashes"));
    }
    let store = SecretStore::Vault { mount: mount.to_string(), path: rest.join("/"), name };
    Ok(SecretSource { store, key: key.to_string(), span })
}

/// `existing_secret(name, key)`: the `key` of a Kubernetes Secret made outside the
/// platform's declarations.
pub(crate) fn existing(name: &str, key: &str, spans: (Span, Span)) -> Result<SecretSource, Diagnostic> {
    let (span, key_span) = spans;
    if let Err(why) = dns_subdomain(name) {
        return Err(Diagnostic::error(BAD_NAME, format!("`{name}` is not a valid Secret name: {why}"))
            .at(span, "this secret")
            .help("a Secret's name is a DNS-1123 subdomain: lower-case letters, digits, `-` and `.`"));
    }
    check_key(key, key_span)?;
    Ok(SecretSource { store: SecretStore::Kubernetes { name: name.to_string() }, key: key.to_string(), span })
}

/// A Secret's data key: letters, digits, `-`, `_` and `.`, at most 253 characters.
fn check_key(key: &str, span: Span) -> Result<(), Diagnostic> {
    let ok = !key.is_empty()
        && key.len() <= 253
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        return Ok(());
    }
    Err(Diagnostic::error(BAD_NAME, format!("`{key}` is not a valid key of a Kubernetes Secret"))
        .at(span, "this key")
        .help("a key is made of letters, digits, `-`, `_` and `.` (at most 253): the Kubernetes Secret holding the secret has it as a key"))
}

/// A segment of a Vault path: letters, digits, `.`, `_`, `-`; no globs.
fn segment_ok(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `secret_ref(secret)`: `{ name, key }`, the name naming the secret.
pub(crate) fn key_ref(source: &Arc<SecretSource>, span: Span) -> Value {
    let name = ValueKind::Named(Arc::new(Named {
        text: source.secret_name().into(),
        reads: vec![source.clone()],
        public: None,
    }));
    let mut fields = cedc_model::Fields::new();
    fields.insert("name".into(), Value::new(name, span));
    fields.insert("key".into(), Value::str(&source.key, span));
    Value::new(ValueKind::Record(fields), span)
}

/// The secrets a string value names.
pub(crate) fn reads_of(v: &Value) -> impl Iterator<Item = &Arc<SecretSource>> {
    match &v.kind {
        ValueKind::Named(n) => n.reads.iter(),
        _ => [].iter(),
    }
}

/// Text built from parts: [`ValueKind::Named`] when some part named secrets.
pub(crate) fn text(text: String, mut reads: Vec<Arc<SecretSource>>) -> ValueKind {
    if reads.is_empty() {
        return ValueKind::Str(text.into());
    }
    reads.sort();
    reads.dedup();
    ValueKind::Named(Arc::new(Named { text: text.into(), reads, public: None }))
}

/// `public(text, reason)`: `text`, declared public material (E0475 without a reason).
pub(crate) fn public(text: &Value, reason: &Value) -> Result<Value, Diagnostic> {
    let why = reason.as_str().unwrap_or_default().trim();
    if why.is_empty() {
        return Err(Diagnostic::error("E0475", "public material is declared without a reason")
            .at(reason.span(), "an empty reason")
            .help("say what the text is and why it may be published (`\"the cluster CA certificate, public by design\"`): reviewers read it in the output"));
    }
    let reads = reads_of(text).cloned().collect();
    let named = Named { text: text.as_str().unwrap_or_default().into(), reads, public: Some(why.into()) };
    Ok(Value { kind: ValueKind::Named(Arc::new(named)), origin: text.origin.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> (Span, Span) {
        (Span::default(), Span::default())
    }

    #[test]
    fn a_vault_path_is_a_mount_and_a_path_and_names_its_synced_secret() {
        let s = vault("kv/argocd/github_sso", "clientSecret", at()).expect("valid");
        assert_eq!(
            s.store,
            SecretStore::Vault {
                mount: "kv".into(),
                path: "argocd/github_sso".into(),
                name: "kv-argocd-github-sso".into()
            }
        );
        assert_eq!(s.secret_name(), "kv-argocd-github-sso");
        assert_eq!(s.key, "clientSecret");
    }

    #[test]
    fn api_paths_globs_and_bare_mounts_are_refused() {
        for (path, says) in [
            ("kv/data/argocd/github", "`data/` segment"),
            ("kv/metadata/argocd/github", "`metadata/` segment"),
            ("kv", "no secret in it"),
            ("kv//argocd", "an empty segment"),
            ("/kv/argocd", "an empty segment"),
            ("kv/argocd/*", "the segment `*`"),
            ("kv/+/github", "the segment `+`"),
            ("kv/a b", "the segment `a b`"),
        ] {
            let d = vault(path, "k", at()).expect_err(path);
            assert_eq!(d.code, BAD_PATH, "{path}");
            assert!(d.message.contains(says), "{path}: {}", d.message);
        }
        // `data` as a secret's own name (nothing after it) is a path like any other.
        assert!(vault("kv/data", "k", at()).is_ok());
    }

    #[test]
    fn bad_keys_and_names_are_refused() {
        assert_eq!(vault("kv/a", "", at()).expect_err("empty key").code, BAD_NAME);
        assert_eq!(vault("kv/a", "a/b", at()).expect_err("slash").code, BAD_NAME);
        assert_eq!(vault("kv/Ünïcode", "k", at()).expect_err("segment").code, BAD_PATH);
        let long = format!("kv/{}", "a".repeat(260));
        assert_eq!(vault(&long, "k", at()).expect_err("long").code, BAD_NAME);
        assert_eq!(existing("Not_A_Name", "k", at()).expect_err("name").code, BAD_NAME);
        assert!(existing("cloudflare-api-token", "api-token", at()).is_ok());
    }

    #[test]
    fn text_built_from_a_reference_keeps_naming_it() {
        let s = Arc::new(vault("kv/a", "k", at()).expect("valid"));
        let r = key_ref(&s, Span::default());
        let name = r.get("name").expect("name");
        assert_eq!(name.as_str(), Some("kv-a"));
        assert_eq!(reads_of(name).count(), 1);
        match text("$kv-a:k".into(), reads_of(name).cloned().collect()) {
            ValueKind::Named(n) => assert_eq!(n.reads, vec![s]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(text("plain".into(), vec![]), ValueKind::Str(_)));
    }
}
