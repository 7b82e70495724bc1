// The cedc extension: starts `cedc lsp` (the language server built into the cedc binary)
// over stdio for .ced files, and restarts it when `cedc.path` changes or on the command
// `cedc.restartServer`. Syntax highlighting and editing rules come from package.json.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { CloseAction, ErrorAction, LanguageClient } = require('vscode-languageclient/node');

const CLIENT_ID = 'cedc'; // the client reads the setting `cedc.trace.server` by this id
const CLIENT_NAME = 'cedc Language Server';

let client = null;
let outputChannel = null;
let traceOutputChannel = null;
let fileWatcher = null;
// Starts and stops are chained so that a restart never overlaps another one.
let pending = Promise.resolve();

// The command that runs the server, from `cedc.path`:
//   - a bare name (the default `cedc`) is looked up on PATH by the operating system;
//   - `~` or `~/...` is relative to the home directory;
//   - any other relative path (`target/release/cedc`) is relative to the first
//     workspace folder, or left as it is when there is none.
function serverCommand() {
  const configured = String(vscode.workspace.getConfiguration('cedc').get('path') || '').trim() || 'cedc';
  if (configured === '~' || configured.startsWith('~/') || configured.startsWith('~\\')) {
    return path.join(os.homedir(), configured.slice(1));
  }
  if (path.isAbsolute(configured) || !/[\\/]/.test(configured)) return configured;
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  return folder && folder.uri.scheme === 'file' ? path.join(folder.uri.fsPath, configured) : configured;
}

// Where `command` is found: itself when it is a path to an executable file, else the
// first match on PATH (with the PATHEXT extensions on Windows); null when not found.
function findExecutable(command) {
  const isExecutable = (file) => {
    try {
      if (!fs.statSync(file).isFile()) return false;
      if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch (e) {
      return false;
    }
  };
  const extensions =
    process.platform === 'win32' ? ['', ...(process.env.PATHEXT || '.EXE;.CMD;.BAT').split(';').filter(Boolean)] : [''];
  const candidates = (base) => extensions.map((ext) => base + ext);
  if (/[\\/]/.test(command)) return candidates(command).find(isExecutable) || null;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const found = candidates(path.join(dir, command)).find(isExecutable);
    if (found) return found;
  }
  return null;
}

function reportStartFailure(command, reason) {
  const message = `Could not start the cedc language server (\`${command} lsp\`): ${reason}. The setting \`cedc.path\` must name a cedc binary that has the \`lsp\` command.`;
  outputChannel.appendLine(message);
  vscode.window.showErrorMessage(message, 'Open Settings', 'Show Output').then((choice) => {
    if (choice === 'Open Settings') vscode.commands.executeCommand('workbench.action.openSettings', 'cedc.path');
    else if (choice === 'Show Output') outputChannel.show(true);
  });
}

// The language client, with two changes for a server that fails to start: the failure is
// reported once, by startClient (with a pointer to `cedc.path`), rather than also by the
// client's own notifications; and it is not retried in the background.
class CedcLanguageClient extends LanguageClient {
  constructor(command) {
    // No `transport`: the client then talks over the process's stdin/stdout as it is.
    // (`transport: TransportKind.stdio` would append `--stdio` to the arguments.)
    const executable = { command, args: ['lsp'] };
    const clientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'ced' },
        { scheme: 'untitled', language: 'ced' },
      ],
      synchronize: {
        // The server hears about .ced files and cedc.toml changing on disk (an import or
        // a project entry may change without being open). One watcher serves every
        // client: a client only unhooks it when it stops.
        fileEvents: fileWatcher,
      },
      outputChannel,
      traceOutputChannel,
      // A failed `initialize` is reported by startClient.
      initializationFailedHandler: () => false,
    };
    super(CLIENT_ID, CLIENT_NAME, { run: executable, debug: executable }, clientOptions);
    this.started = false;
  }

  // (Called by the constructor, as no errorHandler is given.) While starting: no restart.
  // Once running, like vscode-languageclient's default: restart a crashed server, unless
  // it crashed 5 times within 3 minutes.
  createDefaultErrorHandler() {
    const restarts = [];
    return {
      error: (_error, _message, count) => ({ action: count && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
      closed: () => {
        if (!this.started) return { action: CloseAction.DoNotRestart, handled: true };
        restarts.push(Date.now());
        if (restarts.length > 4) {
          if (restarts[restarts.length - 1] - restarts[0] <= 3 * 60 * 1000) {
            return {
              action: CloseAction.DoNotRestart,
              message:
                'The cedc language server crashed 5 times in the last 3 minutes and will not be restarted; see its output. Run "cedc: Restart Language Server" to try again.',
            };
          }
          restarts.shift();
        }
        return { action: CloseAction.Restart };
      },
    };
  }

  error(message, data, showNotification = true) {
    super.error(message, data, this.started ? showNotification : false);
  }
}

async function stopClient() {
  const old = client;
  client = null;
  if (!old) return;
  // A client whose server failed to start or died has nothing left to stop.
  if (!old.isRunning()) return;
  try {
    await old.stop(); // shutdown, then exit
  } catch (e) {
    outputChannel.appendLine(`Stopping the server: ${e && e.message ? e.message : e}`);
  }
}

async function startClient() {
  const command = serverCommand();
  // A missing binary is the usual failure: say so once, clearly, without starting a
  // client that would only fail (and show its own, less helpful, notification).
  if (!findExecutable(command)) {
    reportStartFailure(command, /[\\/]/.test(command) ? 'no executable file there' : 'not found on PATH');
    return;
  }
  try {
    client = new CedcLanguageClient(command);
    await client.start();
    // start() can resolve although the server exited during the handshake.
    if (!client.isRunning()) throw new Error('the server exited while starting (its output says why)');
    client.started = true;
  } catch (e) {
    reportStartFailure(command, e && e.message ? e.message : String(e));
  }
}

// Queues `step` after the starts and stops already asked for; a failure is logged and
// does not block the queue.
function enqueue(step) {
  pending = pending.then(step).catch((e) => outputChannel.appendLine(`cedc: ${e && e.stack ? e.stack : e}`));
  return pending;
}

function restart() {
  return enqueue(async () => {
    await stopClient();
    await startClient();
  });
}

function activate(context) {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  traceOutputChannel = vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`);
  fileWatcher = vscode.workspace.createFileSystemWatcher('**/{*.ced,cedc.toml}');
  context.subscriptions.push(outputChannel, traceOutputChannel, fileWatcher);
  context.subscriptions.push(
    vscode.commands.registerCommand('cedc.restartServer', () => restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('cedc.path')) restart();
    }),
  );
  return enqueue(startClient);
}

function deactivate() {
  return enqueue(stopClient);
}

module.exports = { activate, deactivate, serverCommand };
