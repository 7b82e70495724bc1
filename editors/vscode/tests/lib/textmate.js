// Loads the extension's TextMate grammar with the engine VS Code uses (vscode-textmate
// on the Oniguruma WebAssembly build).
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const EXTENSION_DIR = path.resolve(__dirname, '..', '..');

let onigLib = null;
function getOnigLib() {
  if (!onigLib) {
    const wasmPath = require.resolve('vscode-oniguruma/release/onig.wasm');
    const wasm = fs.readFileSync(wasmPath);
    onigLib = oniguruma
      .loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength))
      .then(() => ({
        createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s) => new oniguruma.OnigString(s),
      }));
  }
  return onigLib;
}

// The grammar contributed in package.json: { scopeName, path (absolute), raw (parsed JSON) }.
function contributedGrammar() {
  const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'package.json'), 'utf8'));
  const contributed = manifest.contributes.grammars.find((g) => g.language === 'ced');
  if (!contributed) throw new Error('package.json contributes no grammar for the language "ced"');
  const file = path.resolve(EXTENSION_DIR, contributed.path);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (raw.scopeName !== contributed.scopeName) {
    throw new Error(`scopeName ${raw.scopeName} in ${file} differs from ${contributed.scopeName} in package.json`);
  }
  return { scopeName: contributed.scopeName, path: file, raw };
}

// Loads a grammar given as a parsed JSON object (possibly modified by a test).
// Rejects if vscode-textmate cannot compile it.
async function loadGrammar(raw) {
  await getOnigLib();
  const registry = new vsctm.Registry({
    onigLib: getOnigLib(),
    loadGrammar: async (scopeName) =>
      scopeName === raw.scopeName ? vsctm.parseRawGrammar(JSON.stringify(raw), 'grammar.json') : null,
  });
  const grammar = await registry.loadGrammar(raw.scopeName);
  if (!grammar) throw new Error(`the grammar ${raw.scopeName} did not load`);
  // Compile every rule now: a bad regex anywhere in the grammar throws here rather than
  // only when some file happens to reach it.
  compileAllRules(raw);
  grammar.tokenizeLine('', vsctm.INITIAL);
  return grammar;
}

// Every `match`/`begin`/`end` regex of the grammar must compile with Oniguruma.
function compileAllRules(raw) {
  const bad = [];
  const visit = (node, where) => {
    if (Array.isArray(node)) return node.forEach((x, i) => visit(x, `${where}[${i}]`));
    if (!node || typeof node !== 'object') return;
    for (const key of ['match', 'begin', 'end', 'while']) {
      if (typeof node[key] === 'string') {
        try {
          new oniguruma.OnigScanner([node[key]]);
        } catch (e) {
          bad.push(`${where}.${key}: ${e.message}`);
        }
      }
    }
    for (const [k, v] of Object.entries(node)) visit(v, `${where}.${k}`);
  };
  visit(raw, '$');
  if (bad.length) throw new Error(`regexes that do not compile:\n  ${bad.join('\n  ')}`);
}

module.exports = { vsctm, getOnigLib, contributedGrammar, loadGrammar, EXTENSION_DIR };
