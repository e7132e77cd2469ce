// portplan for Node: stable, probed, registered ports for dev servers.
import { engine as loadedEngine, type EngineName } from './engine.js';

/** Which engine runs the core: `native` (napi addon) or `wasm`. Loading the package throws
 * EngineError when PORTPLAN_ENGINE asks for an engine that cannot be loaded. */
export const engine: EngineName = loadedEngine().name;

export { plan, Plan, type ConfigInput, type PlanOptions } from './plan.js';
export { port, ports, allocate, listen, release, leases, type AllocateOptions, type ListenOptions } from './allocate.js';
export { probe } from './probe.js';
export { EngineError, PlanError, RegistryError, type ErrorValue } from './errors.js';
export { registryPath } from './registryPath.js';
export type { ConfigOptions } from './discover.js';
export type { Entry, Reason, Lease, PlanAnswer } from './core.js';
export type { EngineName } from './engine.js';
