//! The syntax of `.ced`: the pest grammar (`grammar.pest`), the AST, and the parser
//! (pest, with a hand-written fast path for the inputs it accepts: `fast`).

pub mod ast;
mod fast;
pub mod field;
mod meaning;
mod parser;
mod pieces;
pub mod visit;

pub use parser::{MAX_NESTING, parse, parse_expr};

/// For tests only (the fast path's differential tests): [`parse`] by pest alone.
#[doc(hidden)]
pub use parser::parse_with_pest as __parse_with_pest;

/// For tests only (the fast path's differential tests): [`parse`] by the fast path
/// alone, `None` where it gives up.
#[doc(hidden)]
pub use parser::parse_fast as __parse_fast;

/// For tests only: runs a closure on a thread with the parser's large stack (the two
/// hooks above run on the caller's).
#[doc(hidden)]
pub use parser::on_parser_stack as __on_parser_stack;

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
