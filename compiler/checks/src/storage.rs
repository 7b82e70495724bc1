//! Storage: every claim (a PersistentVolumeClaim, or a StatefulSet's
//! `volumeClaimTemplates` entry) names a StorageClass its cluster has, and asks for an
//! access mode that class's provisioner serves.
//!
//! - E0470: the claim asks for `ReadWriteMany` or `ReadOnlyMany` and the class's
//!   provisioner does not serve it for the claim's volume mode (the table in
//!   [`cedc_model::views::storage::PROVISIONERS`]: Mayastor serves `ReadWriteOnce` only);
//! - E0471: the claim names a StorageClass that no component provides where the claim is
//!   served: in its environment, or — for a virtual cluster, which passes its claims to
//!   its host — in the host (and in the virtual cluster itself when it syncs its
//!   StorageClasses to the host);
//! - E0472 (a warning): the claim names no class, and no StorageClass there is the
//!   default, so nothing provisions it.
//!
//! Classes are checked only where cedc knows them: some StorageClass is declared there,
//! the environment declares its cluster, or cedc delivers it. A claim with
//! `storageClassName: ""` asks for a pre-made volume (not checked); one without a class
//! gets the default.
//!
//! Invariants: the StorageClasses are indexed once per environment; each claim is one
//! look-up.

use cedc_diagnostics::{Diagnostic, Diagnostics, did_you_mean};
use cedc_model::views::cluster::Sync;
use cedc_model::views::core::Workload;
use cedc_model::views::storage::{self, ClaimSpec, PersistentVolumeClaim, StorageClass};
use cedc_model::{Component, Environment, ObjectView, Platform, View};
use std::collections::BTreeMap;

/// The StorageClasses claims of an environment are served by, and where they are.
struct Classes<'a> {
    by_name: BTreeMap<&'a str, StorageClass<'a>>,
    /// `this environment`, or `its host `prod``.
    place: String,
    /// Some class is marked the default.
    has_default: bool,
}

impl<'a> Classes<'a> {
    fn new(by_name: BTreeMap<&'a str, StorageClass<'a>>, place: String) -> Classes<'a> {
        let has_default = by_name.values().any(|c| c.is_default());
        Classes { by_name, place, has_default }
    }

    /// The classes' names, for help lines: `` `a`, `b` ``.
    fn listed(&self) -> String {
        self.by_name.keys().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    }
}

fn classes_of(env: &Environment) -> impl Iterator<Item = StorageClass<'_>> {
    env.components.iter().flat_map(Component::visible_objects).filter_map(StorageClass::cast)
}

fn classes<'a>(platform: &'a Platform, env: &'a Environment) -> Classes<'a> {
    let (Some(v), Some(host)) = (env.virtual_cluster(), platform.host_of(env)) else {
        let by_name = classes_of(env).map(|c| (c.name(), c)).collect();
        return Classes::new(by_name, "this environment".into());
    };
    let mut by_name: BTreeMap<&str, StorageClass> = classes_of(host).map(|c| (c.name(), c)).collect();
    let place = if v.syncs(Sync::StorageClasses) {
        by_name.extend(classes_of(env).map(|c| (c.name(), c)));
        format!("its host `{}` (with the classes this virtual cluster syncs there)", host.name)
    } else {
        format!("its host `{}` (a virtual cluster's claims are provisioned there)", host.name)
    };
    Classes::new(by_name, place)
}

