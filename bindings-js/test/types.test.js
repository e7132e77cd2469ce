// The TypeScript types of the core's answers come from one source, the core's JSON Schema:
// src/core-types.ts must be exactly what scripts/gen-types.mjs makes of it.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

test('src/core-types.ts is what core/schema/portplan.schema.json gives', async () => {
  const { generate, OUTPUT, COMMAND } = await import(path.join(__dirname, '..', 'scripts', 'gen-types.mjs'));
  const committed = fs.readFileSync(OUTPUT, 'utf8');
  const expected = await generate();
  assert.ok(
    committed === expected,
    `bindings-js/src/core-types.ts is not what the schema gives: run \`${COMMAND}\` and commit the result`,
  );
});

test('the generated types name the literal unions of the schema', () => {
  const text = fs.readFileSync(path.join(__dirname, '..', 'src', 'core-types.ts'), 'utf8');
  assert.match(text, /export type Layout = 'hash' \| 'sequential' \| 'block';/);
  assert.match(text, /export type HashKind = 'sha256' \| 'lagom';/);
});
