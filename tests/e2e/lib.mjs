// Helpers of the end-to-end tests (tests/e2e): both CLIs as a user runs them, temp checkouts
// with a registry of their own, servers started by `portplan run` in a process group of their
// own, Debian's Chromium driven by playwright-core, and waits that poll with a deadline.
// The real tools come from tests/e2e/install.sh (the tool cache, outside the repository).

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = join(HERE, '..', '..');

/** The folders install.sh installed into: `npm` (node_modules) and `venv`. */
export const TOOLS = Object.fromEntries(
  execFileSync('bash', [join(HERE, 'install.sh'), '--paths'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.split(/=(.*)/s).slice(0, 2)),
);
export const NPM_BIN = join(TOOLS.npm, 'node_modules', '.bin');
export const VENV_BIN = join(TOOLS.venv, 'bin');

/** The two CLIs, as a user types them after `make build-python build-js`. */
export const CLIS = {
  node: { name: 'node', argv: [process.execPath, join(REPO, 'bindings-js', 'bin', 'portplan.js')] },
  python: { name: 'python', argv: [join(REPO, '.venv', 'bin', 'portplan')] },
};
export const BOTH = [CLIS.node, CLIS.python];

/** How long one wait may take before a test gives up: a guard against a hang on a loaded
 * 2-core machine (Next compiles a page in seconds there), not a measured time. */
export const GUARD_MS = 120_000;

/** `check()` until it returns something other than undefined/false, or throws after
 * `ms`; the last error `check` threw is in the message. */
export async function poll(what, check, ms = GUARD_MS, every = 100) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting for ${what} after ${ms} ms${last ? `: ${last.message ?? last}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** The environment of every command: this one's without port, host or URL variables (so
 * nothing inherited chooses a port), the registry `home`, and `extra`. */
export function environment(home, extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/PORT$|_HOST$|^HOST$|_URL$|^COMPOSE_|^VIRTUAL_ENV$|^NODE_OPTIONS$/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    PORTPLAN_HOME: home,
    NO_COLOR: '1',
    ASTRO_TELEMETRY_DISABLED: '1',
    NEXT_TELEMETRY_DISABLED: '1',
    ...extra,
  };
}

const temps = [];
process.on('exit', () => {
  for (const folder of temps) rmSync(folder, { recursive: true, force: true });
});

/** A temp folder (its real path), removed when the test process exits. */
export function tempTop(prefix = 'portplan-e2e-') {
  const folder = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  temps.push(folder);
  return folder;
}

/** Writes `files` ({relative path: text}) under `dir` (made if missing); returns `dir`. */
export function writeFiles(dir, files) {
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** `portplan ARGS` through `cli` in `cwd`: {status, stdout, stderr}. */
export function portplan(cli, args, { cwd, env }) {
  const done = spawnSync(cli.argv[0], [...cli.argv.slice(1), ...args], { cwd, env, encoding: 'utf8' });
  if (done.error) throw done.error;
  return { status: done.status, stdout: done.stdout, stderr: done.stderr };
}

/** `portplan ARGS` that must succeed without a word on stderr; its stdout. */
export function ok(cli, args, where) {
  const done = portplan(cli, args, where);
  assert.equal(done.status, 0, `${cli.name}: portplan ${args.join(' ')} failed:\n${done.stderr}`);
  assert.equal(done.stderr, '', `${cli.name}: portplan ${args.join(' ')} said on stderr`);
  return done.stdout;
}

/** A command started in a process group of its own (so stopping it stops what it started:
 * `portplan run` and its server), its output kept. */
export class Started {
  constructor(argv, { cwd, env }) {
    this.argv = argv;
    this.out = '';
    this.err = '';
    this.child = spawn(argv[0], argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk) => {
      this.out += chunk;
    });
    this.child.stderr.on('data', (chunk) => {
      this.err += chunk;
    });
    this.exit = null;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.once('error', (error) => {
        this.exit = { code: null, signal: null, error };
        resolve(this.exit);
      });
    });
  }

  /** The output so far, for messages. */
  output() {
    return `$ ${this.argv.join(' ')}\n--- stdout\n${this.out}--- stderr\n${this.err}`;
  }

  /** Waits until `pattern` matches stdout or stderr; the match. Fails when the command exits. */
  async waitFor(pattern, ms = GUARD_MS) {
    return poll(
      `${pattern} from ${this.argv.join(' ')}`,
      () => {
        const found = pattern.exec(this.out) ?? pattern.exec(this.err);
        if (found) return found;
        if (this.exit) throw new Error(`it exited (${JSON.stringify(this.exit)}):\n${this.output()}`);
        return undefined;
      },
      ms,
    );
  }

  /** SIGTERM to the group, SIGKILL if it is still there after 20 s; resolves with the exit. */
  async stop() {
    if (this.exit) return this.exit;
    const group = -this.child.pid;
    const signal = (name) => {
      try {
        process.kill(group, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 20_000);
    const exit = await this.exited;
    clearTimeout(timer);
    // Anything of the group still alive (a dev server's worker) goes too.
    signal('SIGKILL');
    return exit;
  }
}

/** `portplan run NAME -- CMD...` through `cli`. */
export function run(cli, name, cmd, where) {
  return new Started([...cli.argv, 'run', name, '--', ...cmd], where);
}

/** One HTTP GET to 127.0.0.1:`port` with the Host header `host`, as a browser sends it for a
 * URL whose host resolves to loopback: {status, headers, body}. */
export function get(port, path, host) {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path, headers: { host, accept: 'text/html,*/*' }, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body }));
      },
    );
    request.setTimeout(60_000, () => request.destroy(new Error(`no answer from 127.0.0.1:${port}${path}`)));
    request.on('error', reject);
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function answers(port) {
  return get(port, '/', `127.0.0.1:${port}`).then(
    () => true,
    () => false,
  );
}

// ---- Chromium ----

const require = createRequire(join(TOOLS.npm, 'package.json'));
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The flags of TOOLCHAIN.md for Debian's Chromium on these machines. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium (playwright gives it a fresh temporary profile); tests open a context
 * (a cookie jar of its own) each with `browser.newContext()`. */
export async function browser() {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** A new context (its own cookies) of `chromium`, with the tests' time limits. */
export async function newContext(chromium) {
  const context = await chromium.newContext();
  context.setDefaultTimeout(GUARD_MS);
  context.setDefaultNavigationTimeout(GUARD_MS);
  return context;
}

/** Loads `url` in a new tab of `context`: {status, text, page}; the tab stays open for more. */
export async function load(context, url, page = null) {
  const tab = page ?? (await context.newPage());
  const response = await tab.goto(url, { waitUntil: 'load' });
  return { status: response?.status() ?? null, text: (await tab.textContent('body')) ?? '', page: tab };
}

/** The URL pattern of a service of a checkout of the project `project`. */
export const urlPattern = (service, project) =>
  new RegExp(`^http://${service}\\.${project}-[a-z2-7]{5}\\.localhost:(\\d+)$`);
