// OS errors as the session reads them (docs/host-protocol.md): the errno name exactly as
// the native engine's executor gives it (core/native/README.md "Error names"), and the OS's
// own words. The wasm engine's host meets them as libuv names them (`error.code`).
import os = require('node:os');
import util = require('node:util');

import type { OsError } from './core-types.js';

/** Two names of one errno are given under one, as the native executor gives them. */
const ONE_NAME: Record<string, string> = { EWOULDBLOCK: 'EAGAIN', EOPNOTSUPP: 'ENOTSUP' };

/** The errno's name from its number: libuv has no name for a few (ENOLCK, EDQUOT, ESTALE,
 * EDEADLK), and Node then says `UNKNOWN`; os.constants.errno has them all. */
function nameOfErrno(errno: number): string | undefined {
  const wanted = Math.abs(errno);
  for (const [name, value] of Object.entries(os.constants.errno)) {
    if (value === wanted) return name;
  }
  return undefined;
}

function codeOf(error: NodeJS.ErrnoException): string {
  let code = typeof error.code === 'string' ? error.code : undefined;
  if ((code === undefined || code === 'UNKNOWN') && typeof error.errno === 'number' && process.platform !== 'win32') {
    code = nameOfErrno(error.errno) ?? code;
  }
  code ??= 'UNKNOWN';
  return ONE_NAME[code] ?? code;
}

/** The OS's words for Node's error (`permission denied` → `Permission denied`, as the OS
 * and Rust say it), without the system call and path Node's message adds. */
function reasonOf(error: NodeJS.ErrnoException): string {
  const described = typeof error.errno === 'number' ? util.getSystemErrorMap().get(error.errno)?.[1] : undefined;
  if (described) return described.charAt(0).toUpperCase() + described.slice(1);
  return error.message ?? String(error);
}

/** The session's form of an error Node threw. */
export function osError(error: unknown): OsError {
  const errno = (error ?? {}) as NodeJS.ErrnoException;
  return { code: codeOf(errno), reason: reasonOf(errno) };
}

/** An error this host makes itself in the cases the native executor does (`EFTYPE`,
 * `ELOOP`, `EBADF`): a libuv name and words of its own. */
export function ownError(code: string, reason: string): OsError {
  return { code, reason };
}

/** Whether Node's error means "nothing there" (the path or one of its folders). */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
