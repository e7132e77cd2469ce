// Reading and writing the registry file (docs/registry.md): only bytes here; the core
// parses and produces the contents.

import fs = require('node:fs');
import path = require('node:path');

import type * as Crypto from 'node:crypto';
import { call, callRaw, type Lease } from './core.js';
import type { TempFilesAnswer } from './core-types.js';
import { engine } from './engine.js';
import { type ErrorValue, PlanError } from './errors.js';
import * as hostErrors from './hostErrors.js';
import { type Held, isAlive, takeLock } from './lock.js';
import { registryLocation, registryPath } from './registryPath.js';
import { type Read, readBounded, removeFile, writeAll } from './safeFile.js';

/** The registry's size bound (docs/registry.md): a bigger file is refused, never read whole. */
const REGISTRY_BOUND = 64 * 1024 * 1024;

/** The registry's text, or null when there is none yet. Refuses unsafe files: opened without
 * following links or blocking, a regular file of this user, at most 64 MiB. */
export function readRegistry(file: string): string | null {
  let read: Read;
  try {
    read = readBounded(file, REGISTRY_BOUND, true);
  } catch (error) {
    throw hostErrors.io(file, 'read', error);
  }
  if (read.kind === 'missing') return null;
  if (read.kind === 'unsafe') throw hostErrors.unsafeRegistry(file, read.why);
  if (typeof process.getuid === 'function' && read.stat.uid !== process.getuid()) {
    throw hostErrors.unsafeRegistry(file, 'not_owner');
  }
  if (read.tooLong) throw hostErrors.unsafeRegistry(file, 'too_large');
  return read.text;
}

const TEMP_INFIX = '.tmp.';
const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = fs.constants;
const TEMP_FLAGS = O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY;

// The wasm engine's random source, loaded at its first write. The native engine has its own:
// node:crypto costs a fresh process 1-3 ms to load for these 8 bytes.
let cryptoModule: typeof Crypto | undefined;

/** The `<random>` of a temp file's name (docs/registry.md): 16 hex digits. */
function randomHex(): string {
  const native = engine().randomHex;
  if (native !== undefined) return native();
  cryptoModule ??= require('node:crypto') as typeof Crypto;
  return cryptoModule.randomBytes(8).toString('hex');
}

/** Replaces the registry atomically: temp file (0600), fsync, a last check that the lock is
 * still ours, rename. Whatever fails takes the temp file away: nothing is left behind. */
export function writeRegistry(file: string, text: string, lock: Held): void {
  const temp = `${file}${TEMP_INFIX}${process.pid}.${randomHex()}`;
  try {
    const fd = fs.openSync(temp, TEMP_FLAGS, 0o600);
    try {
      writeAll(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    lock.checkOwned();
    fs.renameSync(temp, file);
  } catch (error) {
    removeFile(temp);
    if (error instanceof PlanError) throw error;
    throw hostErrors.io(file, 'write', error);
  }
}

/** Removes the temp files that dead writers left beside `file`: the core reads their names
 * (docs/core-api.md `temp_files_json`) and names the pids to check; the host unlinks what it
 * answers. */
export function removeDeadTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}${TEMP_INFIX}`;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.startsWith(prefix));
  } catch (error) {
    throw hostErrors.io(dir, 'read', error);
  }
  if (names.length === 0) return;
  const alive: Record<string, boolean> = {};
  for (;;) {
    const answer: TempFilesAnswer = call('temp_files', { names, alive });
    if ('check_pids' in answer) {
      const unchecked = answer.check_pids.filter((pid) => !(String(pid) in alive));
      // Each pid is checked once: asking again about a checked one would be the core's fault.
      if (unchecked.length === 0) throw new PlanError({ kind: 'host', message: 'the core asked twice about a pid' });
      for (const pid of unchecked) alive[String(pid)] = isAlive(pid);
      continue;
    }
    try {
      for (const name of answer.remove) removeFile(path.join(dir, name));
    } catch (error) {
      throw hostErrors.io(dir, 'write', error);
    }
    return;
  }
}

function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw hostErrors.io(dir, 'create', error);
  }
}

/** Throws a core answer's error; a registry error gets the registry's path. */
export function checkAnswer<T>(answer: T & { error?: ErrorValue }, file: string): T {
  if (answer.error) {
    if (answer.error.kind === 'invalid_registry') throw hostErrors.registryInvalid(answer.error, file);
    throw new PlanError(answer.error);
  }
  return answer;
}

export interface Update<T> {
  /** The new registry text to write; null or absent: nothing to write. */
  text?: string | null;
  result: T;
}

/** The registry's text (null when there is none yet) and path. */
export interface Snapshot {
  text: string | null;
  file: string;
}

/**
 * Runs `change` with the registry under the lock, then writes the text it returns (if any).
 * A registry the core cannot parse is never written: `change` throws first.
 */
export async function updateRegistry<T>(change: (before: Snapshot) => Promise<Update<T>> | Update<T>): Promise<T> {
  const { dir, file } = registryLocation();
  ensureDir(dir);
  const held = await takeLock(file);
  try {
    removeDeadTemps(file);
    const before = readRegistry(file);
    const { text, result } = await change({ text: before, file });
    if (text !== undefined && text !== null && text !== before) writeRegistry(file, text, held);
    return result;
  } finally {
    held.release();
  }
}

/** The registry as it is now, read without the lock (writes are atomic renames): for the
 * commands that only show (plan, why, ls), which never lock nor write. */
export function readSnapshot(): Snapshot {
  const file = registryPath();
  return { text: readRegistry(file), file };
}

/** The leases and their distinct roots. */
export function leasesOf(snapshot: Snapshot): { leases: Lease[]; roots: string[] } {
  const answer = checkAnswer(callRaw('leases', { registry: snapshot.text }), snapshot.file);
  return { leases: answer.leases, roots: answer.roots ?? [] };
}

/** Whether the folder still exists: only "not there" is false; a folder that cannot be
 * looked at (EACCES) may exist, and its leases are kept. */
function folderExists(folder: string): boolean {
  try {
    fs.statSync(folder);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/** `{root: exists}` for every root of the registry: leases of deleted roots go at a write. */
export function existingRoots(snapshot: Snapshot): Record<string, boolean> {
  return Object.fromEntries(leasesOf(snapshot).roots.map((root) => [root, folderExists(root)]));
}

/** The leases in the registry (read without the lock). */
export function readLeases(): Lease[] {
  return leasesOf(readSnapshot()).leases;
}
