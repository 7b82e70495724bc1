//! Traffic checks over the Gateway API objects of one environment: every route attaches
//! to a Gateway and listener that exist and admit it, its hostnames meet the listener's,
//! its backends are Services of that environment with that port, cross-namespace
//! references are granted, and HTTPS listeners have TLS. Each problem is reported at the
//! `.ced` value that caused it.
//!
//! The rules are those of Gateway API v1 (`gateway.networking.k8s.io`): defaults as the
//! API fills them in (`namespace` of a reference = the referrer's, `kind` = `Gateway` or
//! `Service`, `allowedRoutes.namespaces.from` = `Same`).

use cedc_diagnostics::{Diagnostic, Diagnostics, did_you_mean};
use cedc_model::{Environment, Object, Value, ValueKind};
use std::collections::{BTreeMap, BTreeSet};

const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
const ROUTE_KINDS: &[&str] = &["HTTPRoute", "GRPCRoute", "TLSRoute"];
const CERT_MANAGER_GROUP: &str = "cert-manager.io";
/// The label a platform puts on an issuer that must not serve production
/// (`staging` or `test`), such as Let's Encrypt's staging endpoint.
pub const ISSUER_STAGE_LABEL: &str = "cedc.dev/issuer-stage";

struct Listener<'a> {
    name: String,
    port: Option<i64>,
    protocol: String,
    hostname: Option<String>,
    value: &'a Value,
}

struct Gateway<'a> {
    namespace: String,
    listeners: Vec<Listener<'a>>,
}

/// Everything a route may refer to in one environment.
struct Index<'a> {
    gateways: BTreeMap<(String, String), Gateway<'a>>,
    /// `(namespace, name)` → the Service's ports.
    services: BTreeMap<(String, String), Vec<i64>>,
    /// Namespace → its labels.
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// ReferenceGrants, by the namespace they are in.
    grants: Vec<(String, &'a Value)>,
    /// GatewayClass names.
    classes: Vec<String>,
    /// cert-manager issuers: (`ClusterIssuer` or `Issuer`, namespace for an Issuer,
    /// name) → the issuer object.
    issuers: BTreeMap<(String, String, String), &'a Object>,
    /// Controllers the environment's components run (`provides`).
    provides: Vec<&'a str>,
    /// cert-manager Certificates by the Secret they write: (namespace, `secretName`); the
    /// first, when several write one (E0135).
    certificates: BTreeMap<(String, String), &'a Object>,
    /// Secrets some object of the environment provides, other than Certificates: the
    /// Secret itself, or an ExternalSecret or SealedSecret making it.
    secrets: BTreeSet<(String, String)>,
    /// The certificates cert-manager makes for Gateways carrying its issuer annotation:
    /// (namespace, Secret) → the hostnames of the listeners naming that Secret.
    shim_certificates: BTreeMap<(String, String), Vec<&'a Value>>,
}

/// The issuer annotations cert-manager reads on a Gateway, with the kind each names.
const ISSUER_ANNOTATIONS: [(&str, &str); 2] =
    [("cert-manager.io/cluster-issuer", "ClusterIssuer"), ("cert-manager.io/issuer", "Issuer")];

fn issuer_annotated(gateway: &Object) -> bool {
    let annotations = gateway.value.path(&["metadata", "annotations"]);
    ISSUER_ANNOTATIONS.iter().any(|(a, _)| annotations.and_then(|x| x.get(a)).is_some())
}

/// Whether a `certificateRefs` entry names a Secret (the API's default kind).
fn is_secret_ref(r: &Value) -> bool {
    str_at(r, &["group"]).unwrap_or("").is_empty() && str_at(r, &["kind"]).unwrap_or("Secret") == "Secret"
}

/// Whether a listener terminates TLS (HTTPS, or TLS in `Terminate` mode, the default).
fn terminates_tls(l: &Value) -> bool {
    let mode = str_at(l, &["tls", "mode"]).unwrap_or("Terminate");
    matches!(str_at(l, &["protocol"]), Some("HTTPS" | "TLS")) && mode == "Terminate"
}

/// The certificate Secrets cert-manager's Gateway support makes for an annotated Gateway,
/// as cert-manager does: for each listener that terminates TLS and has a `hostname`, one
/// Certificate per Secret it names in the Gateway's own namespace, for the hostnames of
/// the listeners naming it. Listeners without a hostname, passthrough listeners and
/// Secrets in other namespaces get nothing.
fn shim_certificates(gateway: &Object) -> Vec<((String, String), &Value)> {
    let ns = namespace_of(gateway);
    let mut out = Vec::new();
    for l in list_at(&gateway.value, &["spec", "listeners"]) {
        let Some(host) = l.get("hostname").filter(|h| h.as_str().is_some()) else { continue };
        if !terminates_tls(l) {
            continue;
        }
        for r in list_at(l, &["tls", "certificateRefs"]) {
            let secret_ref = is_secret_ref(r) && str_at(r, &["namespace"]).is_none_or(|n| n == ns);
            if let (true, Some(name)) = (secret_ref, str_at(r, &["name"])) {
                out.push(((ns.clone(), name.to_string()), host));
            }
        }
    }
    out
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    v.path(path).and_then(Value::as_str)
}

fn int_at(v: &Value, path: &[&str]) -> Option<i64> {
    match v.path(path).map(|v| &v.kind) {
        Some(ValueKind::Int(i)) => Some(*i),
        _ => None,
    }
}

fn list_at<'v>(v: &'v Value, path: &[&str]) -> &'v [Value] {
    v.path(path).and_then(Value::as_list).unwrap_or(&[])
}

fn namespace_of(o: &Object) -> String {
    o.namespace.clone().unwrap_or_default()
}

