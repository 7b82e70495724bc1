//! Typed views per kind family, in the manner of a typed AST over an untyped tree: each
//! family's module holds its API group, versions and kind names once, an
//! [`ObjectView`](crate::ObjectView) per kind (made with `object_view!`, cast from an
//! [`Object`](crate::Object) only when group and kind match) and a view per part
//! (listener, reference, solver; made with `part_view!`). Accessors apply the API's
//! documented defaults and return fields as [`View`](crate::View)s where a caller may
//! point at them.
//!
//! Adding a family: a module here with its constants, `object_view!`/`part_view!`
//! declarations and accessors, exported below; checks then read it instead of paths.

pub mod argocd;
pub mod certmanager;
pub mod clickhouse;
pub mod cluster;
pub mod core;
pub mod crossplane;
pub mod delivery;
pub mod eso;
pub mod gateway;
pub mod gcp;
pub mod ingress;
pub mod placement;
pub mod sandbox;
pub mod secrets;
pub mod storage;
pub mod vault;
