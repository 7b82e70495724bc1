//! Per-member sandboxes: a component's `sandboxes` (prelude `Sandboxes`) becomes, for
//! each member, in the namespace `<prefix>-<member>` ([`sandbox_name`]):
//!
//! - the Namespace, labelled with the member;
//! - a RoleBinding `sandbox` giving the member's user the built-in `admin` ClusterRole
//!   there (everything in the namespace, but not its quota);
//! - a ResourceQuota `sandbox` and a LimitRange `sandbox` from `quota`;
//! - for `kind: "vcluster"`, a virtual cluster released as the sandbox's name in that
//!   namespace (a component named after it, installing the vcluster chart with the
//!   sandboxes' values), and a Role `sandbox` letting the member read its kubeconfig
//!   Secret and port-forward to it (`vcluster connect`), bound instead of `admin`.
//!
//! The Applications generator then delivers the objects with the component and gives
//! each member an AppProject deploying only into their sandbox.
//!
//! Every name is derived once, from the member's entry, and checked there: a derived
//! name that is not a namespace name is E0480 at the member's `name`, a member whose
//! sandbox another member already has is E0481 there too, a `vcluster` sandbox without
//! the vcluster chart is E0482, and a sandbox component named like a declared component
//! is E0483; virtual-cluster sandboxes in a virtual cluster (nested virtual clusters the
//! host's Argo CD cannot reach) are E0484. Every generated value's origin is the member's entry (the quota settings
//! keep their own).

use crate::{Context, Generator};
use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::sandbox::{
    MEMBER_LABEL, NAMESPACE_KIND, OBJECT_NAME, SandboxQuota, Sandboxes, VCLUSTER_KIND, sandbox_name,
};
use cedc_model::{Component, Environment, Fields, Object, Value, ValueKind, View};
use cedc_types::domain::dns_label;
use serde_json::json;
use std::collections::BTreeMap;

/// Generates the sandboxes of each component that declares them.
pub struct SandboxGenerator;

impl Generator for SandboxGenerator {
    fn generate(&self, env: &mut Environment, _cx: &Context) -> Diagnostics {
        let mut diags = Vec::new();
        let mut added = Vec::new();
        let in_virtual = env.virtual_cluster().is_some();
        for c in &mut env.components {
            let Some(value) = c.sandboxes.clone() else { continue };
            let s = Sandboxes(View::new(&value));
            if in_virtual && s.kind() == VCLUSTER_KIND {
                diags.push(nested(s, c, &env.name));
                continue;
            }
            for member in valid_members(s, &mut diags) {
                c.objects.extend(member_objects(s, &member));
                if s.kind() == VCLUSTER_KIND {
                    match install(s, &member) {
                        Some(install) => added.push(install),
                        None => diags.push(no_chart(s)),
                    }
                }
            }
        }
        for c in added {
            if let Some(other) = env.components.iter().find(|o| o.name == c.name) {
                diags.push(
                    Diagnostic::error("E0483", format!("component `{}` has the name of a member's sandbox", c.name))
                        .at(c.span, "the member's sandbox")
                        .also(other.span, "the component")
                        .help("rename the component, or give the sandboxes another `prefix`"),
                );
                continue;
            }
            env.components.push(c);
        }
        diags
    }
}

/// The Namespaces the generator made in component `c`, one per member with a valid
/// sandbox (recognised by [`MEMBER_LABEL`]): what the Applications generator gives
/// AppProjects to.
pub(crate) fn member_namespaces(c: &Component) -> impl Iterator<Item = &Object> {
    use cedc_model::ObjectView;
    use cedc_model::views::core::Namespace;
    let labelled = |n: &Namespace| n.labels().and_then(|l| l.field(MEMBER_LABEL)).is_some();
    c.objects.iter().filter_map(Namespace::cast).filter(labelled).map(|n| n.object())
}