impl<'a> Index<'a> {
    fn new(env: &'a Environment) -> Index<'a> {
        let mut ix = Index {
            gateways: BTreeMap::new(),
            services: BTreeMap::new(),
            namespaces: BTreeMap::new(),
            grants: Vec::new(),
            classes: Vec::new(),
            issuers: BTreeMap::new(),
            provides: env.components.iter().flat_map(|c| &c.provides).map(String::as_str).collect(),
            certificates: BTreeMap::new(),
            secrets: BTreeSet::new(),
            shim_certificates: BTreeMap::new(),
        };
        for o in env.components.iter().flat_map(|c| &c.objects) {
            match (o.group(), o.kind.as_str()) {
                (GATEWAY_GROUP, "Gateway") => {
                    let listeners = list_at(&o.value, &["spec", "listeners"])
                        .iter()
                        .map(|l| Listener {
                            name: str_at(l, &["name"]).unwrap_or_default().to_string(),
                            port: int_at(l, &["port"]),
                            protocol: str_at(l, &["protocol"]).unwrap_or_default().to_string(),
                            hostname: str_at(l, &["hostname"]).map(str::to_string),
                            value: l,
                        })
                        .collect();
                    ix.gateways
                        .insert((namespace_of(o), o.name.clone()), Gateway { namespace: namespace_of(o), listeners });
                    if issuer_annotated(o) {
                        for (key, host) in shim_certificates(o) {
                            ix.shim_certificates.entry(key).or_default().push(host);
                        }
                    }
                }
                ("", "Service") => {
                    let ports =
                        list_at(&o.value, &["spec", "ports"]).iter().filter_map(|p| int_at(p, &["port"])).collect();
                    ix.services.insert((namespace_of(o), o.name.clone()), ports);
                }
                ("", "Namespace") => {
                    let labels = o
                        .value
                        .path(&["metadata", "labels"])
                        .and_then(Value::as_record)
                        .map(|l| l.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
                        .unwrap_or_default();
                    ix.namespaces.insert(o.name.clone(), labels);
                }
                ("", "Secret") => {
                    ix.secrets.insert((namespace_of(o), o.name.clone()));
                }
                ("external-secrets.io", "ExternalSecret") => {
                    let name = str_at(&o.value, &["spec", "target", "name"]).unwrap_or(&o.name);
                    ix.secrets.insert((namespace_of(o), name.to_string()));
                }
                ("bitnami.com", "SealedSecret") => {
                    let name = str_at(&o.value, &["spec", "template", "metadata", "name"]).unwrap_or(&o.name);
                    ix.secrets.insert((namespace_of(o), name.to_string()));
                }
                (GATEWAY_GROUP, "ReferenceGrant") => ix.grants.push((namespace_of(o), &o.value)),
                (GATEWAY_GROUP, "GatewayClass") => ix.classes.push(o.name.clone()),
                (CERT_MANAGER_GROUP, "ClusterIssuer") => {
                    ix.issuers.insert(("ClusterIssuer".into(), String::new(), o.name.clone()), o);
                }
                (CERT_MANAGER_GROUP, "Issuer") => {
                    ix.issuers.insert(("Issuer".into(), namespace_of(o), o.name.clone()), o);
                }
                (CERT_MANAGER_GROUP, "Certificate") => {
                    if let Some(secret) = str_at(&o.value, &["spec", "secretName"]) {
                        ix.certificates.entry((namespace_of(o), secret.to_string())).or_insert(o);
                    }
                }
                _ => {}
            }
        }
        ix
    }

    /// Whether a ReferenceGrant in `to_ns` lets `from_kind` objects of `from_ns` refer
    /// to the `to_kind` (of `to_group`) named `to_name`.
    fn granted(
        &self,
        from_kind: &str,
        from_ns: &str,
        to_ns: &str,
        to_group: &str,
        to_kind: &str,
        to_name: &str,
    ) -> bool {
        self.grants.iter().filter(|(ns, _)| ns == to_ns).any(|(_, g)| {
            let from_ok = list_at(g, &["spec", "from"]).iter().any(|f| {
                str_at(f, &["group"]) == Some(GATEWAY_GROUP)
                    && str_at(f, &["kind"]) == Some(from_kind)
                    && str_at(f, &["namespace"]) == Some(from_ns)
            });
            let to_ok = list_at(g, &["spec", "to"]).iter().any(|t| {
                str_at(t, &["group"]).unwrap_or("") == to_group
                    && str_at(t, &["kind"]) == Some(to_kind)
                    && str_at(t, &["name"]).is_none_or(|n| n == to_name)
            });
            from_ok && to_ok
        })
    }
}

/// The names a TLS listener's certificates cover, with the values that set them (to
/// point at): a Certificate's `dnsNames`, or the listener hostnames cert-manager
/// certifies for an annotated Gateway. `None` when a certificate is not made by
/// cert-manager in this environment (a Secret from elsewhere): its names are unknown.
fn certificate_names<'a>(l: &Listener<'a>, gw_ns: &str, ix: &Index<'a>) -> Option<(Vec<String>, Vec<&'a Value>)> {
    let refs = list_at(l.value, &["tls", "certificateRefs"]);
    if !terminates_tls(l.value) || refs.is_empty() {
        return None;
    }
    let mut names = Vec::new();
    let mut at = Vec::new();
    for r in refs {
        if !is_secret_ref(r) {
            return None;
        }
        let key = (str_at(r, &["namespace"]).unwrap_or(gw_ns).to_string(), str_at(r, &["name"])?.to_string());
        if let Some(cert) = ix.certificates.get(&key) {
            let dns_names = list_at(&cert.value, &["spec", "dnsNames"]).iter();
            names.extend(dns_names.filter_map(|n| n.as_str().map(str::to_string)));
            names.extend(str_at(&cert.value, &["spec", "commonName"]).map(str::to_string));
            at.extend(cert.value.path(&["spec", "dnsNames"]).or(cert.value.path(&["spec"])));
        } else {
            let hosts = ix.shim_certificates.get(&key)?;
            names.extend(hosts.iter().filter_map(|h| h.as_str().map(str::to_string)));
            at.extend(hosts.iter().copied());
        }
    }
    Some((names, at))
}

/// Whether a certificate name covers a served hostname, as TLS clients check it: an
/// exact name covers itself; `*.example.org` covers one more label (`a.example.org`, not
/// `a.b.example.org` nor `example.org`) and a served wildcard `*.example.org` itself.
pub fn certificate_covers(cert_name: &str, host: &str) -> bool {
    if cert_name == host {
        return true;
    }
    match (cert_name.strip_prefix("*."), host.split_once('.')) {
        (Some(suffix), Some((label, rest))) => rest == suffix && !label.is_empty() && label != "*",
        _ => false,
    }
}

/// A served hostname that the listener's certificate does not cover: E0132.
fn uncovered(host: &Value, served: &str, listener: &str, gw: &str, certs: &(Vec<String>, Vec<&Value>)) -> Diagnostic {
    let (names, at) = certs;
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let mut d = Diagnostic::error(
        "E0132",
        format!("hostname `{served}` is served on listener `{listener}` of Gateway `{gw}`, whose certificate does not cover it"),
    )
    .at(host.span(), "not covered by the certificate")
    .help(format!(
        "add `{served}` to the Certificate's `dnsNames` (they are {}); a wildcard `*.example.org` covers one label only: `a.example.org`, not `a.b.example.org` nor `example.org`",
        if list.is_empty() { "empty".to_string() } else { list.join(", ") }
    ))
    .note("clients would get a certificate for other names and refuse the connection");
    for a in at {
        d = d.also(a.span(), "the certificate's names");
    }
    d
}

/// Check the traffic objects of one environment.
pub fn check(env: &Environment, diags: &mut Diagnostics) {
    let ix = Index::new(env);
    let domains = Domains::of(env);
    let production = matches!(env.attributes.get("production").map(|v| &v.kind), Some(ValueKind::Bool(true)));
    let mut out = Vec::new();
    let mut claims = Claims::default();
    let mut attached = Attached::default();
    for o in env.components.iter().flat_map(|c| &c.objects) {
        match (o.group(), o.kind.as_str()) {
            (GATEWAY_GROUP, "Gateway") => {
                gateway(o, &ix, &mut out);
                gateway_issuers(o, &ix, production, &mut out);
                for l in list_at(&o.value, &["spec", "listeners"]) {
                    if let Some(h) = l.get("hostname") {
                        domains.check(h, "Gateway", &o.name, &mut out);
                    }
                }
            }
            (GATEWAY_GROUP, "GatewayClass") => gateway_class(o, &ix, &mut out),
            (CERT_MANAGER_GROUP, "Certificate") => certificate(o, &ix, production, &mut out),
            (GATEWAY_GROUP, kind) if ROUTE_KINDS.contains(&kind) => {
                route(o, &ix, &mut attached, &mut claims, &mut out);
                for h in list_at(&o.value, &["spec", "hostnames"]) {
                    domains.check(h, kind, &o.name, &mut out);
                }
            }
            _ => {}
        }
    }
    attached.conflicts(&mut out);
    diags.extend(out.into_iter().map(|d: Diagnostic| d.note(format!("in environment `{}`", env.name))));
}

/// The DNS domains an environment serves: its `domain` attribute and the names in
/// `domains` and `external_domains` (for names served on purpose outside the
/// environment's own domain). With none of them, hostnames are not checked.
struct Domains {
    names: Vec<String>,
}

impl Domains {
    fn of(env: &Environment) -> Domains {
        let mut names = Vec::new();
        if let Some(d) = env.attributes.get("domain").and_then(Value::as_str) {
            names.push(d.to_string());
        }
        for key in ["domains", "external_domains"] {
            for d in env.attributes.get(key).and_then(Value::as_list).unwrap_or(&[]) {
                names.extend(d.as_str().map(str::to_string));
            }
        }
        Domains { names }
    }

