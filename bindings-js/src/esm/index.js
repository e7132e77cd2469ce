// The ES module entry of `portplan`: the CommonJS build itself, loaded with require, so that
// `import` and `require` in one process share one engine and one PlanError class (no
// dual-package hazard). The names are listed rather than `export *`: Node then neither lexes
// the CommonJS file for them nor wraps it at every start (test/engine.test.js checks that the
// two lists agree). scripts/build.sh copies this folder to dist/esm/.
import { createRequire } from 'node:module';

const portplan = createRequire(import.meta.url)('../cjs/index.js');

export const {
  engine,
  leases,
  listen,
  port,
  ports,
  projectPlan,
  release,
  EngineError,
  PlanError,
  RegistryError,
  Plan,
  ProjectPlan,
  plan,
  probe,
  registryPath,
} = portplan;

/** `import portplan from 'portplan'`: every export as one object (the CommonJS build's
 * `default`, so that both ways give the same object). */
export default portplan.default;
