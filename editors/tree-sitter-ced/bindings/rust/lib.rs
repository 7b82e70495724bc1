//! tree-sitter grammar for `.ced` (work in progress).
