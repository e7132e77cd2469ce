// The Node module's object entry points answer exactly as their JSON text twins, for
// every entry point, on good and bad requests (node --test bindings-js/wasm/test/).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const wasm = createRequire(import.meta.url)(here('../../pkg/node/portplan_wasm.js'));
const vectors = JSON.parse(readFileSync(here('../../../tests/vectors/plan.json'), 'utf8')).cases;

const config = { range: [40000, 40010], exclude: [], services: { web: true, ssh: 22, off: false } };
const planned = JSON.parse(wasm.plan_json(JSON.stringify({ config, busy: [40005] })));
const root = '/home/me/shop';
const allocated = JSON.parse(
  wasm.allocate_json(JSON.stringify({ config: { ...config, namespace: 'p' }, root, now: 100, lease: ['web'] })),
);
const folders = [
  {
    path: root,
    files: { 'portplan.toml': { text: 'range = [40000, 40010]\n[services]\nweb = true' } },
    markers: ['.git'],
  },
  { path: '/home/me', files: {}, markers: [] },
  { path: '/home', files: {}, markers: [] },
  { path: '/', files: {}, markers: [] },
];
const REQUESTS = {
  plan: [
    { config, busy: [40005] },
    { config: 'range = [1, 2' },
    { config: { services: { a: 22, b: 22 } } },
    { busy: 'x' },
    {},
  ],
  extract_config: [
    { file: 'package.json', text: '{"portplan": {"range": [1, 9]}}' },
    { file: 'pyproject.toml', text: '[tool' },
    {},
  ],
  load_config: [
    { cwd: root, folders, names: ['api'] },
    { cwd: root, folders, options: { namespace: 'git' } },
    { cwd: root, folders: [], config_path: 'x.toml', config_file: { path: '/x.toml', missing: true } },
    { cwd: root, folders, options: 5 },
    { folders },
  ],
  allocate: [
    { config: { ...config, namespace: 'p' }, root, now: 100, lease: ['web'] },
    { config, root, registry: allocated.registry, now: 200, lease: [] },
    { config, root, registry: '{' },
    { config, now: 100 },
  ],
  release: [
    { registry: allocated.registry, namespace: 'p', root, name: 'web', now: 200 },
    { registry: allocated.registry, namespace: 'p', name: 'web' },
    { registry: '[]', root },
  ],
  registry_path: [
    { platform: 'linux', env: { XDG_STATE_HOME: '/x' }, home: '/home/me', cwd: root },
    { platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, home: 'C:\\Users\\me', cwd: 'C:\\' },
    { platform: 'linux', env: {}, home: null, cwd: root },
    { platform: 5 },
  ],
  leases: [{ registry: allocated.registry }, {}],
  cli: [{ argv: ['get', 'web', '--range', '3000-3999'] }, { argv: ['--version'] }, { argv: ['frob'] }, {}],
  render: [
    { what: 'table', plan: planned },
    { what: 'why', plan: planned, name: 'web' },
    { what: 'json', plan: allocated },
    { what: 'table', plan: allocated },
    { what: 'leases', leases: JSON.parse(wasm.leases_json(JSON.stringify({ registry: allocated.registry }))).leases },
    { what: 'error', error: { kind: 'usage', message: 'x' } },
    { what: 'nope' },
  ],
  lock_verdict: [
    {
      path: '/r/registry.json.lock',
      text: '{"pid": 42, "host": "box", "time": 5}',
      this_host: 'box',
      now: 9,
      age_ms: 1,
    },
    {
      path: '/r/registry.json.lock',
      text: '{"pid": 42, "host": "box", "time": 5}',
      this_host: 'box',
      now: 9,
      age_ms: 1,
      alive: true,
    },
    { path: '/r/registry.json.lock', text: '', this_host: 'box', now: 9000, age_ms: 2500 },
    { path: '/r/registry.json.lock', text: '{"pid": 9223372036854775808}', this_host: 'box', now: 9, age_ms: 1 },
    { text: 'x' },
  ],
  temp_files: [
    { names: ['registry.json.tmp.77.ab12', 'registry.json'] },
    { names: ['registry.json.tmp.77.ab12'], alive: { 77: false } },
    { names: 5 },
  ],
  host_error: [{ problem: 'locked', path: '/r', pid: 42, host: 'box', time: 1795428245000 }, { problem: 'nope' }],
};

for (const [entry, requests] of Object.entries(REQUESTS)) {
  test(`${entry}: objects and JSON text give the same answers`, () => {
    for (const request of requests) {
      const text = JSON.parse(wasm[`${entry}_json`](JSON.stringify(request)));
      assert.deepEqual(wasm[entry](request), text, JSON.stringify(request));
    }
  });
}

test('config_files: objects and JSON text give the same answer', () => {
  assert.deepEqual(wasm.config_files(), JSON.parse(wasm.config_files_json()));
});

test('every shared vector plans the same as objects and as text', () => {
  for (const vector of vectors) {
    const request = { config: vector.config, busy: vector.busy };
    assert.deepEqual(wasm.plan(request), JSON.parse(wasm.plan_json(JSON.stringify(request))), vector.id);
  }
});

test('a request that is not an object is an error answer, never a throw', () => {
  for (const request of [undefined, null, 5, 'text', [1, 2]]) {
    assert.equal(wasm.plan(request).error.kind, 'invalid_request', String(request));
  }
});

test('a malformed request is worded the same by the object and the text form', () => {
  const request = { folders };
  const object = wasm.load_config(request);
  assert.deepEqual(object, JSON.parse(wasm.load_config_json(JSON.stringify(request))));
  assert.match(object.error.message, /^the request is malformed: line 1, column \d+: missing field `cwd`$/);
  for (const bad of [null, 5, 'text', [1, 2]]) {
    assert.deepEqual(wasm.allocate(bad), JSON.parse(wasm.allocate_json(JSON.stringify(bad))), String(bad));
  }
});

test('the fixtures are answered, not refused', () => {
  assert.ok(allocated.registry, JSON.stringify(allocated));
  assert.equal(wasm.load_config(REQUESTS.load_config[0]).root, root);
  assert.equal(wasm.registry_path(REQUESTS.registry_path[0]).file, '/x/portplan/registry.json');
});
