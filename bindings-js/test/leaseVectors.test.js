// The shared lease vectors (tests/vectors/leases.json) through the CLI, bin/portplan.js run as
// a subprocess: every scenario's command lines, their output and the registry after each.
// The same file runs as Rust sessions (core/native/tests/lease_vectors.rs) and through Python's
// CLI (bindings-python/tests/test_lease_vectors.py); its `how` says what each field means.
// Both engines: the one PORTPLAN_ENGINE names, else native and wasm in turn.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const BIN = path.join(__dirname, '..', 'bin', 'portplan.js');
const vectors = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'vectors', 'leases.json'), 'utf8'),
);
const engines = process.env.PORTPLAN_ENGINE ? [process.env.PORTPLAN_ENGINE] : ['native', 'wasm'];

/** A time within this many seconds of the scenario's start is NOW; beyond the limit, a number. */
const NOW_WINDOW = 600;
const RELATIVE_LIMIT = 400 * 86400;
const UNITS = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

/** NOW, NOW+2d, NOW-50m → seconds from the start; null for anything else. */
function offsetOf(label) {
  const match = /^NOW(?:([+-])(\d+)([dhms]))?$/.exec(label);
  if (!match) return null;
  if (!match[1]) return 0;
  const size = UNITS.find(([unit]) => unit === match[3])[1];
  return (match[1] === '-' ? -1 : 1) * Number(match[2]) * size;
}

function timeLabel(time, base) {
  const delta = time - base;
  if (Math.abs(delta) <= NOW_WINDOW) return 'NOW';
  if (Math.abs(delta) > RELATIVE_LIMIT) return time;
  const [unit, size] = UNITS.find(([, size]) => delta % size === 0);
  return `NOW${delta < 0 ? '-' : '+'}${Math.abs(delta) / size}${unit}`;
}

