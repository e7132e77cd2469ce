// Opening the registry's files without trusting them (SPEC §7 "Writes"): never follow a
// symlink, never block (a FIFO), only regular files, and never read more than a bound.
import fs = require('node:fs');

/** Why a path is not a file we read: the core words each one. */
export type NotFile = 'symlink' | 'fifo' | 'socket' | 'device' | 'directory' | 'not_file';

/** What a bounded read found. */
export type Read =
  | { kind: 'missing' }
  | { kind: 'unsafe'; why: NotFile }
  | { kind: 'file'; text: string; tooLong: boolean; stat: fs.Stats };

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/** What a file is when it is not a regular file; null when it is. */
export function kindOf(stat: fs.Stats): NotFile | null {
  if (stat.isFile()) return null;
  if (stat.isFIFO()) return 'fifo';
  if (stat.isSocket()) return 'socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'device';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  return 'not_file';
}

function kindOfPath(file: string): NotFile {
  try {
    return kindOf(fs.lstatSync(file)) ?? 'not_file';
  } catch {
    return 'not_file';
  }
}

/** The last text `readBounded(..., true)` read, and the file's identity when it was read. */
let lastRead: { file: string; signature: string; text: string } | undefined;

/** A file's identity: a rename (every registry write) gives a new inode, and any write in place
 * changes its size or times (ctime cannot be set back by a user). */
function signatureOf(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.mode}:${stat.uid}`;
}

/** Reads at most `bound` + 1 bytes of `file` (tooLong: there were more than `bound`). Other
 * OS errors are thrown as Node gives them. `remember`: the text of the same file unchanged
 * since the last read is reused, not read and decoded again (the registry, asked for on every
 * `port()`; never the lock). */
export function readBounded(file: string, bound: number, remember = false): Read {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    // O_NOFOLLOW on a symlink (dangling or not) fails with ELOOP (EMLINK on FreeBSD).
    if (code === 'ELOOP' || code === 'EMLINK') return { kind: 'unsafe', why: 'symlink' };
    // A FIFO opened for reading never blocks with O_NONBLOCK; a socket (or a device without
    // its driver) refuses to open (ENXIO): say which it is.
    if (code === 'ENXIO') return { kind: 'unsafe', why: kindOfPath(file) };
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    const why = kindOf(stat);
    if (why !== null) return { kind: 'unsafe', why };
    const signature = remember ? signatureOf(stat) : '';
    if (remember && lastRead?.file === file && lastRead.signature === signature && stat.size <= bound) {
      return { kind: 'file', text: lastRead.text, tooLong: false, stat };
    }
    const bytes = readUpTo(fd, Math.min(bound, stat.size) + 1);
    const length = bytes.length;
    const tooLong = length > bound;
    const text = bytes.toString('utf8', 0, Math.min(length, bound));
    // Only a whole file that was as large as fstat said (not one written meanwhile) is kept.
    if (remember && !tooLong && length === stat.size) lastRead = { file, signature, text };
    return { kind: 'file', text, tooLong, stat };
  } finally {
    fs.closeSync(fd);
  }
}

/** At most `bound` bytes of `fd` from where it stands, fewer at its end. */
export function readUpTo(fd: number, bound: number): Buffer {
  const buffer = Buffer.allocUnsafe(bound);
  let length = 0;
  while (length < bound) {
    const got = fs.readSync(fd, buffer, length, bound - length, null);
    if (got === 0) break;
    length += got;
  }
  return buffer.subarray(0, length);
}

/** Writes all of `text` to `fd`: a short write (a disk that just filled up) is continued, so
 * the next write reports its error instead of leaving a cut-off file. */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
}

/** Deletes `file` (a link itself, never what it points to); one already gone is no error.
 * unlinkSync, not rmSync: rmSync loads Node's recursive remover at its first call, a cost in
 * a fresh process' first port. */
export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
