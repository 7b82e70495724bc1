//! Checks over the evaluated platform model, run for every environment. Each problem is
//! reported at the `.ced` span that produced the offending value (provenance).

use cedc_diagnostics::{Diagnostic, Diagnostics};
use cedc_model::{ObjectId, PathSeg, Platform, is_cluster_scoped};
use std::collections::BTreeMap;

pub fn check(platform: &Platform) -> Diagnostics {
    let mut diags = Vec::new();
    for env in &platform.envs {
        let mut seen: BTreeMap<ObjectId, (&str, cedc_diagnostics::Span)> = BTreeMap::new();
        for c in &env.components {
            for o in &c.objects {
                let name_origin = o.value.origin_at(&[PathSeg::Key("metadata".into()), PathSeg::Key("name".into())]);
                if let Err(why) = cedc_types::domain::dns_subdomain(&o.name) {
                    diags.push(
                        Diagnostic::error("E0040", format!("`{}` is not a valid object name: {why}", o.name))
                            .at(name_origin.span, "invalid name")
                            .help(cedc_types::Domain::Name.help())
                            .note(format!("in environment `{}`", env.name)),
                    );
                }
                if is_cluster_scoped(o.group(), &o.kind)
                    && let Some(ns) = o.value.path(&["metadata", "namespace"])
                {
                    diags.push(
                        Diagnostic::error("E0071", format!("{} is cluster-scoped and cannot have a namespace", o.kind))
                            .at(ns.span(), "namespace given here")
                            .help(format!("remove `namespace` from this {}", o.kind))
                            .note(format!("in environment `{}`", env.name)),
                    );
                }
                check_labels(o, &env.name, &mut diags);
                let id = o.id();
                match seen.get(&id) {
                    Some((other, span)) => {
                        let where_ = if *other == c.name {
                            format!("twice in component `{}`", c.name)
                        } else {
                            format!("in components `{other}` and `{}`", c.name)
                        };
                        diags.push(
                            Diagnostic::error("E0070", format!("{id} is defined {where_}"))
                                .at(name_origin.span, "second definition")
                                .also(*span, "first definition")
                                .help("each object (group, kind, namespace, name) exists once per environment: rename one or remove it")
                                .note(format!("in environment `{}`", env.name)),
                        );
                    }
                    None => {
                        seen.insert(id, (c.name.as_str(), name_origin.span));
                    }
                }
            }
        }
    }
    diags
}

/// Label keys (`[prefix/]name`) and values follow Kubernetes' syntax rules: the API
/// server would reject the object otherwise.
fn check_labels(o: &cedc_model::Object, env: &str, diags: &mut Diagnostics) {
    let Some(labels) = o.value.path(&["metadata", "labels"]).and_then(|l| l.as_record()) else { return };
    for (k, v) in labels {
        let problem = label_key(k).map(|why| format!("label key `{k}` is invalid: {why}")).or_else(|| {
            v.as_str()
                .and_then(|s| label_value(s).map(|why| format!("label value \"{s}\" (key `{k}`) is invalid: {why}")))
        });
        if let Some(msg) = problem {
            diags.push(
                Diagnostic::error("E0045", msg)
                    .at(v.span(), "used as a label here")
                    .help("label values are at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (or empty); keys are an optional DNS prefix and `/`, then a name of the same form")
                    .note(format!("in environment `{env}`")),
            );
        }
    }
}

fn label_value(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if s.len() > 63 {
        return Some(format!("it is {} characters long; the limit is 63", s.len()));
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Some(format!("it contains `{c}`"));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(s.chars().next()) || !edge(s.chars().last()) {
        return Some("it must start and end with a letter or digit".into());
    }
    None
}

fn label_key(k: &str) -> Option<String> {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    if let Some(p) = prefix
        && let Err(why) = cedc_types::domain::dns_subdomain(p)
    {
        return Some(format!("prefix `{p}`: {why}"));
    }
    if name.is_empty() {
        return Some("the name part is empty".into());
    }
    label_value(name)
}
