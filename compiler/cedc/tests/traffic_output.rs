//! An independent reader of the traffic example's output: what real `kubectl kustomize`
//! makes of the built tree, read with Gateway API's and cert-manager's rules written
//! here again, in a few lines each, without cedc's checker. Every route must attach to
//! a listener that admits it, meet its hostname and reach existing Services (granted
//! across namespaces); every TLS listener's certificate must come from a Certificate
//! that covers the names served there, from an issuer that exists and can validate them
//! (DNS-01 for wildcards), and production must use no staging issuer.
//!
//! The reader is shown to fail on broken output too (a control), so a pass means
//! something.

use cedc_emit::testing;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const GATEWAY: &str = "gateway.networking.k8s.io";

fn s<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_str)
}

fn list<'v>(v: &'v Value, path: &[&str]) -> &'v [Value] {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn group(o: &Value) -> &str {
    s(o, &["apiVersion"]).and_then(|a| a.rsplit_once('/')).map_or("", |(g, _)| g)
}

fn kind(o: &Value) -> &str {
    s(o, &["kind"]).unwrap_or("")
}

fn name(o: &Value) -> &str {
    s(o, &["metadata", "name"]).unwrap_or("")
}

fn ns(o: &Value) -> &str {
    s(o, &["metadata", "namespace"]).unwrap_or("")
}

fn find<'o>(objects: &'o [Value], g: &str, k: &str, namespace: &str, n: &str) -> Option<&'o Value> {
    objects.iter().find(|o| group(o) == g && kind(o) == k && ns(o) == namespace && name(o) == n)
}

/// Gateway API: a listener hostname or route hostname `a` meets `b` (wildcards match
/// any depth below their suffix).
fn meets(a: &str, b: &str) -> bool {
    let under = |host: &str, suffix: &str| host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}"));
    match (a.strip_prefix("*."), b.strip_prefix("*.")) {
        (None, None) => a == b,
        (Some(x), None) => under(b, x),
        (None, Some(y)) => under(a, y),
        (Some(x), Some(y)) => x == y || under(x, y) || under(y, x),
    }
}

/// TLS: certificate name `c` covers `host` (a wildcard covers exactly one label).
fn covers(c: &str, host: &str) -> bool {
    c == host || c.strip_prefix("*.").is_some_and(|sfx| host.split_once('.').is_some_and(|(l, r)| r == sfx && l != "*"))
}

