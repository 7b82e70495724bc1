#!/usr/bin/env node
// vscode-tmgrammar-snap writes a missing .snap file and passes: a snapshot deleted by
// mistake would go unnoticed. Fail instead when a tests/snapshots/*.ced has no .snap
// (create it deliberately with `npm run update-snapshots`), or a .snap has no .ced.
'use strict';

const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, 'snapshots');
const files = fs.readdirSync(dir);
const sources = files.filter((f) => f.endsWith('.ced'));
const problems = [];
if (sources.length === 0) problems.push(`no .ced file in ${dir}`);
for (const f of sources) if (!files.includes(`${f}.snap`)) problems.push(`${f} has no ${f}.snap`);
for (const f of files.filter((x) => x.endsWith('.snap'))) {
  if (!files.includes(f.slice(0, -'.snap'.length))) problems.push(`${f} has no source`);
}
if (problems.length) {
  for (const p of problems) console.error(`require-snapshots: ${p}`);
  console.error('require-snapshots: FAILED (run `npm run update-snapshots` to create snapshots on purpose, and review them)');
  process.exit(1);
}
console.log(`require-snapshots: ok: ${sources.length} snapshot tests`);
