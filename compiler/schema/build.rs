//! Writes the built-in Gateway API CRDs (from the typed `gateway-api` crate) as one JSON
//! array into `OUT_DIR` at build time. Generating them (kube's derive, through schemars)
//! took about 30 ms of every run's start-up; `gateway::crds` now parses this text.

use gateway_api::apis::standard::{
    backendtlspolicies::BackendTlsPolicy, gatewayclasses::GatewayClass, gateways::Gateway, grpcroutes::GrpcRoute,
    httproutes::HttpRoute, listenersets::ListenerSet, referencegrants::ReferenceGrant, tlsroutes::TlsRoute,
};
use kube::CustomResourceExt;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=build.rs");
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
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("gateway_crds.json");
    std::fs::write(out, serde_json::to_string(&crds)?)?;
    Ok(())
}
