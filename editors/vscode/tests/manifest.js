#!/usr/bin/env node
// Checks what package.json tells VS Code and the Marketplace, and the files it names:
//
//   - the icon: icon.png is a valid 128×128 RGBA PNG (signature, chunk CRCs, header)
//     whose pixels are exactly those scripts/icon.js draws (regenerate with
//     `npm run icon` after changing the drawing), transparent in the corners and opaque
//     in the middle;
//   - the Marketplace page: README.md documents every setting and command the manifest
//     contributes, and the Marketplace install; CHANGELOG.md has an entry for the version;
//     the gallery banner is a valid color and theme;
//   - the build: `main` is the bundle dist/extension.js made from src/extension.js by
//     esbuild (pinned), and nothing is a runtime dependency (the .vsix has no node_modules).
'use strict';

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const icon = require('../scripts/icon');

const EXTENSION_DIR = path.resolve(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'package.json'), 'utf8'));

let failed = 0;
const check = (name, fn) => {
  try {
    fn();
    console.log(`manifest: ok: ${name}`);
  } catch (e) {
    failed++;
    console.error(`manifest: FAILED: ${name}\n  ${e.message}`);
  }
};

// A PNG's header and pixels (8-bit RGBA only), every chunk's CRC checked.
function decodePng(file) {
  const data = fs.readFileSync(file);
  assert.ok(data.subarray(0, 8).equals(icon.PNG_SIGNATURE), `${file}: not a PNG`);
  let offset = 8;
  let header = null;
  const idat = [];
  for (;;) {
    assert.ok(offset + 12 <= data.length, `${file}: truncated (no IEND)`);
    const length = data.readUInt32BE(offset);
    const type = data.toString('ascii', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    const crc = data.readUInt32BE(offset + 8 + length);
    assert.strictEqual(crc, icon.crc32(data.subarray(offset + 4, offset + 8 + length)), `${file}: bad CRC in ${type}`);
    offset += 12 + length;
    if (type === 'IHDR') {
      header = {
        width: body.readUInt32BE(0),
        height: body.readUInt32BE(4),
        bitDepth: body[8],
        colorType: body[9],
        interlace: body[12],
      };
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
  }
  assert.ok(header, `${file}: no IHDR`);
  assert.deepStrictEqual(
    { bitDepth: header.bitDepth, colorType: header.colorType, interlace: header.interlace },
    { bitDepth: 8, colorType: 6, interlace: 0 },
    `${file}: expected 8-bit RGBA, not interlaced`,
  );
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = header.width * 4;
  assert.strictEqual(raw.length, header.height * (stride + 1), `${file}: wrong amount of image data`);
  // Undo the row filters (PNG spec, section 9), so that any encoder's output compares.
  const pixels = Buffer.alloc(header.height * stride);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? pixels[y * stride + x - 4] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4] : 0;
      let predictor;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`${file}: unknown filter ${filter} on row ${y}`);
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return { ...header, pixels };
}

check('icon: icon.png, 128×128 RGBA, exactly what scripts/icon.js draws', () => {
  assert.strictEqual(manifest.icon, 'icon.png');
  const png = decodePng(path.join(EXTENSION_DIR, manifest.icon));
  assert.deepStrictEqual([png.width, png.height], [128, 128], 'the Marketplace asks for a 128×128 icon');
  assert.strictEqual(icon.SIZE, 128);
  const alpha = (x, y) => png.pixels[(y * png.width + x) * 4 + 3];
  assert.strictEqual(alpha(0, 0), 0, 'a transparent corner');
  assert.strictEqual(alpha(127, 127), 0, 'a transparent corner');
  assert.strictEqual(alpha(64, 64), 255, 'an opaque middle');
  const drawn = icon.render();
  if (!png.pixels.equals(drawn)) {
    let differing = 0;
    for (let i = 0; i < drawn.length; i++) if (drawn[i] !== png.pixels[i]) differing++;
    assert.fail(`icon.png differs from scripts/icon.js's drawing in ${differing} bytes: run \`npm run icon\` and look at the result`);
  }
});

