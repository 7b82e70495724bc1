#!/usr/bin/env node
// Tokenizes every .ced source of the repository with the extension's grammar and checks
// the result against an independent lexer (see tests/lib/check.js for what is checked):
//
//   - every *.ced file under the repository root (node_modules, target and .git skipped),
//   - every ```ced block of every Markdown file (docs/*.md, README.md, ...).
//
// It fails when the grammar does not load, when any source fails a check, when the
// keywords or comments of compiler/syntax/src/grammar.pest differ from what the grammar
// knows, when a keyword of the language is never met (so the corpus exercises all of
// them), when the corpus is suspiciously small, or when a damaged copy of a source
// (half-typed, stray quote or brace) makes tokenizing throw or crawl. Then, to show the
// checks can fail, it runs them again with deliberately broken copies of the grammar
// and fails unless each is caught.
//
// Usage: node tests/all-files.js [FILE.ced ...]   (files given: check only those)
'use strict';

const fs = require('fs');
const path = require('path');
const { contributedGrammar, loadGrammar, vsctm, EXTENSION_DIR } = require('./lib/textmate');
const { checkSource, KEYWORD_SCOPES } = require('./lib/check');
const { lex } = require('./lib/ced-lexer');

const REPO_ROOT = path.resolve(EXTENSION_DIR, '..', '..');
const SKIP_DIRS = new Set(['node_modules', 'target', '.git']);
// Sources that contain mistakes on purpose (the grammar's tests of invalid escapes).
const ALLOW_INVALID = [/^editors\/vscode\/tests\//];

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(path.join(dir, entry.name), out);
    } else if (entry.isFile()) {
      out.push(path.join(dir, entry.name));
    }
  }
  return out;
}

// ```ced blocks of a Markdown file: [{ name, text, info }]
function cedBlocks(file) {
  const rel = path.relative(REPO_ROOT, file);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})ced(?:\s+(.*))?$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info = ''] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^${indent}${fence}\\s*$`).test(lines[j])) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
      j++;
    }
    blocks.push({ name: `${rel}:${i + 2}(block)`, text: body.join('\n') + '\n', info });
    i = j;
  }
  return blocks;
}

function collectSources(only) {
  if (only.length) {
    return only.map((f) => ({ name: f, text: fs.readFileSync(f, 'utf8'), rel: path.relative(REPO_ROOT, path.resolve(f)) }));
  }
  const files = walk(REPO_ROOT, []);
  const sources = [];
  for (const f of files.filter((x) => x.endsWith('.ced')).sort()) {
    const rel = path.relative(REPO_ROOT, f).split(path.sep).join('/');
    sources.push({ name: rel, rel, text: fs.readFileSync(f, 'utf8') });
  }
  for (const f of files.filter((x) => x.endsWith('.md')).sort()) {
    for (const b of cedBlocks(f)) {
      // A syntax error (E0001) or a bad escape or literal (E0004) may be shown as invalid.
      sources.push({ name: b.name, rel: b.name, text: b.text, allowInvalid: /error=E000[14]/.test(b.info) });
    }
  }
  return sources;
}

function checkAll(grammar, sources) {
  const failures = [];
  for (const s of sources) {
    const allowInvalid = s.allowInvalid || ALLOW_INVALID.some((re) => re.test(s.rel));
    failures.push(...checkSource(grammar, s.text, s.name, { allowInvalid }));
  }
  return failures;
}

// The keywords and comments of compiler/syntax/src/grammar.pest (the definition of the
// language) are those the grammar and these tests know.
function checkAgainstPest(grammar) {
  const pestFile = path.join(REPO_ROOT, 'compiler', 'syntax', 'src', 'grammar.pest');
  const pest = fs.readFileSync(pestFile, 'utf8');
  const problems = [];
  const rule = /^keyword\s*=\s*@\{([\s\S]*?)^\}/m.exec(pest);
  if (!rule) return [`${pestFile}: no \`keyword\` rule found`];
  const pestKeywords = [...rule[1].matchAll(/"([a-z]+)"/g)].map((m) => m[1]).sort();
  const known = Object.keys(KEYWORD_SCOPES).sort();
  if (JSON.stringify(pestKeywords) !== JSON.stringify(known)) {
    problems.push(`grammar.pest keywords ${pestKeywords.join(' ')} differ from the tested ones ${known.join(' ')}`);
  }
  // Each keyword, alone in a list, gets its keyword scope.
  for (const k of pestKeywords) {
    const { tokens } = grammar.tokenizeLine(`[${k}]`, vsctm.INITIAL);
    const t = tokens.find((x) => x.startIndex === 1 && x.endIndex === 1 + k.length);
    const scope = t && t.scopes[t.scopes.length - 1];
    if (!KEYWORD_SCOPES[k] || !KEYWORD_SCOPES[k].includes(scope)) {
      problems.push(`the keyword "${k}" of grammar.pest is not scoped as a keyword by the TextMate grammar: ${t ? t.scopes.join(' ') : 'not one token'}`);
    }
  }
  const comment = /^COMMENT\s*=.*$/m.exec(pest);
  if (!comment || !/doc_comment/.test(comment[0]) || !/line_comment/.test(comment[0]) || /\/\*/.test(pest)) {
    problems.push('grammar.pest comments are no longer exactly `//` and `///`: update the grammar and language-configuration.json');
  }
  return problems;
}

