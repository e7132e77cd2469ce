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
  assert.match(ls.out, /^NAMESPACE +SERVICE +PORT +USED +ROOT\nclip +api/);
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
  assert.match(missing.err, /^portplan: error: .*portplan-no-such-command/);
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