    /// A hostname (`www.example.org`, `*.example.org`) lies within one of the domains.
    fn check(&self, host: &Value, kind: &str, name: &str, out: &mut Vec<Diagnostic>) {
        let Some(h) = host.as_str() else { return };
        if self.names.is_empty() {
            return;
        }
        let bare = h.strip_prefix("*.").unwrap_or(h);
        if self.names.iter().any(|d| bare == d || bare.ends_with(&format!(".{d}"))) {
            return;
        }
        // The same words in every environment, so one mistake is one report naming them.
        out.push(
            Diagnostic::error("E0127", format!("hostname `{h}` of {kind} `{name}` is outside the environment's domains"))
                .at(host.span(), "outside the environment's domains")
                .help("derive the name from the environment's `domain` (`\"www.{env.domain}\"`), or list the other domain in the environment's `external_domains` if it is served on purpose"),
        );
    }
}

/// A claim: (parent Gateway and listener, route family, hostname, path).
type Claim = (String, String, String, String);
/// Who made a claim: the route (`namespace/name`), its kind, and where.
type Claimant = (String, String, cedc_diagnostics::Span);

/// Which route claimed each (parent Gateway, hostname, path) in an environment.
#[derive(Default)]
struct Claims {
    seen: BTreeMap<Claim, Claimant>,
}

impl Claims {
    /// Record the claims of a route on the listeners it is attached to
    /// (`namespace/gateway#listener`); a claim another route of its kind made already on
    /// one of them is E0128.
    fn add(&mut self, o: &Object, listeners: &[String], out: &mut Vec<Diagnostic>) {
        let ns = namespace_of(o);
        let hosts: Vec<String> = match list_at(&o.value, &["spec", "hostnames"]) {
            [] => vec!["*".to_string()],
            hs => hs.iter().filter_map(|h| h.as_str().map(str::to_string)).collect(),
        };
        let mut paths: Vec<(String, cedc_diagnostics::Span)> = Vec::new();
        let rules = list_at(&o.value, &["spec", "rules"]);
        if rules.is_empty() {
            // The API's default: one rule matching every path.
            paths.push(("PathPrefix /".to_string(), o.value.path(&["spec"]).map_or(o.span(), Value::span)));
        }
        for rule in rules {
            let matches = list_at(rule, &["matches"]);
            if matches.is_empty() {
                paths.push(("PathPrefix /".to_string(), rule.span()));
            }
            for m in matches {
                // Matches on headers, queries or methods select a subset: not a claim.
                if m.get("headers").is_some() || m.get("queryParams").is_some() || m.get("method").is_some() {
                    continue;
                }
                let path = match (str_at(m, &["path", "type"]), str_at(m, &["path", "value"])) {
                    (t, Some(v)) => format!("{} {v}", t.unwrap_or("PathPrefix")),
                    (_, None) if o.kind == "GRPCRoute" => "PathPrefix /".to_string(),
                    (t, None) => format!("{} /", t.unwrap_or("PathPrefix")),
                };
                paths.push((path, m.span()));
            }
        }
        // Routes of different kinds on one listener conflict by hostname alone (`Attached`).
        let what = o.kind.clone();
        for gw in listeners {
            for h in &hosts {
                for (path, span) in &paths {
                    let key = (gw.clone(), what.to_string(), h.clone(), path.clone());
                    let me = (format!("{}/{}", ns, o.name), o.kind.clone(), *span);
                    match self.seen.get(&key) {
                        Some((other, other_kind, other_span)) if *other != me.0 || *other_kind != me.1 => {
                            out.push(
                                Diagnostic::error(
                                    "E0128",
                                    format!("{} `{}` and {other_kind} `{other}` both claim `{h}` `{path}` on the same Gateway listener", o.kind, me.0),
                                )
                                .at(*span, "claimed again here")
                                .also(*other_span, "first claimed here")
                                .help("give each route its own hostname or path, or merge the rules into one route; Gateway API would pick one by age and silently drop the other"),
                            );
                        }
                        Some(_) => {}
                        None => {
                            self.seen.insert(key, me);
                        }
                    }
                }
            }
        }
    }
}

/// The issuer a Gateway's cert-manager annotation names exists and can validate the
/// listener hostnames cert-manager certifies (with the Gateway's labels, which its
/// Certificates carry and solver selectors may match).
fn gateway_issuers(o: &Object, ix: &Index, production: bool, out: &mut Vec<Diagnostic>) {
    let ns = namespace_of(o);
    for (annotation, kind) in ISSUER_ANNOTATIONS {
        let Some(v) = o.value.path(&["metadata", "annotations"]).and_then(|a| a.get(annotation)) else { continue };
        let Some(issuer) = issuer_use(o, v, kind, &ns, ix, production, out) else { continue };
        let mut names: Vec<&Value> = Vec::new();
        for (_, host) in shim_certificates(o) {
            if !names.iter().any(|n| n.as_str() == host.as_str()) {
                names.push(host);
            }
        }
        acme_solvable(issuer, names.into_iter(), (&ns, o.value.path(&["metadata", "labels"])), ix, out);
    }
}

/// A Certificate: it alone writes its Secret (E0135), and its issuer exists and can
/// validate its names.
fn certificate(o: &Object, ix: &Index, production: bool, out: &mut Vec<Diagnostic>) {
    let ns = namespace_of(o);
    if let Some(secret) = o.value.path(&["spec", "secretName"])
        && let Some(name) = secret.as_str()
        && let Some(first) = ix.certificates.get(&(ns.clone(), name.to_string()))
        && !std::ptr::eq(*first, o)
    {
        out.push(
            Diagnostic::error("E0135", format!("Certificates `{}` and `{}` both write Secret `{ns}/{name}`", first.name, o.name))
                .at(secret.span(), "written again here")
                .also(first.value.path(&["spec", "secretName"]).map_or(first.span(), Value::span), "first written here")
                .help("give each Certificate its own `secretName`, or merge their `dnsNames` into one Certificate; cert-manager would reissue the Secret for each in turn"),
        );
    }
    let Some(r) = o.value.path(&["spec", "issuerRef"]) else { return };
    let kind = str_at(r, &["kind"]).unwrap_or("Issuer");
    let Some(name) = r.get("name") else { return };
    let Some(issuer) = issuer_use(o, name, kind, &ns, ix, production, out) else { return };
    let dns_names = list_at(&o.value, &["spec", "dnsNames"]);
    // A `commonName` is usually one of the `dnsNames`: validated once.
    let common = o
        .value
        .path(&["spec", "commonName"])
        .filter(|c| !dns_names.iter().any(|n| n.as_str().is_some() && n.as_str() == c.as_str()));
    acme_solvable(issuer, dns_names.iter().chain(common), (&ns, o.value.path(&["metadata", "labels"])), ix, out);
}

/// An issuer named by a Gateway annotation or a Certificate's `issuerRef` exists in the
/// environment, and a production environment does not use one marked for staging.
/// Returns the issuer when it exists.
fn issuer_use<'a>(
    user: &Object,
    name_value: &Value,
    kind: &str,
    ns: &str,
    ix: &Index<'a>,
    production: bool,
    out: &mut Vec<Diagnostic>,
) -> Option<&'a Object> {
    let name = name_value.as_str()?;
    let key_ns = if kind == "ClusterIssuer" { String::new() } else { ns.to_string() };
    let Some(&issuer) = ix.issuers.get(&(kind.to_string(), key_ns, name.to_string())) else {
        let user_at = user.value.path(&["metadata", "name"]).map_or(user.span(), Value::span);
        // An Issuer of that name elsewhere: it serves its own namespace only.
        let elsewhere = ix.issuers.keys().find(|(k, _, n)| k == kind && kind == "Issuer" && n == name);
        if let Some((_, other_ns, _)) = elsewhere {
            out.push(
                Diagnostic::error(
                    "E0130",
                    format!("{} `{}` in `{ns}` uses Issuer `{name}`, which is in namespace `{other_ns}`", user.kind, user.name),
                )
                .at(name_value.span(), "an Issuer of another namespace")
                .also(user_at, format!("the {} using it", user.kind))
                .help(format!("an Issuer serves its own namespace only: deploy one in `{ns}`, or make it a ClusterIssuer (`kind: \"ClusterIssuer\"`) and refer to it as such")),
            );
            return None;
        }
        let same_kind: Vec<&str> =
            ix.issuers.keys().filter(|(k, _, _)| k == kind).map(|(_, _, n)| n.as_str()).collect();
        let declare = if kind == "Issuer" {
            format!("declare it in namespace `{ns}`")
        } else {
            "declare it in the component that deploys cert-manager (`gw.acme_issuer`, `gw.ca_issuer`, ...)".to_string()
        };
        let help = match did_you_mean(name, same_kind.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if same_kind.is_empty() => format!("this environment declares no {kind}; {declare}"),
            None => format!("the {kind}s of this environment are: {}; or {declare}", same_kind.join(", ")),
        };
        out.push(
            Diagnostic::error(
                "E0130",
                format!("{} `{}` uses {kind} `{name}`, which this environment does not declare", user.kind, user.name),
            )
            .at(name_value.span(), "no such issuer")
            .also(user_at, format!("the {} using it", user.kind))
            .help(help),
        );
        return None;
    };
    let stage = issuer.value.path(&["metadata", "labels"]).and_then(|l| l.get(ISSUER_STAGE_LABEL));
    if production && let Some(stage) = stage {
        out.push(
            Diagnostic::error(
                "E0131",
                format!(
                    "{} `{}` uses {kind} `{name}` in production, which is marked `{ISSUER_STAGE_LABEL}: {}`",
                    user.kind,
                    user.name,
                    stage.as_str().unwrap_or("?")
                ),
            )
            .at(name_value.span(), "this issuer, used in production")
            .also(stage.span(), "marked here")
            .also(user.value.path(&["metadata", "name"]).map_or(user.span(), Value::span), format!("the {} using it", user.kind))
            .help("use the production issuer in production environments: choose the issuer per environment (`match env { ... }`) or override it in `in <env> { ... }`"),
        );
    }
    Some(issuer)
}

