//! Crossplane's core kinds: the composition machinery (`apiextensions.crossplane.io`:
//! CompositeResourceDefinition, which declares a composite resource's API, at `v2` and
//! the older `v1`, and Composition, the pipeline of functions that composes it), the
//! packages (`pkg.crossplane.io`: Provider, Function, Configuration, and the
//! DeploymentRuntimeConfig a package's pods run with), and the input of
//! function-patch-and-transform (`pt.fn.crossplane.io`: Resources), the function most
//! pipelines start with. Groups, versions and kind names are written here once; the
//! accessors apply Crossplane's documented defaults (an XRD's `scope` is `Namespaced` at
//! `v2`, `LegacyCluster` at `v1`; a Composition's `mode` is `Pipeline`; a package runs
//! with the DeploymentRuntimeConfig named `default`).

use crate::view::{Items, ObjectView, View};

/// The API group of CompositeResourceDefinitions and Compositions.
pub const APIEXTENSIONS_GROUP: &str = "apiextensions.crossplane.io";
/// The version of CompositeResourceDefinitions cedc writes (Crossplane v2).
pub const APIEXTENSIONS_V2: &str = "v2";
/// The older version of CompositeResourceDefinitions, and the one of Compositions.
pub const APIEXTENSIONS_V1: &str = "v1";
/// `apiVersion` of the CompositeResourceDefinitions cedc writes.
pub const XRD_API_VERSION: &str = "apiextensions.crossplane.io/v2";
/// `apiVersion` of a v1 CompositeResourceDefinition: the form with claims.
pub const XRD_API_VERSION_V1: &str = "apiextensions.crossplane.io/v1";
/// `apiVersion` of a Composition.
pub const COMPOSITION_API_VERSION: &str = "apiextensions.crossplane.io/v1";
/// The declaration of a composite resource's API (an "XRD").
pub const COMPOSITE_RESOURCE_DEFINITION: &str = "CompositeResourceDefinition";
/// How a composite resource is composed: a pipeline of functions.
pub const COMPOSITION: &str = "Composition";

/// An XRD scope: composite resources live in a namespace (`v2`'s default).
pub const SCOPE_NAMESPACED: &str = "Namespaced";
/// An XRD scope: cluster-scoped composite resources.
pub const SCOPE_CLUSTER: &str = "Cluster";
/// An XRD scope: cluster-scoped composite resources with claims, as in Crossplane v1
/// (`v1`'s default).
pub const SCOPE_LEGACY_CLUSTER: &str = "LegacyCluster";
/// The only composition mode of Crossplane v2 (and the default).
pub const MODE_PIPELINE: &str = "Pipeline";

/// The API group of Crossplane's packages.
pub const PKG_GROUP: &str = "pkg.crossplane.io";
/// The version of Provider, Function and Configuration cedc writes.
pub const PKG_VERSION: &str = "v1";
/// `apiVersion` of Providers, Functions and Configurations.
pub const PKG_API_VERSION: &str = "pkg.crossplane.io/v1";
/// A package of managed resources and their controller.
pub const PROVIDER: &str = "Provider";
/// A package of a composition function.
pub const FUNCTION: &str = "Function";
/// A package of XRDs and Compositions (and its dependencies).
pub const CONFIGURATION: &str = "Configuration";
/// The version of DeploymentRuntimeConfig.
pub const RUNTIME_CONFIG_VERSION: &str = "v1beta1";
/// `apiVersion` of DeploymentRuntimeConfigs.
pub const RUNTIME_CONFIG_API_VERSION: &str = "pkg.crossplane.io/v1beta1";
/// How a Provider's or Function's pods run (their Deployment, Service and
/// ServiceAccount templates).
pub const DEPLOYMENT_RUNTIME_CONFIG: &str = "DeploymentRuntimeConfig";
/// The DeploymentRuntimeConfig a package names by default.
pub const DEFAULT_RUNTIME_CONFIG: &str = "default";

/// The API group of function-patch-and-transform's input.
pub const PT_GROUP: &str = "pt.fn.crossplane.io";
/// Its version.
pub const PT_VERSION: &str = "v1beta1";
/// `apiVersion` of a patch-and-transform pipeline step's `input`.
pub const PT_API_VERSION: &str = "pt.fn.crossplane.io/v1beta1";
/// The input of function-patch-and-transform: the resources to compose and their patches.
pub const RESOURCES: &str = "Resources";