/// One member with the names derived from it.
struct Derived<'a> {
    /// The member's name, as written.
    member: String,
    /// The sandbox's name: its namespace, and its release for a virtual cluster.
    name: String,
    user: Option<View<'a>>,
    /// The member's entry: the origin of what is generated for it.
    span: Span,
}

/// The members whose sandbox names are valid and unique (E0480, E0481 for the others).
fn valid_members<'a>(s: Sandboxes<'a>, diags: &mut Diagnostics) -> Vec<Derived<'a>> {
    let prefix = s.prefix().and_then(View::str).unwrap_or(OBJECT_NAME);
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    let mut out = Vec::new();
    for member in s.members() {
        let Some(name_view) = member.name() else { continue };
        let Some(written) = name_view.str() else { continue };
        let name = sandbox_name(prefix, written);
        if let Err(why) = dns_label(&name) {
            let lower = written.to_lowercase();
            let hint = if lower != written && dns_label(&sandbox_name(prefix, &lower)).is_ok() {
                format!("write the member's name in lower case: `{lower}`")
            } else {
                "a member's name becomes part of a namespace name: lower-case letters, digits and `-`".to_string()
            };
            diags.push(
                Diagnostic::error(
                    "E0480",
                    format!("member `{written}`'s sandbox `{name}` is not a valid namespace name: {why}"),
                )
                .at(name_view.span(), "names the sandbox")
                .help(hint),
            );
            continue;
        }
        if let Some(first) = seen.get(&name) {
            diags.push(
                Diagnostic::error(
                    "E0481",
                    format!("member `{written}` has sandbox `{name}`, which another member already has"),
                )
                .at(name_view.span(), "second member")
                .also(*first, "first member")
                .help("each member has one sandbox: remove the repeated entry"),
            );
            continue;
        }
        seen.insert(name.clone(), name_view.span());
        out.push(Derived { member: written.to_string(), name, user: member.user(), span: member.span() });
    }
    out
}

/// The objects of `m`'s sandbox.
fn member_objects(s: Sandboxes, m: &Derived) -> Vec<Object> {
    let labels = json!({ MEMBER_LABEL: m.member });
    let ns = &m.name;
    let user = m.user.and_then(View::str).unwrap_or_default();
    let vcluster = s.kind() == VCLUSTER_KIND;
    let mut out = vec![object(
        json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": ns, "labels": labels },
        }),
        m.span,
    )];
    let role_ref = if vcluster {
        out.push(object(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": { "name": OBJECT_NAME, "namespace": ns, "labels": labels },
            "rules": [
                { "apiGroups": [""], "resources": ["secrets"], "resourceNames": [cedc_model::views::cluster::vcluster_credentials(ns)], "verbs": ["get"] },
                { "apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list"] },
                { "apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["create"] },
            ],
        }), m.span));
        json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": OBJECT_NAME })
    } else {
        json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin" })
    };
    let mut binding = object(
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": { "name": OBJECT_NAME, "namespace": ns, "labels": labels },
            "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user }],
            "roleRef": role_ref,
        }),
        m.span,
    );
    if let Some(u) = m.user {
        set(&mut binding.value, &["subjects"], Value::new(ValueKind::list(vec![subject(u)]), u.span()));
    }
    out.push(binding);
    out.extend(quota_objects(s.quota(), ns, &labels, m.span));
    out
}

/// A RoleBinding subject for the user `u` (the value keeps its span).
fn subject(u: View) -> Value {
    let mut f = Fields::new();
    f.insert("apiGroup".into(), Value::str("rbac.authorization.k8s.io", u.span()));
    f.insert("kind".into(), Value::str("User", u.span()));
    f.insert("name".into(), u.value().clone());
    Value::new(ValueKind::Record(f), u.span())
}

