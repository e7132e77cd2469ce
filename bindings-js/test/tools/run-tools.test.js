// `portplan run NAME -- TOOL` with the real tools: the dev server answers HTTP on the port the
// plan gives NAME (the core adds the port flag vite and astro need), and a port the command
// sets itself is kept. vite and astro are installed once into a cached folder (npm).
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { holdTcp, close, tempDir } = require('../helpers.js');

const BIN = path.join(__dirname, '..', '..', 'bin', 'portplan.js');
// Versions that run on the package's oldest Node (20.19): astro 6 and later need Node 22.
const TOOLS = { name: 'portplan-run-tools', private: true, dependencies: { vite: '8.3.8', astro: '5.18.2' } };

/** The cached folder holding node_modules with the tools: installed on first use, into a
 * temp folder renamed into place, so a run that fails halfway leaves nothing half-made. */
function toolsFolder() {
  const manifest = `${JSON.stringify(TOOLS, null, 2)}\n`;
  const key = crypto.createHash('sha256').update(manifest).digest('hex').slice(0, 12);
  const cache = path.join(process.env.PORTPLAN_TOOLS ?? path.join(os.homedir(), '.cache', 'portplan-tools'), 'npm');
  const folder = path.join(cache, `run-tools-${key}`);
  if (fs.existsSync(path.join(folder, 'node_modules', '.package-lock.json'))) return folder;
  fs.mkdirSync(cache, { recursive: true });
  const staging = fs.mkdtempSync(path.join(cache, 'staging-'));
  fs.writeFileSync(path.join(staging, 'package.json'), manifest);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: staging, stdio: 'inherit' });
  try {
    fs.renameSync(staging, folder);
  } catch (error) {
    // Another run installed it meanwhile.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(folder)) throw error;
  }
  return folder;
}

const tools = toolsFolder();
const home = tempDir('portplan-run-tools-home-');

