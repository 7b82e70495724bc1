//! Kubernetes versions: an environment's cluster states the Kubernetes version it runs
//! (`clusters.host(kubernetes: "1.31", ...)`), and its objects must use APIs that version
//! serves.
//!
//! The schemas objects are validated against are those of one Kubernetes version (the
//! one cedc is built with, [`cedc_schema::core::kubernetes_version`]). What the declared
//! version selects is the set of API kinds: [`APIS`] lists, for the kinds that became
//! generally available from 1.19 on, the minor version that first serves them, and an
//! object of such a kind in an environment running an older version is E0457. Field-level
//! differences between versions are not checked; a version outside the range cedc can
//! speak for (older than [`OLDEST`], or newer than its schemas) is E0458, a warning that
//! says so, and a version that is not `1.N` or `1.N.P` is E0458 as an error.
//!
//! Invariants: each object is one look-up in [`APIS`] (a sorted table, searched by
//! group, version and kind).

use cedc_diagnostics::{Diagnostic, Diagnostics};
use cedc_model::{Component, Environment, View};

/// The oldest minor version the table speaks for.
pub const OLDEST: u32 = 19;

/// (group, version, kind, first minor serving it by default), sorted by group, version
/// and kind. Facts from the Kubernetes release notes and API deprecation guide.
const APIS: &[(&str, &str, &str, u32)] = &[
    ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", 30),
    ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", 30),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", 23),
    ("batch", "v1", "CronJob", 21),
    ("discovery.k8s.io", "v1", "EndpointSlice", 21),
    ("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema", 29),
    ("flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration", 29),
    ("networking.k8s.io", "v1", "IPAddress", 33),
    ("networking.k8s.io", "v1", "ServiceCIDR", 33),
    ("node.k8s.io", "v1", "RuntimeClass", 20),
    ("policy", "v1", "PodDisruptionBudget", 21),
    ("resource.k8s.io", "v1", "DeviceClass", 34),
    ("resource.k8s.io", "v1", "ResourceClaim", 34),
    ("resource.k8s.io", "v1", "ResourceClaimTemplate", 34),
    ("resource.k8s.io", "v1", "ResourceSlice", 34),
    ("storage.k8s.io", "v1", "CSIStorageCapacity", 24),
    ("storage.k8s.io", "v1", "VolumeAttributesClass", 34),
];

use cedc_model::views::cluster::kubernetes_minor as minor;

/// The first minor version serving `apiVersion`/`kind`, when the table knows it.
fn since(api_version: &str, kind: &str) -> Option<u32> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let key = (group, version, kind);
    APIS.binary_search_by(|(g, v, k, _)| (*g, *v, *k).cmp(&key)).ok().map(|i| APIS[i].3)
}

/// Check the declared version of `env` and the APIs its objects use.
pub fn check(env: &Environment, diags: &mut Diagnostics) {
    let Some(declared) = env.cluster().and_then(|c| c.kubernetes()) else { return };
    let Some(text) = declared.str() else { return };
    let schemas = cedc_schema::core::kubernetes_version();
    let Some(minor) = minor(text) else {
        diags.push(
            Diagnostic::error("E0458", format!("`{text}` is not a Kubernetes version"))
                .at(declared.span(), "expected `1.N` or `1.N.P`")
                .help(format!("write the version the cluster runs, as `{schemas}` or `{schemas}.2`"))
                .in_env(&env.name),
        );
        return;
    };
    range(env, declared, minor, schemas, diags);
    for c in &env.components {
        apis(env, c, text, minor, diags);
    }
}

/// E0458 (warning) when cedc cannot speak for version `1.<minor>`.
fn range(env: &Environment, declared: View, minor: u32, schemas: &str, diags: &mut Diagnostics) {
    let newest = self::minor(schemas).unwrap_or(0);
    let why = if minor > newest {
        format!(
            "its objects are validated against the Kubernetes {schemas} schemas, older than the cluster: fields and kinds added since are refused or unchecked"
        )
    } else if minor < OLDEST {
        format!(
            "cedc knows which kinds Kubernetes serves from 1.{OLDEST} on; older APIs are not checked, and objects are validated against the {schemas} schemas"
        )
    } else {
        return;
    };
    diags.push(
        Diagnostic::warning("E0458", format!("`{}` runs Kubernetes 1.{minor}: {why}", env.name))
            .at(declared.span(), "the declared version")
            .help(format!("declare a version from 1.{OLDEST} to {schemas}, or upgrade cedc when the cluster is newer"))
            .in_env(&env.name),
    );
}

/// E0457 for each object of `c` whose kind `1.<minor>` does not serve yet.
fn apis(env: &Environment, c: &Component, text: &str, minor: u32, diags: &mut Diagnostics) {
    for o in &c.objects {
        let Some(first) = since(&o.api_version, &o.kind) else { continue };
        if first <= minor {
            continue;
        }
        let at = o.value.path(&["apiVersion"]).map_or(o.name_span(), |v| v.span());
        diags.push(
            Diagnostic::error(
                "E0457",
                format!("{} `{}` needs Kubernetes 1.{first}, and `{}` runs {text}", o.kind, o.name, env.name),
            )
            .at(at, format!("{} {} is served from Kubernetes 1.{first}", o.kind, o.api_version))
            .help(format!(
                "upgrade the cluster to 1.{first} (and declare it), or leave this object out of `{}` (`envs:`)",
                env.name
            ))
            .in_env(&env.name),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_so_that_lookups_find_every_entry() {
        for w in APIS.windows(2) {
            assert!((w[0].0, w[0].1, w[0].2) < (w[1].0, w[1].1, w[1].2), "{:?} before {:?}", w[0], w[1]);
        }
        for (g, v, k, m) in APIS {
            let api = if g.is_empty() { v.to_string() } else { format!("{g}/{v}") };
            assert_eq!(since(&api, k), Some(*m));
        }
        assert_eq!(since("v1", "ConfigMap"), None);
    }

    #[test]
    fn versions_are_read_as_kubernetes_writes_them() {
        assert_eq!(minor("1.34"), Some(34));
        assert_eq!(minor("1.29.6"), Some(29));
        for bad in ["1", "v1.34", "1.", "1.x", "2.0", "1.34.", "1.34.1.2", ""] {
            assert_eq!(minor(bad), None, "{bad}");
        }
    }
}
