//! Types: the type checker, which runs over all files before evaluation, and the
//! domain literal types (`Name`, `Port`, `Quantity`, ...) shared with evaluation.

mod check;
pub mod domain;
pub mod kinds;
mod ty;

pub use check::{Checked, CompositeInfo, DeclKey, EnvInfo, FnSig, OverrideInfo, ParamSig, check, check_with};
pub use domain::Domain;
pub use ty::{DefaultExpr, FieldType, RecordType, Type, assignable, join};
