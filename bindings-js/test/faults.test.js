// The registry under faults (issue 17, SPEC v2 §7 "Writes", "Messages"): live owners keep
// their lock however old, hostile files are clear errors (never a hang, a spin or unbounded
// memory), nothing is left behind, nothing is written before every check passed.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile, execFileSync, spawn } = require('node:child_process');
const { port, leases, RegistryError } = require('..');
const { engine } = require('../dist/cjs/engine.js');
const { cli, cliWith, privateRegistry, project } = require('./helpers.js');

const CONFIG = 'range = [43000, 43999]\nexclude = []\n';
// Each hostile-file case must end quickly; a hang or spin fails here instead of stalling.
const LIMIT = { timeout: 15_000 };
// Platform guards: the owners of the lock tests below are suspended processes (SIGSTOP), and
// some hostile files are FIFOs; Windows has neither.
const NO_SIGSTOP = process.platform === 'win32' && 'Windows has no SIGSTOP: the owner here is a suspended process';
const NO_FIFO = process.platform === 'win32' && 'Windows has no FIFOs (mkfifo)';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A registry folder that exists, and a project using CONFIG. */
function setup(name = 'faults') {
  const file = privateRegistry();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return { file, lock: `${file}.lock`, cwd: project({ 'portplan.toml': CONFIG }, name) };
}

/** A live process of this host, stopped (a suspended owner: Ctrl-Z, a debugger, a lid). */
function stoppedProcess() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  child.kill('SIGSTOP');
  return child;
}

/** Ends a child started by a test and waits until its pid is gone. */
function endChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A pid that no longer exists: a child that has exited. */
function deadPid() {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['-e', '']);
    child.on('exit', () => resolve(child.pid));
  });
}

const ownerText = (pid, time = Date.now(), host = os.hostname()) => JSON.stringify({ pid, host, time });

/** Sets a file's mtime `ms` in the past. */
const age = (file, ms) => {
  const then = new Date(Date.now() - ms);
  fs.utimesSync(file, then, then);
};

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

/** The core's own message for a host error (what both languages print). */
const coreWords = (request) => engine().call('host_error', request).error.message;

test('a suspended owner keeps its lock however old its time: no lost lease, no port given twice', {
  skip: NO_SIGSTOP,
}, async () => {
  const { file, lock, cwd } = setup('suspended');
  const owner = stoppedProcess();
  try {
    // The owner took the lock 60 s ago and is stopped: the old 30 s rule broke it.
    const held = ownerText(owner.pid, Date.now() - 60_000);
    fs.writeFileSync(lock, held);
    age(lock, 60_000);
    const api = port('web', { cwd, probe: false });
    const command = new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(__dirname, '..', 'bin', 'portplan.js'), 'get', 'api', '--no-probe'],
        { cwd },
        (error, out, err) => resolve({ code: error ? error.code : 0, out, err }),
      );
    });
    assert.ok(await pendingAfter(api, 1500), 'port() waits for the live owner');
    assert.equal(fs.readFileSync(lock, 'utf8'), held, 'the lock of a live owner is never broken');
    assert.equal(fs.existsSync(file), false, 'nothing was written while the owner lives');
    // The owner resumes and finishes (here: it is gone): both callers go on, one after the other.
    owner.kill('SIGCONT');
    await endChild(owner);
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
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['registry.json']);
  } finally {
    await endChild(owner);
  }
});

test('a live owner held for 10 s is named in the locked error, its lock untouched', {
  timeout: 30_000,
  skip: NO_SIGSTOP,
}, async () => {
  const { lock, cwd } = setup('locked');
  const owner = stoppedProcess();
  try {
    const held = ownerText(owner.pid, Date.now() - 3_600_000);
    fs.writeFileSync(lock, held);
    await assert.rejects(
      port('web', { cwd, probe: false }),
      (error) => error instanceof RegistryError && error.message.includes(String(owner.pid)),
    );
    assert.equal(fs.readFileSync(lock, 'utf8'), held);
  } finally {
    await endChild(owner);
  }
});

test('a delayed breaker: a break marker held by a live process is never deleted', { skip: NO_SIGSTOP }, async () => {
  const { file, lock, cwd } = setup('breaker');
  const breaker = stoppedProcess();
  try {
    // A stale lock (its owner is dead) that a slow breaker is breaking: its marker is old.
    fs.writeFileSync(lock, ownerText(await deadPid()));
    const marker = `${lock}.break`;
    const markerText = ownerText(breaker.pid, Date.now() - 60_000);
    fs.writeFileSync(marker, markerText);
    age(marker, 60_000);
    const api = port('web', { cwd, probe: false });
    assert.ok(await pendingAfter(api, 1500), 'waits for the live breaker');
    assert.equal(fs.readFileSync(marker, 'utf8'), markerText, 'the marker of a live breaker stays');
    assert.ok(fs.existsSync(lock));
    // The breaker dies: its marker is stale, the dead owner's lock is broken, the call goes on.
    await endChild(breaker);
    assert.equal(typeof (await api), 'number');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['registry.json'], 'no lock, marker or temp file left');
  } finally {
    await endChild(breaker);
  }
});