check('Marketplace page: README.md documents every setting, command and .ced editor default, and the VS Code it needs', () => {
  const readme = fs.readFileSync(path.join(EXTENSION_DIR, 'README.md'), 'utf8');
  for (const setting of Object.keys(manifest.contributes.configuration.properties)) {
    assert.ok(readme.includes(`\`${setting}\``), `README.md does not mention the setting \`${setting}\``);
  }
  for (const { command, title, category } of manifest.contributes.commands) {
    assert.ok(readme.includes(`\`${command}\``), `README.md does not mention the command \`${command}\``);
    assert.ok(readme.includes(`${category}: ${title}`), `README.md does not name the command "${category}: ${title}"`);
  }
  for (const [key, value] of Object.entries(manifest.contributes.configurationDefaults['[ced]'])) {
    assert.ok(readme.includes(`"${key}": ${JSON.stringify(value)}`), `README.md does not give the .ced default "${key}": ${JSON.stringify(value)}`);
  }
  assert.ok(readme.includes(`VS Code ${manifest.engines.vscode.replace(/^\^/, '').replace(/\.0$/, '')} or later`), 'README.md names the oldest VS Code it runs in');
  // No link the Marketplace would have to rewrite: the project has no public repository
  // to resolve relative links against (package.js: --no-rewrite-relative-links).
  assert.doesNotMatch(readme, /\]\((?!https?:|#)[^)]*\)/, 'README.md has a relative link');
});

check('CHANGELOG.md has an entry for the version in package.json', () => {
  const changelog = fs.readFileSync(path.join(EXTENSION_DIR, 'CHANGELOG.md'), 'utf8');
  const escaped = manifest.version.replace(/\./g, '\\.');
  assert.match(changelog, new RegExp(`^## ${escaped}\\b`, 'm'), `no "## ${manifest.version}" heading`);
});

check('gallery banner and keywords', () => {
  assert.match(manifest.galleryBanner.color, /^#[0-9A-Fa-f]{6}$/);
  // The banner's text color: light text (theme "dark") on a dark banner color.
  assert.strictEqual(manifest.galleryBanner.theme, 'dark');
  assert.ok(manifest.keywords.includes('ced'));
  assert.ok(manifest.keywords.length <= 30, 'the Marketplace takes at most 30 keywords');
});

check('build: main is the esbuild bundle of src/extension.js; no runtime dependencies', () => {
  assert.strictEqual(path.resolve(EXTENSION_DIR, manifest.main), path.join(EXTENSION_DIR, 'dist', 'extension.js'));
  assert.strictEqual(manifest.dependencies, undefined, 'everything the extension runs is in the bundle: no `dependencies`');
  for (const dev of ['esbuild', 'vscode-languageclient', '@vscode/vsce']) {
    assert.match(manifest.devDependencies[dev] || '', /^\d+\.\d+\.\d+$/, `${dev} is pinned to an exact version`);
  }
  assert.strictEqual(manifest.scripts['vscode:prepublish'], 'npm run bundle', 'vsce package builds the bundle first');
  assert.match(manifest.scripts.bundle, /scripts\/bundle\.js/);
  const ignored = fs.readFileSync(path.join(EXTENSION_DIR, '.vscodeignore'), 'utf8').split('\n');
  for (const pattern of ['node_modules/**', 'src/**', 'scripts/**', 'tests/**']) {
    assert.ok(ignored.includes(pattern), `.vscodeignore lacks ${pattern}`);
  }
  const packageScript = fs.readFileSync(path.join(EXTENSION_DIR, 'scripts', 'package.js'), 'utf8');
  assert.match(packageScript, /'--no-dependencies'/);
  // Until the project has a public home, the manifest names none (package.js says so).
  if (!manifest.repository) assert.match(packageScript, /'--allow-missing-repository'/);
});

if (failed) {
  console.error(`manifest: ${failed} check(s) failed`);
  process.exit(1);
}
