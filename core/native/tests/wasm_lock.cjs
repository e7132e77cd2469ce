// The registry lock as the wasm engine's host takes it (Node's fs and child_process only,
// no native code), so that it excludes, and is excluded by, portplan-native's kernel lock
// (std's File::try_lock: flock(2) on Linux and macOS, LockFileEx on Windows).
// README.md "The lock from the wasm engine" says why each platform's way is the same lock.
//
//   node wasm_lock.cjs hold PATH   prints "locked" (then holds it until stdin closes or the
//                                  process is killed), "busy", or "error CODE".
'use strict';
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const C = fs.constants;
const O_EXLOCK_DARWIN = 0x20; // <sys/fcntl.h>; the same F_FLOCK lock as flock(2) in XNU
const UV_FS_O_EXLOCK_WIN32 = 0x10000000; // libuv: CreateFileW with share mode 0
const FLOCK_BUSY = 75; // flock(1) --conflict-exit-code (EX_TEMPFAIL)

/** Opens (or creates, 0600) the lock file: never through a link, never blocking, and a
 * regular file only. Windows has no O_NOFOLLOW in Node: the host lstat()s first there. */
function openLockFile(path, extra) {
  const flags =
    C.O_RDWR | C.O_CREAT | (C.O_NOFOLLOW ?? 0) | (C.O_NONBLOCK ?? 0) | (C.O_NOCTTY ?? 0) | extra;
  const fd = fs.openSync(path, flags, 0o600);
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw Object.assign(new Error('the lock file is not a regular file'), { code: 'EFTYPE' });
  }
  return fd;
}

/** The lock's file descriptor when taken (closing it releases the lock), null when another
 * process holds it; throws otherwise. */
function tryLock(path) {
  if (process.platform === 'darwin') {
    // open(2) with O_EXLOCK|O_NONBLOCK: flock(LOCK_EX|LOCK_NB) at open, EAGAIN when held.
    try {
      return openLockFile(path, O_EXLOCK_DARWIN);
    } catch (error) {
      if (error.code === 'EAGAIN' || error.code === 'EWOULDBLOCK') return null;
      throw error;
    }
  }
  if (process.platform === 'win32') {
    // Share mode 0: fails with a sharing violation (EBUSY) while any other handle is open,
    // and makes every other open fail while held (portplan-native: `taken: false`).
    try {
      return openLockFile(path, UV_FS_O_EXLOCK_WIN32);
    } catch (error) {
      if (error.code === 'EBUSY') return null;
      throw error;
    }
  }
  // Linux (and other Unix): flock(1) locks the open file description Node hands it as its
  // fd 3, and exits; the lock stays with that description, which Node's fd keeps open, so
  // it lives exactly as long as this process' fd (the kernel drops it when Node dies).
  const fd = openLockFile(path, 0);
  const run = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(FLOCK_BUSY), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
  });
  if (run.status === 0) return fd;
  fs.closeSync(fd);
  if (run.status === FLOCK_BUSY) return null;
  const why = run.error ? run.error.message : String(run.stderr).trim();
  throw Object.assign(new Error(`flock(1) failed: ${why}`), {
    code: run.error && run.error.code === 'ENOENT' ? 'ENOSYS' : 'ENOLCK',
  });
}

const [command, path] = process.argv.slice(2);
if (command !== 'hold' || !path) {
  console.error('usage: node wasm_lock.cjs hold PATH');
  process.exit(2);
}
let fd;
try {
  fd = tryLock(path);
} catch (error) {
  console.log(`error ${error.code}`);
  process.exit(1);
}
if (fd === null) {
  console.log('busy');
  process.exit(0);
}
console.log('locked');
process.stdin.resume();
process.stdin.on('end', () => fs.closeSync(fd));
