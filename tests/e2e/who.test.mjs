// Issue 27, "Done when": `who` names a real listener's pid and lease, through both CLIs, and
// `ls` shows the lease being served.
//
// A checkout runs `portplan run web -- node server.mjs` (cookie-server.mjs prints its own pid);
// then `who web`, `who <port>`, `who web --json` and `ls` through both CLIs name that pid, its
// command and folder, and web's lease; once the server stops, the lease is left and nothing
// listens.

import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { BOTH, HERE, environment, ok, poll, run, tempTop, writeFiles } from './lib.mjs';

const CONFIG = 'range = [43000, 43999]\n\n[services]\nweb = true\napi = true\n';

function checkout() {
  const top = tempTop();
  const cwd = writeFiles(join(top, 'shop'), { 'portplan.toml': CONFIG });
  copyFileSync(join(HERE, 'cookie-server.mjs'), join(cwd, 'server.mjs'));
  return { cwd, env: environment(join(top, 'home')) };
}

/** `ls`'s table as rows of cells (split on runs of two or more blanks). */
const table = (text) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));

for (const cli of BOTH) {
  test(`who names the pid and lease of a server run started (run through ${cli.name})`, async () => {
    const where = checkout();
    const started = run(cli, 'web', ['node', 'server.mjs'], where);
    try {
      const [, portText, pidText] = await started.waitFor(/^listening (\d+) (\d+) /m);
      const port = Number(portText);
      const pid = Number(pidText);
      const root = where.cwd;
      const sentence = `port ${port} is held by pid ${pid} (node server.mjs, in ${root}), leased to web of shop in ${root}`;
      for (const asker of BOTH) {
        assert.equal(ok(asker, ['who', 'web'], where), `${sentence}\n`, `${asker.name}: who web`);
        assert.equal(ok(asker, ['who', String(port)], where), `${sentence}\n`, `${asker.name}: who ${port}`);
        const answer = JSON.parse(ok(asker, ['who', 'web', '--json'], where));
        assert.deepEqual(
          answer,
          {
            port,
            listener: { state: 'processes', processes: [{ pid, command: ['node', 'server.mjs'], cwd: root }] },
            lease: { namespace: 'shop', name: 'web', root },
            message: sentence,
          },
          `${asker.name}: who web --json`,
        );
        assert.deepEqual(JSON.parse(ok(asker, ['who', String(port), '--json'], where)), answer);

        // ls: web's lease is served by the pid; api (leased by run too) by nothing.
        const rows = table(ok(asker, ['ls'], where));
        assert.deepEqual(rows[0], ['NAMESPACE', 'SERVICE', 'PORT', 'SERVED BY', 'USED', 'ROOT']);
        const byService = Object.fromEntries(rows.slice(1).map((row) => [row[1], row]));
        assert.deepEqual(Object.keys(byService).sort(), ['api', 'web']);
        assert.deepEqual(
          [byService.web[2], byService.web[3], byService.web[5]],
          [String(port), `pid ${pid}`, root],
          `${asker.name}: ls`,
        );
        assert.equal(byService.api[3], '-', `${asker.name}: ls: nothing serves api`);
      }
      // The variables run gave the server hold the same port.
      assert.match(started.err, new RegExp(`^portplan: web → ${port} \\(PORT, WEB_PORT, API_PORT\\)$`, 'm'));

      // Stopped: the lease stays, nothing listens (polled: the socket closes as the process ends).
      await started.stop();
      for (const asker of BOTH) {
        const left = await poll(`${asker.name}: who web after the server stopped`, () => {
          const said = ok(asker, ['who', 'web'], where);
          return said.includes('nothing listens') ? said : undefined;
        });
        assert.equal(left, `port ${port} is leased to web of shop in ${root}, and nothing listens on it\n`);
        const rows = table(ok(asker, ['ls'], where));
        assert.equal(rows.find((row) => row[1] === 'web')[3], '-');
      }
    } finally {
      await started.stop();
    }
  });
}

test('who of a port no lease holds: free, then held by a listener outside portplan', async () => {
  const where = checkout();
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  try {
    for (const cli of BOTH) {
      const said = ok(cli, ['who', String(port)], where);
      assert.match(
        said,
        new RegExp(`^port ${port} is held by pid ${process.pid} \\(node `),
        `${cli.name}: who ${port}`,
      );
      assert.doesNotMatch(said, /leased/);
      const answer = JSON.parse(ok(cli, ['who', String(port), '--json'], where));
      assert.equal(answer.listener.processes[0].pid, process.pid);
      assert.equal(answer.lease, null);
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  for (const cli of BOTH) {
    assert.equal(
      ok(cli, ['who', String(port)], where),
      `port ${port} is free: nothing listens on it and no portplan lease holds it\n`,
      `${cli.name}: who ${port} once closed`,
    );
  }
});
