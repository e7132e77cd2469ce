// The registry and its lock under two processes at once, as two terminals (or a dev server and
// a test run) use them: every lease written, none lost, one port per service; the lock excludes
// while it is held and is let go when a call ends or its holder is killed.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { PACKAGE, project, config, cliAsync, get, leases, envWith, TIMEOUT_MS } = require('./helpers.js');

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

/** A process of its own holding the registry's lock as the package's wasm host takes it (its
 * lock.js: flock on Linux, an open with share mode 0 on Windows), until it is killed. Resolves
 * once the lock is held. */
async function holdLock(app) {
  fs.mkdirSync(app.home, { recursive: true });
  const file = path.join(app.home, 'registry.lock');
  const lock = path.join(PACKAGE, 'dist', 'cjs', 'lock.js');
  const script = `const reply = new (require(${JSON.stringify(lock)}).Locks)().lock(${JSON.stringify(file)});
    console.log(JSON.stringify(reply)); setInterval(() => {}, 1000);`;
  const holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ended = new Promise((resolve) => holder.once('exit', resolve));
  const reply = await new Promise((resolve, reject) => {
    holder.stdout.once('data', (data) => resolve(JSON.parse(String(data))));
    holder.once('exit', () => reject(new Error('the lock holder ended before it said it holds the lock')));
  });
  assert.deepEqual(reply, { did: 'lock', taken: true, error: null });
  return { holder, ended };
}

/** How long the lock is held while another process waits for it: longer than a `get` takes
 * under Wine (about 2 s), shorter than the 10 s a writer waits for one holder. */
const HELD_MS = 5000;

test('the lock excludes: a get waits while another process holds it, and gets its port once the holder is killed', async () => {
  const app = project({ 'portplan.toml': config(['web']) });
  const { holder, ended } = await holdLock(app);
  const waiting = cliAsync(app, ['get', 'web']);
  let done = null;
  waiting.then((result) => {
    done = result;
  });
  await new Promise((resolve) => setTimeout(resolve, HELD_MS));
  // Nothing was written while the lock was held: the get is still waiting for it.
  assert.equal(done, null, `get ended while the lock was held: ${JSON.stringify(done)}`);
  assert.equal(fs.existsSync(path.join(app.home, 'registry.json')), false);
  // Killed (SIGKILL; TerminateProcess on Windows): the kernel lets the lock go with the
  // process, and the get takes it (a lock left held: it gives up 10 s after it began to wait).
  holder.kill('SIGKILL');
  await ended;
  const got = port(await waiting);
  assert.deepEqual(
    leases(app).map((lease) => [lease.name, lease.port]),
    [['web', got]],
  );
});

test('the lock is let go after each call: one process leasing three times, then the next process, at once', async () => {
  const app = project({ 'portplan.toml': config(NAMES) });
  // Each call writes (a fresh lease) under the lock: a lock left held would make the next
  // call wait 10 s for it, then fail.
  const script = `const p = require(${JSON.stringify(PACKAGE)});
    (async () => {
      const took = [];
      for (const name of ${JSON.stringify(NAMES.slice(0, 3))}) {
        const start = Date.now();
        took.push([name, await p.port(name), Date.now() - start]);
      }
      console.log(JSON.stringify(took));
    })();`;
  const child = spawnSync(process.execPath, ['-e', script], {
    cwd: app.dir,
    env: envWith({ PORTPLAN_HOME: app.home }),
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  assert.equal(child.status, 0, child.stderr);
  const took = JSON.parse(child.stdout);
  assert.deepEqual(
    took.map(([name, port]) => [name, typeof port]),
    NAMES.slice(0, 3).map((name) => [name, 'number']),
  );
  for (const [name, , ms] of took) assert.ok(ms < 8000, `${name} took ${ms} ms`);
  const started = Date.now();
  get(app, NAMES[3]);
  assert.ok(Date.now() - started < 8000, `get took ${Date.now() - started} ms`);
  assert.equal(leases(app).length, 4);
  // The lock file stays (it is the lock; never deleted); no write in progress is left.
  const left = fs.readdirSync(app.home).sort();
  assert.ok(left.includes('registry.lock'), JSON.stringify(left));
  assert.deepEqual(
    left.filter((name) => name.includes('.tmp')),
    [],
  );
});
