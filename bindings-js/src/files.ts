// The file effects for the wasm engine (docs/host-protocol.md), done with Node's fs as the
// native executor does them (core/native/src/files.rs): never through a final link unless
// asked, never blocking on a FIFO, never reading more than asked. Each reports what the OS
// did; the session decides what it means.
import fs = require('node:fs');
import os = require('node:os');

import { isUtf8 } from 'node:buffer';
import type { Kind, OsError, Reply, Seen } from './core-types.js';

type ReadReply = Extract<Reply, { did: 'read' }>;

import { isMissing, osError } from './osError.js';

const C = fs.constants;
const windows = process.platform === 'win32';
/** Flags Node lacks on some platforms (Windows has no O_NOFOLLOW, O_NONBLOCK, O_NOCTTY). */
const O_NOFOLLOW = C.O_NOFOLLOW ?? 0;
const O_NONBLOCK = C.O_NONBLOCK ?? 0;
const O_NOCTTY = C.O_NOCTTY ?? 0;

export function kindOf(stat: fs.Stats): Kind {
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isDirectory()) return 'directory';
  if (stat.isFile()) return 'file';
  if (stat.isFIFO()) return 'fifo';
  if (stat.isSocket()) return 'socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'device';
  return 'other';
}

/** The owner and permission bits where the OS has them (not on Windows). */
function ownerOf(stat: fs.Stats): { uid: number | null; mode: number | null } {
  return windows ? { uid: null, mode: null } : { uid: stat.uid, mode: stat.mode & 0o7777 };
}

/** The inode number where the native executor gives one (Unix; on Windows it gives none, and
 * Node's is the file index, which the session would not meet from the native engines). */
function inoOf(stat: fs.Stats): number | null {
  return windows ? null : stat.ino;
}

/** What is at `path` (lstat unless `follow`), when it can be seen at all. */
function kindAt(path: string, follow: boolean): Kind | undefined {
  try {
    const stat = follow ? fs.statSync(path, { throwIfNoEntry: false }) : fs.lstatSync(path, { throwIfNoEntry: false });
    return stat === undefined ? undefined : kindOf(stat);
  } catch {
    return undefined;
  }
}

/** Bytes cut by the limit at the end of a character are not bad UTF-8: the native executor
 * drops them (how many: 0 when the bytes end on a whole character or are bad before). */
function cutCharacter(bytes: Buffer): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const lead = bytes[bytes.length - back];
    if ((lead & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const wanted = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    return wanted > back && isUtf8(bytes.subarray(0, bytes.length - back)) ? back : 0;
  }
  return 0;
}

/** The text of `bytes`: bad UTF-8 as U+FFFD with `utf8` false. */
function toText(bytes: Buffer, longer: boolean): { text: string; utf8: boolean } {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), utf8: true };
  const cut = longer ? cutCharacter(bytes) : 0;
  if (cut > 0) return { text: bytes.toString('utf8', 0, bytes.length - cut), utf8: true };
  return { text: bytes.toString('utf8'), utf8: false };
}

/** At most `wanted` bytes of `fd`; memory bounded by what is read, not by the file's size. */
function readAtMost(fd: number, wanted: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < wanted) {
    const chunk = Buffer.allocUnsafe(Math.min(wanted - total, 1 << 16));
    const got = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (got === 0) break;
    chunks.push(chunk.subarray(0, got));
    total += got;
  }
  return Buffer.concat(chunks, total);
}

export function read(path: string, limit: number, follow: boolean): ReadReply {
  // Windows has no O_NOFOLLOW: a link is looked at first (a link swapped in meanwhile is a
  // race that remains there).
  if (windows && !follow && kindAt(path, false) === 'symlink') return { did: 'read', is: 'not_file', kind: 'symlink' };
  let fd: number;
  try {
    fd = fs.openSync(path, C.O_RDONLY | O_NONBLOCK | O_NOCTTY | (follow ? 0 : O_NOFOLLOW));
  } catch (error) {
    if (isMissing(error)) return { did: 'read', is: 'missing' };
    // The open refused what is there (a link: ELOOP; a socket: ENXIO; a folder on Windows).
    const kind = kindAt(path, follow);
    if (kind !== undefined && kind !== 'file') return { did: 'read', is: 'not_file', kind };
    return { did: 'read', is: 'error', error: osError(error) };
  }
  try {
    const stat = fs.fstatSync(fd);
    const kind = kindOf(stat);
    if (kind !== 'file') return { did: 'read', is: 'not_file', kind };
    const bytes = readAtMost(fd, limit + 1);
    const longer = bytes.length > limit;
    const { text, utf8 } = toText(longer ? bytes.subarray(0, limit) : bytes, longer);
    return { did: 'read', is: 'file', text, utf8, longer, ...ownerOf(stat) };
  } catch (error) {
    return { did: 'read', is: 'error', error: osError(error) };
  } finally {
    fs.closeSync(fd);
  }
}

