//! The platform model: what evaluation produces and what checks and emitters read.

mod platform;
mod value;

pub use platform::{
    CLUSTER_SCOPED, Component, ComponentInfo, Environment, Object, ObjectId, Platform, conventional_order,
    is_cluster_scoped,
};
pub use value::{Fields, Origin, PathSeg, Value, ValueKind};
