// The registry lock shared with every language (docs/registry.md "Taking the lock"). The core
// judges every owner text (stale, wait, or a hostile content's error); this module does the
// syscalls: exclusive creates, safe reads, liveness checks, deletes.
import fs = require('node:fs');
import os = require('node:os');

import { callRaw } from './core.js';
import type { Verdict } from './core-types.js';
import { type ErrorValue, PlanError, RegistryError } from './errors.js';
import * as hostErrors from './hostErrors.js';
import { readBounded, removeFile, writeAll } from './safeFile.js';

/** Lock and marker texts are bounded (docs/registry.md). */
export const OWNER_TEXT_BOUND = 4096;
const GIVE_UP_MS = 10_000;
const FIRST_WAIT_MS = 2;
const LONGEST_WAIT_MS = 50;

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = fs.constants;
const CREATE_FLAGS = O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether process `pid` of this host exists: ESRCH is the only "dead" (EPERM: someone else's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** An owner file's text as read: absent, or its first bytes and whether there were more. */
type OwnerRead = { text: string; tooLong: boolean; mtimeMs: number } | null;

/** Reads the lock or marker `file` safely; a file that is not a regular one is an error. */
function readOwner(file: string): OwnerRead {
  const read = readBounded(file, OWNER_TEXT_BOUND);
  if (read.kind === 'missing') return null;
  if (read.kind === 'unsafe') throw hostErrors.unsafeLock(file, read.why);
  return { text: read.text, tooLong: read.tooLong, mtimeMs: read.stat.mtimeMs };
}

/** A final verdict: break it, or wait for its owner (null: one that has not written yet). */
type Final = Exclude<Verdict, { verdict: 'check_pid' }>;

/** The core's verdict on an owner text (docs/core-api.md `lock_verdict_json`): asks once,
 * checks the pid it names, asks again. Hostile content is the core's error. */
function judge(file: string, owner: NonNullable<OwnerRead>): Final {
  const now = Date.now();
  const request = {
    path: file,
    text: owner.text,
    longer: owner.tooLong,
    this_host: os.hostname(),
    now,
    age_ms: now - owner.mtimeMs,
    alive: null as boolean | null,
  };
  for (;;) {
    const answer: Verdict | { error: ErrorValue } = callRaw('lock_verdict', request);
    if ('error' in answer) throw new RegistryError(answer.error, file);
    if (answer.verdict !== 'check_pid') return answer;
    // The core asks about a pid only once: a second ask would be its own fault.
    if (request.alive !== null) throw new PlanError({ kind: 'host', message: `the core asked twice about ${file}` });
    request.alive = isAlive(answer.pid);
  }
}

/** This process' owner text (pid, host, time in unix ms). */
function ownerText(): string {
  return JSON.stringify({ pid: process.pid, host: os.hostname(), time: Date.now() });
}

/** Creates `file` exclusively (mode 0600) holding `text`; false if anything is there already.
 * A text that cannot be written (a full disk) takes the file away again: nothing is left. */
function createExclusive(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, CREATE_FLAGS, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    try {
      writeAll(fd, text);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    removeFile(file);
    throw error;
  }
  return true;
}

/** Deletes `file` only if it still holds `text` (the window between the read and the delete is
 * the syscall's own; every decision before it was made on that text). */
function removeIfSame(file: string, text: string): void {
  const now = readOwner(file);
  if (now !== null && now.text === text) removeFile(file);
}

/**
 * Deletes a stale lock holding `staleText`, guarded by the break marker (which holds its
 * breaker's owner text and is judged like a lock): the lock is deleted only while it still
 * holds the stale text, so a slow breaker never deletes a fresh lock. False when a live
 * breaker holds the marker (then wait).
 */
function breakStale(lockFile: string, staleText: string): boolean {
  const marker = `${lockFile}.break`;
  const ownText = ownerText();
  if (!createExclusive(marker, ownText)) {
    const breaker = readOwner(marker);
    if (breaker === null) return true; // its breaker just finished: look again
    if (judge(marker, breaker).verdict === 'wait') return false;
    removeIfSame(marker, breaker.text); // its breaker died mid-way
    return true;
  }
  try {
    removeIfSame(lockFile, staleText);
  } finally {
    removeIfSame(marker, ownText);
  }
  return true;
}

export interface Held {
  /** Throws `lost_lock` unless the lock still holds this owner's text (checked right before
   * the registry is renamed into place). */
  checkOwned(): void;
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
    const ownText = ownerText();
    try {
      if (createExclusive(lockFile, ownText)) return held(registryFile, lockFile, ownText);
      const owner = readOwner(lockFile);
      if (owner === null) continue; // released between our create and our read: try again at once
      const verdict = judge(lockFile, owner);
      if (verdict.verdict === 'stale' && breakStale(lockFile, owner.text)) continue;
      if (owner.text !== lastOwner) {
        lastOwner = owner.text;
        started = Date.now();
      }
      if (Date.now() - started > GIVE_UP_MS) {
        throw hostErrors.locked(registryFile, verdict.verdict === 'wait' ? verdict.owner : null);
      }
    } catch (error) {
      if (error instanceof PlanError) throw error;
      // Named like Python's: "cannot lock <registry>: <reason>".
      throw hostErrors.io(registryFile, 'lock', error);
    }
    await sleep(wait);
    wait = Math.min(wait * 2, LONGEST_WAIT_MS);
  }
}

function held(registryFile: string, lockFile: string, ownText: string): Held {
  return {
    checkOwned() {
      let owner: OwnerRead;
      try {
        owner = readOwner(lockFile);
      } catch (error) {
        if (error instanceof PlanError) throw hostErrors.lostLock(lockFile);
        throw hostErrors.io(registryFile, 'lock', error);
      }
      if (owner === null || owner.text !== ownText) throw hostErrors.lostLock(lockFile);
    },
    release() {
      try {
        removeIfSame(lockFile, ownText);
      } catch {
        // Not ours any more (or unreadable): leave it to its owner.
      }
    },
  };
}