/// The ResourceQuota and the LimitRange of the sandbox `ns`.
fn quota_objects(q: Option<SandboxQuota>, ns: &str, labels: &serde_json::Value, span: Span) -> Vec<Object> {
    let text = |k: &str| -> Value {
        match q.and_then(|q| q.get(k)) {
            Some(v) if v.int().is_some() => Value::str(&v.int().unwrap_or_default().to_string(), v.span()),
            Some(v) => v.value().clone(),
            None => Value::str("", span),
        }
    };
    let mut quota = object(
        json!({
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": { "name": OBJECT_NAME, "namespace": ns, "labels": labels },
            "spec": { "hard": {} },
        }),
        span,
    );
    let mut hard = Fields::new();
    for (key, setting) in [
        ("requests.cpu", "cpu"),
        ("limits.cpu", "cpu"),
        ("requests.memory", "memory"),
        ("limits.memory", "memory"),
        ("requests.storage", "storage"),
        ("pods", "pods"),
    ] {
        hard.insert(key.into(), text(setting));
    }
    set(&mut quota.value, &["spec", "hard"], Value::new(ValueKind::Record(hard), span));
    let mut limits = object(
        json!({
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": { "name": OBJECT_NAME, "namespace": ns, "labels": labels },
            "spec": { "limits": [] },
        }),
        span,
    );
    let resources = || {
        let mut f = Fields::new();
        f.insert("cpu".into(), text("default_cpu"));
        f.insert("memory".into(), text("default_memory"));
        Value::new(ValueKind::Record(f), span)
    };
    let mut item = Fields::new();
    item.insert("type".into(), Value::str("Container", span));
    item.insert("default".into(), resources());
    item.insert("defaultRequest".into(), resources());
    set(
        &mut limits.value,
        &["spec", "limits"],
        Value::new(ValueKind::list(vec![Value::new(ValueKind::Record(item), span)]), span),
    );
    vec![quota, limits]
}

/// The component installing `m`'s virtual cluster, or `None` without a chart.
fn install(s: Sandboxes, m: &Derived) -> Option<Component> {
    let chart = s.chart()?;
    let mut c = Component::new(&m.name, m.span, &m.name, Vec::new());
    let mut fields = Fields::new();
    fields.insert("chart".into(), chart.view().value().clone());
    fields.insert("version".into(), chart.version()?.value().clone());
    fields.insert("name".into(), Value::str(&m.name, m.span));
    if let Some(values) = s.values() {
        fields.insert("values".into(), values.value().clone());
    }
    c.chart = Some(Box::new(Value::new(ValueKind::Record(fields), m.span)));
    Some(c)
}

/// E0484: virtual-cluster sandboxes placed in a virtual cluster.
fn nested(s: Sandboxes, c: &Component, env: &str) -> Diagnostic {
    Diagnostic::error(
        "E0484",
        format!("`{}` makes virtual-cluster sandboxes in `{env}`, which is itself a virtual cluster", c.name),
    )
    .at(c.placed_at, "placed in a virtual cluster")
    .also(s.view().span_of("kind"), "virtual-cluster sandboxes")
    .help("place virtual-cluster sandboxes in a host environment (`envs:`), as vcluster installs them and Argo CD reaches them from there, or make them namespaces here (`kind: \"namespace\"`)")
}

fn no_chart(s: Sandboxes) -> Diagnostic {
    Diagnostic::error("E0482", "`vcluster` sandboxes need the vcluster chart to install".to_string())
        .at(s.span(), "no `chart`")
        .help(format!(
            "make the sandboxes with `clusters.sandboxes(members: ..., kind: \"{VCLUSTER_KIND}\")` (std/clusters), which gives the chart and its values, or use `kind: \"{NAMESPACE_KIND}\"`"
        ))
}

/// A model object from generated JSON, every value's origin at `span`.
fn object(json: serde_json::Value, span: Span) -> Object {
    Object::from_json(&json, span)
}

/// Replace the value at `path` (record keys) of `v` with `new`.
fn set(v: &mut Value, path: &[&str], new: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut at = v;
    for key in parents {
        let ValueKind::Record(f) = &mut at.kind else { return };
        let Some(next) = f.get_mut(key) else { return };
        at = next;
    }
    if let ValueKind::Record(f) = &mut at.kind {
        f.insert((*last).into(), new);
    }
}
