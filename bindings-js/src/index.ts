// portplan for Node: stable, probed, registered ports for dev servers.
import { type EngineName, engine as loadedEngine } from './engine.js';

/** Which engine runs the core: `native` (napi addon) or `wasm`. Loading the package throws
 * EngineError when PORTPLAN_ENGINE asks for an engine that cannot be loaded. */
export const engine: EngineName = loadedEngine().name;

export {
  type AllocateOptions,
  allocate,
  type ListenOptions,
  leases,
  listen,
  port,
  ports,
  release,
} from './allocate.js';
export type {
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
} from './core.js';
export type { Service } from './core-types.js';
export type { ConfigOptions } from './discover.js';
export type { EngineName } from './engine.js';
export { EngineError, type ErrorData, type ErrorValue, PlanError, RegistryError } from './errors.js';
export { type ConfigInput, Plan, type PlanOptions, plan } from './plan.js';
export { probe } from './probe.js';
export { registryPath } from './registryPath.js';
