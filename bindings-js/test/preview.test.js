// `portplan preview`: the page served from the package on 127.0.0.1, the project's plan as
// `plan --json` computes it, nothing written, the browser opened (or the URL printed).
// The page itself is driven in Chromium by preview/test/project.test.mjs.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { cli, close, fileState, holdTcp, privateRegistry, project, tempDir } = require('./helpers.js');

const BIN = path.join(__dirname, '..', 'bin', 'portplan.js');
const CONFIG = 'range = [23100, 23199]\nexclude = []\n[services]\nweb = true\napi = true\ndocs = true\nssh = 22\n';

/** Starts `portplan preview ARGS` in `cwd`; resolves once it printed its URL. */
function startPreview(cwd, args, env = process.env) {
  const child = spawn(process.execPath, [BIN, 'preview', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { out: '', err: '' };
  child.stdout.on('data', (chunk) => (output.out += chunk));
  child.stderr.on('data', (chunk) => (output.err += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      const found = /portplan preview: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output.out);
      if (found) resolve(found[1]);
    });
    exited.then(({ code }) => reject(new Error(`preview exited (${code}) before serving: ${output.err}`)));
  });
  url.catch(() => {}); // a test that expects no URL awaits `exited` instead
  const stop = async () => {
    child.kill('SIGINT');
    return exited;
  };
  return { child, output, url, exited, stop };
}

/** A request to the preview's server: `{status, type, body}`. */
function request(url, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode,
          type: response.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('preview serves the page and the project plan exactly as plan --json, writing nothing', async () => {
  const registry = privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'prevnode');
  // A lease for web (kept), and api's home held by another process (busy, probed).
  const web = Number(cli(cwd, 'get', 'web').out);
  const apiHome = JSON.parse(cli(cwd, 'plan', '--json', '--no-probe').out).plan.find((e) => e.name === 'api').port;
  const foreign = await holdTcp(apiHome, '0.0.0.0');
  const before = fileState(registry);
  const preview = startPreview(cwd, ['--no-open']);
  try {
    const url = await preview.url;
    const expected = JSON.parse(cli(cwd, 'plan', '--json').out);
    const { project: shown } = JSON.parse((await request(`${url}api/project`)).body);
    assert.deepEqual(shown.answer, expected, 'the plan of `plan --json`');
    assert.equal(shown.config_text, CONFIG);
    assert.equal(shown.config_file, path.join(cwd, 'portplan.toml'));
    assert.equal(shown.root, cwd);
    assert.ok(shown.busy.includes(apiHome), `the busy port ${apiHome} is listed: ${shown.busy}`);
    const entry = (name) => shown.answer.plan.find((e) => e.name === name);
    assert.equal(entry('web').port, web);
    assert.equal(entry('web').reason.kind, 'kept');
    assert.deepEqual(entry('api').reason, { kind: 'displaced', home: apiHome, by: 'busy' });

    // An edited config is planned read-only against the same leases and host.
    const edited = `${CONFIG}extra = true\n`;
    const replan = JSON.parse(
      (
        await request(`${url}api/plan`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: edited, busy: [] }),
        })
      ).body,
    );
    assert.deepEqual(
      replan.answer.plan.map((e) => e.name),
      ['api', 'docs', 'extra', 'ssh', 'web'],
    );
    assert.equal(replan.answer.plan.find((e) => e.name === 'web').reason.kind, 'kept');
    assert.equal(replan.answer.namespace, 'prevnode');
    assert.ok(replan.busy.includes(apiHome));
    const broken = JSON.parse(
      (await request(`${url}api/plan`, { method: 'POST', body: JSON.stringify({ text: 'range = [1', busy: [] }) }))
        .body,
    );
    assert.equal(broken.answer.error.kind, 'invalid_config');

    // The page and the browser engine, from the package.
    const page = await request(url);
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    assert.match(page.body, /<title>portplan preview<\/title>/);
    const wasm = await request(`${url}pkg/portplan_wasm_bg.wasm`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.type, 'application/wasm');
    assert.equal((await request(`${url}../package.json`)).status, 404);
    assert.equal((await request(`${url}README.md`)).status, 404);

    // Another origin, or a DNS name rebound to 127.0.0.1, is refused.
    assert.equal((await request(`${url}api/project`, { headers: { host: 'evil.example:80' } })).status, 403);
    const crossSite = await request(`${url}api/plan`, {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      body: JSON.stringify({ text: '', busy: [] }),
    });
    assert.equal(crossSite.status, 403);
    assert.equal((await request(`${url}api/plan`, { method: 'POST', body: '{"text": 1}' })).status, 400);
  } finally {
    await close(foreign);
    const { code } = await preview.stop();
    assert.equal(code, 0, 'Ctrl-C ends it cleanly');
  }
  assert.deepEqual(fileState(registry), before, 'the registry was not written');
  assert.equal(preview.output.err, '');
});

