//! The Argo CD kinds (`argoproj.io/v1alpha1` `Application`, `AppProject` and
//! `ApplicationSet`), built in so that the app-of-apps cedc generates, and Argo CD
//! objects written by hand, are checked without the project importing Argo CD's CRDs.
//!
//! The schemas are structural facts only (field names, types, required fields, enums,
//! formats, patterns, bounds and list types), no documentation text. They follow Argo CD
//! [`ARGO_CD_VERSION`]; they were transcribed from the structure of its CRDs, and the
//! test suite compares them node by node with the upstream CRDs when those are available
//! (`compiler/schema/tests/argocd.rs`), so they cannot drift unnoticed.
//!
//! `Application` (with its top-level `operation`) and `AppProject` are complete. The
//! subtrees listed in [`OPEN_PATHS`] accept anything: every kind's `status`, and each
//! item of an `ApplicationSet`'s `spec.generators` — upstream's generators (list,
//! clusters, Git, SCM providers, pull requests, cluster decision resources, plugins, and
//! the matrix and merge generators that nest them) come to over nine thousand schema
//! nodes. The rest of an `ApplicationSet` is complete; its `template.spec` is an
//! Application's `spec`. A project's own Argo CD CRDs replace these kinds
//! ([`Registry::insert`]).

use crate::builder::*;
use crate::model::*;
use crate::{KindSchema, Registry, crd};
use cedc_model::views::argocd as argo;
use std::sync::Arc;

/// The Argo CD release whose kinds are built in.
pub const ARGO_CD_VERSION: &str = "v3.5";

/// What [`Source::Shipped`] names for these kinds.
pub const PACKAGE: &str = "Argo CD v3.5";

/// Schema paths (in each kind that has them) whose subtree is open: any value is accepted
/// there. `[*]` stands for every item of a list.
pub const OPEN_PATHS: &[&str] = &["status", "spec.generators[*]"];

/// Add the Application, AppProject and ApplicationSet kinds to a registry, replacing any
/// it has.
pub fn add(registry: &mut Registry) {
    let kinds: [(&str, Make); 3] = [
        (argo::APPLICATION, || {
            top_level(argo::APPLICATION, [("operation", application_operation()), ("spec", application_spec())])
        }),
        (argo::APP_PROJECT, || top_level(argo::APP_PROJECT, [("spec", app_project_spec())])),
        (argo::APPLICATION_SET, || top_level(argo::APPLICATION_SET, [("spec", application_set_spec())])),
    ];
    for (kind, schema) in kinds {
        registry.insert(Kind {
            group: argo::GROUP.to_string(),
            version: argo::VERSION.to_string(),
            kind: kind.to_string(),
            scope: Scope::Namespaced,
            schema: KindSchema::lazy(schema),
            source: Source::Shipped { package: PACKAGE },
        });
    }
}

/// A kind's whole schema: the envelope, its fields (`spec` required), an open `status`.
fn top_level<const N: usize>(kind: &str, fields: [(&str, Schema); N]) -> Schema {
    let mut object = Object::default();
    for (name, schema) in fields {
        object.properties.insert(name.to_string(), Arc::new(schema));
    }
    object.properties.insert("status".to_string(), Arc::new(obj([]).open()));
    object.required = vec!["metadata".to_string(), "spec".to_string()];
    crd::add_envelope(&mut object, argo::API_VERSION, kind);
    node(Ty::Object(object))
}

// ---------------------------------------------------------------------------------------
// Application

fn application_spec() -> Schema {
    obj([
        ("destination", obj([("name", string()), ("namespace", string()), ("server", string())])),
        (
            "ignoreDifferences",
            array(
                obj([
                    ("group", string()),
                    ("jqPathExpressions", array(string())),
                    ("jsonPointers", array(string())),
                    ("kind", string()),
                    ("managedFieldsManagers", array(string())),
                    ("name", string()),
                    ("namespace", string()),
                ])
                .required(["kind"]),
            ),
        ),
        ("info", array(obj([("name", string()), ("value", string())]).required(["name", "value"]))),
        ("project", string()),
        ("revisionHistoryLimit", int().format("int64")),
        ("source", source()),
        (
            "sourceHydrator",
            obj([
                (
                    "drySource",
                    obj([
                        ("directory", directory()),
                        ("helm", helm()),
                        ("kustomize", kustomize()),
                        ("path", string()),
                        ("plugin", plugin()),
                        ("repoURL", string()),
                        ("targetRevision", string()),
                    ])
                    .required(["path", "repoURL", "targetRevision"]),
                ),
                ("hydrateTo", obj([("targetBranch", string())]).required(["targetBranch"])),
                (
                    "syncSource",
                    obj([
                        ("path", string().pattern("^.{2,}|[^./]$").min_len(1)),
                        ("repoURL", string()),
                        ("targetBranch", string()),
                    ])
                    .required(["path", "targetBranch"]),
                ),
            ])
            .required(["drySource", "syncSource"]),
        ),
        ("sources", sources()),
        (
            "syncPolicy",
            obj([
                (
                    "automated",
                    obj([
                        ("allowEmpty", boolean()),
                        ("enabled", boolean()),
                        ("prune", boolean()),
                        ("selfHeal", boolean()),
                    ]),
                ),
                ("managedNamespaceMetadata", obj([("annotations", map(string())), ("labels", map(string()))])),
                ("retry", retry()),
                ("syncOptions", array(string())),
            ]),
        ),
    ])
    .required(["destination", "project"])
}

