// The answer types follow core/schema/portplan.schema.json (generated from the core's types).

export type Holder = 'service' | 'pinned' | 'lease' | 'busy' | 'excluded' | 'unsafe' | 'range';

export type Reason =
  | { kind: 'pinned' }
  | { kind: 'home'; home: number }
  | { kind: 'sequential' }
  | { kind: 'block'; base: number; offset: number }
  | { kind: 'kept'; since: number }
  | { kind: 'displaced'; home: number; by: Holder; service?: string; namespace?: string };

export interface Entry {
  name: string;
  port: number;
  reason: Reason;
}

export interface PlanAnswer {
  plan: Entry[];
  namespace: string;
  range: [number, number];
  layout: 'hash' | 'sequential' | 'block';
  hash: 'sha256' | 'lagom';
  /** The config's excluded ports, defaults applied: a port, or `[a, b]` for a range. */
  exclude: Array<number | [number, number]>;
}

export type ErrorKind =
  | 'invalid_range'
  | 'invalid_config'
  | 'invalid_name'
  | 'invalid_port'
  | 'duplicate_pin'
  | 'pin_busy'
  | 'range_exhausted'
  | 'invalid_request'
  | 'invalid_registry'
  | 'usage'
  | 'unknown_service'
  | 'host';

export interface ErrorAnswer {
  error: { kind: ErrorKind; message: string; [field: string]: unknown };
}

/** Loads the WebAssembly module once (default: the .wasm file next to this module). */
export function init(source?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** Plans `config` (object, or TOML/JSON text) against `busy`: the core's answer, as a plain object. */
export function plan(config: Record<string, unknown> | string, options?: { busy?: Iterable<number> }): PlanAnswer | ErrorAnswer;
