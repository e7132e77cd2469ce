const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const {
  engine,
  port,
  ports,
  projectPlan,
  release,
  leases,
  plan,
  registryPath,
  RegistryError,
  PlanError,
} = require('..');
const { holdLock, leftOver, lockIsFree, privateRegistry, project } = require('./helpers.js');

const CONFIG = 'range = [41000, 41999]\nexclude = []\n';

test('port() leases a stable port, kept on the next call', {
  skip: process.platform === 'win32' && 'Windows has no POSIX file modes (the registry is made 0600 in a 0700 folder)',
}, async () => {
  const file = privateRegistry();
  assert.equal(registryPath(), file);
  const cwd = project({ 'portplan.toml': CONFIG }, 'shop');
  const first = await port('web', { cwd });
  assert.equal(first, plan(`${CONFIG}namespace = "shop"\n[services]\nweb = true\n`).ports.web);
  assert.equal(await port('web', { cwd }), first);
  const [lease] = leases();
  assert.deepEqual([lease.namespace, lease.name, lease.port], ['shop', 'web', first]);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
});

test('ports() of several names; another namespace counts the leases as busy', async () => {
  privateRegistry();
  const one = project({ 'portplan.toml': CONFIG }, 'one');
  const got = await ports(['a', 'b'], { cwd: one, probe: false });
  assert.deepEqual(Object.keys(got), ['a', 'b']);
  // Same homes in another namespace would collide only by chance; pin the namespace to force it.
  const other = await ports(['a', 'b'], { cwd: one, namespace: 'two', probe: false });
  assert.ok(!Object.values(other).some((p) => Object.values(got).includes(p)));
  assert.equal(leases().length, 4);
});

test('release frees a lease; the next allocation starts afresh', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'rel');
  await ports(['a', 'b'], { cwd, probe: false });
  const released = await release('a', { cwd });
  assert.deepEqual(
    released.map((l) => l.name),
    ['a'],
  );
  assert.deepEqual(
    leases().map((l) => l.name),
    ['b'],
  );
  await release({ all: true, cwd });
  assert.deepEqual(leases(), []);
});

test('a corrupt registry is reported with its path and left untouched', async () => {
  const file = privateRegistry();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"version": 1, "leases": [', { mode: 0o600 });
  const cwd = project({ 'portplan.toml': CONFIG });
  await assert.rejects(port('web', { cwd }), (error) => {
    return (
      error instanceof RegistryError &&
      error.kind === 'invalid_registry' &&
      error.path === file &&
      error.message.includes(file)
    );
  });
  assert.equal(fs.readFileSync(file, 'utf8'), '{"version": 1, "leases": [');
  assert.throws(() => leases(), RegistryError);
  assert.ok(lockIsFree(path.join(path.dirname(file), 'registry.lock')), 'the lock is released after a failure');
});

test('a symlinked registry is refused', async () => {
  const file = privateRegistry();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const real = path.join(path.dirname(file), 'elsewhere.json');
  fs.writeFileSync(real, '{"version": 1, "leases": []}\n');
  fs.symlinkSync(real, file);
  const cwd = project({ 'portplan.toml': CONFIG });
  await assert.rejects(
    port('web', { cwd }),
    (error) => error instanceof RegistryError && /symbolic link/.test(error.message),
  );
});

test("a lock's file alone holds nothing (its owner's pid is not judged); a live holder is waited for", async () => {
  const file = privateRegistry();
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const cwd = project({ 'portplan.toml': CONFIG });
  // A lock file and owner text that a dead process left: the kernel released its lock.
  const dead = await new Promise((resolve) => {
    const child = execFile(process.execPath, ['-e', '']);
    child.on('exit', () => resolve(child.pid));
  });
  fs.writeFileSync(path.join(dir, 'registry.lock'), '');
  fs.writeFileSync(path.join(dir, 'registry.owner'), JSON.stringify({ pid: dead, host: os.hostname(), time: 1 }));
  assert.equal(typeof (await port('web', { cwd, probe: false })), 'number');

  // A live holder of the lock: the allocation waits until it lets go.
  const holder = await holdLock(path.join(dir, 'registry.lock'));
  assert.equal(holder.taken, true);
  let done = false;
  const pending = port('api', { cwd, probe: false }).then((p) => {
    done = true;
    return p;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(done, false, 'waits while the lock is held');
  await holder.release();
  assert.equal(typeof (await pending), 'number');
});

test('processes allocating at once in one registry never share a port', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': 'range = [42000, 42009]\nexclude = []\n' }, 'race');
  const script = `require(${JSON.stringify(path.join(__dirname, '..'))}).ports(['s' + process.argv[1] + 'a', 's' + process.argv[1] + 'b'], { cwd: process.argv[2], probe: false }).then((p) => console.log(JSON.stringify(p)))`;
  const run = (i) =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, ['-e', script, String(i), cwd], { env: process.env }, (error, stdout) =>
        error ? reject(error) : resolve(JSON.parse(stdout)),
      );
    });
  const results = await Promise.all([0, 1, 2, 3].map(run));
  const all = results.flatMap((r) => Object.values(r));
  assert.equal(new Set(all).size, 8);
  assert.equal(leases().length, 8);
});

