// The registry and its lock under two processes at once, as two terminals (or a dev server and
// a test run) use them: every lease written, none lost, one port per service, the lock let go.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { PACKAGE, project, config, cliAsync, get, leases, envWith, TIMEOUT_MS } = require('./helpers.js');
const { spawn } = require('node:child_process');

const NAMES = Array.from({ length: 8 }, (_, i) => `svc${i}`);

/** The API's port(NAME) in a process of its own (as a Vite plugin or a script calls it). */
function apiPort(app, name) {
  return new Promise((resolve, reject) => {
    const script = `require(${JSON.stringify(PACKAGE)}).port(${JSON.stringify(name)}).then((port) => console.log(port))`;
    const child = spawn(process.execPath, ['-e', script], { cwd: app.dir, env: envWith({ PORTPLAN_HOME: app.home }) });
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

function port(done) {
  assert.equal(done.code, 0, done.err);
  assert.match(done.out, /^\d+\r?\n$/);
  return Number(done.out);
}

test('two processes leasing different services at once: every lease written, each its own port', async () => {
  const app = project({ 'portplan.toml': config(NAMES) });
  const got = {};
  // Two at a time, a CLI and an API caller, four rounds.
  for (let i = 0; i < NAMES.length; i += 2) {
    const [a, b] = await Promise.all([cliAsync(app, ['get', NAMES[i]]), apiPort(app, NAMES[i + 1])]);
    got[NAMES[i]] = port(a);
    got[NAMES[i + 1]] = port(b);
  }
  assert.equal(new Set(Object.values(got)).size, NAMES.length, JSON.stringify(got));
  const held = Object.fromEntries(leases(app).map((lease) => [lease.name, lease.port]));
  assert.deepEqual(held, got);
  const registry = JSON.parse(fs.readFileSync(path.join(app.home, 'registry.json'), 'utf8'));
  assert.ok(registry && typeof registry === 'object');
});

test('two processes leasing the same service at once: one port, one lease', async () => {
  const app = project({ 'portplan.toml': config(['web']) });
  const [a, b] = await Promise.all([cliAsync(app, ['get', 'web']), cliAsync(app, ['get', 'web'])]);
  assert.equal(port(a), port(b));
  assert.equal(leases(app).length, 1);
});

test('the lock is let go: no lock file is left, and the next process gets its port at once', async () => {
  const app = project({ 'portplan.toml': config(NAMES) });
  await Promise.all(NAMES.slice(0, 4).map((name) => cliAsync(app, ['get', name])));
  const left = fs.readdirSync(app.home).filter((name) => name.includes('.lock'));
  assert.deepEqual(left, []);
  const started = Date.now();
  get(app, NAMES[5]);
  // The lock waits up to 10 s for a live owner: a lock left behind would show here.
  assert.ok(Date.now() - started < 8000, `get took ${Date.now() - started} ms`);
});
