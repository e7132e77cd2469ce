// The packed npm packages, installed as a user would: in fresh projects outside the repository,
// from the tarballs (and npm's cache). scripts/check-package.sh packs them into the folder named by
// PORTPLAN_PACKED and runs this file once (the engine is what each installation chooses).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { stripVTControlCharacters } = require('node:util');

const packed = process.env.PORTPLAN_PACKED;
if (!packed)
  throw new Error('PORTPLAN_PACKED is not set: run bindings-js/scripts/check-package.sh (make check-package-js)');
const { platformNames } = require('../../dist/cjs/engine.js');
const version = require('../../package.json').version;
const MAIN = path.join(packed, `portplan-${version}.tgz`);
// This host's platform package (`portplan-linux-x64-gnu` on Linux x64 with glibc).
const PLATFORM = platformNames()
  .map((name) => path.join(packed, `portplan-${name}-${version}.tgz`))
  .find((file) => fs.existsSync(file));
const VITE_BIN = path.join(__dirname, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js');
const RANGE = [47200, 47299];

function run(command, args, cwd, env = {}) {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const folders = [];
test.after(() => {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh project (npm init -y) with `tarballs` installed from the files alone. */
function installed(tarballs) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'portplan-user-')));
  folders.push(dir);
  const project = path.join(dir, 'app');
  fs.mkdirSync(project);
  assert.equal(run('npm', ['init', '-y'], project).code, 0);
  // The main package's optionalDependencies name platform packages that are not on the
  // registry before a release: npm skips an optional package it cannot fetch. The one registry
  // dependency (@types/node, for the .d.ts) comes from npm's cache when it is there.
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], project);
  assert.equal(install.code, 0, install.err);
  // Each project gets its own registry: never the user's.
  return { project, env: { PORTPLAN_HOME: path.join(dir, 'home'), PORTPLAN_ENGINE: '' } };
}

/** What the project's own `portplan` answers, loaded as CommonJS and as an ES module. */
function loaded({ project, env }) {
  const script = (load) =>
    `${load}.then((p) => console.log(JSON.stringify({ engine: p.engine, web: p.plan({ range: [${RANGE}], services: { web: true } }).ports.web })))`;
  const cjs = run(process.execPath, ['-e', script("Promise.resolve(require('portplan'))")], project, env);
  const esm = run(process.execPath, ['--input-type=module', '-e', script("import('portplan')")], project, env);
  assert.equal(cjs.err, '');
  assert.equal(esm.err, '');
  return { cjs: JSON.parse(cjs.out), esm: JSON.parse(esm.out) };
}

function expectedWebPort() {
  return require('../..').plan({ range: RANGE, services: { web: true } }).ports.web;
}

test('the main and platform tarballs are there', () => {
  assert.ok(fs.existsSync(MAIN), MAIN);
  assert.ok(PLATFORM, `a platform tarball for ${platformNames().join(' or ')}`);
});

