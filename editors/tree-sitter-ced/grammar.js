/**
 * @file tree-sitter grammar for the cedc language (`.ced` files).
 * @license MIT
 *
 * This grammar mirrors compiler/syntax/src/grammar.pest (the authoritative grammar)
 * and the Pratt parser in compiler/syntax/src/parser.rs (operator precedence and
 * associativity). Where a rule here corresponds to a pest rule, the pest name is
 * given in a comment. The differences that remain are listed in README.md.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Binding strength, loosest first (the Pratt table of parser.rs). `if … else` and
// `let … in` extend as far right as possible, so they bind looser than every operator;
// postfix binds tightest.
const PREC = {
  open_ended: -1,
  // Above open_ended: after `else if c then d`, an `else` continues the chain rather
  // than giving an `else` to an `if` nested in the clause (pest's greedy repetition).
  else_if: 0,
  with: 1,
  coalesce: 2,
  or: 3,
  and: 4,
  equality: 5,
  comparison: 6,
  additive: 7,
  multiplicative: 8,
  unary: 9,
  postfix: 10,
};

// Every keyword of the language (pest: `keyword`). They cannot be identifiers, but they
// can be field names (after a dot, in an override path, in a record type).
const KEYWORDS = [
  'import', 'as', 'let', 'type', 'fn', 'composite', 'env', 'component', 'in', 'if',
  'then', 'else', 'match', 'for', 'true', 'false', 'none', 'with',
];

/**
 * `rule (',' rule)*`
 * @param {RuleOrLiteral} rule
 * @param {RuleOrLiteral} separator
 */
function sep1(rule, separator) {
  return seq(rule, repeat(seq(separator, rule)));
}

/**
 * `(rule (',' rule)* ','?)?`: comma-separated with an optional trailing comma.
 * @param {RuleOrLiteral} rule
 */
function commaSep(rule) {
  return optional(seq(sep1(rule, ','), optional(',')));
}

/**
 * `(rule (','? rule)* ','?)?`: commas between items are optional (record fields,
 * record type fields, match arms).
 * @param {RuleOrLiteral} rule
 */
function optionalCommaSep(rule) {
  return optional(seq(rule, repeat(seq(optional(','), rule)), optional(',')));
}

