; Scopes, definitions and references of .ced names.
;
; Top-level declarations are visible in the whole file (in any order); parameters in
; their function, and a composite's parameter in its declaration; `let … in` bindings
; in the rest of their let expression; `for` variables in their comprehension.

; Scopes

(source_file) @local.scope

(function_declaration) @local.scope

(composite_declaration) @local.scope

(let_expression) @local.scope

(comprehension) @local.scope

; Definitions

(let_declaration
  name: (identifier) @local.definition)

(function_declaration
  name: (identifier) @local.definition)

(type_declaration
  name: (type_identifier) @local.definition)

(composite_declaration
  name: (type_identifier) @local.definition)

(env_declaration
  name: (identifier) @local.definition)

(component_declaration
  name: (identifier) @local.definition)

(import_declaration
  alias: (identifier) @local.definition)

(parameter
  name: (identifier) @local.definition)

(let_binding
  name: (identifier) @local.definition)

(comprehension
  variable: (identifier) @local.definition)

; References: names used as values, the first name of an override path, environment
; names in match patterns and override blocks, and type names.

(_expression/identifier) @local.reference

(path
  root: (identifier) @local.reference)

(match_arm
  pattern: (identifier) @local.reference)

(override_block
  env: (identifier) @local.reference)

(named_type
  name: (type_identifier) @local.reference)

(named_type
  module: (identifier) @local.reference)
