// A stand-in for the `vscode` module, enough to load src/extension.js and the real
// vscode-languageclient outside VS Code. The few APIs the extension uses are real
// objects that tests can inspect and drive (configuration, commands, output channels,
// configuration-change events); everything else is an inert stub: any property is a
// stub, calling or constructing a stub returns a stub, and a stub's `dispose` does nothing.
'use strict';

const Module = require('module');

function stub(name = 'stub') {
  const cache = new Map();
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined; // not a promise
      if (prop === Symbol.toPrimitive) return () => `[${name}]`;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === 'toString' || prop === 'toJSON') return () => `[${name}]`;
      if (prop === 'prototype') return target.prototype;
      if (!cache.has(prop)) cache.set(prop, stub(`${name}.${String(prop)}`));
      return cache.get(prop);
    },
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

class EventEmitter {
  constructor() {
    this.listeners = [];
    this.event = (listener, thisArg, disposables) => {
      const entry = { listener, thisArg };
      this.listeners.push(entry);
      const d = { dispose: () => (this.listeners = this.listeners.filter((e) => e !== entry)) };
      if (Array.isArray(disposables)) disposables.push(d);
      return d;
    };
  }
  fire(value) {
    for (const { listener, thisArg } of [...this.listeners]) listener.call(thisArg, value);
  }
  dispose() {
    this.listeners = [];
  }
}

class Disposable {
  constructor(fn) {
    this.fn = fn;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((d) => d && d.dispose && d.dispose()));
  }
  dispose() {
    if (this.fn) this.fn();
    this.fn = null;
  }
}

function createFakeVscode({ settings = {}, workspaceFolders, version = '1.82.0' } = {}) {
  const state = {
    settings: { ...settings },
    commands: new Map(),
    channels: [],
    errors: [],
    executed: [],
    configChanged: new EventEmitter(),
  };

  const channel = (name) => {
    const c = {
      name,
      lines: [],
      append: (s) => c.lines.push(String(s)),
      appendLine: (s) => c.lines.push(String(s)),
      clear: () => (c.lines = []),
      show: () => {},
      hide: () => {},
      replace: (s) => (c.lines = [String(s)]),
      dispose: () => (c.disposed = true),
    };
    state.channels.push(c);
    return c;
  };

  const configuration = (section) => ({
    get: (key, dflt) => {
      const full = section ? `${section}.${key}` : key;
      return Object.prototype.hasOwnProperty.call(state.settings, full) ? state.settings[full] : dflt;
    },
    has: (key) => Object.prototype.hasOwnProperty.call(state.settings, section ? `${section}.${key}` : key),
    inspect: () => undefined,
    update: async () => {},
  });

  const base = stub('vscode');
  const overrides = {
    version,
    EventEmitter,
    Disposable,
    workspace: new Proxy(
      {
        getConfiguration: configuration,
        onDidChangeConfiguration: state.configChanged.event,
        workspaceFolders,
        textDocuments: [],
        createFileSystemWatcher: () => ({
          onDidCreate: () => new Disposable(),
          onDidChange: () => new Disposable(),
          onDidDelete: () => new Disposable(),
          dispose: () => {},
        }),
      },
      { get: (t, p) => (p in t ? t[p] : base.workspace[p]) },
    ),
    window: new Proxy(
      {
        createOutputChannel: channel,
        showErrorMessage: (msg) => {
          state.errors.push(String(msg));
          return Promise.resolve(undefined);
        },
        visibleTextEditors: [],
        tabGroups: { all: [], onDidChangeTabs: () => new Disposable() },
      },
      { get: (t, p) => (p in t ? t[p] : base.window[p]) },
    ),
    commands: new Proxy(
      {
        registerCommand: (id, fn) => {
          state.commands.set(id, fn);
          return new Disposable(() => state.commands.delete(id));
        },
        executeCommand: async (...args) => {
          state.executed.push(args);
        },
      },
      { get: (t, p) => (p in t ? t[p] : base.commands[p]) },
    ),
  };
  const vscode = new Proxy(overrides, { get: (t, p) => (p in t ? t[p] : base[p]) });

  // Tell the extension's settings changed: fires onDidChangeConfiguration.
  state.changeSettings = (changes) => {
    Object.assign(state.settings, changes);
    const keys = Object.keys(changes);
    state.configChanged.fire({
      affectsConfiguration: (section) => keys.some((k) => k === section || k.startsWith(`${section}.`)),
    });
  };
  return { vscode, state };
}

// Makes require('vscode') (and optionally other modules) return the given objects.
function installModules(modules) {
  const originalLoad = Module._load;
  Module._load = function (request, parent, isMain) {
    if (Object.prototype.hasOwnProperty.call(modules, request)) return modules[request];
    return originalLoad.call(this, request, parent, isMain);
  };
  return () => {
    Module._load = originalLoad;
  };
}

module.exports = { createFakeVscode, installModules, stub };
