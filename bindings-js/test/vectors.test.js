// Every shared vector (tests/vectors/plan.json) through plan(), and through portplan/web.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { plan, PlanError } = require('..');

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'vectors', 'plan.json'), 'utf8'));

test('the shared vectors are there', () => {
  assert.ok(vectors.cases.length >= 20);
});

for (const vector of vectors.cases) {
  test(`vector ${vector.id}`, () => {
    const { expected } = vector;
    if (expected.error) {
      assert.throws(
        () => plan(vector.config, { busy: vector.busy }),
        (error) => error instanceof PlanError && error.kind === expected.error && error.message.length > 0,
      );
    } else {
      const result = plan(vector.config, { busy: vector.busy });
      assert.deepEqual(result.ports, expected.assignments);
    }
  });
}

test('portplan/web gives the same answers for every vector', async () => {
  const web = await import('../web/index.js');
  await web.init(fs.readFileSync(path.join(__dirname, '..', 'web', 'portplan_wasm_bg.wasm')));
  for (const vector of vectors.cases) {
    const answer = web.plan(vector.config, { busy: vector.busy });
    if (vector.expected.error) {
      assert.equal(answer.error.kind, vector.expected.error, vector.id);
    } else {
      assert.deepEqual(
        Object.fromEntries(answer.plan.map((e) => [e.name, e.port])),
        vector.expected.assignments,
        vector.id,
      );
      assert.deepEqual(answer, plan(vector.config, { busy: vector.busy }).toJSON(), vector.id);
    }
  }
});
