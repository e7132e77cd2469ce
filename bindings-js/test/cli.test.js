const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { plan } = require('..');
const { cli, cliWith, privateRegistry, project } = require('./helpers.js');

const CONFIG = 'range = [45000, 45999]\nexclude = []\n[services]\nweb = true\napi = true\nssh = 22\n';

test('get, plan, why, env, ls and release', () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  const ports = plan(`namespace = "clip"\n${CONFIG}`).ports;
  assert.deepEqual(cli(cwd, 'get', 'web', '--no-probe'), { code: 0, out: `${ports.web}\n`, err: '' });
  const table = cli(cwd, 'plan', '--no-probe');
  assert.equal(table.code, 0);
  assert.match(table.out, /^SERVICE +PORT +REASON\n/);
  assert.match(table.out, new RegExp(`web +${ports.web} +kept`));
  const json = JSON.parse(cli(cwd, 'plan', '--json', '--no-probe').out);
  assert.deepEqual(Object.fromEntries(json.plan.map((e) => [e.name, e.port])), ports);
  assert.match(cli(cwd, 'why', 'ssh', '--no-probe').out, /^ssh gets 22: it is pinned/);
  assert.equal(cli(cwd, 'env', '--no-probe').out, `API_PORT=${ports.api}\nSSH_PORT=22\nWEB_PORT=${ports.web}\n`);
  const ls = cli(cwd, 'ls');
  assert.match(ls.out, /^NAMESPACE +SERVICE +PORT +SERVED BY +USED +ROOT\nclip +api +\d+ +- /);
  assert.equal(JSON.parse(cli(cwd, 'ls', '--json').out).length, 2);
  assert.deepEqual(cli(cwd, 'release', 'web'), { code: 0, out: `released clip/web (port ${ports.web})\n`, err: '' });
  assert.deepEqual(
    JSON.parse(cli(cwd, 'ls', '--json').out).map((l) => l.name),
    ['api'],
  );
  assert.deepEqual(cli(cwd, 'release', 'web'), { code: 0, out: 'no lease of web to release\n', err: '' });
  assert.deepEqual(cli(cwd, 'release', '--all'), { code: 0, out: `released clip/api (port ${ports.api})\n`, err: '' });
  assert.equal(cli(cwd, '--version').out, `${require('../package.json').version}\n`);
  assert.deepEqual(JSON.parse(cli(cwd, 'ls', '--json').out), []);
});

test('--range, --namespace and --layout override the file', () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  const out = cli(
    cwd,
    'get',
    'web',
    '--range',
    '46000-46099',
    '--namespace',
    'other',
    '--layout',
    'sequential',
    '--no-probe',
  ).out;
  assert.equal(out, '46001\n', 'sequential from 46000: api, then web');
});

test('run sets PORT, keeps the environment and passes the exit code on', () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  process.env.PORTPLAN_TEST_KEEP = 'kept';
  const script = 'process.stdout.write(process.env.PORT + " " + process.env.PORTPLAN_TEST_KEEP); process.exit(7)';
  const result = cli(cwd, 'run', 'api', '--no-probe', '--', process.execPath, '-e', script);
  assert.equal(result.code, 7);
  assert.equal(result.out, `${plan(`namespace = "clip"\n${CONFIG}`).ports.api} kept`);
  const missing = cli(cwd, 'run', 'api', '--no-probe', '--', 'portplan-no-such-command');
  assert.equal(missing.code, 127);
  // run's own lines first (what it set, that it does not know the command), then the error.
  assert.match(missing.err.trimEnd().split('\n').at(-1), /^portplan: error: .*portplan-no-such-command/);
});

test("run gives the command the core's environment: PORT, every <SERVICE>_PORT, and only its tool's variables", () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  const ports = plan(`namespace = "clip"\n${CONFIG}`).ports;
  // The environment without any *PORT variable, but one that run must override.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.endsWith('PORT')));
  env.WEB_PORT = 'overridden';
  const script =
    'const e = process.env; process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(e).filter(([k]) => k.endsWith("PORT")))))';
  const result = cliWith({ cwd, env }, 'run', 'api', '--no-probe', '--', process.execPath, '-e', script);
  assert.equal(result.code, 0, result.err);
  const api = String(ports.api);
  assert.deepEqual(JSON.parse(result.out), {
    WEB_PORT: String(ports.web),
    PORT: api,
    API_PORT: api,
    SSH_PORT: '22',
    // node -e is no tool run knows: no tool's own variable (issue 26).
  });
});

