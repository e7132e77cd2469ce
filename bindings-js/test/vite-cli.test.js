// The Vite plugin under the real `vite` command, spawned as a user runs it: dev, preview,
// build, an explicit port, and a kept port that another process holds.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { stripVTControlCharacters } = require('node:util');
const { leases, plan } = require('..');
const { fileState, privateRegistry, project } = require('./helpers.js');

const VITE_BIN = path.join(__dirname, '..', 'node_modules', 'vite', 'bin', 'vite.js');
const PACKAGE = path.join(__dirname, '..');
const RANGE = [53600, 53699];
// One app name per test: a port a test served on stays in TIME_WAIT for a minute after it,
// and the probe counts that as taken (as a server without SO_REUSEADDR would find it).
let APP = '';
let tests = 0;
test.beforeEach(() => {
  tests += 1;
  APP = `vite-app-${process.pid}-${tests}`;
});
const PAGE = '<!doctype html><title>t</title><p>portplan vite cli page</p>';
// A Vite that neither serves nor exits by then is stopped, and the test fails with its output.
const STUCK_MS = 60_000;
const ESM_CONFIG = "import portplan from 'portplan/vite';\nexport default { plugins: [portplan()] };\n";

/** The ports the core plans for the app's dev and preview services on a free host. */
function planned() {
  const config = {
    range: RANGE,
    exclude: [],
    namespace: APP,
    services: { [APP]: true, [`${APP}-preview`]: true },
  };
  return plan(config).ports;
}

/** A Vite project as a user has it: package.json, index.html, a config, and `portplan`
 * installed (a link to this package). */
function viteProject(files = {}) {
  const root = project({
    'package.json': JSON.stringify({ name: APP, portplan: { range: RANGE, exclude: [] } }),
    'index.html': PAGE,
    'vite.config.mjs': ESM_CONFIG,
    ...files,
  });
  fs.mkdirSync(path.join(root, 'node_modules'));
  fs.symlinkSync(PACKAGE, path.join(root, 'node_modules', 'portplan'), 'dir');
  return root;
}

/** The environment of a user's shell: this test's private registry, no colours, not Vitest. */
function userEnv() {
  const { VITEST: _vitest, ...env } = process.env;
  return { ...env, NO_COLOR: '1' };
}

/** Starts `vite ARGS` in `root`; resolves once it prints its local URL. */
function startVite(root, args = []) {
  const child = spawn(process.execPath, [VITE_BIN, ...args], { cwd: root, env: userEnv() });
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const stuck = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vite ${args.join(' ')} did not start:\n${output}`));
    }, STUCK_MS);
    const onData = (chunk) => {
      output += chunk;
      const url = /Local:\s+(http:\/\/\S+?)\/?\s/.exec(stripVTControlCharacters(output));
      if (url) {
        clearTimeout(stuck);
        resolve(url[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(stuck);
      reject(new Error(`vite ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    ready,
    output: () => stripVTControlCharacters(output),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs `vite ARGS` in `root` to its end. */
function runVite(root, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITE_BIN, ...args], { cwd: root, env: userEnv() });
    let output = '';
    const stuck = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vite ${args.join(' ')} did not end:\n${output}`));
    }, STUCK_MS);
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(stuck);
      resolve({ code, output: stripVTControlCharacters(output) });
    });
  });
}

/** Serves `root` with `vite ARGS` while `body` runs, then stops it. */
async function serving(root, args, body) {
  const vite = startVite(root, args);
  try {
    return await body(await vite.ready, vite.output);
  } finally {
    await vite.stop();
  }
}

async function page(url) {
  return (await fetch(`${url}/`)).text();
}

/** Another process listening on `port` on every address (IPv6 and IPv4 where it can). */
async function holdInAnotherProcess(port) {
  const script = `
    const net = require('node:net');
    const listen = (host) => net.createServer().once('error', (e) => host === '::' ? listen('0.0.0.0') : process.exit(3))
      .listen({ port: ${port}, host }, () => console.log('listening'));
    listen('::');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`the holder of ${port} exited with ${code}`)));
  });
  return {
    release: () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      return exited;
    },
  };
}

const leaseRows = () =>
  leases()
    .map((l) => [l.name, l.port])
    .sort();

