//! Secrets: every secret a component reads is synced into the namespace reading it, and
//! the Vault it is read from is configured as code and checked against the read.
//!
//! - **Reads** are found in the model, not declared: a [`ValueKind::Named`] string (the
//!   `name` that `secret_ref` gives, or text built from it) anywhere in a component's
//!   objects or chart values is a read of the secrets it names, in that object's
//!   namespace (the component's, for chart values).
//! - **Sync** (the Vault Secrets Operator): for each namespace reading Vault secrets, in
//!   the first component reading there, a VaultConnection (`vault`), a VaultAuth per
//!   reading component (`<component>-vault`: its role and service account, through the
//!   Kubernetes auth mount of its cluster) and one VaultStaticSecret per synced Secret
//!   (KV version 2, the Secret created with the component's labels). Existing Secrets
//!   (`secrets.existing`) are read as they are: nothing is synced.
//! - **Vault as code** (the vault-config-operator): in the component whose `vault:`
//!   declares the server, a SecretEngineMount per mount, a Policy per policy (HCL written
//!   from typed rules: always valid), and a KubernetesAuthEngineRole per role and
//!   environment it serves (named `<role>` where Vault runs, `<role>-<env>` on the auth
//!   mount of another environment: the operator names the Vault role as the object).
//! - **Checks**, each at the `.ced` span of the secret read: a Vault serves the
//!   environment (E0487), the reader's role admits its service account and namespace
//!   (E0488), a policy of the role grants `read` on the secret's API path with the
//!   reader's identity put in templated rules (E0489), the mount is declared and is KV
//!   version 2 (E0498); rules are well formed and KV version 2 rules go through `data/`
//!   (E0499); two paths never sync into one Secret (E0486).
//!
//! Invariants: reads are collected by walking values with an explicit stack; each read is
//! checked by lookups in an [`Index`] of the Vault built once per environment (mounts and
//! roles by name, each role's rules resolved from its policies once), then against its
//! own role's rules only; no pair loops over reads or declarations; output order follows
//! declaration order.

use crate::{Context, Generator};
use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::delivery::Release;
use cedc_model::views::vault::{self as names, Mount, Policy, Reader, Role, Rule, Server};
use cedc_model::{Environment, Object, Platform, SecretSource, SecretStore, Value, ValueKind, View};
use serde_json::{Map, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The Vault serving an environment: the component running it and the environment it
/// runs in (`home`).
#[derive(Clone, Debug)]
pub struct Served {
    pub env: String,
    pub home: String,
    /// The component whose `vault:` declares it.
    pub component: String,
    /// Its `vault:` value (a prelude `VaultServer`).
    pub server: Value,
}

/// The Vault of every environment that has one: one run by a component of its own, else
/// its host's (a virtual cluster's workloads reach the host's Vault).
pub fn servers(platform: &Platform) -> Vec<Served> {
    let own =
        |env: &Environment| env.components.iter().find_map(|c| Some((c.name.clone(), c.vault.as_deref()?.clone())));
    let mut out = Vec::new();
    for env in &platform.envs {
        let found = match own(env) {
            Some(s) => Some((env.name.clone(), s)),
            None => platform.host_of(env).and_then(|h| Some((h.name.clone(), own(h)?))),
        };
        if let Some((home, (component, server))) = found {
            out.push(Served { env: env.name.clone(), home, component, server });
        }
    }
    out
}

/// A Vault's declarations indexed by name, built once per environment: every read is
/// checked by lookups here, never by scanning the declarations again.
struct Index<'a> {
    server: Server<'a>,
    mounts: BTreeMap<&'a str, Mount<'a>>,
    roles: BTreeMap<&'a str, Role<'a>>,
    /// Each role's rules, from all of its policies, with their Vault paths.
    rules: BTreeMap<&'a str, Vec<(Rule<'a>, String)>>,
}

