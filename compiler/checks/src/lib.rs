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