test('vite: the dev server answers on the planned port, leased, and says so in one line', async () => {
  privateRegistry();
  const root = viteProject();
  const port = planned()[APP];
  await serving(root, [], async (url, output) => {
    assert.equal(url, `http://localhost:${port}`);
    assert.match(await page(url), /portplan vite cli page/);
    const lines = output()
      .split('\n')
      .filter((line) => line.startsWith('portplan:'));
    // The line names the service's URL too: a .localhost host of this checkout's own.
    assert.equal(lines.length, 1, output());
    assert.match(
      lines[0],
      new RegExp(`^portplan: ${APP} → ${port} \\(home\\), http://${APP}\\.${APP}-[a-z2-7]{5}\\.localhost:${port}$`),
    );
  });
  assert.deepEqual(leaseRows(), [[APP, port]]);
  // The next start finds its lease.
  await serving(root, [], async (url, output) => {
    assert.equal(url, `http://localhost:${port}`);
    assert.match(output(), new RegExp(`^portplan: ${APP} → ${port} \\(kept\\), http://`, 'm'));
  });
});

test('vite --port N: the given port wins, is named once, and nothing is leased', async () => {
  const registry = privateRegistry();
  // A CommonJS config: require('portplan/vite') is the plugin itself.
  const root = viteProject({
    'vite.config.cjs': "module.exports = { plugins: [require('portplan/vite')()] };\n",
  });
  fs.rmSync(path.join(root, 'vite.config.mjs'));
  const port = planned()[`${APP}-preview`] + 1;
  await serving(root, ['--port', String(port)], async (url, output) => {
    assert.equal(url, `http://localhost:${port}`);
    assert.match(await page(url), /portplan vite cli page/);
    const lines = output()
      .split('\n')
      .filter((line) => line.startsWith('portplan:'));
    assert.deepEqual(lines, [`portplan: ${APP} → ${port} (--port, set by you; not leased)`]);
  });
  assert.equal(fileState(registry), null);
});

test('vite --port N on a busy N: Vite moves on (no strictPort) and the line names the port it bound', async () => {
  const registry = privateRegistry();
  const root = viteProject();
  const port = planned()[`${APP}-preview`] + 4;
  const holder = await holdInAnotherProcess(port);
  try {
    await serving(root, ['--port', String(port)], async (url, output) => {
      const bound = Number(new URL(url).port);
      assert.ok(bound > port, `vite moved from ${port} to ${bound}`);
      const lines = output()
        .split('\n')
        .filter((line) => line.startsWith('portplan:'));
      assert.deepEqual(lines, [`portplan: ${APP} → ${bound} (--port, set by you; not leased)`]);
    });
  } finally {
    await holder.release();
  }
  assert.equal(fileState(registry), null);
});

test('server.port in the config wins over the plan, and nothing is leased', async () => {
  const registry = privateRegistry();
  const port = planned()[`${APP}-preview`] + 2;
  const root = viteProject({
    'vite.config.mjs': `import portplan from 'portplan/vite';\nexport default { server: { port: ${port} }, plugins: [portplan()] };\n`,
  });
  await serving(root, [], async (url, output) => {
    assert.equal(url, `http://localhost:${port}`);
    assert.match(await page(url), /portplan vite cli page/);
    const lines = output()
      .split('\n')
      .filter((line) => line.startsWith('portplan:'));
    assert.deepEqual(lines, [`portplan: ${APP} → ${port} (server.port, set by you; not leased)`]);
  });
  assert.equal(fileState(registry), null);
});

test('vite build leases nothing and leaves the registry as it was, byte for byte', async () => {
  const registry = privateRegistry();
  const root = viteProject();
  const built = await runVite(root, ['build']);
  assert.equal(built.code, 0, built.output);
  assert.ok(fs.existsSync(path.join(root, 'dist', 'index.html')));
  assert.doesNotMatch(built.output, /portplan:/);
  assert.equal(fileState(registry), null, 'a build on a fresh machine creates no registry');

  await serving(root, [], async () => {});
  const before = fileState(registry);
  assert.notEqual(before, null);
  const again = await runVite(root, ['build']);
  assert.equal(again.code, 0, again.output);
  assert.deepEqual(fileState(registry), before);
});

