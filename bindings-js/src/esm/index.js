// The ES module entry of `portplan`: the CommonJS build itself, so that `import` and `require`
// in one process share one engine and one PlanError class (no dual-package hazard).
// scripts/build.sh copies this folder to dist/esm/.
export * from '../cjs/index.js';
