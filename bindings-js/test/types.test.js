// The TypeScript types of the core's answers come from one source, the core's JSON Schema:
// src/core-types.ts must be exactly what scripts/gen-types.mjs makes of it.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

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

// A TypeScript user of both entries (`portplan`, `portplan/web`), compiled with tsc --strict
// against the built package: the generated types are the ones the entries give.
const CONSUMER = `
import { plan, type Lease, type Layout, type Reason, PlanError } from 'portplan';
import { plan as webPlan, type HashKind } from 'portplan/web';

const planned = plan({ range: [40000, 40010], services: { web: true, ssh: 22, off: false } });
const layout: Layout = planned.layout;
const reason: Reason = planned.entries[0].reason;
if (reason.kind === 'displaced' && reason.by === 'lease') {
  const holder: string = reason.namespace + reason.service;
}
// @ts-expect-error: layouts are a string-literal union
const spiral: Layout = 'spiral';
// @ts-expect-error: a config has no such key
plan({ servics: {} });
// @ts-expect-error: nor in the browser module
webPlan({ servics: {} });
const answer = webPlan('[services]\\nweb = true\\n');
if ('error' in answer) {
  const kind: 'pin_busy' | string = answer.error.kind;
} else {
  const hash: HashKind = answer.hash;
}
declare const lease: Lease;
const root: string | null = lease.root;
try {
  plan({});
} catch (error) {
  if (error instanceof PlanError) console.log(error.kind, error.data.port);
}
`;

test('a TypeScript user of portplan and portplan/web compiles with the generated types', (t) => {
  const packageDir = path.join(__dirname, '..');
  if (!fs.existsSync(path.join(packageDir, 'dist', 'cjs', 'core-types.d.ts'))) {
    assert.fail('dist/ is not built: run make build-js');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portplan-ts-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(packageDir, path.join(dir, 'node_modules', 'portplan'), 'dir');
  fs.writeFileSync(path.join(dir, 'consumer.mts'), CONSUMER);
  const compilerOptions = {
    strict: true,
    noEmit: true,
    module: 'node16',
    moduleResolution: 'node16',
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    typeRoots: [path.join(packageDir, 'node_modules', '@types')],
    types: ['node'],
    preserveSymlinks: true,
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.mts'] }));
  const tsc = path.join(packageDir, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
