; Syntax highlighting for .ced files.
;
; Capture names are scopes that Helix's themes know (docs.helix-editor.com/themes.html);
; an editor without the exact name falls back to a shorter prefix (`@keyword.conditional`
; to `@keyword`), as Helix and Neovim do. Where Neovim's names differ (@namespace,
; @constant.numeric.integer, @constant.builtin.boolean, @constant.character.escape,
; @variable.other.member, @comment.line.documentation), editors/neovim/plugin/ced.lua
; links them to Neovim's groups (@module, @number, ...).
;
; Each node gets one capture, whatever the order in which an editor applies the
; patterns (tree-sitter-highlight and Helix let the first match win, Neovim the
; last). The one exception is the name of a called module function
; (`k8s.deployment(...)`): @function.call comes first and wins in Helix, Neovim
; shows it as a field (@variable.other.member).

; Comments

(comment) @comment

(doc_comment) @comment.line.documentation

; Literals

(string) @string

(escape_sequence) @constant.character.escape

(interpolation
  [
    "{"
    "}"
  ] @punctuation.special)

(integer) @constant.numeric.integer

(boolean) @constant.builtin.boolean

(none) @constant.builtin

(env) @variable.builtin

(wildcard) @variable.builtin

; Declarations

(let_declaration
  name: (identifier) @constant)

(component_declaration
  name: (identifier) @constant)

(env_declaration
  name: (identifier) @constant)

(override_block
  env: (identifier) @constant)

(function_declaration
  name: (identifier) @function)

(parameter
  name: (identifier) @variable.parameter)

(import_declaration
  alias: (identifier) @namespace)

(let_binding
  name: (identifier) @variable)

(comprehension
  variable: (identifier) @variable)

(path
  root: (identifier) @variable)

(match_arm
  pattern: (identifier) @constant)

; Types (the name of a type declaration and the kind of a composite declaration are
; type_identifiers too)

((type_identifier) @type.builtin
  (#any-of? @type.builtin
    "String" "Int" "Bool" "Name" "Label" "Port" "Quantity" "Hostname" "Duration" "List" "Map"
    "Any" "Env" "Secret"))

((type_identifier) @type
  (#not-any-of? @type
    "String" "Int" "Bool" "Name" "Label" "Port" "Quantity" "Hostname" "Duration" "List" "Map"
    "Any" "Env" "Secret"))

(named_type
  module: (identifier) @namespace)

; Calls

((call_expression
  function: (identifier) @function.builtin)
  (#any-of? @function.builtin
    "len" "join" "keys" "lower" "upper" "string" "contains" "component_name"
    "vault_secret" "existing_secret" "secret_ref" "public"))

((call_expression
  function: (identifier) @function.call)
  (#not-any-of? @function.call
    "len" "join" "keys" "lower" "upper" "string" "contains" "component_name"
    "vault_secret" "existing_secret" "secret_ref" "public"))

(call_expression
  function: (field_expression
    field: (field_name) @function.call))

(named_argument
  name: (identifier) @variable.parameter)

; Fields

(field_name) @variable.other.member

; Names used as values (every expression position but a call's function)

(let_declaration
  value: (identifier) @variable)

(function_declaration
  body: (identifier) @variable)

(composite_declaration
  body: (identifier) @variable)

(component_declaration
  value: (identifier) @variable)

(override
  value: (identifier) @variable)

(parameter
  default: (identifier) @variable)

(record_type_field
  default: (identifier) @variable)

(binary_expression
  [
    left: (identifier)
    right: (identifier)
  ] @variable)

(unary_expression
  operand: (identifier) @variable)

(argument_list
  (identifier) @variable)

(named_argument
  value: (identifier) @variable)

(field_expression
  object: (identifier) @variable)

(index_expression
  [
    object: (identifier)
    index: (identifier)
  ] @variable)

(if_expression
  [
    condition: (identifier)
    consequence: (identifier)
    alternative: (identifier)
  ] @variable)

(else_if_clause
  [
    condition: (identifier)
    consequence: (identifier)
  ] @variable)

(match_expression
  value: (identifier) @variable)

(match_arm
  value: (identifier) @variable)

(let_binding
  value: (identifier) @variable)

(let_expression
  body: (identifier) @variable)

(comprehension
  [
    iterable: (identifier)
    condition: (identifier)
    body: (identifier)
  ] @variable)

(list
  (identifier) @variable)

(spread_element
  value: (identifier) @variable)

(record_field
  value: (identifier) @variable)

(parenthesized_expression
  (identifier) @variable)

(interpolation
  expression: (identifier) @variable)

; Keywords

[
  "let"
  "in"
  "component"
] @keyword

(env_declaration
  "env" @keyword)

"fn" @keyword.function

[
  "type"
  "composite"
] @keyword.type

[
  "import"
  "as"
] @keyword.import

[
  "if"
  "then"
  "else"
  "match"
] @keyword.conditional

"for" @keyword.repeat

"with" @keyword.operator

; Operators

[
  "??"
  "||"
  "&&"
  "=="
  "!="
  "<="
  ">="
  "+"
  "-"
  "*"
  "/"
  "%"
  "!"
  "="
  "=>"
  "->"
  "..."
  "?"
] @operator

(binary_expression
  operator: [
    "<"
    ">"
  ] @operator)

(open_marker) @operator

; Punctuation

[
  "("
  ")"
  "["
  "]"
] @punctuation.bracket

(record
  [
    "{"
    "}"
  ] @punctuation.bracket)

(record_type
  [
    "{"
    "}"
  ] @punctuation.bracket)

(match_expression
  [
    "{"
    "}"
  ] @punctuation.bracket)

(override_block
  [
    "{"
    "}"
  ] @punctuation.bracket)

(type_arguments
  [
    "<"
    ">"
  ] @punctuation.bracket)

[
  ","
  "."
  ":"
  "|"
] @punctuation.delimiter