/// Each name an ACME issuer is asked to certify has a solver whose `selector` matches it
/// (none, `dnsNames` listing it, `dnsZones` containing it, `matchLabels` on the
/// Certificate's `labels`), and a wildcard name a DNS-01 one: ACME servers offer only the
/// DNS-01 challenge for wildcards, so cert-manager can use no other solver for them.
fn acme_solvable<'v>(
    issuer: &Object,
    names: impl Iterator<Item = &'v Value>,
    (cert_ns, labels): (&str, Option<&Value>),
    ix: &Index,
    out: &mut Vec<Diagnostic>,
) {
    let Some(acme) = issuer.value.path(&["spec", "acme"]) else { return };
    let solvers = list_at(acme, &["solvers"]);
    let issuer_name = issuer.value.path(&["metadata", "name"]).map_or(issuer.span(), Value::span);
    if solvers.is_empty() {
        // Once per issuer (reports alike are merged): every name it is asked for fails.
        out.push(
            Diagnostic::warning(
                "E0133",
                format!("{} `{}` has no ACME solvers: cert-manager can validate no name with it", issuer.kind, issuer.name),
            )
            .at(issuer_name, "no `solvers`")
            .help("give the issuer its solvers: HTTP-01 through the Gateway (`gw.acme_issuer(..., http01_gateways: [...])`) and, for wildcard names, DNS-01 (`dns01`)"),
        );
        return;
    }
    for name_value in names {
        let Some(name) = name_value.as_str() else { continue };
        let wildcard = name.starts_with("*.");
        let mut matching = solvers.iter().filter(|s| solver_matches(s, name, labels));
        let problem = if wildcard {
            if matching.any(|s| s.get("dns01").is_some()) {
                continue;
            }
            if solvers.iter().any(|s| s.get("dns01").is_some()) {
                "the `selector` of its DNS-01 solvers does not match this name (or the object's labels), and ACME validates wildcards over DNS-01 only"
            } else {
                "it has no DNS-01 solver for this name, and ACME validates wildcards over DNS-01 only"
            }
        } else {
            let matching: Vec<&Value> = matching.collect();
            if matching.is_empty() {
                "none of its ACME solvers answers for this name"
            } else if matching.iter().any(|s| http01_reachable(s, name, cert_ns, ix)) {
                continue;
            } else {
                "its HTTP-01 solvers answer through Gateway listeners that would not admit the challenge's HTTPRoute (made in the Certificate's namespace) for this name"
            }
        };
        out.push(
            Diagnostic::error(
                "E0133",
                format!("{} `{}` cannot issue the certificate for `{name}`: {problem}", issuer.kind, issuer.name),
            )
            .at(name_value.span(), "cannot be validated")
            .also(issuer_name, "the issuer")
                .help(if wildcard {
                    "give the issuer a DNS-01 solver for this zone (`gw.acme_issuer(..., dns01: { cloudflare: { ... } }, dns01_zones: [\"example.org\"])`), or certify the names one by one"
                } else {
                    "give the issuer a solver for this name: HTTP-01 through the Gateway (`http01_gateways`) or DNS-01 (`dns01`), with a `selector` that matches it"
                }),
        );
    }
}

