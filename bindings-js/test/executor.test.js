// The wasm engine's executor (src/executor.ts: Node's fs, child_process and net) against the
// native engine's (portplan-native, through the addon's runEffect): each effect on the same
// files gives the same reply, down to the errno names, and their locks exclude each other
// across processes (core/native/README.md "The lock from the wasm engine").
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Executor } = require('../dist/cjs/executor.js');
const { Locks } = require('../dist/cjs/lock.js');
const { platformNames } = require('../dist/cjs/engine.js');
const { holdLock, holdTcp, close, tempDir } = require('./helpers.js');

const addonFile = platformNames()
  .map((platform) => path.join(__dirname, '..', 'native', `portplan.${platform}.node`))
  .find((file) => fs.existsSync(file));
const addon = require(addonFile);

/** The native executor's reply to `effect`. */
const native = (effect) => JSON.parse(addon.runEffect(JSON.stringify(effect)));

/** The wasm engine's executor's reply to `effect` (its session bookkeeping left out). */
const wasm = (effect) => new Executor().run(effect);

/** A reply without the OS's words for its errors: libuv words an errno otherwise than the C
 * library (`file already exists`, `File exists`), and the core words the common ones itself. */
function coded(reply) {
  return JSON.parse(JSON.stringify(reply, (key, value) => (key === 'reason' ? undefined : value)));
}

/** Both executors' replies to an effect that changes nothing, which must be equal. */
async function same(effect) {
  const ours = await wasm(effect);
  assert.deepEqual(coded(ours), coded(native(effect)), JSON.stringify(effect));
  return ours;
}

/** A folder holding one of each kind of thing. */
function sandbox() {
  const dir = tempDir('portplan-effects-');
  fs.writeFileSync(path.join(dir, 'file'), 'hello\n', { mode: 0o640 });
  fs.chmodSync(path.join(dir, 'file'), 0o640);
  fs.writeFileSync(path.join(dir, 'bad-utf8'), Buffer.from([0x61, 0xff, 0x62]));
  fs.writeFileSync(path.join(dir, 'cut'), 'aé');
  fs.mkdirSync(path.join(dir, 'folder'));
  fs.symlinkSync('file', path.join(dir, 'link'));
  fs.symlinkSync('nowhere', path.join(dir, 'dangling'));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  return dir;
}

test('read: files, links, FIFOs, folders, limits and bad UTF-8 alike', async () => {
  const dir = sandbox();
  const at = (name) => path.join(dir, name);
  for (const name of ['file', 'bad-utf8', 'folder', 'link', 'dangling', 'fifo', 'missing', 'file/below']) {
    for (const follow of [false, true]) await same({ do: 'read', path: at(name), limit: 1024, follow });
  }
  const file = await same({ do: 'read', path: at('file'), limit: 1024, follow: false });
  assert.deepEqual(file, {
    did: 'read',
    is: 'file',
    text: 'hello\n',
    utf8: true,
    longer: false,
    uid: process.getuid(),
    mode: 0o640,
  });
  assert.equal((await same({ do: 'read', path: at('file'), limit: 3, follow: false })).text, 'hel');
  assert.deepEqual(await same({ do: 'read', path: at('fifo'), limit: 9, follow: false }), {
    did: 'read',
    is: 'not_file',
    kind: 'fifo',
  });
  const bad = await same({ do: 'read', path: at('bad-utf8'), limit: 9, follow: false });
  assert.deepEqual([bad.text, bad.utf8], ['a\ufffdb', false]);
  // A character cut by the limit is not bad UTF-8: it is left out.
  const cut = await same({ do: 'read', path: at('cut'), limit: 2, follow: false });
  assert.deepEqual([cut.text, cut.utf8, cut.longer], ['a', true, true]);
});

test('stat, realpath and list alike', async () => {
  const dir = sandbox();
  const names = ['file', 'folder', 'link', 'dangling', 'fifo', 'missing', 'file/below'];
  for (const follow of [false, true]) {
    await same({ do: 'stat', paths: names.map((name) => path.join(dir, name)), follow });
  }
  assert.deepEqual(await same({ do: 'realpath', path: path.join(dir, 'link') }), {
    did: 'path',
    path: path.join(dir, 'file'),
    error: null,
  });
  const missing = await same({ do: 'realpath', path: path.join(dir, 'dangling') });
  assert.equal(missing.error.code, 'ENOENT');
  fs.writeFileSync(path.join(dir, 'file.b'), '');
  fs.writeFileSync(path.join(dir, 'file.a'), '');
  assert.deepEqual((await same({ do: 'list', dir, prefix: 'file.' })).names, ['file.a', 'file.b']);
  await same({ do: 'list', dir: path.join(dir, 'missing'), prefix: '' });
  await same({ do: 'list', dir: path.join(dir, 'file'), prefix: '' });
});

