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
const allocated = JSON.parse(wasm.allocate_json(JSON.stringify({ config: { ...config, namespace: 'p' }, now: 100 })));
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
    { found: { folder: 'shop', config }, names: ['api'] },
    { options: { namespace: 'git' } },
    { options: 5 },
  ],
  allocate: [
    { config: { ...config, namespace: 'p' }, now: 100, lease: ['web'] },
    { config, registry: '{' },
  ],
  release: [{ registry: allocated.registry, namespace: 'p', name: 'web' }, { registry: '[]' }],
  leases: [{ registry: allocated.registry }, {}],
  cli: [{ argv: ['get', 'web', '--range', '3000-3999'] }, { argv: ['--version'] }, { argv: ['frob'] }, {}],
  render: [
    { what: 'table', plan: planned },
    { what: 'why', plan: planned, name: 'web' },
    { what: 'json', plan: allocated },
    { what: 'error', error: { kind: 'usage', message: 'x' } },
    { what: 'nope' },
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
