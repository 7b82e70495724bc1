// Checks how the TextMate grammar tokenizes one .ced source against the independent
// lexer in ced-lexer.js. Returns a list of failure messages (empty when all is well).
//
// For every source:
//   - every line tokenizes without an exception;
//   - comments, doc comments, string text, interpolation braces, keywords, numbers,
//     identifiers and field names found by the lexer get the expected scopes, and each
//     keyword, number, identifier (`argocd-ui` included) and field name is exactly one
//     token;
//   - at the end of every line the grammar has as many bracket regions open (records,
//     calls, lists, parameter lists, interpolations, ...) as the lexer has open brackets,
//     and is inside a multi-line string exactly when the lexer is: no region runs away
//     and none closes early;
//   - after the last line, a sentinel declaration is tokenized at the top level (nothing
//     is left open).
'use strict';

const { lex } = require('./ced-lexer');
const { vsctm } = require('./textmate');

// Regions that stand for exactly one open bracket in the lexer's terms.
const BRACKET_SCOPES = new Set([
  'meta.record.ced',
  'meta.type.record.ced',
  'meta.match.arms.ced',
  'meta.override.ced',
  'meta.function-call.ced',
  'meta.parameters.ced',
  'meta.group.ced',
  'meta.brackets.ced',
  'meta.comprehension.ced',
  'meta.interpolation.ced',
]);

const KEYWORD_SCOPES = {
  import: ['keyword.control.import.ced'],
  as: ['keyword.control.as.ced'],
  let: ['keyword.declaration.let.ced'],
  type: ['keyword.declaration.type.ced'],
  fn: ['keyword.declaration.function.ced'],
  composite: ['keyword.declaration.composite.ced'],
  env: ['keyword.declaration.env.ced', 'variable.language.env.ced'],
  component: ['keyword.declaration.component.ced'],
  in: ['keyword.other.in.ced', 'keyword.declaration.override.ced'],
  if: ['keyword.control.conditional.ced'],
  then: ['keyword.control.conditional.ced'],
  else: ['keyword.control.conditional.ced'],
  match: ['keyword.control.match.ced'],
  for: ['keyword.control.loop.ced'],
  with: ['keyword.operator.expression.with.ced'],
  true: ['constant.language.boolean.ced'],
  false: ['constant.language.boolean.ced'],
  none: ['constant.language.none.ced'],
};

const IDENT_SCOPE = /^(variable\.|entity\.name\.|support\.)/;
const FIELD_SCOPE = /^(variable\.other\.property\.|entity\.name\.|support\.type\.property-name\.)/;

const SENTINEL = 'let cedc_sentinel = 0';
const SENTINEL_SCOPES = [
  ['let', ['source.ced', 'keyword.declaration.let.ced']],
  ['cedc_sentinel', ['source.ced', 'entity.name.variable.ced']],
  ['0', ['source.ced', 'constant.numeric.integer.decimal.ced']],
];