impl<'a> Index<'a> {
    fn new(server: Server<'a>) -> Index<'a> {
        let mounts = server.mounts().map(|m| (m.path(), m)).collect();
        let policies: BTreeMap<&str, Policy> = server.policies().map(|p| (p.name(), p)).collect();
        let roles: BTreeMap<&str, Role> = server.roles().map(|r| (r.name(), r)).collect();
        let rules = roles
            .iter()
            .map(|(name, role)| {
                let granted = role.policies().filter_map(|p| policies.get(p.str()?));
                let rules = granted.flat_map(|p| p.rules().filter_map(|r| Some((r, r.full_path()?)))).collect();
                (*name, rules)
            })
            .collect();
        Index { server, mounts, roles, rules }
    }
    /// The rules of role `role`.
    fn rules(&self, role: &str) -> &[(Rule<'a>, String)] {
        self.rules.get(role).map_or(&[], Vec::as_slice)
    }
    /// Whether `mount` is a declared KV version 2 mount.
    fn kv2(&self, mount: &str) -> bool {
        self.mounts.get(mount).is_some_and(|m| m.engine() == "kv" && m.version() == 2)
    }
}

pub(crate) struct SecretSync;

impl Generator for SecretSync {
    fn generate(&self, env: &mut Environment, cx: &Context) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let served = cx.vaults.iter().find(|s| s.env == env.name);
        let reads = reads(env);
        check_names(&reads, &mut diags);
        let Some(served) = served else {
            if let Some(r) = reads.iter().find(|r| matches!(r.source.store, SecretStore::Vault { .. })) {
                diags.push(no_vault(r));
            }
            return diags;
        };
        let ix = Index::new(Server(View::new(&served.server)));
        check_reads(env, served, &ix, &reads, &mut diags);
        sync(env, served, ix.server, &reads);
        // The environment Vault runs in gets its configuration.
        if served.home == env.name {
            configure(env, served, &ix, cx, &mut diags);
        }
        diags
    }
}

/// One secret read: by which component, in which namespace.
struct Read {
    component: usize,
    namespace: String,
    source: Arc<SecretSource>,
}

/// Every read of `env`, in component and document order, each (component, namespace,
/// secret) once.
fn reads(env: &Environment) -> Vec<Read> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, c) in env.components.iter().enumerate() {
        let objects = c.objects.iter().map(|o| (&o.value, o.namespace.as_deref().unwrap_or(&c.namespace)));
        let values =
            c.chart.as_deref().and_then(|r| Release(View::new(r)).values()).map(|v| (v.value(), &*c.namespace));
        for (value, ns) in objects.chain(values) {
            for source in value.secrets_named() {
                if seen.insert((i, ns.to_string(), source.clone())) {
                    out.push(Read { component: i, namespace: ns.to_string(), source });
                }
            }
        }
    }
    out
}

/// E0486: two Vault paths whose synced Secrets would have one name.
fn check_names(reads: &[Read], diags: &mut Diagnostics) {
    let mut first: BTreeMap<&str, &SecretSource> = BTreeMap::new();
    // A secret read in several places is reported once.
    let mut reported = BTreeSet::new();
    for r in reads {
        let SecretStore::Vault { mount, path, name } = &r.source.store else { continue };
        let prev = *first.entry(name).or_insert(&r.source);
        if let SecretStore::Vault { mount: m0, path: p0, .. } = &prev.store
            && (m0, p0) != (mount, path)
            && reported.insert(&*r.source)
        {
            diags.push(
                Diagnostic::error(
                    "E0486",
                    format!("`{mount}/{path}` and `{m0}/{p0}` would both be synced into the Secret `{name}`"),
                )
                .at(r.source.span, format!("synced into `{name}`"))
                .also(prev.span, "also synced there")
                .help("cedc names a synced Secret `<mount>-<path>` with dashes: rename one of the two Vault paths"),
            );
        }
    }
}

/// E0487: a Vault secret read where no Vault serves.
fn no_vault(r: &Read) -> Diagnostic {
    Diagnostic::error("E0487", "this secret is read from Vault, but no Vault serves this environment")
        .at(r.source.span, "read from Vault")
        .help("declare the Vault as code on the component running it (`vault: secrets.server(...)`) in this environment or, for a virtual cluster, in its host; or read an existing Kubernetes Secret (`secrets.existing`)")
}