/** The `unsafe_lock` words of the core for `why`. */
const unsafeLockWords = (lock, why) => coreWords({ problem: 'unsafe_lock', path: lock, why });
const unsafeRegistryWords = (file, why) => coreWords({ problem: 'unsafe_registry', path: file, why });

test('a FIFO as the lock is a clear error at once, not a hang', { ...LIMIT, skip: NO_FIFO }, async () => {
  const { lock, cwd } = setup('fifo');
  execFileSync('mkfifo', [lock]);
  const got = cliLimited(cwd, 'get', 'web', '--no-probe');
  assert.equal(got.code, 1);
  assert.equal(got.err, `portplan: error: ${unsafeLockWords(lock, 'fifo')}\n`);
  await assert.rejects(port('web', { cwd, probe: false }), (error) => {
    assert.ok(error instanceof RegistryError);
    assert.equal(error.message, unsafeLockWords(lock, 'fifo'));
    return true;
  });
  assert.ok(fs.statSync(lock).isFIFO(), 'left for the user to remove');
});

test('a dangling symlink as the lock is a clear error at once, not a spin', LIMIT, async () => {
  const { lock, cwd } = setup('dangling');
  fs.symlinkSync(path.join(path.dirname(lock), 'nowhere'), lock);
  assert.equal(
    cliLimited(cwd, 'get', 'web', '--no-probe').err,
    `portplan: error: ${unsafeLockWords(lock, 'symlink')}\n`,
  );
  await assert.rejects(port('web', { cwd, probe: false }), (error) => {
    assert.equal(error.message, unsafeLockWords(lock, 'symlink'));
    return error instanceof RegistryError;
  });
});

test('a symlink to /dev/zero as the lock, marker or registry is a clear error, memory bounded', {
  ...LIMIT,
  skip: process.platform === 'win32' && 'Windows has no /dev/zero',
}, async () => {
  const { file, lock, cwd } = setup('zero');
  fs.symlinkSync('/dev/zero', lock);
  assert.equal(
    cliLimited(cwd, 'get', 'web', '--no-probe').err,
    `portplan: error: ${unsafeLockWords(lock, 'symlink')}\n`,
  );
  await assert.rejects(port('web', { cwd, probe: false }), { message: unsafeLockWords(lock, 'symlink') });
  fs.rmSync(lock);
  // The marker of a stale lock.
  fs.writeFileSync(lock, ownerText(await deadPid()));
  fs.symlinkSync('/dev/zero', `${lock}.break`);
  assert.equal(
    cliLimited(cwd, 'get', 'web', '--no-probe').err,
    `portplan: error: ${unsafeLockWords(`${lock}.break`, 'symlink')}\n`,
  );
  await assert.rejects(port('web', { cwd, probe: false }), { message: unsafeLockWords(`${lock}.break`, 'symlink') });
  fs.rmSync(`${lock}.break`);
  fs.rmSync(lock);
  // The registry, read with the lock (get) and without it (plan, ls).
  fs.symlinkSync('/dev/zero', file);
  for (const args of [['get', 'web', '--no-probe'], ['plan', '--no-probe'], ['ls']]) {
    assert.equal(cliLimited(cwd, ...args).err, `portplan: error: ${unsafeRegistryWords(file, 'symlink')}\n`);
  }
  await assert.rejects(port('web', { cwd, probe: false }), { message: unsafeRegistryWords(file, 'symlink') });
});

test('a FIFO or a directory as the registry is a clear error, the lock released', {
  ...LIMIT,
  skip: NO_FIFO,
}, async () => {
  const { file, lock, cwd } = setup('fiforeg');
  execFileSync('mkfifo', [file]);
  assert.equal(cliLimited(cwd, 'ls').err, `portplan: error: ${unsafeRegistryWords(file, 'fifo')}\n`);
  await assert.rejects(port('web', { cwd, probe: false }), { message: unsafeRegistryWords(file, 'fifo') });
  fs.rmSync(file);
  fs.mkdirSync(file);
  await assert.rejects(port('web', { cwd, probe: false }), { message: unsafeRegistryWords(file, 'directory') });
  assert.equal(fs.existsSync(lock), false);
});

/** The core's verdict error for a lock text (what Python prints for the same file). */
function verdictWords(lock, text, longer = false) {
  const answer = engine().call('lock_verdict', {
    path: lock,
    text,
    longer,
    this_host: os.hostname(),
    now: Date.now(),
    age_ms: 0,
    alive: null,
  });
  assert.ok(answer.error, `the core judges ${text.slice(0, 40)} hostile`);
  return answer.error.message;
}