/** Runs a changing effect in two copies of one sandbox, one per executor: the same replies,
 * and the same files after. */
async function alike(prepare, effects) {
  const dirs = [tempDir('portplan-effects-'), tempDir('portplan-effects-')];
  for (const dir of dirs) prepare(dir);
  const replies = [[], []];
  const executor = new Executor();
  for (const effect of effects) {
    replies[0].push(await executor.run(effect(dirs[0])));
    replies[1].push(native(effect(dirs[1])));
  }
  assert.deepEqual(coded(replies[0]), coded(replies[1]));
  const listing = (dir) =>
    fs
      .readdirSync(dir, { recursive: true })
      .sort()
      .map((name) => {
        const stat = fs.lstatSync(path.join(dir, name));
        return [name, stat.mode, stat.isFile() ? fs.readFileSync(path.join(dir, name), 'utf8') : null];
      });
  assert.deepEqual(listing(dirs[0]), listing(dirs[1]));
  return replies[0];
}

test('make_dir, create, copy_owner, rename and remove alike', async () => {
  const replies = await alike(
    (dir) => {
      fs.writeFileSync(path.join(dir, 'model'), 'x', { mode: 0o604 });
      fs.chmodSync(path.join(dir, 'model'), 0o604);
      fs.symlinkSync('nowhere', path.join(dir, 'dangling'));
    },
    [
      (dir) => ({ do: 'make_dir', path: path.join(dir, 'a', 'b') }),
      (dir) => ({ do: 'make_dir', path: path.join(dir, 'model') }),
      (dir) => ({ do: 'create', path: path.join(dir, 'a', 'new'), text: 'text é', mode: 0o600, sync: true }),
      (dir) => ({ do: 'create', path: path.join(dir, 'a', 'new'), text: 'again', mode: 0o600, sync: false }),
      (dir) => ({ do: 'create', path: path.join(dir, 'dangling'), text: 'through', mode: 0o600, sync: false }),
      (dir) => ({ do: 'copy_owner', path: path.join(dir, 'a', 'new'), like: path.join(dir, 'model') }),
      (dir) => ({ do: 'rename', from: path.join(dir, 'a', 'new'), to: path.join(dir, 'renamed') }),
      (dir) => ({ do: 'rename', from: path.join(dir, 'a', 'new'), to: path.join(dir, 'renamed') }),
      (dir) => ({ do: 'remove', path: path.join(dir, 'dangling') }),
      (dir) => ({ do: 'remove', path: path.join(dir, 'dangling') }),
    ],
  );
  assert.deepEqual(
    replies.map((reply) => reply.error?.code ?? null),
    [null, 'EEXIST', null, 'EEXIST', 'EEXIST', null, null, 'ENOENT', null, 'ENOENT'],
  );
});

test('a session ends with its temporary files removed and its locks released', async () => {
  const dir = tempDir('portplan-effects-');
  const executor = new Executor();
  await executor.run({ do: 'create', path: path.join(dir, 'temp'), text: 'x', mode: 0o600, sync: false });
  await executor.run({ do: 'create', path: path.join(dir, 'kept'), text: 'x', mode: 0o600, sync: false });
  await executor.run({ do: 'rename', from: path.join(dir, 'kept'), to: path.join(dir, 'final') });
  assert.equal((await executor.run({ do: 'lock', path: path.join(dir, 'lock') })).taken, true);
  executor.cleanUp();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['final', 'lock']);
  assert.equal(native({ do: 'lock', path: path.join(dir, 'lock') }).taken, true, 'released');
  native({ do: 'unlock', path: path.join(dir, 'lock') });
});

