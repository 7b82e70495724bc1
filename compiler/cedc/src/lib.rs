//! The `cedc` compiler as a library: the pipeline and project configuration (from
//! `cedc_driver`, shared with the language server). The binary (`main.rs`) is the
//! command line on top of it.

pub use cedc_driver::{
    Compilation, Kept, Options, Settings, compile, compile_opts, compile_project, compile_project_opts, compile_with,
    project,
};

pub mod doc;
