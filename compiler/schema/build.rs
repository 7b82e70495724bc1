//! Generates, when cedc is compiled, what would otherwise cost every run its start-up:
//!
//! - `gateway_crds.rs`: the built-in Gateway API CRDs (from the typed `gateway-api`
//!   crate), each as its JSON text with its group, kind, scope and served versions;
//!   `gateway` reads a CRD the first time one of its kinds' schema is.
//! - `builtin_kinds.rs`: the Kubernetes version of k8s-openapi, every built-in kind
//!   (apiVersion, kind, scope, the name of its definition) and every named definition
//!   of their schemas as its own JSON text, sorted by name. `core` converts a
//!   definition the first time something asks for it, so a run pays only for the kinds
//!   its objects use (generating and converting all of them took ~18 ms per run).
//!
//! Invariant: the output depends only on the crates' versions (sorted, no maps with
//! hash order), so the binary is reproducible.

use gateway_api::apis::standard::{
    backendtlspolicies::BackendTlsPolicy, gatewayclasses::GatewayClass, gateways::Gateway, grpcroutes::GrpcRoute,
    httproutes::HttpRoute, listenersets::ListenerSet, referencegrants::ReferenceGrant, tlsroutes::TlsRoute,
};
use k8s_openapi::Resource;
use kube::CustomResourceExt;
use schemars::SchemaGenerator;
use std::fmt::Write as _;
use std::path::PathBuf;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("gateway_crds.rs"), gateway_crds()?)?;
    std::fs::write(out.join("builtin_kinds.rs"), builtin_kinds()?)?;
    Ok(())
}

/// Each CRD as its own JSON text, with what the registry needs before reading it: its
/// group, kind, scope and served versions.
fn gateway_crds() -> Result<String, Error> {
    let crds = vec![
        serde_json::to_value(GatewayClass::crd())?,
        serde_json::to_value(Gateway::crd())?,
        serde_json::to_value(HttpRoute::crd())?,
        serde_json::to_value(GrpcRoute::crd())?,
        serde_json::to_value(TlsRoute::crd())?,
        serde_json::to_value(ReferenceGrant::crd())?,
        serde_json::to_value(BackendTlsPolicy::crd())?,
        serde_json::to_value(ListenerSet::crd())?,
    ];
    let mut out = String::from("static CRDS: &[GatewayCrd] = &[\n");
    for crd in &crds {
        let text = |pointer: &str| crd.pointer(pointer).and_then(|v| v.as_str()).ok_or(format!("no {pointer}"));
        let versions: Vec<&str> = crd
            .pointer("/spec/versions")
            .and_then(|v| v.as_array())
            .ok_or("no versions")?
            .iter()
            .filter(|v| v.get("served").and_then(|s| s.as_bool()) == Some(true))
            .filter_map(|v| v.get("name").and_then(|n| n.as_str()))
            .collect();
        writeln!(
            out,
            "    GatewayCrd {{ group: {:?}, kind: {:?}, scope: Scope::{}, versions: &{versions:?}, json: {:?} }},",
            text("/spec/group")?,
            text("/spec/names/kind")?,
            text("/spec/scope")?,
            serde_json::to_string(crd)?
        )?;
    }
    out.push_str("];\n");
    Ok(out)
}

/// One built-in kind: its identity and how to make its schema.
struct Builtin {
    api_version: &'static str,
    kind: &'static str,
    scope: &'static str,
    schema: fn(&mut SchemaGenerator) -> schemars::Schema,
}

fn builtin<T: Resource + schemars::JsonSchema>(scope: &'static str) -> Builtin {
    Builtin { api_version: T::API_VERSION, kind: T::KIND, scope, schema: |g| g.subschema_for::<T>() }
}

macro_rules! builtins {
    ($($scope:ident $($seg:ident)::+,)*) => {
        vec![$(builtin::<k8s_openapi::$($seg)::+>(stringify!($scope))),*]
    };
}

