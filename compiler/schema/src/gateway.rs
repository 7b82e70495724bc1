//! The Gateway API kinds (standard channel), built in: their CRDs come from the typed
//! `gateway-api` crate (Gateway API v1.5.1, which v1.6 serves unchanged in the standard
//! channel), converted like any CRD file, so that projects routing traffic need not
//! import Gateway API CRDs themselves. The test suite compares them with the upstream
//! v1.6 CRDs when those are available.

use crate::{Registry, Source, crd};
use gateway_api::apis::standard::{
    backendtlspolicies::BackendTlsPolicy, gatewayclasses::GatewayClass, gateways::Gateway, grpcroutes::GrpcRoute,
    httproutes::HttpRoute, listenersets::ListenerSet, referencegrants::ReferenceGrant, tlsroutes::TlsRoute,
};
use kube::CustomResourceExt;

/// The Gateway API version whose kinds are built in.
pub const GATEWAY_API_VERSION: &str = "v1.5.1";

/// The CRDs of the built-in Gateway API kinds, as JSON.
pub fn crds() -> Vec<serde_json::Value> {
    [
        serde_json::to_value(GatewayClass::crd()),
        serde_json::to_value(Gateway::crd()),
        serde_json::to_value(HttpRoute::crd()),
        serde_json::to_value(GrpcRoute::crd()),
        serde_json::to_value(TlsRoute::crd()),
        serde_json::to_value(ReferenceGrant::crd()),
        serde_json::to_value(BackendTlsPolicy::crd()),
        serde_json::to_value(ListenerSet::crd()),
    ]
    .into_iter()
    .filter_map(Result::ok)
    .collect()
}

/// Add the Gateway API kinds to a registry. Problems cannot come from users (the CRDs
/// are compiled in); the tests assert there are none.
pub fn add(registry: &mut Registry) -> Vec<crd::CrdProblem> {
    let mut problems = Vec::new();
    for c in crds() {
        let report = crd::load_into(registry, "<built-in Gateway API>", &c.to_string());
        for key in &report.loaded {
            if let Some(k) = registry.kinds.get_mut(key) {
                k.source = Source::GatewayApi;
            }
        }
        problems.extend(report.problems);
    }
    problems
}
