// Test runners' workers with real Vitest and Jest: four test files run at once in four workers
// (a barrier holds each until all four have their port), two `listen('api', server)` and two
// `port('api')`. Each worker must get a port of its own (one namespace per worker and
// checkout, from VITEST_POOL_ID / JEST_WORKER_ID), the same ones on a rerun, and a second run
// of the same checkout started at the same time must get other ports (its workers take the
// next slot), never the first run's: the barrier then holds every worker of both runs until
// all eight have their port. Both engines.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { BIN, project, start, toolEnv } = require('./helpers.js');

const WORKERS = 4;

/** Records this worker's port, then waits until every worker has one (so all are running at
 * once). A server started by listen() answers with its worker id meanwhile. */
const BARRIER = (
  format,
) => `${format === 'esm' ? "import fs from 'node:fs';\nimport path from 'node:path';\n" : "const fs = require('node:fs');\nconst path = require('node:path');\n"}
${format === 'esm' ? 'export ' : ''}async function record(how, port) {
  const out = process.env.RESULTS;
  const worker = process.env.VITEST_POOL_ID ?? process.env.JEST_WORKER_ID;
  if (how === 'listen') {
    const answer = await (await fetch(\`http://127.0.0.1:\${port}/\`)).text();
    if (answer !== worker) throw new Error(\`the server on \${port} answered \${answer}\`);
  }
  const run = process.env.RUN;
  fs.writeFileSync(path.join(out, \`\${run}-\${process.pid}.json\`), JSON.stringify({ run, worker, port, how }));
  const expect = Number(process.env.EXPECT);
  const end = Date.now() + 90_000;
  while (fs.readdirSync(out).length < expect) {
    if (Date.now() > end) throw new Error(\`the \${expect} workers never ran at once\`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
${format === 'esm' ? '' : 'module.exports = { record };\n'}`;

const LISTEN_BODY = `
  const server = http.createServer((request, response) => response.end(process.env.VITEST_POOL_ID ?? process.env.JEST_WORKER_ID));
  const port = await listen('api', server);
  try {
    await record('listen', port);
  } finally {
    server.close();
  }`;
const PORT_BODY = `
  await record('port', await port('api'));`;

function vitestProject() {
  const file = (body) => `import http from 'node:http';
import { test } from 'vitest';
import { listen, port } from 'portplan';
import { record } from './barrier.mjs';

test('api', async () => {${body}
}, 120_000);
`;
  return project(
    {
      'package.json': { name: 'shop', private: true, type: 'module' },
      'portplan.toml': 'range = [42000, 42999]\n[services]\napi = true\n',
      'barrier.mjs': BARRIER('esm'),
      'a.test.js': file(LISTEN_BODY),
      'b.test.js': file(LISTEN_BODY),
      'c.test.js': file(PORT_BODY),
      'd.test.js': file(PORT_BODY),
    },
    'vitest',
  );
}

function jestProject() {
  const file = (body) => `const http = require('node:http');
const { listen, port } = require('portplan');
const { record } = require('./barrier.js');

test('api', async () => {${body}
}, 120_000);
`;
  return project(
    {
      'package.json': { name: 'shop', private: true },
      'portplan.toml': 'range = [42000, 42999]\n[services]\napi = true\n',
      'barrier.js': BARRIER('cjs'),
      'a.test.js': file(LISTEN_BODY),
      'b.test.js': file(LISTEN_BODY),
      'c.test.js': file(PORT_BODY),
      'd.test.js': file(PORT_BODY),
    },
    'jest',
  );
}

const RUNNERS = {
  vitest: {
    project: vitestProject,
    argv: () => [path.join(BIN, 'vitest'), 'run', `--maxWorkers=${WORKERS}`, '--pool=forks'],
  },
  jest: {
    project: jestProject,
    // A fresh cache each run: with the timings of an earlier run, Jest runs fast files in band.
    argv: (cache) => [path.join(BIN, 'jest'), `--maxWorkers=${WORKERS}`, `--cacheDirectory=${cache}`, '--ci'],
  },
};

let runs = 0;
/** Starts one run of `runner` in `cwd` whose workers wait for `expect` workers in `results` (of
 * this run and of runs started with it); `finished()` gives `{worker: port}` once it ended. */
function startRun(runner, cwd, env, results = fs.mkdtempSync(path.join(cwd, 'results-')), expect = WORKERS) {
  const run = String(runs++);
  const [command, ...args] = RUNNERS[runner].argv(path.join(cwd, `cache-${run}`));
  const started = start(command, args, { cwd, env: { ...env, RESULTS: results, EXPECT: String(expect), RUN: run } });
  return {
    finished: async () => {
      const { code } = await started.exited;
      assert.equal(code, 0, `${runner} failed:\n${started.output()}`);
      const found = fs
        .readdirSync(results)
        .map((file) => JSON.parse(fs.readFileSync(path.join(results, file))))
        .filter((result) => result.run === run);
      assert.equal(found.length, WORKERS, started.output());
      const byWorker = Object.fromEntries(found.map(({ worker, port }) => [worker, port]));
      assert.equal(Object.keys(byWorker).length, WORKERS, `${WORKERS} workers: ${JSON.stringify(found)}`);
      assert.deepEqual(found.map(({ how }) => how).sort(), ['listen', 'listen', 'port', 'port']);
      return byWorker;
    },
  };
}

const distinct = (ports) => new Set(ports).size === ports.length;

for (const [runner, engine] of Object.keys(RUNNERS).flatMap((name) => [
  [name, 'native'],
  [name, 'wasm'],
])) {
  test(`${runner} with ${WORKERS} workers (${engine}): a port each, the same on a rerun, others for a run at the same time`, async () => {
    const cwd = RUNNERS[runner].project();
    const env = toolEnv({ PORTPLAN_ENGINE: engine });

    const first = await startRun(runner, cwd, env).finished();
    assert.ok(distinct(Object.values(first)), `${WORKERS} distinct ports: ${JSON.stringify(first)}`);

    const rerun = await startRun(runner, cwd, env).finished();
    assert.deepEqual(rerun, first, 'each worker gets its port of the first run again');

    // Two runs at once, every worker of both running until all eight have a port: eight
    // distinct ports.
    const shared = fs.mkdtempSync(path.join(cwd, 'results-'));
    const both = [startRun(runner, cwd, env, shared, 2 * WORKERS), startRun(runner, cwd, env, shared, 2 * WORKERS)];
    const [one, two] = await Promise.all(both.map((started) => started.finished()));
    const together = [...Object.values(one), ...Object.values(two)];
    assert.ok(distinct(together), `two runs at once share no port: ${JSON.stringify({ one, two })}`);

    // Once both ended, a run gets the first run's ports again.
    assert.deepEqual(await startRun(runner, cwd, env).finished(), first, 'after them, the ports of the first run');
  });
}
