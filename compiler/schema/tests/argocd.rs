//! The built-in Argo CD kinds: in the registry with the right scope, source and
//! envelope, the Applications cedc generates and typical hand-written Applications,
//! AppProjects and ApplicationSets validate, the mistakes the reference platform made
//! (and other typical ones) are caught with the right paths and kinds, a project's own
//! CRD replaces a built-in kind, and (when `../shared` is there) they match the upstream
//! CRDs node by node.

use cedc_diagnostics::Span;
use cedc_model::Value;
use cedc_model::views::argocd as names;
use cedc_schema::argocd::{self, OPEN_PATHS};
use cedc_schema::crd::{self, OBJECT_META};
use cedc_schema::validate::{Violation, ViolationKind, validate};
use cedc_schema::{Additional, Kind, Registry, Scope, Source, Ty};
use serde_json::json;

mod common;
use common::Compare;

const KINDS: [&str; 3] = ["Application", "AppProject", "ApplicationSet"];

fn registry() -> &'static Registry {
    cedc_schema::core::registry()
}

fn kind(name: &str) -> &'static Kind {
    registry()
        .lookup("argoproj.io/v1alpha1", name)
        .unwrap_or_else(|| panic!("argoproj.io/v1alpha1 {name} is not built in"))
}

fn check(object: serde_json::Value) -> Vec<Violation> {
    let k = kind(object["kind"].as_str().expect("a kind"));
    validate(registry(), &k.schema, &Value::from_json(&object, Span::default()))
}

fn paths(v: &[Violation]) -> Vec<String> {
    v.iter().map(|v| format!("{}: {}", v.path, v.message())).collect()
}

fn application(spec: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": { "name": "web", "namespace": "argocd", "annotations": { "argocd.argoproj.io/sync-wave": "1" } },
        "spec": spec,
    })
}

fn assert_valid(object: serde_json::Value) {
    let name = format!("{} {}", object["kind"], object["metadata"]["name"]);
    let v = check(object);
    assert!(v.is_empty(), "{name}: {:#?}", paths(&v));
}

/// Each violation as `path: kind`, for readable assertions.
fn summary(v: &[Violation]) -> Vec<(String, ViolationKind)> {
    v.iter().map(|v| (v.path.clone(), v.kind.clone())).collect()
}

/// An Application with these `spec` fields beside a valid project and destination.
fn valid_application(spec: serde_json::Value) -> serde_json::Value {
    let mut full = json!({
        "project": "default",
        "destination": { "server": names::IN_CLUSTER, "namespace": "web" }
    });
    if let (Some(full), Some(extra)) = (full.as_object_mut(), spec.as_object()) {
        full.extend(extra.clone());
    }
    json!({
        "apiVersion": names::API_VERSION,
        "kind": names::APPLICATION,
        "metadata": { "name": "web", "namespace": "argocd" },
        "spec": full
    })
}

#[test]
fn the_kinds_are_built_in_and_namespaced() {
    for name in KINDS {
        let k = kind(name);
        assert_eq!(k.scope, Scope::Namespaced, "{name}");
        assert_eq!(k.source, Source::Shipped { package: argocd::PACKAGE }, "{name}");
    }
    let mut r = Registry::default();
    argocd::add(&mut r);
    assert_eq!(r.kinds.len(), 3);
}

#[test]
fn every_kind_has_the_crd_envelope_and_requires_metadata_and_spec() {
    for name in KINDS {
        let Ty::Object(top) = &kind(name).schema.ty else { panic!("{name}") };
        let fields: Vec<&str> = top.properties.keys().map(String::as_str).collect();
        let expected: &[&str] = if name == names::APPLICATION {
            &["apiVersion", "kind", "metadata", "operation", "spec", "status"]
        } else {
            &["apiVersion", "kind", "metadata", "spec", "status"]
        };
        assert_eq!(fields, expected, "{name}");
        assert_eq!(top.properties["metadata"].ty, Ty::Ref(OBJECT_META.into()), "{name}");
        assert_eq!(top.required, ["metadata", "spec"], "{name}");
        assert_eq!(top.additional, Additional::Forbidden, "{name}");
    }
    assert_eq!(
        [names::APPLICATION, names::APP_PROJECT, names::APPLICATION_SET],
        KINDS,
        "the view constants name the built-in kinds"
    );
}

