// The errors the host layer itself raises, worded by the core (`host_error_json`) so that
// Node and Python print the same line.
import util = require('node:util');

import { callRaw } from './core.js';
import { type ErrorValue, PlanError, RegistryError } from './errors.js';
import type { NotFile } from './safeFile.js';

function worded(request: Record<string, unknown>): ErrorValue {
  return callRaw('host_error', request).error as ErrorValue;
}

/** An OS error as the core reads it: the errno name, and the OS's text for a code the core
 * does not word itself. */
export interface OsError {
  code: string | null;
  reason: string;
}

/** The OS's words for Node's error (`permission denied` → `Permission denied`, as the OS and
 * Python say it), without the system call and path Node's message adds. */
export function osError(error: unknown): OsError {
  const { code, errno, message } = (error ?? {}) as NodeJS.ErrnoException;
  const described = typeof errno === 'number' ? util.getSystemErrorMap().get(errno)?.[1] : undefined;
  const reason = described ? described.charAt(0).toUpperCase() + described.slice(1) : (message ?? String(error));
  return { code: typeof code === 'string' ? code : null, reason };
}

/** A core error about a file, with the file's path in front. */
export function withPath(error: ErrorValue, path: string): ErrorValue {
  return worded({ problem: 'with_path', path, error });
}

export function registryInvalid(error: ErrorValue, path: string): RegistryError {
  return new RegistryError(withPath(error, path), path);
}

export function locked(path: string, owner: { pid?: unknown; host?: unknown; time?: unknown } | null): RegistryError {
  return new RegistryError(
    worded({ problem: 'locked', path, pid: owner?.pid ?? null, host: owner?.host ?? null, time: owner?.time ?? null }),
    path,
  );
}

/** Why a registry, lock or marker file is not used (the core words each). */
export type Unsafe = NotFile | 'too_large' | 'not_owner';

export function unsafeRegistry(path: string, why: Unsafe): RegistryError {
  return new RegistryError(worded({ problem: 'unsafe_registry', path, why }), path);
}

/** The lock or its break marker (`path`) is not a regular file. */
export function unsafeLock(path: string, why: Unsafe): RegistryError {
  return new RegistryError(worded({ problem: 'unsafe_lock', path, why }), path);
}

/** Another process took the lock (`path`) during the write: nothing was written. */
export function lostLock(path: string): RegistryError {
  return new RegistryError(worded({ problem: 'lost_lock', path }), path);
}

export function io(path: string, action: 'read' | 'write' | 'lock' | 'create', error: unknown): RegistryError {
  return new RegistryError(worded({ problem: 'io', path, action, ...osError(error) }), path);
}

export function keptBusy(namespace: string, name: string, port: number): PlanError {
  return new PlanError(worded({ problem: 'kept_busy', namespace, name, port }));
}

export function spawnFailed(command: string, error: unknown): PlanError {
  const notFound = (error as NodeJS.ErrnoException)?.code === 'ENOENT';
  return new PlanError(worded({ problem: 'spawn', command, ...osError(error), not_found: notFound }));
}

/** A server that could not start on `port`: the real cause (an address this host lacks, not
 * permitted, in use), worded by the core. */
export function bindFailed(name: string, port: number, host: string | null, error: unknown): PlanError {
  return new PlanError(worded({ problem: 'bind_failed', name, port, host, ...osError(error) }));
}
