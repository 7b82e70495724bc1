//! The pipeline every front end runs — the command line (`cedc`) and the language server
//! (`cedc_lsp`) — and the project file, `cedc.toml`. Front ends add only their I/O.

pub mod packages;
mod pipeline;
pub mod project;

pub use pipeline::{
    Clock, Compilation, Kept, Options, Settings, compile, compile_opts, compile_project, compile_project_opts,
    compile_with, crd_problem,
};
