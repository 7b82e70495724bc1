//! The registry of diagnostic codes. Codes are stable: a code is never reused for a
//! different problem. A code that stops being reported is retired, not removed: it
//! stays listed (and explained, naming its successors) in [`RETIRED`]. The long
//! explanation of each code lives in `docs/diagnostics.md` (one source of truth for
//! `cedc explain` and the docs); a test keeps both in step.

/// `(code, short title)` for every code cedc can report.
pub const CODES: &[(&str, &str)] = &[
    ("E0001", "syntax error"),
    ("E0002", "source file is not valid UTF-8 or cannot be read"),
    ("E0003", "nesting too deep"),
    ("E0004", "invalid string escape or literal"),
    ("E0010", "imported file not found"),
    ("E0011", "import cycle"),
    ("E0012", "invalid import path"),
    ("E0013", "import chain too long"),
    ("E0014", "dependency not available"),
    ("E0015", "dependency cannot be fetched or published"),
    ("E0020", "undefined name"),
    ("E0021", "duplicate declaration"),
    ("E0022", "unknown field"),
    ("E0023", "not a function"),
    ("E0024", "cyclic definition"),
    ("E0030", "type mismatch (retired: split into E0039 and E0300–E0318)"),
    ("E0031", "missing required field"),
    ("E0032", "missing argument"),
    ("E0033", "unknown or repeated argument"),
    ("E0034", "non-exhaustive match"),
    ("E0035", "unknown environment"),
    ("E0036", "environments declare different fields"),
    ("E0037", "value may be none"),
    ("E0038", "unknown type"),
    ("E0039", "wrong type"),
    ("E0040", "invalid Kubernetes name"),
    ("E0041", "invalid port"),
    ("E0042", "invalid quantity"),
    ("E0043", "invalid hostname"),
    ("E0044", "invalid duration"),
    ("E0045", "invalid label value"),
    ("E0050", "override target not found"),
    ("E0051", "conflicting overrides"),
    ("E0060", "evaluation error"),
    ("E0061", "recursion limit reached"),
    ("E0062", "value not in enum"),
    ("E0063", "evaluation size budget exceeded"),
    ("E0064", "evaluation step budget exceeded"),
    ("E0070", "duplicate object"),
    ("E0071", "invalid component"),
    ("E0072", "value cannot be written to YAML"),
    ("E0080", "project configuration error"),
    ("E0081", "no environments declared"),
    ("E0090", "output directory conflict"),
    ("E0100", "unknown field in a Kubernetes object"),
    ("E0101", "wrong type in a Kubernetes object"),
    ("E0102", "missing required field in a Kubernetes object"),
    ("E0103", "value not allowed in a Kubernetes object"),
    ("E0104", "value breaks a schema rule"),
    ("E0105", "unknown kind"),
    ("E0110", "invalid CRD file"),
    ("E0120", "route attached to a Gateway that does not exist"),
    ("E0121", "route names a listener or port the Gateway lacks"),
    ("E0122", "Gateway does not admit the route"),
    ("E0123", "route hostnames meet no listener"),
    ("E0124", "backend Service or port does not exist"),
    ("E0125", "cross-namespace reference without a ReferenceGrant"),
    ("E0126", "HTTPS listener without TLS"),
    ("E0127", "hostname outside the environment's domains"),
    ("E0128", "hostname and path claimed by two routes"),
    ("E0129", "GatewayClass missing or not served"),
    ("E0130", "certificate issuer does not exist"),
    ("E0131", "production environment uses a staging issuer"),
    ("E0132", "certificate does not cover a served hostname"),
    ("E0133", "ACME issuer cannot validate a certificate name"),
    ("E0134", "listener certificate provided by nothing"),
    ("E0135", "two Certificates write one Secret"),
    ("E0140", "workload selector that misses its own pod template"),
    ("E0141", "Service selecting no pods"),
    ("E0142", "Service without selector nor endpoints"),
    ("E0143", "Service port on none of its pods"),
    ("E0144", "volume mount naming no volume of its pod"),
    ("E0145", "pod reading a ConfigMap, claim or ServiceAccount the platform does not make"),
    ("E0146", "ConfigMap key read that the ConfigMap does not have"),
    ("E0147", "policy or budget selecting no pods"),
    ("E0148", "Ingress TLS hosts and rule hosts disagree"),
    ("E0149", "Ingress certificate Secret made by nothing"),
    ("E0150", "certificate Secret that is not a TLS Secret"),
    ("E0151", "workload name too long for the names derived from it"),
    ("E0152", "in-cluster address naming a Service that does not exist"),
    ("E0153", "short Service name read from another namespace"),
    ("E0154", "composite apiVersion or kind breaking Kubernetes' naming rules"),
    ("E0155", "composite spec that a Kubernetes schema cannot describe"),
    ("E0156", "composite's spec used where its value is needed"),
    ("E0157", "two composed resources with one name"),
    ("E0158", "composed resource of a kind no installed provider serves"),
    ("E0159", "patch setting a field the composed resource does not have"),
    ("E0160", "composed resource named the same for every composite"),
    ("E0161", "composite field no patch reads"),
    ("E0162", "Composition of a version its definition does not serve"),
    ("E0163", "`composite_name()` outside a composite's body"),
    ("E0164", "patch giving a value of the wrong type"),
    ("E0165", "readiness check or connection detail reading what the composed resource does not have"),
    ("E0166", "composite's claims declared in a way a definition cannot have"),
    ("E0300", "environment field with a computed name"),
    ("E0301", "computed field name in a record"),
    ("E0302", "`with` on a value that is not a record or map"),
    ("E0303", "value cannot be put in a string"),
    ("E0304", "`...` on a value that is not a list"),
    ("E0305", "list items of different types"),
    ("E0306", "record indexed with a computed key"),
    ("E0307", "value cannot be indexed"),
    ("E0308", "branches of different types"),
    ("E0309", "function used as a value"),
    ("E0310", "type used as a value"),
    ("E0311", "module used as a value"),
    ("E0312", "module declaration that is not a value"),
    ("E0313", "value has no fields"),
    ("E0314", "comparison of values that are never equal"),
    ("E0315", "`+` on a value it does not apply to"),
    ("E0316", "`for` over a value that is not a list or map"),
    ("E0317", "pattern cannot match the value"),
    ("E0318", "built-in function given a value it does not take"),
    ("E0400", "two components deliver one environment"),
    ("E0401", "chart version is not exact"),
    ("E0402", "chart version differs from its module"),
    ("E0403", "components wait for each other"),
    ("E0404", "`after` names no component"),
    ("E0405", "two components install one CRD"),
    ("E0406", "two Helm releases with one name"),
    ("E0407", "container image not pinned"),
    ("E0408", "production tracks a moving revision"),
    ("E0409", "kind whose CRD nothing installs"),
    ("E0410", "Argo CD installed without the Application health check"),
    ("E0411", "Application source names no chart, path or ref"),
    ("E0412", "`$values` outside a values file or without a `ref` source"),
    ("E0413", "Helm source without `targetRevision`"),
    ("E0414", "Application destination or project that does not exist"),
    ("E0415", "Application path that cedc does not write"),
    ("E0416", "Argo CD RBAC policy line that is wrong"),
    ("E0417", "Application source that is not pinned"),
    ("E0418", "ApplicationSet selecting clusters that no registration matches"),
    ("E0425", "chart cannot be read"),
    ("E0426", "invalid Chart.yaml"),
    ("E0427", "chart version is not exact SemVer"),
    ("E0428", "invalid values.yaml"),
    ("E0429", "invalid values.schema.json"),
    ("E0430", "chart too large"),
    ("E0431", "chart values nested too deep"),
    ("E0432", "chart values have too many fields"),
    ("E0433", "invalid chart archive"),
    ("E0434", "`helm template` failed"),
    ("E0435", "invalid chart repository"),
    ("E0436", "chart repository not given"),
    ("E0437", "chart module cannot be written"),
    ("E0438", "repository cannot be imported"),
    ("E0440", "`component_name()` outside a component"),
    ("E0441", "interpolated field name in a record type or override path"),
    ("E0450", "virtual cluster whose host is not a host cluster"),
    ("E0451", "virtual cluster release name too long"),
    ("E0452", "two virtual clusters in one host namespace"),
    ("E0453", "component named like a virtual cluster's install"),
    ("E0454", "Ingress class that does not exist where the Ingress is served"),
    ("E0455", "Ingress served by no controller"),
    ("E0456", "Ingress backend that does not exist"),
    ("E0457", "API not served by the environment's Kubernetes version"),
    ("E0458", "Kubernetes version that cedc cannot check against"),
    ("E0459", "virtual cluster image of another Kubernetes version"),
    ("E0460", "host-only component in a virtual cluster"),
    ("E0461", "more replicas than nodes to spread them on"),
    ("E0462", "quorum that cannot be scheduled on its cluster"),
    ("E0463", "quorum that a node restart stops"),
    ("E0464", "quorum without a spare node"),
    ("E0465", "quorum without members"),
    ("E0470", "access mode the StorageClass's provisioner does not serve"),
    ("E0471", "claim naming a StorageClass that does not exist"),
    ("E0472", "claim without a class where none is the default"),
    ("E0473", "pod reading a Secret the platform does not make"),
    ("E0474", "Secret key read that the Secret does not have"),
    ("E0475", "public material without a reason"),
    ("E0476", "virtual cluster registration without its credentials"),
    ("E0480", "member name that makes an invalid sandbox name"),
    ("E0481", "two members with one sandbox"),
    ("E0482", "vcluster sandboxes without the vcluster chart"),
    ("E0483", "component named like a member's sandbox"),
    ("E0484", "virtual-cluster sandboxes in a virtual cluster"),
    ("E0485", "vcluster chart version whose values cedc does not write"),
    ("E0486", "two Vault paths synced into one Secret"),
    ("E0487", "Vault secret read where no Vault serves"),
    ("E0488", "reader the Vault role does not admit"),
    ("E0489", "secret read no policy permits"),
    ("E0490", "private key or certificate request in the platform"),
    ("E0491", "token in the platform"),
    ("E0492", "credential given a literal value"),
    ("E0493", "object exported from a live cluster"),
    ("E0494", "Secret contents written in the platform"),
    ("E0495", "secret used where a secret cannot go"),
    ("E0496", "Vault path cedc cannot read"),
    ("E0497", "invalid secret key or Secret name"),
    ("E0498", "Vault mount not declared or not KV version 2"),
    ("E0499", "Vault policy rule cedc cannot write"),
];