/// Check every claim of `env`.
pub fn check(platform: &Platform, env: &Environment, diags: &mut Diagnostics) {
    let mut claims = Vec::new();
    for o in env.components.iter().flat_map(|c| c.objects.iter()) {
        if let Some(pvc) = PersistentVolumeClaim::cast(o) {
            claims.extend(pvc.claim().map(|c| (o, format!("PersistentVolumeClaim `{}`", pvc.name()), c)));
        } else if let Some(w) = Workload::cast(o) {
            for t in w.view().items_at(&["spec", "volumeClaimTemplates"]) {
                let name = t.at(&["metadata", "name"]).and_then(View::str).unwrap_or("?");
                claims.extend(
                    t.field("spec")
                        .map(|s| (o, format!("claim `{name}` of {} `{}`", w.kind(), w.name()), ClaimSpec(s))),
                );
            }
        }
    }
    if claims.is_empty() {
        return;
    }
    let classes = classes(platform, env);
    let known = !classes.by_name.is_empty() || env.cluster().is_some() || !env.delivery.is_empty();
    if !known {
        return;
    }
    let mut out = Vec::new();
    for (o, what, claim) in claims {
        let from = out.len();
        claim_check(&what, claim, &classes, &mut out);
        crate::at_input(&mut out[from..], o);
    }
    diags.extend(out.into_iter().map(|d| d.in_env(&env.name)));
}

/// E0472 (a warning) for a claim naming no class where no StorageClass is the default:
/// nothing provisions it.
fn default_class(what: &str, claim: ClaimSpec, classes: &Classes, out: &mut Vec<Diagnostic>) {
    if classes.has_default {
        return;
    }
    let help = if classes.by_name.is_empty() {
        format!("no StorageClass exists in {}: deploy the storage system the claim needs there", classes.place)
    } else {
        format!(
            "name one of {} in `storageClassName`, or mark one default (`{}: \"true\"`)",
            classes.listed(),
            storage::DEFAULT_CLASS_ANNOTATION
        )
    };
    out.push(
        Diagnostic::warning(
            "E0472",
            format!("{what} names no StorageClass, and none is the default in {}", classes.place),
        )
        .at(claim.span(), "no class, no default")
        .help(help),
    );
}

fn claim_check(what: &str, claim: ClaimSpec, classes: &Classes, out: &mut Vec<Diagnostic>) {
    let Some(name_view) = claim.class_name() else {
        default_class(what, claim, classes, out);
        return;
    };
    let Some(name) = name_view.str().filter(|n| !n.is_empty()) else { return };
    let Some(class) = classes.by_name.get(name) else {
        let help = match did_you_mean(name, classes.by_name.keys().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if classes.by_name.is_empty() => format!(
                "no StorageClass exists in {}: deploy the storage system that provides it there (its chart installs its classes); a class the cluster comes with is listed in a component's `made_outside` (`k8s.outside(\"StorageClass\", \"{name}\")`)",
                classes.place
            ),
            None => format!("the classes there are {}", classes.listed()),
        };
        out.push(
            Diagnostic::error(
                "E0471",
                format!("{what} names StorageClass `{name}`, which does not exist in {}", classes.place),
            )
            .at(name_view.span(), "no such StorageClass")
            .help(help),
        );
        return;
    };
    let Some(provisioner) = class.provisioner() else { return };
    let mode = claim.volume_mode();
    let Some(served) = storage::access_modes(provisioner, mode) else { return };
    for m in claim.access_modes() {
        let Some(text) = m.str() else { continue };
        let many = text == storage::READ_WRITE_MANY || text == storage::READ_ONLY_MANY;
        if !many || served.contains(&text) {
            continue;
        }
        let list: Vec<String> = served.iter().map(|s| format!("`{s}`")).collect();
        out.push(
            Diagnostic::error(
                "E0470",
                format!("{what} asks for {text}, which `{provisioner}` (StorageClass `{name}`) does not serve for {mode} volumes"),
            )
            .at(m.span(), "not served by this class")
            .also(name_view.span(), "the class")
            .help(format!(
                "`{provisioner}` serves {} for {mode} volumes: ask for `ReadWriteOnce`, or use a class of a shared file system (CephFS, NFS) for volumes several nodes write",
                if list.is_empty() { "no access mode".into() } else { list.join(", ") }
            )),
        );
    }
}
