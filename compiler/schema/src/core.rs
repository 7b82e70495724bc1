//! The built-in kinds of the target Kubernetes version, from k8s-openapi: each kind's
//! schema comes from the crate's `schemars` implementations (the API server's own
//! OpenAPI document, turned into Rust by k8s-openapi), converted once into the model.
//!
//! The version is the `v1_*` feature of k8s-openapi chosen by the `cedc` binary (see
//! docs/kinds.md): [`kubernetes_version`] says which one.

use crate::{Kind, Registry, Schema, Scope, Source, Ty, convert, split_api_version};
use k8s_openapi::Resource;
use schemars::SchemaGenerator;
use std::sync::{Arc, OnceLock};

/// The Kubernetes minor version whose built-in kinds are known, e.g. `1.34`.
#[allow(clippy::needless_late_init)] // exactly one of the version macros expands
pub fn kubernetes_version() -> &'static str {
    let v: &'static str;
    k8s_openapi::k8s_if_1_32! { v = "1.32"; }
    k8s_openapi::k8s_if_1_33! { v = "1.33"; }
    k8s_openapi::k8s_if_1_34! { v = "1.34"; }
    k8s_openapi::k8s_if_1_35! { v = "1.35"; }
    k8s_openapi::k8s_if_1_36! { v = "1.36"; }
    v
}

/// One built-in kind: its identity and how to make its schema.
struct Builtin {
    api_version: &'static str,
    kind: &'static str,
    scope: Scope,
    schema: fn(&mut SchemaGenerator) -> schemars::Schema,
}

fn builtin<T: Resource + schemars::JsonSchema>(scope: Scope) -> Builtin {
    Builtin { api_version: T::API_VERSION, kind: T::KIND, scope, schema: |g| g.subschema_for::<T>() }
}

macro_rules! builtins {
    ($($scope:ident $($seg:ident)::+,)*) => {
        vec![$(builtin::<k8s_openapi::$($seg)::+>(Scope::$scope)),*]
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

/// The built-in kinds, with the Gateway API ([`crate::gateway`]), cert-manager
/// ([`crate::certmanager`]) and Argo CD ([`crate::argocd`]) kinds, converted once per
/// process.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(build)
}

fn build() -> Registry {
    let mut generator = SchemaGenerator::default();
    let builtins = all();
    let refs: Vec<schemars::Schema> = builtins.iter().map(|b| (b.schema)(&mut generator)).collect();
    let definitions = generator.take_definitions(true);
    let mut registry = Registry::default();
    match convert::definitions_from(&definitions) {
        Ok(defs) => registry.definitions = defs,
        // The schemas are compiled into the binary: a failure here is a bug of cedc, and
        // the tests (see `every_builtin_kind_converts`) keep it from shipping.
        Err(_) => return registry,
    }
    for (b, r) in builtins.iter().zip(refs) {
        let schema = match convert::from_openapi(r.as_value()) {
            // The kind's own definition, so that lookups need not follow a reference.
            Ok(Schema { ty: Ty::Ref(name), .. }) => match registry.definitions.get(&name) {
                Some(s) => s.clone(),
                None => continue,
            },
            Ok(s) => Arc::new(s),
            Err(_) => continue,
        };
        let (group, version) = split_api_version(b.api_version);
        registry.insert(Kind {
            group: group.to_string(),
            version: version.to_string(),
            kind: b.kind.to_string(),
            scope: b.scope,
            schema,
            source: Source::Builtin,
        });
    }
    crate::gateway::add(&mut registry);
    crate::certmanager::add(&mut registry);
    crate::crossplane::add(&mut registry);
    crate::gcp::add(&mut registry);
    crate::argocd::add(&mut registry);
    crate::vault::add(&mut registry);
    crate::eso::add(&mut registry);
    registry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_kind_converts() {
        let mut generator = SchemaGenerator::default();
        let builtins = all();
        for b in &builtins {
            (b.schema)(&mut generator);
        }
        let defs = generator.take_definitions(true);
        let converted = convert::definitions_from(&defs).map_err(|e| e.to_string());
        assert!(converted.is_ok(), "{converted:?}");
        let r = registry();
        for b in &builtins {
            assert!(r.lookup(b.api_version, b.kind).is_some(), "{} {} did not convert", b.api_version, b.kind);
        }
        assert!(builtins.len() > 80, "{}", builtins.len());
        // Plus the Gateway API, cert-manager, Argo CD, Vault, External Secrets and Crossplane kinds.
        let gateway = r.kinds.values().filter(|k| k.group == "gateway.networking.k8s.io").count();
        let cert_manager = r.kinds.values().filter(|k| k.group == "cert-manager.io").count();
        let argo_cd = r.kinds.values().filter(|k| k.group == "argoproj.io").count();
        let vault =
            r.kinds.values().filter(|k| k.group == "secrets.hashicorp.com" || k.group == "redhatcop.redhat.io").count();
        let eso = r.kinds.values().filter(|k| k.group == "external-secrets.io").count();
        let crossplane = r.kinds.values().filter(|k| k.group.ends_with(".crossplane.io")).count();
        let gcp = r.kinds.values().filter(|k| k.group.ends_with("gcp.upbound.io")).count();
        assert_eq!(r.kinds.len(), builtins.len() + gateway + cert_manager + argo_cd + vault + eso + crossplane + gcp);
        assert_eq!(eso, 3);
        assert_eq!(crossplane, 8);
        assert_eq!(gcp, 5);
        assert_eq!(cert_manager, 4);
        assert_eq!(argo_cd, 3);
        assert_eq!(vault, 6);
        assert!(gateway >= 8, "{gateway}");
    }

    #[test]
    fn kinds_scopes_and_fields() {
        let r = registry();
        let d = r.lookup("apps/v1", "Deployment").unwrap();
        assert_eq!(d.scope, Scope::Namespaced);
        let ns = r.lookup("v1", "Namespace").unwrap();
        assert_eq!(ns.scope, Scope::Cluster);
        assert!(r.lookup("v1", "Deployment").is_none());
        let Ty::Object(o) = &d.schema.ty else { panic!("{:?}", d.schema.ty) };
        assert!(o.properties.contains_key("spec"));
        let spec = r.resolve(&o.properties["spec"]);
        let Ty::Object(spec) = &spec.ty else { panic!() };
        assert!(spec.required.contains(&"selector".to_string()), "{:?}", spec.required);
        assert!(spec.properties["replicas"].description.is_some());
        // int-or-string stays int-or-string.
        let svc = r.lookup("v1", "Service").unwrap();
        let Ty::Object(o) = &svc.schema.ty else { panic!() };
        let Ty::Object(spec) = &r.resolve(&o.properties["spec"]).ty else { panic!() };
        let Ty::Array(ports) = &spec.properties["ports"].ty else { panic!() };
        let Ty::Object(port) = &r.resolve(ports.items.as_ref().unwrap()).ty else { panic!() };
        assert!(matches!(r.resolve(&port.properties["targetPort"]).ty, Ty::IntOrString(_)));
        assert_eq!(kubernetes_version(), "1.34");
    }
}
