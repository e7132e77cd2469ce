// The answer types are generated from core/schema/portplan.schema.json (the core's own types):
// src/core-types.ts, built to dist/cjs/core-types.d.ts.
import type { ConfigInput, ErrorAnswer, PlanAnswer } from '../dist/cjs/core-types.js';

export type {
  ConfigInput,
  Entry,
  ErrorAnswer,
  ErrorKind,
  Excluded,
  HashKind,
  Holder,
  Layout,
  PlanAnswer,
  PlanError,
  PortRange,
  Reason,
  Service,
} from '../dist/cjs/core-types.js';

/** Loads the WebAssembly module once (default: the .wasm file next to this module). */
export function init(source?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** Plans `config` (object, or TOML/JSON text) against `busy`: the core's answer, as a plain object. */
export function plan(config: ConfigInput, options?: { busy?: Iterable<number> }): PlanAnswer | ErrorAnswer;
