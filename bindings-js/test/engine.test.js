const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const portplan = require('..');
const { platformNames } = require('../dist/cjs/engine.js');

const root = path.join(__dirname, '..');
const NO_ADDON = path.join(__dirname, 'fixtures', 'no-addon.js');

/** Runs `node args` in the package folder with `env` over this one's (undefined removes). */
function node(args, env = {}) {
  const merged = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
  const result = spawnSync(process.execPath, args, { cwd: root, env: merged, encoding: 'utf8' });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** Prints `name kind message` of what loading the package throws, as CommonJS or ES module. */
const REPORT_CJS =
  "try { require('portplan'); console.log('loaded') } catch (e) { console.log(e.name, e.kind, e.message) }";
const REPORT_ESM =
  "import('portplan').then(() => console.log('loaded'), (e) => console.log(e.name, e.kind, e.message))";

test('the engine named in PORTPLAN_ENGINE is the one loaded', () => {
  assert.ok(['native', 'wasm'].includes(process.env.PORTPLAN_ENGINE), 'make test-js sets PORTPLAN_ENGINE');
  assert.equal(portplan.engine, process.env.PORTPLAN_ENGINE);
});

test('without PORTPLAN_ENGINE the native addon is preferred', () => {
  const loaded = node(['-p', "require('portplan').engine"], { PORTPLAN_ENGINE: undefined });
  assert.equal(loaded.out.trim(), 'native');
});

test('without PORTPLAN_ENGINE and no addon that loads, the wasm engine answers', () => {
  const loaded = node(
    [
      '--require',
      NO_ADDON,
      '-p',
      "require('portplan').plan({ services: { web: true } }).ports.web + ' ' + require('portplan').engine",
    ],
    {
      PORTPLAN_ENGINE: undefined,
    },
  );
  assert.equal(loaded.out, `${portplan.plan({ services: { web: true } }).ports.web} wasm\n`);
});

test('a bad PORTPLAN_ENGINE is an EngineError (kind engine) from require and from import', () => {
  const expected = 'EngineError engine PORTPLAN_ENGINE must be native or wasm, not "gpu"\n';
  assert.equal(node(['-e', REPORT_CJS], { PORTPLAN_ENGINE: 'gpu' }).out, expected);
  assert.equal(node(['-e', REPORT_ESM], { PORTPLAN_ENGINE: 'gpu' }).out, expected);
});

test('PORTPLAN_ENGINE=native where no addon loads is an EngineError that says why', () => {
  for (const script of [REPORT_CJS, REPORT_ESM]) {
    const { out } = node(['--require', NO_ADDON, '-e', script], { PORTPLAN_ENGINE: 'native' });
    const platform = `${process.platform}-${process.arch}`;
    assert.match(
      out,
      new RegExp(`^EngineError engine PORTPLAN_ENGINE is native, but no native addon loads on ${platform} \\(`),
    );
    assert.match(out, /portplan\.[a-z0-9-]+\.node: no addon loads in this test; /, 'the built addon and its error');
    assert.match(out, /portplan-[a-z0-9-]+: not installed\)\n$/, 'the platform packages looked for');
    assert.equal(out.split('\n').length, 2, 'one line');
  }
});

test('EngineError is a PlanError', () => {
  const error = new portplan.EngineError('no engine');
  assert.ok(error instanceof portplan.PlanError);
  assert.deepEqual([error.name, error.kind, error.message], ['EngineError', 'engine', 'no engine']);
});

test('the platform names are those of the napi-rs platform packages', () => {
  assert.deepEqual(platformNames('linux', 'x64'), ['linux-x64-gnu', 'linux-x64-musl']);
  assert.deepEqual(platformNames('linux', 'arm64'), ['linux-arm64-gnu', 'linux-arm64-musl']);
  assert.deepEqual(platformNames('darwin', 'arm64'), ['darwin-arm64']);
  assert.deepEqual(platformNames('win32', 'x64'), ['win32-x64-msvc']);
  // Every name is one of package.json's optionalDependencies: portplan-<name>.
  const optional = Object.keys(require('../package.json').optionalDependencies);
  for (const [platform, arch] of [
    ['linux', 'x64'],
    ['linux', 'arm64'],
    ['darwin', 'x64'],
    ['darwin', 'arm64'],
    ['win32', 'x64'],
    ['win32', 'arm64'],
  ]) {
    for (const name of platformNames(platform, arch)) assert.ok(optional.includes(`portplan-${name}`), name);
  }
});

test('ESM import and require give the same API and the same answers', async () => {
  const esm = await import('portplan');
  assert.equal(esm.engine, portplan.engine);
  const config = { services: { web: true, api: true } };
  assert.deepEqual(esm.plan(config).toJSON(), portplan.plan(config).toJSON());
  for (const name of [
    'plan',
    'port',
    'ports',
    'probe',
    'projectPlan',
    'listen',
    'release',
    'leases',
    'registryPath',
    'PlanError',
    'RegistryError',
    'EngineError',
  ]) {
    assert.equal(typeof esm[name], 'function', name);
    assert.equal(esm[name], portplan[name], `${name}: one function, whichever way it is loaded`);
  }
});

test('one PlanError class whichever way the package is loaded: instanceof works across them', async () => {
  const esm = await import('portplan');
  const pinnedTwice = { services: { a: 5000, b: 5000 } };
  assert.throws(() => esm.plan(pinnedTwice), portplan.PlanError, 'thrown through ESM, caught as CommonJS');
  assert.throws(() => portplan.plan(pinnedTwice), esm.PlanError, 'thrown through CommonJS, caught as ESM');
  const registryError = new esm.RegistryError({ kind: 'host', message: 'x' }, '/r');
  assert.ok(registryError instanceof portplan.RegistryError && registryError instanceof portplan.PlanError);
  assert.ok(new portplan.EngineError('x') instanceof esm.PlanError);
  const vite = await import('portplan/vite');
  assert.equal(vite.portplan, require('portplan/vite').portplan);
  assert.equal(vite.default, vite.portplan);
});

test('the ES module entry lists every export of the CommonJS one, and a default export of them all', async () => {
  const esm = await import('portplan');
  const named = Object.keys(portplan)
    .filter((name) => name !== 'default')
    .sort();
  assert.deepEqual(
    Object.keys(esm)
      .filter((name) => name !== 'default')
      .sort(),
    named,
  );
  // `import portplan from 'portplan'` and `require('portplan').default` (what TypeScript
  // compiling to CommonJS reads): one object holding every named export.
  assert.equal(esm.default, portplan.default, 'one default object, whichever way it is loaded');
  assert.deepEqual(Object.keys(portplan.default).sort(), named);
  for (const name of named) assert.equal(portplan.default[name], portplan[name], name);
});

test('portplan/vite and the CLI are bundles of their own that throw the same PlanError class', async () => {
  const { portplan: plugin } = require('portplan/vite');
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'portplan-vite-'));
  try {
    // A dev server about to listen leases, and a bad option is the core's PlanError.
    const hooks = plugin({ name: 'web', layout: 'nowhere' });
    hooks.config({ root: cwd }, { command: 'serve', mode: 'development' });
    const server = { listen: async () => server, httpServer: new net.Server(), config: { server: {} } };
    hooks.configureServer(server);
    await assert.rejects(server.listen(), portplan.PlanError);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  const { main } = require('../dist/cjs/cli.js');
  assert.equal(typeof main, 'function');
});
