// What the Windows lane's tests share: the installed npm package, fresh projects, a private
// registry, the CLI run as a user runs it, and command shims like those npm and pnpm install.
// Run by Linux's node and by Windows' node.exe under Wine (tests/wine/run.sh): nothing here
// may assume one platform, paths come from `path` and PATH is found whatever its case.
'use strict';
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const windows = process.platform === 'win32';

/** The installed package (node_modules/portplan of a fresh project; tests/wine/run.sh). */
const PACKAGE = (() => {
  const dir = process.env.PORTPLAN_WINE_PACKAGE;
  if (!dir) throw new Error('PORTPLAN_WINE_PACKAGE is not set: run tests/wine/run.sh (make test-wine)');
  // Under Wine, a Linux path resolves against the working directory's drive (Z:, Wine's /).
  return path.resolve(dir);
})();
const BIN = path.join(PACKAGE, 'bin', 'portplan.js');

/** A child can take long under Wine (each is a Windows process started by Wine). */
const TIMEOUT_MS = 60_000;

const folders = [];
process.on('exit', () => {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

function tempDir(prefix = 'portplan-wine-') {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  folders.push(dir);
  return dir;
}

/** A project folder holding `files` ({name: text}), and a registry of its own (`home`). */
function project(files) {
  const base = tempDir();
  const dir = path.join(base, 'app');
  fs.mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return { dir, home: path.join(base, 'home') };
}

/** A config for `services`, on a range of its own. */
function config(services, range = [41000, 41999]) {
  return `range = [${range[0]}, ${range[1]}]\n\n[services]\n${services.map((name) => `${name} = true`).join('\n')}\n`;
}

/** This environment with `changes`; a variable is replaced whatever the case of its name (on
 * Windows, `Path` and `PATH` are one variable; a copy of process.env holds it as `Path`). */
function envWith(changes) {
  const env = { ...process.env, PORTPLAN_ENGINE: '', NO_COLOR: '1' };
  for (const [name, value] of Object.entries(changes)) {
    for (const key of Object.keys(env)) {
      if (windows ? key.toUpperCase() === name.toUpperCase() : key === name) delete env[key];
    }
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** The CLI of the installed package in `cwd`, with the project's own registry. */
function cli({ dir, home }, args, changes = {}) {
  const done = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: envWith({ PORTPLAN_HOME: home, ...changes }),
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  if (done.error) throw done.error;
  return { code: done.status, out: done.stdout, err: done.stderr };
}

/** Like cli, without waiting: resolves when the process ends. */
function cliAsync({ dir, home }, args, changes = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: envWith({ PORTPLAN_HOME: home, ...changes }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (data) => {
      out += data;
    });
    child.stderr.on('data', (data) => {
      err += data;
    });
    const timer = setTimeout(() => child.kill(), TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** `portplan get NAME`: the port, checked to be one number. */
function get(app, name) {
  const done = cli(app, ['get', name]);
  assert.equal(done.code, 0, done.err);
  assert.match(done.out, /^\d+\r?\n$/);
  return Number(done.out);
}

/** The leases of the project's registry (`portplan ls --json`). */
function leases(app) {
  const done = cli(app, ['ls', '--json']);
  assert.equal(done.code, 0, done.err);
  return JSON.parse(done.out);
}

/** The shim writers of npm and pnpm (npm packages cmd-shim and @zkochan/cmd-shim, installed by
 * tests/wine/run.sh): `write(script, shimPath)` writes `shimPath.cmd` (and `.ps1`) for Windows
 * and `shimPath` for sh, as that package manager installs a package's command. */
const WRITERS = (() => {
  const dir = process.env.PORTPLAN_WINE_SHIM_WRITERS;
  if (!dir) throw new Error('PORTPLAN_WINE_SHIM_WRITERS is not set: run tests/wine/run.sh (make test-wine)');
  const npm = require(path.resolve(dir, 'cmd-shim'));
  const pnpm = require(path.resolve(dir, '@zkochan', 'cmd-shim'));
  return {
    npm: (script, to) => npm(script, to),
    // It writes the .cmd file only on Windows unless told to.
    pnpm: (script, to) => pnpm(script, to, { createCmdFile: true }),
  };
})();

/** A project's node_modules/.bin holding the command NAME as the package manager `writer`
 * (npm, pnpm) installs it, running fake-tool.js with `node`. The tool writes what it got
 * (arguments, port variables) as JSON into the file named by FAKE_TOOL_OUT, and exits with
 * FAKE_TOOL_EXIT. Returns the .bin folder. */
async function shim(name, writer = 'npm') {
  const dir = path.join(tempDir('portplan-tool-'), 'node_modules');
  const script = path.join(dir, 'fake-tool', 'bin', `${name}.js`);
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'fake-tool.js'), script);
  fs.mkdirSync(path.join(dir, '.bin'));
  await WRITERS[writer](script, path.join(dir, '.bin', name));
  return path.join(dir, '.bin');
}

/** Whether this is Windows' node under Wine (Wine sets WINELOADER in its processes). */
const wine = windows && process.env.WINELOADER !== undefined;

/** npm's .cmd shims (cmd-shim 4.1 and later) end with
 *   endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%" "...\tool.js" %*
 * Windows' cmd runs what follows `||` once the goto to a missing label has failed (the shim
 * leaves its batch context that way, so that Ctrl+C asks no "Terminate batch job (Y/N)?").
 * Wine 8's cmd ends the batch file at that goto and runs nothing after it: npm's shims start
 * nothing there and exit 0. Asked of this cmd once, with that line. */
let npmShimsHere;
function npmShimsRun() {
  if (npmShimsHere === undefined) {
    const batch = path.join(tempDir('portplan-cmd-'), 'goto.cmd');
    fs.writeFileSync(
      batch,
      '@ECHO off\r\nSETLOCAL\r\nendLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & echo after-the-goto\r\n',
    );
    const comspec = process.env.ComSpec || 'cmd.exe';
    const done = spawnSync(comspec, ['/d', '/c', batch], { encoding: 'utf8', timeout: TIMEOUT_MS });
    npmShimsHere = /after-the-goto/.test(done.stdout ?? '');
  }
  return npmShimsHere;
}

/** Why a test of the shims `writer` (npm, pnpm) writes cannot hold here, or false: only under
 * Wine, and only for a reason of Wine's (never Windows'). */
function shimSkip(writer) {
  if (!wine || writer !== 'npm' || npmShimsRun()) return false;
  return "Wine's cmd ends a batch file at a goto to a missing label without running what follows ||, where npm's .cmd shims start node (Windows' cmd runs it)";
}

/** PATH with `dirs` first, then node's own folder (the shims run `node`), then this PATH. */
function pathWith(...dirs) {
  const key = Object.keys(process.env).find((name) => name.toUpperCase() === 'PATH') ?? 'PATH';
  return [...dirs, path.dirname(process.execPath), process.env[key] ?? ''].join(path.delimiter);
}

module.exports = {
  PACKAGE,
  BIN,
  TIMEOUT_MS,
  windows,
  wine,
  tempDir,
  project,
  config,
  envWith,
  cli,
  cliAsync,
  get,
  leases,
  shim,
  shimSkip,
  pathWith,
};
