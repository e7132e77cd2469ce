// Typed calls into the core's JSON API (docs/core-api.md). An `{error}` answer becomes a
// PlanError; everything else is passed through as the core gave it.

import type { Config } from './core-types.js';
import { type CoreAnswer, type CoreFunction, engine } from './engine.js';
import { type ErrorValue, PlanError } from './errors.js';

// The answers' types come from the core's JSON Schema (src/core-types.ts, generated).
export type {
  AllocateAnswer,
  Entry,
  ErrorKind,
  Excluded,
  HashKind,
  Holder,
  Layout,
  Lease,
  PlanAnswer,
  PortRange,
  Reason,
} from './core-types.js';

/** A resolved config: every key filled in (load_config's answer). */
export type ResolvedConfig = Config;

export interface CliCommand {
  command: 'get' | 'plan' | 'why' | 'env' | 'run' | 'ls' | 'release' | 'preview';
  name: string | null;
  all: boolean;
  json: boolean;
  probe: boolean;
  config_path: string | null;
  options: Record<string, unknown>;
  cmd: string[];
  /** Whether the command plans against the registry, the names it adds to the config as
   * free services, which names it leases, and whether it may write the registry. */
  allocate: boolean;
  names: string[];
  lease: string[] | null;
  write: boolean;
  /** `env --write [FILE]`: FILE as given (`.env` by default); null without --write. */
  env_file: string | null;
  /** `preview --port N`; null: any free port. */
  preview_port: number | null;
  /** `preview`: false with --no-open. */
  open: boolean;
}

/** Calls the core; an error answer is returned as is (for callers that add a path). */
export function callRaw(fn: CoreFunction, request?: unknown): CoreAnswer {
  return engine().call(fn, request);
}

/** Calls the core; an error answer is thrown as a PlanError. */
export function call(fn: CoreFunction, request?: unknown): CoreAnswer {
  const answer = callRaw(fn, request);
  if (answer?.error) throw new PlanError(answer.error as ErrorValue);
  return answer;
}

export function configFiles(): string[] {
  return call('config_files').files;
}