/// Who a component reads as: its role (with the span choosing it) and service account.
fn reader<'a>(
    env: &'a Environment,
    component: usize,
    server: Server<'a>,
) -> (Option<(&'a str, Option<Span>)>, &'a str) {
    let r = env.components[component].reader.as_deref().map(|r| Reader(View::new(r)));
    let role = match r.and_then(Reader::role) {
        Some(v) => v.str().map(|s| (s, Some(v.span()))),
        None => server.default_role().map(|s| (s, None)),
    };
    (role, r.map_or("default", Reader::service_account))
}

/// E0488, E0489, E0498: every Vault read is admitted by the serving Vault.
fn check_reads(env: &Environment, served: &Served, ix: &Index, reads: &[Read], diags: &mut Diagnostics) {
    let server = ix.server;
    for r in reads {
        let SecretStore::Vault { mount, path, .. } = &r.source.store else { continue };
        let component = &env.components[r.component];
        let at = r.source.span;
        match ix.mounts.get(mount.as_str()) {
            None => {
                diags.push(
                    Diagnostic::error("E0498", format!("the Vault of `{}` has no mount `{mount}`", served.home))
                        .at(at, "read from it")
                        .help(format!("declare it in the server's `mounts` (`secrets.kv(\"{mount}\")`), or read from one of its mounts: {}", list(ix.mounts.keys().copied()))),
                );
                continue;
            }
            Some(m) if m.engine() != "kv" || m.version() != 2 => {
                diags.push(
                    Diagnostic::error("E0498", format!("the mount `{mount}` is KV version {}, and cedc reads KV version 2", m.version()))
                        .at(at, "read from it")
                        .also(m.path_span(), "declared here")
                        .help("make it KV version 2 (`secrets.kv(...)`; a plain `kv` mount in Vault is version 1): the sync reads `<mount>/data/<path>`"),
                );
                continue;
            }
            Some(_) => {}
        }
        let (role, sa) = reader(env, r.component, server);
        let Some((role_name, chosen)) = role else {
            diags.push(
                Diagnostic::error("E0488", format!("component `{}` reads Vault secrets as no role", component.name))
                    .at(at, "read from Vault")
                    .help("give the server a `default_role`, or the component `reads_secrets_as: { role: \"...\" }`"),
            );
            continue;
        };
        let Some(&role) = ix.roles.get(role_name) else {
            let mut d = Diagnostic::error("E0488", format!("the Vault of `{}` has no role `{role_name}`", served.home))
                .at(at, format!("read as role `{role_name}`"))
                .help(format!(
                    "declare the role in the server's `roles`; its roles are: {}",
                    list(ix.roles.keys().copied())
                ));
            if let Some(s) = chosen {
                d = d.also(s, "the role chosen here");
            }
            diags.push(d);
            continue;
        };
        let serves = role.envs().is_none_or(|e| e.contains(&env.name.as_str()));
        if !serves || !role.binds(&r.namespace, sa) {
            let why = if serves {
                format!(
                    "it admits the service accounts {} of the namespaces {}",
                    list(role.service_accounts()),
                    list(role.namespaces())
                )
            } else {
                format!("it serves only {}", list(role.envs().unwrap_or_default().into_iter()))
            };
            diags.push(
                Diagnostic::error("E0488", format!("role `{role_name}` does not let `{sa}` of `{}` log in in `{}`", r.namespace, env.name))
                    .at(at, format!("read by `{}` as `{sa}`", component.name))
                    .also(role.span(), "the role")
                    .help(format!("{why}: add the namespace and service account to the role, or read as a role that admits them (`reads_secrets_as`)")),
            );
            continue;
        }
        let api_path = format!("{mount}/data/{path}");
        let identity = Identity { namespace: &r.namespace, service_account: sa };
        let decisive = decisive_rule(ix.rules(role_name), &api_path, identity);
        let granted = decisive.as_ref().is_some_and(|(rule, _)| {
            let caps: Vec<&str> = rule.capabilities().collect();
            caps.contains(&"read") && !caps.contains(&"deny")
        });
        if !granted {
            diags.push(refused(role_name, &api_path, identity, decisive, ix.rules(role_name), at));
        }
    }
}

/// E0489, with what the policies say for the path.
fn refused(
    role_name: &str,
    api_path: &str,
    identity: Identity,
    decisive: Option<(Rule, String)>,
    rules: &[(Rule, String)],
    at: Span,
) -> Diagnostic {
    let mut d = Diagnostic::error("E0489", format!("no policy of role `{role_name}` lets it read `{api_path}`"))
        .at(at, format!("read as `{}` of `{}`", identity.service_account, identity.namespace));
    let help = match &decisive {
        Some((rule, evaluated)) => {
            d = d.also(rule.span(), "the rule deciding");
            format!(
                "the most specific rule matching it, `{evaluated}`, grants {} and not `read`",
                list(rule.capabilities())
            )
        }
        None => {
            let rules: Vec<&str> = rules.iter().map(|(_, path)| path.as_str()).collect();
            let evaluated: Vec<String> = rules.iter().map(|r| evaluate(r, identity)).collect();
            let hint = evaluated.iter().find_map(|r| missing_data(r, api_path)).unwrap_or_default();
            let shown: Vec<String> = rules
                .iter()
                .zip(&evaluated)
                .map(|(r, e)| if r == e { format!("`{r}`") } else { format!("`{r}` (`{e}` for this reader)") })
                .collect();
            let shown = if shown.is_empty() { "none".to_string() } else { shown.join(", ") };
            format!("the rules of its policies are {shown}: none matches{hint}")
        }
    };
    d.help(help)
}

/// A hint when a rule would match but for KV version 2's `data/` segment.
fn missing_data(rule: &str, api_path: &str) -> Option<String> {
    let (mount, rest) = rule.split_once('/')?;
    let with_data = format!("{mount}/data/{rest}");
    glob_match(&with_data, api_path)
        .then(|| format!(" (`{rule}` would, written `{with_data}`: KV version 2 reads go through `data/`)"))
}

/// The reader whose identity templated rules are evaluated with.
#[derive(Clone, Copy)]
struct Identity<'a> {
    namespace: &'a str,
    service_account: &'a str,
}

