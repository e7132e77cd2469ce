// Leases that fit real workflows (issue 14, SPEC §7) where the host or the API is the point:
// the lease rules themselves, through the CLI of every host, are the shared vectors
// (tests/vectors/leases.json, run by leaseVectors.test.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { engine, port, ports, listen, leases, plan, projectPlan, PlanError, RegistryError } = require('..');
const {
  cli,
  cliWith,
  close,
  fileState,
  holdLock,
  holdTcp,
  leftOver,
  privateRegistry,
  project,
  tempDir,
} = require('./helpers.js');

const RANGE = 'range = [48000, 48999]\nexclude = []\n';
const SERVICES = `${RANGE}[services]\nweb = true\napi = true\n`;

/** The home port of `name` in `namespace` (a plan of one service, nothing taken). */
const home = (namespace, name) =>
  plan(`${RANGE}namespace = ${JSON.stringify(namespace)}\n[services]\n${JSON.stringify(name)} = true\n`).ports[name];

/** The lease (namespace, name) of the registry, as [root, port] pairs. */
const leased = (namespace, name) =>
  leases()
    .filter((lease) => lease.namespace === namespace && lease.name === name)
    .map((lease) => [lease.root, lease.port]);

const ok = (result) => {
  assert.equal(result.code, 0, result.err);
  assert.equal(result.err, '');
  return result.out;
};

test('a pinned service that is running blocks nothing (CLI): plan, get, env, get of the pin', async () => {
  privateRegistry();
  const db = 48950;
  const cwd = project({ 'portplan.toml': `${RANGE}[services]\nweb = true\ndb = ${db}\n` }, 'pinned');
  const postgres = await holdTcp(db, '0.0.0.0');
  try {
    assert.match(ok(cli(cwd, 'plan')), new RegExp(`db +${db} +pinned`));
    assert.equal(ok(cli(cwd, 'get', 'web')), `${home('pinned', 'web')}\n`);
    assert.equal(ok(cli(cwd, 'env')), `DB_PORT=${db}\nWEB_PORT=${home('pinned', 'web')}\n`);
    assert.equal(ok(cli(cwd, 'get', 'db')), `${db}\n`);
    assert.match(ok(cli(cwd, 'why', 'db')), /^db gets 48950: it is pinned/);
  } finally {
    await close(postgres);
  }
});

test('a pinned service that is running blocks nothing (API): port, ports, and a pin on a lease', async () => {
  privateRegistry();
  const db = 48951;
  const cwd = project({ 'portplan.toml': `${RANGE}[services]\nweb = true\ndb = ${db}\n` }, 'pinapi');
  const postgres = await holdTcp(db, '0.0.0.0');
  try {
    assert.equal(await port('web', { cwd }), home('pinapi', 'web'));
    assert.equal(await port('db', { cwd }), db);
    assert.deepEqual(await ports(['db', 'web'], { cwd }), { db, web: home('pinapi', 'web') });
    // Pinned ports are not leased: a pin is the user's own statement.
    assert.deepEqual(leased('pinapi', 'db'), []);
  } finally {
    await close(postgres);
  }
});

test('two checkouts in folders of one name: distinct stable ports, the first gets the home (API)', async () => {
  privateRegistry();
  const first = project({ 'portplan.toml': SERVICES }, 'shop');
  const second = project({ 'portplan.toml': SERVICES }, 'shop');
  const webHome = home('shop', 'web');
  assert.equal(await port('web', { cwd: first }), webHome);
  const other = await port('web', { cwd: second });
  assert.notEqual(other, webHome);
  assert.equal(await port('web', { cwd: second }), other);
  assert.equal(await port('web', { cwd: first }), webHome);
});

test('the project root is the folder of the config, found from a subfolder, symlinks resolved', async () => {
  privateRegistry();
  const root = project({ 'portplan.toml': SERVICES, 'src/deep/x.txt': '' }, 'rooted');
  const link = path.join(tempDir(), 'link');
  fs.symlinkSync(path.join(root, 'src'), link);
  await port('web', { cwd: path.join(link, 'deep') });
  assert.deepEqual(leased('rooted', 'web'), [[root, home('rooted', 'web')]]);
});