/// Whether a solver can answer an HTTP-01 challenge for `name` of a Certificate in
/// `cert_ns`. A `gatewayHTTPRoute` solver has cert-manager attach an HTTPRoute in the
/// Certificate's namespace to its `parentRefs`: one of their listeners must admit it and
/// meet the name. Other solvers (DNS-01, Ingress) are taken as able.
fn http01_reachable(solver: &Value, name: &str, cert_ns: &str, ix: &Index) -> bool {
    let Some(route) = solver.path(&["http01", "gatewayHTTPRoute"]) else { return true };
    list_at(route, &["parentRefs"]).iter().any(|p| {
        let gw_ns = str_at(p, &["namespace"]).unwrap_or(cert_ns);
        let Some(gw) = ix.gateways.get(&(gw_ns.to_string(), str_at(p, &["name"]).unwrap_or_default().to_string()))
        else {
            return false;
        };
        gw.listeners.iter().any(|l| {
            str_at(p, &["sectionName"]).is_none_or(|s| s == l.name)
                && int_at(p, &["port"]).is_none_or(|port| l.port == Some(port))
                && l.hostname.as_deref().is_none_or(|lh| hostnames_intersect(name, lh))
                && allowed(l, &gw.namespace, "HTTPRoute", cert_ns, ix).is_ok()
        })
    })
}

/// Whether a solver's `selector` lets it answer for `name` (a wildcard's zone is the
/// name without `*.`).
fn solver_matches(solver: &Value, name: &str, labels: Option<&Value>) -> bool {
    let Some(selector) = solver.get("selector") else { return true };
    if let Some(wanted) = selector.get("matchLabels").and_then(Value::as_record) {
        let has = |k: &str, v: &Value| labels.and_then(|l| l.get(k)).and_then(Value::as_str) == v.as_str();
        if !wanted.iter().all(|(k, v)| has(k, v)) {
            return false;
        }
    }
    let names = list_at(selector, &["dnsNames"]);
    let zones = list_at(selector, &["dnsZones"]);
    let bare = name.strip_prefix("*.").unwrap_or(name);
    (names.is_empty() && zones.is_empty())
        || names.iter().any(|n| n.as_str() == Some(name))
        || zones.iter().filter_map(Value::as_str).any(|z| bare == z || bare.ends_with(&format!(".{z}")))
}

/// A GatewayClass's controller must run in the environment: some deployed component
/// `provides` it. A class nobody serves leaves every Gateway of it unprogrammed.
fn gateway_class(o: &Object, ix: &Index, out: &mut Vec<Diagnostic>) {
    let Some(ctrl) = o.value.path(&["spec", "controllerName"]) else { return };
    let Some(name) = ctrl.as_str() else { return };
    if ix.provides.contains(&name) {
        return;
    }
    let help = if ix.provides.is_empty() {
        format!(
            "add `provides: [\"{name}\"]` to the component that runs this controller (Contour, Kuma, ...) and deploy it in this environment"
        )
    } else {
        let known: Vec<String> = ix.provides.iter().map(|p| format!("`{p}`")).collect();
        format!(
            "the components of this environment provide {}; add `provides: [\"{name}\"]` to the component running this controller",
            known.join(", ")
        )
    };
    out.push(
        Diagnostic::error(
            "E0129",
            format!("no component of this environment runs the controller `{name}` of GatewayClass `{}`", o.name),
        )
        .at(ctrl.span(), "nobody serves this")
        .help(help),
    );
}

fn gateway(o: &Object, ix: &Index, out: &mut Vec<Diagnostic>) {
    let ns = namespace_of(o);
    if let Some(class) = o.value.path(&["spec", "gatewayClassName"])
        && let Some(name) = class.as_str()
        && !ix.classes.iter().any(|c| c == name)
    {
        let help = match did_you_mean(name, ix.classes.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "declare the GatewayClass in this environment, in the component that runs its controller (with `provides`)".into(),
        };
        out.push(
            Diagnostic::error(
                "E0129",
                format!("Gateway `{}` uses GatewayClass `{name}`, which this environment does not declare", o.name),
            )
            .at(class.span(), "no such GatewayClass")
            .help(help),
        );
    }
    for l in list_at(&o.value, &["spec", "listeners"]) {
        let protocol = str_at(l, &["protocol"]).unwrap_or_default();
        let name = str_at(l, &["name"]).unwrap_or_default();
        let refs = list_at(l, &["tls", "certificateRefs"]);
        let mode = str_at(l, &["tls", "mode"]).unwrap_or("Terminate");
        if protocol == "HTTPS" && mode != "Terminate" {
            out.push(
                Diagnostic::error("E0126", format!("HTTPS listener `{name}` of Gateway `{}` does not terminate TLS", o.name))
                    .at(l.get("tls").map_or(l.span(), Value::span), "`tls.mode` other than `Terminate`")
                    .help("an HTTPS listener terminates TLS (`mode: \"Terminate\"` with `certificateRefs`); to pass TLS through to the backends, use `protocol: \"TLS\"` with `mode: \"Passthrough\"` and TLSRoutes")
                    .note(format!("in Gateway `{}`", o.name)),
            );
        } else if terminates_tls(l) && refs.is_empty() {
            out.push(
                Diagnostic::error("E0126", format!("{protocol} listener `{name}` of Gateway `{}` has no TLS certificate", o.name))
                    .at(l.span(), "terminates TLS without `tls.certificateRefs`")
                    .help("give the listener `tls: { mode: \"Terminate\", certificateRefs: [{ name: \"<secret>\" }] }` (a Secret cert-manager fills), or serve it as HTTP (or, for TLS, pass it through with `mode: \"Passthrough\"`)")
                    .note(format!("in Gateway `{}`", o.name)),
            );
        }
        for r in refs {
            let target_ns = str_at(r, &["namespace"]).unwrap_or(&ns);
            let secret = str_at(r, &["name"]).unwrap_or_default();
            if target_ns != ns && !ix.granted("Gateway", &ns, target_ns, "", "Secret", secret) {
                out.push(ungranted(r, "Gateway", &ns, "Secret", target_ns, secret));
            }
            let key = (target_ns.to_string(), secret.to_string());
            let provided = ix.certificates.contains_key(&key)
                || ix.secrets.contains(&key)
                || ix.shim_certificates.contains_key(&key);
            if is_secret_ref(r) && !provided {
                // A warning: the Secret may be made outside the platform's declarations.
                out.push(
                    Diagnostic::warning(
                        "E0134",
                        format!("the certificate Secret `{target_ns}/{secret}` of listener `{name}` is provided by nothing in this environment"),
                    )
                    .at(r.get("name").map_or(r.span(), Value::span), "no Certificate or Secret writes this")
                    .help("issue it with a cert-manager Certificate whose `secretName` is this name (`gw.certificate`), annotate the Gateway for cert-manager (`gw.issued_by`: it certifies listeners that have a `hostname` and name a Secret of the Gateway's namespace), or declare the Secret (an ExternalSecret or SealedSecret making it counts); a Secret made outside the platform's declarations is not checked")
                    .note(format!("in Gateway `{}`", o.name)),
                );
            }
        }
    }
}

