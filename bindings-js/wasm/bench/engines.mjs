// The wasm engine next to the native one in Node, on the same plan, runs interleaved:
//   node bindings-js/wasm/bench/engines.mjs [SERVICES] [RUNS] [PKG_DIR ...]
// Each PKG_DIR (default bindings-js/pkg/node, `make build-js`) is a wasm-bindgen Node module
// of this crate: give several to compare builds. Every way gets the request as the package
// hands it (a JS object) and gives the answer as a JS object:
// - native: JSON.stringify → the napi addon's plan_json → JSON.parse (engine.ts, textEngine);
// - wasm objects: `plan(request)` through serde-wasm-bindgen (engine.ts, loadWasm);
// - wasm text: JSON.stringify → `plan_json` → JSON.parse.
// Prints each way's median, and each wasm way ÷ native.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const [count = '10000', runs = '9', ...dirs] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const nativeDir = resolve('bindings-js/native');
const addonFile = readdirSync(nativeDir).find((name) => name.endsWith('.node'));
const addon = require(join(nativeDir, addonFile));
const services = Object.fromEntries(Array.from({ length: Number(count) }, (_, i) => [`service-${i}`, true]));
const request = { config: { range: [1024, 65535], exclude: [], services }, busy: [] };

const ways = { native: () => JSON.parse(addon.planJson(JSON.stringify(request))) };
for (const dir of dirs.length ? dirs : ['bindings-js/pkg/node']) {
  const wasm = require(resolve(dir, 'portplan_wasm.js'));
  ways[`wasm objects (${dir})`] = () => wasm.plan(request);
  ways[`wasm text (${dir})`] = () => JSON.parse(wasm.plan_json(JSON.stringify(request)));
}
const expected = JSON.stringify(ways.native());
for (const [name, way] of Object.entries(ways)) {
  if (JSON.stringify(way()) !== expected) throw new Error(`${name} answers differently from native`);
}

const times = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
for (let run = 0; run < Number(runs); run++) {
  for (const [name, way] of Object.entries(ways)) {
    const start = performance.now();
    way();
    times[name].push(performance.now() - start);
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const native = median(times.native);
for (const [name, list] of Object.entries(times)) {
  const ms = median(list);
  console.log(`${name}: ${ms.toFixed(1)} ms (${(ms / native).toFixed(2)}x native)`);
}
console.log(`${count} services, median of ${runs} runs, node ${process.version}`);
