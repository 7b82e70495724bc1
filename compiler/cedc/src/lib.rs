//! The `cedc` compiler as a library: project configuration and the compilation
//! pipeline. The binary (`main.rs`) is the command line on top of it.

pub mod driver;
pub mod project;

pub use driver::{Compilation, compile};
