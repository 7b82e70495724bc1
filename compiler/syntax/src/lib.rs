//! The syntax of `.ced`: the pest grammar (`grammar.pest`), the AST, and the parser.

pub mod ast;
mod parser;

pub use parser::{MAX_NESTING, parse, parse_expr};