fn ungranted(at: &Value, from_kind: &str, from_ns: &str, to_kind: &str, to_ns: &str, to_name: &str) -> Diagnostic {
    Diagnostic::error(
        "E0125",
        format!("{from_kind} in `{from_ns}` refers to {to_kind} `{to_name}` in `{to_ns}` without a ReferenceGrant allowing it"),
    )
    .at(at.span(), "cross-namespace reference")
    .help(format!(
        "if the access is intended, write `grant: true` on this reference and cedc generates the ReferenceGrant in `{to_ns}`; or write one there from {{ group: \"{GATEWAY_GROUP}\", kind: \"{from_kind}\", namespace: \"{from_ns}\" }} to {{ kind: \"{to_kind}\", name: \"{to_name}\" }}; or move the {to_kind} into `{from_ns}`"
    ))
}

/// Whether a listener of this protocol serves this route kind (Gateway API's
/// protocol/route compatibility).
fn protocol_admits(protocol: &str, route_kind: &str) -> bool {
    match route_kind {
        "HTTPRoute" | "GRPCRoute" => matches!(protocol, "HTTP" | "HTTPS"),
        "TLSRoute" => protocol == "TLS",
        _ => false,
    }
}

/// Whether `allowedRoutes` of a listener admits a route of `kind` from `route_ns`: `Err`
/// says why not.
fn allowed(l: &Listener, gw_ns: &str, route_kind: &str, route_ns: &str, ix: &Index) -> Result<(), String> {
    if !protocol_admits(&l.protocol, route_kind) {
        return Err(format!("listener `{}` speaks {}, which does not serve a {route_kind}", l.name, l.protocol));
    }
    let kinds = list_at(l.value, &["allowedRoutes", "kinds"]);
    if !kinds.is_empty() && !kinds.iter().any(|k| str_at(k, &["kind"]) == Some(route_kind)) {
        return Err(format!("listener `{}` admits only other route kinds (`allowedRoutes.kinds`)", l.name));
    }
    let from = str_at(l.value, &["allowedRoutes", "namespaces", "from"]).unwrap_or("Same");
    match from {
        "All" => Ok(()),
        "Same" if route_ns == gw_ns => Ok(()),
        "Same" => Err(format!(
            "listener `{}` admits routes from its own namespace `{gw_ns}` only, and this route is in `{route_ns}`",
            l.name
        )),
        "Selector" => {
            let labels = ix.namespaces.get(route_ns);
            let wanted =
                l.value.path(&["allowedRoutes", "namespaces", "selector", "matchLabels"]).and_then(Value::as_record);
            let ok = match (labels, wanted) {
                (Some(labels), Some(wanted)) => {
                    wanted.iter().all(|(k, v)| v.as_str().is_some_and(|v| labels.get(k).is_some_and(|l| l == v)))
                }
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "listener `{}` admits routes from namespaces matching its selector, and namespace `{route_ns}` does not match (or is not declared in this environment)",
                    l.name
                ))
            }
        }
        other => Err(format!("listener `{}` has an unknown `allowedRoutes.namespaces.from: {other}`", l.name)),
    }
}

/// Gateway API hostname intersection: exact names match themselves, `*.example.org`
/// matches any name with that suffix (not `example.org` itself), two wildcards meet when
/// one's suffix contains the other's.
pub fn hostnames_intersect(a: &str, b: &str) -> bool {
    match (a.strip_prefix("*."), b.strip_prefix("*.")) {
        (None, None) => a == b,
        (Some(sa), None) => b.ends_with(&format!(".{sa}")),
        (None, Some(sb)) => a.ends_with(&format!(".{sb}")),
        (Some(sa), Some(sb)) => sa == sb || sa.ends_with(&format!(".{sb}")) || sb.ends_with(&format!(".{sa}")),
    }
}

/// One route attached to a listener: its kind, `namespace/name`, hostnames (empty: all
/// the listener's) and the parent reference that attached it.
struct Attachment<'a> {
    kind: &'a str,
    route: String,
    hostnames: Vec<&'a str>,
    /// The parent reference's Gateway name.
    at: cedc_diagnostics::Span,
}

/// The routes attached to each listener, by (Gateway namespace, Gateway name, listener).
#[derive(Default)]
struct Attached<'a> {
    listeners: BTreeMap<(String, String, String), Vec<Attachment<'a>>>,
}

