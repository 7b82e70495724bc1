//! The Secrets pods read are made in their namespace: every `secretKeyRef`, `envFrom`
//! `secretRef` and secret volume of a Pod or workload template names a Secret that the
//! platform makes in that environment and namespace — a Secret object (its own, or one
//! a chart installs), the Secret an ExternalSecret, SealedSecret, VaultStaticSecret or
//! cert-manager Certificate writes — or one read there through a `Secret` (synced from
//! Vault, or declared made outside the platform by `secrets.existing`) (E0473). Where the Secret's keys are
//! known (a Secret object with contents, a Certificate's `tls.crt`, `tls.key` and
//! `ca.crt`), the keys read are among them (E0474). References marked `optional: true`
//! are not checked.
//!
//! Invariant: the Secrets made are indexed once per environment; each reference is one
//! lookup.

use cedc_diagnostics::Diagnostic;
use cedc_model::views::certmanager::Certificate;
use cedc_model::views::core::{Pod, PodSpec, Secret, SecretUse, Workload};
use cedc_model::views::secrets::{ExternalSecret, SealedSecret};
use cedc_model::views::vault::StaticSecret;
use cedc_model::{Environment, Object, ObjectView, View};
use std::collections::{BTreeMap, BTreeSet};

/// The keys of a Secret, when they are known.
type Keys = Option<BTreeSet<String>>;

/// The keys cert-manager writes into a Certificate's Secret.
const CERTIFICATE_KEYS: [&str; 3] = ["tls.crt", "tls.key", "ca.crt"];

pub fn check(env: &Environment, diags: &mut Vec<Diagnostic>) {
    let made = made(env);
    // Where each name is made, for the help of E0473: built once.
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (ns, name) in made.keys() {
        by_name.entry(name).or_default().push(ns);
    }
    for c in &env.components {
        for o in &c.objects {
            let Some(spec) = pod_spec(o) else { continue };
            let ns = o.namespace.as_deref().unwrap_or(&c.namespace);
            let from = diags.len();
            for u in spec.secret_uses().into_iter().filter(|u| !u.optional) {
                let Some(name) = u.name.str() else { continue };
                match made.get(&(ns.to_string(), name.to_string())) {
                    None => {
                        let elsewhere = by_name.get(name).map_or(&[][..], Vec::as_slice);
                        diags.push(missing(&u, ns, name, elsewhere).in_env(&env.name));
                    }
                    Some(Some(keys)) => {
                        for k in &u.keys {
                            if let Some(key) = k.str().filter(|key| !keys.contains(*key)) {
                                diags.push(no_key(*k, key, name, keys).in_env(&env.name));
                            }
                        }
                    }
                    Some(None) => {}
                }
            }
            crate::at_input(&mut diags[from..], o);
        }
    }
}

/// The pod spec of a Pod or of a workload's template.
fn pod_spec(o: &Object) -> Option<PodSpec<'_>> {
    match Pod::cast(o) {
        Some(p) => p.pod_spec(),
        None => Workload::cast(o)?.template()?.pod_spec(),
    }
}

/// Every Secret made in `env`, by (namespace, name), with its keys when known.
fn made(env: &Environment) -> BTreeMap<(String, String), Keys> {
    let mut out: BTreeMap<(String, String), Keys> = BTreeMap::new();
    let mut add = |ns: &str, name: &str, keys: Keys| {
        let entry = out.entry((ns.to_string(), name.to_string())).or_insert_with(|| keys.clone());
        // Made twice, one way with unknown keys: unknown.
        if keys.is_none() {
            *entry = None;
        }
    };
    for c in &env.components {
        for o in c.visible_objects() {
            let ns = o.namespace.as_deref().unwrap_or(&c.namespace);
            if let Some(s) = Secret::cast(o) {
                add(ns, s.name(), secret_keys(s));
            } else if let Some(e) = ExternalSecret::cast(o) {
                add(ns, e.secret_name(), None);
            } else if let Some(s) = SealedSecret::cast(o) {
                add(ns, s.secret_name(), None);
            } else if let Some(name) = StaticSecret::cast(o).and_then(StaticSecret::secret_name) {
                add(ns, name, None);
            } else if let Some(name) = Certificate::cast(o).and_then(|c| c.secret_name()?.str()) {
                add(ns, name, Some(CERTIFICATE_KEYS.iter().map(|k| k.to_string()).collect()));
            }
            // What the platform reads here through a `Secret` is made here: synced from
            // Vault (when no Vault serves, E0487 says so), or made outside.
            for s in o.value.secrets_named() {
                add(ns, s.secret_name(), None);
            }
        }
    }
    out
}

/// The keys of a Secret written with contents; unknown when it has none (it is filled
/// outside the platform's files).
fn secret_keys(s: Secret) -> Keys {
    let keys: BTreeSet<String> = ["data", "stringData"]
        .iter()
        .filter_map(|f| s.view().field(f)?.record())
        .flat_map(|r| r.keys().map(|k| k.to_string()))
        .collect();
    (!keys.is_empty()).then_some(keys)
}

/// E0473.
/// `elsewhere`: the namespaces where a Secret of that name is made.
fn missing(u: &SecretUse, ns: &str, name: &str, elsewhere: &[&str]) -> Diagnostic {
    let mut help = "make it in the platform (a Secret read from a store: `secrets.vault(...)` with `secrets.env_var` or `secrets.volume`), or read it through `secrets.existing(...)` (or list it in the component's `made_outside`) to declare it made outside the platform".to_string();
    if !elsewhere.is_empty() {
        help = format!(
            "a Secret `{name}` is made in {}, not here (a pod reads Secrets of its own namespace); {help}",
            elsewhere.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        );
    }
    Diagnostic::error(
        "E0473",
        format!("the pods read the Secret `{name}`, which nothing in the platform makes in `{ns}`"),
    )
    .at(u.name.span(), "read here")
    .help(help)
}

/// E0474.
fn no_key(at: View, key: &str, name: &str, keys: &BTreeSet<String>) -> Diagnostic {
    let list = keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    Diagnostic::error("E0474", format!("the Secret `{name}` has no key `{key}`"))
        .at(at.span(), "read here")
        .help(format!("its keys are {list}"))
}
