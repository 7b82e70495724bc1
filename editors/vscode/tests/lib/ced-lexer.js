// A small lexer for .ced, written independently of the TextMate grammar (it follows
// compiler/syntax/src/grammar.pest directly) so that tests can compare what the grammar
// scopes with what the language says each piece of text is.
//
// lex(text) returns:
//   tokens:   { kind, start, end, text } with absolute offsets; kind is one of
//             doc-comment, comment, string (a run of string text and quotes on one line,
//             interpolations excluded), interp-open, interp-close, keyword, ident,
//             field (a name right after a single `.`), field-decl (a keyword used as a
//             field name: `type: String`), number
//   lineEnds: for each line, the state at its end: { depth, inTriple } where depth
//             counts the open `(`, `[`, `{` and interpolation braces
'use strict';

const KEYWORDS = new Set([
  'import', 'as', 'let', 'type', 'fn', 'composite', 'env', 'component', 'in', 'if', 'then',
  'else', 'match', 'for', 'true', 'false', 'none', 'with',
]);

const isIdentStart = (c) => /[A-Za-z_]/.test(c);
const isIdentChar = (c) => c !== undefined && /[A-Za-z0-9_]/.test(c);

function lex(text) {
  const tokens = [];
  const lineEnds = [];
  // Open constructs: { t: '(' | '[' | '{' | 'interp' | 'str' | 'triple', segStart }
  const stack = [];
  let prevDot = false; // the previous code token was a single `.`
  let i = 0;
  const n = text.length;

  const top = () => stack[stack.length - 1];
  const push = (kind, start, end) => tokens.push({ kind, start, end, text: text.slice(start, end) });
  const depth = () => stack.filter((s) => s.t !== 'str' && s.t !== 'triple').length;
  const endLine = () => {
    lineEnds.push({ depth: depth(), inTriple: top() !== undefined && top().t === 'triple' });
  };

  while (i < n) {
    const c = text[i];
    const s = top();

    if (s && (s.t === 'str' || s.t === 'triple')) {
      // ---- inside a string
      if (c === '\n') {
        if (i > s.segStart) push('string', s.segStart, i);
        if (s.t === 'str') stack.pop(); // unterminated one-line string: it ends here
        else s.segStart = i + 1;
        endLine();
        i++;
        continue;
      }
      if (c === '\\') {
        const u = /^u\{[0-9A-Fa-f]{1,6}\}/.exec(text.slice(i + 1, i + 11));
        i += u ? 1 + u[0].length : text[i + 1] === '\n' || i + 1 >= n ? 1 : 2;
        continue;
      }
      if (s.t === 'triple' && text.startsWith('"""', i)) {
        push('string', s.segStart, i + 3);
        stack.pop();
        i += 3;
        prevDot = false;
        continue;
      }
      if (s.t === 'str' && c === '"') {
        push('string', s.segStart, i + 1);
        stack.pop();
        i++;
        prevDot = false;
        continue;
      }
      if (c === '{') {
        if (i > s.segStart) push('string', s.segStart, i);
        push('interp-open', i, i + 1);
        stack.push({ t: 'interp' });
        i++;
        prevDot = false;
        continue;
      }
      i++;
      continue;
    }

    // ---- code
    if (c === '\n') {
      endLine();
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (text.startsWith('//', i)) {
      let e = text.indexOf('\n', i);
      if (e < 0) e = n;
      push(text.startsWith('///', i) ? 'doc-comment' : 'comment', i, e);
      i = e;
      continue;
    }
    if (text.startsWith('"""', i)) {
      stack.push({ t: 'triple', segStart: i });
      i += 3;
      continue;
    }
    if (c === '"') {
      stack.push({ t: 'str', segStart: i });
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      stack.push({ t: c });
      i++;
      prevDot = false;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      if (s && s.t === 'interp' && c === '}') {
        push('interp-close', i, i + 1);
        stack.pop();
        top().segStart = i + 1; // back in the string
      } else if (s && s.t !== 'interp') {
        stack.pop();
      }
      i++;
      prevDot = false;
      continue;
    }
    if (isIdentStart(c)) {
      let e = i + 1;
      while (isIdentChar(text[e])) e++;
      while (text[e] === '-' && isIdentChar(text[e + 1])) {
        e += 2;
        while (isIdentChar(text[e])) e++;
      }
      const word = text.slice(i, e);
      let kind;
      if (prevDot) kind = 'field';
      else if (KEYWORDS.has(word)) kind = /^\s*\??\s*:/.test(text.slice(e, e + 20)) ? 'field-decl' : 'keyword';
      else kind = 'ident';
      push(kind, i, e);
      i = e;
      prevDot = false;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let e = i;
      while (/[0-9]/.test(text[e] || '')) e++;
      if (!isIdentChar(text[e])) push('number', i, e);
      while (isIdentChar(text[e])) e++;
      i = e;
      prevDot = false;
      continue;
    }
    if (c === '.') {
      let e = i;
      while (text[e] === '.') e++;
      prevDot = e - i === 1;
      i = e;
      continue;
    }
    prevDot = false;
    i++;
  }
  const s = top();
  if (s && (s.t === 'str' || s.t === 'triple') && n > s.segStart) push('string', s.segStart, n);
  if (s && s.t === 'str') stack.pop();
  endLine();
  return { tokens, lineEnds };
}

module.exports = { lex, KEYWORDS };