crate::object_view!(
    /// A CompositeResourceDefinition (at `v2` or `v1`): the API of a composite resource.
    CompositeResourceDefinition, APIEXTENSIONS_GROUP, [COMPOSITE_RESOURCE_DEFINITION]
);
crate::object_view!(
    /// A Composition: the pipeline of functions that composes one composite type.
    Composition, APIEXTENSIONS_GROUP, [COMPOSITION]
);
crate::object_view!(
    /// A Provider: managed resources and their controller, run by Crossplane.
    Provider, PKG_GROUP, [PROVIDER]
);
crate::object_view!(
    /// A Function: a composition function, named by pipeline steps.
    Function, PKG_GROUP, [FUNCTION]
);

crate::part_view!(
    /// One entry of an XRD's `spec.versions`.
    XrdVersion
);
crate::part_view!(
    /// A Composition's `spec.compositeTypeRef`: the composite kind it composes.
    TypeRef
);
crate::part_view!(
    /// One entry of a Composition's `spec.pipeline`.
    PipelineStep
);

impl<'a> CompositeResourceDefinition<'a> {
    /// `spec.group`: the API group of the composite resource.
    pub fn group(self) -> Option<View<'a>> {
        self.view().at(&["spec", "group"])
    }
    /// `spec.names.kind`.
    pub fn names_kind(self) -> Option<View<'a>> {
        self.view().at(&["spec", "names", "kind"])
    }
    /// `spec.names.plural`.
    pub fn names_plural(self) -> Option<View<'a>> {
        self.view().at(&["spec", "names", "plural"])
    }
    /// `spec.claimNames.kind`: the kind of its claims (v1 form), if it has claims.
    pub fn claim_kind(self) -> Option<View<'a>> {
        self.view().at(&["spec", "claimNames", "kind"])
    }
    /// The name Crossplane requires of the XRD (`<plural>.<group>`), when both are given.
    pub fn expected_name(self) -> Option<String> {
        let plural = self.names_plural().and_then(View::str)?;
        let group = self.group().and_then(View::str)?;
        Some(format!("{plural}.{group}"))
    }
    /// `spec.scope`, the field (absent when left to the default).
    pub fn scope_field(self) -> Option<View<'a>> {
        self.view().at(&["spec", "scope"])
    }
    /// `spec.scope`, with the default of the XRD's version: `Namespaced` at `v2`,
    /// `LegacyCluster` at `v1`.
    pub fn scope(self) -> &'a str {
        let default = if self.object().api_version.ends_with("/v1") { SCOPE_LEGACY_CLUSTER } else { SCOPE_NAMESPACED };
        self.scope_field().and_then(View::str).unwrap_or(default)
    }
    /// `spec.versions`, in order.
    pub fn versions(self) -> impl ExactSizeIterator<Item = XrdVersion<'a>> + Clone + use<'a> {
        self.view().items_at(&["spec", "versions"]).map(XrdVersion)
    }
}

impl<'a> XrdVersion<'a> {
    /// `name` (`v1alpha1`), the field.
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// `served` (required upstream; `false` when left out).
    pub fn served(self) -> bool {
        self.0.field("served").and_then(View::bool).unwrap_or(false)
    }
    /// `referenceable`: whether Compositions may name this version (required upstream;
    /// `false` when left out).
    pub fn referenceable(self) -> bool {
        self.0.field("referenceable").and_then(View::bool).unwrap_or(false)
    }
}

impl<'a> Composition<'a> {
    pub fn composite_type_ref(self) -> Option<TypeRef<'a>> {
        self.view().at(&["spec", "compositeTypeRef"]).map(TypeRef)
    }
    /// `spec.mode`, `Pipeline` by default.
    pub fn mode(self) -> &'a str {
        self.view().at(&["spec", "mode"]).and_then(View::str).unwrap_or(MODE_PIPELINE)
    }
    /// `spec.pipeline`, in order.
    pub fn pipeline(self) -> impl ExactSizeIterator<Item = PipelineStep<'a>> + Clone + use<'a> {
        self.view().items_at(&["spec", "pipeline"]).map(PipelineStep)
    }
}

impl<'a> TypeRef<'a> {
    /// `apiVersion` of the composite resource (`example.org/v1alpha1`).
    pub fn api_version(self) -> Option<View<'a>> {
        self.0.field("apiVersion")
    }
    pub fn kind(self) -> Option<View<'a>> {
        self.0.field("kind")
    }
}

impl<'a> PipelineStep<'a> {
    /// `step`: the step's name, unique in its pipeline.
    pub fn step(self) -> Option<View<'a>> {
        self.0.field("step")
    }
    /// `functionRef.name`: the Function the step runs.
    pub fn function_name(self) -> Option<View<'a>> {
        self.0.at(&["functionRef", "name"])
    }
    /// `input`: the function's input, a whole object (`apiVersion`, `kind`, ...).
    pub fn input(self) -> Option<View<'a>> {
        self.0.field("input")
    }
    /// Whether the input is function-patch-and-transform's (`pt.fn.crossplane.io`
    /// `Resources`).
    pub fn is_patch_and_transform(self) -> bool {
        self.input().is_some_and(|i| {
            i.str_field("kind") == Some(RESOURCES)
                && i.str_field("apiVersion").and_then(|v| v.split_once('/')).is_some_and(|(g, _)| g == PT_GROUP)
        })
    }
}