impl Attached<'_> {
    /// An HTTPRoute and a GRPCRoute on one listener with intersecting hostnames: Gateway
    /// API accepts only one of them (the older), so the other is silently not served.
    /// E0128, once per pair of routes, at the later one in declaration order.
    fn conflicts(&self, out: &mut Vec<Diagnostic>) {
        let mut reported = std::collections::BTreeSet::new();
        for ((gw_ns, gw_name, listener), routes) in &self.listeners {
            for (i, b) in routes.iter().enumerate() {
                for a in &routes[..i] {
                    let kinds = (a.kind, b.kind);
                    if !matches!(kinds, ("HTTPRoute", "GRPCRoute") | ("GRPCRoute", "HTTPRoute")) {
                        continue;
                    }
                    let shared = match (a.hostnames.is_empty(), b.hostnames.is_empty()) {
                        (true, _) => b.hostnames.first().copied().or(Some("*")),
                        (_, true) => a.hostnames.first().copied(),
                        _ => {
                            a.hostnames.iter().find(|x| b.hostnames.iter().any(|y| hostnames_intersect(x, y))).copied()
                        }
                    };
                    let Some(host) = shared else { continue };
                    if !reported.insert((a.route.clone(), b.route.clone())) {
                        continue;
                    }
                    let host = if host == "*" { "every hostname".to_string() } else { format!("`{host}`") };
                    out.push(
                        Diagnostic::error(
                            "E0128",
                            format!(
                                "{} `{}` and {} `{}` share {host} on listener `{listener}` of Gateway `{gw_ns}/{gw_name}`",
                                b.kind, b.route, a.kind, a.route
                            ),
                        )
                        .at(b.at, "attached here")
                        .also(a.at, "the other route attaches here")
                        .help("serve gRPC and plain HTTP on different hostnames (or different listeners); Gateway API accepts only the older of an HTTPRoute and a GRPCRoute whose hostnames meet on one listener, and drops the other"),
                    );
                }
            }
        }
    }
}

fn route<'a>(o: &'a Object, ix: &Index, attached: &mut Attached<'a>, claims: &mut Claims, out: &mut Vec<Diagnostic>) {
    let route_ns = namespace_of(o);
    // The listeners the route is attached to (`namespace/gateway#listener`).
    let mut listeners: Vec<String> = Vec::new();
    let kind = o.kind.as_str();
    let hostnames: Vec<&Value> = list_at(&o.value, &["spec", "hostnames"]).iter().collect();
    let parents = list_at(&o.value, &["spec", "parentRefs"]);
    for p in parents {
        let p_kind = str_at(p, &["kind"]).unwrap_or("Gateway");
        let p_group = str_at(p, &["group"]).unwrap_or(GATEWAY_GROUP);
        if p_kind != "Gateway" || p_group != GATEWAY_GROUP {
            continue;
        }
        let gw_ns = str_at(p, &["namespace"]).unwrap_or(&route_ns).to_string();
        let gw_name = str_at(p, &["name"]).unwrap_or_default();
        let name_span = p.get("name").map_or(p.span(), Value::span);
        let Some(gw) = ix.gateways.get(&(gw_ns.clone(), gw_name.to_string())) else {
            let here: Vec<String> = ix.gateways.keys().map(|(ns, n)| format!("{ns}/{n}")).collect();
            let wanted = format!("{gw_ns}/{gw_name}");
            let help = match did_you_mean(&wanted, here.iter().map(String::as_str)) {
                Some(s) => {
                    format!("did you mean `{s}`? (set the parent's `namespace` when the Gateway is in another one)")
                }
                None if here.is_empty() => {
                    "this environment has no Gateway; declare one, or deploy this route only where one exists".into()
                }
                None => format!("the Gateways of this environment are: {}", here.join(", ")),
            };
            out.push(
                Diagnostic::error(
                    "E0120",
                    format!(
                        "{kind} `{}` attaches to Gateway `{wanted}`, which does not exist in this environment",
                        o.name
                    ),
                )
                .at(name_span, "no such Gateway")
                .help(help),
            );
            continue;
        };
        // The listeners this parent reference selects.
        let section = str_at(p, &["sectionName"]);
        let port = int_at(p, &["port"]);
        let mut candidates: Vec<&Listener> = gw.listeners.iter().collect();
        if let Some(section) = section {
            candidates.retain(|l| l.name == section);
            if candidates.is_empty() {
                let names: Vec<&str> = gw.listeners.iter().map(|l| l.name.as_str()).collect();
                let help = match did_you_mean(section, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the listeners of Gateway `{gw_name}` are: {}", names.join(", ")),
                };
                out.push(
                    Diagnostic::error("E0121", format!("Gateway `{gw_name}` has no listener `{section}`"))
                        .at(p.get("sectionName").map_or(p.span(), Value::span), "no such listener")
                        .help(help)
                        .note(format!("in {kind} `{}`", o.name)),
                );
                continue;
            }
        }
        if let Some(port) = port {
            let before = candidates.len();
            candidates.retain(|l| l.port == Some(port));
            if candidates.is_empty() && before > 0 {
                let ports: Vec<String> = gw.listeners.iter().filter_map(|l| l.port).map(|p| p.to_string()).collect();
                out.push(
                    Diagnostic::error(
                        "E0121",
                        format!("no listener of Gateway `{gw_name}` selected here listens on port {port}"),
                    )
                    .at(p.get("port").map_or(p.span(), Value::span), "no listener on this port")
                    .help(format!("the Gateway's listeners use ports {}", ports.join(", ")))
                    .note(format!("in {kind} `{}`", o.name)),
                );
                continue;
            }
        }
        // Of those, the ones that admit this route.
        let mut reasons = Vec::new();
        let admitting: Vec<&Listener> = candidates
            .into_iter()
            .filter(|l| match allowed(l, &gw.namespace, kind, &route_ns, ix) {
                Ok(()) => true,
                Err(why) => {
                    reasons.push(why);
                    false
                }
            })
            .collect();
        if admitting.is_empty() {
            let mut d = Diagnostic::error("E0122", format!("Gateway `{gw_ns}/{gw_name}` does not admit {kind} `{}`", o.name))
                .at(name_span, "not admitted")
                .help("attach to a listener whose protocol serves this route and whose `allowedRoutes` admits its namespace (`from: All`, or a `Selector` matching its namespace's labels)");
            for r in reasons {
                d = d.note(r);
            }
            out.push(d);
            continue;
        }
        // Hostnames: a route with hostnames must meet at least one admitting listener's.
        if !hostnames.is_empty() {
            let meets = |l: &&Listener| match &l.hostname {
                None => true,
                Some(lh) => hostnames.iter().filter_map(|h| h.as_str()).any(|h| hostnames_intersect(h, lh)),
            };
            if !admitting.iter().any(meets) {
                let listener_hosts: Vec<String> =
                    admitting.iter().filter_map(|l| l.hostname.as_ref()).map(|h| format!("`{h}`")).collect();
                let span = o.value.path(&["spec", "hostnames"]).map_or(o.span(), Value::span);
                out.push(
                    Diagnostic::error("E0123", format!("no hostname of {kind} `{}` matches a listener of Gateway `{gw_name}`", o.name))
                        .at(span, "these hostnames")
                        .also(name_span, "attached here")
                        .help(format!(
                            "the listeners accept {}; `*.example.org` matches names under example.org, not example.org itself",
                            listener_hosts.join(", ")
                        ))
                        .note("a route whose hostnames meet no listener is never served"),
                );
            }
        }
        for l in &admitting {
            // The route's hostnames this listener serves (all of them when the listener
            // has none); a route with hostnames of which none meets it does not attach.
            let served: Vec<&str> = hostnames
                .iter()
                .filter_map(|h| h.as_str())
                .filter(|h| l.hostname.as_deref().is_none_or(|lh| hostnames_intersect(h, lh)))
                .collect();
            if served.is_empty() && !hostnames.is_empty() {
                continue;
            }
            let key = (gw.namespace.clone(), gw_name.to_string(), l.name.clone());
            attached.listeners.entry(key).or_default().push(Attachment {
                kind,
                route: format!("{route_ns}/{}", o.name),
                hostnames: served,
                at: name_span,
            });
            listeners.push(format!("{}/{gw_name}#{}", gw.namespace, l.name));
        }
        covered(o, &hostnames, gw, gw_name, &admitting, ix, out);
    }
    claims.add(o, &listeners, out);
    backends(o, ix, out);
}