/// Every kind the API server serves as objects (sub-resources such as `Scale` and the
/// discovery documents of `meta/v1` are left out).
fn all() -> Vec<Builtin> {
    builtins! {
        Cluster api::admissionregistration::v1::MutatingWebhookConfiguration,
        Cluster api::admissionregistration::v1::ValidatingAdmissionPolicy,
        Cluster api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
        Cluster api::admissionregistration::v1::ValidatingWebhookConfiguration,
        Cluster api::admissionregistration::v1alpha1::MutatingAdmissionPolicy,
        Cluster api::admissionregistration::v1alpha1::MutatingAdmissionPolicyBinding,
        Cluster api::admissionregistration::v1beta1::MutatingAdmissionPolicy,
        Cluster api::admissionregistration::v1beta1::MutatingAdmissionPolicyBinding,
        Cluster api::apiserverinternal::v1alpha1::StorageVersion,
        Namespaced api::apps::v1::ControllerRevision,
        Namespaced api::apps::v1::DaemonSet,
        Namespaced api::apps::v1::Deployment,
        Namespaced api::apps::v1::ReplicaSet,
        Namespaced api::apps::v1::StatefulSet,
        Cluster api::authentication::v1::SelfSubjectReview,
        Cluster api::authentication::v1::TokenReview,
        Namespaced api::authorization::v1::LocalSubjectAccessReview,
        Cluster api::authorization::v1::SelfSubjectAccessReview,
        Cluster api::authorization::v1::SelfSubjectRulesReview,
        Cluster api::authorization::v1::SubjectAccessReview,
        Namespaced api::autoscaling::v1::HorizontalPodAutoscaler,
        Namespaced api::autoscaling::v2::HorizontalPodAutoscaler,
        Namespaced api::batch::v1::CronJob,
        Namespaced api::batch::v1::Job,
        Cluster api::certificates::v1::CertificateSigningRequest,
        Cluster api::certificates::v1alpha1::ClusterTrustBundle,
        Namespaced api::certificates::v1alpha1::PodCertificateRequest,
        Cluster api::certificates::v1beta1::ClusterTrustBundle,
        Namespaced api::coordination::v1::Lease,
        Namespaced api::coordination::v1alpha2::LeaseCandidate,
        Namespaced api::coordination::v1beta1::LeaseCandidate,
        Namespaced api::core::v1::Binding,
        Cluster api::core::v1::ComponentStatus,
        Namespaced api::core::v1::ConfigMap,
        Namespaced api::core::v1::Endpoints,
        Namespaced api::core::v1::Event,
        Namespaced api::core::v1::LimitRange,
        Cluster api::core::v1::Namespace,
        Cluster api::core::v1::Node,
        Cluster api::core::v1::PersistentVolume,
        Namespaced api::core::v1::PersistentVolumeClaim,
        Namespaced api::core::v1::Pod,
        Namespaced api::core::v1::PodTemplate,
        Namespaced api::core::v1::ReplicationController,
        Namespaced api::core::v1::ResourceQuota,
        Namespaced api::core::v1::Secret,
        Namespaced api::core::v1::Service,
        Namespaced api::core::v1::ServiceAccount,
        Namespaced api::discovery::v1::EndpointSlice,
        Namespaced api::events::v1::Event,
        Cluster api::flowcontrol::v1::FlowSchema,
        Cluster api::flowcontrol::v1::PriorityLevelConfiguration,
        Cluster api::networking::v1::IPAddress,
        Namespaced api::networking::v1::Ingress,
        Cluster api::networking::v1::IngressClass,
        Namespaced api::networking::v1::NetworkPolicy,
        Cluster api::networking::v1::ServiceCIDR,
        Cluster api::networking::v1beta1::IPAddress,
        Cluster api::networking::v1beta1::ServiceCIDR,
        Cluster api::node::v1::RuntimeClass,
        Namespaced api::policy::v1::PodDisruptionBudget,
        Cluster api::rbac::v1::ClusterRole,
        Cluster api::rbac::v1::ClusterRoleBinding,
        Namespaced api::rbac::v1::Role,
        Namespaced api::rbac::v1::RoleBinding,
        Cluster api::resource::v1::DeviceClass,
        Namespaced api::resource::v1::ResourceClaim,
        Namespaced api::resource::v1::ResourceClaimTemplate,
        Cluster api::resource::v1::ResourceSlice,
        Cluster api::resource::v1alpha3::DeviceTaintRule,
        Cluster api::resource::v1beta1::DeviceClass,
        Namespaced api::resource::v1beta1::ResourceClaim,
        Namespaced api::resource::v1beta1::ResourceClaimTemplate,
        Cluster api::resource::v1beta1::ResourceSlice,
        Cluster api::resource::v1beta2::DeviceClass,
        Namespaced api::resource::v1beta2::ResourceClaim,
        Namespaced api::resource::v1beta2::ResourceClaimTemplate,
        Cluster api::resource::v1beta2::ResourceSlice,
        Cluster api::scheduling::v1::PriorityClass,
        Cluster api::storage::v1::CSIDriver,
        Cluster api::storage::v1::CSINode,
        Namespaced api::storage::v1::CSIStorageCapacity,
        Cluster api::storage::v1::StorageClass,
        Cluster api::storage::v1::VolumeAttachment,
        Cluster api::storage::v1::VolumeAttributesClass,
        Cluster api::storage::v1alpha1::VolumeAttributesClass,
        Cluster api::storage::v1beta1::VolumeAttributesClass,
        Cluster api::storagemigration::v1alpha1::StorageVersionMigration,
        Cluster apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
        Cluster kube_aggregator::pkg::apis::apiregistration::v1::APIService,
    }
}

