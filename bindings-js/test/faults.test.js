// The registry under faults (issue 17, SPEC v3 §9 "The lock is the kernel's", §7 "Writes",
// "Messages"): a live holder keeps its lock however long it holds it and is named after 10 s,
// a dead one never keeps it, hostile files are clear errors (never a hang, a spin or
// unbounded memory), nothing is left behind, nothing is written before every check passed.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile, execFileSync } = require('node:child_process');
const { port, leases, RegistryError } = require('..');
const { cli, cliWith, holdLock, leftOver, lockIsFree, privateRegistry, project } = require('./helpers.js');

const CONFIG = 'range = [43000, 43999]\nexclude = []\n';
// Each hostile-file case must end quickly; a hang or spin fails here instead of stalling.
const LIMIT = { timeout: 15_000 };
const NO_SIGSTOP = process.platform === 'win32' && 'Windows has no SIGSTOP: the holder here is a suspended process';
const NO_FIFO = process.platform === 'win32' && 'Windows has no FIFOs (mkfifo)';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A registry folder that exists, and a project using CONFIG. */
function setup(name = 'faults') {
  const file = privateRegistry();
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    file,
    dir,
    lock: path.join(dir, 'registry.lock'),
    owner: path.join(dir, 'registry.owner'),
    cwd: project({ 'portplan.toml': CONFIG }, name),
  };
}

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise, ms) {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await sleep(ms);
  return !settled;
}

/** The CLI in a child that is killed after 10 s: a hang or a spin fails the test instead of
 * stalling it (an in-process call that blocks in open() would block the test runner too). */
function cliLimited(cwd, ...args) {
  const got = cliWith({ cwd, timeout: 10_000 }, ...args);
  assert.equal(got.signal, undefined, `portplan ${args.join(' ')} did not finish within 10 s`);
  return got;
}

/** The CLI as a child process that may wait (`execFile`): resolves with its result. */
function cliLater(cwd, ...args) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(__dirname, '..', 'bin', 'portplan.js'), ...args],
      { cwd },
      (error, out, err) => resolve({ code: error ? error.code : 0, out, err }),
    );
  });
}

test('a suspended holder keeps its lock however long: no lost lease, no port given twice', {
  skip: NO_SIGSTOP,
}, async () => {
  const { file, dir, lock, owner, cwd } = setup('suspended');
  const holder = await holdLock(lock, { owner });
  try {
    assert.equal(holder.taken, true);
    // Stopped (Ctrl-Z, a debugger, a lid): its lock stays its own.
    holder.stop('SIGSTOP');
    const api = port('web', { cwd, probe: false });
    const command = cliLater(cwd, 'get', 'api', '--no-probe');
    assert.ok(await pendingAfter(api, 1500), 'port() waits for the live holder');
    assert.equal(fs.existsSync(file), false, 'nothing was written while the holder lives');
    // The holder dies (here: killed while stopped): the kernel releases its lock, both callers
    // go on, one after the other.
    await holder.kill();
    const web = await api;
    const got = await command;
    assert.equal(got.code, 0, got.err);
    const apiPort = Number(got.out);
    assert.notEqual(web, apiPort);
    assert.deepEqual(
      leases()
        .map((lease) => [lease.name, lease.port])
        .sort(),
      [
        ['api', apiPort],
        ['web', web],
      ],
    );
    assert.deepEqual(leftOver(dir), []);
  } finally {
    await holder.kill();
  }
});

test('a holder that keeps the lock for 10 s is named in the locked error', { timeout: 30_000 }, async () => {
  const { lock, owner, cwd } = setup('locked');
  const holder = await holdLock(lock, { owner });
  try {
    await assert.rejects(port('web', { cwd, probe: false }), (error) => {
      assert.ok(error instanceof RegistryError, String(error));
      assert.match(error.message, new RegExp(`locked by pid ${holder.pid} on ${os.hostname()}`));
      return true;
    });
  } finally {
    await holder.release();
  }
});