/// How specific a listener hostname is, for choosing the listener a request goes to:
/// an exact name beats a wildcard, a longer wildcard a shorter one, any a missing one.
fn specificity(hostname: Option<&str>) -> (u8, usize) {
    match hostname {
        None => (0, 0),
        Some(h) if h.starts_with("*.") => (1, h.len()),
        Some(h) => (2, h.len()),
    }
}

/// E0132: the names a route is served under on each admitting listener that terminates
/// TLS are covered by that listener's certificate. A request goes to the listener of its
/// port with the most specific matching hostname, so a name is checked against that one
/// only. A route without hostnames is served under the listener's own hostname; a route
/// name wider than the listener's likewise.
fn covered(
    o: &Object,
    hostnames: &[&Value],
    gw: &Gateway,
    gw_name: &str,
    admitting: &[&Listener],
    ix: &Index,
    out: &mut Vec<Diagnostic>,
) {
    let gateway = format!("{}/{gw_name}", gw.namespace);
    for l in admitting {
        let Some(certs) = certificate_names(l, &gw.namespace, ix) else { continue };
        let mut check = |at: &Value, served: &str| {
            let chosen = gw
                .listeners
                .iter()
                .filter(|x| x.port == l.port && x.hostname.as_deref().is_none_or(|xh| hostnames_intersect(served, xh)))
                .max_by_key(|x| specificity(x.hostname.as_deref()))
                .map(|x| specificity(x.hostname.as_deref()));
            if chosen > Some(specificity(l.hostname.as_deref())) {
                return;
            }
            if !certs.0.iter().any(|c| certificate_covers(c, served)) {
                out.push(uncovered(at, served, &l.name, &gateway, &certs).note(format!("in {} `{}`", o.kind, o.name)));
            }
        };
        let listener_host = l.value.get("hostname").zip(l.hostname.as_deref());
        if hostnames.is_empty() {
            if let Some((at, lh)) = listener_host {
                check(at, lh);
            }
            continue;
        }
        for h in hostnames {
            let Some(name) = h.as_str() else { continue };
            match listener_host {
                Some((_, lh)) if !hostnames_intersect(name, lh) => {}
                // The route's wildcard is wider: it is served under the listener's name.
                Some((at, lh)) if name.starts_with("*.") && lh.len() > name.len() => check(at, lh),
                _ => check(h, name),
            }
        }
    }
}

fn backends(o: &Object, ix: &Index, out: &mut Vec<Diagnostic>) {
    let route_ns = namespace_of(o);
    for rule in list_at(&o.value, &["spec", "rules"]) {
        for b in list_at(rule, &["backendRefs"]) {
            let group = str_at(b, &["group"]).unwrap_or("");
            let kind = str_at(b, &["kind"]).unwrap_or("Service");
            if !group.is_empty() || kind != "Service" {
                continue;
            }
            let ns = str_at(b, &["namespace"]).unwrap_or(&route_ns).to_string();
            let name = str_at(b, &["name"]).unwrap_or_default();
            let name_span = b.get("name").map_or(b.span(), Value::span);
            let Some(ports) = ix.services.get(&(ns.clone(), name.to_string())) else {
                let here: Vec<String> = ix.services.keys().filter(|(n, _)| *n == ns).map(|(_, s)| s.clone()).collect();
                let help = match did_you_mean(name, here.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declare the Service in namespace `{ns}` of this environment, or refer to one that exists"
                    ),
                };
                out.push(
                    Diagnostic::error(
                        "E0124",
                        format!("backend Service `{ns}/{name}` does not exist in this environment"),
                    )
                    .at(name_span, "no such Service")
                    .help(help)
                    .note(format!("in {} `{}`", o.kind, o.name)),
                );
                continue;
            };
            if let Some(port) = int_at(b, &["port"])
                && !ports.contains(&port)
            {
                let list: Vec<String> = ports.iter().map(i64::to_string).collect();
                out.push(
                    Diagnostic::error("E0124", format!("Service `{ns}/{name}` has no port {port}"))
                        .at(b.get("port").map_or(b.span(), Value::span), "no such port")
                        .help(format!("the Service's ports are: {}", list.join(", ")))
                        .note(format!("in {} `{}`", o.kind, o.name)),
                );
            }
            if ns != route_ns && !ix.granted(&o.kind, &route_ns, &ns, "", "Service", name) {
                out.push(
                    ungranted(b, &o.kind, &route_ns, "Service", &ns, name).note(format!("in {} `{}`", o.kind, o.name)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hostnames_intersect;

    #[test]
    fn hostname_intersection_follows_gateway_api() {
        assert!(hostnames_intersect("a.example.org", "a.example.org"));
        assert!(!hostnames_intersect("a.example.org", "b.example.org"));
        assert!(hostnames_intersect("a.example.org", "*.example.org"));
        assert!(hostnames_intersect("x.a.example.org", "*.example.org"));
        assert!(!hostnames_intersect("example.org", "*.example.org"), "a wildcard does not match its own suffix");
        assert!(hostnames_intersect("*.example.org", "a.example.org"));
        assert!(hostnames_intersect("*.a.example.org", "*.example.org"));
        assert!(!hostnames_intersect("*.example.org", "*.example.com"));
        assert!(!hostnames_intersect("a.example.org.evil", "*.example.org"));
    }

    #[test]
    fn certificate_coverage_follows_tls() {
        use super::certificate_covers;
        assert!(certificate_covers("a.example.org", "a.example.org"));
        assert!(certificate_covers("*.example.org", "a.example.org"));
        assert!(certificate_covers("*.example.org", "*.example.org"));
        assert!(!certificate_covers("*.example.org", "a.b.example.org"), "a wildcard covers one label");
        assert!(!certificate_covers("*.example.org", "example.org"));
        assert!(!certificate_covers("*.example.org", "*.a.example.org"));
        assert!(!certificate_covers("a.example.org", "*.example.org"));
        assert!(!certificate_covers("*.example.org", "a.example.org.evil"));
    }
}