test('an unknown option value is the core error kind', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG });
  await assert.rejects(
    port('web', { cwd, layout: 'spiral' }),
    (error) => error instanceof PlanError && error.kind === 'invalid_config',
  );
});

test('asking again for leased names takes no lock and writes nothing', async () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': `${CONFIG}[services]\nshown = true\n` }, 'again');
  const first = await ports(['web', 'api'], { cwd });
  const before = fs.statSync(file);
  const text = fs.readFileSync(file, 'utf8');
  // A folder where the lock file goes: taking the lock would fail with an error.
  const lock = path.join(path.dirname(file), 'registry.lock');
  fs.rmSync(lock, { force: true });
  fs.mkdirSync(lock);
  try {
    for (let i = 0; i < 3; i++) {
      assert.equal(await port('web', { cwd }), first.web);
      assert.deepEqual(await ports(['api', 'web'], { cwd }), { api: first.api, web: first.web });
    }
    // A new name needs the lock: the folder in its place is an error, nothing is written.
    await assert.rejects(port('new', { cwd }), RegistryError);
  } finally {
    fs.rmdirSync(lock);
  }
  const after = fs.statSync(file);
  assert.deepEqual([after.ino, after.mtimeMs, fs.readFileSync(file, 'utf8')], [before.ino, before.mtimeMs, text]);
  // With the lock free again, the new name is leased.
  assert.equal(typeof (await port('new', { cwd })), 'number');
  assert.equal(leases().length, 3);
});

test('kept ports asked one name at a time follow every change of the registry', async () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': `${CONFIG}[services]\nshown = true\n` }, 'follow');
  const first = await ports(['web', 'api'], { cwd });
  assert.equal(await port('web', { cwd }), first.web);
  assert.equal(await port('api', { cwd }), first.api);
  // Another process moves api's lease (a release and a new lease), within the same second.
  const moved = first.api === 41999 ? 41998 : first.api + 1;
  const registry = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const lease of registry.leases) if (lease.name === 'api') lease.port = moved;
  fs.writeFileSync(file, JSON.stringify(registry));
  assert.equal(await port('api', { cwd }), moved);
  assert.deepEqual(await ports(['web', 'api'], { cwd }), { web: first.web, api: moved });
  // A name never leased is not answered from them: it is leased (and written).
  assert.equal(typeof (await port('shown', { cwd })), 'number');
  assert.deepEqual(
    leases()
      .map((l) => l.name)
      .sort(),
    ['api', 'shown', 'web'],
  );
});

test("a plan returned is its caller's own: changing one does not change the next", async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'copies');
  await port('web', { cwd });
  const plan1 = await projectPlan({ cwd, names: ['web'] });
  const kept = plan1.entries[0].port;
  plan1.entries[0].port = 1;
  const plan2 = await projectPlan({ cwd, names: ['web'] });
  assert.equal(plan2.entries[0].port, kept);
});

test('each write goes through a temp file registry.json.tmp.<pid> renamed over the registry; none is left', async (t) => {
  const file = privateRegistry();
  const dir = path.dirname(file);
  const cwd = project({ 'portplan.toml': CONFIG }, 'temps');
  // The wasm engine's host renames with fs: seen here (the native engine renames in Rust).
  const renamed = [];
  const rename = fs.renameSync;
  fs.renameSync = (from, to) => {
    renamed.push([from, to]);
    return rename(from, to);
  };
  t.after(() => {
    fs.renameSync = rename;
  });
  await port('a', { cwd, probe: false });
  await port('b', { cwd, probe: false });
  const writes = renamed.filter(([, to]) => to === file);
  if (engine === 'wasm') {
    assert.equal(writes.length, 2);
    for (const [from] of writes) assert.equal(path.basename(from), `registry.json.tmp.${process.pid}`);
  }
  assert.deepEqual(leftOver(dir), [], 'no temp file is left');
  assert.deepEqual(
    leases().map((lease) => lease.name),
    ['a', 'b'],
  );
});
