// The Vite plugin through Vite's API (createServer in this process): the planned port when the
// server listens, nothing leased by a server that never listens or under Vitest, and the
// plugin's CommonJS and ES module entries. The `vite` command itself: vite-cli.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { leases, plan } = require('..');
const { fileState, privateRegistry, project } = require('./helpers.js');

const RANGE = [47000, 47999];
// Per run: a rerun within a minute would find its own port in TIME_WAIT (the probe counts it).
const APP = `vite-app-${process.pid}`;

function viteApp() {
  return project(
    {
      'package.json': JSON.stringify({ name: APP, portplan: { range: RANGE, exclude: [] } }),
      'index.html': '<!doctype html><title>t</title><p>portplan vite test page</p>',
    },
    'viteproj',
  );
}

/** A dev server of `root` with the plugin, configured inline as a framework would. */
async function devServer(root, server = {}) {
  const { createServer } = await import('vite');
  const { portplan } = require('portplan/vite');
  return createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    cacheDir: path.join(root, '.vite-cache'),
    server: { host: '127.0.0.1', ...server },
    plugins: [portplan()],
  });
}

test('portplan() serves a Vite project on the port planned for its package name', async () => {
  privateRegistry();
  const root = viteApp();
  const server = await devServer(root);
  try {
    await server.listen();
    // The namespace is the project's own name: package.json's, not the folder's. The plan
    // holds the preview's service too, so neither port depends on which one started first.
    const services = { [APP]: true, [`${APP}-preview`]: true };
    const expected = plan({ range: RANGE, exclude: [], namespace: APP, services }).ports[APP];
    assert.equal(server.config.server.port, expected);
    assert.equal(server.config.server.strictPort, true);
    const page = await (await fetch(`http://127.0.0.1:${expected}/`)).text();
    assert.match(page, /portplan vite test page/);
    assert.deepEqual(
      leases().map((l) => [l.namespace, l.name, l.port]),
      [[APP, APP, expected]],
    );
  } finally {
    await server.close();
  }
});

test('a middleware-mode server (it never listens) leases nothing and writes no registry', async () => {
  const registry = privateRegistry();
  const server = await devServer(viteApp(), { middlewareMode: true });
  try {
    // It still serves through the caller's own server (its middlewares).
    assert.match((await server.transformRequest('/@vite/client')).code, /import/);
  } finally {
    await server.close();
  }
  assert.equal(fileState(registry), null);
});

test('under Vitest (VITEST set) the plugin leaves the server as it is and leases nothing', async (t) => {
  const registry = privateRegistry();
  process.env.VITEST = 'true';
  t.after(() => delete process.env.VITEST);
  const server = await devServer(viteApp());
  try {
    await server.listen();
    assert.notEqual(server.config.server.strictPort, true);
    const { port } = server.httpServer.address();
    assert.ok(port < RANGE[0] || port > RANGE[1], `port ${port} is not the plan's`);
  } finally {
    await server.close();
  }
  assert.equal(fileState(registry), null);
});

test('require("portplan/vite") is the plugin itself, with .portplan and .default', () => {
  const vite = require('portplan/vite');
  assert.equal(typeof vite, 'function');
  assert.equal(vite().name, 'portplan');
  assert.equal(vite.portplan, vite);
  assert.equal(vite.default, vite);
});

test('the ESM entry portplan/vite exports the plugin as default and as portplan', async () => {
  const mod = await import('portplan/vite');
  assert.equal(typeof mod.default, 'function');
  assert.equal(mod.default().name, 'portplan');
  assert.equal(mod.portplan, mod.default);
});
