// One typed function per session call (docs/host-protocol.md): each starts the session of
// its call, and gives its answer, or throws the core's error as a PlanError.
import path = require('node:path');

import type {
  Answer,
  CallOptions,
  PlanError as CoreError,
  Explicit,
  Lease,
  PreviewAnswer,
  ProjectPlan,
  Serving,
} from './core-types.js';
import { PlanError, RegistryError } from './errors.js';
import type { Listener } from './hostEffects.js';
import { runSession, runSessionSync } from './session.js';

/** Whether `file` is inside `folder` (or is it). */
function inside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The core's error as thrown: a RegistryError when it is about the registry, its lock or
 * another file of the registry's folder (its path says so), else a PlanError. */
export function errorOf(error: CoreError): PlanError {
  const at = error.path ?? undefined;
  if (error.kind === 'invalid_registry' && at !== undefined) return new RegistryError(error, at);
  if (at !== undefined) {
    let folder: string | undefined;
    try {
      folder = path.dirname(registry());
    } catch {
      folder = undefined; // no registry here (no home): the error is not about it
    }
    if (folder !== undefined && inside(at, folder)) return new RegistryError(error, at);
  }
  return new PlanError(error);
}

/** The answer of the shape `key` names, or the error it is. */
function expect<K extends string>(answer: Answer, key: K): Extract<Answer, Record<K, unknown>> {
  if ('error' in answer) throw errorOf(answer.error);
  if (!(key in answer)) {
    throw new PlanError({ kind: 'host', message: `the core answered ${JSON.stringify(answer)} where ${key} was due` });
  }
  return answer as Extract<Answer, Record<K, unknown>>;
}

/** `ports`: each name probed and leased. */
export async function ports(
  names: string[],
  options: CallOptions,
): Promise<{ ports: Record<string, number>; namespace: string }> {
  return expect(await runSession({ call: 'ports', names, options }), 'ports');
}

/** `listen`: the caller's server started on the port of `name`, then leased. */
export async function listen(
  name: string,
  options: CallOptions,
  address: string | null,
  tries: number | null,
  listener: Listener,
): Promise<number> {
  const answer = await runSession({ call: 'listen', name, options, address, tries }, { listen: listener });
  return expect(answer, 'port').port;
}

/** `release`: this checkout's lease of `name`, or every lease of its namespace (`all`). */
export async function release(name: string | null, all: boolean, options: CallOptions): Promise<Lease[]> {
  return expect(await runSession({ call: 'release', name, all, options }), 'released').released;
}

/** `leases`: every lease of the registry (no effect but a read: synchronous). */
export function leases(): Lease[] {
  return expect(runSessionSync({ call: 'leases' }), 'leases').leases;
}

/** `registry`: where the registry file is (no effect at all). */
export function registry(env?: NodeJS.ProcessEnv): string {
  return expect(runSessionSync({ call: 'registry' }, env), 'registry').registry;
}

/** `plan`: the project's plan against the registry, read-only; with `configText` (an
 * editor's unsaved config) in place of its config file's. */
export async function plan(names: string[], options: CallOptions, configText?: string): Promise<ProjectPlan> {
  const answer = await runSession({ call: 'plan', names, options, config_text: configText ?? null });
  if ('error' in answer) throw errorOf(answer.error);
  if (!('root' in answer)) throw new PlanError({ kind: 'host', message: 'the core answered no plan' });
  return answer;
}

/** `serve`: a dev server's (or its preview's) port, leased, and the line that says so. */
export async function serve(request: {
  name: string | null;
  preview: boolean;
  explicit: Explicit | null;
  options: CallOptions;
}): Promise<Serving> {
  return expect(await runSession({ call: 'serve', ...request }), 'serving').serving;
}

/** `cli`: a command line run to its exit code (its output printed), or the preview to serve. */
export async function cli(argv: string[]): Promise<{ exit: number } | { preview: PreviewAnswer }> {
  const answer = await runSession({ call: 'cli', argv }, { stopOnSignals: true });
  if ('exit' in answer || 'preview' in answer) return answer;
  if ('error' in answer) throw errorOf(answer.error);
  throw new PlanError({ kind: 'host', message: `the core answered ${JSON.stringify(answer)} to a command line` });
}
