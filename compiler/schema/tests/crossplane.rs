//! The built-in Crossplane kinds and function-patch-and-transform's input: they are in
//! the registry with the right scope and source, realistic objects validate and common
//! mistakes are caught, a Composition's patch-and-transform input is checked against
//! [`crossplane::patch_and_transform_input`], a project's own CRD replaces a kind, and
//! (when `../shared` is there) they match the upstream CRDs node by node.

use cedc_diagnostics::Span;
use cedc_model::Value;
use cedc_schema::crd::{self, OBJECT_META};
use cedc_schema::crossplane::{self, OPEN_PATHS};
use cedc_schema::validate::{ViolationKind, validate};
use cedc_schema::{Additional, Registry, Scope, Source, Ty, split_api_version};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

mod builtin;
mod common;
use builtin::{assert_valid, check, kind, registry, summary};
use common::Compare;

/// Every built-in kind here: apiVersion, kind, scope, package.
const KINDS: [(&str, &str, Scope, &str); 8] = [
    ("apiextensions.crossplane.io/v2", "CompositeResourceDefinition", Scope::Cluster, crossplane::PACKAGE),
    ("apiextensions.crossplane.io/v1", "CompositeResourceDefinition", Scope::Cluster, crossplane::PACKAGE),
    ("apiextensions.crossplane.io/v1", "Composition", Scope::Cluster, crossplane::PACKAGE),
    ("pkg.crossplane.io/v1", "Provider", Scope::Cluster, crossplane::PACKAGE),
    ("pkg.crossplane.io/v1", "Function", Scope::Cluster, crossplane::PACKAGE),
    ("pkg.crossplane.io/v1", "Configuration", Scope::Cluster, crossplane::PACKAGE),
    ("pkg.crossplane.io/v1beta1", "DeploymentRuntimeConfig", Scope::Cluster, crossplane::PACKAGE),
    ("pt.fn.crossplane.io/v1beta1", "Resources", Scope::Namespaced, crossplane::PT_PACKAGE),
];

fn xrd(api_version: &str, spec: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": api_version,
        "kind": "CompositeResourceDefinition",
        "metadata": { "name": "apps.example.org" },
        "spec": spec
    })
}

/// A patch-and-transform input composing one bucket, with patches of each kind.
fn pt_input() -> serde_json::Value {
    json!({
        "apiVersion": "pt.fn.crossplane.io/v1beta1",
        "kind": "Resources",
        "patchSets": [{
            "name": "region",
            "patches": [{ "type": "FromCompositeFieldPath", "fromFieldPath": "spec.region", "toFieldPath": "spec.forProvider.region" }]
        }],
        "environment": {
            "patches": [{ "type": "FromEnvironmentFieldPath", "fromFieldPath": "tier", "toFieldPath": "tier" }]
        },
        "resources": [{
            "name": "bucket",
            "base": {
                "apiVersion": "s3.aws.upbound.io/v1beta1",
                "kind": "Bucket",
                "spec": { "forProvider": { "region": "eu-west-1" } }
            },
            "patches": [
                { "type": "PatchSet", "patchSetName": "region" },
                {
                    "type": "FromCompositeFieldPath",
                    "fromFieldPath": "spec.size",
                    "toFieldPath": "spec.forProvider.tags.size",
                    "transforms": [
                        { "type": "map", "map": { "small": "S", "large": "L" } },
                        { "type": "string", "string": { "type": "Convert", "convert": "ToLower" } },
                        { "type": "match", "match": { "patterns": [{ "type": "literal", "literal": "s", "result": 1 }],
                                                      "fallbackValue": 0 } },
                        { "type": "convert", "convert": { "toType": "int64" } },
                        { "type": "math", "math": { "type": "Multiply", "multiply": 2 } }
                    ],
                    "policy": { "fromFieldPath": "Required", "toFieldPath": "MergeObjects" }
                },
                {
                    "type": "CombineFromComposite",
                    "combine": {
                        "strategy": "string",
                        "variables": [{ "fromFieldPath": "metadata.namespace" }, { "fromFieldPath": "metadata.name" }],
                        "string": { "fmt": "%s-%s" }
                    },
                    "toFieldPath": "metadata.annotations[crossplane.io/external-name]"
                },
                { "type": "ToCompositeFieldPath", "fromFieldPath": "status.atProvider.arn", "toFieldPath": "status.arn" }
            ],
            "connectionDetails": [{ "name": "endpoint", "type": "FromFieldPath", "fromFieldPath": "status.atProvider.endpoint" }],
            "readinessChecks": [{ "type": "MatchCondition", "matchCondition": { "type": "Ready", "status": "True" } }]
        }]
    })
}

