// Typed calls into the core's JSON API (docs/core-api.md). An `{error}` answer becomes a
// PlanError; everything else is passed through as the core gave it.
import { type CoreAnswer, type CoreFunction, engine } from './engine.js';
import { type ErrorValue, PlanError } from './errors.js';

export type Reason =
  | { kind: 'pinned' }
  | { kind: 'home'; home: number }
  | { kind: 'sequential' }
  | { kind: 'block'; base: number; offset: number }
  | { kind: 'kept'; since: number }
  | {
      kind: 'displaced';
      home: number;
      by: 'service' | 'pinned' | 'lease' | 'busy' | 'excluded' | 'range';
      service?: string;
      namespace?: string;
    };

export interface Entry {
  name: string;
  port: number;
  reason: Reason;
}

/** The core's plan answer. */
export interface PlanAnswer {
  plan: Entry[];
  namespace: string;
  range: [number, number];
  layout: string;
  hash: string;
  /** The config's excluded ports: a port, or `[a, b]` for a range. */
  exclude: Array<number | [number, number]>;
}

export interface AllocateAnswer extends PlanAnswer {
  registry: string;
  probe: number[];
}

export interface Lease {
  namespace: string;
  name: string;
  port: number;
  created: number;
  used: number;
}

/** A resolved config: every key filled in. */
export type ResolvedConfig = Record<string, unknown> & { namespace: string };

export interface CliCommand {
  command: 'get' | 'plan' | 'why' | 'env' | 'run' | 'ls' | 'release';
  name: string | null;
  all: boolean;
  json: boolean;
  probe: boolean;
  config_path: string | null;
  options: Record<string, unknown>;
  cmd: string[];
  /** Whether the command plans against the registry, the names it adds to the config as
   * free services, and which names it leases. */
  allocate: boolean;
  names: string[];
  lease: string[] | null;
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
