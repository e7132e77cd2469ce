// How a request crosses the WebAssembly boundary in Node: as JSON text (`plan_json`) or as
// JavaScript objects (`plan`). The Node module (bindings-js/pkg/node, `make build-js`) has both:
//   node bindings-js/wasm/bench/boundary.mjs [PKG_DIR] [SERVICES] [RUNS]
// Prints the median time of each way (runs interleaved) and their ratio.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const [dir = 'bindings-js/pkg/node', count = '10000', runs = '7'] = process.argv.slice(2);
const wasm = createRequire(import.meta.url)(resolve(dir, 'portplan_wasm.js'));
const services = Object.fromEntries(Array.from({ length: Number(count) }, (_, i) => [`service-${i}`, true]));
const config = { range: [1024, 65535], exclude: [], services };

const entry = 'plan';
const request = { config, busy: [] };
const ways = {
  [`JSON text (${entry}_json)`]: () => JSON.parse(wasm[`${entry}_json`](JSON.stringify(request))),
  [`JS objects (${entry}, serde-wasm-bindgen)`]: () => wasm[entry](request),
};
const first = Object.values(ways).map((way) => way());
if (JSON.stringify(first[0]) !== JSON.stringify(first[1])) throw new Error('the two ways give different answers');
if (!first[0].plan || first[0].plan.length !== Number(count))
  throw new Error(`no plan: ${JSON.stringify(first[0]).slice(0, 200)}`);

const times = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
for (let run = 0; run < Number(runs); run++) {
  for (const [name, way] of Object.entries(ways)) {
    const start = performance.now();
    way();
    times[name].push(performance.now() - start);
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const medians = Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));
for (const [name, ms] of Object.entries(medians)) {
  console.log(
    `${name}: median ${ms.toFixed(1)} ms of ${runs} runs (${times[name].map((t) => t.toFixed(0)).join(', ')})`,
  );
}
const [text, objects] = Object.values(medians);
console.log(`objects / text: ${(objects / text).toFixed(2)}x (${entry}, ${count} services, node ${process.version})`);
