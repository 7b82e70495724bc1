//! [tree-sitter] grammar for the cedc language (`.ced` files).
//!
//! Use the [`LANGUAGE`] constant to give the language to a tree-sitter parser:
//!
//! ```
//! let code = r#"let replicas = if env.production then 3 else 1"#;
//! let mut parser = tree_sitter::Parser::new();
//! parser
//!     .set_language(&tree_sitter_ced::LANGUAGE.into())
//!     .expect("Error loading the ced grammar");
//! let tree = parser.parse(code, None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```
//!
//! The queries used by editors ([`HIGHLIGHTS_QUERY`], [`LOCALS_QUERY`],
//! [`FOLDS_QUERY`], [`INDENTS_QUERY`]) are exported as strings.
//!
//! [tree-sitter]: https://tree-sitter.github.io/

use tree_sitter_language::LanguageFn;

unsafe extern "C" {
    fn tree_sitter_ced() -> *const ();
}

/// The tree-sitter [`LanguageFn`] for this grammar; convert it with `.into()` to get
/// a `tree_sitter::Language`.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_ced) };

/// The content of the [`node-types.json`] file for this grammar.
///
/// [`node-types.json`]: https://tree-sitter.github.io/tree-sitter/using-parsers/6-static-node-types
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

/// The syntax highlighting query (`queries/highlights.scm`).
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

/// The local definitions, references and scopes query (`queries/locals.scm`).
pub const LOCALS_QUERY: &str = include_str!("../../queries/locals.scm");

/// The code folding query (`queries/folds.scm`).
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");

/// The indentation query (`queries/indents.scm`, nvim-treesitter captures).
pub const INDENTS_QUERY: &str = include_str!("../../queries/indents.scm");

#[cfg(test)]
mod tests {
    #[test]
    fn loads_the_grammar() {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&super::LANGUAGE.into()).expect("Error loading the ced grammar");
        let tree = parser.parse("let a = 1", None).unwrap();
        assert_eq!(tree.root_node().to_sexp(), "(source_file (let_declaration name: (identifier) value: (integer)))");
    }
}