test('preview --port N serves there; a port in use is an error naming it', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'prevport');
  const taken = await holdTcp(0);
  const port = taken.address().port;
  try {
    const busy = startPreview(cwd, ['--port', String(port), '--no-open']);
    const { code } = await busy.exited;
    assert.equal(code, 1);
    assert.equal(
      busy.output.err,
      `portplan: error: cannot start preview on 127.0.0.1:${port}: another process is using it\n`,
    );
  } finally {
    await close(taken);
  }
  const preview = startPreview(cwd, ['--port', String(port), '--no-open']);
  try {
    assert.equal(await preview.url, `http://127.0.0.1:${port}/`);
  } finally {
    await preview.stop();
  }
});

/** A folder on PATH holding only a fake `xdg-open` (and node), which records the URL. */
function fakeOpener(exitCode) {
  const bin = tempDir('portplan-opener-');
  const log = path.join(bin, 'opened');
  fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${log}'\nexit ${exitCode}\n`, {
    mode: 0o755,
  });
  return { bin, log };
}

// xdg-open is the opener on Linux (and the BSDs), where these tests run.
test('preview opens the browser with the URL; when it cannot, it says so and prints the URL', {
  skip:
    ['darwin', 'win32'].includes(process.platform) &&
    "the fake opener is xdg-open, Linux's and the BSDs' (macOS: open, Windows: cmd's start)",
}, async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'prevopen');
  const opener = fakeOpener(0);
  const env = { ...process.env, PATH: `${opener.bin}${path.delimiter}${process.env.PATH}` };
  const opened = startPreview(cwd, [], env);
  try {
    const url = await opened.url;
    while (!fs.existsSync(opener.log) || fs.readFileSync(opener.log, 'utf8') === '') {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(fs.readFileSync(opener.log, 'utf8'), url);
  } finally {
    await opened.stop();
  }
  assert.equal(opened.output.err, '');

  const failing = fakeOpener(3);
  const cannot = startPreview(cwd, [], { ...process.env, PATH: `${failing.bin}${path.delimiter}${process.env.PATH}` });
  try {
    const url = await cannot.url;
    while (!cannot.output.err.includes('\n')) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(cannot.output.err, `portplan preview: could not open a browser; open ${url} yourself\n`);
  } finally {
    await cannot.stop();
  }
});

test('the package ships every file the preview server serves', () => {
  const { PAGE_FILES, ENGINE_FILES } = require('../dist/cjs/previewServer.js');
  const { execFileSync } = require('node:child_process');
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  )[0].files.map((file) => file.path);
  const served = [...PAGE_FILES.map((name) => `preview/${name}`), ...ENGINE_FILES.map((name) => `web/${name}`)];
  assert.deepEqual(
    served.filter((file) => !packed.includes(file)),
    [],
  );
  assert.ok(packed.includes('dist/cjs/previewServer.js'));
});