test('main + platform package: require and import load the native engine', async (t) => {
  const app = installed([PLATFORM, MAIN]);
  const { cjs, esm } = loaded(app);
  assert.deepEqual(cjs, { engine: 'native', web: expectedWebPort() });
  assert.deepEqual(esm, cjs);
  assert.ok(
    !fs.existsSync(path.join(app.project, 'node_modules', 'portplan', 'native')),
    'the main package holds no addon',
  );

  await t.test('npx portplan get web', () => {
    fs.writeFileSync(path.join(app.project, 'portplan.toml'), `range = [${RANGE}]\n[services]\nweb = true\n`);
    const get = run('npx', ['--offline', 'portplan', 'get', 'web'], app.project, app.env);
    assert.equal(get.err, '');
    assert.equal(get.code, 0);
    const port = Number(get.out);
    assert.ok(port >= RANGE[0] && port <= RANGE[1], get.out);
    assert.equal(run('npx', ['--offline', 'portplan', 'get', 'web'], app.project, app.env).out, get.out, 'kept');
  });

  await t.test('one PlanError class for import and require', () => {
    const script = `
      const cjs = require('portplan');
      import('portplan').then((esm) => {
        try { esm.plan({ services: { a: 5000, b: 5000 } }) } catch (e) { console.log(e instanceof cjs.PlanError, esm.PlanError === cjs.PlanError) }
      });`;
    assert.equal(run(process.execPath, ['-e', script], app.project, app.env).out, 'true true\n');
  });

  await t.test('a real Vite dev server with portplan/vite', async () => {
    fs.writeFileSync(path.join(app.project, 'index.html'), '<!doctype html><title>t</title><p>served by vite</p>');
    fs.writeFileSync(
      path.join(app.project, 'vite.config.mjs'),
      "import portplan from 'portplan/vite';\nexport default { logLevel: 'info', server: { host: '127.0.0.1' }, plugins: [portplan({ name: 'web' })] };\n",
    );
    // Vite itself from this repository (a peer dependency the project would install).
    const server = spawn(process.execPath, [VITE_BIN], { cwd: app.project, env: { ...process.env, ...app.env } });
    try {
      const url = await new Promise((resolve, reject) => {
        let seen = '';
        const timer = setTimeout(() => reject(new Error(`vite did not start:\n${seen}`)), 30_000);
        const onData = (chunk) => {
          seen += chunk;
          const match = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(stripVTControlCharacters(seen));
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        };
        server.stdout.on('data', onData);
        server.stderr.on('data', onData);
        server.once('exit', (code) => reject(new Error(`vite exited with ${code}:\n${seen}`)));
      });
      const leased = run('npx', ['--offline', 'portplan', 'get', 'web', '--no-probe'], app.project, app.env).out.trim();
      assert.equal(url, `http://127.0.0.1:${leased}`);
      assert.match(await (await fetch(`${url}/`)).text(), /served by vite/);
    } finally {
      server.kill();
    }
  });
});

test('main package alone: the wasm engine, and PORTPLAN_ENGINE=native is one clear error', () => {
  const app = installed([MAIN]);
  for (const name of platformNames())
    assert.ok(!fs.existsSync(path.join(app.project, 'node_modules', `portplan-${name}`)));
  const { cjs, esm } = loaded(app);
  assert.deepEqual(cjs, { engine: 'wasm', web: expectedWebPort() });
  assert.deepEqual(esm, cjs);

  const native = { ...app.env, PORTPLAN_ENGINE: 'native' };
  const get = run('npx', ['--offline', 'portplan', 'get', 'web'], app.project, native);
  assert.equal(get.code, 2);
  assert.equal(get.out, '');
  assert.match(
    get.err,
    /^portplan: error: PORTPLAN_ENGINE is native, but no native addon loads on .*: not installed\)\n$/,
  );
  const thrown = run(
    process.execPath,
    ['-e', "try { require('portplan') } catch (e) { console.log(e.name, e.kind) }"],
    app.project,
    native,
  );
  assert.equal(thrown.out, 'EngineError engine\n');
});

test('a platform package of another version is not loaded: its addon may speak another core API', () => {
  // The platform tarball again, as version 0.0.0-other.
  const stage = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'portplan-other-')));
  folders.push(stage);
  assert.equal(run('tar', ['xzf', PLATFORM, '-C', stage]).code, 0);
  const manifestFile = path.join(stage, 'package', 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, version: '0.0.0-other' }));
  const packed = run('npm', ['pack', '--silent', '--pack-destination', stage], path.join(stage, 'package'));
  assert.equal(packed.code, 0, packed.err);

  const app = installed([path.join(stage, packed.out.trim()), MAIN]);
  assert.equal(loaded(app).cjs.engine, 'wasm');
  const get = run('npx', ['--offline', 'portplan', 'get', 'web'], app.project, {
    ...app.env,
    PORTPLAN_ENGINE: 'native',
  });
  assert.equal(get.code, 2);
  assert.match(get.err, new RegExp(`${manifest.name}: its version 0\\.0\\.0-other is not portplan's ${version}`));
});
