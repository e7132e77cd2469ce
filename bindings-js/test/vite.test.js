// The Vite plugin in a real dev server: the page is served from the planned port.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { leases, plan } = require('..');
const { privateRegistry, project } = require('./helpers.js');

test('portplan() serves a Vite project on the port planned for its package name', async () => {
  privateRegistry();
  const root = project(
    {
      'package.json': JSON.stringify({ name: 'vite-app', portplan: { range: [47000, 47999], exclude: [] } }),
      'index.html': '<!doctype html><title>t</title><p>portplan vite test page</p>',
    },
    'viteproj',
  );
  const { createServer } = await import('vite');
  const { portplan } = require('portplan/vite');
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    cacheDir: path.join(root, '.vite-cache'),
    server: { host: '127.0.0.1' },
    plugins: [portplan()],
  });
  try {
    await server.listen();
    // The namespace is the project's own name: package.json's, not the folder's.
    const expected = plan({ range: [47000, 47999], exclude: [], namespace: 'vite-app', services: { 'vite-app': true } })
      .ports['vite-app'];
    assert.equal(server.config.server.port, expected);
    assert.equal(server.config.server.strictPort, true);
    const page = await (await fetch(`http://127.0.0.1:${expected}/`)).text();
    assert.match(page, /portplan vite test page/);
    assert.deepEqual(
      leases().map((l) => [l.namespace, l.name, l.port]),
      [['vite-app', 'vite-app', expected]],
    );
  } finally {
    await server.close();
  }
});

test('the ESM entry portplan/vite exports the plugin as default', async () => {
  const mod = await import('portplan/vite');
  assert.equal(typeof mod.default, 'function');
  assert.equal(mod.default().name, 'portplan');
});
