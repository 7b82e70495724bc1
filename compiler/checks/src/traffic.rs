//! Traffic checks over the Gateway API objects of one environment: every route attaches
//! to a Gateway and listener that exist and admit it, its hostnames meet the listener's,
//! its backends are Services of that environment with that port, cross-namespace
//! references are granted, and HTTPS listeners have TLS. Each problem is reported at the
//! `.ced` value that caused it.
//!
//! The rules are those of Gateway API v1 (`gateway.networking.k8s.io`): defaults as the
//! API fills them in (`namespace` of a reference = the referrer's, `kind` = `Gateway` or
//! `Service`, `allowedRoutes.namespaces.from` = `Same`). Objects are read through the
//! typed views of `cedc_model::views` (which hold the field names and the API defaults),
//! and indexed once per environment by [`ObjectKey`].

use cedc_diagnostics::{Diagnostic, Diagnostics, Span, did_you_mean};
use cedc_model::views::certmanager::{self, Certificate, Issuer, Solver};
use cedc_model::views::core::{self, Namespace, Secret, Service};
use cedc_model::views::gateway::{self, Gateway, GatewayClass, ReferenceGrant, Route};
use cedc_model::views::ingress::Ingress;
use cedc_model::views::secrets::{ExternalSecret, SealedSecret};
use cedc_model::{Component, Environment, ObjectKey, ObjectView, Platform, View};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The label a platform puts on an issuer that must not serve production
/// (`staging` or `test`), such as Let's Encrypt's staging endpoint.
pub const ISSUER_STAGE_LABEL: &str = "cedc.dev/issuer-stage";

/// A listener of an indexed Gateway, with the fields route checks compare read once.
struct Listener<'a> {
    name: &'a str,
    port: Option<i64>,
    protocol: &'a str,
    hostname: Option<&'a str>,
    view: gateway::Listener<'a>,
}

/// An indexed Gateway: its namespace and listeners.
struct GatewayEntry<'a> {
    namespace: &'a str,
    listeners: Vec<Listener<'a>>,
}

/// A listener, by (Gateway namespace, Gateway name, listener name).
type ListenerKey<'a> = (&'a str, &'a str, &'a str);

/// Everything a route may refer to in one environment.
struct Index<'a> {
    gateways: BTreeMap<ObjectKey<'a>, GatewayEntry<'a>>,
    /// Services → their ports (hashed: one entry per Service of the environment, looked
    /// up once per backend; listed only for a report, sorted then).
    services: HashMap<ObjectKey<'a>, Vec<i64>, foldhash::fast::FixedState>,
    /// Namespace → its labels.
    namespaces: BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>,
    grants: Vec<ReferenceGrant<'a>>,
    /// GatewayClass names.
    classes: Vec<&'a str>,
    /// cert-manager issuers (a ClusterIssuer's key has no namespace).
    issuers: BTreeMap<ObjectKey<'a>, Issuer<'a>>,
    /// Controllers the environment's components run (`provides`).
    provides: Vec<&'a str>,
    /// When the environment is a virtual cluster: its host's name and the controllers
    /// running there, which do not serve the virtual cluster's Gateway API objects.
    host: Option<(&'a str, Vec<&'a str>)>,
    /// cert-manager Certificates by the Secret they write; the first, when several write
    /// one (E0135).
    certificates: BTreeMap<ObjectKey<'a>, Certificate<'a>>,
    /// Secrets some object of the environment provides, other than Certificates: the
    /// Secret itself, or an ExternalSecret or SealedSecret making it.
    secrets: BTreeSet<ObjectKey<'a>>,
    /// The Secret objects written in the platform, by key: their type is known.
    written_secrets: BTreeMap<ObjectKey<'a>, Secret<'a>>,
    /// The certificates cert-manager makes for Gateways carrying its issuer annotation:
    /// Secret → the hostnames of the listeners naming that Secret.
    shim_certificates: BTreeMap<ObjectKey<'a>, Vec<View<'a>>>,
}

/// The controllers the components of `env` run (`provides`).
fn provides(env: &Environment) -> Vec<&str> {
    env.components.iter().flat_map(|c| &c.provides).map(String::as_str).collect()
}

fn issuer_annotated(gateway: Gateway) -> bool {
    let annotations = gateway.annotations();
    certmanager::ISSUER_ANNOTATIONS.iter().any(|(a, _)| annotations.and_then(|x| x.field(a)).is_some())
}

/// The certificate Secrets cert-manager's Gateway support makes for an annotated Gateway,
/// as cert-manager does: for each listener that terminates TLS and has a `hostname`, one
/// Certificate per Secret it names in the Gateway's own namespace, for the hostnames of
/// the listeners naming it. Listeners without a hostname, passthrough listeners and
/// Secrets in other namespaces get nothing.
fn shim_certificates(gateway: Gateway<'_>) -> Vec<(ObjectKey<'_>, View<'_>)> {
    let ns = gateway.namespace();
    let mut out = Vec::new();
    for l in gateway.listeners() {
        let Some(host) = l.hostname() else { continue };
        if !l.terminates_tls() {
            continue;
        }
        for r in l.certificate_refs() {
            let secret_ref = r.is_secret() && r.namespace().is_none_or(|n| n == ns);
            if let (true, Some(name)) = (secret_ref, r.name().and_then(View::str)) {
                out.push((core::secret_key(ns, name), host));
            }
        }
    }
    out
}

