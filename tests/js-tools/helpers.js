// Shared by the tests of tests/js-tools (run.sh sets the folders): where the tools and the
// installed tarballs are, projects beside them, commands started and stopped, HTTP asked.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

/** The folder install.sh fills (node_modules with every tool). */
const TOOLS = process.env.PORTPLAN_JS_TOOLS;
/** The trial project: the packed tarballs installed in its node_modules. */
const TRIAL = process.env.PORTPLAN_TRIAL;
if (!TOOLS || !TRIAL) throw new Error('PORTPLAN_JS_TOOLS and PORTPLAN_TRIAL are not set: run tests/js-tools/run.sh');

const BIN = path.join(TOOLS, 'node_modules', '.bin');
/** The installed package's CLI, as `npx portplan` runs it. */
const PORTPLAN = path.join(TRIAL, 'node_modules', 'portplan', 'bin', 'portplan.js');

let count = 0;
/** A folder inside the trial (so `portplan` and the tools resolve from it) holding `files`. */
function project(files, name = 'p') {
  const dir = path.join(TRIAL, `${name}-${process.pid}-${count++}`);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), typeof text === 'string' ? text : `${JSON.stringify(text, null, 2)}\n`);
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** An environment for the tools: a registry of this test file's own (never the user's), the
 * tools and the installed portplan on PATH, no colours. */
function toolEnv(extra = {}) {
  const home = path.join(TRIAL, `home-${process.pid}`);
  return {
    ...process.env,
    PORTPLAN_HOME: home,
    PATH: [path.join(TRIAL, 'node_modules', '.bin'), BIN, process.env.PATH].join(path.delimiter),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: '1',
    ...extra,
  };
}

/** Runs a command to its end: {code, out, err}. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: toolEnv(), timeout: 120_000, ...options });
  if (result.error) throw result.error;
  return { code: result.status, out: result.stdout, err: result.stderr, signal: result.signal };
}

/** The CLI of the installed package. */
function portplan(cwd, args, env = toolEnv()) {
  return run(process.execPath, [PORTPLAN, ...args], { cwd, env });
}

/** Starts a long-running command in a process group of its own; stop() is Ctrl-C to the group
 * (and SIGKILL for what outlives it by 10 s). */
function start(command, args, options = {}) {
  const child = spawn(command, args, {
    env: toolEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...options,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  exited.then(() => (done = true));
  return {
    child,
    output: () => output,
    running: () => !done,
    exited,
    stop: async () => {
      if (!done) signalGroup(child.pid, 'SIGINT');
      const ended = await exited;
      for (let tries = 0; groupAlive(child.pid); tries++) {
        if (tries === 50) signalGroup(child.pid, 'SIGKILL');
        await sleep(200);
      }
      return ended;
    },
  };
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone already
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET http://localhost:PORT/PATH once (IPv4 or IPv6): {status, body}, or {error} (the connection's code). */
function get(port, urlPath = '/') {
  return new Promise((resolve) => {
    const request = http.get({ host: 'localhost', port, path: urlPath, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve({ error: error.code ?? error.message }));
  });
}

/** Waits (up to `ms`) until `check()` gives something other than undefined; fails with
 * `what()` (the command's output, say) if it never does or `alive()` turns false. */
async function until(check, { what = () => '', alive = () => true, ms = 60_000 } = {}) {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    assert.ok(alive(), `ended before it was ready:\n${what()}`);
    assert.ok(Date.now() < end, `not ready after ${ms} ms:\n${what()}`);
    await sleep(200);
  }
}

/** Waits until a server answers HTTP on `port` (while `started` runs). */
function answers(port, started, urlPath = '/') {
  return until(
    async () => {
      const got = await get(port, urlPath);
      return got.status === undefined ? undefined : got;
    },
    { what: started.output, alive: started.running },
  );
}

/** Whether anything accepts TCP connections on 127.0.0.1:PORT. */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The leases of the registry of `env` (`portplan ls --json`). */
function leases(cwd, env = toolEnv()) {
  const listed = portplan(cwd, ['ls', '--json'], env);
  assert.equal(listed.code, 0, listed.err);
  return JSON.parse(listed.out);
}

module.exports = {
  TOOLS,
  TRIAL,
  BIN,
  PORTPLAN,
  project,
  toolEnv,
  run,
  portplan,
  start,
  sleep,
  get,
  until,
  answers,
  accepts,
  leases,
};
