//! In-cluster addresses written in strings: every `<service>.<namespace>.svc` (or
//! `….svc.cluster.local`) in an object or a chart's values names a Service the platform
//! makes in that namespace of the environment, with the port written after it when one
//! is (E0152, a warning: the Service may be made outside the platform's files; the API
//! server's `kubernetes.default.svc` is always there); a URL
//! whose host is a bare name (`http://postgres:5432`) names a Service of the reader's
//! own namespace, and one made only in other namespaces is E0153 (a warning: the short
//! name resolves in the pod's namespace only).
//!
//! Invariants: the Services are indexed once per environment (when it writes an
//! address), by (namespace, name) and by name; values are walked with an explicit
//! stack; the strings of each distinct object value are scanned once for all
//! environments ([`in_object`]: what a string holds depends on it alone), and each
//! address found is one lookup in each environment.

use cedc_diagnostics::{Diagnostic, Span};
use cedc_model::views::core::Service;
use cedc_model::{Component, Environment, Holds, ObjectView, Value, ValueKind};
use std::collections::BTreeMap;

/// The Services of an environment: (namespace, name) → ports, and name → namespaces.
struct Services<'a> {
    by_key: BTreeMap<(&'a str, &'a str), Vec<i64>>,
    by_name: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> Services<'a> {
    /// The Services `env` makes.
    fn of(env: &'a Environment) -> Services<'a> {
        let mut services = Services { by_key: BTreeMap::new(), by_name: BTreeMap::new() };
        for s in env.components.iter().flat_map(Component::visible_objects).filter_map(Service::cast) {
            services.by_key.insert((s.namespace(), s.name()), s.ports().filter_map(|p| p.port()).collect());
            services.by_name.entry(s.name()).or_default().push(s.namespace());
        }
        services
    }
}

/// What may name a Service in a string: an in-cluster address or a URL's bare host.
pub(crate) enum Address<'v> {
    /// `<service>.<namespace>.svc…`: the hostname as written, the Service's name and
    /// namespace, the port written after it.
    Qualified { at: Span, written: &'v str, name: &'v str, namespace: &'v str, port: Option<i64> },
    /// A URL whose host is a bare name (`http://postgres:5432`).
    Short { at: Span, host: &'v str },
}

/// The addresses in the strings of each object cedc writes, by
/// [`cedc_model::Object::value_id`]: only the objects holding one.
pub(crate) type Found<'v> = crate::HashMap<usize, Vec<Address<'v>>>;

/// The addresses in the strings of the object `o`, when it holds any: they depend on
/// its value alone, so `crate::DistinctPass` scans each distinct value once for all
/// environments.
pub(crate) fn in_object(o: &cedc_model::Object) -> Option<Vec<Address<'_>>> {
    let mut out = Vec::new();
    addresses_in(&o.value, &mut out);
    Some(out).filter(|a| !a.is_empty())
}

pub fn check(env: &Environment, found: &Found, diags: &mut Vec<Diagnostic>) {
    // Indexed the first time an address is met (most environments write none).
    let services = std::cell::LazyCell::new(|| Services::of(env));
    let mut out = Vec::new();
    for c in &env.components {
        for o in &c.objects {
            let ns = o.namespace.as_deref().unwrap_or(&c.namespace);
            let from = out.len();
            match o.value_id() {
                Some(id) => {
                    for a in found.get(&id).into_iter().flatten() {
                        report(a, ns, &services, &mut out);
                    }
                }
                None => scan(&o.value, ns, &services, &mut out),
            }
            crate::at_input(&mut out[from..], o);
        }
        if let Some(chart) = &c.chart {
            scan(chart, &c.namespace, &services, &mut out);
        }
    }
    diags.extend(out.into_iter().map(|d| d.in_env(&env.name)));
}

/// Every string of `v` (read from namespace `ns`), checked.
fn scan(v: &Value, ns: &str, services: &Services, out: &mut Vec<Diagnostic>) {
    let mut found = Vec::new();
    addresses_in(v, &mut found);
    for a in &found {
        report(a, ns, services, out);
    }
}

/// The addresses in the strings of `v`, in order.
fn addresses_in<'v>(v: &'v Value, out: &mut Vec<Address<'v>>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match &v.kind {
            ValueKind::Str(s) => text(s, v.span(), out),
            ValueKind::Named(n) => text(&n.text, v.span(), out),
            ValueKind::List(items) => stack.extend(items.iter().rev()),
            // A record known to hold no text with a dot or a colon holds no address.
            ValueKind::Record(fields) if fields.lacks(Holds::DOTTED) => {}
            ValueKind::Record(fields) => stack.extend(fields.values().rev()),
            _ => {}
        }
    }
}

/// The Service of the API server every cluster has: (namespace, name).
const API_SERVER: (&str, &str) = ("default", "kubernetes");

/// Characters of a hostname.
fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.'
}

/// The addresses in one string, at `at`.
fn text<'v>(s: &'v str, at: Span, out: &mut Vec<Address<'v>>) {
    // An address has a dot (`.svc`) or a scheme (`://`): most strings (names, labels,
    // ports' names) have neither, and a byte search rules them out cheaply.
    if !Holds::dotted(s) {
        return;
    }
    for (start, host, port) in qualified(s) {
        let labels: Vec<&str> = host.split('.').collect();
        let [.., name, namespace] = labels[..] else { continue };
        if (namespace, name) == API_SERVER {
            continue;
        }
        out.push(Address::Qualified { at, written: &s[start..start + host.len()], name, namespace, port });
    }
    for (host, _) in short_urls(s) {
        out.push(Address::Short { at, host });
    }
}