fn application_operation() -> Schema {
    obj([
        ("info", array(obj([("name", string()), ("value", string())]).required(["name", "value"]))),
        ("initiatedBy", obj([("automated", boolean()), ("username", string())])),
        ("retry", retry()),
        (
            "sync",
            obj([
                ("autoHealAttemptsCount", int().format("int64")),
                ("dryRun", boolean()),
                ("manifests", array(string())),
                ("prune", boolean()),
                (
                    "resources",
                    array(
                        obj([("group", string()), ("kind", string()), ("name", string()), ("namespace", string())])
                            .required(["kind", "name"]),
                    ),
                ),
                ("revision", string()),
                ("revisions", array(string())),
                ("source", source()),
                ("sources", sources()),
                ("syncOptions", array(string())),
                ("syncStrategy", obj([("apply", obj([("force", boolean())])), ("hook", obj([("force", boolean())]))])),
            ]),
        ),
    ])
}

fn jsonnet() -> Schema {
    obj([
        (
            "extVars",
            array(obj([("code", boolean()), ("name", string()), ("value", string())]).required(["name", "value"])),
        ),
        ("libs", array(string())),
        (
            "tlas",
            array(obj([("code", boolean()), ("name", string()), ("value", string())]).required(["name", "value"])),
        ),
    ])
}

fn directory() -> Schema {
    obj([("exclude", string()), ("include", string()), ("jsonnet", jsonnet()), ("recurse", boolean())])
}

fn helm() -> Schema {
    obj([
        ("apiVersions", array(string())),
        ("fileParameters", array(obj([("name", string()), ("path", string())]))),
        ("ignoreMissingValueFiles", boolean()),
        ("kubeVersion", string()),
        ("namespace", string()),
        ("parameters", array(obj([("forceString", boolean()), ("name", string()), ("value", string())]))),
        ("passCredentials", boolean()),
        ("releaseName", string()),
        ("skipCrds", boolean()),
        ("skipSchemaValidation", boolean()),
        ("skipTests", boolean()),
        ("valueFiles", array(string())),
        ("values", string()),
        ("valuesObject", obj([]).open()),
        ("version", string()),
    ])
}

fn target() -> Schema {
    obj([
        ("annotationSelector", string()),
        ("group", string()),
        ("kind", string()),
        ("labelSelector", string()),
        ("name", string()),
        ("namespace", string()),
        ("version", string()),
    ])
}

fn patches_2() -> Schema {
    obj([("options", map(boolean())), ("patch", string()), ("path", string()), ("target", target())])
}

fn patches() -> Schema {
    array(patches_2())
}

fn kustomize() -> Schema {
    obj([
        ("apiVersions", array(string())),
        ("commonAnnotations", map(string())),
        ("commonAnnotationsEnvsubst", boolean()),
        ("commonLabels", map(string())),
        ("components", array(string())),
        ("forceCommonAnnotations", boolean()),
        ("forceCommonLabels", boolean()),
        ("ignoreMissingComponents", boolean()),
        ("images", array(string())),
        ("kubeVersion", string()),
        ("labelIncludeTemplates", boolean()),
        ("labelWithoutSelector", boolean()),
        ("namePrefix", string()),
        ("nameSuffix", string()),
        ("namespace", string()),
        ("patches", patches()),
        ("replicas", array(obj([("count", int_or_string()), ("name", string())]).required(["count", "name"]))),
        ("version", string()),
    ])
}

fn parameters_2() -> Schema {
    obj([("array", array(string())), ("map", map(string())), ("name", string()), ("string", string())])
}

fn parameters() -> Schema {
    array(parameters_2())
}

fn plugin() -> Schema {
    obj([
        ("env", array(obj([("name", string()), ("value", string())]).required(["name", "value"]))),
        ("name", string()),
        ("parameters", parameters()),
    ])
}

fn source() -> Schema {
    obj([
        ("chart", string()),
        ("directory", directory()),
        ("helm", helm()),
        ("kustomize", kustomize()),
        ("name", string()),
        ("path", string()),
        ("plugin", plugin()),
        ("ref", string()),
        ("repoURL", string()),
        ("tagPrefix", string()),
        ("targetRevision", string()),
    ])
    .required(["repoURL"])
}

