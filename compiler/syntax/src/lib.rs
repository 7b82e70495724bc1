//! The syntax of `.ced`: the pest grammar (`grammar.pest`), the AST, and the parser.

pub mod ast;
pub mod field;
mod parser;
mod pieces;
pub mod visit;

pub use parser::{MAX_NESTING, parse, parse_expr};

/// The reserved words of the language (docs/language.md §2). The language server
/// (completion, rename) and the fuzzer take them from here.
pub const KEYWORDS: &[&str] = &[
    "import",
    "as",
    "let",
    "type",
    "fn",
    "composite",
    "env",
    "component",
    "in",
    "if",
    "then",
    "else",
    "match",
    "for",
    "true",
    "false",
    "none",
    "with",
];
