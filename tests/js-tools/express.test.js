// `await listen('api', express())` with real Express: the promise settles once the app listens,
// the port answers, and it is the lease `portplan ls` shows; a second process of the same
// checkout asking for the kept port while the first still serves gets an error with
// `.code` EADDRINUSE that names the way out, and nothing it does moves the lease. Both engines
// (the native addon the platform tarball brings, and the WebAssembly one).
const test = require('node:test');
const assert = require('node:assert/strict');
const { answers, get, leases, project, start, toolEnv, until } = require('./helpers.js');

const SERVER = `import express from 'express';
import { engine, listen } from 'portplan';

const app = express();
app.get('/', (request, response) => response.send('hello from express'));
try {
  const port = await listen('api', app);
  console.log(\`listening on \${port} (\${engine})\`);
} catch (error) {
  console.log(JSON.stringify({ name: error.name, code: error.code, port: error.port, service: error.service, message: error.message }));
  process.exit(3);
}
`;

function express() {
  return project(
    {
      'package.json': { name: 'shop-api', private: true, type: 'module' },
      'portplan.toml': 'range = [41000, 41999]\n[services]\napi = true\n',
      'server.mjs': SERVER,
    },
    'express',
  );
}

/** The port a started server prints once listen() settled. */
function settled(started) {
  return until(
    () => {
      const match = /listening on (\d+)/.exec(started.output());
      return match ? Number(match[1]) : undefined;
    },
    { what: started.output, alive: started.running, ms: 30_000 },
  );
}

for (const engine of ['native', 'wasm']) {
  const env = toolEnv({ PORTPLAN_ENGINE: engine });
  test(`${engine}: await listen('api', express()) settles, and the port answers`, async () => {
    const cwd = express();
    const started = start(process.execPath, ['server.mjs'], { cwd, env });
    try {
      const port = await settled(started);
      assert.ok(started.output().includes(`listening on ${port} (${engine})`), started.output());
      const got = await answers(port, started);
      assert.equal(got.status, 200);
      assert.equal(got.body, 'hello from express');
      const lease = leases(cwd).find((entry) => entry.name === 'api' && entry.root === cwd);
      assert.equal(lease?.port, port, 'the port listen() settled with is leased');
    } finally {
      await started.stop();
    }
  });

  test(`${engine}: a second server of the checkout on the kept port: EADDRINUSE, and the lease stays`, async () => {
    const cwd = express();
    const first = start(process.execPath, ['server.mjs'], { cwd, env });
    try {
      const port = await settled(first);
      const second = start(process.execPath, ['server.mjs'], { cwd, env });
      const { code } = await second.exited;
      assert.equal(code, 3, second.output());
      const error = JSON.parse(second.output());
      assert.equal(error.name, 'PlanError');
      assert.equal(error.code, 'EADDRINUSE');
      assert.equal(error.port, port);
      assert.equal(error.service, 'api');
      assert.match(error.message, /portplan release api/);
      assert.equal((await get(port)).body, 'hello from express', 'the first still serves');
      assert.equal(leases(cwd).find((entry) => entry.name === 'api' && entry.root === cwd)?.port, port);
    } finally {
      await first.stop();
    }
  });
}