impl<'a> Provider<'a> {
    /// `spec.package`: the OCI reference of the package.
    pub fn package(self) -> Option<View<'a>> {
        self.view().at(&["spec", "package"])
    }
}

impl<'a> Function<'a> {
    /// `spec.package`: the OCI reference of the package.
    pub fn package(self) -> Option<View<'a>> {
        self.view().at(&["spec", "package"])
    }
}

/// function-patch-and-transform: its Function's name (the one every Composition of a
/// `composite` declaration runs), its package, and the release those Compositions are
/// written for (`std/crossplane` pins the same one).
pub const PATCH_AND_TRANSFORM: &str = "function-patch-and-transform";
pub const PATCH_AND_TRANSFORM_PACKAGE: &str = "xpkg.crossplane.io/crossplane-contrib/function-patch-and-transform";
pub const PATCH_AND_TRANSFORM_VERSION: &str = "v0.10.8";

/// The package (with its tag) of the function named `name`, when cedc knows it.
pub fn function_package(name: &str) -> Option<String> {
    (name == PATCH_AND_TRANSFORM).then(|| format!("{PATCH_AND_TRANSFORM_PACKAGE}:{PATCH_AND_TRANSFORM_VERSION}"))
}

/// Provider packages cedc knows (their OCI repositories) and the kinds each installs.
pub const PROVIDERS: &[(&str, &[(&str, &str)])] =
    &[(super::gcp::DNS_PROVIDER_REPOSITORY, super::gcp::DNS_PROVIDER_KINDS)];

/// A package's OCI repository: `xpkg.upbound.io/upbound/provider-gcp-dns` of
/// `…:v2.6.0` or `…@sha256:…`.
pub fn repository(package: &str) -> &str {
    let package = package.split('@').next().unwrap_or(package);
    match package.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => package,
    }
}

/// The kinds the provider of `package` installs, when cedc knows it.
pub fn provider_kinds(package: &str) -> &'static [(&'static str, &'static str)] {
    let repo = repository(package);
    PROVIDERS.iter().find(|(r, _)| *r == repo).map_or(&[], |(_, kinds)| kinds)
}

crate::part_view!(
    /// One resource of function-patch-and-transform's input (`resources[]`).
    ComposedResource
);
crate::part_view!(
    /// One patch of a composed resource (`resources[].patches[]`).
    ResourcePatch
);

/// Patch types that read the composite (`fromFieldPath`, or `combine.variables`).
pub const FROM_COMPOSITE: &str = "FromCompositeFieldPath";
pub const COMBINE_FROM_COMPOSITE: &str = "CombineFromComposite";

impl<'a> PipelineStep<'a> {
    /// The resources of a patch-and-transform input, in order.
    pub fn resources(self) -> impl Iterator<Item = ComposedResource<'a>> + use<'a> {
        self.input().into_iter().flat_map(|i| i.items_of("resources")).map(ComposedResource)
    }
}

impl<'a> ComposedResource<'a> {
    /// `name`: unique in the Composition.
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    /// `base`: the resource as composed before patches.
    pub fn base(self) -> Option<View<'a>> {
        self.0.field("base")
    }
    /// `patches`, in order.
    pub fn patches(self) -> impl Iterator<Item = ResourcePatch<'a>> + use<'a> {
        self.0.items_of("patches").map(ResourcePatch)
    }
    /// `readinessChecks`, in order: each `type`, and the `fieldPath` it reads.
    pub fn readiness_checks(self) -> Items<'a> {
        self.0.items_of("readinessChecks")
    }
    /// `connectionDetails`, in order.
    pub fn connection_details(self) -> Items<'a> {
        self.0.items_of("connectionDetails")
    }
}