/// A rule path with the reader's identity put in its identity segments.
fn evaluate(path: &str, id: Identity) -> String {
    path.split('/')
        .map(|s| match s {
            names::NAMESPACE_SEGMENT => id.namespace,
            names::SERVICE_ACCOUNT_SEGMENT => id.service_account,
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The rule of the role's policies that decides for `api_path` (Vault: an exact path
/// before globs; among globs, the one with fewer `+` segments, then the longer prefix),
/// with its evaluated path.
fn decisive_rule<'a>(rules: &[(Rule<'a>, String)], api_path: &str, id: Identity) -> Option<(Rule<'a>, String)> {
    let mut best: Option<((bool, usize, usize), Rule<'a>, String)> = None;
    for (rule, path) in rules {
        let evaluated = evaluate(path, id);
        if !glob_match(&evaluated, api_path) {
            continue;
        }
        let exact = !evaluated.contains(['*', '+']);
        let plus = evaluated.split('/').filter(|s| *s == "+").count();
        let prefix = evaluated.find(['*', '+']).unwrap_or(evaluated.len());
        let rank = (exact, usize::MAX - plus, prefix);
        if best.as_ref().is_none_or(|(r, _, _)| rank > *r) {
            best = Some((rank, *rule, evaluated));
        }
    }
    best.map(|(_, r, e)| (r, e))
}

/// Whether a policy path (`+` one segment, a final `*` any suffix) matches `path`.
fn glob_match(pattern: &str, path: &str) -> bool {
    let (pattern, prefix) = match pattern.strip_suffix('*') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    for (i, p) in pat.iter().enumerate() {
        let last = i + 1 == pat.len();
        let Some(s) = segs.get(i) else { return false };
        let ok = match (*p, last && prefix) {
            ("+", false) => !s.is_empty(),
            (p, true) => {
                let rest = segs[i..].join("/");
                return rest.starts_with(p);
            }
            (p, false) => p == *s,
        };
        if !ok {
            return false;
        }
    }
    pat.len() == segs.len()
}

/// "`a`, `b`" or "none".
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = items.map(|s| format!("`{s}`")).collect();
    if v.is_empty() { "none".to_string() } else { v.join(", ") }
}

