const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { leases, port, plan, PlanError } = require('..');
const { privateRegistry, project } = require('./helpers.js');

const BIN = path.join(__dirname, '..', 'bin', 'portplan.js');

const expected = (namespace, name, extra = '') =>
  plan(
    `range = [43000, 43999]\nexclude = []\nnamespace = ${JSON.stringify(namespace)}\n${extra}[services]\n${name} = true\n`,
  ).ports[name];

test('portplan.toml is found from a subfolder; the namespace is its folder', async () => {
  privateRegistry();
  const dir = project({ 'portplan.toml': 'range = [43000, 43999]\nexclude = []\n', 'src/deep/x.txt': '' }, 'webshop');
  assert.equal(await port('web', { cwd: path.join(dir, 'src', 'deep'), probe: false }), expected('webshop', 'web'));
});

test('a "portplan" key in package.json is a config; a package.json without it is passed over', async () => {
  privateRegistry();
  const outer = project({ 'portplan.toml': 'range = [1, 2]\n' }, 'outer');
  fs.mkdirSync(path.join(outer, 'app', 'plain'), { recursive: true });
  fs.writeFileSync(
    path.join(outer, 'app', 'package.json'),
    JSON.stringify({ name: 'app', portplan: { range: [43000, 43999], exclude: [] } }),
  );
  fs.writeFileSync(path.join(outer, 'app', 'plain', 'package.json'), JSON.stringify({ name: 'plain' }));
  assert.equal(await port('api', { cwd: path.join(outer, 'app', 'plain'), probe: false }), expected('app', 'api'));
});

test('options override the file; configPath names the file', async () => {
  privateRegistry();
  const dir = project({ 'ports.toml': 'range = [1, 2]\nnamespace = "x"\n' }, 'named');
  const got = await port('web', {
    cwd: dir,
    configPath: 'ports.toml',
    range: [43000, 43999],
    exclude: [],
    probe: false,
  });
  assert.equal(got, expected('x', 'web'));
  await assert.rejects(
    port('web', { cwd: dir, configPath: 'missing.toml' }),
    (error) => error instanceof PlanError && error.message.includes('missing.toml'),
  );
});

test('a config file that cannot be parsed is an error naming the file', async () => {
  privateRegistry();
  const dir = project({ 'portplan.toml': 'range = [' }, 'broken');
  await assert.rejects(
    port('web', { cwd: dir }),
    (error) => error.kind === 'invalid_config' && error.message.includes(path.join(dir, 'portplan.toml')),
  );
});

test('namespace "git" is <repo>@<branch> of the checkout', async () => {
  privateRegistry();
  const dir = project({ 'portplan.toml': 'range = [43000, 43999]\nexclude = []\nnamespace = "git"\n' }, 'gitproj');
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'feature-x');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'start');
  git('remote', 'add', 'origin', 'git@example.com:me/shop.git');
  assert.equal(await port('web', { cwd: dir, probe: false }), expected('shop@feature-x', 'web'));
  const plain = project({ 'portplan.toml': 'namespace = "git"\n' }, 'nogit');
  await assert.rejects(port('web', { cwd: plain, probe: false }), (error) => error.kind === 'invalid_config');
});

test('a FIFO named as the config is an error at once instead of hanging', {
  skip: process.platform === 'win32' && 'Windows has no FIFOs (mkfifo)',
}, () => {
  privateRegistry();
  const dir = project({}, 'fifo');
  execFileSync('mkfifo', [path.join(dir, 'ports.toml')]);
  const result = spawnSync(process.execPath, [BIN, 'plan', '--json', '--no-probe', '--config', 'ports.toml'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.signal, null, 'did not hang');
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /^portplan: error: cannot read .*ports\.toml: /);
});

test("with configPath, the project is the config file's folder: its root and its package name", async () => {
  privateRegistry();
  const other = project(
    { 'ports/portplan.toml': 'range = [43000, 43999]\nexclude = []\n', 'ports/package.json': '{"name": "billing"}' },
    'elsewhere',
  );
  const cwd = project({ 'package.json': '{"name": "here"}' }, 'here');
  const configPath = path.relative(cwd, path.join(other, 'ports', 'portplan.toml'));
  assert.equal(await port('web', { cwd, configPath, probe: false }), expected('billing', 'web'));
  assert.deepEqual(
    leases().map((lease) => [lease.namespace, lease.root]),
    [['billing', path.join(other, 'ports')]],
  );
});