/// E0152 or E0153 when the Services of the environment do not match the address `a`
/// read from namespace `ns`.
fn report(a: &Address, ns: &str, services: &Services, out: &mut Vec<Diagnostic>) {
    match *a {
        Address::Qualified { at, written, name, namespace, port } => match services.by_key.get(&(namespace, name)) {
            None => out.push(
                Diagnostic::warning("E0152", format!("`{written}` names Service `{name}` in `{namespace}`, which the platform does not make there"))
                    .at(at, "an in-cluster address")
                    .help(match services.by_name.get(name) {
                        Some(nss) => format!("a Service `{name}` is made in {}: fix the namespace in the address", nss.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
                        None => format!("write the address of a Service of this environment (`<service>.<namespace>.svc`), or list it in a component's `made_outside` (`k8s.outside(\"Service\", \"{name}\", namespace: \"{namespace}\")`) if it is made outside the platform"),
                    }),
            ),
            Some(ports) => {
                if let Some(p) = port.filter(|p| !ports.is_empty() && !ports.contains(p)) {
                    let list = ports.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                    out.push(
                        Diagnostic::warning("E0152", format!("`{written}:{p}` names port {p} of Service `{namespace}/{name}`, which exposes {list}"))
                            .at(at, "an in-cluster address")
                            .help(format!("use one of the Service's ports ({list})")),
                    );
                }
            }
        },
        Address::Short { at, host } => {
            if services.by_key.contains_key(&(ns, host)) {
                return;
            }
            let Some(elsewhere) = services.by_name.get(host) else { return };
            let first = elsewhere[0];
            out.push(
                Diagnostic::warning(
                    "E0153",
                    format!(
                        "`{host}` is a Service of {}, not of `{ns}` where it is read",
                        elsewhere.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .at(at, "a short Service name")
                .help(format!("a short name resolves in the reader's own namespace: write `{host}.{first}.svc`")),
            );
        }
    }
}

/// The `<…>.<service>.<namespace>.svc[.cluster.local]` hostnames in `s`: (start, the
/// hostname up to `.svc`, the port written after it).
fn qualified(s: &str) -> Vec<(usize, &str, Option<i64>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find(".svc").map(|i| i + from) {
        from = i + 4;
        let mut end = i + 4;
        if s[end..].starts_with(".cluster.local") {
            end += ".cluster.local".len();
        }
        // `.svc` must end the hostname (`foo.svc.example.org` is not in-cluster).
        if s[end..].chars().next().is_some_and(host_char) {
            continue;
        }
        let start = s[..i].rfind(|c: char| !host_char(c)).map_or(0, |p| p + 1);
        let host = &s[start..i];
        if host.split('.').filter(|l| !l.is_empty()).count() < 2 || host.split('.').any(str::is_empty) {
            continue;
        }
        let port = s[end..].strip_prefix(':').and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        });
        out.push((start, host, port));
        from = end;
    }
    out
}

/// The bare hostnames of URLs in `s` (`scheme://host[:port]`, host without a dot).
fn short_urls(s: &str) -> Vec<(&str, Option<i64>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find("://").map(|i| i + from) {
        let mut start = i + 3;
        from = start;
        // Skip the user information of `scheme://user:password@host`.
        let authority = s[start..].find(['/', ' ', '"', '\'']).map_or(&s[start..], |e| &s[start..start + e]);
        if let Some(at) = authority.rfind('@') {
            start += at + 1;
        }
        let len = s[start..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(s.len() - start);
        let host = &s[start..start + len];
        let next = s[start + len..].chars().next();
        if host.is_empty() || next == Some('.') || host == "localhost" {
            continue;
        }
        let port = s[start + len..].strip_prefix(':').and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        });
        out.push((host, port));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{qualified, short_urls};

    #[test]
    fn qualified_addresses_are_found_where_they_end_in_svc() {
        let found = qualified("postgres://app@db.data.svc.cluster.local:5432/app and http://web-0.web.site.svc/x");
        let hosts: Vec<(&str, Option<i64>)> = found.iter().map(|(_, h, p)| (*h, *p)).collect();
        assert_eq!(hosts, [("db.data", Some(5432)), ("web-0.web.site", None)]);
        assert!(qualified("https://api.svc.example.org/").is_empty(), "not an in-cluster name");
        assert!(qualified(".svc and x.svc").is_empty(), "one label is not service.namespace");
        assert!(qualified("a..b.svc").is_empty());
    }

    #[test]
    fn short_urls_are_bare_hostnames_after_a_scheme() {
        assert_eq!(short_urls("http://postgres:5432/db"), [("postgres", Some(5432))]);
        assert_eq!(short_urls("https://api.example.org http://localhost:8080 redis://cache"), [("cache", None)]);
        assert!(short_urls("no url here").is_empty());
        assert_eq!(short_urls("postgres://app:secret@db:5432/app"), [("db", Some(5432))]);
    }
}