fn sources() -> Schema {
    array(source())
}

fn retry() -> Schema {
    obj([
        ("backoff", obj([("duration", string()), ("factor", int().format("int64")), ("maxDuration", string())])),
        ("limit", int().format("int64")),
        ("refresh", boolean()),
    ])
}

// ---------------------------------------------------------------------------------------
// AppProject

fn app_project_spec() -> Schema {
    obj([
        (
            "clusterResourceBlacklist",
            array(obj([("group", string()), ("kind", string()), ("name", string())]).required(["group", "kind"])),
        ),
        (
            "clusterResourceWhitelist",
            array(obj([("group", string()), ("kind", string()), ("name", string())]).required(["group", "kind"])),
        ),
        ("description", string().max_len(255)),
        (
            "destinationServiceAccounts",
            array(
                obj([("defaultServiceAccount", string()), ("namespace", string()), ("server", string())])
                    .required(["defaultServiceAccount", "server"]),
            ),
        ),
        ("destinations", array(obj([("name", string()), ("namespace", string()), ("server", string())]))),
        (
            "namespaceResourceBlacklist",
            array(obj([("group", string()), ("kind", string())]).required(["group", "kind"])),
        ),
        (
            "namespaceResourceWhitelist",
            array(obj([("group", string()), ("kind", string())]).required(["group", "kind"])),
        ),
        (
            "orphanedResources",
            obj([
                ("ignore", array(obj([("group", string()), ("kind", string()), ("name", string())]))),
                ("warn", boolean()),
            ]),
        ),
        ("permitOnlyProjectScopedClusters", boolean()),
        (
            "roles",
            array(
                obj([
                    ("description", string()),
                    ("groups", array(string())),
                    (
                        "jwtTokens",
                        array(
                            obj([("exp", int().format("int64")), ("iat", int().format("int64")), ("id", string())])
                                .required(["iat"]),
                        ),
                    ),
                    ("name", string()),
                    ("policies", array(string())),
                ])
                .required(["name"]),
            ),
        ),
        ("signatureKeys", array(obj([("keyID", string())]).required(["keyID"]))),
        (
            "sourceIntegrity",
            obj([(
                "git",
                obj([(
                    "policies",
                    array(
                        obj([
                            ("gpg", obj([("keys", array(string())), ("mode", string())]).required(["keys", "mode"])),
                            ("repos", array(obj([("url", string())]).required(["url"]))),
                        ])
                        .required(["gpg", "repos"]),
                    ),
                )])
                .required(["policies"]),
            )])
            .required(["git"]),
        ),
        ("sourceNamespaces", array(string())),
        ("sourceRepos", array(string())),
        (
            "syncWindows",
            array(obj([
                ("andOperator", boolean()),
                ("applications", array(string())),
                ("clusters", array(string())),
                ("description", string()),
                ("duration", string()),
                ("kind", string()),
                ("manualSync", boolean()),
                ("namespaces", array(string())),
                ("schedule", string()),
                ("syncOverrun", boolean()),
                ("timeZone", string()),
            ])),
        ),
    ])
}

// ---------------------------------------------------------------------------------------
// ApplicationSet

fn application_set_spec() -> Schema {
    let step = obj([
        ("matchExpressions", array(obj([("key", string()), ("operator", string()), ("values", array(string()))]))),
        ("maxUpdate", int_or_string()),
    ]);
    obj([
        ("applyNestedSelectors", boolean()),
        // Each generator is open (see the module documentation).
        ("generators", array(obj([]).open())),
        ("goTemplate", boolean()),
        ("goTemplateOptions", array(string())),
        (
            "ignoreApplicationDifferences",
            array(obj([("jqPathExpressions", array(string())), ("jsonPointers", array(string())), ("name", string())])),
        ),
        ("preservedFields", obj([("annotations", array(string())), ("labels", array(string()))])),
        (
            "strategy",
            obj([("deletionOrder", string()), ("rollingSync", obj([("steps", array(step))])), ("type", string())]),
        ),
        (
            "syncPolicy",
            obj([
                ("applicationsSync", enum_of(["create-only", "create-update", "create-delete", "sync"])),
                ("preserveResourcesOnDeletion", boolean()),
            ]),
        ),
        ("template", application_template()),
        ("templatePatch", string()),
    ])
    .required(["generators", "template"])
}

/// The Application each generated parameter set becomes: a few metadata fields and an
/// Application's `spec`.
fn application_template() -> Schema {
    obj([
        (
            "metadata",
            obj([
                ("annotations", map(string())),
                ("finalizers", array(string())),
                ("labels", map(string())),
                ("name", string()),
                ("namespace", string()),
            ]),
        ),
        ("spec", application_spec()),
    ])
    .required(["metadata", "spec"])
}
