// The Node module's `plan` answers exactly as its JSON text twin `plan_json`, on good and bad
// requests, and its `Session` runs a call (node --test bindings-js/wasm/test/).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const wasm = createRequire(import.meta.url)(here('../../pkg/node/portplan_wasm.js'));
const vectors = JSON.parse(readFileSync(here('../../../tests/vectors/plan.json'), 'utf8')).cases;

const config = { range: [40000, 40010], exclude: [], services: { web: true, ssh: 22, off: false } };
const REQUESTS = [
  { config, busy: [40005] },
  { config: 'range = [1, 2' },
  { config: { services: { a: 22, b: 22 } } },
  { busy: 'x' },
  {},
];

test('plan: objects and JSON text give the same answers', () => {
  for (const request of REQUESTS) {
    const text = JSON.parse(wasm.plan_json(JSON.stringify(request)));
    assert.deepEqual(wasm.plan(request), text, JSON.stringify(request));
  }
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
  for (const request of [{ busy: { a: 1 } }, { busy: [0] }, { config: 5 }]) {
    const object = wasm.plan(request);
    assert.deepEqual(object, JSON.parse(wasm.plan_json(JSON.stringify(request))), JSON.stringify(request));
    assert.ok(object.error, JSON.stringify(object));
  }
  assert.match(wasm.plan({ busy: { a: 1 } }).error.message, /^`busy` must be a list of ports, not \{"a":1\}$/);
});

test('a Session asks its host for every effect and answers at the end', () => {
  const host = { platform: 'linux', cwd: '/w', pid: 1, env: { PORTPLAN_HOME: '/p' } };
  const session = new wasm.Session(JSON.stringify({ host, call: 'leases' }));
  // The process clock (a file written in the last seconds is read afresh), then what is there.
  assert.deepEqual(JSON.parse(session.step(null)), { do: 'clock' });
  const stat = JSON.parse(session.step(JSON.stringify({ did: 'clock', ms: 1_800_000_000_000 })));
  assert.deepEqual(stat, { do: 'stat', paths: ['/p/registry.json'], follow: false });
  assert.deepEqual(JSON.parse(session.step(JSON.stringify({ did: 'stat', seen: [{ is: 'missing' }] }))), {
    done: { leases: [] },
  });
  const bad = new wasm.Session('{"host": {}}');
  assert.equal(JSON.parse(bad.step(null)).done.error.kind, 'invalid_request');
});