#[test]
fn generated_and_hand_written_applications_validate() {
    let multi = application(json!({
        "project": "platform",
        "sources": [
            {
                "repoURL": "https://grafana.github.io/helm-charts",
                "chart": "grafana",
                "targetRevision": "8.5.1",
                "helm": { "releaseName": "grafana", "valuesObject": { "replicas": 2, "grafana.ini": { "server": { "root_url": "x" } } } },
            },
            { "repoURL": "https://github.com/example/platform.git", "path": "out/components/grafana/overlays/prod", "targetRevision": "v1" },
            { "repoURL": "https://github.com/example/platform.git", "targetRevision": "main", "ref": "values" },
        ],
        "destination": { "server": "https://kubernetes.default.svc", "namespace": "monitoring" },
        "syncPolicy": { "automated": { "prune": true, "selfHeal": true }, "syncOptions": ["CreateNamespace=true"] },
    }));
    let v = check(multi);
    assert!(v.is_empty(), "{:#?}", paths(&v));
    let project = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": { "name": "platform", "namespace": "argocd" },
        "spec": {
            "sourceRepos": ["https://github.com/example/platform.git"],
            "destinations": [{ "server": "https://kubernetes.default.svc", "namespace": "web" }],
            "clusterResourceWhitelist": [{ "group": "*", "kind": "*" }],
            "roles": [{ "name": "ops", "policies": ["p, proj:platform:ops, applications, sync, platform/*, allow"] }],
        },
    });
    let v = check(project);
    assert!(v.is_empty(), "{:#?}", paths(&v));
}

#[test]
fn the_reference_platforms_mistakes_are_caught() {
    // `project` written under `destination`.
    let v = check(application(json!({
        "source": { "repoURL": "https://github.com/example/platform.git", "path": "web", "targetRevision": "v1" },
        "destination": { "server": "https://kubernetes.default.svc", "namespace": "web", "project": "default" },
    })));
    assert!(paths(&v).iter().any(|p| p.contains("destination") && p.contains("project")), "{:#?}", paths(&v));
    // A source field misspelled.
    let v = check(application(json!({
        "project": "default",
        "source": { "repoURL": "https://x", "path": "web", "targetRevison": "v1" },
        "destination": { "server": "https://kubernetes.default.svc" },
    })));
    assert!(paths(&v).iter().any(|p| p.contains("targetRevison")), "{:#?}", paths(&v));
    // No `spec` at all; a `repoURL`-less source.
    let v = check(json!({ "apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": { "name": "x" } }));
    assert!(!v.is_empty());
    let v = check(application(json!({ "source": { "path": "web" }, "destination": {} })));
    assert!(paths(&v).iter().any(|p| p.contains("repoURL")), "{:#?}", paths(&v));
}

#[test]
fn hand_written_applications_with_every_kind_of_source_validate() {
    // One Helm chart from a chart repository, synced automatically, in a late wave.
    let mut single = valid_application(json!({
        "source": {
            "repoURL": "https://charts.example.org",
            "chart": "web",
            "targetRevision": "1.4.2",
            "helm": {
                "releaseName": "web",
                "valueFiles": ["values-prod.yaml"],
                "parameters": [{ "name": "image.tag", "value": "2.0", "forceString": true }],
                "valuesObject": { "replicas": 3, "ingress": { "hosts": ["web.example.org"] }, "extra": [1, "two", null] }
            }
        },
        "syncPolicy": {
            "automated": { "prune": true, "selfHeal": true },
            "syncOptions": ["CreateNamespace=true", "ServerSideApply=true"],
            "managedNamespaceMetadata": { "labels": { "team": "web" } },
            "retry": { "limit": 5, "backoff": { "duration": "5s", "factor": 2, "maxDuration": "3m" } }
        },
        "ignoreDifferences": [{ "group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"] }],
        "revisionHistoryLimit": 10,
        "info": [{ "name": "owner", "value": "web team" }]
    }));
    single["metadata"]["annotations"] = json!({ names::SYNC_WAVE: "5" });
    single["metadata"]["finalizers"] = json!([names::RESOURCES_FINALIZER]);
    assert_valid(single);

    // A chart with its values files from a second (Git) source, by `ref`.
    assert_valid(valid_application(json!({
        "sources": [
            {
                "repoURL": "https://charts.example.org",
                "chart": "web",
                "targetRevision": "1.4.2",
                "helm": { "valueFiles": ["$values/web/prod.yaml"] }
            },
            { "repoURL": "https://git.example.org/config.git", "targetRevision": "main", "ref": "values" },
            {
                "repoURL": "https://git.example.org/manifests.git",
                "path": "overlays/prod",
                "kustomize": { "namePrefix": "prod-", "replicas": [{ "name": "web", "count": 3 }, { "name": "api", "count": "2" }] }
            }
        ]
    })));

    // A running sync operation, as `argocd app sync` writes it.
    let mut syncing =
        valid_application(json!({ "source": { "repoURL": "https://git.example.org/m.git", "path": "." } }));
    syncing["operation"] = json!({
        "initiatedBy": { "username": "admin" },
        "sync": { "revision": "abc123", "prune": true, "syncStrategy": { "hook": { "force": false } } },
        "retry": { "limit": 2 }
    });
    assert_valid(syncing);
}