// options.allowInvalid: do not fail on `invalid.*` scopes (sources that are wrong on purpose).
function checkSource(grammar, text, name, options = {}) {
  const failures = [];
  const lines = text.split('\n');
  const lineStarts = [];
  {
    let off = 0;
    for (const l of lines) {
      lineStarts.push(off);
      off += l.length + 1;
    }
  }
  const where = (off) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return `${name}:${lo + 1}:${off - lineStarts[lo] + 1}`;
  };
  const fail = (off, msg) => failures.push(`${where(off)}: ${msg}`);

  // ---- tokenize, line by line, and record the open scopes at the end of each line
  const tokens = []; // { start, end, scopes } with absolute offsets
  const lineEndScopes = [];
  let state = vsctm.INITIAL;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    let result;
    try {
      result = grammar.tokenizeLine(line, state);
    } catch (e) {
      fail(lineStarts[k], `tokenizing threw: ${e && e.stack ? e.stack : e}`);
      return failures;
    }
    if (result.stoppedEarly) fail(lineStarts[k], 'tokenization stopped early');
    for (const t of result.tokens) {
      const end = Math.min(t.endIndex, line.length);
      if (end > t.startIndex) {
        tokens.push({ start: lineStarts[k] + t.startIndex, end: lineStarts[k] + end, scopes: t.scopes });
      }
    }
    state = result.ruleStack;
    // An empty line shows the scopes open at the end of this line.
    lineEndScopes.push(grammar.tokenizeLine('', state).tokens[0].scopes);
  }

  const tokenAt = (off) => {
    let lo = 0;
    let hi = tokens.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid].end <= off) lo = mid + 1;
      else if (tokens[mid].start > off) hi = mid - 1;
      else return tokens[mid];
    }
    return null;
  };
  const innermost = (t) => t.scopes[t.scopes.length - 1];
  const describe = (t) => (t ? `"${text.slice(t.start, t.end)}" has ${t.scopes.slice(1).join(' ') || '(no scope)'}` : 'no token');
  // The lexer token is exactly one grammar token; returns that token or reports.
  const single = (lt, what) => {
    const t = tokenAt(lt.start);
    if (!t || t.start !== lt.start || t.end !== lt.end) {
      fail(lt.start, `${what} "${lt.text}" is not one token: ${describe(t)}`);
      return null;
    }
    return t;
  };
  const tokensIn = (start, end) => {
    const out = [];
    for (let t = tokenAt(start); t && t.start < end; t = tokenAt(t.end)) out.push(t);
    return out;
  };

  // ---- compare with the lexer
  const { tokens: lexed, lineEnds } = lex(text);
  for (const lt of lexed) {
    switch (lt.kind) {
      case 'doc-comment':
      case 'comment': {
        const want = lt.kind === 'doc-comment' ? 'comment.line.documentation.ced' : 'comment.line.double-slash.ced';
        for (const t of tokensIn(lt.start, lt.end)) {
          if (!t.scopes.includes(want)) fail(t.start, `expected ${want}: ${describe(t)}`);
        }
        break;
      }
      case 'string': {
        for (const t of tokensIn(lt.start, lt.end)) {
          const nearest = [...t.scopes].reverse().find((s) => /^(string\.|meta\.interpolation|meta\.embedded)/.test(s));
          if (!nearest || !nearest.startsWith('string.')) fail(t.start, `expected string text: ${describe(t)}`);
        }
        break;
      }
      case 'interp-open':
      case 'interp-close': {
        const t = tokenAt(lt.start);
        const want = `punctuation.section.interpolation.${lt.kind === 'interp-open' ? 'begin' : 'end'}.ced`;
        if (!t || innermost(t) !== want) fail(lt.start, `expected ${want}: ${describe(t)}`);
        break;
      }
      case 'keyword': {
        const t = single(lt, 'keyword');
        if (t && !KEYWORD_SCOPES[lt.text].includes(innermost(t))) {
          fail(lt.start, `keyword "${lt.text}" should be ${KEYWORD_SCOPES[lt.text].join(' or ')}: ${describe(t)}`);
        }
        break;
      }
      case 'number': {
        const t = single(lt, 'number');
        if (t && innermost(t) !== 'constant.numeric.integer.decimal.ced') fail(lt.start, `expected a number: ${describe(t)}`);
        break;
      }
      case 'ident': {
        const t = single(lt, 'identifier');
        if (t && !IDENT_SCOPE.test(innermost(t))) fail(lt.start, `expected an identifier scope: ${describe(t)}`);
        break;
      }
      case 'field': {
        const t = single(lt, 'field name');
        if (t && !FIELD_SCOPE.test(innermost(t))) fail(lt.start, `expected a field name scope: ${describe(t)}`);
        break;
      }
      case 'field-decl':
        // A keyword as the name of a record type field (`type: String`) is valid; as the
        // key of a record literal it is an error the grammar may show as a keyword. Only
        // the enclosing braces tell them apart, which the lexer does not track: require
        // one token, whatever its scope.
        single(lt, 'field name');
        break;
      default:
        break;
    }
  }

  if (!options.allowInvalid) {
    for (const t of tokens) {
      if (t.scopes.some((s) => s.startsWith('invalid.'))) fail(t.start, `unexpected invalid scope: ${describe(t)}`);
    }
  }

  // ---- the state at the end of every line
  for (let k = 0; k < lines.length; k++) {
    const scopes = lineEndScopes[k];
    const open = scopes.filter((s) => BRACKET_SCOPES.has(s)).length;
    const inTriple = scopes.includes('string.quoted.triple.ced');
    const want = lineEnds[k];
    const off = lineStarts[k] + lines[k].length;
    if (open !== want.depth) {
      fail(off, `line ends with ${open} bracket regions open in the grammar, ${want.depth} brackets open in the source (${scopes.slice(1).join(' ')})`);
    }
    if (inTriple !== want.inTriple) {
      fail(off, `line ends ${inTriple ? 'inside' : 'outside'} a """ string in the grammar, ${want.inTriple ? 'inside' : 'outside'} in the source`);
    }
    // Only a """ string may continue on the next line (an interpolation inside a one-line
    // string may too: it is code).
    const nearest = [...scopes].reverse().find((s) => /^(string\.|comment\.|meta\.interpolation\.)/.test(s));
    if (nearest && !nearest.startsWith('meta.interpolation.') && nearest !== 'string.quoted.triple.ced') {
      fail(off, `line ends inside a one-line string or a comment: ${scopes.slice(1).join(' ')}`);
    }
  }

  // ---- after the last line, a declaration is at the top level again
  const sentinel = grammar.tokenizeLine(SENTINEL, state);
  for (const [word, scopes] of SENTINEL_SCOPES) {
    const idx = SENTINEL.indexOf(word);
    const t = sentinel.tokens.find((x) => x.startIndex === idx && x.endIndex === idx + word.length);
    if (!t || JSON.stringify(t.scopes) !== JSON.stringify(scopes)) {
      fail(text.length, `after the end of the file, "${SENTINEL}" is not at the top level: "${word}" has ${t ? t.scopes.join(' ') : 'no token of its own'} instead of ${scopes.join(' ')}`);
    }
  }

  return failures;
}

module.exports = { checkSource, KEYWORD_SCOPES, BRACKET_SCOPES };