test('run adds the port flag a tool needs (vite), and keeps a port the command sets', () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  const web = String(plan(`namespace = "clip"\n${CONFIG}`).ports.web);
  // A stand-in `vite` on PATH that prints the arguments it got.
  const bin = path.join(cwd, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'vite'),
    '#!/usr/bin/env node\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)))\n',
    {
      mode: 0o755,
    },
  );
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  const args = (...cmd) => JSON.parse(cliWith({ cwd, env }, 'run', 'web', '--no-probe', '--', ...cmd).out);
  assert.deepEqual(args('vite'), ['--port', web, '--strictPort']);
  assert.deepEqual(args('vite', 'dev', '--host'), ['dev', '--port', web, '--strictPort', '--host']);
  assert.deepEqual(args('vite', '--port', '5555'), ['--port', '5555']);
  assert.deepEqual(args('vite', 'build'), ['build']);
});

test('run: a service whose variable is a tool variable fails before anything is written', () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': '[services]\nweb = true\nflask-run = true\n' }, 'clash');
  const marker = path.join(cwd, 'started');
  const script = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`;
  // flask run reads FLASK_RUN_PORT: web's port there would overwrite flask-run's.
  const result = cli(cwd, 'run', 'web', '--no-probe', '--', 'flask', 'run', script);
  assert.equal(result.code, 2);
  assert.match(
    result.err,
    /^portplan: error: service flask-run would be FLASK_RUN_PORT, which run sets to the port of web/,
  );
  assert.equal(fs.existsSync(marker), false, 'the command did not start');
  assert.equal(fs.existsSync(file), false, 'no lease written');
});

test('usage errors exit 2, host errors exit 1, one line on stderr', () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  const unknown = cli(cwd, 'frobnicate');
  assert.equal(unknown.code, 2);
  assert.equal(unknown.out, '');
  assert.match(unknown.err, /^portplan: error: unknown command frobnicate \(see portplan --help\)\n$/);
  assert.equal(cli(cwd, 'get').code, 2);
  assert.equal(cli(cwd, 'get', 'x', '--config', 'nope.toml').code, 2);
  assert.match(cli(cwd, '--help').out, /^usage: portplan/);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'not json');
  const corrupt = cli(cwd, 'get', 'web');
  assert.equal(corrupt.code, 1);
  assert.ok(corrupt.err.startsWith(`portplan: error: ${file}: `), corrupt.err);
  assert.equal(fs.readFileSync(file, 'utf8'), 'not json');
});

test('an engine that cannot be loaded: one line on stderr, exit 2, no stack trace', () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  const bogus = cliWith({ cwd, env: { ...process.env, PORTPLAN_ENGINE: 'bogus' } }, 'get', 'web');
  assert.deepEqual(bogus, {
    code: 2,
    out: '',
    err: 'portplan: error: PORTPLAN_ENGINE must be native or wasm, not "bogus"\n',
  });
  const noAddon = path.join(__dirname, 'fixtures', 'no-addon.js');
  const native = cliWith(
    { cwd, env: { ...process.env, PORTPLAN_ENGINE: 'native' }, nodeArgs: ['--require', noAddon] },
    'get',
    'web',
  );
  assert.equal(native.code, 2);
  assert.equal(native.out, '');
  assert.match(native.err, /^portplan: error: PORTPLAN_ENGINE is native, but no native addon loads on [^\n]+\)\n$/);
});

// Windows' .cmd shims (npx.cmd, vite.cmd, ...) start only through cmd.exe: cross-spawn's rules.
// Run by the Wine lane (make test's Windows node.exe); elsewhere there is no cmd.exe.
test('run starts a .cmd shim found on the PATH, with the port, and passes its exit code on', {
  skip: process.platform !== 'win32' && 'Windows only: .cmd shims need cmd.exe',
}, () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  const bin = path.join(cwd, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'shim.cmd'), '@echo off\r\necho port %PORT% args %1 %2\r\nexit /b 3\r\n');
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  const result = cliWith({ cwd, env }, 'run', 'web', '--no-probe', '--', 'shim', 'one', 'two words');
  assert.equal(result.code, 3, result.err);
  // cmd.exe gets every argument quoted (cross-spawn's escaping): %1 keeps the quotes.
  assert.equal(result.out.trim(), `port ${plan(`namespace = "clip"\n${CONFIG}`).ports.web} args "one" "two words"`);
});

test('run passes SIGTERM on to the command, waits for it, and exits with its code', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'clip');
  const script =
    "process.on('SIGTERM', () => { console.log('stopping'); process.exit(7); }); console.log('ready'); setInterval(() => {}, 1000);";
  const child = require('node:child_process').spawn(
    process.execPath,
    [
      path.join(__dirname, '..', 'bin', 'portplan.js'),
      'run',
      'api',
      '--no-probe',
      '--',
      process.execPath,
      '-e',
      script,
    ],
    { cwd, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  await new Promise((resolve) => child.stdout.on('data', () => out.includes('ready') && resolve()));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 7, signal: null });
  assert.equal(out, 'ready\nstopping\n');
});
