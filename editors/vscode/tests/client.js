#!/usr/bin/env node
// Tests of src/extension.js outside VS Code: `vscode` is a stand-in (tests/lib/fake-vscode.js)
// but vscode-languageclient is the real one, and it really spawns a server: the
// stand-in binary tests/fixtures/fake-cedc, which records the messages it receives.
//
// Checked: how `cedc.path` becomes a command; that activation starts `<cedc.path> lsp` over
// stdio and completes the LSP handshake; that `cedc.restartServer` and a change of
// `cedc.path` restart the server (a change of another setting does not); that a missing
// binary gives an error message instead of a failed activation, and a later fix of the
// setting recovers; that deactivation shuts the server down.
'use strict';

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createFakeVscode, installModules } = require('./lib/fake-vscode');

// CEDC_EXTENSION_DIR: test another copy of the extension, such as the `extension/`
// folder of the unpacked .vsix (scripts/test-vscode does), whose dependencies must then
// come from its own node_modules.
const EXTENSION_DIR = path.resolve(process.env.CEDC_EXTENSION_DIR || path.join(__dirname, '..'));
const FAKE_CEDC = path.join(__dirname, 'fixtures', 'fake-cedc');
const TIMEOUT_MS = 15000;

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// Loads a fresh copy of src/extension.js against a fresh fake `vscode`.
function loadExtension(options) {
  const fake = createFakeVscode(options);
  const uninstall = installModules({ vscode: fake.vscode });
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(path.join(EXTENSION_DIR, 'src')) || key.includes(`${path.sep}vscode-languageclient${path.sep}`)) {
      delete require.cache[key];
    }
  }
  const extension = require(path.join(EXTENSION_DIR, 'src', 'extension.js'));
  return { extension, fake, uninstall };
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

// ---------------------------------------------------------------- manifest

test('package.json: main, activation, command and settings match the code', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'package.json'), 'utf8'));
  assert.strictEqual(path.resolve(EXTENSION_DIR, manifest.main), path.join(EXTENSION_DIR, 'src', 'extension.js'));
  assert.ok(manifest.activationEvents.includes('onLanguage:ced'));
  assert.deepStrictEqual(manifest.contributes.commands.map((c) => c.command), ['cedc.restartServer']);
  const props = manifest.contributes.configuration.properties;
  assert.strictEqual(props['cedc.path'].default, 'cedc');
  assert.deepStrictEqual(props['cedc.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('cedc.path'));
  // The client is a runtime dependency (packaged in the .vsix), pinned exactly.
  assert.match(manifest.dependencies['vscode-languageclient'], /^\d+\.\d+\.\d+$/);
  // The client the extension loads is its own copy (in the .vsix: the packaged one).
  const resolved = require.resolve('vscode-languageclient/node', { paths: [path.join(EXTENSION_DIR, 'src')] });
  assert.ok(resolved.startsWith(path.join(EXTENSION_DIR, 'node_modules') + path.sep), `vscode-languageclient comes from ${resolved}`);
  const lcEngine = JSON.parse(
    fs.readFileSync(path.join(EXTENSION_DIR, 'node_modules', 'vscode-languageclient', 'package.json'), 'utf8'),
  ).engines.vscode;
  assert.strictEqual(manifest.engines.vscode, lcEngine, 'engines.vscode is the floor vscode-languageclient needs');
});

// Promise rejections nobody handles: none may come from the extension's own code.
// (vscode-languageclient leaves some behind when a server dies during the handshake;
// VS Code only logs those.)
const unhandled = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

test('no unhandled promise rejection comes from src/extension.js', () => {
  // Thrown by our code: the innermost frame is in src/extension.js (an async stack trace
  // of a library rejection may list our awaiting function further down).
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