/// Everything wrong with one environment's objects, as sentences.
fn problems(objects: &[Value], production: bool) -> Vec<String> {
    let mut out = Vec::new();
    let labels_of = |namespace: &str| {
        find(objects, "", "Namespace", "", namespace)
            .and_then(|n| n.pointer("/metadata/labels"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    for route in objects.iter().filter(|o| group(o) == GATEWAY && kind(o).ends_with("Route")) {
        let (rk, rns, rn) = (kind(route), ns(route), name(route));
        let hostnames: Vec<&str> = list(route, &["spec", "hostnames"]).iter().filter_map(Value::as_str).collect();
        if route.to_string().contains("\"grant\"") {
            out.push(format!("{rk} {rns}/{rn} still carries cedc's `grant` field"));
        }
        for parent in list(route, &["spec", "parentRefs"]) {
            let gns = s(parent, &["namespace"]).unwrap_or(rns);
            let gname = s(parent, &["name"]).unwrap_or("");
            let Some(gw) = find(objects, GATEWAY, "Gateway", gns, gname) else {
                out.push(format!("{rk} {rns}/{rn}: no Gateway {gns}/{gname}"));
                continue;
            };
            let admitted = list(gw, &["spec", "listeners"]).iter().any(|l| {
                let section_ok = s(parent, &["sectionName"]).is_none_or(|sec| s(l, &["name"]) == Some(sec));
                let port_ok = parent.get("port").is_none_or(|p| l.get("port") == Some(p));
                let proto = s(l, &["protocol"]).unwrap_or("");
                let proto_ok = match rk {
                    "HTTPRoute" | "GRPCRoute" => proto == "HTTP" || proto == "HTTPS",
                    "TLSRoute" => proto == "TLS",
                    _ => false,
                };
                let from = s(l, &["allowedRoutes", "namespaces", "from"]).unwrap_or("Same");
                let ns_ok = match from {
                    "All" => true,
                    "Same" => rns == gns,
                    "Selector" => {
                        let labels = labels_of(rns);
                        l.pointer("/allowedRoutes/namespaces/selector/matchLabels")
                            .and_then(Value::as_object)
                            .is_some_and(|want| want.iter().all(|(k, v)| labels.get(k) == Some(v)))
                    }
                    _ => false,
                };
                let host_ok = match s(l, &["hostname"]) {
                    None => true,
                    Some(lh) => hostnames.is_empty() || hostnames.iter().any(|h| meets(h, lh)),
                };
                section_ok && port_ok && proto_ok && ns_ok && host_ok
            });
            if !admitted {
                out.push(format!("{rk} {rns}/{rn}: no listener of {gns}/{gname} accepts it"));
            }
        }
        for b in list(route, &["spec", "rules"]).iter().flat_map(|r| list(r, &["backendRefs"])) {
            let bns = s(b, &["namespace"]).unwrap_or(rns);
            let bname = s(b, &["name"]).unwrap_or("");
            let port = b.get("port");
            let svc = find(objects, "", "Service", bns, bname);
            if !svc.is_some_and(|svc| list(svc, &["spec", "ports"]).iter().any(|p| p.get("port") == port)) {
                out.push(format!("{rk} {rns}/{rn}: no Service {bns}/{bname} with port {port:?}"));
            }
            let granted = objects.iter().filter(|o| kind(o) == "ReferenceGrant" && ns(o) == bns).any(|g| {
                list(g, &["spec", "from"]).iter().any(|f| {
                    s(f, &["group"]) == Some(GATEWAY)
                        && s(f, &["kind"]) == Some(rk)
                        && s(f, &["namespace"]) == Some(rns)
                }) && list(g, &["spec", "to"]).iter().any(|t| {
                    s(t, &["group"]) == Some("")
                        && s(t, &["kind"]) == Some("Service")
                        && s(t, &["name"]).is_none_or(|n| n == bname)
                })
            });
            if bns != rns && !granted {
                out.push(format!("{rk} {rns}/{rn}: Service {bns}/{bname} is not granted"));
            }
        }
    }
    for gw in objects.iter().filter(|o| group(o) == GATEWAY && kind(o) == "Gateway") {
        let class = s(gw, &["spec", "gatewayClassName"]).unwrap_or("");
        if find(objects, GATEWAY, "GatewayClass", "", class).is_none() {
            out.push(format!("Gateway {}: no GatewayClass {class}", name(gw)));
        }
        for l in list(gw, &["spec", "listeners"]) {
            let lname = s(l, &["name"]).unwrap_or("");
            let refs = list(l, &["tls", "certificateRefs"]);
            if s(l, &["protocol"]) == Some("HTTPS") && refs.is_empty() {
                out.push(format!("listener {lname}: HTTPS without a certificate"));
            }
            for r in refs {
                let secret = s(r, &["name"]).unwrap_or("");
                let cns = s(r, &["namespace"]).unwrap_or(ns(gw));
                let cert = objects.iter().find(|o| {
                    kind(o) == "Certificate" && ns(o) == cns && s(o, &["spec", "secretName"]) == Some(secret)
                });
                let Some(cert) = cert else {
                    out.push(format!("listener {lname}: no Certificate writes {cns}/{secret}"));
                    continue;
                };
                let names: Vec<&str> = list(cert, &["spec", "dnsNames"]).iter().filter_map(Value::as_str).collect();
                // The listener's hostname and the hostnames of the routes on it.
                let mut served: Vec<&str> = s(l, &["hostname"]).into_iter().collect();
                for route in objects.iter().filter(|o| kind(o).ends_with("Route")) {
                    let on_it = list(route, &["spec", "parentRefs"]).iter().any(|p| {
                        s(p, &["name"]) == Some(name(gw))
                            && s(p, &["namespace"]).unwrap_or(ns(route)) == ns(gw)
                            && s(p, &["sectionName"]).is_none_or(|x| x == lname)
                    });
                    if on_it {
                        served.extend(list(route, &["spec", "hostnames"]).iter().filter_map(Value::as_str));
                    }
                }
                for h in served {
                    if !names.iter().any(|c| covers(c, h)) {
                        out.push(format!("listener {lname}: {h} is not covered by {names:?}"));
                    }
                }
                let ik = s(cert, &["spec", "issuerRef", "kind"]).unwrap_or("Issuer");
                let iname = s(cert, &["spec", "issuerRef", "name"]).unwrap_or("");
                let ins = if ik == "ClusterIssuer" { "" } else { cns };
                let Some(issuer) = find(objects, "cert-manager.io", ik, ins, iname) else {
                    out.push(format!("Certificate {}: no {ik} {iname}", name(cert)));
                    continue;
                };
                if production && issuer.pointer("/metadata/labels/cedc.dev~1issuer-stage").is_some() {
                    out.push(format!("Certificate {}: production uses staging issuer {iname}", name(cert)));
                }
                let dns01 = list(issuer, &["spec", "acme", "solvers"]).iter().any(|x| x.get("dns01").is_some());
                if issuer.pointer("/spec/acme").is_some() && names.iter().any(|n| n.starts_with("*.")) && !dns01 {
                    out.push(format!("Certificate {}: wildcard without a DNS-01 solver", name(cert)));
                }
            }
        }
    }
    out
}

/// The traffic example's objects per environment, as real Kustomize builds them.
fn built(kubectl: &Path) -> Vec<(String, Vec<Value>)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(["build", "examples/traffic", "--out"])
        .arg(&out)
        .current_dir(&repo)
        .status()
        .expect("run cedc");
    assert!(status.success());
    let index: Value =
        serde_json::from_slice(&std::fs::read(out.join("cedc-index.json")).expect("index")).expect("JSON");
    // The environment roots (`envs/<env>`, no component): everything deployed there.
    list(&index, &["roots"])
        .iter()
        .filter(|root| root.get("component").is_none_or(Value::is_null))
        .map(|root| {
            let env = s(root, &["env"]).expect("env").to_string();
            (env, testing::kustomize_with(kubectl, &out.join(s(root, &["path"]).expect("path"))))
        })
        .collect()
}

#[test]
fn an_independent_reader_accepts_the_traffic_examples_output() {
    let Some(kubectl) = testing::kubectl() else { return };
    let envs = built(&kubectl);
    assert_eq!(envs.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(), ["prod", "staging"]);
    for (env, objects) in &envs {
        let routes = objects.iter().filter(|o| kind(o).ends_with("Route")).count();
        assert_eq!(routes, 5, "{env}: the example's five routes");
        assert!(objects.iter().any(|o| kind(o) == "ReferenceGrant"), "{env}: the generated grant");
        let found = problems(objects, env == "prod");
        assert!(found.is_empty(), "{env}:\n{}", found.join("\n"));
    }

    // Controls: the reader notices broken output.
    let (_, prod) = &envs[0];
    let without_grant: Vec<Value> = prod.iter().filter(|o| kind(o) != "ReferenceGrant").cloned().collect();
    assert_eq!(problems(&without_grant, true), ["HTTPRoute shop/shop: Service catalog/catalog-api is not granted"]);
    let mut staging_issuer = prod.clone();
    for o in &mut staging_issuer {
        if kind(o) == "Certificate" {
            o["spec"]["issuerRef"]["name"] = "letsencrypt-staging".into();
        }
        if kind(o) == "HTTPRoute" && name(o) == "grafana" {
            o["spec"]["hostnames"] = serde_json::json!(["dash.grafana.omni.cedille.club"]);
        }
    }
    assert_eq!(
        problems(&staging_issuer, true),
        [
            "listener https: dash.grafana.omni.cedille.club is not covered by [\"*.omni.cedille.club\"]",
            "Certificate wildcard: production uses staging issuer letsencrypt-staging",
        ]
    );
}