/** A project inside the tools folder (so the tools resolve their own packages from it). */
function toolProject(files) {
  const projects = path.join(tools, 'projects');
  fs.mkdirSync(projects, { recursive: true });
  const dir = fs.mkdtempSync(path.join(projects, 'p-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return fs.realpathSync(dir);
}

const ENV = {
  ...process.env,
  PORTPLAN_HOME: home,
  PATH: `${path.join(tools, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
  ASTRO_TELEMETRY_DISABLED: '1',
  NO_COLOR: '1',
};

function portplan(cwd, ...args) {
  return execFileSync(process.execPath, [BIN, ...args], { cwd, env: ENV, encoding: 'utf8' });
}

/** GET http://localhost:PORT/ once: the status, or the connection error's code. */
function get(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: 'localhost', port, path: '/', timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve({ error: error.code ?? error.message }));
  });
}

/** Starts `portplan run web -- ...cmd` in `cwd`, in a process group of its own; stop() is a
 * Ctrl-C in a terminal: SIGINT to the whole group (npx's shell and the tool included). */
function run(cwd, cmd) {
  return launch(cwd, [process.execPath, BIN, 'run', 'web', '--', ...cmd]);
}

/** Starts `argv` in `cwd` as run() does. */
function launch(cwd, [command, ...args]) {
  const child = spawn(command, args, {
    cwd,
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  exited.then(() => (done = true));
  return {
    output: () => output,
    running: () => !done,
    stop: async () => {
      if (!done) process.kill(-child.pid, 'SIGINT');
      const ended = await exited;
      // The tool's own helpers (esbuild) may take a moment longer; none may outlive the test.
      for (let tries = 0; groupAlive(child.pid); tries++) {
        if (tries === 50) process.kill(-child.pid, 'SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return ended;
    },
  };
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the server answers on `port` (or the command ends: then fails with its output). */
async function answers(port, started) {
  for (;;) {
    const got = await get(port);
    if (got.status !== undefined) return got;
    assert.ok(started.running(), `the command ended before serving on ${port}:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The port `run` leased for web in `cwd`, once it is in the registry. */
async function leasedPort(cwd, started) {
  for (;;) {
    const lease = JSON.parse(portplan(cwd, 'ls', '--json')).find((l) => l.name === 'web' && l.root === cwd);
    if (lease) return lease.port;
    assert.ok(started.running(), started.output());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freePort() {
  const server = await holdTcp(0);
  const { port } = server.address();
  await close(server);
  return port;
}

const VITE_PROJECT = {
  'portplan.toml': 'range = [24000, 24999]\n[services]\nweb = true\napi = true\n',
  'index.html': '<!doctype html><title>vite site</title><h1>served by vite</h1>\n',
};

const ASTRO_PROJECT = {
  'portplan.toml': 'range = [24000, 24999]\n[services]\nweb = true\n',
  'package.json': '{"name": "astro-site", "private": true, "type": "module"}\n',
  'astro.config.mjs': 'export default {};\n',
  'src/pages/index.astro': '<html><head><title>astro site</title></head><body><h1>served by astro</h1></body></html>\n',
};

async function servesOnPlannedPort(files, cmd, marker) {
  const cwd = toolProject(files);
  const started = run(cwd, cmd);
  try {
    const port = await leasedPort(cwd, started);
    const got = await answers(port, started);
    assert.equal(got.status, 200, started.output());
    assert.match(got.body, marker);
    assert.match(started.output(), new RegExp(`${port}`), 'the tool says where it serves');
  } finally {
    await started.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

async function keepsExplicitPort(files, cmd, marker) {
  const cwd = toolProject(files);
  const port = await freePort();
  const started = run(cwd, [...cmd, '--port', String(port)]);
  try {
    const got = await answers(port, started);
    assert.equal(got.status, 200, started.output());
    assert.match(got.body, marker);
    const leased = await leasedPort(cwd, started);
    assert.notEqual(leased, port, 'the planned port is not the one the command set');
    assert.notEqual((await get(leased)).status, 200, 'nothing serves on the planned port');
  } finally {
    await started.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

test('run web -- vite: vite serves on the planned port', () =>
  servesOnPlannedPort(VITE_PROJECT, ['vite'], /served by vite/));

test('run web -- vite --port N: the port the command sets is kept', () =>
  keepsExplicitPort(VITE_PROJECT, ['vite'], /served by vite/));

test('run web -- astro dev: astro serves on the planned port', () =>
  servesOnPlannedPort(ASTRO_PROJECT, ['astro', 'dev'], /served by astro/));

test('run web -- npx astro dev --port N: the port the command sets is kept', () =>
  keepsExplicitPort(ASTRO_PROJECT, ['npx', 'astro', 'dev'], /served by astro/));

// The Vite plugin inside Astro (`vite.plugins` of astro.config): Astro starts Vite with
// `listen(port)`, its server.port (4321 unless set), which is no choice of the user's.
const ASTRO_PLUGIN_PROJECT = {
  ...ASTRO_PROJECT,
  'astro.config.mjs':
    "import portplan from 'portplan/vite';\nexport default { vite: { plugins: [portplan({ name: 'web' })] } };\n",
};

/** An Astro project with the plugin, `portplan` being this package (as npm would link it). */
function astroWithPlugin() {
  const cwd = toolProject(ASTRO_PLUGIN_PROJECT);
  fs.mkdirSync(path.join(cwd, 'node_modules'));
  fs.symlinkSync(path.join(__dirname, '..', '..'), path.join(cwd, 'node_modules', 'portplan'), 'dir');
  return cwd;
}

async function pluginSays(started, pattern) {
  for (;;) {
    const found = pattern.exec(started.output());
    if (found) return found;
    assert.ok(started.running(), started.output());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('the Vite plugin in Astro: astro dev serves on the planned port, leased (not 4321)', {
  timeout: 120_000,
}, async () => {
  const cwd = astroWithPlugin();
  const started = launch(cwd, ['astro', 'dev']);
  try {
    const port = await leasedPort(cwd, started);
    assert.notEqual(port, 4321);
    assert.match((await answers(port, started)).body, /served by astro/);
    await pluginSays(started, new RegExp(`portplan: web → ${port} \\(home\\)`));
  } finally {
    await started.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test("the Vite plugin in Astro: astro dev --port N is the user's port, not leased", { timeout: 120_000 }, async () => {
  const cwd = astroWithPlugin();
  const port = await freePort();
  const started = launch(cwd, ['astro', 'dev', '--port', String(port)]);
  try {
    assert.match((await answers(port, started)).body, /served by astro/);
    await pluginSays(started, new RegExp(`portplan: web → ${port} \\(--port, set by you; not leased\\)`));
  } finally {
    await started.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test("the Vite plugin in Astro under run web -- astro dev: the line is run's lease", { timeout: 120_000 }, async () => {
  const cwd = astroWithPlugin();
  const started = run(cwd, ['astro', 'dev']);
  try {
    const port = await leasedPort(cwd, started);
    assert.match((await answers(port, started)).body, /served by astro/);
    await pluginSays(started, new RegExp(`portplan: web → ${port} \\(kept\\)`));
    assert.doesNotMatch(started.output(), /not leased/);
  } finally {
    await started.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
