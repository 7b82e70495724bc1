; Indentation for .ced files, with nvim-treesitter's captures (@indent.begin,
; @indent.branch, @indent.end, @indent.ignore, @indent.auto). Helix uses other capture
; names (@indent, @outdent) and is not covered by this file.

[
  (record)
  (record_type)
  (list)
  (comprehension)
  (match_expression)
  (override_block)
  (parameter_list)
  (argument_list)
  (parenthesized_expression)
] @indent.begin

[
  "}"
  "]"
  ")"
] @indent.branch @indent.end

; The text of a multi-line string keeps its own indentation.
(string) @indent.ignore

[
  (comment)
  (doc_comment)
] @indent.auto