/// Add the sync objects of every namespace reading Vault secrets, to the first component
/// reading there (with its labels).
fn sync(env: &mut Environment, served: &Served, server: Server, reads: &[Read]) {
    let mount = names::auth_mount(&env.name, &served.home);
    // Per namespace: the first reading component, its labels, and what is added there.
    let mut added: BTreeMap<&str, (usize, serde_json::Value, Vec<Object>)> = BTreeMap::new();
    let mut auths = BTreeSet::new();
    let mut synced = BTreeSet::new();
    for r in reads {
        let SecretStore::Vault { mount: kv, path, name } = &r.source.store else { continue };
        let at = r.source.span;
        let (first, labels, objects) = added.entry(&r.namespace).or_insert_with(|| {
            let labels = labels_of(&env.components[r.component].labels, at);
            let connection = connection(&r.namespace, server.address(), &labels);
            (r.component, labels, vec![Object::from_json(&connection, at)])
        });
        let auth = format!("{}-vault", env.components[r.component].name);
        if auths.insert((r.namespace.clone(), auth.clone())) {
            let (role, sa) = reader(env, r.component, server);
            let role = names::role_name(role.map_or("", |(r, _)| r), &env.name, &served.home);
            objects.push(Object::from_json(&vault_auth(&auth, &r.namespace, &mount, &role, sa, labels), at));
        }
        if synced.insert((r.namespace.clone(), name.clone())) {
            let first_auth = format!("{}-vault", env.components[*first].name);
            objects.push(Object::from_json(&static_secret(name, &r.namespace, kv, path, &first_auth, labels), at));
        }
    }
    for (_, (component, _, objects)) in added {
        env.components[component].objects.extend(objects);
    }
}

/// A component's labels as JSON, for the objects generated for it.
fn labels_of(labels: &cedc_model::Fields, span: Span) -> serde_json::Value {
    Value::new(ValueKind::Record(labels.clone()), span).to_json().unwrap_or_default()
}

/// The metadata of a generated object: its name, namespace (for namespaced kinds), the
/// labels of the component it belongs to when it has some, and `annotations`.
fn metadata(
    name: &str,
    namespace: Option<&str>,
    labels: &serde_json::Value,
    annotations: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        m.insert("namespace".into(), json!(ns));
    }
    if labels.as_object().is_some_and(|l| !l.is_empty()) {
        m.insert("labels".into(), labels.clone());
    }
    if let Some(a) = annotations {
        m.insert("annotations".into(), a);
    }
    serde_json::Value::Object(m)
}

/// Sync objects are applied before the workloads reading them, in their Application.
fn early() -> serde_json::Value {
    json!({ "argocd.argoproj.io/sync-wave": "-1" })
}

fn connection(namespace: &str, address: &str, labels: &serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": names::VSO_API_VERSION,
        "kind": names::VAULT_CONNECTION,
        "metadata": metadata(names::CONNECTION_NAME, Some(namespace), labels, Some(early())),
        "spec": { "address": address, "skipTLSVerify": false },
    })
}

fn vault_auth(
    name: &str,
    namespace: &str,
    mount: &str,
    role: &str,
    sa: &str,
    labels: &serde_json::Value,
) -> serde_json::Value {
    json!({
        "apiVersion": names::VSO_API_VERSION,
        "kind": names::VAULT_AUTH,
        "metadata": metadata(name, Some(namespace), labels, Some(early())),
        "spec": {
            "vaultConnectionRef": names::CONNECTION_NAME,
            "method": "kubernetes",
            "mount": mount,
            "kubernetes": { "role": role, "serviceAccount": sa },
        },
    })
}

fn static_secret(
    name: &str,
    namespace: &str,
    mount: &str,
    path: &str,
    auth: &str,
    labels: &serde_json::Value,
) -> serde_json::Value {
    let mut destination = Map::new();
    destination.insert("name".into(), json!(name));
    destination.insert("create".into(), json!(true));
    if labels.as_object().is_some_and(|l| !l.is_empty()) {
        destination.insert("labels".into(), labels.clone());
    }
    json!({
        "apiVersion": names::VSO_API_VERSION,
        "kind": names::VAULT_STATIC_SECRET,
        "metadata": metadata(name, Some(namespace), labels, Some(early())),
        "spec": {
            "vaultAuthRef": auth,
            "type": "kv-v2",
            "mount": mount,
            "path": path,
            "refreshAfter": names::REFRESH_AFTER,
            "destination": destination,
        },
    })
}