test('without a config: the root is the nearest marker folder, the namespace its package name', () => {
  privateRegistry();
  // Teammates' clones in differently named folders agree: the namespace is the package's name.
  const mine = project({ 'package.json': JSON.stringify({ name: 'storefront' }), 'src/x.txt': '' }, 'clone-a');
  const theirs = project({ 'package.json': JSON.stringify({ name: 'storefront' }) }, 'clone-b');
  const json = (cwd) => JSON.parse(ok(cli(cwd, 'plan', '--json', '--no-probe')));
  assert.equal(json(path.join(mine, 'src')).namespace, 'storefront');
  assert.equal(json(theirs).namespace, 'storefront');
  // A pyproject.toml's [project] name, else the folder's name.
  const py = project({ 'pyproject.toml': '[project]\nname = "billing"\n' }, 'py-clone');
  assert.equal(json(py).namespace, 'billing');
  const bare = project({ '.git/HEAD': 'ref: refs/heads/main\n', 'a/b/c.txt': '' }, 'gitonly');
  assert.equal(JSON.parse(ok(cli(path.join(bare, 'a', 'b'), 'plan', '--json', '--no-probe'))).namespace, 'gitonly');
});

test('plan says when no config was found; why explains a name leased without a config', () => {
  privateRegistry();
  const cwd = project({ '.git/HEAD': '' }, 'noconf');
  const table = ok(cli(cwd, 'plan'));
  assert.match(table.split('\n')[0], /^no portplan config found .*showing the leases of /);
  assert.ok(table.split('\n')[0].endsWith(cwd), table);
  const scratch = ok(cli(cwd, 'get', 'scratch'));
  assert.match(ok(cli(cwd, 'why', 'scratch')), new RegExp(`^scratch gets ${scratch.trim()}`));
  assert.match(ok(cli(cwd, 'plan')), new RegExp(`scratch +${scratch.trim()} +kept`));
});

test('plan, why and ls write nothing, in every form, and never take the lock', async () => {
  // (Without a registry they create none, and a lease read is not written: the shared lease
  // vectors, leaseVectors.test.js.)
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'readonly');
  ok(cli(cwd, 'get', 'web'));
  const before = fileState(file);
  for (const args of [
    ['plan'],
    ['plan', '--no-probe'],
    ['plan', '--json'],
    ['why', 'web'],
    ['why', 'api', '--no-probe'],
    ['ls'],
    ['ls', '--json'],
    ['plan', '--range', '3000-3999', '--layout', 'sequential'],
  ]) {
    ok(cli(cwd, ...args));
    assert.deepEqual(fileState(file), before, `portplan ${args.join(' ')} changed the registry`);
  }
  assert.deepEqual(leftOver(path.dirname(file)), [], 'no temp file left');
  // They never take the lock: another process holding it does not stop them.
  const holder = await holdLock(path.join(path.dirname(file), 'registry.lock'));
  assert.equal(holder.taken, true);
  try {
    for (const args of [['plan'], ['why', 'web'], ['ls']]) ok(cli(cwd, ...args));
  } finally {
    await holder.release();
  }
  // A plan with another layout did not change what get answers.
  assert.equal(ok(cli(cwd, 'get', 'web')), `${home('readonly', 'web')}\n`);
  // plan shows api as it would get it, without leasing it.
  assert.deepEqual(
    leases().map((lease) => lease.name),
    ['web'],
  );
});
test("the project's plan through the API (projectPlan) writes nothing either", async () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'apiread');
  const empty = await projectPlan({ cwd });
  assert.deepEqual(empty.ports, { api: home('apiread', 'api'), web: home('apiread', 'web') });
  assert.equal(empty.root, cwd);
  assert.equal(empty.configFile, path.join(cwd, 'portplan.toml'));
  assert.equal(fs.existsSync(path.dirname(file)), false);
  await port('web', { cwd });
  const before = fileState(file);
  const shown = await projectPlan({ cwd, range: [3000, 3999], layout: 'sequential', names: ['scratch'] });
  assert.equal(shown.entry('web').reason.kind, 'sequential', 'the lease is out of the one-off range: shown fresh');
  assert.equal(shown.entry('scratch').port, 3001, 'api 3000, scratch 3001, web 3002');
  assert.equal((await projectPlan({ cwd, probe: false })).entry('web').reason.kind, 'kept');
  assert.deepEqual(fileState(file), before);
});