/// Codes that are no longer reported. They stay in [`CODES`] and in the docs (whose
/// section names the codes that replaced them), so `cedc explain` still answers.
pub const RETIRED: &[&str] = &["E0030"];

/// `code` was retired: nothing reports it any more.
pub fn is_retired(code: &str) -> bool {
    RETIRED.iter().any(|c| c.eq_ignore_ascii_case(code))
}

pub fn lookup(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)).map(|(_, t)| *t)
}

const DOCS: &str = include_str!("../../../docs/diagnostics.md");

/// The long explanation of `code`, from `docs/diagnostics.md`: the text under the
/// heading `## E0001: ...` up to the next `## ` heading.
pub fn explain(code: &str) -> Option<String> {
    let code = code.to_ascii_uppercase();
    lookup(&code)?;
    let mut out: Option<String> = None;
    for line in DOCS.lines() {
        if let Some(rest) = line.strip_prefix("## ") {
            if out.is_some() {
                break;
            }
            if rest.split(':').next().map(str::trim) == Some(code.as_str()) {
                out = Some(format!("{rest}\n"));
            }
            continue;
        }
        if let Some(o) = out.as_mut() {
            o.push_str(line);
            o.push('\n');
        }
    }
    out.map(|o| o.trim_end().to_string() + "\n")
}

