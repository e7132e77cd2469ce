// The errors the host layer itself raises, worded by the core (`host_error_json`) so that
// Node and Python print the same line.
import * as util from 'node:util';
import { callRaw } from './core.js';
import { PlanError, RegistryError, type ErrorValue } from './errors.js';

function worded(request: Record<string, unknown>): ErrorValue {
  return callRaw('host_error', request).error as ErrorValue;
}

// C's strerror (glibc) where libuv words an error differently, so that Node prints what
// Python's `OSError.strerror` says (tests/reliability/test_bad_input.py compares them).
const STRERROR: Record<string, string> = {
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EALREADY: 'Operation already in progress',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EFAULT: 'Bad address',
  EHOSTUNREACH: 'No route to host',
  EILSEQ: 'Invalid or incomplete multibyte or wide character',
  EIO: 'Input/output error',
  EISCONN: 'Transport endpoint is already connected',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  ENFILE: 'Too many open files in system',
  ENOMEM: 'Cannot allocate memory',
  ENOTCONN: 'Transport endpoint is not connected',
  ENOTSUP: 'Operation not supported',
  ERANGE: 'Numerical result out of range',
  ESPIPE: 'Illegal seek',
  ETXTBSY: 'Text file busy',
  EXDEV: 'Invalid cross-device link',
};

/** The OS's text for an error (`Permission denied`), as C's strerror gives it. */
export function osReason(error: unknown): string {
  const errno = (error as NodeJS.ErrnoException)?.errno;
  const known = typeof errno === 'number' ? util.getSystemErrorMap().get(errno) : undefined;
  if (known && process.platform !== 'win32' && STRERROR[known[0]]) return STRERROR[known[0]];
  const text = known ? known[1] : ((error as Error)?.message ?? String(error));
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A core error about a file, with the file's path in front. */
export function withPath(error: ErrorValue, path: string): ErrorValue {
  return worded({ problem: 'with_path', path, error });
}

export function registryInvalid(error: ErrorValue, path: string): RegistryError {
  return new RegistryError(withPath(error, path), path);
}

export function locked(path: string, owner: { pid?: unknown; host?: unknown; time?: unknown } | null): RegistryError {
  return new RegistryError(worded({ problem: 'locked', path, pid: owner?.pid ?? null, host: owner?.host ?? null, time: owner?.time ?? null }), path);
}

export function unsafeRegistry(path: string, why: 'symlink' | 'not_file' | 'not_owner'): RegistryError {
  return new RegistryError(worded({ problem: 'unsafe_registry', path, why }), path);
}

export function io(path: string, action: 'read' | 'write' | 'lock' | 'create', error: unknown): RegistryError {
  return new RegistryError(worded({ problem: 'io', path, action, reason: osReason(error) }), path);
}

export function configMissing(path: string): PlanError {
  return new PlanError(worded({ problem: 'config_missing', path }));
}

export function configHasNoSection(path: string): PlanError {
  return new PlanError(worded({ problem: 'config_has_no_section', path }));
}

export function keptBusy(namespace: string, name: string, port: number): PlanError {
  return new PlanError(worded({ problem: 'kept_busy', namespace, name, port }));
}

export function spawnFailed(command: string, error: unknown): PlanError {
  const notFound = (error as NodeJS.ErrnoException)?.code === 'ENOENT';
  return new PlanError(worded({ problem: 'spawn', command, reason: osReason(error), not_found: notFound }));
}
