const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const portplan = require('..');

const root = path.join(__dirname, '..');

test('the engine named in PORTPLAN_ENGINE is the one loaded', () => {
  assert.ok(['native', 'wasm'].includes(process.env.PORTPLAN_ENGINE), 'make test-js sets PORTPLAN_ENGINE');
  assert.equal(portplan.engine, process.env.PORTPLAN_ENGINE);
});

test('without PORTPLAN_ENGINE the native addon is preferred, and a bad value is refused', () => {
  const env = { ...process.env };
  delete env.PORTPLAN_ENGINE;
  const name = execFileSync(process.execPath, ['-p', "require('.').engine"], { cwd: root, env, encoding: 'utf8' });
  assert.equal(name.trim(), 'native');
  assert.throws(
    () => execFileSync(process.execPath, ['-e', "require('.')"], { cwd: root, env: { ...env, PORTPLAN_ENGINE: 'gpu' }, stdio: 'pipe' }),
    /PORTPLAN_ENGINE must be native or wasm/,
  );
});

test('ESM import and require give the same API and the same answers', async () => {
  const esm = await import('../dist/esm/index.js');
  assert.equal(esm.engine, portplan.engine);
  const config = { services: { web: true, api: true } };
  assert.deepEqual(esm.plan(config).toJSON(), portplan.plan(config).toJSON());
  for (const name of ['plan', 'port', 'ports', 'probe', 'listen', 'release', 'leases', 'PlanError', 'RegistryError']) {
    assert.equal(typeof esm[name], 'function', name);
    assert.equal(typeof portplan[name], 'function', name);
  }
});
