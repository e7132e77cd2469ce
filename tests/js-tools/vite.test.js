// Vite 8 in a fresh project (vite and the packed tarballs installed with npm):
// - `portplan run web -- npm exec vite`, `npm x vite` and `npx vite`: vite serves on web's
//   leased port (npm exec reads options before a `--` as its own, so run puts one there);
// - the Vite plugin under `portplan run`: the port run passes (`--port N --strictPort`) is
//   leased, and the plugin's line says so rather than "set by you; not leased"; a port given
//   by hand still is the user's;
// - the plugin after `portplan release`: a restart (Vite's own, on a config change, and a new
//   process) serves on the home port again, never one up for good.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { stripVTControlCharacters } = require('node:util');
const { PORTPLAN, accepts, answers, get, leases, portplan, project, run, start, until } = require('./helpers.js');

const PLUGIN_CONFIG = "import portplan from 'portplan/vite';\nexport default { plugins: [portplan()] };\n";

/** A fresh Vite project: vite and the tarballs installed by npm (from its cache when it can). */
function viteProject() {
  const cwd = project(
    {
      'package.json': { name: 'storefront', private: true, type: 'module', scripts: { dev: 'vite' } },
      'portplan.toml': 'range = [43000, 43999]\n[services]\nweb = true\napi = true\nstorefront = true\n',
      'index.html': '<!doctype html><title>storefront</title><h1>served by vite</h1>\n',
    },
    'vite',
  );
  const packed = process.env.PORTPLAN_PACKED;
  const tarballs = fs
    .readdirSync(packed)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => path.join(packed, name));
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', 'vite@8.3.8', ...tarballs], {
    cwd,
  });
  assert.equal(install.code, 0, install.err);
  return cwd;
}

const cwd = viteProject();
const VITE = path.join(cwd, 'node_modules', '.bin', 'vite');

/** The port of `name`'s lease of this project, once there is one. */
function leased(name, started) {
  return until(() => leases(cwd).find((lease) => lease.name === name && lease.root === cwd)?.port, {
    what: started.output,
    alive: started.running,
  });
}

/** The port vite says it serves on (its "Local:" URL), the `nth` time it says so. */
function viteSays(started, nth = 1) {
  return until(
    () => {
      const found = [...stripVTControlCharacters(started.output()).matchAll(/Local:\s+http:\/\/[^:]+:(\d+)\//g)];
      return found.length >= nth ? Number(found[nth - 1][1]) : undefined;
    },
    { what: started.output, alive: started.running },
  );
}

/** The plugin's lines so far. */
const pluginLines = (started) =>
  stripVTControlCharacters(started.output())
    .split('\n')
    .filter((line) => line.includes('portplan: '))
    .map((line) => line.slice(line.indexOf('portplan: ')));

function withConfig(text) {
  const file = path.join(cwd, 'vite.config.mjs');
  if (text === undefined) fs.rmSync(file, { force: true });
  else fs.writeFileSync(file, text);
}

async function serving(started, name) {
  const port = await leased(name, started);
  const got = await answers(port, started);
  assert.equal(got.status, 200, started.output());
  assert.match(got.body, /served by vite/);
  assert.equal(await viteSays(started), port, 'vite says it serves on the leased port');
  return port;
}

for (const launcher of [
  ['npm', 'exec', 'vite'],
  ['npm', 'x', 'vite'],
  ['npx', 'vite'],
]) {
  test(`portplan run web -- ${launcher.join(' ')}: vite serves on web's port`, async () => {
    withConfig(undefined);
    const started = start(process.execPath, [PORTPLAN, 'run', 'web', '--', ...launcher], { cwd });
    try {
      const port = await serving(started, 'web');
      assert.match(started.output(), new RegExp(`portplan: web → ${port} \\(.*vite gets --port ${port} --strictPort`));
    } finally {
      await started.stop();
    }
  });
}

test('the plugin under portplan run: the port run passes is leased, and the line says so', async (t) => {
  withConfig(PLUGIN_CONFIG);
  await t.test('run storefront (the package name): its lease', async () => {
    const started = start(process.execPath, [PORTPLAN, 'run', 'storefront', '--', 'vite'], { cwd });
    try {
      const port = await serving(started, 'storefront');
      const lines = await until(() => (pluginLines(started).length >= 2 ? pluginLines(started) : undefined), {
        what: started.output,
        alive: started.running,
      });
      assert.match(lines[1], new RegExp(`^portplan: storefront → ${port} \\(kept`), lines.join('\n'));
      assert.doesNotMatch(started.output(), /not leased/);
    } finally {
      await started.stop();
    }
  });
  await t.test('run web (another service than the package): the line names web', async () => {
    const started = start(process.execPath, [PORTPLAN, 'run', 'web', '--', 'vite'], { cwd });
    try {
      const port = await serving(started, 'web');
      const lines = await until(() => (pluginLines(started).length >= 2 ? pluginLines(started) : undefined), {
        what: started.output,
        alive: started.running,
      });
      assert.match(lines[1], new RegExp(`^portplan: web → ${port} \\(kept`), lines.join('\n'));
      assert.doesNotMatch(started.output(), /not leased/);
    } finally {
      await started.stop();
    }
  });
  await t.test("vite --port N by hand: the user's port, not leased", async () => {
    const port = await freePort();
    const started = start(VITE, ['--port', String(port)], { cwd });
    try {
      assert.equal(await viteSays(started), port);
      const lines = await until(() => (pluginLines(started).length >= 1 ? pluginLines(started) : undefined), {
        what: started.output,
        alive: started.running,
      });
      assert.equal(lines[0], `portplan: storefront → ${port} (--port, set by you; not leased)`);
    } finally {
      await started.stop();
    }
  });
});

async function freePort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('the plugin after portplan release: a restart serves on the home port again', async () => {
  withConfig(PLUGIN_CONFIG);
  const released = () => assert.equal(portplan(cwd, ['release', 'storefront']).code, 0);
  released();
  const first = start(VITE, [], { cwd });
  let home;
  try {
    home = await serving(first, 'storefront');
    assert.match(pluginLines(first)[0], new RegExp(`^portplan: storefront → ${home} \\(home`));
    // A browser's connection, kept alive across the restart (its socket closes on the
    // server's side: TIME_WAIT on the port).
    const agent = new http.Agent({ keepAlive: true });
    await new Promise((resolve) =>
      http.get({ host: 'localhost', port: home, agent }, (r) => r.resume().on('end', resolve)),
    );
    released();
    // Vite restarts on a change of its config.
    fs.appendFileSync(path.join(cwd, 'vite.config.mjs'), '// changed\n');
    await until(() => (/server restarted/.test(first.output()) ? true : undefined), {
      what: first.output,
      alive: first.running,
    });
    await until(() => (pluginLines(first).length >= 2 ? true : undefined), {
      what: first.output,
      alive: first.running,
    });
    assert.match(pluginLines(first)[1], new RegExp(`^portplan: storefront → ${home} \\(home`), first.output());
    assert.equal((await get(home)).status, 200);
    assert.equal(await leased('storefront', first), home);
    agent.destroy();
  } finally {
    await first.stop();
  }
  // A new process after a release, the port's last connections in TIME_WAIT.
  released();
  assert.equal(await accepts(home), false);
  const second = start(VITE, [], { cwd });
  try {
    assert.equal(await serving(second, 'storefront'), home);
    assert.match(pluginLines(second)[0], new RegExp(`^portplan: storefront → ${home} \\(home`));
  } finally {
    await second.stop();
  }
});