impl<'a> Index<'a> {
    fn new(env: &'a Environment, host: Option<&'a Environment>) -> Index<'a> {
        let mut ix = Index {
            gateways: BTreeMap::new(),
            services: HashMap::default(),
            namespaces: BTreeMap::new(),
            grants: Vec::new(),
            classes: Vec::new(),
            issuers: BTreeMap::new(),
            provides: provides(env),
            host: host.map(|h| (h.name.as_str(), provides(h))),
            certificates: BTreeMap::new(),
            secrets: BTreeSet::new(),
            written_secrets: BTreeMap::new(),
            shim_certificates: BTreeMap::new(),
        };
        for o in env.components.iter().flat_map(Component::visible_objects) {
            if let Some(g) = Gateway::cast(o) {
                ix.add_gateway(g);
            } else if let Some(s) = Service::cast(o) {
                let ports = s.ports().filter_map(|p| p.port()).collect();
                ix.services.insert(core::service_key(s.namespace(), s.name()), ports);
            } else if let Some(n) = Namespace::cast(o) {
                let labels = n
                    .labels()
                    .and_then(View::entries)
                    .map(|l| l.filter_map(|(k, v)| Some((k, v.str()?))).collect())
                    .unwrap_or_default();
                ix.namespaces.insert(n.name(), labels);
            } else if let Some(s) = Secret::cast(o) {
                ix.secrets.insert(core::secret_key(s.namespace(), s.name()));
                ix.written_secrets.insert(core::secret_key(s.namespace(), s.name()), s);
            } else if let Some(e) = ExternalSecret::cast(o) {
                ix.secrets.insert(core::secret_key(e.namespace(), e.secret_name()));
            } else if let Some(s) = SealedSecret::cast(o) {
                ix.secrets.insert(core::secret_key(s.namespace(), s.secret_name()));
            } else if let Some(g) = ReferenceGrant::cast(o) {
                ix.grants.push(g);
            } else if let Some(c) = GatewayClass::cast(o) {
                ix.classes.push(c.name());
            } else if let Some(i) = Issuer::cast(o) {
                ix.issuers.insert(i.issuer_key(), i);
            } else if let Some(c) = Certificate::cast(o)
                && let Some(secret) = c.secret_name().and_then(View::str)
            {
                ix.certificates.entry(core::secret_key(c.namespace(), secret)).or_insert(c);
            }
        }
        ix
    }

    fn add_gateway(&mut self, g: Gateway<'a>) {
        let listeners = g
            .listeners()
            .map(|l| Listener {
                name: l.name(),
                port: l.port(),
                protocol: l.protocol(),
                hostname: l.hostname().and_then(View::str),
                view: l,
            })
            .collect();
        let key = ObjectKey::namespaced(gateway::GROUP, gateway::GATEWAY, g.namespace(), g.name());
        self.gateways.insert(key, GatewayEntry { namespace: g.namespace(), listeners });
        if issuer_annotated(g) {
            for (key, host) in shim_certificates(g) {
                self.shim_certificates.entry(key).or_default().push(host);
            }
        }
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
        self.grants
            .iter()
            .filter(|g| g.namespace() == to_ns)
            .any(|g| g.allows(from_kind, from_ns, to_group, to_kind, to_name))
    }
}

