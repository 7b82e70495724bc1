; Code folding for .ced files: bracketed blocks and multi-line strings.

[
  (record)
  (record_type)
  (list)
  (comprehension)
  (match_expression)
  (override_block)
  (parameter_list)
  (argument_list)
  (string)
] @fold