test('the other engine holds the lock: this one waits, and goes on once it is let go', async () => {
  const { lock, cwd } = setup('engines');
  const other = require('..').engine === 'native' ? 'wasm' : 'native';
  const holder = await holdLock(lock, { engine: other });
  assert.equal(holder.taken, true, `the ${other} engine took the lock`);
  try {
    const api = port('web', { cwd, probe: false });
    assert.ok(await pendingAfter(api, 500), `waits for the ${other} engine's lock`);
    await holder.release();
    assert.equal(typeof (await api), 'number');
  } finally {
    await holder.kill();
  }
});

const lockWords = (lock, what) => new RegExp(`^the lock ${lock} ${what}`);
const registryWords = (file, what) => new RegExp(`^the registry ${file} ${what}`);

test('a FIFO as the lock is a clear error at once, not a hang', { ...LIMIT, skip: NO_FIFO }, async () => {
  const { lock, cwd } = setup('fifo');
  execFileSync('mkfifo', [lock]);
  const got = cliLimited(cwd, 'get', 'web', '--no-probe');
  assert.equal(got.code, 1);
  assert.match(got.err, /^portplan: error: the lock .*registry\.lock is a FIFO \(named pipe\), not a regular file/);
  await assert.rejects(port('web', { cwd, probe: false }), (error) => {
    assert.ok(error instanceof RegistryError);
    assert.match(error.message, lockWords(lock, 'is a FIFO'));
    return true;
  });
  assert.ok(fs.statSync(lock).isFIFO(), 'left for the user to remove');
});

test('a dangling symlink as the lock is a clear error at once, not a spin', LIMIT, async () => {
  const { lock, cwd } = setup('dangling');
  fs.symlinkSync(path.join(path.dirname(lock), 'nowhere'), lock);
  assert.match(cliLimited(cwd, 'get', 'web', '--no-probe').err, /^portplan: error: the lock .* is a symbolic link/);
  await assert.rejects(port('web', { cwd, probe: false }), (error) => {
    assert.match(error.message, lockWords(lock, 'is a symbolic link'));
    return error instanceof RegistryError;
  });
  assert.equal(fs.existsSync(path.join(path.dirname(lock), 'nowhere')), false, 'nothing created through the link');
});

test('a symlink to /dev/zero as the lock or the registry is a clear error, memory bounded', {
  ...LIMIT,
  skip: process.platform === 'win32' && 'Windows has no /dev/zero',
}, async () => {
  const { file, lock, cwd } = setup('zero');
  fs.symlinkSync('/dev/zero', lock);
  assert.match(cliLimited(cwd, 'get', 'web', '--no-probe').err, /^portplan: error: the lock .* is a symbolic link/);
  await assert.rejects(port('web', { cwd, probe: false }), { message: lockWords(lock, 'is a symbolic link') });
  fs.rmSync(lock);
  // The registry, read with the lock (get) and without it (plan, ls).
  fs.symlinkSync('/dev/zero', file);
  for (const args of [['get', 'web', '--no-probe'], ['plan', '--no-probe'], ['ls']]) {
    assert.match(cliLimited(cwd, ...args).err, /^portplan: error: the registry .* is a symbolic link/);
  }
  await assert.rejects(port('web', { cwd, probe: false }), { message: registryWords(file, 'is a symbolic link') });
});

test('a FIFO or a directory as the registry is a clear error, the lock released', {
  ...LIMIT,
  skip: NO_FIFO,
}, async () => {
  const { file, lock, cwd } = setup('fiforeg');
  execFileSync('mkfifo', [file]);
  assert.match(cliLimited(cwd, 'ls').err, /^portplan: error: the registry .* is a FIFO/);
  await assert.rejects(port('web', { cwd, probe: false }), { message: registryWords(file, 'is a FIFO') });
  fs.rmSync(file);
  fs.mkdirSync(file);
  await assert.rejects(port('web', { cwd, probe: false }), { message: registryWords(file, 'is a directory') });
  assert.ok(lockIsFree(lock), 'the lock was released');
});

