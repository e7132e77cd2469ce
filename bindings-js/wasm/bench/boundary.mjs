// How a plan crosses the WebAssembly boundary in Node: as JSON text (`plan_json`, what the
// Node fallback engine uses) or as JavaScript objects through serde-wasm-bindgen (`plan`,
// what portplan/web uses). Build a Node module with both first:
//   cargo build -p portplan-wasm --target wasm32-unknown-unknown --profile wasm --features objects
//   wasm-bindgen --target nodejs --out-dir target/wasm-both target/wasm32-unknown-unknown/wasm/portplan_wasm.wasm
//   bindings-js/node_modules/.bin/wasm-opt -Oz --converge target/wasm-both/portplan_wasm_bg.wasm -o target/wasm-both/portplan_wasm_bg.wasm
//   node bindings-js/wasm/bench/boundary.mjs target/wasm-both [SERVICES] [RUNS]
// Prints the median time of each way (runs interleaved) and their ratio.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const [dir = 'target/wasm-both', count = '10000', runs = '7'] = process.argv.slice(2);
const wasm = createRequire(import.meta.url)(resolve(dir, 'portplan_wasm.js'));
const services = Object.fromEntries(Array.from({ length: Number(count) }, (_, i) => [`service-${i}`, true]));
const config = { range: [1024, 65535], exclude: [], services };

const ways = {
  'JSON text (plan_json)': () => JSON.parse(wasm.plan_json(JSON.stringify({ config, busy: [] }))),
  'JS objects (plan, serde-wasm-bindgen)': () => wasm.plan({ config, busy: [] }),
};
const first = Object.values(ways).map((way) => way());
if (JSON.stringify(first[0]) !== JSON.stringify(first[1])) throw new Error('the two ways give different answers');
if (!first[0].plan || first[0].plan.length !== Number(count)) throw new Error(`no plan: ${JSON.stringify(first[0]).slice(0, 200)}`);

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
  console.log(`${name}: median ${ms.toFixed(1)} ms of ${runs} runs (${times[name].map((t) => t.toFixed(0)).join(', ')})`);
}
const [text, objects] = Object.values(medians);
console.log(`objects / text: ${(objects / text).toFixed(2)}x (${count} services, node ${process.version})`);
