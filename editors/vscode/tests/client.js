#!/usr/bin/env node
// Tests of the extension outside VS Code, as VS Code loads it: package.json's `main`, the
// bundle dist/extension.js (`npm run bundle` builds it from src/extension.js and
// vscode-languageclient). `vscode` is a stand-in (tests/lib/fake-vscode.js) but the
// language client is the real, bundled one, and it really spawns a server: the stand-in
// binary tests/fixtures/fake-cedc, which records the messages it receives.
//
// Checked: that the bundle loads alone (no module from node_modules); how `cedc.path`
// becomes a command; that activation starts `<cedc.path> lsp` over stdio and completes
// the LSP handshake; that `cedc.restartServer` and a change of `cedc.path` restart the
// server (a change of another setting does not); that a missing binary gives an error
// message instead of a failed activation, and a later fix of the setting recovers; that
// deactivation shuts the server down, and a server that ignores `exit` is killed (with
// the terminateProcess.sh shipped next to the bundle). With CEDC_REAL_SERVER=<cedc
// binary>, also: the real `cedc lsp` starts, answers the handshake and shuts down.
'use strict';

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createFakeVscode, installModules } = require('./lib/fake-vscode');

// Stack traces of the bundle then name the sources it was made from (with the source
// map dist/extension.js.map, which the .vsix does not ship): see the last test.
process.setSourceMapsEnabled(true);

// CEDC_EXTENSION_DIR: test another copy of the extension, such as the `extension/`
// folder of the unpacked .vsix (scripts/test-vscode does).
const EXTENSION_DIR = path.resolve(process.env.CEDC_EXTENSION_DIR || path.join(__dirname, '..'));
const MANIFEST = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'package.json'), 'utf8'));
const MAIN = require.resolve(path.resolve(EXTENSION_DIR, MANIFEST.main));
const FAKE_CEDC = path.join(__dirname, 'fixtures', 'fake-cedc');
const CEDC_PROXY = path.join(__dirname, 'fixtures', 'cedc-proxy');
const REAL_CEDC = process.env.CEDC_REAL_SERVER || '';
// The modules of the language client: bundled, none of them is loaded from node_modules.
const CLIENT_MODULE = /[\\/]node_modules[\\/](vscode-languageclient|vscode-jsonrpc|vscode-languageserver-protocol|vscode-languageserver-types)[\\/]/;
const TIMEOUT_MS = 15000;

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// Loads a fresh copy of the extension (package.json's `main`) against a fresh fake
// `vscode`; `loaded`: the modules that loading it added to require's cache.
function loadExtension(options) {
  const fake = createFakeVscode(options);
  const uninstall = installModules({ vscode: fake.vscode });
  for (const key of Object.keys(require.cache)) {
    const own = key.startsWith(EXTENSION_DIR + path.sep) && !key.startsWith(__dirname + path.sep);
    if (own || CLIENT_MODULE.test(key)) delete require.cache[key];
  }
  const before = new Set(Object.keys(require.cache));
  const extension = require(MAIN);
  const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
  return { extension, fake, uninstall, loaded };
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return false;
  }
}

