// The package's API as a Windows user's code loads it: require and import, the engine it
// picks (wasm: this lane installs no platform package, and no Windows addon is built here),
// the shared plan vectors, a leased port, and where the registry lives.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { PACKAGE, TIMEOUT_MS, windows, tempDir, project, config, envWith, get, leases } = require('./helpers.js');

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'vectors', 'plan.json'), 'utf8'));

/** Runs `script` in a fresh node process in `cwd` (`module`: as an ES module); its stdout as JSON. */
function nodeJson(script, { cwd, env = {}, module = false }) {
  const args = module ? ['--input-type=module', '-e', script] : ['-e', script];
  const done = spawnSync(process.execPath, args, { cwd, env: envWith(env), encoding: 'utf8', timeout: TIMEOUT_MS });
  assert.equal(done.status, 0, done.stderr);
  return JSON.parse(done.stdout);
}

test('require and import load the package, on the wasm engine, and plan alike', () => {
  const app = project({ 'portplan.toml': config(['web']) });
  const ask = 'p.plan({ range: [41000, 41999], services: { web: true, api: true } }).ports';
  const cjs = nodeJson(`const p = require(${JSON.stringify(PACKAGE)}); console.log(JSON.stringify([p.engine, ${ask}]))`, {
    cwd: app.dir,
  });
  const url = pathToFileURL(path.join(PACKAGE, 'dist', 'esm', 'index.js')).href;
  const esm = nodeJson(`const p = await import(${JSON.stringify(url)}); console.log(JSON.stringify([p.engine, ${ask}]))`, {
    cwd: app.dir,
    module: true,
  });
  assert.equal(cjs[0], 'wasm');
  assert.deepEqual(esm, cjs);
});

test('every shared plan vector gets its expected answer', () => {
  const { plan, PlanError } = require(PACKAGE);
  assert.ok(vectors.cases.length >= 20);
  for (const vector of vectors.cases) {
    if (vector.expected.error) {
      assert.throws(
        () => plan(vector.config, { busy: vector.busy }),
        (error) => error instanceof PlanError && error.kind === vector.expected.error,
        vector.id,
      );
    } else {
      assert.deepEqual(plan(vector.config, { busy: vector.busy }).ports, vector.expected.assignments, vector.id);
    }
  }
});

test('port() leases a port that the CLI then gets too, and release() gives it back', () => {
  const app = project({ 'portplan.toml': config(['web', 'api']) });
  const script = `const p = require(${JSON.stringify(PACKAGE)});
    p.port('web').then((port) => console.log(JSON.stringify({ port, leases: p.leases().map((l) => [l.name, l.port]) })));`;
  const { port, leases: held } = nodeJson(script, { cwd: app.dir, env: { PORTPLAN_HOME: app.home } });
  assert.ok(port >= 41000 && port <= 41999, String(port));
  assert.deepEqual(held, [['web', port]]);
  assert.equal(get(app, 'web'), port);
  const released = nodeJson(
    `const p = require(${JSON.stringify(PACKAGE)});
    p.release('web').then((gone) => console.log(JSON.stringify({ gone: gone.map((l) => l.name), left: p.leases().length })));`,
    { cwd: app.dir, env: { PORTPLAN_HOME: app.home } },
  );
  assert.deepEqual(released, { gone: ['web'], left: 0 });
  assert.deepEqual(leases(app), []);
});

test(
  'without PORTPLAN_HOME the registry is %LOCALAPPDATA%\\portplan\\registry.json',
  { skip: !windows && 'LOCALAPPDATA is where Windows keeps the registry; other platforms: docs/registry.md' },
  () => {
    const local = path.join(tempDir(), 'AppData', 'Local');
    const app = project({ 'portplan.toml': config(['web']) });
    const env = { PORTPLAN_HOME: undefined, LOCALAPPDATA: local };
    const where = nodeJson(`console.log(JSON.stringify(require(${JSON.stringify(PACKAGE)}).registryPath()))`, {
      cwd: app.dir,
      env,
    });
    assert.equal(where, path.join(local, 'portplan', 'registry.json'));
    const got = spawnSync(process.execPath, [path.join(PACKAGE, 'bin', 'portplan.js'), 'get', 'web'], {
      cwd: app.dir,
      env: envWith(env),
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
    });
    assert.equal(got.status, 0, got.stderr);
    assert.ok(fs.existsSync(where), `${where} written`);
  },
);
