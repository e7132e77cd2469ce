// The errors the host layer itself raises, worded by the core (`host_error_json`) so that
// Node and Python print the same line.
import { callRaw } from './core.js';
import { type ErrorValue, PlanError, RegistryError } from './errors.js';

function worded(request: Record<string, unknown>): ErrorValue {
  return callRaw('host_error', request).error as ErrorValue;
}

/** What the core needs to word an OS error: its errno name, and Node's text as a fallback. */
function osError(error: unknown): { code: string | null; reason: string } {
  const code = (error as NodeJS.ErrnoException)?.code;
  return { code: typeof code === 'string' ? code : null, reason: (error as Error)?.message ?? String(error) };
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

export function unsafeRegistry(path: string, why: 'symlink' | 'not_file' | 'not_owner'): RegistryError {
  return new RegistryError(worded({ problem: 'unsafe_registry', path, why }), path);
}

export function io(path: string, action: 'read' | 'write' | 'lock' | 'create', error: unknown): RegistryError {
  return new RegistryError(worded({ problem: 'io', path, action, ...osError(error) }), path);
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
  return new PlanError(worded({ problem: 'spawn', command, ...osError(error), not_found: notFound }));
}
