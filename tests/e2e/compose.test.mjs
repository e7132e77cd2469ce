// Issue 27, "Done when": a compose file's services get their ports, and two checkouts get two
// Compose project names; through both CLIs.
//
// A compose.yaml publishes `${WEB_PORT}:80` and `127.0.0.1:${DB_PORT:-5432}:5432`: `plan` lists
// web and db (beside a service of the config), `env --write` writes their ports and
// COMPOSE_PROJECT_NAME into .env, `run` gives a server the same variables, and two checkouts of
// the project (folders of one name) get two project names, each valid for Compose. Docker is not
// on these machines (`docker compose` needs an engine), so Compose itself is not run: the names
// are checked against the rule of Compose's documentation ("Specify a project name": lowercase
// letters, decimal digits, dashes and underscores, starting with a lowercase letter or digit).

import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BOTH, CLIS, HERE, environment, get, ok, portplan, run, tempTop, urlPattern, writeFiles } from './lib.mjs';

/** `env --write` into a .env without COMPOSE_PROJECT_NAME: it succeeds, and its one line on
 * stderr is the note that Compose now names this checkout's containers so. */
function writeEnv(cli, where) {
  const done = portplan(cli, ['env', '--write'], where);
  assert.equal(done.status, 0, `${cli.name}: portplan env --write failed:\n${done.stderr}`);
  assert.match(
    done.stderr,
    /^portplan: note: COMPOSE_PROJECT_NAME=[a-z0-9][a-z0-9_-]* is new in \.env: Compose now runs this checkout's containers and volumes under that name \(those started before keep their old project: `docker compose -p OLD down` removes them\)\n$/,
  );
  return done.stdout;
}

const COMPOSE = `services:
  web:
    image: nginx:1.27
    ports:
      - "\${WEB_PORT}:80"
  db:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD: example
    ports:
      - "127.0.0.1:\${DB_PORT:-5432}:5432"
`;
const CONFIG = 'range = [44000, 44999]\n\n[services]\napi = true\n';

/** Compose's rule for project names (docs.docker.com, "Specify a project name"). */
const COMPOSE_PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Two checkouts `<top>/one/shop` and `<top>/two/shop` with `files`, one registry. */
function checkouts(files) {
  const top = tempTop();
  const env = environment(join(top, 'home'));
  return ['one', 'two'].map((parent) => ({ cwd: writeFiles(join(top, parent, 'shop'), files), env }));
}

/** `KEY=VALUE` lines as an object (comments and blank lines skipped). */
const variables = (text) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split(/=(.*)/s).slice(0, 2)),
  );

for (const cli of BOTH) {
  test(`compose services join the plan; env --write adds COMPOSE_PROJECT_NAME per checkout (${cli.name})`, () => {
    const [a, b] = checkouts({ 'compose.yaml': COMPOSE, 'portplan.toml': CONFIG });
    const names = [];
    for (const where of [a, b]) {
      const plan = JSON.parse(ok(cli, ['plan', '--json'], where));
      const ports = Object.fromEntries(plan.plan.map((entry) => [entry.name, entry.port]));
      assert.deepEqual(Object.keys(ports), ['api', 'db', 'web'], 'the config’s api and the compose file’s db and web');
      for (const port of Object.values(ports)) assert.ok(port >= 44000 && port <= 44999, `${port} in the range`);
      assert.deepEqual(Object.keys(plan.urls), ['api', 'db', 'web']);
      assert.match(plan.urls.web, urlPattern('web', 'shop'));

      // The table says the same.
      const table = ok(cli, ['plan'], where);
      for (const [name, port] of Object.entries(ports)) assert.match(table, new RegExp(`^${name}\\s+${port}\\s`, 'm'));

      // env --write: a block in .env with every port and the project name.
      const said = writeEnv(cli, where);
      assert.match(said, /^wrote \d+ ports? to \.env \(portplan block created\)\n$/);
      const text = readFileSync(join(where.cwd, '.env'), 'utf8');
      const lines = text.trimEnd().split('\n');
      assert.match(lines[0], /^# >>> portplan: /);
      assert.match(lines.at(-1), /^# <<< portplan <<<$/);
      const written = variables(text);
      assert.deepEqual(Object.keys(written), ['API_PORT', 'DB_PORT', 'WEB_PORT', 'COMPOSE_PROJECT_NAME']);
      assert.equal(written.API_PORT, String(ports.api));
      assert.equal(written.DB_PORT, String(ports.db));
      assert.equal(written.WEB_PORT, String(ports.web));
      assert.match(written.COMPOSE_PROJECT_NAME, COMPOSE_PROJECT_NAME, 'a name Compose accepts');
      assert.match(written.COMPOSE_PROJECT_NAME, /^shop-[a-z2-7]{5}$/);
      // The project name is the checkout's label: the one in its URLs.
      assert.equal(new URL(plan.urls.web).hostname.split('.')[1], written.COMPOSE_PROJECT_NAME);
      // `env` prints the same lines; the other CLI agrees on every one.
      const printed = variables(ok(cli, ['env'], where));
      assert.deepEqual(printed, written);
      const other = cli === CLIS.node ? CLIS.python : CLIS.node;
      assert.deepEqual(variables(ok(other, ['env'], where)), written, `${other.name} prints the same`);
      names.push(written.COMPOSE_PROJECT_NAME);
    }
    assert.notEqual(names[0], names[1], 'two checkouts, two Compose projects');
  });

  test(`a compose file alone declares its services, and run sets COMPOSE_PROJECT_NAME (${cli.name})`, async () => {
    const [a] = checkouts({ 'compose.yaml': COMPOSE });
    copyFileSync(join(HERE, 'cookie-server.mjs'), join(a.cwd, 'server.mjs'));
    const plan = JSON.parse(ok(cli, ['plan', '--json'], a));
    assert.equal(plan.config_file, null);
    assert.deepEqual(
      plan.plan.map((entry) => entry.name),
      ['db', 'web'],
    );
    writeEnv(cli, a);
    const written = variables(readFileSync(join(a.cwd, '.env'), 'utf8'));
    const started = run(cli, 'web', ['node', 'server.mjs'], a);
    try {
      const [, port] = await started.waitFor(/^listening (\d+) /m);
      assert.equal(port, written.WEB_PORT, 'run serves web on the port .env holds');
      const facts = JSON.parse((await get(Number(port), '/facts', `127.0.0.1:${port}`)).body);
      assert.equal(facts.variables.COMPOSE_PROJECT_NAME, written.COMPOSE_PROJECT_NAME);
      assert.equal(facts.variables.DB_PORT, written.DB_PORT);
      assert.equal(facts.variables.WEB_PORT, written.WEB_PORT);
    } finally {
      await started.stop();
    }
  });
}

test('a config that pins a compose service wins over the compose file', () => {
  const [a] = checkouts({ 'compose.yaml': COMPOSE, 'portplan.toml': `${CONFIG}web = 44321\n` });
  for (const cli of BOTH) {
    const plan = JSON.parse(ok(cli, ['plan', '--json'], a));
    const web = plan.plan.find((entry) => entry.name === 'web');
    assert.deepEqual([web.port, web.reason.kind], [44321, 'pinned'], cli.name);
    assert.deepEqual(
      plan.plan.map((entry) => entry.name),
      ['api', 'db', 'web'],
    );
  }
});
