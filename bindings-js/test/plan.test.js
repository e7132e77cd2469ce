const test = require('node:test');
const assert = require('node:assert/strict');
const { plan, Plan, PlanError } = require('..');

test('plan gives ports, entries with reasons, and the core JSON shape', () => {
  const result = plan({ range: [40000, 40010], exclude: [], services: { web: true, ssh: 22 } }, { busy: [40005] });
  assert.ok(result instanceof Plan);
  assert.deepEqual(result.ports, { ssh: 22, web: 40006 });
  assert.deepEqual(result.entry('web').reason, { kind: 'displaced', home: 40005, by: 'busy' });
  assert.deepEqual(result.entry('ssh').reason, { kind: 'pinned' });
  assert.deepEqual(JSON.parse(JSON.stringify(result)), {
    plan: [
      { name: 'ssh', port: 22, reason: { kind: 'pinned' } },
      { name: 'web', port: 40006, reason: { kind: 'displaced', home: 40005, by: 'busy' } },
    ],
    namespace: '',
    range: [40000, 40010],
    layout: 'hash',
    hash: 'sha256',
    exclude: [],
  });
});

test('TOML and JSON text give the same plan as the object', () => {
  const object = plan({ namespace: 'shop@feature-x', services: { web: true, api: true } });
  const toml = plan('namespace = "shop@feature-x"\n[services]\nweb = true\napi = true\n');
  const json = plan(JSON.stringify({ namespace: 'shop@feature-x', services: { web: true, api: true } }));
  assert.deepEqual(toml.toJSON(), object.toJSON());
  assert.deepEqual(json.toJSON(), object.toJSON());
  assert.deepEqual(object.ports, { api: 20026, web: 26363 });
});

test('errors carry the kind and the data behind them', () => {
  assert.throws(
    () => plan({ services: { db: 5432 } }, { busy: new Set([5432]) }),
    (error) => error instanceof PlanError && error.kind === 'pin_busy' && /5432/.test(error.message),
  );
  assert.throws(
    () => plan({ services: { ssh: 22, sshd: 22 } }),
    (error) => error.kind === 'duplicate_pin' && error.data.port === 22 && error.data.services.length === 2,
  );
  assert.throws(
    () => plan('range = [1, 2'),
    (error) => error.kind === 'invalid_config',
  );
  assert.throws(
    () => plan({ services: { web: 'x' } }),
    (error) => error.kind === 'invalid_port',
  );
});

test('a plan does not depend on the order of services', () => {
  const a = plan({ range: [40000, 40004], exclude: [], services: { a: true, b: true, c: true } });
  const b = plan({ range: [40000, 40004], exclude: [], services: { c: true, b: true, a: true } });
  assert.deepEqual(a.toJSON(), b.toJSON());
});
