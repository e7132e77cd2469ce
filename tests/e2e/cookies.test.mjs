// Issue 27, "Done when": a real Chromium loads a service's URL from a server that `portplan run`
// started, and two checkouts of one project keep separate cookies.
//
// Two checkouts: the same portplan.toml in two folders named `shop` under different parents,
// sharing one registry (as one user's checkouts do). Each runs `portplan run web -- node
// server.mjs` (cookie-server.mjs: /login sets a cookie, / echoes it). Chromium logs in to A, then
// to B, then A's / still shows A's cookie and B's / B's: the hosts differ, so the cookies do.
// `*.localhost` resolves in Chromium itself (not in Node, Python or getent on Debian 12, whose
// resolver has no such rule), so every request to a URL goes through the browser.

import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  BOTH,
  CLIS,
  HERE,
  browser,
  environment,
  load,
  newContext,
  ok,
  run,
  tempTop,
  urlPattern,
  writeFiles,
} from './lib.mjs';

const CONFIG = 'range = [42000, 42999]\n\n[services]\nweb = true\napi = true\n';

let chromium;
before(async () => {
  chromium = await browser();
});
after(async () => {
  await chromium?.close();
});

/** Two checkouts `<top>/one/shop` and `<top>/two/shop` of one project, one registry. */
function checkouts() {
  const top = tempTop();
  const env = environment(join(top, 'home'));
  const made = ['one', 'two'].map((parent) => {
    const cwd = writeFiles(join(top, parent, 'shop'), { 'portplan.toml': CONFIG });
    copyFileSync(join(HERE, 'cookie-server.mjs'), join(cwd, 'server.mjs'));
    return { cwd, env };
  });
  return { top, a: made[0], b: made[1] };
}

/** `portplan run web -- node server.mjs` in `where` through `cli`; resolves once it serves,
 * with what the server and `run` said. */
async function serve(cli, where) {
  const started = run(cli, 'web', ['node', 'server.mjs'], where);
  const [, port, pid, token] = await started.waitFor(/^listening (\d+) (\d+) ([0-9a-f]+)$/m);
  return { started, port: Number(port), pid: Number(pid), token };
}

for (const [first, second] of [
  [CLIS.node, CLIS.python],
  [CLIS.python, CLIS.node],
]) {
  test(`two checkouts keep separate cookies in Chromium (A through ${first.name}, B through ${second.name})`, async () => {
    const { a, b } = checkouts();
    // Each checkout's URL, as `portplan url web` prints it; both CLIs print the same.
    const urlOf = (where) => {
      const urls = BOTH.map((cli) => ok(cli, ['url', 'web'], where).trim());
      assert.equal(urls[0], urls[1], 'node and python print one URL');
      return urls[0];
    };
    const urlA = urlOf(a);
    const urlB = urlOf(b);
    const hostA = new URL(urlA).hostname;
    const hostB = new URL(urlB).hostname;
    assert.match(urlA, urlPattern('web', 'shop'));
    assert.match(urlB, urlPattern('web', 'shop'));
    assert.notEqual(hostA, hostB, 'two checkouts, two hosts');

    const servers = [];
    const context = await newContext(chromium);
    try {
      const serverA = await serve(first, a);
      servers.push(serverA);
      const serverB = await serve(second, b);
      servers.push(serverB);
      assert.equal(serverA.port, Number(new URL(urlA).port), 'A serves on the port its URL names');
      assert.equal(serverB.port, Number(new URL(urlB).port), 'B serves on the port its URL names');
      assert.notEqual(serverA.port, serverB.port);
      // run's line names the URL's port; the server got WEB_URL beside WEB_PORT.
      assert.match(serverA.started.err, new RegExp(`^portplan: web → ${serverA.port} `, 'm'));

      const page = await context.newPage();
      const facts = JSON.parse((await load(context, `${urlA}/facts`, page)).text);
      assert.equal(facts.variables.WEB_URL, urlA, 'run sets WEB_URL to the URL `url` prints');
      assert.equal(facts.variables.WEB_PORT, String(serverA.port));
      assert.equal(facts.variables.PORT, String(serverA.port));
      assert.match(facts.variables.API_URL, urlPattern('api', 'shop'));
      assert.equal(new URL(facts.variables.API_URL).hostname.split('.')[1], hostA.split('.')[1], 'one checkout label');
      assert.equal(facts.host, new URL(urlA).host, 'Chromium sent the URL host to the server run started');
      assert.equal(facts.pid, serverA.pid);

      // Log in to A, then to B, then look at A again.
      const loginA = await load(context, `${urlA}/login`, page);
      assert.equal(loginA.status, 200);
      assert.equal(loginA.text.trim(), `logged in as ${serverA.token} at ${new URL(urlA).host}`);
      const loginB = await load(context, `${urlB}/login`, page);
      assert.equal(loginB.text.trim(), `logged in as ${serverB.token} at ${new URL(urlB).host}`);
      assert.equal(
        (await load(context, `${urlA}/`, page)).text.trim(),
        `session ${serverA.token} at ${new URL(urlA).host}`,
      );
      assert.equal(
        (await load(context, `${urlB}/`, page)).text.trim(),
        `session ${serverB.token} at ${new URL(urlB).host}`,
      );
      const jar = (await context.cookies()).map((c) => [c.domain, c.name, c.value]).sort();
      assert.deepEqual(
        jar,
        [
          [hostA, 'session', serverA.token],
          [hostB, 'session', serverB.token],
        ].sort(),
      );

      // The control: by port alone (127.0.0.1:A, 127.0.0.1:B) the two servers share one jar, so
      // B sees A's login. This is what the hosts prevent, and what the checks above would catch.
      await context.clearCookies();
      await load(context, `http://127.0.0.1:${serverA.port}/login`, page);
      assert.equal(
        (await load(context, `http://127.0.0.1:${serverB.port}/`, page)).text.trim(),
        `session ${serverA.token} at 127.0.0.1:${serverB.port}`,
        'cookies ignore ports: without the hosts, B would get A’s cookie',
      );
    } finally {
      await context.close();
      for (const server of servers) await server.started.stop();
    }
  });
}