/// Add the vault-config-operator objects of the Vault `home` runs, and check its rules.
fn configure(env: &mut Environment, home: &Served, ix: &Index, cx: &Context, diags: &mut Diagnostics) {
    let server = ix.server;
    let Some(i) = env.components.iter().position(|c| c.name == home.component) else { return };
    let served: Vec<&str> = cx.vaults.iter().filter(|s| s.home == env.name).map(|s| s.env.as_str()).collect();
    let auth = json!({ "path": names::HOME_AUTH_MOUNT, "role": server.admin_role() });
    let labels = labels_of(&env.components[i].labels, home.server.span());
    let vco = |kind: &str, name: &str, spec: serde_json::Value, span: Span| {
        let json = json!({ "apiVersion": names::VCO_API_VERSION, "kind": kind, "metadata": metadata(name, None, &labels, None), "spec": spec });
        Object::from_json(&json, span)
    };
    let mut objects = Vec::new();
    for m in server.mounts() {
        let options = json!({ "version": m.version().to_string() });
        let spec = json!({ "authentication": auth, "type": m.engine(), "options": options });
        objects.push(vco(names::SECRET_ENGINE_MOUNT, m.path(), spec, m.path_span()));
    }
    let mounts = policy_mounts(server, &served, &env.name);
    for p in server.policies() {
        check_rules(ix, p, diags);
        let mounts = mounts.get(p.name()).map_or(&[][..], Vec::as_slice);
        let spec = json!({ "authentication": auth, "policy": hcl(p, mounts) });
        objects.push(vco(names::POLICY, p.name(), spec, p.span()));
    }
    for r in server.roles() {
        for e in served.iter().filter(|e| r.envs().is_none_or(|v| v.contains(e))) {
            let mount = names::auth_mount(e, &env.name);
            let spec = json!({
                "authentication": auth,
                "path": mount,
                "policies": r.policies().filter_map(View::str).collect::<Vec<_>>(),
                "targetServiceAccounts": r.service_accounts().collect::<Vec<_>>(),
                "targetNamespaces": { "targetNamespaces": r.namespaces().collect::<Vec<_>>() },
            });
            objects.push(vco(
                names::KUBERNETES_AUTH_ENGINE_ROLE,
                &names::role_name(r.name(), e, &env.name),
                spec,
                r.span(),
            ));
        }
    }
    env.components[i].objects.extend(objects);
}

/// For each policy, by name, the auth mounts through which the roles granting it log in
/// (sorted, each once): one pass over the roles.
fn policy_mounts<'a>(server: Server<'a>, served: &[&str], home: &str) -> BTreeMap<&'a str, Vec<String>> {
    let mut out: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for r in server.roles() {
        let mounts: Vec<String> = served
            .iter()
            .filter(|e| r.envs().is_none_or(|v| v.contains(e)))
            .map(|e| names::auth_mount(e, home))
            .collect();
        for p in r.policies().filter_map(View::str) {
            out.entry(p).or_default().extend(mounts.iter().cloned());
        }
    }
    out.into_iter().map(|(p, m)| (p, m.into_iter().collect())).collect()
}

/// A policy as HCL. A rule naming the reader's identity is written once per auth mount
/// its roles log in through (Vault's templating names the mount's accessor).
fn hcl(p: Policy, mounts: &[String]) -> String {
    let mut out = String::new();
    for rule in p.rules() {
        let Some(path) = rule.full_path() else { continue };
        let path = path.as_str();
        let caps: Vec<String> = rule.capabilities().map(|c| format!("\"{c}\"")).collect();
        let templated = path.split('/').any(|s| names::IDENTITY_SEGMENTS.iter().any(|(seg, _)| *seg == s));
        let paths: Vec<String> =
            if templated { mounts.iter().map(|m| template(path, m)).collect() } else { vec![path.to_string()] };
        for path in paths {
            out.push_str(&format!("path \"{path}\" {{\n  capabilities = [{}]\n}}\n", caps.join(", ")));
        }
    }
    out
}