module.exports = grammar({
  name: 'ced',

  // `\uFEFF`: a byte-order mark some editors put at the start of a file.
  extras: $ => [/\s/, /\uFEFF/, $.comment, $.doc_comment],

  word: $ => $.identifier,

  reserved: {
    global: _ => KEYWORDS,
    // Field names may be keywords (`svc.spec.type`, `{ type: String }` as a type).
    field_name: _ => [],
  },

  supertypes: $ => [$._expression, $._type, $._pattern],

  rules: {
    // pest: file
    source_file: $ => repeat($._item),

    _item: $ => choice(
      $.import_declaration,
      $.let_declaration,
      $.type_declaration,
      $.function_declaration,
      $.composite_declaration,
      $.env_declaration,
      $.component_declaration,
      $.override_block,
    ),

    // ------------------------------------------------------------ declarations

    // pest: import
    import_declaration: $ => seq(
      'import',
      field('path', alias($.plain_string, $.string)),
      optional(seq('as', field('alias', $.identifier))),
    ),

    // pest: let_decl
    let_declaration: $ => seq(
      'let',
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
      '=',
      field('value', $._expression),
    ),

    // pest: type_decl
    type_declaration: $ => seq(
      'type',
      field('name', alias($.identifier, $.type_identifier)),
      '=',
      field('type', $._type),
    ),

    // pest: fn_decl
    function_declaration: $ => seq(
      'fn',
      field('name', $.identifier),
      field('parameters', $.parameter_list),
      '->',
      field('return_type', $._type),
      '=',
      field('body', $._expression),
    ),

    // pest: "(" params? ")"
    parameter_list: $ => seq('(', commaSep($.parameter), ')'),

    // pest: param
    parameter: $ => seq(
      field('name', $.identifier),
      ':',
      field('type', $._type),
      optional(seq('=', field('default', $._expression))),
    ),

    // pest: composite_decl. A Crossplane composite resource type: its apiVersion, its
    // kind (a type name) and exactly one parameter (its spec), then the composition.
    composite_declaration: $ => seq(
      'composite',
      field('api_version', alias($.plain_string, $.string)),
      field('name', alias($.identifier, $.type_identifier)),
      '(',
      field('parameter', $.parameter),
      optional(','),
      ')',
      '=',
      field('body', $._expression),
    ),

    // pest: env_decl
    env_declaration: $ => seq(
      'env',
      field('name', $.identifier),
      field('body', $.record),
    ),

    // pest: component_decl
    component_declaration: $ => seq(
      'component',
      field('name', $.identifier),
      choice(
        field('body', $.record),
        seq('=', field('value', $._expression)),
      ),
    ),

    // pest: override_block
    override_block: $ => seq(
      'in',
      sep1(field('env', $.identifier), ','),
      '{',
      repeat($.override),
      '}',
    ),

    // pest: override_set
    override: $ => seq(
      field('path', $.path),
      '=',
      field('value', $._expression),
    ),

    // pest: path and path_key. A key in brackets names a field that is not an
    // identifier (`values["grafana.ini"].server`); pest reports an interpolated one
    // (E0441) after parsing, so both grammars accept any string here.
    path: $ => seq(
      field('root', $.identifier),
      repeat(choice(
        seq('.', field('field', $._field_name)),
        seq('[', field('key', $.string), ']'),
      )),
    ),

    // ------------------------------------------------------------ types

    // pest: type_expr
    _type: $ => choice(
      $.union_type,
      alias($.plain_string, $.string),
      $.optional_type,
      $._type_atom,
    ),

    // pest: type_union with two members or more (one string alone is a literal type).
    union_type: $ => seq(
      field('member', alias($.plain_string, $.string)),
      repeat1(seq('|', field('member', alias($.plain_string, $.string)))),
    ),

    // pest: type_optional with an optional_mark
    optional_type: $ => seq(field('type', $._type_atom), '?'),

    _type_atom: $ => choice($.record_type, $.named_type),

    // pest: type_named
    named_type: $ => seq(
      repeat(seq(field('module', $.identifier), '.')),
      field('name', alias($.identifier, $.type_identifier)),
      optional(field('arguments', $.type_arguments)),
    ),

    // pest: type_args
    type_arguments: $ => seq('<', sep1($._type, ','), '>'),

    // pest: type_record
    //   "{" ~ (type_field ~ (","? ~ type_field)* ~ ","?)? ~ open_mark? ~ ","? ~ "}"
    record_type: $ => seq(
      '{',
      choice(
        seq(
          sep1($.record_type_field, optional(',')),
          // After fields: `,`, `..`, `,..`, `..,`, `,..,` or `,,`.
          optional(choice(
            seq(',', optional(choice(',', seq($.open_marker, optional(','))))),
            seq($.open_marker, optional(',')),
          )),
        ),
        // Without fields: `,`, `..` or `..,`.
        optional(choice(',', seq($.open_marker, optional(',')))),
      ),
      '}',
    ),

    // pest: type_field. A name is any field name (keywords included) or a string
    // (`"grafana.ini"?: String`; pest reports an interpolated one, E0441, after
    // parsing).
    record_type_field: $ => seq(
      field('name', choice($._field_name, $.string)),
      optional(field('optional', '?')),
      ':',
      field('type', $._type),
      optional(seq('=', field('default', $._expression))),
    ),

    // pest: open_mark
    open_marker: _ => '..',

    // ------------------------------------------------------------ expressions

    // pest: expr, prefix, postfix_expr and primary
    _expression: $ => choice(
      $.binary_expression,
      $.unary_expression,
      $.call_expression,
      $.field_expression,
      $.index_expression,
      $.if_expression,
      $.match_expression,
      $.let_expression,
      $.comprehension,
      $.list,
      $.record,
      $.none,
      $.boolean,
      $.integer,
      $.string,
      $.env,
      $.identifier,
      $.parenthesized_expression,
    ),

    // pest: infix, folded by the Pratt parser of parser.rs
    binary_expression: $ => {
      /** @type {[string, number, 'left' | 'right'][]} */
      const table = [
        ['with', PREC.with, 'left'],
        ['??', PREC.coalesce, 'right'],
        ['||', PREC.or, 'left'],
        ['&&', PREC.and, 'left'],
        ['==', PREC.equality, 'left'],
        ['!=', PREC.equality, 'left'],
        ['<', PREC.comparison, 'left'],
        ['<=', PREC.comparison, 'left'],
        ['>', PREC.comparison, 'left'],
        ['>=', PREC.comparison, 'left'],
        ['+', PREC.additive, 'left'],
        ['-', PREC.additive, 'left'],
        ['*', PREC.multiplicative, 'left'],
        ['/', PREC.multiplicative, 'left'],
        ['%', PREC.multiplicative, 'left'],
      ];
      return choice(...table.map(([operator, precedence, associativity]) =>
        prec[associativity](precedence, seq(
          field('left', $._expression),
          field('operator', operator),
          field('right', $._expression),
        )),
      ));
    },

    // pest: prefix (not, neg)
    unary_expression: $ => prec(PREC.unary, seq(
      field('operator', choice('!', '-')),
      field('operand', $._expression),
    )),

    // pest: postfix_expr with call_args
    call_expression: $ => prec(PREC.postfix, seq(
      field('function', $._expression),
      field('arguments', $.argument_list),
    )),

    // pest: call_args
    argument_list: $ => seq(
      '(',
      commaSep(choice($._expression, $.named_argument)),
      ')',
    ),

    // pest: arg with a name
    named_argument: $ => seq(
      field('name', $.identifier),
      ':',
      field('value', $._expression),
    ),

    // pest: postfix_expr with field_access
    field_expression: $ => prec(PREC.postfix, seq(
      field('object', $._expression),
      '.',
      field('field', $._field_name),
    )),

    // pest: postfix_expr with index
    index_expression: $ => prec(PREC.postfix, seq(
      field('object', $._expression),
      '[',
      field('index', $._expression),
      ']',
    )),

    // pest: if_expr. The `else if` branches are a flat list, as in pest.
    if_expression: $ => prec.right(PREC.open_ended, seq(
      'if',
      field('condition', $._expression),
      'then',
      field('consequence', $._expression),
      repeat(field('else_if', $.else_if_clause)),
      'else',
      field('alternative', $._expression),
    )),

    else_if_clause: $ => prec(PREC.else_if, seq(
      'else',
      'if',
      field('condition', $._expression),
      'then',
      field('consequence', $._expression),
    )),

    // pest: match_expr
    match_expression: $ => seq(
      'match',
      field('value', $._expression),
      '{',
      optionalCommaSep($.match_arm),
      '}',
    ),

    // pest: arm
    match_arm: $ => seq(
      sep1(field('pattern', $._pattern), '|'),
      '=>',
      field('value', $._expression),
    ),

    // pest: pattern
    _pattern: $ => choice(
      $.wildcard,
      alias($.plain_string, $.string),
      $.integer,
      $.boolean,
      $.identifier,
    ),

    // pest: wildcard
    wildcard: _ => '_',

    // pest: let_in. The bindings are a flat list, as in pest.
    let_expression: $ => prec.right(PREC.open_ended, seq(
      repeat1(field('binding', $.let_binding)),
      field('body', $._expression),
    )),

    // pest: let_binding
    let_binding: $ => seq(
      'let',
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
      '=',
      field('value', $._expression),
      'in',
    ),

    // pest: comprehension
    comprehension: $ => seq(
      '[',
      'for',
      field('variable', $.identifier),
      optional(seq(',', field('variable', $.identifier))),
      'in',
      field('iterable', $._expression),
      optional(seq('if', field('condition', $._expression))),
      ':',
      field('body', $._expression),
      ']',
    ),

    // pest: list
    list: $ => seq('[', commaSep(choice($._expression, $.spread_element)), ']'),

    // pest: spread
    spread_element: $ => seq('...', field('value', $._expression)),

    // pest: record
    record: $ => seq('{', optionalCommaSep($.record_field), '}'),

    // pest: record_field. A key is any field name (keywords included) or a string.
    record_field: $ => seq(
      field('key', choice($._field_name, $.string)),
      ':',
      field('value', $._expression),
    ),

    // pest: paren
    parenthesized_expression: $ => seq('(', $._expression, ')'),

    // pest: none_lit
    none: _ => 'none',

    // pest: bool_lit
    boolean: _ => choice('true', 'false'),

    // pest: int_lit
    integer: _ => /[0-9]+/,

    // pest: env_kw, the environment being evaluated.
    env: _ => 'env',

    // ------------------------------------------------------------ strings

    // pest: string (quoted_string | triple_string), with interpolation.
    string: $ => choice(
      seq(
        '"',
        repeat(choice($.string_content, $.escape_sequence, $.interpolation)),
        token.immediate('"'),
      ),
      seq(
        '"""',
        repeat(choice(
          alias($._triple_string_content, $.string_content),
          alias($._triple_string_quotes, $.string_content),
          $.escape_sequence,
          $.interpolation,
        )),
        token.immediate('"""'),
      ),
    ),

    // pest: plain_string, a one-line string without interpolation (import paths,
    // union members, patterns). It is a `string` node in the tree.
    plain_string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence)),
      token.immediate('"'),
    ),

    // pest: str_text. Immediate, and preferred to a comment (even a doc comment), so
    // `"// x"` is text.
    string_content: _ => token.immediate(prec(2, /[^"\\{\n]+/)),

    // pest: triple_text. Text up to the first `"""`: quotes that are followed by
    // something else are text. Quotes right before `{`, `\` or the closing `"""`
    // are matched by _triple_string_quotes.
    _triple_string_content: _ => token.immediate(prec(2, /([^"\\{]|"[^"\\{]|""[^"\\{])+/)),
    _triple_string_quotes: _ => token.immediate(/""?/),

    // pest: escape
    escape_sequence: _ => token.immediate(seq(
      '\\',
      choice(/["\\ntr{}]/, /u\{[0-9a-fA-F]{1,6}\}/),
    )),

    // pest: interpolation
    interpolation: $ => seq(
      token.immediate('{'),
      field('expression', $._expression),
      '}',
    ),

    // ------------------------------------------------------------ names

    // pest: ident. Inner hyphens are part of the name: `a-b` is one identifier.
    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*/,

    // pest: field_name. Any identifier, keywords included.
    // The keywords are listed as well as unreserved: where a field name follows
    // another field without a comma (`{ a: Int if: Int }`), the parse state also
    // expects operators, and there the keyword is lexed as a keyword.
    _field_name: $ => reserved('field_name', choice(
      alias($.identifier, $.field_name),
      ...KEYWORDS.map(keyword => alias(keyword, $.field_name)),
    )),

    // pest: doc_comment and line_comment
    doc_comment: _ => token(prec(1, seq('///', /[^\n]*/))),
    comment: _ => token(seq('//', /[^\n]*/)),
  },
});
