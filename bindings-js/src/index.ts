// portplan for Node: stable, probed, registered ports for dev servers.
import { leases, listen, port, ports, probe, projectPlan, registryPath, release } from './api.js';
import { type EngineName, engine as loadedEngine } from './engine.js';
import { EngineError, PlanError, RegistryError } from './errors.js';
import { Plan, ProjectPlan, plan } from './plan.js';

/** Which engine runs the core: `native` (napi addon) or `wasm`. Loading the package throws
 * EngineError when PORTPLAN_ENGINE asks for an engine that cannot be loaded. */
export const engine: EngineName = loadedEngine().name;

export {
  type AllocateOptions,
  type ConfigOptions,
  type ListenOptions,
  leases,
  listen,
  type PortOptions,
  type ProjectPlanOptions,
  port,
  ports,
  probe,
  projectPlan,
  type ReleaseAll,
  registryPath,
  release,
} from './api.js';
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
  Service,
} from './core-types.js';
export type { EngineName } from './engine.js';
export { EngineError, type ErrorData, type ErrorValue, PlanError, RegistryError } from './errors.js';
export { type ConfigInput, Plan, type PlanOptions, ProjectPlan, plan } from './plan.js';
export type { Listenable, RequestHandler, ServerLike } from './server.js';

/**
 * Every export as one object: `import portplan from 'portplan'` (ES modules, and TypeScript
 * compiling to CommonJS), `require('portplan').default`. test/engine.test.js checks that it
 * holds every named export.
 */
const portplan = {
  engine,
  leases,
  listen,
  port,
  ports,
  probe,
  projectPlan,
  registryPath,
  release,
  plan,
  Plan,
  ProjectPlan,
  PlanError,
  RegistryError,
  EngineError,
};
export default portplan;