#[allow(clippy::needless_late_init)] // exactly one of the version macros expands
fn kubernetes_version() -> &'static str {
    let v: &'static str;
    k8s_openapi::k8s_if_1_32! { v = "1.32"; }
    k8s_openapi::k8s_if_1_33! { v = "1.33"; }
    k8s_openapi::k8s_if_1_34! { v = "1.34"; }
    k8s_openapi::k8s_if_1_35! { v = "1.35"; }
    k8s_openapi::k8s_if_1_36! { v = "1.36"; }
    v
}

fn builtin_kinds() -> Result<String, Error> {
    let mut generator = SchemaGenerator::default();
    let builtins = all();
    let roots: Vec<schemars::Schema> = builtins.iter().map(|b| (b.schema)(&mut generator)).collect();
    let definitions = generator.take_definitions(true);
    let mut names: Vec<&String> = definitions.keys().collect();
    names.sort();
    let mut out = String::new();
    writeln!(out, "const KUBERNETES_VERSION: &str = {:?};", kubernetes_version())?;
    writeln!(out, "static KINDS: &[BuiltinKind] = &[")?;
    for (b, root) in builtins.iter().zip(&roots) {
        let reference = root.get("$ref").and_then(|r| r.as_str()).ok_or_else(|| format!("{}: no $ref", b.kind))?;
        let name = reference.rsplit('/').next().unwrap_or(reference);
        let index = names.binary_search(&&name.to_string()).map_err(|_| format!("{}: no definition {name}", b.kind))?;
        writeln!(
            out,
            "    BuiltinKind {{ api_version: {:?}, kind: {:?}, scope: Scope::{}, definition: {index} }},",
            b.api_version, b.kind, b.scope
        )?;
    }
    writeln!(out, "];")?;
    writeln!(out, "static DEFINITIONS: &[(&str, &str)] = &[")?;
    for name in names {
        writeln!(out, "    ({name:?}, {:?}),", serde_json::to_string(&definitions[name.as_str()])?)?;
    }
    writeln!(out, "];")?;
    Ok(out)
}
