#!/usr/bin/env node
// npm run bundle: bundles src/extension.js and everything it requires from node_modules
// (vscode-languageclient and its dependencies) into dist/extension.js with esbuild, the
// file package.json's `main` names. The .vsix then ships that one file instead of
// node_modules. Also written, into dist/ (git-ignored build output):
//
//   - extension.js.map: a source map (without the sources' text) for the tests, whose
//     stack traces then name src/extension.js; not packaged (.vscodeignore);
//   - terminateProcess.sh, from vscode-languageclient: the client runs it (as
//     `path.join(__dirname, 'terminateProcess.sh')`, now dist/) to kill a server that is
//     still alive 2 seconds after it was told to exit; packaged, executable;
//   - THIRD-PARTY-NOTICES.txt: the name, version, license and license text of every
//     npm package whose code is in the bundle (their licenses ask for the notices to go
//     with copies of the code); packaged.
//
// The output is deterministic: the same sources and package-lock.json give the same
// bytes, from any working directory (paths in the bundle are relative to this folder).
// `vscode` is left external: VS Code provides it at run time.
'use strict';

const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const EXTENSION_DIR = path.resolve(__dirname, '..');
const OUT_DIR = path.join(EXTENSION_DIR, 'dist');
const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'package.json'), 'utf8'));
const OUT_FILE = path.resolve(EXTENSION_DIR, manifest.main);
const NOTICES_FILE = path.join(OUT_DIR, 'THIRD-PARTY-NOTICES.txt');
// The Node.js of the oldest VS Code the extension supports (engines.vscode ^1.82: Electron 25, Node 18.15).
const NODE_TARGET = 'node18.15';

// Files the bundled code reads relative to its own location (`__dirname`), which is now
// dist/: each is copied there from its package, with the given mode. The bundle fails when
// `__dirname` or `__filename` appears anywhere else in the output (a dependency update
// that reads a file of its own would otherwise break only at run time).
const RUNTIME_FILES = [
  {
    pkg: 'vscode-languageclient',
    file: 'lib/node/terminateProcess.sh',
    use: '(0, path_1.join)(__dirname, "terminateProcess.sh")',
    mode: 0o755, // run directly (spawnSync), so executable
  },
];

function copyRuntimeFiles(bundle) {
  let rest = bundle;
  for (const { pkg, file, use, mode } of RUNTIME_FILES) {
    if (!rest.includes(use)) throw new Error(`bundle: expected \`${use}\` in the bundle (has ${pkg} changed?)`);
    rest = rest.split(use).join('');
    const from = path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [EXTENSION_DIR] })), file);
    const to = path.join(OUT_DIR, path.basename(file));
    fs.copyFileSync(from, to);
    fs.chmodSync(to, mode);
  }
  const unexpected = rest.split('\n').filter((l) => /\b__(dirname|filename)\b/.test(l));
  if (unexpected.length) {
    throw new Error(`bundle: code that reads files relative to the bundle, not handled by RUNTIME_FILES:\n  ${unexpected.join('\n  ')}`);
  }
}

// The package directory (…/node_modules/<name> or …/node_modules/@scope/<name>) of a
// bundled input, or null for the extension's own sources.
function packageDirOf(input) {
  const parts = input.split('/');
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return null;
  const length = parts[i + 1].startsWith('@') ? i + 3 : i + 2;
  return path.join(EXTENSION_DIR, ...parts.slice(0, length));
}

function licenseTexts(dir) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^(licen[cs]e|copying|notice|thirdpartynotices)(\.(txt|md))?$/i.test(f))
    .sort();
  return files.map((f) => ({ file: f, text: fs.readFileSync(path.join(dir, f), 'utf8').replace(/\r\n/g, '\n').trimEnd() }));
}

function writeNotices(metafile) {
  const dirs = [...new Set(Object.keys(metafile.inputs).map(packageDirOf).filter(Boolean))];
  const packages = dirs
    .map((dir) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      return { name: pkg.name, version: pkg.version, license: pkg.license, texts: licenseTexts(dir) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
  const missing = packages.filter((p) => p.texts.length === 0);
  if (missing.length) {
    throw new Error(`bundle: no license file found for ${missing.map((p) => `${p.name}@${p.version}`).join(', ')}`);
  }
  const rule = '='.repeat(78);
  const parts = [
    `Third-party software in dist/extension.js of the ${manifest.name} extension ${manifest.version}`,
    '',
    'The bundle contains code from the following npm packages, under their licenses:',
    '',
    ...packages.map((p) => `  ${p.name} ${p.version} (${p.license})`),
  ];
  for (const p of packages) {
    parts.push('', rule, `${p.name} ${p.version} (${p.license})`, rule);
    for (const t of p.texts) parts.push('', `--- ${t.file}`, '', t.text);
  }
  fs.writeFileSync(NOTICES_FILE, parts.join('\n') + '\n');
  return packages;
}

async function main() {
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: EXTENSION_DIR,
    entryPoints: ['src/extension.js'],
    outfile: path.relative(EXTENSION_DIR, OUT_FILE),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    external: ['vscode'],
    // Readable (stack traces name real functions and lines); gzip in the .vsix does the rest.
    minify: false,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'inline',
    metafile: true,
    logLevel: 'warning',
  });
  if (result.errors.length || result.warnings.length) {
    // logLevel 'warning' printed them; a warning (say, a require esbuild cannot follow)
    // could mean a broken bundle, so it is an error here.
    throw new Error(`bundle: ${result.errors.length} error(s), ${result.warnings.length} warning(s)`);
  }
  copyRuntimeFiles(fs.readFileSync(OUT_FILE, 'utf8'));
  const packages = writeNotices(result.metafile);
  const size = fs.statSync(OUT_FILE).size;
  console.log(
    `bundle: ${path.relative(EXTENSION_DIR, OUT_FILE)} (${size} bytes; esbuild ${esbuild.version}; ` +
      `${packages.map((p) => `${p.name}@${p.version}`).join(', ')})`,
  );
}

main().catch((e) => {
  console.error(e && e.message ? e.message : e);
  process.exit(1);
});