// Half-typed and damaged sources (deterministic edits of the corpus) must tokenize
// without an exception and without pathological slowness.
function checkDamaged(grammar, sources) {
  let seed = 12345;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const edits = [
    (t, i) => t.slice(0, i), // typing stopped here
    (t, i) => t.slice(0, i) + t.slice(i + 1 + random(40)), // a deleted range
    (t, i) => `${t.slice(0, i)}"${t.slice(i)}`, // a stray quote
    (t, i) => `${t.slice(0, i)}"""${t.slice(i)}`, // a stray triple quote
    (t, i) => `${t.slice(0, i)}{${t.slice(i)}`, // a stray brace
    (t, i) => `${t.slice(0, i)}\\${t.slice(i)}`, // a stray backslash
  ];
  const problems = [];
  const started = Date.now();
  let count = 0;
  for (const s of sources) {
    for (let k = 0; k < 12 && s.text.length > 0; k++) {
      const text = edits[k % edits.length](s.text, random(s.text.length));
      let state = vsctm.INITIAL;
      const t0 = Date.now();
      try {
        for (const line of text.split('\n')) state = grammar.tokenizeLine(line, state).ruleStack;
      } catch (e) {
        problems.push(`${s.name} (damaged, edit ${k}): tokenizing threw: ${e.message}`);
      }
      if (Date.now() - t0 > 2000) problems.push(`${s.name} (damaged, edit ${k}): took ${Date.now() - t0} ms`);
      count++;
    }
  }
  return { problems, count, ms: Date.now() - started };
}

// Deliberately broken grammars: each must make the checks fail.
const MUTATIONS = {
  'no keyword rule': (g) => {
    g.repository.keywords.patterns = [];
  },
  'identifiers without inner hyphens': (g) => JSON.parse(JSON.stringify(g).split('(?:-[A-Za-z0-9_]+)*').join('')),
  'no interpolation in strings': (g) => {
    g.repository['string-content'].patterns = [{ include: '#escape' }];
  },
  'record literals that never close': (g) => {
    g.repository.record.end = '\\}\\}\\}';
  },
  'doc comments scoped as plain comments': (g) => {
    g.repository.comments.patterns.shift();
  },
  'type declarations that never end': (g) => {
    g.repository['type-declaration'].end = '(?!)';
  },
};

async function main() {
  const only = process.argv.slice(2);
  const { raw, path: grammarPath } = contributedGrammar();
  let grammar;
  try {
    grammar = await loadGrammar(raw);
  } catch (e) {
    console.error(`all-files: FAILED: the grammar ${grammarPath} does not load: ${e.message}`);
    process.exit(1);
  }

  const sources = collectSources(only);
  const failures = checkAll(grammar, sources);

  if (!only.length) {
    // The corpus must be the real one, and must exercise every keyword.
    const names = new Set(sources.map((s) => s.rel));
    for (const required of ['stdlib/k8s.ced', 'stdlib/prelude.ced', 'examples/hello/main.ced']) {
      if (!names.has(required)) failures.push(`corpus: ${required} was not found under ${REPO_ROOT}`);
    }
    if (!sources.some((s) => s.name.startsWith('docs/'))) failures.push('corpus: no ```ced block found in docs/');
    failures.push(...checkAgainstPest(grammar));
    const seen = new Set();
    for (const s of sources) for (const t of lex(s.text).tokens) if (t.kind === 'keyword') seen.add(t.text);
    for (const k of Object.keys(KEYWORD_SCOPES)) {
      if (!seen.has(k)) failures.push(`corpus: the keyword "${k}" appears in no source, so its scope is never checked`);
    }
  }

  const damaged = checkDamaged(grammar, sources);
  failures.push(...damaged.problems);

  const files = sources.filter((s) => !s.name.endsWith('(block)')).length;
  if (failures.length) {
    for (const f of failures.slice(0, 200)) console.error(f);
    if (failures.length > 200) console.error(`... and ${failures.length - 200} more`);
    console.error(`all-files: FAILED: ${failures.length} problem(s) in ${files} .ced files and ${sources.length - files} \`\`\`ced blocks`);
    process.exit(1);
  }
  const lexed = sources.reduce((n, s) => n + lex(s.text).tokens.length, 0);
  console.log(`all-files: ok: ${files} .ced files and ${sources.length - files} \`\`\`ced blocks, ${lexed} tokens checked`);
  console.log(`all-files: ok: ${damaged.count} damaged copies tokenized without error (${damaged.ms} ms)`);

  if (only.length) return;

  // ---- the checks must be able to fail
  let uncaught = 0;
  for (const [what, mutate] of Object.entries(MUTATIONS)) {
    let g = JSON.parse(JSON.stringify(raw));
    g = mutate(g) || g;
    const broken = await loadGrammar(g);
    const n = checkAll(broken, sources).length;
    if (n === 0) {
      console.error(`all-files: FAILED: a broken grammar (${what}) passes the checks`);
      uncaught++;
    } else {
      console.log(`all-files: ok: a broken grammar (${what}) is caught (${n} problems)`);
    }
  }
  if (uncaught) process.exit(1);
}

main().catch((e) => {
  console.error(`all-files: FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