function readLog(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function waitFor(what, predicate) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const count = (entries, method) => entries.filter((e) => e.method === method).length;
const starts = (entries) => entries.filter((e) => e.argv).length;

// ---------------------------------------------------------------- the bundle

test('package.json `main` is the bundle, and it loads alone: no module from node_modules', () => {
  assert.strictEqual(MAIN, path.join(EXTENSION_DIR, 'dist', 'extension.js'));
  const { extension, uninstall, loaded } = loadExtension({});
  try {
    assert.deepStrictEqual(loaded, [MAIN], 'loading the extension loads the bundle and nothing else');
    assert.deepStrictEqual(Object.keys(extension).sort(), ['activate', 'deactivate', 'serverCommand']);
  } finally {
    uninstall();
  }
  // What the bundled client runs from its own folder (see scripts/bundle.js).
  const script = path.join(path.dirname(MAIN), 'terminateProcess.sh');
  if (process.platform !== 'win32') {
    assert.ok(fs.statSync(script).mode & 0o100, `${script} is executable`);
  }
});

// ---------------------------------------------------------------- serverCommand

test('cedc.path: default, bare names, ~, absolute and workspace-relative paths', () => {
  const cases = [
    [{}, undefined, 'cedc'],
    [{ 'cedc.path': '' }, undefined, 'cedc'],
    [{ 'cedc.path': '  ' }, undefined, 'cedc'],
    [{ 'cedc.path': 'cedc-nightly' }, undefined, 'cedc-nightly'],
    [{ 'cedc.path': '/opt/cedc/bin/cedc' }, undefined, '/opt/cedc/bin/cedc'],
    [{ 'cedc.path': '~/bin/cedc' }, undefined, path.join(os.homedir(), 'bin', 'cedc')],
    [{ 'cedc.path': 'target/release/cedc' }, [{ uri: { scheme: 'file', fsPath: '/work/project' } }], '/work/project/target/release/cedc'],
    [{ 'cedc.path': './cedc' }, [{ uri: { scheme: 'file', fsPath: '/work/project' } }], '/work/project/cedc'],
    [{ 'cedc.path': 'target/release/cedc' }, undefined, 'target/release/cedc'],
  ];
  for (const [settings, workspaceFolders, want] of cases) {
    const { extension, uninstall } = loadExtension({ settings, workspaceFolders });
    try {
      assert.strictEqual(extension.serverCommand(), want, `settings ${JSON.stringify(settings)}`);
    } finally {
      uninstall();
    }
  }
});

// ---------------------------------------------------------------- the client, for real

test('activation starts `<cedc.path> lsp`; restart command and cedc.path changes restart it', async () => {
  fs.chmodSync(FAKE_CEDC, 0o755);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cedc-vscode-test-'));
  const logFile = path.join(tmp, 'server.log');
  process.env.FAKE_CEDC_LOG = logFile;
  // A second path to the same server, relative to the workspace folder.
  fs.mkdirSync(path.join(tmp, 'bin'));
  fs.copyFileSync(FAKE_CEDC, path.join(tmp, 'bin', 'cedc'));
  fs.chmodSync(path.join(tmp, 'bin', 'cedc'), 0o755);

  const { extension, fake, uninstall } = loadExtension({
    settings: { 'cedc.path': FAKE_CEDC },
    workspaceFolders: [{ uri: { scheme: 'file', fsPath: tmp, toString: () => `file://${tmp}` }, name: 'ws', index: 0 }],
  });
  const context = { subscriptions: [] };
  try {
    // Activation: one server, started with exactly `lsp`, handshake done.
    await extension.activate(context);
    let log = await waitFor('the handshake', () => {
      const l = readLog(logFile);
      return count(l, 'initialized') === 1 && l;
    });
    assert.deepStrictEqual(log[0].argv, ['lsp']);
    assert.strictEqual(count(log, 'initialize'), 1);
    assert.deepStrictEqual(fake.state.errors, []);
    assert.ok(fake.state.commands.has('cedc.restartServer'), 'cedc.restartServer is registered');

    // The restart command: the old server is shut down, a new one started.
    await fake.state.commands.get('cedc.restartServer')();
    log = await waitFor('the restart', () => {
      const l = readLog(logFile);
      return count(l, 'initialized') === 2 && l;
    });
    assert.strictEqual(count(log, 'shutdown'), 1);
    assert.strictEqual(count(log, 'exit'), 1);
    assert.strictEqual(starts(log), 2);

    // Another setting changes: no restart.
    fake.state.changeSettings({ 'cedc.trace.server': 'verbose' });
    await new Promise((r) => setTimeout(r, 500));
    assert.strictEqual(starts(readLog(logFile)), 2, 'a change of cedc.trace.server does not restart');

    // cedc.path changes (to a path relative to the workspace folder): restart with it.
    fake.state.changeSettings({ 'cedc.path': 'bin/cedc' });
    log = await waitFor('the restart after cedc.path changed', () => {
      const l = readLog(logFile);
      return count(l, 'initialized') === 3 && l;
    });
    assert.strictEqual(count(log, 'shutdown'), 2);
    assert.strictEqual(starts(log), 3);

    // A binary that does not exist: one error message, naming it; nothing spawned.
    fake.state.changeSettings({ 'cedc.path': path.join(tmp, 'no-such-cedc') });
    await waitFor('the error message', () => fake.state.errors.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(fake.state.errors.length, 1, `one error message: ${JSON.stringify(fake.state.errors)}`);
    assert.match(fake.state.errors[0], /^Could not start the cedc language server \(`.*no-such-cedc lsp`\)/);
    assert.match(fake.state.errors[0], /cedc\.path/);
    log = readLog(logFile);
    assert.strictEqual(count(log, 'shutdown'), 3, 'the previous server was stopped');
    assert.strictEqual(starts(log), 3, 'nothing was spawned');

    // Fixing the setting recovers.
    fake.state.changeSettings({ 'cedc.path': FAKE_CEDC });
    await waitFor('the server after the fix', () => count(readLog(logFile), 'initialized') === 4);

    // A binary that exits at once (a cedc without `lsp`): an error message, and the
    // restart command still works afterwards.
    process.env.FAKE_CEDC_EXIT = '2';
    await fake.state.commands.get('cedc.restartServer')();
    await waitFor('the error message', () => fake.state.errors.length === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(fake.state.errors.length, 2, `one more error message: ${JSON.stringify(fake.state.errors)}`);
    assert.match(fake.state.errors[1], /^Could not start the cedc language server \(`.*fake-cedc lsp`\): the server exited while starting/);
    assert.strictEqual(starts(readLog(logFile)), 5, 'a server that cannot start is not retried');
    delete process.env.FAKE_CEDC_EXIT;
    await fake.state.commands.get('cedc.restartServer')();
    await waitFor('the server after the failure', () => count(readLog(logFile), 'initialized') === 5);
    assert.strictEqual(starts(readLog(logFile)), 6);

    // Deactivation shuts the server down.
    await extension.deactivate();
    log = await waitFor('the shutdown', () => {
      const l = readLog(logFile);
      return count(l, 'exit') === 5 && l;
    });
    assert.strictEqual(count(log, 'shutdown'), 5);
    assert.strictEqual(count(log, 'initialize'), 5);
  } finally {
    await extension.deactivate().catch(() => {});
    for (const d of context.subscriptions) d.dispose();
    uninstall();
    delete process.env.FAKE_CEDC_LOG;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a server that ignores `exit` is killed 2 s after it was stopped (terminateProcess.sh)', async () => {
  if (process.platform === 'win32') return; // the client uses taskkill there
  fs.chmodSync(FAKE_CEDC, 0o755);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cedc-vscode-test-'));
  const logFile = path.join(tmp, 'server.log');
  process.env.FAKE_CEDC_LOG = logFile;
  process.env.FAKE_CEDC_IGNORE_EXIT = '1';
  const { extension, fake, uninstall } = loadExtension({ settings: { 'cedc.path': FAKE_CEDC } });
  const context = { subscriptions: [] };
  let pid = null;
  try {
    await extension.activate(context);
    await waitFor('the handshake', () => count(readLog(logFile), 'initialized') === 1);
    pid = readLog(logFile)[0].pid;
    assert.ok(pid && isAlive(pid), 'the server runs');
    await extension.deactivate();
    const log = await waitFor('shutdown and exit', () => {
      const l = readLog(logFile);
      return count(l, 'exit') === 1 && l;
    });
    assert.strictEqual(count(log, 'shutdown'), 1);
    await waitFor(`the hung server (pid ${pid}) to be killed`, () => !isAlive(pid));
    assert.deepStrictEqual(fake.state.errors, []);
  } finally {
    await extension.deactivate().catch(() => {});
    for (const d of context.subscriptions) d.dispose();
    uninstall();
    delete process.env.FAKE_CEDC_LOG;
    delete process.env.FAKE_CEDC_IGNORE_EXIT;
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- the real server

if (REAL_CEDC) {
  test(`the real server: \`${REAL_CEDC} lsp\` starts, answers the handshake, shuts down`, async () => {
    fs.chmodSync(CEDC_PROXY, 0o755);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cedc-vscode-test-'));
    const logFile = path.join(tmp, 'server.log');
    process.env.FAKE_CEDC_LOG = logFile;
    process.env.CEDC_PROXY_TARGET = path.resolve(REAL_CEDC);
    // The workspace: one project with one file.
    fs.writeFileSync(path.join(tmp, 'main.ced'), 'let x = 1\n');
    const { extension, fake, uninstall } = loadExtension({
      settings: { 'cedc.path': CEDC_PROXY },
      workspaceFolders: [{ uri: { scheme: 'file', fsPath: tmp, toString: () => `file://${tmp}` }, name: 'ws', index: 0 }],
    });
    const context = { subscriptions: [] };
    try {
      await extension.activate(context);
      let log = await waitFor('the handshake with the real server', () => {
        const l = readLog(logFile);
        return l.some((e) => e.from === 'client' && e.method === 'initialized') && l;
      });
      assert.deepStrictEqual(fake.state.errors, []);
      assert.deepStrictEqual(log[0].argv, ['lsp']);
      const initialize = log.find((e) => e.from === 'client' && e.method === 'initialize');
      const answer = log.find((e) => e.from === 'server' && e.id === initialize.id && !e.method);
      assert.ok(answer && answer.capabilities, `the server answered initialize: ${JSON.stringify(answer)}`);
      for (const capability of ['textDocumentSync', 'hoverProvider', 'definitionProvider', 'documentFormattingProvider']) {
        assert.ok(answer.capabilities.includes(capability), `the server offers ${capability}: ${answer.capabilities.join(' ')}`);
      }
      await extension.deactivate();
      log = await waitFor('the real server to exit', () => {
        const l = readLog(logFile);
        return l.some((e) => 'exit' in e && !e.method) && l;
      });
      const shutdown = log.find((e) => e.from === 'client' && e.method === 'shutdown');
      assert.ok(shutdown, 'the client sent shutdown');
      assert.ok(log.some((e) => e.from === 'server' && e.id === shutdown.id && e.result === null), 'the server answered shutdown');
      assert.ok(log.some((e) => e.from === 'client' && e.method === 'exit'), 'the client sent exit');
      assert.deepStrictEqual(log.find((e) => 'exit' in e && !e.method), { exit: 0, signal: null }, 'the server exited with status 0');
      assert.deepStrictEqual(log.filter((e) => e.error), [], 'no request failed');
    } finally {
      await extension.deactivate().catch(() => {});
      for (const d of context.subscriptions) d.dispose();
      uninstall();
      delete process.env.FAKE_CEDC_LOG;
      delete process.env.CEDC_PROXY_TARGET;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
} else {
  console.log('client: skipped: the test against the real `cedc lsp` (set CEDC_REAL_SERVER to a cedc binary)');
}

// ---------------------------------------------------------------- manifest

test('package.json: main, activation, command and settings match the code', () => {
  const manifest = MANIFEST;
  assert.ok(manifest.activationEvents.includes('onLanguage:ced'));
  assert.deepStrictEqual(manifest.contributes.commands.map((c) => c.command), ['cedc.restartServer']);
  const props = manifest.contributes.configuration.properties;
  assert.strictEqual(props['cedc.path'].default, 'cedc');
  assert.deepStrictEqual(props['cedc.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('cedc.path'));
  // The bundled client is the one of package-lock.json (tests/manifest.js checks the
  // bundle's other settings), and engines.vscode is the floor it needs.
  const lc = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', 'vscode-languageclient', 'package.json'), 'utf8'));
  assert.strictEqual(manifest.devDependencies['vscode-languageclient'], lc.version);
  assert.strictEqual(manifest.engines.vscode, lc.engines.vscode, 'engines.vscode is the floor vscode-languageclient needs');
});

test('no module of the language client was ever loaded from node_modules (all bundled)', () => {
  assert.deepStrictEqual(Object.keys(require.cache).filter((k) => CLIENT_MODULE.test(k)), []);
});

// Promise rejections nobody handles: none may come from the extension's own code.
// (vscode-languageclient leaves some behind when a server dies during the handshake;
// VS Code only logs those.)
const unhandled = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

test('no unhandled promise rejection comes from src/extension.js', () => {
  // Thrown by our code: the innermost frame is in src/extension.js (an async stack trace
  // of a library rejection may list our awaiting function further down). Frames of the
  // bundle name their sources through its source map; without the map (the unpacked
  // .vsix) they all name dist/extension.js, and only non-errors can be told apart.
  if (!fs.existsSync(`${MAIN}.map`)) console.log(`client: note: no ${MAIN}.map, so rejections are not attributed to sources`);
  const topFrame = (r) => (String(r && r.stack).split('\n').find((l) => /^\s+at /.test(l)) || '');
  const ours = unhandled.filter((r) => topFrame(r).includes(path.join('src', 'extension.js')) || !(r instanceof Error));
  assert.deepStrictEqual(ours.map((r) => String(r && r.stack)), []);
});

(async () => {
  let failed = 0;
  for (const { name, fn } of tests) {
    try {
      await fn();
      console.log(`client: ok: ${name}`);
    } catch (e) {
      failed++;
      console.error(`client: FAILED: ${name}\n${e && e.stack ? e.stack : e}`);
    }
  }
  if (failed) {
    console.error(`client: ${failed} of ${tests.length} tests failed`);
    process.exit(1);
  }
  console.log(`client: all ${tests.length} tests passed`);
  process.exit(0);
})();