impl<'a> ResourcePatch<'a> {
    /// `type`, `FromCompositeFieldPath` when left out.
    pub fn patch_type(self) -> &'a str {
        self.0.str_field("type").unwrap_or(FROM_COMPOSITE)
    }
    /// The composite's fields the patch reads: its `fromFieldPath`, or each variable of a
    /// combined patch. None for patches that read elsewhere (environment, other resources).
    pub fn from_paths(self) -> impl Iterator<Item = View<'a>> + use<'a> {
        let t = self.patch_type();
        let single = (t == FROM_COMPOSITE).then(|| self.0.field("fromFieldPath")).flatten();
        let combined = (t == COMBINE_FROM_COMPOSITE)
            .then(|| self.0.at(&["combine"]))
            .flatten()
            .into_iter()
            .flat_map(|c| c.items_of("variables"))
            .filter_map(|v| v.field("fromFieldPath"));
        single.into_iter().chain(combined)
    }
    /// `toFieldPath`: the composed resource's field it sets.
    pub fn to_path(self) -> Option<View<'a>> {
        self.0.field("toFieldPath")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Object;
    use cedc_diagnostics::Span;
    use serde_json::json;

    fn object(json: serde_json::Value) -> Object {
        Object::from_json(&json, Span::default())
    }

    #[test]
    fn defaults_apply_when_fields_are_left_out() {
        let v2 = object(json!({
            "apiVersion": XRD_API_VERSION, "kind": COMPOSITE_RESOURCE_DEFINITION,
            "metadata": { "name": "apps.example.org" },
            "spec": {
                "group": "example.org",
                "names": { "kind": "App", "plural": "apps" },
                "versions": [{ "name": "v1alpha1", "served": true, "referenceable": true }, { "name": "v1beta1" }]
            }
        }));
        let xrd = CompositeResourceDefinition::cast(&v2).expect("an XRD");
        assert_eq!(xrd.scope(), SCOPE_NAMESPACED);
        assert!(xrd.scope_field().is_none());
        assert_eq!(xrd.names_kind().and_then(View::str), Some("App"));
        assert_eq!(xrd.expected_name().as_deref(), Some("apps.example.org"));
        let versions: Vec<_> =
            xrd.versions().map(|v| (v.name().and_then(View::str), v.served(), v.referenceable())).collect();
        assert_eq!(versions, [(Some("v1alpha1"), true, true), (Some("v1beta1"), false, false)]);

        let v1 = object(json!({
            "apiVersion": "apiextensions.crossplane.io/v1", "kind": COMPOSITE_RESOURCE_DEFINITION,
            "metadata": { "name": "xapps.example.org" }, "spec": { "group": "example.org" }
        }));
        let xrd = CompositeResourceDefinition::cast(&v1).expect("an XRD");
        assert_eq!(xrd.scope(), SCOPE_LEGACY_CLUSTER, "v1's default");
        assert!(xrd.expected_name().is_none());
        assert_eq!(xrd.versions().len(), 0);

        let composition = object(json!({
            "apiVersion": COMPOSITION_API_VERSION, "kind": COMPOSITION, "metadata": { "name": "apps" },
            "spec": {
                "compositeTypeRef": { "apiVersion": "example.org/v1alpha1", "kind": "App" },
                "pipeline": [
                    { "step": "patch", "functionRef": { "name": "function-patch-and-transform" },
                      "input": { "apiVersion": PT_API_VERSION, "kind": RESOURCES, "resources": [] } },
                    { "step": "ready", "functionRef": { "name": "function-auto-ready" } }
                ]
            }
        }));
        let c = Composition::cast(&composition).expect("a Composition");
        assert_eq!(c.mode(), MODE_PIPELINE);
        let t = c.composite_type_ref().expect("compositeTypeRef");
        assert_eq!(t.api_version().and_then(View::str), Some("example.org/v1alpha1"));
        assert_eq!(t.kind().and_then(View::str), Some("App"));
        let steps: Vec<_> = c
            .pipeline()
            .map(|s| (s.step().and_then(View::str), s.function_name().and_then(View::str), s.is_patch_and_transform()))
            .collect();
        assert_eq!(
            steps,
            [
                (Some("patch"), Some("function-patch-and-transform"), true),
                (Some("ready"), Some("function-auto-ready"), false)
            ]
        );
        assert!(CompositeResourceDefinition::cast(&composition).is_none());

        let provider = object(json!({
            "apiVersion": PKG_API_VERSION, "kind": PROVIDER, "metadata": { "name": "provider-nop" },
            "spec": { "package": "xpkg.crossplane.io/crossplane-contrib/provider-nop:v0.4.0" }
        }));
        let p = Provider::cast(&provider).expect("a Provider");
        assert_eq!(p.package().and_then(View::str), Some("xpkg.crossplane.io/crossplane-contrib/provider-nop:v0.4.0"));
        assert!(Function::cast(&provider).is_none());
        let function = object(json!({
            "apiVersion": PKG_API_VERSION, "kind": FUNCTION, "metadata": { "name": "function-auto-ready" },
            "spec": { "package": "xpkg.crossplane.io/crossplane-contrib/function-auto-ready:v0.5.0",
                      "runtimeConfigRef": { "name": "debug" } }
        }));
        assert!(Function::cast(&function).is_some());
        assert!(Provider::cast(&function).is_none());
    }
}