const leaseKey = (lease) => [lease.namespace, lease.name, lease.root ?? ''];
const byKey = (a, b) => {
  const [x, y] = [leaseKey(a), leaseKey(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
};

/** One scenario's world: its folders (label → real path), the registry folder, the start. */
class World {
  constructor(scenario) {
    const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'portplan-vectors-')));
    this.tmp = tmp;
    this.labels = [];
    for (const [label, folder] of Object.entries(scenario.folders)) {
      const dir = path.join(tmp, folder.path);
      fs.mkdirSync(dir, { recursive: true });
      for (const [name, text] of Object.entries(folder.files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      this.labels.push([label, dir]);
    }
    this.state = path.join(tmp, 'state');
    this.labels.push(['STATE', this.state]);
    // Longest first, so that no path is replaced inside a longer one.
    this.labels.sort((a, b) => b[1].length - a[1].length);
    this.base = Math.floor(Date.now() / 1000);
    this.registry = path.join(this.state, 'registry.json');
    if (scenario.registry !== null) {
      fs.mkdirSync(this.state, { recursive: true });
      const initial = scenario.registry;
      fs.writeFileSync(
        this.registry,
        typeof initial === 'string' ? initial : JSON.stringify(this.filled(initial), null, 2),
      );
    }
  }

  pathOf(label) {
    return this.labels.find(([l]) => l === label)?.[1];
  }

  /** LABEL or LABEL/sub/folder → the real path. */
  folder(place) {
    const [label, ...rest] = place.split('/');
    return path.join(this.pathOf(label), ...rest);
  }

  filled(registry) {
    const leases = registry.leases.map((lease) => {
      const filled = { ...lease };
      if (typeof lease.root === 'string' && this.pathOf(lease.root)) filled.root = this.pathOf(lease.root);
      for (const key of ['created', 'used']) {
        const offset = typeof lease[key] === 'string' ? offsetOf(lease[key]) : null;
        if (offset !== null) filled[key] = this.base + offset;
      }
      return filled;
    });
    return { ...registry, leases };
  }

  normalized(registry) {
    if (!Array.isArray(registry.leases)) return registry;
    const leases = registry.leases.map((lease) => {
      const normal = { ...lease };
      const label = this.labels.find(([, p]) => p === lease.root);
      if (label) normal.root = label[0];
      for (const key of ['created', 'used']) {
        if (Number.isInteger(lease[key])) normal[key] = timeLabel(lease[key], this.base);
      }
      return normal;
    });
    return { ...registry, leases: leases.sort(byKey) };
  }

  /** Output with the real paths as their labels and dates as {DATE}. */
  text(text) {
    let out = text;
    for (const [label, dir] of this.labels) out = out.split(dir).join(`{${label}}`);
    return out.replace(/\d{4}-\d{2}-\d{2}/g, '{DATE}');
  }

  /** The registry as the vectors compare it with `wanted`. */
  registryNow(wanted) {
    if (!fs.existsSync(this.registry)) return null;
    const text = fs.readFileSync(this.registry, 'utf8');
    if (typeof wanted === 'string') return text;
    try {
      const value = JSON.parse(text);
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? this.normalized(value) : text;
    } catch {
      return text;
    }
  }

  fileState() {
    if (!fs.existsSync(this.registry)) return null;
    const stat = fs.statSync(this.registry, { bigint: true });
    return { bytes: fs.readFileSync(this.registry, 'latin1'), size: stat.size, mtimeNs: stat.mtimeNs, ino: stat.ino };
  }

  cli(engine, cwd, argv) {
    const env = { ...process.env, PORTPLAN_HOME: this.state, PORTPLAN_ENGINE: engine };
    // Nothing of this test process' own runner may reach the CLI (a Vitest or Jest worker id
    // would make it a test session; node --test's context is for its own children).
    for (const name of ['VITEST_POOL_ID', 'JEST_WORKER_ID', 'NODE_TEST_CONTEXT', 'XDG_STATE_HOME']) delete env[name];
    const result = spawnSync(process.execPath, [BIN, ...argv], { cwd, env, encoding: 'utf8' });
    return { exit: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  remove() {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

test('the lease vectors are there', () => {
  assert.ok(vectors.scenarios.length >= 10, `${vectors.scenarios.length} scenarios`);
});

for (const engine of engines) {
  for (const scenario of vectors.scenarios) {
    test(`${engine}: ${scenario.id}`, () => {
      const world = new World(scenario);
      try {
        scenario.steps.forEach((step, index) => {
          if (step.remove) {
            fs.rmSync(world.folder(step.remove), { recursive: true });
            return;
          }
          if (step.write) {
            for (const [place, text] of Object.entries(step.write)) fs.writeFileSync(world.folder(place), text);
            return;
          }
          const at = `step ${index + 1} (portplan ${step.argv.join(' ')})`;
          const before = world.fileState();
          const ran = world.cli(engine, world.folder(step.cwd), step.argv);
          assert.equal(ran.exit, step.exit, `${at}: exit; stderr: ${ran.stderr}`);
          if (step.stdout !== null) assert.equal(world.text(ran.stdout), step.stdout, `${at}: stdout`);
          if (step.stderr !== null) assert.equal(world.text(ran.stderr), step.stderr, `${at}: stderr`);
          if (step.writes === false) assert.deepEqual(world.fileState(), before, `${at}: wrote the registry`);
          const wanted =
            step.registry !== null && typeof step.registry === 'object'
              ? { ...step.registry, leases: [...step.registry.leases].sort(byKey) }
              : step.registry;
          assert.deepEqual(world.registryNow(wanted), wanted, `${at}: registry`);
        });
      } finally {
        world.remove();
      }
    });
  }
}

test('times are labelled as the vectors write them', () => {
  const base = 1_800_000_000;
  for (const [offset, label] of [
    [0, 'NOW'],
    [599, 'NOW'],
    [-2 * 86400, 'NOW-2d'],
    [31 * 86400, 'NOW+31d'],
    [-7200, 'NOW-2h'],
    [-3000, 'NOW-50m'],
    [-4000, 'NOW-4000s'],
  ]) {
    assert.equal(timeLabel(base + offset, base), label);
    if (label !== 'NOW') assert.equal(offsetOf(label), offset);
  }
  assert.equal(timeLabel(5, base), 5);
});