/// The names a TLS listener's certificates cover, with the values that set them (to
/// point at): a Certificate's `dnsNames`, or the listener hostnames cert-manager
/// certifies for an annotated Gateway. `None` when a certificate is not made by
/// cert-manager in this environment (a Secret from elsewhere): its names are unknown.
fn certificate_names<'a>(l: &Listener<'a>, gw_ns: &str, ix: &Index<'a>) -> Option<(Vec<&'a str>, Vec<View<'a>>)> {
    let refs = l.view.certificate_refs();
    if !l.view.terminates_tls() || refs.len() == 0 {
        return None;
    }
    let mut names = Vec::new();
    let mut at = Vec::new();
    for r in refs {
        if !r.is_secret() {
            return None;
        }
        let key = core::secret_key(r.namespace().unwrap_or(gw_ns), r.name().and_then(View::str)?);
        if let Some(cert) = ix.certificates.get(&key) {
            names.extend(cert.dns_names().filter_map(View::str));
            names.extend(cert.common_name().and_then(View::str));
            at.extend(cert.dns_names_field().or(cert.spec()));
        } else {
            let hosts = ix.shim_certificates.get(&key)?;
            names.extend(hosts.iter().filter_map(|h| h.str()));
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
fn uncovered(host: View, served: &str, listener: &str, gw: &str, certs: &(Vec<&str>, Vec<View>)) -> Diagnostic {
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
pub fn check(platform: &Platform, env: &Environment, diags: &mut Diagnostics) {
    let ix = Index::new(env, platform.host_of(env));
    let domains = Domains::of(env);
    let production = env.is_production();
    let mut out = Vec::new();
    let mut claims = Claims::default();
    let mut attached = Attached::default();
    for o in env.components.iter().flat_map(Component::visible_objects) {
        let from = out.len();
        if let Some(g) = Gateway::cast(o) {
            gateway(g, &ix, &mut out);
            gateway_issuers(g, &ix, production, &mut out);
            for h in g.listeners().filter_map(|l| l.hostname()) {
                domains.check(h, gateway::GATEWAY, g.name(), &mut out);
            }
        } else if let Some(c) = GatewayClass::cast(o) {
            gateway_class(c, &ix, &mut out);
        } else if let Some(c) = Certificate::cast(o) {
            certificate(c, &ix, production, &mut out);
        } else if let Some(r) = Route::cast(o) {
            route(r, &ix, &mut attached, &mut claims, &mut out);
            for h in r.hostnames() {
                domains.check(h, r.kind(), r.name(), &mut out);
            }
        } else if let Some(i) = Ingress::cast(o) {
            for h in i.rule_hosts().chain(i.tls().flat_map(|t| t.hosts())) {
                domains.check(h, i.kind(), i.name(), &mut out);
            }
            ingress_tls(i, &ix, production, &mut out);
        }
        crate::at_input(&mut out[from..], o);
    }
    attached.conflicts(&mut out);
    diags.extend(out.into_iter().map(|d: Diagnostic| d.in_env(&env.name)));
}

/// The DNS domains an environment serves: its `domain` attribute and the names in
/// `domains` and `external_domains` (for names served on purpose outside the
/// environment's own domain). With none of them, hostnames are not checked.
struct Domains {
    names: Vec<String>,
}

impl Domains {
    fn of(env: &Environment) -> Domains {
        let attributes = View::new(&env.attributes);
        let mut names = Vec::new();
        names.extend(attributes.str_field("domain").map(str::to_string));
        for key in ["domains", "external_domains"] {
            names.extend(attributes.items_of(key).filter_map(View::str).map(str::to_string));
        }
        Domains { names }
    }

    /// A hostname (`www.example.org`, `*.example.org`) lies within one of the domains.
    fn check(&self, host: View, kind: &str, name: &str, out: &mut Vec<Diagnostic>) {
        let Some(h) = host.str() else { return };
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

/// A request path a route matches: (match type, value), such as `("PathPrefix", "/")`.
type Path<'a> = (&'a str, &'a str);

/// A claim: a route family's hostname and path on one listener.
#[derive(PartialEq, Eq, Hash)]
struct Claim<'a> {
    listener: ListenerKey<'a>,
    kind: &'a str,
    host: &'a str,
    path: Path<'a>,
}

/// Who made a claim: the route (namespace, name), its kind, and where.
struct Claimant<'a> {
    route: (&'a str, &'a str),
    kind: &'a str,
    at: Span,
}

/// Which route claimed each (parent Gateway, hostname, path) in an environment: looked
/// up by hash (the claims are never listed, so their order does not matter; an ordered
/// map compared their strings a dozen times per look-up).
#[derive(Default)]
struct Claims<'a> {
    seen: HashMap<Claim<'a>, Claimant<'a>, foldhash::fast::FixedState>,
}

/// The API's default rule (and match): every path.
const EVERY_PATH: Path<'static> = ("PathPrefix", "/");

impl<'a> Claims<'a> {
    /// Record the claims of a route on the listeners it is attached to; a claim another
    /// route of its kind made already on one of them is E0128.
    fn add(&mut self, r: Route<'a>, listeners: &[ListenerKey<'a>], out: &mut Vec<Diagnostic>) {
        let hosts: Vec<&str> = match r.hostnames() {
            hs if hs.len() == 0 => vec!["*"],
            hs => hs.filter_map(View::str).collect(),
        };
        let mut paths: Vec<(Path, Span)> = Vec::new();
        let rules = r.rules();
        if rules.len() == 0 {
            // The API's default: one rule matching every path.
            paths.push((EVERY_PATH, r.spec().map_or(r.span(), View::span)));
        }
        for rule in rules {
            let matches = rule.matches();
            if matches.len() == 0 {
                paths.push((EVERY_PATH, rule.span()));
            }
            for m in matches {
                // Matches on headers, queries or methods select a subset: not a claim.
                if m.selects_subset() {
                    continue;
                }
                let path = match (m.path_type(), m.path_value()) {
                    (t, Some(v)) => (t.unwrap_or("PathPrefix"), v),
                    (_, None) if r.kind() == gateway::GRPC_ROUTE => EVERY_PATH,
                    (t, None) => (t.unwrap_or("PathPrefix"), "/"),
                };
                paths.push((path, m.span()));
            }
        }
        // Routes of different kinds on one listener conflict by hostname alone (`Attached`).
        let route = (r.namespace(), r.name());
        for &listener in listeners {
            for &host in &hosts {
                for &(path, at) in &paths {
                    let key = Claim { listener, kind: r.kind(), host, path };
                    match self.seen.get(&key) {
                        Some(other) if other.route != route || other.kind != r.kind() => {
                            let (other_kind, (ons, oname)) = (other.kind, other.route);
                            out.push(
                                Diagnostic::error(
                                    "E0128",
                                    format!("{} `{}/{}` and {other_kind} `{ons}/{oname}` both claim `{host}` `{} {}` on the same Gateway listener", r.kind(), route.0, route.1, path.0, path.1),
                                )
                                .at(at, "claimed again here")
                                .also(other.at, "first claimed here")
                                .help("give each route its own hostname or path, or merge the rules into one route; Gateway API would pick one by age and silently drop the other"),
                            );
                        }
                        Some(_) => {}
                        None => {
                            self.seen.insert(key, Claimant { route, kind: r.kind(), at });
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
fn gateway_issuers(g: Gateway, ix: &Index, production: bool, out: &mut Vec<Diagnostic>) {
    let ns = g.namespace();
    for (annotation, kind) in certmanager::ISSUER_ANNOTATIONS {
        let Some(v) = g.annotations().and_then(|a| a.field(annotation)) else { continue };
        let Some(issuer) = issuer_use(g, v, kind, ns, ix, production, out) else { continue };
        let mut names: Vec<View> = Vec::new();
        for (_, host) in shim_certificates(g) {
            if !names.iter().any(|n| n.str() == host.str()) {
                names.push(host);
            }
        }
        acme_solvable(issuer, names.into_iter(), (ns, g.labels()), ix, out);
    }
}

/// A Certificate: it alone writes its Secret (E0135), and its issuer exists and can
/// validate its names.
fn certificate(c: Certificate, ix: &Index, production: bool, out: &mut Vec<Diagnostic>) {
    let ns = c.namespace();
    if let Some(secret) = c.secret_name()
        && let Some(name) = secret.str()
        && let Some(first) = ix.certificates.get(&core::secret_key(ns, name))
        && !std::ptr::eq(first.object(), c.object())
    {
        out.push(
            Diagnostic::error("E0135", format!("Certificates `{}` and `{}` both write Secret `{ns}/{name}`", first.name(), c.name()))
                .at(secret.span(), "written again here")
                .also(first.secret_name().map_or(first.span(), View::span), "first written here")
                .help("give each Certificate its own `secretName`, or merge their `dnsNames` into one Certificate; cert-manager would reissue the Secret for each in turn"),
        );
    }
    let Some(r) = c.issuer_ref() else { return };
    let kind = r.kind();
    let Some(name) = r.name() else { return };
    let Some(issuer) = issuer_use(c, name, kind, ns, ix, production, out) else { return };
    // A `commonName` is usually one of the `dnsNames`: validated once.
    let common = c.common_name().filter(|cn| !c.dns_names().any(|n| n.str().is_some() && n.str() == cn.str()));
    acme_solvable(issuer, c.dns_names().chain(common), (ns, c.labels()), ix, out);
}

/// The TLS of an Ingress: the issuer its cert-manager annotation names exists, is not a
/// staging one in production and can validate its TLS hosts; its TLS hosts and rule hosts
/// agree (E0148); each TLS Secret is made by cert-manager (the annotation, or a
/// Certificate covering the hosts: E0132) or is a TLS Secret the platform makes (E0150),
/// and is made by something (E0149, a warning: it may be made outside the platform).
fn ingress_tls(i: Ingress, ix: &Index, production: bool, out: &mut Vec<Diagnostic>) {
    let ns = i.namespace();
    let mut annotated = false;
    for (annotation, kind) in certmanager::ISSUER_ANNOTATIONS {
        let Some(v) = i.annotations().and_then(|a| a.field(annotation)) else { continue };
        annotated = true;
        let Some(issuer) = issuer_use(i, v, kind, ns, ix, production, out) else { continue };
        acme_solvable(issuer, i.tls().flat_map(|t| t.hosts()), (ns, i.labels()), ix, out);
    }
    if i.tls().next().is_none() {
        return;
    }
    let rules: Vec<View> = i.rule_hosts().filter(|h| h.str().is_some()).collect();
    let tls: Vec<View> = i.tls().flat_map(|t| t.hosts()).filter(|h| h.str().is_some()).collect();
    let covers = |t: &View, r: &View| t.str().zip(r.str()).is_some_and(|(t, r)| certificate_covers(t, r));
    for t in tls.iter().filter(|t| !rules.iter().any(|r| covers(t, r))) {
        out.push(
            Diagnostic::error(
                "E0148",
                format!(
                    "TLS host `{}` of Ingress `{}` is the host of none of its rules",
                    t.str().unwrap_or("?"),
                    i.name()
                ),
            )
            .at(t.span(), "a TLS host no rule serves")
            .help(host_list("the rules serve", &rules)),
        );
    }
    for r in rules.iter().filter(|r| !tls.iter().any(|t| covers(t, r))) {
        out.push(
            Diagnostic::error(
                "E0148",
                format!(
                    "host `{}` of Ingress `{}` is served without TLS, while the Ingress has TLS for other hosts",
                    r.str().unwrap_or("?"),
                    i.name()
                ),
            )
            .at(r.span(), "no TLS host covers it")
            .help(host_list("its TLS hosts are", &tls)),
        );
    }
    for t in i.tls() {
        let Some(secret) = t.secret_name() else { continue };
        let Some(name) = secret.str() else { continue };
        let key = core::secret_key(ns, name);
        if annotated {
            continue;
        }
        if let Some(c) = ix.certificates.get(&key) {
            let names: Vec<&str> = c.dns_names().filter_map(View::str).collect();
            for h in t.hosts().filter(|h| h.str().is_some_and(|h| !names.iter().any(|n| certificate_covers(n, h)))) {
                out.push(
                    Diagnostic::error(
                        "E0132",
                        format!(
                            "Ingress `{}` serves `{}` with Certificate `{}`, which does not cover it",
                            i.name(),
                            h.str().unwrap_or("?"),
                            c.name()
                        ),
                    )
                    .at(h.span(), "not in the certificate")
                    .also(c.name_span(), "the Certificate writing the Secret")
                    .help(format!(
                        "its names are {}: add this one to its `dnsNames`, or give this host its own certificate",
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    )),
                );
            }
        } else if let Some(s) = ix.written_secrets.get(&key).filter(|s| s.secret_type() != core::TLS_SECRET_TYPE) {
            out.push(
                Diagnostic::error("E0150", format!("Ingress `{}` uses Secret `{name}` as its certificate, which is a Secret of type `{}`", i.name(), s.secret_type()))
                    .at(secret.span(), "not a TLS Secret")
                    .also(s.name_span(), "the Secret")
                    .help("an Ingress's `secretName` names a `kubernetes.io/tls` Secret holding its certificate: let cert-manager make one (`cert-manager.io/cluster-issuer` on the Ingress, or a Certificate), rather than another object's Secret"),
            );
        } else if !ix.secrets.contains(&key) {
            out.push(
                Diagnostic::warning("E0149", format!("nothing in the platform makes Secret `{name}`, the certificate of Ingress `{}`", i.name()))
                    .at(secret.span(), "made by nothing here")
                    .help("annotate the Ingress with `cert-manager.io/cluster-issuer` (cert-manager then makes it), write a Certificate for it, or list it in the component's `made_outside` (`k8s.outside(\"Secret\", ...)`) if it is made outside the platform"),
            );
        }
    }
}

/// `what` and the hostnames of `hosts`, for a help line.
fn host_list(what: &str, hosts: &[View]) -> String {
    if hosts.is_empty() {
        return format!("{what} no hostname");
    }
    let list: Vec<String> = hosts.iter().filter_map(|h| Some(format!("`{}`", h.str()?))).collect();
    format!("{what} {}: make the TLS hosts the rule hosts (derive both from one value)", list.join(", "))
}

/// An issuer named by a Gateway annotation or a Certificate's `issuerRef` exists in the
/// environment, and a production environment does not use one marked for staging.
/// Returns the issuer when it exists.
fn issuer_use<'a, 'u>(
    user: impl ObjectView<'u>,
    name_value: View,
    kind: &str,
    ns: &str,
    ix: &Index<'a>,
    production: bool,
    out: &mut Vec<Diagnostic>,
) -> Option<Issuer<'a>> {
    let name = name_value.str()?;
    let Some(&issuer) = ix.issuers.get(&certmanager::issuer_key(kind, ns, name)) else {
        let user_at = user.name_span();
        // An Issuer of that name elsewhere: it serves its own namespace only.
        let elsewhere = ix.issuers.keys().find(|k| k.kind == kind && kind == certmanager::ISSUER && k.name == name);
        if let Some(other_ns) = elsewhere.map(ObjectKey::namespace_or_empty) {
            out.push(
                Diagnostic::error(
                    "E0130",
                    format!("{} `{}` in `{ns}` uses Issuer `{name}`, which is in namespace `{other_ns}`", user.kind(), user.name()),
                )
                .at(name_value.span(), "an Issuer of another namespace")
                .also(user_at, format!("the {} using it", user.kind()))
                .help(format!("an Issuer serves its own namespace only: deploy one in `{ns}`, or make it a ClusterIssuer (`kind: \"ClusterIssuer\"`) and refer to it as such")),
            );
            return None;
        }
        let same_kind: Vec<&str> = ix.issuers.keys().filter(|k| k.kind == kind).map(|k| k.name).collect();
        let declare = if kind == certmanager::ISSUER {
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
                format!(
                    "{} `{}` uses {kind} `{name}`, which this environment does not declare",
                    user.kind(),
                    user.name()
                ),
            )
            .at(name_value.span(), "no such issuer")
            .also(user_at, format!("the {} using it", user.kind()))
            .help(help),
        );
        return None;
    };
    let stage = issuer.labels().and_then(|l| l.field(ISSUER_STAGE_LABEL));
    if production && let Some(stage) = stage {
        out.push(
            Diagnostic::error(
                "E0131",
                format!(
                    "{} `{}` uses {kind} `{name}` in production, which is marked `{ISSUER_STAGE_LABEL}: {}`",
                    user.kind(),
                    user.name(),
                    stage.str().unwrap_or("?")
                ),
            )
            .at(name_value.span(), "this issuer, used in production")
            .also(stage.span(), "marked here")
            .also(user.name_span(), format!("the {} using it", user.kind()))
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
    issuer: Issuer,
    names: impl Iterator<Item = View<'v>>,
    (cert_ns, labels): (&str, Option<View>),
    ix: &Index,
    out: &mut Vec<Diagnostic>,
) {
    let Some(acme) = issuer.acme() else { return };
    let solvers = acme.solvers();
    let issuer_name = issuer.name_span();
    if solvers.len() == 0 {
        // Once per issuer (reports alike are merged): every name it is asked for fails.
        out.push(
            Diagnostic::warning(
                "E0133",
                format!("{} `{}` has no ACME solvers: cert-manager can validate no name with it", issuer.kind(), issuer.name()),
            )
            .at(issuer_name, "no `solvers`")
            .help("give the issuer its solvers: HTTP-01 through the Gateway (`gw.acme_issuer(..., http01_gateways: [...])`) and, for wildcard names, DNS-01 (`dns01`)"),
        );
        return;
    }
    for name_value in names {
        let Some(name) = name_value.str() else { continue };
        let wildcard = name.starts_with("*.");
        let mut matching = solvers.clone().filter(|s| solver_matches(*s, name, labels));
        let problem = if wildcard {
            if matching.any(Solver::is_dns01) {
                continue;
            }
            if solvers.clone().any(Solver::is_dns01) {
                "the `selector` of its DNS-01 solvers does not match this name (or the object's labels), and ACME validates wildcards over DNS-01 only"
            } else {
                "it has no DNS-01 solver for this name, and ACME validates wildcards over DNS-01 only"
            }
        } else {
            let matching: Vec<Solver> = matching.collect();
            if matching.is_empty() {
                "none of its ACME solvers answers for this name"
            } else if matching.iter().any(|s| http01_reachable(*s, name, cert_ns, ix)) {
                continue;
            } else {
                "its HTTP-01 solvers answer through Gateway listeners that would not admit the challenge's HTTPRoute (made in the Certificate's namespace) for this name"
            }
        };
        out.push(
            Diagnostic::error(
                "E0133",
                format!("{} `{}` cannot issue the certificate for `{name}`: {problem}", issuer.kind(), issuer.name()),
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
fn http01_reachable(solver: Solver, name: &str, cert_ns: &str, ix: &Index) -> bool {
    let Some(mut parents) = solver.gateway_parents() else { return true };
    parents.any(|p| {
        let Some(gw) = ix.gateways.get(&p.gateway_key(cert_ns)) else {
            return false;
        };
        gw.listeners.iter().any(|l| {
            p.section_name().and_then(View::str).is_none_or(|s| s == l.name)
                && p.port().and_then(View::int).is_none_or(|port| l.port == Some(port))
                && l.hostname.is_none_or(|lh| hostnames_intersect(name, lh))
                && allowed(l, gw.namespace, gateway::HTTP_ROUTE, cert_ns, ix).is_ok()
        })
    })
}

/// Whether a solver's `selector` lets it answer for `name` (a wildcard's zone is the
/// name without `*.`).
fn solver_matches(solver: Solver, name: &str, labels: Option<View>) -> bool {
    let Some(selector) = solver.selector() else { return true };
    if let Some(wanted) = selector.match_labels().and_then(View::record) {
        let has = |k: &str, v: View| labels.and_then(|l| l.field(k)).and_then(View::str) == v.str();
        if !wanted.iter().all(|(k, v)| has(k, View::new(v))) {
            return false;
        }
    }
    let mut names = selector.dns_names();
    let zones = selector.dns_zones();
    let bare = name.strip_prefix("*.").unwrap_or(name);
    (names.len() == 0 && zones.len() == 0)
        || names.any(|n| n.str() == Some(name))
        || zones.filter_map(View::str).any(|z| bare == z || bare.ends_with(&format!(".{z}")))
}

/// A GatewayClass's controller must run in the environment: some deployed component
/// `provides` it. A class nobody serves leaves every Gateway of it unprogrammed.
fn gateway_class(c: GatewayClass, ix: &Index, out: &mut Vec<Diagnostic>) {
    let Some(ctrl) = c.controller_name() else { return };
    let Some(name) = ctrl.str() else { return };
    if ix.provides.contains(&name) {
        return;
    }
    let help = if let Some((host, theirs)) = &ix.host
        && theirs.contains(&name)
    {
        format!(
            "`{name}` runs in the host `{host}`, but a virtual cluster's Gateway API objects stay inside it (vcluster syncs no Gateway API kind to its host): run the controller in this environment, or expose the backends through an Ingress synced to the host (`sync: {{ ingresses: true }}`)"
        )
    } else if ix.provides.is_empty() {
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
            format!("no component of this environment runs the controller `{name}` of GatewayClass `{}`", c.name()),
        )
        .at(ctrl.span(), "nobody serves this")
        .help(help),
    );
}

fn gateway(g: Gateway, ix: &Index, out: &mut Vec<Diagnostic>) {
    let ns = g.namespace();
    if let Some(class) = g.class_name()
        && let Some(name) = class.str()
        && !ix.classes.contains(&name)
    {
        let help = match did_you_mean(name, ix.classes.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "declare the GatewayClass in this environment, in the component that runs its controller (with `provides`)".into(),
        };
        out.push(
            Diagnostic::error(
                "E0129",
                format!("Gateway `{}` uses GatewayClass `{name}`, which this environment does not declare", g.name()),
            )
            .at(class.span(), "no such GatewayClass")
            .help(help),
        );
    }
    for l in g.listeners() {
        let protocol = l.protocol();
        let name = l.name();
        let refs = l.certificate_refs();
        let mode = l.tls_mode();
        if protocol == "HTTPS" && mode != "Terminate" {
            out.push(
                Diagnostic::error("E0126", format!("HTTPS listener `{name}` of Gateway `{}` does not terminate TLS", g.name()))
                    .at(l.tls().map_or(l.span(), View::span), "`tls.mode` other than `Terminate`")
                    .help("an HTTPS listener terminates TLS (`mode: \"Terminate\"` with `certificateRefs`); to pass TLS through to the backends, use `protocol: \"TLS\"` with `mode: \"Passthrough\"` and TLSRoutes")
                    .note(format!("in Gateway `{}`", g.name())),
            );
        } else if l.terminates_tls() && refs.len() == 0 {
            out.push(
                Diagnostic::error("E0126", format!("{protocol} listener `{name}` of Gateway `{}` has no TLS certificate", g.name()))
                    .at(l.span(), "terminates TLS without `tls.certificateRefs`")
                    .help("give the listener `tls: { mode: \"Terminate\", certificateRefs: [{ name: \"<secret>\" }] }` (a Secret cert-manager fills), or serve it as HTTP (or, for TLS, pass it through with `mode: \"Passthrough\"`)")
                    .note(format!("in Gateway `{}`", g.name())),
            );
        }
        for r in refs {
            let target_ns = r.namespace().unwrap_or(ns);
            let secret = r.name().and_then(View::str).unwrap_or_default();
            let (gw, secret_kind) = (gateway::GATEWAY, core::SECRET);
            if target_ns != ns && !ix.granted(gw, ns, target_ns, core::GROUP, secret_kind, secret) {
                out.push(ungranted(r.span(), gw, ns, secret_kind, target_ns, secret));
            }
            let key = core::secret_key(target_ns, secret);
            let provided = ix.certificates.contains_key(&key)
                || ix.secrets.contains(&key)
                || ix.shim_certificates.contains_key(&key);
            if r.is_secret() && !provided {
                // A warning: the Secret may be made outside the platform's declarations.
                out.push(
                    Diagnostic::warning(
                        "E0134",
                        format!("the certificate Secret `{target_ns}/{secret}` of listener `{name}` is provided by nothing in this environment"),
                    )
                    .at(r.name().map_or(r.span(), View::span), "no Certificate or Secret writes this")
                    .help("issue it with a cert-manager Certificate whose `secretName` is this name (`gw.certificate`), annotate the Gateway for cert-manager (`gw.issued_by`: it certifies listeners that have a `hostname` and name a Secret of the Gateway's namespace), or declare the Secret (an ExternalSecret or SealedSecret making it counts); a Secret made outside the platform's declarations is not checked")
                    .note(format!("in Gateway `{}`", g.name())),
                );
            }
        }
    }
}

fn ungranted(at: Span, from_kind: &str, from_ns: &str, to_kind: &str, to_ns: &str, to_name: &str) -> Diagnostic {
    let group = gateway::GROUP;
    Diagnostic::error(
        "E0125",
        format!("{from_kind} in `{from_ns}` refers to {to_kind} `{to_name}` in `{to_ns}` without a ReferenceGrant allowing it"),
    )
    .at(at, "cross-namespace reference")
    .help(format!(
        "if the access is intended, write `grant: true` on this reference and cedc generates the ReferenceGrant in `{to_ns}`; or write one there from {{ group: \"{group}\", kind: \"{from_kind}\", namespace: \"{from_ns}\" }} to {{ kind: \"{to_kind}\", name: \"{to_name}\" }}; or move the {to_kind} into `{from_ns}`"
    ))
}

/// Whether a listener of this protocol serves this route kind (Gateway API's
/// protocol/route compatibility).
fn protocol_admits(protocol: &str, route_kind: &str) -> bool {
    match route_kind {
        gateway::HTTP_ROUTE | gateway::GRPC_ROUTE => matches!(protocol, "HTTP" | "HTTPS"),
        gateway::TLS_ROUTE => protocol == "TLS",
        _ => false,
    }
}

/// Whether `allowedRoutes` of a listener admits a route of `kind` from `route_ns`: `Err`
/// says why not.
fn allowed(l: &Listener, gw_ns: &str, route_kind: &str, route_ns: &str, ix: &Index) -> Result<(), String> {
    if !protocol_admits(l.protocol, route_kind) {
        return Err(format!("listener `{}` speaks {}, which does not serve a {route_kind}", l.name, l.protocol));
    }
    let mut kinds = l.view.allowed_kinds();
    if kinds.len() != 0 && !kinds.any(|k| k == route_kind) {
        return Err(format!("listener `{}` admits only other route kinds (`allowedRoutes.kinds`)", l.name));
    }
    let from = l.view.allowed_from();
    match from {
        "All" => Ok(()),
        "Same" if route_ns == gw_ns => Ok(()),
        "Same" => Err(format!(
            "listener `{}` admits routes from its own namespace `{gw_ns}` only, and this route is in `{route_ns}`",
            l.name
        )),
        "Selector" => {
            let labels = ix.namespaces.get(route_ns);
            let wanted = l.view.allowed_match_labels().and_then(View::record);
            let ok = match (labels, wanted) {
                (Some(labels), Some(wanted)) => {
                    wanted.iter().all(|(k, v)| v.as_str().is_some_and(|v| labels.get(&**k).is_some_and(|l| *l == v)))
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
    /// The route's namespace and name (written `namespace/name` in a report).
    route: (&'a str, &'a str),
    hostnames: Vec<&'a str>,
    /// The parent reference's Gateway name.
    at: Span,
}

/// The routes attached to each listener, by (Gateway namespace, Gateway name, listener).
#[derive(Default)]
struct Attached<'a> {
    listeners: BTreeMap<ListenerKey<'a>, Vec<Attachment<'a>>>,
}

impl Attached<'_> {
    /// An HTTPRoute and a GRPCRoute on one listener with intersecting hostnames: Gateway
    /// API accepts only one of them (the older), so the other is silently not served.
    /// E0128, once per pair of routes, at the later one in declaration order. The
    /// HTTPRoutes of each listener are indexed by hostname ([`HostIndex`]); each
    /// GRPCRoute looks up the ones it meets, so no pair of routes is compared blindly.
    fn conflicts(&self, out: &mut Vec<Diagnostic>) {
        use gateway::{GRPC_ROUTE, HTTP_ROUTE};
        let mut reported = std::collections::BTreeSet::new();
        for ((gw_ns, gw_name, listener), routes) in &self.listeners {
            // Without a GRPCRoute a listener has no such pair: its HTTPRoutes are not
            // indexed.
            if !routes.iter().any(|r| r.kind == GRPC_ROUTE) {
                continue;
            }
            let mut http = HostIndex::default();
            for (i, r) in routes.iter().enumerate().filter(|(_, r)| r.kind == HTTP_ROUTE) {
                http.add(i, &r.hostnames);
            }
            let mut pairs = BTreeSet::new();
            for (g, r) in routes.iter().enumerate().filter(|(_, r)| r.kind == GRPC_ROUTE) {
                for h in http.meeting(&r.hostnames) {
                    pairs.insert((g.max(h), g.min(h)));
                }
            }
            for (later, earlier) in pairs {
                let (a, b) = (&routes[earlier], &routes[later]);
                let Some(host) = shared_hostname(a, b) else { continue };
                if !reported.insert((a.route, b.route)) {
                    continue;
                }
                let host = if host == "*" { "every hostname".to_string() } else { format!("`{host}`") };
                out.push(
                    Diagnostic::error(
                        "E0128",
                        format!(
                            "{} `{}/{}` and {} `{}/{}` share {host} on listener `{listener}` of Gateway `{gw_ns}/{gw_name}`",
                            b.kind, b.route.0, b.route.1, a.kind, a.route.0, a.route.1
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

/// A hostname the routes `a` (the earlier) and `b` share (`*` for every hostname), or
/// `None` when their hostnames do not meet. Routes without hostnames take the listener's.
fn shared_hostname<'a>(a: &Attachment<'a>, b: &Attachment<'a>) -> Option<&'a str> {
    match (a.hostnames.is_empty(), b.hostnames.is_empty()) {
        (true, _) => b.hostnames.first().copied().or(Some("*")),
        (_, true) => a.hostnames.first().copied(),
        _ => a.hostnames.iter().find(|x| b.hostnames.iter().any(|y| hostnames_intersect(x, y))).copied(),
    }
}

/// Routes (by position) indexed by hostname, to find those whose hostnames meet a
/// given list by [`hostnames_intersect`]'s rules with a few ordered-map look-ups. A
/// hostname's key is its labels reversed (`a.example.org` → `org.example.a`; a
/// wildcard `*.example.org` → `org.example.*`), so the names under a domain are one key
/// range.
#[derive(Default)]
struct HostIndex {
    /// Routes without hostnames: they meet every route.
    any: Vec<usize>,
    by_key: BTreeMap<String, Vec<usize>>,
}

impl HostIndex {
    fn key(host: &str) -> String {
        let (wild, name) = match host.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, host),
        };
        let mut key: Vec<&str> = name.split('.').rev().collect();
        if wild {
            key.push("*");
        }
        key.join(".")
    }

    fn add(&mut self, route: usize, hostnames: &[&str]) {
        if hostnames.is_empty() {
            self.any.push(route);
        }
        for h in hostnames {
            self.by_key.entry(Self::key(h)).or_default().push(route);
        }
    }

    /// The routes meeting a route with `hostnames` (every route when it has none).
    fn meeting(&self, hostnames: &[&str]) -> BTreeSet<usize> {
        let mut found: BTreeSet<usize> = self.any.iter().copied().collect();
        if hostnames.is_empty() {
            found.extend(self.by_key.values().flatten().copied());
            return found;
        }
        for h in hostnames {
            let (wild, name) = match h.strip_prefix("*.") {
                Some(rest) => (true, rest),
                None => (false, *h),
            };
            let reversed = Self::key(name);
            let mut take = |k: &str| found.extend(self.by_key.get(k).into_iter().flatten().copied());
            // Wildcards over a proper parent domain (`*.org`, `*.example.org` for
            // `a.example.org`); for a wildcard, also the one over its own domain.
            for (i, _) in reversed.match_indices('.') {
                take(&format!("{}.*", &reversed[..i]));
            }
            if wild {
                // Every name and wildcard under the domain, and the wildcard itself.
                let low = format!("{reversed}.");
                let high = format!("{reversed}/");
                found.extend(self.by_key.range(low..high).flat_map(|(_, v)| v.iter().copied()));
            } else {
                take(&reversed);
            }
        }
        found
    }
}

fn route<'a>(
    r: Route<'a>,
    ix: &Index<'a>,
    attached: &mut Attached<'a>,
    claims: &mut Claims<'a>,
    out: &mut Vec<Diagnostic>,
) {
    let route_ns = r.namespace();
    // The listeners the route is attached to.
    let mut listeners: Vec<ListenerKey<'a>> = Vec::new();
    let kind = r.kind();
    let hostnames: Vec<View<'a>> = r.hostnames().collect();
    for p in r.parent_refs() {
        if !p.is_gateway() {
            continue;
        }
        let gw_ns = p.namespace().unwrap_or(route_ns);
        let gw_name = p.name().and_then(View::str).unwrap_or_default();
        let name_span = p.name().map_or(p.span(), View::span);
        let Some(gw) = ix.gateways.get(&p.gateway_key(route_ns)) else {
            let here: Vec<String> =
                ix.gateways.keys().map(|k| format!("{}/{}", k.namespace_or_empty(), k.name)).collect();
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
                        r.name()
                    ),
                )
                .at(name_span, "no such Gateway")
                .help(help),
            );
            continue;
        };
        // The listeners this parent reference selects.
        let mut candidates: Vec<&Listener> = gw.listeners.iter().collect();
        if let Some(section_field) = p.section_name()
            && let Some(section) = section_field.str()
        {
            candidates.retain(|l| l.name == section);
            if candidates.is_empty() {
                let names: Vec<&str> = gw.listeners.iter().map(|l| l.name).collect();
                let help = match did_you_mean(section, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the listeners of Gateway `{gw_name}` are: {}", names.join(", ")),
                };
                out.push(
                    Diagnostic::error("E0121", format!("Gateway `{gw_name}` has no listener `{section}`"))
                        .at(section_field.span(), "no such listener")
                        .help(help)
                        .note(format!("in {kind} `{}`", r.name())),
                );
                continue;
            }
        }
        if let Some(port_field) = p.port()
            && let Some(port) = port_field.int()
        {
            let before = candidates.len();
            candidates.retain(|l| l.port == Some(port));
            if candidates.is_empty() && before > 0 {
                let ports: Vec<String> = gw.listeners.iter().filter_map(|l| l.port).map(|p| p.to_string()).collect();
                out.push(
                    Diagnostic::error(
                        "E0121",
                        format!("no listener of Gateway `{gw_name}` selected here listens on port {port}"),
                    )
                    .at(port_field.span(), "no listener on this port")
                    .help(format!("the Gateway's listeners use ports {}", ports.join(", ")))
                    .note(format!("in {kind} `{}`", r.name())),
                );
                continue;
            }
        }
        // Of those, the ones that admit this route.
        let mut reasons = Vec::new();
        let admitting: Vec<&Listener> = candidates
            .into_iter()
            .filter(|l| match allowed(l, gw.namespace, kind, route_ns, ix) {
                Ok(()) => true,
                Err(why) => {
                    reasons.push(why);
                    false
                }
            })
            .collect();
        if admitting.is_empty() {
            let mut d = Diagnostic::error("E0122", format!("Gateway `{gw_ns}/{gw_name}` does not admit {kind} `{}`", r.name()))
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
            let meets = |l: &&Listener| match l.hostname {
                None => true,
                Some(lh) => hostnames.iter().filter_map(|h| h.str()).any(|h| hostnames_intersect(h, lh)),
            };
            if !admitting.iter().any(meets) {
                let listener_hosts: Vec<String> =
                    admitting.iter().filter_map(|l| l.hostname).map(|h| format!("`{h}`")).collect();
                let span = r.hostnames_field().map_or(r.span(), View::span);
                out.push(
                    Diagnostic::error("E0123", format!("no hostname of {kind} `{}` matches a listener of Gateway `{gw_name}`", r.name()))
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
                .filter_map(|h| h.str())
                .filter(|h| l.hostname.is_none_or(|lh| hostnames_intersect(h, lh)))
                .collect();
            if served.is_empty() && !hostnames.is_empty() {
                continue;
            }
            let key = (gw.namespace, gw_name, l.name);
            attached.listeners.entry(key).or_default().push(Attachment {
                kind,
                route: (route_ns, r.name()),
                hostnames: served,
                at: name_span,
            });
            listeners.push(key);
        }
        covered(r, &hostnames, gw, gw_name, &admitting, ix, out);
    }
    claims.add(r, &listeners, out);
    backends(r, ix, out);
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
    r: Route,
    hostnames: &[View],
    gw: &GatewayEntry,
    gw_name: &str,
    admitting: &[&Listener],
    ix: &Index,
    out: &mut Vec<Diagnostic>,
) {
    for l in admitting {
        let Some(certs) = certificate_names(l, gw.namespace, ix) else { continue };
        let mut check = |at: View, served: &str| {
            let chosen = gw
                .listeners
                .iter()
                .filter(|x| x.port == l.port && x.hostname.is_none_or(|xh| hostnames_intersect(served, xh)))
                .max_by_key(|x| specificity(x.hostname))
                .map(|x| specificity(x.hostname));
            if chosen > Some(specificity(l.hostname)) {
                return;
            }
            if !certs.0.iter().any(|c| certificate_covers(c, served)) {
                let gateway = format!("{}/{gw_name}", gw.namespace);
                out.push(uncovered(at, served, l.name, &gateway, &certs).note(format!(
                    "in {} `{}`",
                    r.kind(),
                    r.name()
                )));
            }
        };
        let listener_host = l.view.hostname().zip(l.hostname);
        if hostnames.is_empty() {
            if let Some((at, lh)) = listener_host {
                check(at, lh);
            }
            continue;
        }
        for &h in hostnames {
            let Some(name) = h.str() else { continue };
            match listener_host {
                Some((_, lh)) if !hostnames_intersect(name, lh) => {}
                // The route's wildcard is wider: it is served under the listener's name.
                Some((at, lh)) if name.starts_with("*.") && lh.len() > name.len() => check(at, lh),
                _ => check(h, name),
            }
        }
    }
}

fn backends(r: Route, ix: &Index, out: &mut Vec<Diagnostic>) {
    let route_ns = r.namespace();
    for b in r.rules().flat_map(|rule| rule.backend_refs()) {
        if !b.is_service() {
            continue;
        }
        let ns = b.namespace().unwrap_or(route_ns);
        let name = b.name().and_then(View::str).unwrap_or_default();
        let name_span = b.name().map_or(b.span(), View::span);
        let Some(ports) = ix.services.get(&core::service_key(ns, name)) else {
            let mut here: Vec<&str> = ix.services.keys().filter(|k| k.namespace == Some(ns)).map(|k| k.name).collect();
            here.sort_unstable();
            let help = match did_you_mean(name, here.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => {
                    format!("declare the Service in namespace `{ns}` of this environment, or refer to one that exists")
                }
            };
            out.push(
                Diagnostic::error("E0124", format!("backend Service `{ns}/{name}` does not exist in this environment"))
                    .at(name_span, "no such Service")
                    .help(help)
                    .note(format!("in {} `{}`", r.kind(), r.name())),
            );
            continue;
        };
        if let Some(port_field) = b.port()
            && let Some(port) = port_field.int()
            && !ports.contains(&port)
        {
            let list: Vec<String> = ports.iter().map(i64::to_string).collect();
            out.push(
                Diagnostic::error("E0124", format!("Service `{ns}/{name}` has no port {port}"))
                    .at(port_field.span(), "no such port")
                    .help(format!("the Service's ports are: {}", list.join(", ")))
                    .note(format!("in {} `{}`", r.kind(), r.name())),
            );
        }
        if ns != route_ns && !ix.granted(r.kind(), route_ns, ns, core::GROUP, core::SERVICE, name) {
            out.push(ungranted(b.span(), r.kind(), route_ns, core::SERVICE, ns, name).note(format!(
                "in {} `{}`",
                r.kind(),
                r.name()
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{HostIndex, hostnames_intersect};
    use std::collections::BTreeSet;

    #[test]
    fn the_hostname_index_finds_exactly_the_routes_that_meet() {
        let hosts = [
            "a.example.org",
            "b.example.org",
            "example.org",
            "*.example.org",
            "*.org",
            "x.a.example.org",
            "*.a.example.org",
            "other.net",
            "*.net",
            "org",
        ];
        let routes: Vec<Vec<&str>> =
            hosts.iter().map(|h| vec![*h]).chain([vec![], vec!["a.example.org", "other.net"]]).collect();
        let mut index = HostIndex::default();
        for (i, r) in routes.iter().enumerate() {
            index.add(i, r);
        }
        let queries: Vec<Vec<&str>> = routes.clone();
        for q in &queries {
            let brute: BTreeSet<usize> = routes
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.is_empty() || q.is_empty() || r.iter().any(|x| q.iter().any(|y| hostnames_intersect(x, y)))
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(index.meeting(q), brute, "{q:?}");
        }
    }

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
