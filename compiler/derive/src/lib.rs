//! The derive stage: objects cedc generates from the evaluated platform model.
//!
//! It runs once, between evaluation and the platform checks (see the driver's
//! pipeline): evaluation records what the user asked for (such as `grant: true` on a
//! cross-namespace reference), and each generator here reads that intent, removes the
//! marker from the model and adds the objects it implies. Generated objects are plain
//! model objects: every value's origin is the declaration that asked for them, and the
//! checks, the emitters and the index treat them exactly like written ones (schema,
//! identity, golden output).
//!
//! Invariants: deriving is pure and deterministic (the model in, the model out, no
//! hash-map order); it reads only the model, never syntax or types; it reports all it
//! finds, each diagnostic naming its environment. Each kind of generated object is one
//! module implementing [`Generator`], listed once in [`GENERATORS`].

use cedc_diagnostics::Diagnostics;
use cedc_model::{ComponentInfo, Environment, Platform, Value};

mod applications;
pub mod clusters;
mod functions;
mod grants;
mod late;
pub mod order;
mod public;
mod sandboxes;
pub mod secrets;

/// What a generator may know beyond its environment.
pub struct Context<'a> {
    /// Every component the platform declares, deployed to this environment or not.
    pub components: &'a [ComponentInfo],
    /// The virtual-cluster environments, with their hosts and addresses.
    pub hosted: &'a [clusters::Hosted],
    /// The environments delivered by the Argo CD of their host, with what the host's
    /// app-of-apps needs of them.
    pub remote: &'a [applications::Remote],
    /// The Vault serving each environment that has one.
    pub vaults: &'a [secrets::Served],
}

impl Context<'_> {
    /// Whether the platform declares a component named `name`.
    pub fn declared(&self, name: &str) -> bool {
        self.components.iter().any(|c| c.name == name)
    }
    /// The virtual cluster `env` is, when it is one.
    pub fn hosted(&self, env: &str) -> Option<&clusters::Hosted> {
        self.hosted.iter().find(|h| h.env == env)
    }
}

/// The delivery settings (a prelude `Delivery`) of the component delivering `env`, with
/// that component's namespace (where Argo CD runs).
pub(crate) fn delivery_of(env: &Environment) -> Option<(&Value, &str)> {
    env.components.iter().find_map(|c| Some((c.delivery.as_deref()?, c.namespace.as_str())))
}

/// One kind of object cedc generates. A generator sees one environment at a time,
/// after the generators listed before it in [`GENERATORS`] ran on it, and after those of
/// the earlier groups ran on every environment; it may edit its components' objects:
/// consume the markers it owns and add the objects they imply.
trait Generator: Sync {
    /// Generate into `env`. Diagnostics are returned without the environment's name;
    /// [`derive`] adds it.
    fn generate(&self, env: &mut Environment, cx: &Context) -> Diagnostics;
}

/// Every generator, in the order they run, in groups. The Applications come after the
/// objects they deploy; the public-material annotations last, on everything. A group
/// starts once the earlier ones ran on every environment: the Applications read the
/// [`Context::remote`] environments as all the generators before them left them (the
/// host of a virtual cluster admits, in its AppProject, the namespaces the virtual
/// cluster's sandboxes add). Within a group no generator reads another environment (the
/// context they read is made before the group), so each environment runs the whole
/// group as one task.
const GENERATORS: &[&[&dyn Generator]] = &[
    &[
        &grants::ReferenceGrants,
        &sandboxes::SandboxGenerator,
        &secrets::SecretSync,
        &functions::Functions,
        &late::LateKinds,
    ],
    &[&applications::Applications, &public::PublicMaterial],
];

/// Run every generator, in order, on every environment of `platform`: the environments
/// of a group ([`GENERATORS`]) in parallel; the reports by generator, then environment,
/// in declaration order.
pub fn derive(platform: &mut Platform) -> Diagnostics {
    let (hosted, mut diags) = clusters::derive(platform);
    let vaults = secrets::servers(platform);
    for group in GENERATORS {
        let remote = applications::remotes(platform, &hosted);
        let cx = Context { components: &platform.components, hosted: &hosted, remote: &remote, vaults: &vaults };
        let mut found = cedc_model::parallel::map_mut(&mut platform.envs, |env| {
            let run = |g: &&dyn Generator| g.generate(env, &cx).into_iter().map(|d| d.in_env(&env.name)).collect();
            group.iter().map(run).collect::<Vec<Diagnostics>>()
        });
        for g in 0..group.len() {
            diags.extend(found.iter_mut().flat_map(|by_generator| std::mem::take(&mut by_generator[g])));
        }
    }
    diags
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_clusters;
#[cfg(test)]
mod tests_delivery;
