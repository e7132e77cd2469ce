// One Node measurement, run by bench/bench.py in its own process (the engine is chosen by
// PORTPLAN_ENGINE at load, so each engine gets a fresh process). Prints one JSON object:
// { "<case>": [milliseconds per repetition, ...], ... }.
//   node node_worker.mjs plan REPS          plan() of 100 / 10,000 / 60,000 services
//   node node_worker.mjs plan-once COUNT    one plan() of COUNT services (0: none), for peak RSS
//   node node_worker.mjs named N REPS       N distinct named ports: portplan `ports()` of all
//                                           (batch), `port()` of each new name (each), of each
//                                           leased name again (again), one leased name M times
//   node node_worker.mjs peers N REPS       N ports from get-port and portfinder
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');
const require = createRequire(path.join(root, 'bindings-js', 'package.json'));
const [mode, ...args] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** The same services as core/benches/plan.rs: `service-i` free, [1024, 65535], no excludes. */
function planConfig(count) {
  const services = {};
  for (let i = 0; i < count; i++) services[`service-${i}`] = true;
  return { range: [1024, 65535], exclude: [], services };
}

/** A fresh registry home and a project folder with a config, both thrown away afterwards. */
function freshProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portplan-bench-'));
  fs.mkdirSync(path.join(dir, 'home'));
  fs.mkdirSync(path.join(dir, 'project'));
  // The default range [20000, 29999]; 1000 names fill a tenth of it.
  fs.writeFileSync(path.join(dir, 'project', 'portplan.toml'), 'namespace = "bench"\n');
  process.env.PORTPLAN_HOME = path.join(dir, 'home');
  return { dir, cwd: path.join(dir, 'project') };
}

/** What changes when the registry is written: its inode, size and modification time. */
function registryState(file) {
  const info = fs.statSync(file, { bigint: true });
  return `${info.ino}:${info.size}:${info.mtimeNs}`;
}

const names = (n) => Array.from({ length: n }, (_, i) => `bench-service-${i}`);

async function main() {
  const out = {};
  if (mode === 'plan') {
    const reps = Number(args[0]);
    const { plan, engine } = require(root + '/bindings-js');
    out.engine = engine;
    for (const count of [100, 10_000, 60_000]) {
      const config = planConfig(count);
      plan(config); // warm-up: first call pays for lazy setup, not the plan
      const samples = [];
      for (let r = 0; r < reps; r++) {
        const start = now();
        const answer = plan(config);
        samples.push(now() - start);
        if (Object.keys(answer.ports).length !== count) throw new Error('short plan');
      }
      out[`plan_${count}`] = samples;
    }
  } else if (mode === 'plan-once') {
    const count = Number(args[0]);
    const { plan, engine } = require(root + '/bindings-js');
    out.engine = engine;
    const config = planConfig(count);
    const start = now();
    if (count > 0 && Object.keys(plan(config).ports).length !== count) throw new Error('short plan');
    out.ms = now() - start;
  } else if (mode === 'named') {
    const [n, reps] = args.map(Number);
    const { port, ports, engine } = require(root + '/bindings-js');
    out.engine = engine;
    for (const kind of ['batch', 'each', 'again', 'repeat']) out[kind] = [];
    out.again_wrote = false;
    for (let r = 0; r < reps; r++) {
      let project = freshProject();
      const list = names(n);
      let start = now();
      let got = Object.values(await ports(list, { cwd: project.cwd }));
      out.batch.push(now() - start);
      if (new Set(got).size !== n) throw new Error('batch: ports not distinct');
      fs.rmSync(project.dir, { recursive: true, force: true });

      // One call per name: every name new (each writes its lease), then every name again.
      project = freshProject();
      start = now();
      got = [];
      for (const name of list) got.push(await port(name, { cwd: project.cwd }));
      out.each.push(now() - start);
      if (new Set(got).size !== n) throw new Error('each: ports not distinct');
      const registry = path.join(process.env.PORTPLAN_HOME, 'registry.json');
      const before = registryState(registry);
      start = now();
      const again = [];
      for (const name of list) again.push(await port(name, { cwd: project.cwd }));
      out.again.push(now() - start);
      if (again.some((p, i) => p !== got[i])) throw new Error('again: a leased port moved');
      // Asking again for a leased name writes nothing (SPEC v2 §7).
      if (registryState(registry) !== before) out.again_wrote = true;
      start = now();
      for (let i = 0; i < n; i++) await port(list[0], { cwd: project.cwd });
      out.repeat.push((now() - start) / n);
      fs.rmSync(project.dir, { recursive: true, force: true });
    }
  } else if (mode === 'peers') {
    const [n, reps] = args.map(Number);
    const peers = path.join(root, 'bench', '.peers', 'node', 'node_modules');
    const getPort = (await import(pathToFileURL(path.join(peers, 'get-port', 'index.js')).href)).default;
    const portfinder = createRequire(path.join(peers, 'x.js'))('portfinder');
    out['get-port'] = [];
    out.portfinder = [];
    for (let r = 0; r < reps; r++) {
      let start = now();
      const got = [];
      // get-port's default: a port the OS picks, not handed out twice for 15 s in this process.
      for (let i = 0; i < n; i++) got.push(await getPort());
      out['get-port'].push(now() - start);
      if (new Set(got).size !== n) throw new Error('get-port: ports not distinct');
      // portfinder scans upward from a start port; start each call after the last port so
      // that the n ports are distinct (it holds nothing, so it would return one port n times).
      start = now();
      let next = 8000;
      for (let i = 0; i < n; i++) next = (await portfinder.getPortPromise({ port: next })) + 1;
      out.portfinder.push(now() - start);
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
