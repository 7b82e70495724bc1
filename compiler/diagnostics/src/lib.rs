//! Diagnostics for cedc: spans and source files (the lowest layer, shared by every
//! phase), coded diagnostics, and the registry of codes with their explanations.

pub mod codes;
mod diagnostic;
mod span;
mod window;

pub use diagnostic::{COMPUTED_HERE, Diagnostic, Severity, USED_HERE, a_or_an, did_you_mean, merge_across_envs};
pub use span::{FileId, Files, SourceFile, Span};

/// Diagnostics collected by a phase. Phases keep going after an error so that one run
/// reports everything it can.
pub type Diagnostics = Vec<Diagnostic>;
