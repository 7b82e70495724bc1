#!/usr/bin/env node
// npm run package: builds the extension into <repo>/target/vscode/<name>-<version>.vsix
// (target/ is git-ignored) and copies it to <name>.vsix there, a name that does not
// change with the version (the one docs/editors.md installs). CEDC_VSIX_DIR overrides
// the output directory. Older .vsix files there are removed.
//
// vsce first runs the `vscode:prepublish` script of package.json, `npm run bundle`
// (scripts/bundle.js): src/extension.js and vscode-languageclient become one file,
// dist/extension.js, so the package is made with --no-dependencies (no node_modules/ in
// the .vsix); .vscodeignore leaves out sources, tests and scripts.
//
// --allow-missing-repository: package.json has no `repository` because the project has
// no public home yet. Set `repository` (and `bugs`, `homepage`) in package.json when it
// has one, then drop this flag, so that vsce checks it and the Marketplace page links it.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const EXTENSION_DIR = path.resolve(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'package.json'), 'utf8'));
const outDir = path.resolve(process.env.CEDC_VSIX_DIR || path.join(EXTENSION_DIR, '..', '..', 'target', 'vscode'));
const outFile = path.join(outDir, `${manifest.name}-${manifest.version}.vsix`);

fs.mkdirSync(outDir, { recursive: true });
for (const old of fs.readdirSync(outDir).filter((f) => f.endsWith('.vsix'))) fs.rmSync(path.join(outDir, old));

const vsce = path.join(path.dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
const result = spawnSync(
  process.execPath,
  [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '--out', outFile],
  { cwd: EXTENSION_DIR, stdio: 'inherit' },
);
if (result.error) throw result.error;
if (result.status !== 0) process.exit(result.status === null ? 1 : result.status);
if (!fs.existsSync(outFile)) {
  console.error(`package: vsce reported success but ${outFile} does not exist`);
  process.exit(1);
}
const stableFile = path.join(outDir, `${manifest.name}.vsix`);
fs.copyFileSync(outFile, stableFile);
console.log(`package: ${outFile} (${fs.statSync(outFile).size} bytes), copied to ${stableFile}`);
