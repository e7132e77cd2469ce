// Reading and writing the registry file (docs/registry.md): only bytes here; the core
// parses and produces the contents.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { callRaw, type Lease } from './core.js';
import { type ErrorValue, PlanError } from './errors.js';
import * as hostErrors from './hostErrors.js';
import { takeLock } from './lock.js';
import { registryLocation, registryPath } from './registryPath.js';

/** The registry's text, or null when there is none yet. Refuses unsafe files. */
export function readRegistry(file: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw hostErrors.io(file, 'read', error);
  }
  if (stat.isSymbolicLink()) throw hostErrors.unsafeRegistry(file, 'symlink');
  if (!stat.isFile()) throw hostErrors.unsafeRegistry(file, 'not_file');
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw hostErrors.unsafeRegistry(file, 'not_owner');
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw hostErrors.io(file, 'read', error);
  }
}

/** Replaces the registry atomically: temp file (0600), fsync, rename. */
export function writeRegistry(file: string, text: string): void {
  const temp = `${file}.tmp.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw hostErrors.io(file, 'write', error);
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
    const before = readRegistry(file);
    const { text, result } = await change({ text: before, file });
    if (text !== undefined && text !== null && text !== before) writeRegistry(file, text);
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
