#!/usr/bin/env node
// Checks language-configuration.json: it parses, its regular expressions compile as
// JavaScript regexes (VS Code evaluates them so) and behave as intended on typical lines,
// and its comment and bracket settings agree with the language. Also the editor defaults
// package.json sets for .ced files (contributes.configurationDefaults).
'use strict';

const assert = require('assert');
const fs = require('fs');
const path = require('path');

const EXTENSION_DIR = path.resolve(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'package.json'), 'utf8'));
const language = manifest.contributes.languages.find((l) => l.id === 'ced');
const config = JSON.parse(fs.readFileSync(path.resolve(EXTENSION_DIR, language.configuration), 'utf8'));

let failed = 0;
const check = (name, fn) => {
  try {
    fn();
    console.log(`language-configuration: ok: ${name}`);
  } catch (e) {
    failed++;
    console.error(`language-configuration: FAILED: ${name}\n  ${e.message}`);
  }
};
const lines = (re, samples) => {
  for (const [line, want] of samples) {
    assert.strictEqual(re.test(line), want, `${re} on ${JSON.stringify(line)} should be ${want}`);
  }
};

check('comments: `//` lines only (the language has no block comment)', () => {
  assert.deepStrictEqual(config.comments, { lineComment: '//' });
});

check('brackets and pairs', () => {
  assert.deepStrictEqual(config.brackets, [['{', '}'], ['[', ']'], ['(', ')']]);
  const opens = config.autoClosingPairs.map((p) => p.open);
  assert.deepStrictEqual(opens, ['{', '[', '(', '"', '"""']);
  for (const p of config.autoClosingPairs.filter((x) => x.open.startsWith('"'))) {
    assert.deepStrictEqual(p.notIn, ['string', 'comment'], `${p.open} does not auto-close inside strings and comments`);
  }
  assert.deepStrictEqual(config.surroundingPairs, [['{', '}'], ['[', ']'], ['(', ')'], ['"', '"']]);
});

check('wordPattern: identifiers keep their inner hyphens', () => {
  const word = new RegExp(`^(?:${config.wordPattern})$`);
  lines(word, [
    ['argocd-ui', true],
    ['in-cluster', true],
    ['x_1-2', true],
    ['_private', true],
    ['8080', true],
    ['a-', false],
    ['-a', false],
    ['a--b', false],
  ]);
  // Double-clicking `b` in `a - b` selects `b` alone.
  const all = new RegExp(config.wordPattern, 'g');
  assert.deepStrictEqual('a - b'.match(all), ['a', 'b']);
  assert.deepStrictEqual('total-3 + x'.match(all), ['total-3', 'x']);
});

check('indentation rules', () => {
  const rules = config.indentationRules;
  lines(new RegExp(rules.increaseIndentPattern), [
    ['component web {', true],
    ['  objects: [', true],
    ['    k8s.deployment(', true],
    ['  labels: { "a": [', true],
    ['  x: { a: 1 }', false],
    ['  f(x)', false],
    ['// a {', false],
  ]);
  lines(new RegExp(rules.decreaseIndentPattern), [
    ['}', true],
    ['  ),', true],
    ['  ]', true],
    ['  x }', false],
  ]);
  lines(new RegExp(rules.indentNextLinePattern), [
    ['fn host(s: Label) -> String =', true],
    ['  prod =>', true],
    ['let x = if ready then', true],
    ['  else', true],
    ['let a = b ==', false],
    ['let a = b >=', false],
    ['let a = b !=', false],
    ['let x = 1', false],
    ['// a =', false],
    ['let some-then', false],
  ]);
});

check('folding markers', () => {
  lines(new RegExp(config.folding.markers.start), [
    ['// #region components', true],
    ['  //region', true],
    ['let region = 1', false],
  ]);
  lines(new RegExp(config.folding.markers.end), [
    ['// #endregion', true],
    ['let endregion = 1', false],
  ]);
});

check('Enter in a `///` comment continues it', () => {
  assert.strictEqual(config.onEnterRules.length, 1);
  const [rule] = config.onEnterRules;
  lines(new RegExp(rule.beforeText), [
    ['/// Documents x.', true],
    ['  /// indented', true],
    ['// plain', false],
    ['let x = 1 /// not at the start', false],
  ]);
  assert.deepStrictEqual(rule.action, { indent: 'none', appendText: '/// ' });
});

check('.ced files default to 2-space indentation (as `cedc fmt` writes), whatever the file holds', () => {
  const defaults = (manifest.contributes.configurationDefaults || {})['[ced]'];
  assert.deepStrictEqual(defaults, { 'editor.tabSize': 2, 'editor.insertSpaces': true, 'editor.detectIndentation': false });
  // Only .ced files: the extension changes no other language's settings.
  assert.deepStrictEqual(Object.keys(manifest.contributes.configurationDefaults), ['[ced]']);
  // The formatter's own description still says two spaces.
  const formatter = path.join(EXTENSION_DIR, '..', '..', 'compiler', 'format', 'src', 'lib.rs');
  if (fs.existsSync(formatter)) {
    assert.match(fs.readFileSync(formatter, 'utf8'), /two spaces of indentation/, `${formatter} no longer says "two spaces of indentation": check editor.tabSize`);
  }
});

if (failed) {
  console.error(`language-configuration: ${failed} check(s) failed`);
  process.exit(1);
}