fn composition(pipeline: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": "apiextensions.crossplane.io/v1",
        "kind": "Composition",
        "metadata": { "name": "buckets" },
        "spec": {
            "compositeTypeRef": { "apiVersion": "example.org/v1alpha1", "kind": "Bucket" },
            "mode": "Pipeline",
            "pipeline": pipeline
        }
    })
}

#[test]
fn the_kinds_are_built_in_with_their_scopes() {
    for (api_version, name, scope, package) in KINDS {
        let k = kind(api_version, name);
        assert_eq!(k.scope, scope, "{api_version} {name}");
        assert_eq!(k.source, Source::Shipped { package }, "{api_version} {name}");
        let (group, _) = split_api_version(api_version);
        assert_eq!(registry().scope_of(group, name), Some(scope), "{name}");
        // The same envelope as a kind loaded from a CRD.
        let Ty::Object(top) = &k.schema.ty else { panic!("{name}: {:?}", k.schema.ty) };
        let names: Vec<&str> = top.properties.keys().map(String::as_str).take(3).collect();
        assert_eq!(names, ["apiVersion", "kind", "metadata"], "{name}");
        assert_eq!(top.properties["metadata"].ty, Ty::Ref(OBJECT_META.into()), "{name}");
        assert_eq!(top.additional, Additional::Forbidden, "{name}");
    }
    assert_eq!(crossplane::PACKAGE, "Crossplane v2.3.4");
    let mut r = Registry::default();
    crossplane::add(&mut r);
    assert_eq!(r.kinds.len(), KINDS.len());
    // The input alone is the registered kind's schema.
    assert_eq!(*kind("pt.fn.crossplane.io/v1beta1", "Resources").schema, crossplane::patch_and_transform_input());
}

#[test]
fn definitions_and_compositions_validate() {
    assert_valid(xrd(
        "apiextensions.crossplane.io/v2",
        json!({
            "group": "example.org",
            "names": { "kind": "App", "plural": "apps", "categories": ["crossplane"] },
            "scope": "Namespaced",
            "defaultCompositionRef": { "name": "apps" },
            "versions": [{
                "name": "v1alpha1",
                "served": true,
                "referenceable": true,
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": { "spec": { "type": "object", "properties": { "image": { "type": "string" } } } }
                } },
                "additionalPrinterColumns": [{ "name": "Image", "type": "string", "jsonPath": ".spec.image" }]
            }]
        }),
    ));
    // Crossplane v1's XRDs, with claims.
    assert_valid(xrd(
        "apiextensions.crossplane.io/v1",
        json!({
            "group": "example.org",
            "names": { "kind": "XApp", "plural": "xapps" },
            "claimNames": { "kind": "App", "plural": "apps" },
            "scope": "LegacyCluster",
            "connectionSecretKeys": ["url"],
            "defaultCompositeDeletePolicy": "Foreground",
            "versions": [{ "name": "v1alpha1", "served": true, "referenceable": true }]
        }),
    ));
    assert_valid(composition(json!([
        { "step": "patch-and-transform", "functionRef": { "name": "function-patch-and-transform" }, "input": pt_input() },
        {
            "step": "automatically-detect-readiness",
            "functionRef": { "name": "function-auto-ready" },
            "credentials": [{ "name": "aws", "source": "Secret",
                              "secretRef": { "namespace": "crossplane-system", "name": "aws" } }],
            "requirements": { "requiredResources": [
                { "requirementName": "config", "apiVersion": "v1", "kind": "ConfigMap", "name": "settings",
                  "namespace": "crossplane-system" }
            ] }
        }
    ])));
    assert_valid(pt_input().as_object().map_or(json!({}), |o| {
        let mut o = o.clone();
        o.insert("metadata".into(), json!({ "name": "input", "namespace": "default" }));
        serde_json::Value::Object(o)
    }));
}