test('asking again for a leased name through the API writes nothing: same bytes, same file', async () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'again');
  const first = await port('web', { cwd });
  const before = fileState(file);
  assert.equal(await port('web', { cwd }), first);
  assert.equal(await port('web', { cwd, probe: false }), first);
  assert.deepEqual(fileState(file), before);
  // A new name is a change: written.
  await port('api', { cwd });
  assert.notDeepEqual(fileState(file), before);
});
test('a one-off range leases only the name asked for and leaves the other leases alone', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'oneoff');
  const web = await port('web', { cwd });
  const other = await port('other', { cwd, range: [3000, 3999] });
  assert.ok(other >= 3000 && other <= 3999);
  assert.deepEqual(leased('oneoff', 'web'), [[cwd, web]]);
  // (the CLI's get refuses a name the config does not list: the API leases any name)
  assert.ok((await port('third', { cwd, range: [4000, 4999] })) >= 4000);
  assert.deepEqual(leased('oneoff', 'web'), [[cwd, web]]);
  assert.equal(await port('web', { cwd }), web);
  assert.deepEqual(
    leases()
      .map((lease) => lease.name)
      .sort(),
    ['other', 'third', 'web'],
  );
});

test('a relative XDG_STATE_HOME is ignored: the registry is in ~/.local/state', {
  skip:
    ['darwin', 'win32'].includes(process.platform) &&
    'the registry is in ~/.local/state on Linux and the BSDs only (macOS, Windows: docs/registry.md)',
}, () => {
  const home = tempDir();
  const cwd = project({ 'portplan.toml': SERVICES }, 'xdg');
  const env = { ...process.env, HOME: home, XDG_STATE_HOME: 'relative/state' };
  delete env.PORTPLAN_HOME;
  ok(cliWith({ cwd, env }, 'get', 'web'));
  assert.ok(fs.existsSync(path.join(home, '.local', 'state', 'portplan', 'registry.json')));
  assert.ok(!fs.existsSync(path.join(cwd, 'relative')));
  // The API's registryPath says the same; an absolute XDG_STATE_HOME is used.
  const { XDG_STATE_HOME: _, PORTPLAN_HOME: __, ...rest } = process.env;
  const script = 'process.stdout.write(require(process.argv[1]).registryPath())';
  const ask = (extra) =>
    execFileSync(process.execPath, ['-e', script, path.join(__dirname, '..')], {
      cwd,
      env: { ...rest, HOME: home, ...extra },
      encoding: 'utf8',
    });
  assert.equal(ask({ XDG_STATE_HOME: 'rel' }), path.join(home, '.local', 'state', 'portplan', 'registry.json'));
  assert.equal(ask({ XDG_STATE_HOME: '/srv/state' }), '/srv/state/portplan/registry.json');
  assert.equal(ask({ PORTPLAN_HOME: 'pp' }), path.join(cwd, 'pp', 'registry.json'));
  assert.equal(
    ask({ PORTPLAN_HOME: '', XDG_STATE_HOME: '' }),
    path.join(home, '.local', 'state', 'portplan', 'registry.json'),
  );
});

test('a symlinked registry is refused by every command, read-only ones included', () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'linked');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const real = path.join(path.dirname(file), 'elsewhere.json');
  fs.writeFileSync(real, '{"version": 2, "leases": []}\n');
  fs.symlinkSync(real, file);
  for (const args of [['get', 'web'], ['plan'], ['ls']]) {
    const result = cli(cwd, ...args);
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.err, new RegExp(`^portplan: error: .*${file}.*symbolic link`));
  }
  assert.throws(() => leases(), RegistryError);
  assert.equal(fs.readFileSync(real, 'utf8'), '{"version": 2, "leases": []}\n');
});

/** Root reads any file: as root, the commands run as user nobody, who must reach `project`
 * (a folder in a fresh temp folder, both opened to others). Else as ourselves. */
function unprivileged(project) {
  if (process.getuid() !== 0) return {};
  fs.chmodSync(path.dirname(project), 0o755);
  fs.chmodSync(project, 0o755);
  return { uid: 65534, gid: 65534 };
}

test('an unreadable config is a read error naming it (CLI and API), not "missing" nor skipped', {
  skip: process.platform === 'win32' && 'Windows has no POSIX file modes: chmod 000 leaves a file readable',
}, () => {
  const cwd = project({ 'portplan.toml': SERVICES, 'sub/x.txt': '' }, 'unreadable');
  const config = path.join(cwd, 'portplan.toml');
  fs.chmodSync(config, 0o000);
  const user = unprivileged(cwd);
  const env = { ...process.env, PORTPLAN_HOME: path.join(cwd, 'registry') };
  const expected = `portplan: error: cannot read ${config}: Permission denied\n`;
  for (const args of [['get', 'web'], ['plan']]) {
    const result = cliWith({ cwd: path.join(cwd, 'sub'), env, ...user }, ...args);
    assert.deepEqual(result, { code: 1, out: '', err: expected });
  }
  const named = cliWith({ cwd, env, ...user }, 'get', 'web', '--config', 'portplan.toml');
  assert.equal(named.code, 1);
  assert.match(named.err, /cannot read .*portplan\.toml: Permission denied/);
  const script = `require(process.argv[1]).port('web', { cwd: process.argv[2] }).catch((e) => { process.stdout.write(e.kind + ' ' + e.message); })`;
  const api = execFileSync(process.execPath, ['-e', script, path.join(__dirname, '..'), cwd], {
    env,
    encoding: 'utf8',
    ...user,
  });
  assert.equal(api, `host cannot read ${config}: Permission denied`);
  assert.equal(fs.existsSync(env.PORTPLAN_HOME), false);
});

