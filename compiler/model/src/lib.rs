//! The platform model: what evaluation produces and what checks and emitters read,
//! and the [`Layout`] of the tree emitted from it. Object bodies are read through typed
//! views ([`View`], and per kind family in [`views`]), which keep every field's
//! provenance.

mod field_map;
mod intern;
mod layout;
pub mod parallel;
mod platform;
mod value;
mod view;
pub mod views;

pub use intern::Interner;
pub use layout::Layout;
pub use platform::{
    CLUSTER_SCOPED, Component, ComponentInfo, Environment, METADATA_ORDER, Object, ObjectId, Platform, TOP_ORDER,
    conventional_order, is_cluster_scoped,
};
pub use value::{
    FieldMap, Fields, Holds, Key, Named, Origin, PatchSource, PathSeg, SecretSource, SecretStore, Value, ValueKind,
};
pub use view::{Entries, Items, ObjectKey, ObjectView, View};

/// What the view macros name; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use cedc_diagnostics::Span;
}