#[test]
fn packages_and_runtime_configs_validate() {
    assert_valid(json!({
        "apiVersion": "pkg.crossplane.io/v1",
        "kind": "Provider",
        "metadata": { "name": "provider-aws-s3" },
        "spec": {
            "package": "xpkg.upbound.io/upbound/provider-aws-s3:v1.21.0",
            "packagePullPolicy": "IfNotPresent",
            "revisionHistoryLimit": 2,
            "runtimeConfigRef": { "name": "debug" },
            "packagePullSecrets": [{ "name": "registry" }]
        }
    }));
    assert_valid(json!({
        "apiVersion": "pkg.crossplane.io/v1",
        "kind": "Function",
        "metadata": { "name": "function-patch-and-transform" },
        "spec": { "package": "xpkg.crossplane.io/crossplane-contrib/function-patch-and-transform:v0.10.8" }
    }));
    assert_valid(json!({
        "apiVersion": "pkg.crossplane.io/v1",
        "kind": "Configuration",
        "metadata": { "name": "platform" },
        "spec": { "package": "registry.example.org/platform/configuration:v1.0.0", "skipDependencyResolution": true }
    }));
    assert_valid(json!({
        "apiVersion": "pkg.crossplane.io/v1beta1",
        "kind": "DeploymentRuntimeConfig",
        "metadata": { "name": "debug" },
        "spec": {
            "serviceAccountTemplate": { "metadata": { "name": "provider-aws", "annotations": { "eks.amazonaws.com/role-arn": "arn" } } },
            "deploymentTemplate": { "spec": {
                "replicas": 1,
                "selector": {},
                "template": { "spec": {
                    "containers": [{
                        "name": "package-runtime",
                        "args": ["--debug"],
                        "resources": { "limits": { "memory": "512Mi", "cpu": 1 } },
                        "securityContext": { "runAsNonRoot": true, "capabilities": { "drop": ["ALL"] } },
                        "volumeMounts": [{ "name": "cache", "mountPath": "/cache" }]
                    }],
                    "volumes": [{ "name": "cache", "emptyDir": { "sizeLimit": "1Gi" } }],
                    "tolerations": [{ "key": "dedicated", "operator": "Exists", "effect": "NoSchedule" }]
                } }
            } }
        }
    }));
}

#[test]
fn mistakes_are_caught() {
    // A misspelt field of a pipeline step.
    let v = check(composition(json!([
        { "step": "ready", "functionRefs": { "name": "function-auto-ready" } }
    ])));
    let got = summary(&v);
    let paths: BTreeSet<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, BTreeSet::from(["spec.pipeline[0].functionRefs", "spec.pipeline[0].functionRef"]), "{got:#?}");
    for (path, kind) in &got {
        if path.ends_with("functionRefs") {
            let ViolationKind::UnknownField { field, suggestion, .. } = kind else { panic!("{kind:?}") };
            assert_eq!((field.as_str(), suggestion.as_deref()), ("functionRefs", Some("functionRef")));
        } else {
            assert_eq!(kind, &ViolationKind::MissingField { field: "functionRef".into() });
        }
    }

    // A v2 XRD with v1's scope, and no plural name; a v1 XRD may be `LegacyCluster`.
    let spec = json!({
        "group": "example.org",
        "names": { "kind": "App" },
        "scope": "LegacyCluster",
        "versions": [{ "name": "v1alpha1", "served": true, "referenceable": true }]
    });
    let v = check(xrd("apiextensions.crossplane.io/v2", spec.clone()));
    let got = summary(&v);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0], ("spec.names.plural".to_string(), ViolationKind::MissingField { field: "plural".into() }));
    let ViolationKind::NotInEnum { value, allowed, .. } = &got[1].1 else { panic!("{got:#?}") };
    assert_eq!((got[1].0.as_str(), value.as_str()), ("spec.scope", "LegacyCluster"));
    assert_eq!(allowed, &["Namespaced", "Cluster"]);
    let v = check(xrd("apiextensions.crossplane.io/v1", spec));
    assert_eq!(
        summary(&v),
        [("spec.names.plural".to_string(), ViolationKind::MissingField { field: "plural".into() })]
    );

    // A package without its image; an empty pipeline.
    let v = check(json!({
        "apiVersion": "pkg.crossplane.io/v1", "kind": "Provider", "metadata": { "name": "p" }, "spec": {}
    }));
    assert_eq!(summary(&v), [("spec.package".to_string(), ViolationKind::MissingField { field: "package".into() })]);
    let v = check(composition(json!([])));
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].path, "spec.pipeline");
    assert!(matches!(v[0].kind, ViolationKind::Range { .. }), "{v:#?}");

    // A pipeline step's input must be a whole object.
    let v = check(composition(json!([
        { "step": "patch", "functionRef": { "name": "function-patch-and-transform" }, "input": { "resources": [] } }
    ])));
    let paths: BTreeSet<String> = v.iter().map(|v| v.path.clone()).collect();
    assert_eq!(
        paths,
        BTreeSet::from(["spec.pipeline[0].input.apiVersion".to_string(), "spec.pipeline[0].input.kind".to_string()]),
        "{v:#?}"
    );
}

