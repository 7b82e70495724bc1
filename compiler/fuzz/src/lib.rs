//! Fuzzing cedc on stable Rust, without cargo-fuzz.
//!
//! - [`generate`]: a grammar- and type-aware generator of whole `.ced` programs;
//! - [`mutate`]: byte- and token-level mutation of the repository's `.ced` files
//!   ([`corpus`]) and of generated programs;
//! - [`check`]: the properties of one input (no panic, diagnostics that render and are
//!   documented, formatter idempotent and meaning-preserving, determinism);
//! - [`worker`]: inputs run in process in a worker subprocess with capped memory, behind
//!   a supervisor that turns a crash, an abort or a hang into a failure of the input in
//!   flight and restarts the worker;
//! - [`campaign`]: a run over a seed, minimising each distinct failure ([`minimize`]) and
//!   writing reproducers;
//! - [`lsp`]: random sessions against the language server, malformed frames included.
//!
//! Invariant: input `i` of seed `s` is a function of `(s, i)` and the repository's
//! files, so every failure can be regenerated (`cedc-fuzz input --seed s --index i`).

pub mod campaign;
pub mod case;
pub mod check;
pub mod corpus;
pub mod generate;
pub mod lsp;
pub mod minimize;
pub mod mutate;
pub mod rng;
pub mod tail;
pub mod worker;