/// A rule path with Vault's identity templates for the auth mount `mount`.
fn template(path: &str, mount: &str) -> String {
    path.split('/')
        .map(|s| match names::IDENTITY_SEGMENTS.iter().find(|(seg, _)| *seg == s) {
            Some((_, field)) => format!("{{{{identity.entity.aliases.${{auth/{mount}/@accessor}}.metadata.{field}}}}}"),
            None => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// E0499: a rule's path is one Vault reads as written, and KV version 2 rules go
/// through one of its API segments.
fn check_rules(ix: &Index, p: Policy, diags: &mut Diagnostics) {
    for rule in p.rules() {
        let (Some(v), Some(full)) = (rule.path(), rule.full_path()) else { continue };
        let path = full.as_str();
        if let Some(why) = rule_problem(path) {
            diags.push(
                Diagnostic::error("E0499", format!("the policy rule `{path}` {why}"))
                    .at(v.span(), "this path")
                    .help("a rule path is segments of letters, digits, `.`, `_` and `-` separated by `/`; `+` stands for one segment, a final `*` for any suffix, and `$namespace` and `$service_account` for the reader's"),
            );
            continue;
        }
        let (mount, rest) = path.split_once('/').unwrap_or((path, ""));
        let first = rest.split('/').next().unwrap_or_default();
        let kv2 = ix.kv2(mount);
        let api = ["data", "metadata", "delete", "undelete", "destroy", "config", "subkeys", "+", "*"];
        if kv2 && !rest.is_empty() && !api.contains(&first) && !first.ends_with('*') {
            diags.push(
                Diagnostic::error("E0499", format!("the policy rule `{path}` names no API path of the KV version 2 mount `{mount}`"))
                    .at(v.span(), "grants nothing")
                    .help(format!("KV version 2 secrets are read at `{mount}/data/...` (and listed at `{mount}/metadata/...`): write `{mount}/data/{rest}`, or `secrets.read(\"{mount}\", \"{rest}\")`")),
            );
        }
    }
}

/// Why a rule path is not one cedc writes, if it is not.
fn rule_problem(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("is empty".into());
    }
    let segments: Vec<&str> = path.split('/').collect();
    for (i, s) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let identity = names::IDENTITY_SEGMENTS.iter().any(|(seg, _)| seg == s);
        let body = if last { s.strip_suffix('*').unwrap_or(s) } else { s };
        let ok = identity
            || *s == "+"
            || (last && body.is_empty())
            || (!body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')));
        if !ok {
            return Some(if s.starts_with('$') {
                format!("names `{s}`, which is not `$namespace` nor `$service_account`")
            } else if s.contains('*') {
                "has `*` before its end".to_string()
            } else {
                format!("has the segment `{s}`")
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_vault_reads_them() {
        assert!(glob_match("kv/data/app/db", "kv/data/app/db"));
        assert!(!glob_match("kv/data/app/db", "kv/data/app/db2"));
        assert!(glob_match("kv/data/app/*", "kv/data/app/db"));
        assert!(glob_match("kv/data/app*", "kv/data/app2/db"));
        assert!(glob_match("kv/data/+/db", "kv/data/app/db"));
        assert!(!glob_match("kv/data/+/db", "kv/data/a/b/db"));
        assert!(!glob_match("kv/app/*", "kv/data/app/db"));
        assert!(glob_match("*", "kv/data/app/db"));
    }

    #[test]
    fn identity_segments_are_evaluated_and_templated() {
        let id = Identity { namespace: "grav", service_account: "acets" };
        assert_eq!(evaluate("kv/data/$namespace/$service_account/*", id), "kv/data/grav/acets/*");
        assert_eq!(
            template("kv/data/$namespace/*", "kubernetes"),
            "kv/data/{{identity.entity.aliases.${auth/kubernetes/@accessor}.metadata.service_account_namespace}}/*"
        );
    }

    #[test]
    fn rule_paths_are_checked() {
        assert_eq!(rule_problem("kv/data/$namespace/*"), None);
        assert_eq!(rule_problem("sys/policies/password/+/generate"), None);
        assert!(rule_problem("kv/da*ta/x").is_some());
        assert!(rule_problem("kv/$user/x").is_some());
        assert!(rule_problem("kv/a\"b").is_some());
        assert!(rule_problem("").is_some());
    }

    #[test]
    fn a_rule_missing_data_gets_a_hint() {
        assert!(missing_data("kv/grav/*", "kv/data/grav/acets").is_some());
        assert!(missing_data("kv/other/*", "kv/data/grav/acets").is_none());
    }
}
