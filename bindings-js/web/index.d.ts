export type Reason =
  | { kind: 'pinned' }
  | { kind: 'home'; home: number }
  | { kind: 'sequential' }
  | { kind: 'block'; base: number; offset: number }
  | { kind: 'kept'; since: number }
  | { kind: 'displaced'; home: number; by: 'service' | 'pinned' | 'lease' | 'busy' | 'excluded' | 'range'; service?: string; namespace?: string };

export interface PlanAnswer {
  plan: Array<{ name: string; port: number; reason: Reason }>;
  namespace: string;
  range: [number, number];
  layout: string;
  hash: string;
}

export interface ErrorAnswer {
  error: { kind: string; message: string; [field: string]: unknown };
}

/** Loads the WebAssembly module once (default: the .wasm file next to this module). */
export function init(source?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** Plans `config` (object, or TOML/JSON text) against `busy`: the core's JSON answer. */
export function plan(config: Record<string, unknown> | string, options?: { busy?: Iterable<number> }): PlanAnswer | ErrorAnswer;