test('vite preview is its own service: it answers beside the running dev server', async () => {
  privateRegistry();
  const root = viteProject();
  const built = await runVite(root, ['build']);
  assert.equal(built.code, 0, built.output);
  await serving(root, [], async (devUrl) => {
    await serving(root, ['preview'], async (previewUrl, output) => {
      // Each serves on its own leased port (home, unless an earlier test's connections still
      // sit in TIME_WAIT on it: the probe counts those).
      const leased = Object.fromEntries(leaseRows());
      assert.notEqual(leased[APP], leased[`${APP}-preview`]);
      assert.equal(devUrl, `http://localhost:${leased[APP]}`);
      assert.equal(previewUrl, `http://localhost:${leased[`${APP}-preview`]}`);
      // The dev server transforms the page (its client script); the preview serves the build.
      assert.match(await page(devUrl), /@vite\/client/);
      const built = await page(previewUrl);
      assert.match(built, /portplan vite cli page/);
      assert.doesNotMatch(built, /@vite\/client/);
      const lines = output()
        .split('\n')
        .filter((line) => line.startsWith('portplan:'));
      assert.equal(lines.length, 1, output());
      assert.match(
        lines[0],
        new RegExp(
          `^portplan: ${APP}-preview → ${leased[`${APP}-preview`]} \\((home|displaced from \\d+ by a process using it)\\), http://${APP}-preview\\.`,
        ),
      );
    });
  });
  assert.deepEqual(
    leaseRows().map(([name]) => name),
    [APP, `${APP}-preview`],
  );
});

test('vite preview --port N and preview.port win over the plan, and nothing is leased', async () => {
  const registry = privateRegistry();
  const root = viteProject();
  assert.equal((await runVite(root, ['build'])).code, 0);
  const port = planned()[`${APP}-preview`] + 3;
  await serving(root, ['preview', '--port', String(port)], async (url, output) => {
    assert.equal(url, `http://localhost:${port}`);
    assert.match(
      output(),
      new RegExp(`^portplan: ${APP}-preview → ${port} \\(--port, set by you; not leased\\)$`, 'm'),
    );
  });
  fs.writeFileSync(
    path.join(root, 'vite.config.mjs'),
    `import portplan from 'portplan/vite';\nexport default { preview: { port: ${port} }, plugins: [portplan()] };\n`,
  );
  await serving(root, ['preview'], async (url, output) => {
    assert.equal(url, `http://localhost:${port}`);
    assert.match(
      output(),
      new RegExp(`^portplan: ${APP}-preview → ${port} \\(preview.port, set by you; not leased\\)$`, 'm'),
    );
  });
  assert.equal(fileState(registry), null);
});

test('vite preview of a project never built: Vite\'s own "did you build" error, nothing leased', async () => {
  const registry = privateRegistry();
  const root = viteProject();
  const run = await runVite(root, ['preview']);
  assert.equal(run.code, 1);
  assert.match(run.output, /The directory "dist" does not exist\. Did you build your project\?/);
  assert.equal(fileState(registry), null);
});

test('a kept port held by another process: dev and preview fail with the release hint', async () => {
  privateRegistry();
  const root = viteProject();
  assert.equal((await runVite(root, ['build'])).code, 0);
  // Both leases first (kept from then on), then another process takes their ports.
  await serving(root, [], async () => {});
  await serving(root, ['preview'], async () => {});
  const kept = Object.fromEntries(leases().map((l) => [l.name, l.port]));
  for (const [args, name] of [
    [[], APP],
    [['preview'], `${APP}-preview`],
  ]) {
    const holder = await holdInAnotherProcess(kept[name]);
    try {
      const run = await runVite(root, args);
      assert.equal(run.code, 1, run.output);
      assert.match(
        run.output,
        new RegExp(
          `port ${kept[name]} is leased to ${name}, but (pid \\d+|a process this engine cannot name) \\(.*\\) is using it; .*\`portplan release ${name}\``,
        ),
      );
      assert.doesNotMatch(run.output, /^portplan: /m, 'no serving line for a server that did not start');
    } finally {
      await holder.release();
    }
  }
  // The failures moved nothing.
  assert.deepEqual(Object.fromEntries(leases().map((l) => [l.name, l.port])), kept);
});
