// The kernel's lock of a lock file, taken from Node without native code (the wasm engine's
// host), so that it excludes, and is excluded by, the native executor's lock
// (core/native/README.md "The lock from the wasm engine"; tests/wasm_lock.cjs):
// - Linux (and other Unix): Node opens the file; `flock(1)` locks the open file description
//   it shares as its fd 3 and exits. The lock lives as long as Node's descriptor.
// - macOS: open(2) with O_EXLOCK|O_NONBLOCK, the same flock lock, taken with the open.
// - Windows: an open with share mode 0 (libuv's UV_FS_O_EXLOCK), which fails with a sharing
//   violation while any other handle of the file is open.
// Closing the descriptor releases the lock; the kernel closes it when the process dies.
import fs = require('node:fs');

import { spawnSync } from 'node:child_process';
import type { Kind, OsError, Reply } from './core-types.js';
import { kindOf } from './files.js';
import { isMissing, osError, ownError } from './osError.js';

const C = fs.constants;
const O_EXLOCK_DARWIN = 0x20; // <sys/fcntl.h>
const UV_FS_O_EXLOCK_WIN32 = 0x10000000; // libuv src/win/fs.c: share mode 0
const FLOCK_BUSY = 75; // flock(1) --conflict-exit-code (EX_TEMPFAIL)

/** The lock was refused: held by another open file, or an error to report. */
class Refused {
  constructor(readonly error: OsError | null) {}
}

/** The native executor's words for a lock file that is not a regular file. */
function notAFile(kind: Kind): OsError {
  switch (kind) {
    case 'symlink':
      return ownError('ELOOP', 'the lock file is a symbolic link (a lock is never taken through a link)');
    case 'directory':
      return ownError('EISDIR', 'the lock file is a folder');
    case 'fifo':
      return ownError('EFTYPE', 'the lock file is a FIFO, not a regular file');
    case 'socket':
      return ownError('EFTYPE', 'the lock file is a socket, not a regular file');
    case 'device':
      return ownError('EFTYPE', 'the lock file is a device, not a regular file');
    default:
      return ownError('EFTYPE', 'the lock file is not a regular file');
  }
}

function lstatKind(path: string): Kind | undefined {
  try {
    const stat = fs.lstatSync(path, { throwIfNoEntry: false });
    return stat === undefined ? undefined : kindOf(stat);
  } catch {
    return undefined;
  }
}

/** Why the open failed: what is there when it is not a file, else the OS's error. */
function refusedOpen(path: string, error: unknown): Refused {
  if (!isMissing(error)) {
    const kind = lstatKind(path);
    if (kind !== undefined && kind !== 'file' && kind !== 'directory') return new Refused(notAFile(kind));
  }
  return new Refused(osError(error));
}

/** Opens (or creates, 0600) the lock file never through a link and without blocking, and
 * checks that it is a regular file. `extra`: the platform's lock flag. */
function openLockFile(path: string, extra: number, busyCodes: string[]): number {
  // Windows' open follows links (no O_NOFOLLOW): the link is looked at first.
  if (process.platform === 'win32' && lstatKind(path) === 'symlink') throw new Refused(notAFile('symlink'));
  const flags = C.O_RDWR | C.O_CREAT | (C.O_NOFOLLOW ?? 0) | (C.O_NONBLOCK ?? 0) | (C.O_NOCTTY ?? 0) | extra;
  let fd: number;
  try {
    fd = fs.openSync(path, flags, 0o600);
  } catch (error) {
    if (busyCodes.includes((error as NodeJS.ErrnoException).code ?? '')) throw new Refused(null);
    throw refusedOpen(path, error);
  }
  let kind: Kind;
  try {
    kind = kindOf(fs.fstatSync(fd));
  } catch (error) {
    fs.closeSync(fd);
    throw new Refused(osError(error));
  }
  if (kind !== 'file') {
    fs.closeSync(fd);
    throw new Refused(notAFile(kind));
  }
  return fd;
}

/** flock(1) on `fd`'s open file description: true taken, false held elsewhere. */
function flockDescriptor(fd: number): boolean {
  const run = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(FLOCK_BUSY), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
  });
  if (run.status === 0) return true;
  if (run.status === FLOCK_BUSY) return false;
  // No flock(1) on the PATH: this host cannot lock. Any other failure of flock(2) (NFS
  // without a lock daemon, a FUSE mount): the file system has no working locks.
  const missing = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  const why = run.error ? run.error.message : String(run.stderr).trim();
  throw new Refused(ownError(missing ? 'ENOSYS' : 'ENOLCK', `flock(1) failed: ${why}`));
}

/** The open file descriptor holding the lock of `path`; throws Refused otherwise. */
function takeLock(path: string): number {
  if (process.platform === 'darwin') return openLockFile(path, O_EXLOCK_DARWIN, ['EAGAIN', 'EWOULDBLOCK']);
  if (process.platform === 'win32') return openLockFile(path, UV_FS_O_EXLOCK_WIN32, ['EBUSY']);
  const fd = openLockFile(path, 0, []);
  let taken: boolean;
  try {
    taken = flockDescriptor(fd);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  if (taken) return fd;
  fs.closeSync(fd);
  throw new Refused(null);
}

/** Locks held, by path: a session's own (released at its end) or the process' (`hold`). */
export class Locks {
  private readonly held = new Map<string, number>();

  lock(path: string): Reply {
    try {
      const fd = takeLock(path);
      this.held.set(path, fd);
      return { did: 'lock', taken: true, error: null };
    } catch (error) {
      if (error instanceof Refused) return { did: 'lock', taken: false, error: error.error };
      return { did: 'lock', taken: false, error: osError(error) };
    }
  }

  /** `taken` at once when this set holds `path` already (a test session's slot). */
  hold(path: string): Reply {
    if (this.held.has(path)) return { did: 'lock', taken: true, error: null };
    return this.lock(path);
  }

  unlock(path: string): Reply {
    const fd = this.held.get(path);
    if (fd === undefined) return { did: 'done', error: ownError('EBADF', 'no lock is held on this path') };
    this.held.delete(path);
    try {
      fs.closeSync(fd);
      return { did: 'done', error: null };
    } catch (error) {
      return { did: 'done', error: osError(error) };
    }
  }

  /** Releases every lock held here (a session's end). */
  releaseAll(): void {
    for (const path of [...this.held.keys()]) this.unlock(path);
  }
}

/** The locks kept for the rest of the process (`hold`: a test session's slot). */
export const processLocks = new Locks();