function seen(path: string, follow: boolean): Seen {
  try {
    const stat = follow ? fs.statSync(path, { throwIfNoEntry: false }) : fs.lstatSync(path, { throwIfNoEntry: false });
    if (stat === undefined) return { is: 'missing' };
    return {
      is: 'there',
      kind: kindOf(stat),
      size: stat.size,
      ...ownerOf(stat),
      mtime_ms: stat.mtimeMs,
      ino: inoOf(stat),
    };
  } catch (error) {
    return isMissing(error) ? { is: 'missing' } : { is: 'error', error: osError(error) };
  }
}

export function stat(paths: string[], follow: boolean): Reply {
  return { did: 'stat', seen: paths.map((path) => seen(path, follow)) };
}

export function realpath(path: string): Reply {
  try {
    // The native form: realpath(3) (and the final path of the handle on Windows).
    return { did: 'path', path: fs.realpathSync.native(path), error: null };
  } catch (error) {
    return { did: 'path', path: null, error: osError(error) };
  }
}

/** The names in `dir` that start with `prefix`, in byte order (UTF-8), as the native
 * executor sorts them. */
export function list(dir: string, prefix: string): Reply {
  try {
    const names = fs.readdirSync(dir).filter((name) => name.startsWith(prefix));
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return { did: 'names', names, error: null };
  } catch (error) {
    return { did: 'names', names: [], error: osError(error) };
  }
}

function done(work: () => void): Reply {
  try {
    work();
    return { did: 'done', error: null };
  } catch (error) {
    return { did: 'done', error: osError(error) };
  }
}

/** A folder and its missing parents, each 0700 (less the umask). */
export function makeDir(path: string): Reply {
  return done(() => fs.mkdirSync(path, { recursive: true, mode: 0o700 }));
}

/** Writes all of `bytes` to `fd`: a short write is continued, so the next one reports the
 * error (a full disk) instead of leaving a cut-off file. */
function writeAll(fd: number, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
}

/** A new file (exclusive, never through a link), `text` written whole, flushed when `sync`;
 * removed again when it could not be written whole. */
export function create(path: string, text: string, mode: number, sync: boolean): Reply {
  let fd: number;
  try {
    fd = fs.openSync(path, C.O_WRONLY | C.O_CREAT | C.O_EXCL | O_NOFOLLOW | O_NOCTTY, mode);
  } catch (error) {
    return { did: 'done', error: osError(error) };
  }
  let failed: OsError | null = null;
  try {
    writeAll(fd, Buffer.from(text, 'utf8'));
    if (sync) fs.fsyncSync(fd);
  } catch (error) {
    failed = osError(error);
  }
  fs.closeSync(fd);
  if (failed !== null) {
    try {
      fs.unlinkSync(path);
    } catch {
      // Gone already: nothing was left behind.
    }
  }
  return { did: 'done', error: failed };
}

function notAFile(): Error {
  return Object.assign(new Error('not a regular file'), { code: 'EINVAL', errno: -os.constants.errno.EINVAL });
}

/** `path` gets the owner, group and mode of `like` (nothing to copy on Windows). */
export function copyOwner(path: string, like: string): Reply {
  if (windows) return { did: 'done', error: null };
  return done(() => {
    const model = fs.statSync(like);
    if (!model.isFile()) throw notAFile();
    const fd = fs.openSync(path, C.O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    try {
      const now = fs.fstatSync(fd);
      if (!now.isFile()) throw notAFile();
      if (now.uid !== model.uid || now.gid !== model.gid) {
        try {
          fs.fchownSync(fd, model.uid, model.gid);
        } catch (error) {
          // Our own file (not root): the group may still be one of ours to give.
          if ((error as NodeJS.ErrnoException).code !== 'EPERM' || now.uid !== model.uid) throw error;
          try {
            fs.fchownSync(fd, -1, model.gid);
          } catch {
            // The group stays as it is.
          }
        }
      }
      const mode = model.mode & 0o7777;
      if ((fs.fstatSync(fd).mode & 0o7777) !== mode) fs.fchmodSync(fd, mode);
    } finally {
      fs.closeSync(fd);
    }
  });
}

export function rename(from: string, to: string): Reply {
  return done(() => fs.renameSync(from, to));
}

/** A second name for a file (a hard link; a symbolic link `from` is linked itself, as
 * `link(2)` does on Linux). */
export function link(from: string, to: string): Reply {
  return done(() => fs.linkSync(from, to));
}

/** `text` appended to the existing regular file `path` in one write (never created, never
 * through a link). */
export function append(path: string, text: string): Reply {
  return done(() => {
    if (windows && kindAt(path, false) === 'symlink') throw notAFile();
    const fd = fs.openSync(path, C.O_WRONLY | C.O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    try {
      if (!fs.fstatSync(fd).isFile()) throw notAFile();
      writeAll(fd, Buffer.from(text, 'utf8'));
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** A file, or a link itself (never what it leads to). */
export function remove(path: string): Reply {
  return done(() => fs.unlinkSync(path));
}