#[test]
fn projects_and_application_sets_validate() {
    assert_valid(json!({
        "apiVersion": names::API_VERSION,
        "kind": names::APP_PROJECT,
        "metadata": { "name": "team-a", "namespace": "argocd" },
        "spec": {
            "description": "Team A",
            "sourceRepos": ["https://git.example.org/*"],
            "destinations": [{ "server": "https://kubernetes.default.svc", "namespace": "team-a-*" }],
            "clusterResourceWhitelist": [{ "group": "", "kind": "Namespace" }],
            "namespaceResourceBlacklist": [{ "group": "", "kind": "ResourceQuota" }],
            "roles": [{ "name": "ci", "policies": ["p, proj:team-a:ci, applications, sync, team-a/*, allow"] }],
            "syncWindows": [{ "kind": "deny", "schedule": "0 22 * * *", "duration": "8h", "applications": ["*"] }],
            "orphanedResources": { "warn": true }
        }
    }));
    assert_valid(json!({
        "apiVersion": names::API_VERSION,
        "kind": names::APPLICATION_SET,
        "metadata": { "name": "web", "namespace": "argocd" },
        "spec": {
            "goTemplate": true,
            "goTemplateOptions": ["missingkey=error"],
            // Generators are open: anything is accepted inside each.
            "generators": [
                { "list": { "elements": [{ "cluster": "prod", "url": "https://prod.example.org" }] } },
                { "matrix": { "generators": [{ "clusters": {} }, { "git": { "repoURL": "x", "revision": "main" } }] } }
            ],
            "template": {
                "metadata": { "name": "web-{{.cluster}}", "labels": { "app": "web" } },
                "spec": {
                    "project": "default",
                    "source": { "repoURL": "https://charts.example.org", "chart": "web", "targetRevision": "1.4.2" },
                    "destination": { "server": "{{.url}}", "namespace": "web" }
                }
            },
            "syncPolicy": { "preserveResourcesOnDeletion": true }
        }
    }));
}