test('run on a kept port that another process holds fails before starting the command', async () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'runbusy');
  const web = Number(ok(cli(cwd, 'get', 'web')));
  // Last used two hours ago: a run that went ahead would refresh `used` (a write).
  const registry = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const lease of registry.leases) lease.used -= 7200;
  fs.writeFileSync(file, JSON.stringify(registry));
  const before = fileState(file);
  const foreign = await holdTcp(web, '127.0.0.1');
  try {
    const marker = path.join(tempDir(), 'started');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`;
    const result = cli(cwd, 'run', 'web', '--', process.execPath, '-e', script);
    assert.equal(result.code, 1);
    assert.match(result.err, /^portplan: error: .*portplan release web/);
    assert.equal(fs.existsSync(marker), false, 'the command did not start');
    assert.deepEqual(fileState(file), before, 'nothing written');
  } finally {
    await close(foreign);
  }
  // Once the port is free again, run starts the command on it and refreshes `used`.
  const again = cli(
    cwd,
    'run',
    'web',
    '--',
    process.execPath,
    '-e',
    `if (process.env.PORT !== '${web}') process.exit(3)`,
  );
  assert.equal(again.code, 0, again.err);
  assert.notDeepEqual(fileState(file), before);
  assert.deepEqual(leased('runbusy', 'web'), [[cwd, web]], 'the lease did not move');
});

test('listen on an address this host lacks: bind_failed with its cause, the lease kept', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'nohost');
  const web = await port('web', { cwd });
  const server = http.createServer();
  await assert.rejects(listen('web', server, { cwd, host: '192.0.2.1' }), (error) => {
    assert.ok(error instanceof PlanError);
    assert.equal(error.kind, 'host');
    assert.equal(error.code, 'EADDRNOTAVAIL');
    assert.equal(error.port, web);
    assert.match(error.message, /192\.0\.2\.1 is not an address of this host/);
    assert.doesNotMatch(error.message, /in use/);
    return true;
  });
  assert.deepEqual(leased('nohost', 'web'), [[cwd, web]]);
  // The next listen on an address the host has gets the same port.
  assert.equal(await listen('web', server, { cwd, host: '127.0.0.1' }), web);
  await close(server);
});

test('a fresh name whose bind fails is not leased', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'nofresh');
  await assert.rejects(listen('web', http.createServer(), { cwd, host: '192.0.2.1' }), { code: 'EADDRNOTAVAIL' });
  assert.deepEqual(leases(), []);
});

test('listen on a pinned port another process holds: bind_failed in use, no lease made', async () => {
  privateRegistry();
  const db = 48952;
  const cwd = project({ 'portplan.toml': `${RANGE}[services]\ndb = ${db}\n` }, 'pinbind');
  const other = await holdTcp(db, '127.0.0.1');
  try {
    await assert.rejects(listen('db', http.createServer(), { cwd, host: '127.0.0.1' }), (error) => {
      assert.equal(error.data.code, 'EADDRINUSE');
      // It names the holder: this very test process.
      // It names the holder (this very test process), where the engine can look it up.
      const holder = engine === 'native' ? `pid ${process.pid} \\(.*\\)` : 'a process this engine cannot name \\(.*\\)';
      assert.match(error.message, new RegExp(`^cannot start db on 127\\.0\\.0\\.1:${db}: ${holder} is using it$`));
      return true;
    });
  } finally {
    await close(other);
  }
  assert.deepEqual(leases(), []);
});

test('a kept port held by another process: listen fails with kept_busy, the lease stays', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': SERVICES }, 'keptbusy');
  const web = await port('web', { cwd });
  const foreign = await holdTcp(web, '127.0.0.1');
  try {
    await assert.rejects(listen('web', http.createServer(), { cwd, host: '127.0.0.1' }), /portplan release web/);
  } finally {
    await close(foreign);
  }
  assert.deepEqual(leased('keptbusy', 'web'), [[cwd, web]]);
});