test("hostile owner texts and lock contents are never judged: the lock's holder alone counts", LIMIT, async () => {
  const { lock, owner, cwd } = setup('hostile');
  const cases = [
    ['nested 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['pid of 2**63', `{"pid": 9223372036854775808, "host": ${JSON.stringify(os.hostname())}, "time": 1}`],
    ['time NaN', '{"pid": 1, "host": "x", "time": NaN}'],
    ['not an object', '[1, 2, 3]'],
    ['a huge text', 'x'.repeat(50_000)],
  ];
  for (const [index, [what, text]] of cases.entries()) {
    // Written by a process that died: nobody holds the lock.
    fs.writeFileSync(owner, text);
    fs.writeFileSync(lock, text);
    assert.equal(typeof (await port(`web-${index}`, { cwd, probe: false })), 'number', what);
    const got = cli(cwd, 'get', 'web', '--no-probe');
    assert.equal(got.code, 0, `${what}: ${got.err}`);
  }
});

test('hostile owner text of a live holder: the locked error is short and one line', { timeout: 30_000 }, async () => {
  const { lock, owner, cwd } = setup('hostileheld');
  const holder = await holdLock(lock);
  try {
    fs.writeFileSync(owner, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    await assert.rejects(port('web', { cwd, probe: false }), (error) => {
      assert.ok(error instanceof RegistryError);
      assert.ok(error.message.length < 400, `the message quotes a short excerpt: ${error.message.length}`);
      assert.equal(error.message.split('\n').length, 1);
      return true;
    });
  } finally {
    await holder.release();
  }
});

test('kill -9 with a temp file present: the next write removes it', async () => {
  const { file, dir, cwd } = setup('killed');
  // A writer killed while its temp file exists.
  const script = `require('fs').writeFileSync(process.argv[1] + '.tmp.' + process.pid, 'x'.repeat(100000)); console.log('ready'); setInterval(() => {}, 1000);`;
  const { spawn } = require('node:child_process');
  const writer = spawn(process.execPath, ['-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => writer.stdout.once('data', resolve));
  const left = `registry.json.tmp.${writer.pid}`;
  assert.ok(fs.existsSync(path.join(dir, left)));
  await new Promise((resolve) => {
    writer.once('exit', resolve);
    writer.kill('SIGKILL');
  });
  // Under the lock no other writer is between its temp file and its rename: every temp file
  // found there was left by a writer that died.
  fs.writeFileSync(path.join(dir, 'registry.json.tmp.1.older-form'), '');
  await port('web', { cwd, probe: false });
  assert.deepEqual(leftOver(dir), []);
  // The CLI does the same.
  fs.writeFileSync(path.join(dir, `registry.json.tmp.${writer.pid}`), '');
  assert.equal(cli(cwd, 'get', 'api', '--no-probe').code, 0);
  assert.deepEqual(leftOver(dir), []);
});

test('a huge unknown key in the registry is reported in a short message', async () => {
  const { file, cwd } = setup('hugekey');
  const key = 'k'.repeat(5_000_000);
  fs.writeFileSync(file, `{"version": 2, "leases": [], ${JSON.stringify(key)}: 1}`, { mode: 0o600 });
  await assert.rejects(port('web', { cwd, probe: false }), (error) => {
    assert.ok(error.message.length < 1000, `message of ${error.message.length} characters`);
    assert.ok(error.message.includes(file));
    return error instanceof RegistryError;
  });
  const got = cli(cwd, 'ls');
  assert.equal(got.code, 1);
  assert.ok(got.err.length < 1000, `stderr of ${got.err.length} characters`);
  assert.equal(got.err.split('\n').length, 2, 'one line');
});

test('get -- --help asks for the service --help; run NAME -- CMD still runs CMD', () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': `${CONFIG}[services]\n"--help" = true\n` }, 'dashes');
  const got = cli(cwd, 'get', '--no-probe', '--', '--help');
  assert.equal(got.code, 0, got.err);
  assert.match(got.out, /^\d+\n$/);
  assert.deepEqual(
    leases().map((lease) => lease.name),
    ['--help'],
  );
  const run = cli(
    cwd,
    'run',
    '--no-probe',
    '--',
    '--help',
    '--',
    process.execPath,
    '-e',
    'console.log(process.env.PORT)',
  );
  assert.equal(run.code, 0, run.err);
  assert.equal(run.out, got.out);
});

test('env with colliding variable names fails before writing anything', () => {
  const file = privateRegistry();
  const cwd = project({ 'portplan.toml': `${CONFIG}[services]\nmy-api = true\nmy_api = true\n` }, 'collide');
  const got = cli(cwd, 'env', '--no-probe');
  assert.equal(got.code, 2, got.err);
  assert.match(got.err, /MY_API_PORT/);
  assert.equal(fs.existsSync(file), false, 'no lease written');
  // With a registry already there, its bytes stay.
  assert.equal(cli(cwd, 'get', 'my-api', '--no-probe').code, 0);
  const before = fs.readFileSync(file, 'utf8');
  assert.equal(cli(cwd, 'env', '--no-probe').code, 2);
  assert.equal(fs.readFileSync(file, 'utf8'), before);
  assert.deepEqual(leftOver(path.dirname(file)), []);
});

test('a full disk leaves no temp file behind, and is worded by the core', LIMIT, async (t) => {
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'portplan-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mount], { stdio: 'ignore' });
  } catch {
    fs.rmdirSync(mount);
    t.skip('cannot mount a small tmpfs here (needs root)');
    return;
  }
  try {
    process.env.PORTPLAN_HOME = mount;
    const cwd = project(
      {
        'portplan.toml': `${CONFIG}[services]\n${Array.from({ length: 500 }, (_, i) => `s${i} = true`).join('\n')}\n`,
      },
      'full',
    );
    // Fill the disk but for a few bytes: the lock's owner text or the registry cannot be written.
    const filler = path.join(mount, 'filler');
    try {
      fs.writeFileSync(filler, Buffer.alloc(1 << 20));
    } catch {
      // ENOSPC: the filler took what there was.
    }
    for (const args of [
      ['get', 's1', '--no-probe'],
      ['env', '--no-probe'],
    ]) {
      const got = cli(cwd, ...args);
      assert.equal(got.code, 1, got.err);
      assert.match(got.err, /^portplan: error: cannot (lock|write) /);
      assert.doesNotMatch(got.err, /Errno|ENOSPC:/);
      assert.deepEqual(leftOver(mount), ['filler'], 'nothing left behind');
    }
    // Room for the lock but not for the registry: the temp file goes, and so does the lock.
    fs.truncateSync(filler, fs.statSync(filler).size - 8192);
    const got = cli(cwd, 'env', '--no-probe');
    assert.equal(got.code, 1, got.err);
    assert.match(got.err, /^portplan: error: cannot write /);
    assert.deepEqual(leftOver(mount), ['filler'], 'nothing left behind');
  } finally {
    execFileSync('umount', [mount]);
    fs.rmdirSync(mount);
  }
});

test('a lease used in the future (a clock that jumped ahead) is kept', async () => {
  const { file, cwd } = setup('future');
  const web = await port('web', { cwd, probe: false });
  const registry = JSON.parse(fs.readFileSync(file, 'utf8'));
  const future = Math.floor(Date.now() / 1000) + 31 * 86_400;
  for (const lease of registry.leases) lease.used = future;
  fs.writeFileSync(file, JSON.stringify(registry), { mode: 0o600 });
  await port('api', { cwd, probe: false });
  assert.deepEqual(
    leases()
      .map((lease) => lease.name)
      .sort(),
    ['api', 'web'],
  );
  assert.equal(await port('web', { cwd, probe: false }), web);
});