#[test]
fn mistakes_are_reported_at_their_paths() {
    // `project` written under `destination`: unknown there, pointed at `spec`, and
    // missing from `spec`.
    let mut wrong = valid_application(json!({ "source": { "repoURL": "https://git.example.org/m.git" } }));
    wrong["spec"]["destination"]["project"] = json!("default");
    if let Some(spec) = wrong["spec"].as_object_mut() {
        spec.remove("project");
    }
    let v = check(wrong);
    let got = summary(&v);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got.contains(&("spec.project".to_string(), ViolationKind::MissingField { field: "project".into() })));
    let unknown = v.iter().find(|v| v.path == "spec.destination.project").expect("project under destination");
    assert_eq!(unknown.code(), "E0100");
    let ViolationKind::UnknownField { field, elsewhere, known, .. } = &unknown.kind else { panic!("{v:#?}") };
    assert_eq!((field.as_str(), elsewhere.as_deref()), ("project", Some("spec")));
    assert_eq!(known, &["name", "namespace", "server"]);

    // An unknown field directly under `spec`, with the close name suggested.
    let v = check(valid_application(json!({ "syncPolicies": { "automated": {} } })));
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].path, "spec.syncPolicies");
    let ViolationKind::UnknownField { field, suggestion, .. } = &v[0].kind else { panic!("{v:#?}") };
    assert_eq!((field.as_str(), suggestion.as_deref()), ("syncPolicies", Some("syncPolicy")));

    // The sync-wave annotation beside `name` in `metadata` instead of inside
    // `annotations`.
    let mut misplaced = valid_application(json!({}));
    misplaced["metadata"][names::SYNC_WAVE] = json!("1");
    let v = check(misplaced);
    assert_eq!(v.len(), 1, "{v:#?}");
    let ViolationKind::UnknownField { elsewhere, .. } = &v[0].kind else { panic!("{v:#?}") };
    assert_eq!(elsewhere.as_deref(), Some("metadata.annotations"));

    // `valuesObject` takes any object, but an object it must be; `valueFiles` is a list.
    let v = check(valid_application(json!({ "source": {
        "repoURL": "https://charts.example.org",
        "chart": "web",
        "helm": { "valuesObject": "replicas: 3", "valueFiles": "values.yaml" }
    } })));
    let got = summary(&v);
    let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["spec.source.helm.valuesObject", "spec.source.helm.valueFiles"], "{got:#?}");
    assert!(got.iter().all(|(_, k)| matches!(k, ViolationKind::WrongType { .. })), "{got:#?}");

    // A source without its repository, an enum and a pattern of the source hydrator.
    let v = check(valid_application(json!({
        "source": { "path": "." },
        "sourceHydrator": {
            "drySource": { "repoURL": "https://git.example.org/m.git", "path": ".", "targetRevision": "main" },
            "syncSource": { "targetBranch": "env/prod", "path": "." }
        }
    })));
    let got = summary(&v);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0], ("spec.source.repoURL".to_string(), ViolationKind::MissingField { field: "repoURL".into() }));
    assert_eq!(got[1].0, "spec.sourceHydrator.syncSource.path");
    assert!(matches!(got[1].1, ViolationKind::Pattern { .. }), "{got:#?}");

    // An Application without `spec`; an AppProject role without its name.
    let v = check(json!({ "apiVersion": names::API_VERSION, "kind": "Application", "metadata": { "name": "x" } }));
    assert_eq!(summary(&v), [("spec".to_string(), ViolationKind::MissingField { field: "spec".into() })]);
    let v = check(json!({
        "apiVersion": names::API_VERSION,
        "kind": names::APP_PROJECT,
        "metadata": { "name": "p" },
        "spec": { "roles": [{ "policies": [] }] }
    }));
    assert_eq!(summary(&v), [("spec.roles[0].name".to_string(), ViolationKind::MissingField { field: "name".into() })]);
}

#[test]
fn a_project_crd_replaces_the_built_in_kind() {
    let text = common::crds::open("argoproj.io", "v1alpha1", "Application", "applications", "Namespaced");
    let mut r = registry().clone();
    let report = crd::load_into(&mut r, "crds/argo-cd.yaml", &text);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.replaced.len(), 1);
    assert_eq!(report.replaced[0].source, Source::Shipped { package: argocd::PACKAGE });
    let k = r.lookup(names::API_VERSION, names::APPLICATION).unwrap();
    assert_eq!(k.source, Source::Crd { file: "crds/argo-cd.yaml".into() });
    // The other kinds stay built in.
    assert_eq!(
        r.lookup(names::API_VERSION, names::APP_PROJECT).unwrap().source,
        Source::Shipped { package: argocd::PACKAGE }
    );
}

#[test]
fn built_in_argo_cd_kinds_match_the_upstream_crds() {
    let Some(upstream) = common::upstream_kinds("argo-cd", names::GROUP, names::VERSION) else { return };
    let mut c = Compare::new(OPEN_PATHS);
    for name in KINDS {
        let up = upstream.get(name).unwrap_or_else(|| panic!("no upstream CRD for {name}"));
        assert_eq!(up.scope, Scope::Namespaced, "{name}");
        c.node(name, "", &kind(name).schema, &up.schema);
    }
    for path in OPEN_PATHS {
        assert!(c.open_seen.contains(*path), "open path {path} is in no upstream kind");
    }
    eprintln!("compared {} schema nodes of the Argo CD kinds with upstream", c.nodes);
    assert!(c.nodes > 1000, "only {} nodes compared", c.nodes);
    assert!(
        c.differences.is_empty(),
        "the built-in Argo CD kinds differ from the upstream CRDs ({} differences):\n{}",
        c.differences.len(),
        c.differences.join("\n")
    );
}
