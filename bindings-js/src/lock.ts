// The registry lock shared with every language (docs/registry.md "Taking the lock").
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as hostErrors from './hostErrors.js';

const STALE_TIME_MS = 30_000;
const UNPARSED_GRACE_MS = 2_000;
const BREAK_FILE_STALE_MS = 5_000;
const GIVE_UP_MS = 10_000;
const FIRST_WAIT_MS = 2;
const LONGEST_WAIT_MS = 50;

interface Owner {
  pid: number;
  host: string;
  time: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseOwner(text: string): Owner | null {
  try {
    const value = JSON.parse(text);
    if (Number.isInteger(value?.pid) && typeof value?.host === 'string' && typeof value?.time === 'number')
      return value;
  } catch {
    // Unparsable: an owner killed between creating and writing the file.
  }
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function ageMs(file: string): number | null {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function isStale(lockFile: string, text: string): boolean {
  const owner = parseOwner(text);
  if (!owner) return (ageMs(lockFile) ?? 0) > UNPARSED_GRACE_MS;
  if (owner.host === os.hostname() && !isAlive(owner.pid)) return true;
  return Date.now() - owner.time > STALE_TIME_MS;
}

/** Creates `file` exclusively (mode 0600) holding `text`; false if it already exists. */
function createExclusive(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Deletes a stale lock, guarded by the break file so no fresh lock is ever deleted.
 * False when another process is breaking it right now (then wait, as Python does).
 */
function breakStale(lockFile: string, staleText: string): boolean {
  const breakFile = `${lockFile}.break`;
  if (!createExclusive(breakFile, String(process.pid))) {
    const age = ageMs(breakFile);
    if (age !== null && age <= BREAK_FILE_STALE_MS) return false;
    fs.rmSync(breakFile, { force: true }); // its breaker died mid-way
    return true;
  }
  try {
    if (readText(lockFile) === staleText) fs.rmSync(lockFile, { force: true });
  } finally {
    fs.rmSync(breakFile, { force: true });
  }
  return true;
}

export interface Held {
  release(): void;
}

/** Takes the lock of `registryFile`, waiting up to 10 s for any one other owner: a change of
 * owner is progress and restarts the wait (docs/registry.md, step 4). */
export async function takeLock(registryFile: string): Promise<Held> {
  const lockFile = `${registryFile}.lock`;
  let started = Date.now();
  let lastOwner: string | null = null;
  let wait = FIRST_WAIT_MS;
  for (;;) {
    const owner: Owner = { pid: process.pid, host: os.hostname(), time: Date.now() };
    const ownText = JSON.stringify(owner);
    try {
      if (createExclusive(lockFile, ownText)) {
        return { release: () => releaseLock(lockFile, ownText) };
      }
      const text = readText(lockFile);
      if (text === null) continue; // released between our create and our read: try again at once
      if (isStale(lockFile, text) && breakStale(lockFile, text)) continue;
      if (text !== lastOwner) {
        lastOwner = text;
        started = Date.now();
      }
      if (Date.now() - started > GIVE_UP_MS) {
        throw hostErrors.locked(registryFile, parseOwner(text));
      }
    } catch (error) {
      if ((error as Error).name === 'RegistryError') throw error;
      // Named like Python's: "cannot lock <registry>: <reason>".
      throw hostErrors.io(registryFile, 'lock', error);
    }
    await sleep(wait);
    wait = Math.min(wait * 2, LONGEST_WAIT_MS);
  }
}

function releaseLock(lockFile: string, ownText: string): void {
  if (readText(lockFile) === ownText) fs.rmSync(lockFile, { force: true });
}