#[test]
fn a_pipeline_input_is_checked_against_the_patch_and_transform_schema() {
    let schema = crossplane::patch_and_transform_input();
    let input = |i: serde_json::Value| Value::from_json(&i, Span::default());
    assert!(validate(registry(), &schema, &input(pt_input())).is_empty());

    let mut broken = pt_input();
    broken["resources"][0]["patches"][1]["type"] = json!("FromCompositeFieldpath");
    broken["resources"][0]["patches"][1]["transforms"][0]["maps"] = json!({});
    broken["resources"][0]["patches"][2]["combine"]["variables"] = json!([]);
    broken["environment"]["patches"][0]["type"] = json!("PatchSet");
    let v = validate(registry(), &schema, &input(broken));
    let got = summary(&v);
    let paths: BTreeSet<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        BTreeSet::from([
            "resources[0].patches[1].type",
            "resources[0].patches[1].transforms[0].maps",
            "resources[0].patches[2].combine.variables",
            "environment.patches[0].type",
        ]),
        "{got:#?}"
    );
    for (path, kind) in &got {
        match path.as_str() {
            "resources[0].patches[1].type" => {
                let ViolationKind::NotInEnum { suggestion, .. } = kind else { panic!("{kind:?}") };
                assert_eq!(suggestion.as_deref(), Some("FromCompositeFieldPath"));
            }
            "resources[0].patches[1].transforms[0].maps" => {
                assert!(matches!(kind, ViolationKind::UnknownField { .. }), "{kind:?}")
            }
            "resources[0].patches[2].combine.variables" => {
                assert!(matches!(kind, ViolationKind::Range { .. }), "{kind:?}")
            }
            // Environment patches cannot name a patch set.
            _ => assert!(matches!(kind, ViolationKind::NotInEnum { .. }), "{kind:?}"),
        }
    }
    // No resources at all.
    let v = validate(
        registry(),
        &schema,
        &input(json!({ "apiVersion": "pt.fn.crossplane.io/v1beta1", "kind": "Resources" })),
    );
    assert_eq!(summary(&v), [("resources".to_string(), ViolationKind::MissingField { field: "resources".into() })]);
}

#[test]
fn a_project_crd_replaces_the_built_in_kind() {
    let text = common::crds::open("pkg.crossplane.io", "v1", "Provider", "providers", "Cluster");
    let mut r = registry().clone();
    let report = crd::load_into(&mut r, "crds/crossplane.yaml", &text);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.replaced.len(), 1);
    assert_eq!(report.replaced[0].source, Source::Shipped { package: crossplane::PACKAGE });
    let k = r.lookup("pkg.crossplane.io/v1", "Provider").unwrap();
    assert_eq!(k.source, Source::Crd { file: "crds/crossplane.yaml".into() });
    // The other kinds stay built in.
    assert_eq!(
        r.lookup("pkg.crossplane.io/v1", "Function").unwrap().source,
        Source::Shipped { package: crossplane::PACKAGE }
    );
}

// ---------------------------------------------------------------------------------------
// Against upstream

#[test]
fn built_in_crossplane_kinds_match_the_upstream_crds() {
    let mut c = Compare::new(OPEN_PATHS);
    let mut loaded = BTreeMap::new();
    let mut compared = 0;
    for (api_version, name, scope, _) in KINDS {
        let (group, version) = split_api_version(api_version);
        let folder = if group == "pt.fn.crossplane.io" { "function-patch-and-transform" } else { "crossplane" };
        if !loaded.contains_key(api_version) {
            let Some(upstream) = common::upstream_kinds(folder, group, version) else { return };
            loaded.insert(api_version, upstream);
        }
        let up = loaded[api_version].get(name).unwrap_or_else(|| panic!("no upstream CRD for {api_version} {name}"));
        assert_eq!(up.scope, scope, "{api_version} {name}");
        c.node(&format!("{api_version} {name}"), "", &kind(api_version, name).schema, &up.schema);
        compared += 1;
    }
    assert_eq!(compared, KINDS.len());
    for path in OPEN_PATHS {
        assert!(c.open_seen.contains(*path), "open path {path} is in no upstream kind");
    }
    eprintln!("compared {} schema nodes of the {} Crossplane kinds with upstream", c.nodes, KINDS.len());
    assert!(c.nodes > 1500, "only {} nodes compared", c.nodes);
    assert!(
        c.differences.is_empty(),
        "the built-in Crossplane kinds differ from the upstream CRDs ({} differences):\n{}",
        c.differences.len(),
        c.differences.join("\n")
    );
}
