// `portplan env --write [FILE]`: the file's I/O. The core merges the portplan block into the
// text (render `env_file`); this module reads the file first, checks that it can be replaced,
// and writes it last, atomically (docs/core-api.md, issue 15).
import fs = require('node:fs');
import path = require('node:path');

import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { call, callRaw } from './core.js';
import { type ErrorValue, PlanError } from './errors.js';
import { osError } from './hostErrors.js';
import { kindOf, type NotFile, readUpTo } from './safeFile.js';

/** A .env file larger than this is refused (the core words it), never read whole. */
const BOUND = 1024 * 1024;

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_CREAT, O_EXCL, O_WRONLY } = fs.constants;

/** The file as read before anything is written. */
export interface EnvFile {
  /** FILE as the user wrote it (for messages). */
  given: string;
  /** The path written: FILE, or the regular file its symlink points to (the link is kept). */
  target: string;
  /** What the core merges into: the text, null when the file does not exist. */
  existing: string | null;
  utf8: boolean;
  tooLarge: boolean;
  /** The mode to keep (null: a new file, created as the umask says). */
  mode: number | null;
}

function fault(request: Record<string, unknown>): PlanError {
  return new PlanError(callRaw('host_error', request).error as ErrorValue);
}

function ioFault(file: string, action: 'read' | 'write', error: unknown): PlanError {
  return fault({ problem: 'io', path: file, action, ...osError(error) });
}

function notRegular(file: string, why: NotFile): PlanError {
  return fault({ problem: 'not_regular_file', path: file, why });
}

/** FILE's path with every symlink resolved: a link to a regular file is written through.
 * A missing file is created where FILE (or its dangling link) points. */
function targetOf(given: string): string {
  const absolute = path.resolve(given);
  try {
    return fs.realpathSync(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioFault(given, 'read', error);
  }
  // Missing: resolve its folder (which must exist to write there) and follow a dangling link.
  let link: string;
  try {
    link = fs.readlinkSync(absolute);
  } catch {
    return absolute;
  }
  return path.resolve(path.dirname(absolute), link);
}

/** Reads FILE (at most 1 MiB + 1 byte, never blocking on a FIFO) and checks that its folder
 * and the file itself can be written, so that a failure comes before the registry write. */
export function readEnvFile(given: string): EnvFile {
  const target = targetOf(given);
  let fd: number;
  try {
    fd = fs.openSync(target, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      checkWritable(given, path.dirname(target));
      return { given, target, existing: null, utf8: true, tooLarge: false, mode: null };
    }
    // A link swapped in after the path was resolved, or a socket (ENXIO): not a regular file.
    if (code === 'ELOOP' || code === 'EMLINK') throw notRegular(given, 'not_file');
    if (code === 'ENXIO')
      throw notRegular(given, fs.statSync(target, { throwIfNoEntry: false })?.isSocket() ? 'socket' : 'device');
    throw ioFault(given, 'read', error);
  }
  try {
    const stat = fs.fstatSync(fd);
    const why = kindOf(stat);
    if (why !== null) throw notRegular(given, why);
    const bytes = readAtMost(fd, given, BOUND + 1);
    checkWritable(given, path.dirname(target), target);
    const tooLarge = bytes.length > BOUND;
    return {
      given,
      target,
      existing: tooLarge ? null : bytes.toString('utf8'),
      utf8: tooLarge || isUtf8(bytes),
      tooLarge,
      mode: stat.mode & 0o7777,
    };
  } finally {
    fs.closeSync(fd);
  }
}

function readAtMost(fd: number, given: string, bound: number): Buffer {
  try {
    return readUpTo(fd, bound);
  } catch (error) {
    throw ioFault(given, 'read', error);
  }
}

/** The file is replaced by a rename in its folder: both must be writable (a read-only .env
 * stays as it is, as an editor would refuse it). */
function checkWritable(given: string, dir: string, file?: string): void {
  for (const place of file === undefined ? [dir] : [file, dir]) {
    try {
      fs.accessSync(place, fs.constants.W_OK);
    } catch (error) {
      throw ioFault(given, 'write', error);
    }
  }
}

/** The core's merge of the plan's `*_PORT` lines into the file's text. */
export interface Merged {
  text: string;
  changed: boolean;
  message: string;
}

export function merge(file: EnvFile, plan: unknown): Merged {
  return call('render', {
    what: 'env_file',
    plan,
    path: file.given,
    existing: file.existing,
    utf8: file.utf8,
    too_large: file.tooLarge,
  }) as Merged;
}

/** Replaces the file: a temp file in its folder (its mode kept), fsync, rename. */
export function writeEnvFile(file: EnvFile, text: string): void {
  const dir = path.dirname(file.target);
  const temp = path.join(
    dir,
    `.${path.basename(file.target)}.portplan-tmp.${process.pid}.${randomBytes(8).toString('hex')}`,
  );
  try {
    const fd = fs.openSync(temp, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY, 0o666);
    try {
      // The umask applied to a new file; an existing file keeps its exact mode.
      if (file.mode !== null) fs.fchmodSync(fd, file.mode);
      fs.writeFileSync(fd, text, 'utf8');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file.target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw ioFault(file.given, 'write', error);
  }
}