test('lock: a regular file is locked; a link, FIFO or folder is refused with the native words', async () => {
  const dir = sandbox();
  for (const name of ['link', 'dangling', 'fifo', 'folder']) {
    const effect = { do: 'lock', path: path.join(dir, name), hold: false };
    const reply = await wasm(effect);
    assert.deepEqual(coded(reply), coded(native(effect)), name);
    assert.equal(reply.taken, false);
  }
  assert.equal((await wasm({ do: 'lock', path: path.join(dir, 'fifo') })).error.code, 'EFTYPE');
  assert.equal((await wasm({ do: 'lock', path: path.join(dir, 'dangling') })).error.code, 'ELOOP');
  assert.equal(fs.existsSync(path.join(dir, 'nowhere')), false, 'nothing created through the link');
  // Unlocking what is not held is EBADF in both.
  const unlock = { do: 'unlock', path: path.join(dir, 'file') };
  assert.deepEqual(coded(await wasm(unlock)), coded(native(unlock)));
  assert.equal((await wasm(unlock)).error.code, 'EBADF');
  // A new lock file is created 0600.
  const locks = new Locks();
  assert.equal(locks.lock(path.join(dir, 'new.lock')).taken, true);
  assert.equal(fs.statSync(path.join(dir, 'new.lock')).mode & 0o777, 0o600);
  locks.releaseAll();
});

test('the two engines exclude each other across processes, and a SIGKILLed holder frees the lock', async () => {
  const dir = tempDir('portplan-effects-');
  const lock = path.join(dir, 'registry.lock');
  for (const [holding, asking] of [
    ['wasm', 'native'],
    ['native', 'wasm'],
  ]) {
    const holder = await holdLock(lock, { engine: holding });
    assert.equal(holder.taken, true, `${holding} takes it`);
    const other = await holdLock(lock, { engine: asking });
    assert.equal(other.taken, false, `${asking} finds it held by ${holding}`);
    await other.release();
    // In this process too, by either executor.
    assert.equal((await wasm({ do: 'lock', path: lock })).taken, false);
    assert.equal(native({ do: 'lock', path: lock }).taken, false);
    await holder.kill();
    const next = await holdLock(lock, { engine: asking });
    assert.equal(next.taken, true, `${asking} takes it once ${holding} was killed`);
    await next.release();
  }
});

test('a lock held for the process is taken again at once by its holder, and kept past the session', async () => {
  const dir = tempDir('portplan-effects-');
  const slot = path.join(dir, 'slot.lock');
  const first = new Executor();
  assert.equal((await first.run({ do: 'lock', path: slot, hold: true })).taken, true);
  first.cleanUp();
  assert.equal((await new Executor().run({ do: 'lock', path: slot, hold: true })).taken, true, 'again at once');
  const other = await holdLock(slot, { engine: 'native' });
  assert.equal(other.taken, false, 'still held after the session');
  await other.release();
});

test('clock, who, which and git', async () => {
  const clock = await wasm({ do: 'clock' });
  assert.ok(Math.abs(clock.ms - native({ do: 'clock' }).ms) < 5000);
  assert.deepEqual(await wasm({ do: 'who', ports: [1] }), { did: 'who', listeners: [], known: false });
  assert.deepEqual(await same({ do: 'which', command: 'git' }), {
    did: 'path',
    path: execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(),
    error: null,
  });
  await same({ do: 'which', command: 'portplan-no-such-command' });
  await same({ do: 'which', command: process.execPath });
  const repo = tempDir('portplan-git-');
  execFileSync('git', ['init', '-q', '-b', 'topic'], { cwd: repo });
  assert.deepEqual(await same({ do: 'git', cwd: repo, args: ['symbolic-ref', '--short', 'HEAD'] }), {
    did: 'output',
    stdout: 'topic\n',
  });
  await same({ do: 'git', cwd: repo, args: ['rev-parse', 'HEAD'] });
});

test('probe: a listener makes its port busy for both, a free port is free for both', async () => {
  const server = await holdTcp(0);
  const busy = server.address().port;
  try {
    const effect = { do: 'probe', ports: [busy], server: true };
    assert.deepEqual(await wasm(effect), { did: 'probe', free: [false] });
    assert.deepEqual(native(effect), { did: 'probe', free: [false] });
  } finally {
    await close(server);
  }
  const effect = { do: 'probe', ports: [busy], server: true };
  assert.deepEqual(await wasm(effect), { did: 'probe', free: [true] });
});

test('the effects of the host language are not the native executor’s', () => {
  for (const effect of [
    { do: 'sleep', ms: 1 },
    { do: 'print', stream: 'stdout', text: '' },
    { do: 'spawn', argv: ['true'], env: {}, forward: [] },
    { do: 'listen', port: 1, host: null },
  ]) {
    assert.equal(addon.runEffect(JSON.stringify(effect)), null, effect.do);
  }
});