/// Codes that have a section in `docs/diagnostics.md`.
pub fn documented_codes() -> Vec<String> {
    DOCS.lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|r| r.split(':').next())
        .map(|c| c.trim().to_string())
        .filter(|c| c.starts_with('E'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented_once_and_nothing_else_is() {
        let documented = documented_codes();
        for (code, _) in CODES {
            assert_eq!(
                documented.iter().filter(|c| c == code).count(),
                1,
                "{code} must have exactly one section in docs/diagnostics.md"
            );
            let text = explain(code).unwrap_or_default();
            assert!(text.lines().count() >= 3, "{code}: explanation too short:\n{text}");
        }
        for code in &documented {
            assert!(lookup(code).is_some(), "docs/diagnostics.md documents {code}, which is not a registered code");
        }
    }

    #[test]
    fn retired_codes_stay_registered_and_name_their_successors() {
        for code in RETIRED {
            assert!(lookup(code).is_some(), "{code} is retired, so it stays registered");
            let text = explain(code).unwrap_or_default();
            assert!(text.to_lowercase().contains("retired"), "{code}: its explanation must say it is retired:\n{text}");
            let successors: Vec<&str> =
                CODES.iter().map(|(c, _)| *c).filter(|c| *c != *code && !is_retired(c) && text.contains(c)).collect();
            assert!(!successors.is_empty(), "{code}: its explanation must name the codes that replaced it");
        }
    }

    #[test]
    fn explain_is_case_insensitive_and_rejects_unknown_codes() {
        assert!(explain("e0001").is_some());
        assert!(explain("E9999").is_none());
    }
}