test('hostile lock contents are the core errors, short, never broken nor waited on', LIMIT, async () => {
  const { lock, cwd } = setup('hostile');
  const cases = [
    ['nested 2,000 deep', `${'['.repeat(2000)}${']'.repeat(2000)}`],
    ['nested 100,000 deep (longer than 4096 bytes)', `${'['.repeat(4096)}`, true],
    ['pid of 2**63', `{"pid": 9223372036854775808, "host": ${JSON.stringify(os.hostname())}, "time": 1}`],
    ['time NaN', `{"pid": 1, "host": ${JSON.stringify(os.hostname())}, "time": NaN}`],
    ['not an object', '[1, 2, 3]'],
    ['a huge text', 'x'.repeat(4096), true],
  ];
  for (const [what, text, longer] of cases) {
    const written = longer
      ? text.startsWith('[')
        ? `${'['.repeat(100_000)}${']'.repeat(100_000)}`
        : 'x'.repeat(50_000)
      : text;
    fs.writeFileSync(lock, written);
    const words = verdictWords(lock, text, longer ?? false);
    assert.ok(words.length < 400, `${what}: the message quotes a short excerpt`);
    await assert.rejects(port('web', { cwd, probe: false }), (error) => {
      assert.equal(error.message, words, what);
      return error instanceof RegistryError;
    });
    const got = cli(cwd, 'get', 'web', '--no-probe');
    assert.equal(got.code, 1, what);
    assert.equal(got.err, `portplan: error: ${words}\n`, what);
    assert.equal(fs.readFileSync(lock, 'utf8'), written, `${what}: the lock is left as it was`);
  }
});

test('kill -9 with a temp file present: the next write removes it, a live writer keeps its own', async () => {
  const { file, cwd } = setup('killed');
  const dir = path.dirname(file);
  // A writer killed while its temp file exists.
  const script = `require('fs').writeFileSync(process.argv[1] + '.tmp.' + process.pid + '.0123456789abcdef', 'x'.repeat(100000)); console.log('ready'); setInterval(() => {}, 1000);`;
  const writer = spawn(process.execPath, ['-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => writer.stdout.once('data', resolve));
  const left = `registry.json.tmp.${writer.pid}.0123456789abcdef`;
  assert.ok(fs.existsSync(path.join(dir, left)));
  await endChild(writer);
  // A live writer's temp file (this process) and a file not named by the rule are kept.
  const live = `registry.json.tmp.${process.pid}.fedcba9876543210`;
  const other = 'registry.json.tmp.notes';
  fs.writeFileSync(path.join(dir, live), '');
  fs.writeFileSync(path.join(dir, other), '');
  await port('web', { cwd, probe: false });
  assert.deepEqual(fs.readdirSync(dir).sort(), [live, other, 'registry.json'].sort());
  // The CLI does the same.
  fs.writeFileSync(path.join(dir, `registry.json.tmp.${await deadPid()}.aa`), '');
  assert.equal(cli(cwd, 'get', 'api', '--no-probe').code, 0);
  assert.deepEqual(fs.readdirSync(dir).sort(), [live, other, 'registry.json'].sort());
});

test('a writer that lost its lock writes nothing and leaves no temp file', async () => {
  const { file, lock, cwd } = setup('lost');
  await port('web', { cwd, probe: false });
  const before = fs.readFileSync(file, 'utf8');
  const { updateRegistry } = require('../dist/cjs/registry.js');
  const thief = ownerText(process.ppid);
  await assert.rejects(
    updateRegistry(() => {
      // Another process took the lock meanwhile (as a breaker of an old rule would have).
      fs.writeFileSync(lock, thief);
      return { text: before.replace('"web"', '"www"'), result: null };
    }),
    (error) => {
      assert.equal(error.message, coreWords({ problem: 'lost_lock', path: lock }));
      return error instanceof RegistryError;
    },
  );
  assert.equal(fs.readFileSync(file, 'utf8'), before, 'nothing written');
  assert.equal(fs.readFileSync(lock, 'utf8'), thief, "the other owner's lock stays");
  fs.rmSync(lock);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['registry.json'], 'no temp file left');
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
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['registry.json']);
});

test('a full disk leaves no lock and no temp file behind, and is worded by the core', LIMIT, async (t) => {
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
      assert.deepEqual(fs.readdirSync(mount), ['filler'], 'nothing left behind');
    }
    // Room for the lock but not for the registry: the temp file goes, and so does the lock.
    fs.truncateSync(filler, fs.statSync(filler).size - 8192);
    const got = cli(cwd, 'env', '--no-probe');
    assert.equal(got.code, 1, got.err);
    assert.match(got.err, /^portplan: error: cannot write /);
    assert.deepEqual(fs.readdirSync(mount), ['filler'], 'nothing left behind');
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
