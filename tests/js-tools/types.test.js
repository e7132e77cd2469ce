// The package's types as TypeScript users meet them: a consumer project compiled by tsc 5.9,
// 6 and 7 (the native compiler) against the installed tarball, with `types: []` (the default
// from TypeScript 6 on: no @types package unless named), `types: ["node"]` and the version's
// default, and what `tsc --init` writes, skipLibCheck off and on, under strict and
// noUncheckedIndexedAccess; as ES modules, as CommonJS, and with bundler resolution (Vite's);
// the package alone (as in a project without @types/node) and beside express and vite. Each must compile without a word, and the
// `@ts-expect-error` lines prove what must stay an error: were `listen()`'s server `any` (what
// a .d.ts that cannot find Node's types gives under skipLibCheck), `listen('api', 42)` would
// compile and its directive would be an error of its own. Also: npm's isolated (linked)
// install, where @types/node is not hoisted, and the default export at run time.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { TOOLS, TRIAL, project, run } = require('./helpers.js');

const COMPILERS = ['5.9', '6', '7'];

/** What a consumer does with the API alone, whichever way it imports it (the import lines
 * differ). `ports()` of literal names is a record of exactly them: a number each, also under
 * noUncheckedIndexedAccess. */
const USE = `
const web: number = await port('web');
const both = await ports(['api', 'db']);
const api: number = both.api;
const db: number = both['db'];
// @ts-expect-error: a name not asked for is not in the answer
both.web;
const asked: string[] = ['x'];
const some = await ports(asked);
const maybe: number | undefined = some.x;
// @ts-expect-error: for names known only at run time, a port may be missing
const sure: number = some.x;

// listen(): a handler (its request and response typed), anything with listen().
await listen('hook', (request, response) => {
  response.statusCode = 204;
  response.end(request.url);
});
await listen('koa', { listen: (options: { port: number; host?: string }) => options.port });
// @ts-expect-error: a number is no server (were the parameter any, this would compile)
await listen('api', 42);
// @ts-expect-error: nor a handler's response anything
await listen('hook', (_request, response) => response.nonexistent());
const served: number = await listen('koa', { listen: () => null }, { host: '::1', tries: 3 });

// Options are checked by name.
// @ts-expect-error: a mistyped option
await port('web', { rnage: [3000, 3999] });
await port('web', { range: [3000, 3999], test: 'vitest', busy: new Set([3001]) });

// Errors, releases, leases.
try {
  await release('web');
} catch (error) {
  if (error instanceof PlanError) {
    const code: string | undefined = error.code;
    const at: number | undefined = error.port;
    const service: string | undefined = error.service;
    console.log(code, at, service, error.kind);
  }
}
await release({ all: true });
// @ts-expect-error: release() names what it frees
await release();
const all: Lease[] = leases();
const where: string = registryPath();
const pure = plan({ services: { web: true, ssh: 22 } });
const planned: number | undefined = pure.ports.web;
const shown = await projectPlan({ names: ['extra'] });
const root: string = shown.root;

// The default export holds every function.
const again: number = await portplan.port('web');
const engineName: 'native' | 'wasm' = portplan.engine;

export { web, api, db, maybe, sure, served, all, where, planned, root, again, engineName };
`;

const ESM = `import portplan, { leases, listen, PlanError, plan, port, ports, projectPlan, registryPath, release, type Lease } from 'portplan';
${USE}`;

// CommonJS (a .cts file): \`import x = require()\` and the interop default import both work.
const CJS = `import portplan from 'portplan';
import api = require('portplan');
const { leases, listen, PlanError, plan, port, ports, projectPlan, registryPath, release } = api;
type Lease = api.Lease;

async function main() {
${USE.replace(/^export .*$/m, '')}
}
main();
`;

/** With the tools beside it: an express app (@types/express), the Vite plugin (vite's types).
 * A program of its own: their types bring Node's, which would hide a package that lacks them. */
const WITH_TOOLS = `import { listen } from 'portplan';
import vitePlugin, { portplan as namedPlugin } from 'portplan/vite';
import express from 'express';
import type { Plugin } from 'vite';

await listen('api', express());
const served: number = await listen('api', express(), { host: '::1', tries: 3 });
// @ts-expect-error: still no server
await listen('api', { lissen: () => null });
const plugin: Plugin = vitePlugin({ name: 'docs' });
const named: Plugin = namedPlugin();
// @ts-expect-error: the plugin's options are checked too
vitePlugin({ nmae: 'docs' });
export { served, plugin, named };
`;

// The same from CommonJS (a vite.config.cts, a server in a .cts file).
const WITH_TOOLS_CJS = `import { listen } from 'portplan';
import vitePlugin, { portplan as namedPlugin } from 'portplan/vite';
import express = require('express');
import type { Plugin } from 'vite' with { 'resolution-mode': 'import' };

async function main() {
  const served: number = await listen('api', express(), { host: '::1', tries: 3 });
  // @ts-expect-error: still no server
  await listen('api', { lissen: () => null });
  const plugin: Plugin = vitePlugin({ name: 'docs' });
  const named: Plugin = namedPlugin();
  return [served, plugin, named];
}
main();
`;

const BASE = {
  strict: true,
  noEmit: true,
  target: 'es2022',
  lib: ['es2023'],
  noUncheckedIndexedAccess: true,
  noUnusedLocals: false,
};

/** The settings of each compile: `types` as given (absent: the version's default, every
 * visible @types package for 5.9, none from 6 on). */
const SETTINGS = {
  'types []': { types: [] },
  'types [] + skipLibCheck': { types: [], skipLibCheck: true },
  'types [node]': { types: ['node'] },
  'default types': {},
  // What \`tsc --init\` of TypeScript 6 and 7 writes (skipLibCheck off: the .d.ts are checked).
  'tsc --init': {
    types: [],
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: 'force',
  },
};

const NODENEXT = { module: 'nodenext', moduleResolution: 'nodenext' };
const BUNDLER = { module: 'preserve', moduleResolution: 'bundler' };

/** Each program: its module options, files and settings. */
const PROGRAMS = {
  // The package alone, as ES module and CommonJS side by side, as Node runs them.
  'portplan alone, nodenext': {
    options: NODENEXT,
    files: ['plain.mts', 'plain.cts'],
    settings: ['types []', 'types [] + skipLibCheck', 'types [node]', 'default types'],
  },
  // An ES module project as \`tsc --init\` sets one up (verbatimModuleSyntax refuses the
  // interop imports of a .cts file: that file is left out).
  'portplan alone, nodenext ESM': { options: NODENEXT, files: ['plain.mts'], settings: ['tsc --init'] },
  // A bundler's (Vite's) resolution, the package's \`import\` entries.
  'portplan alone, bundler': { options: BUNDLER, files: ['plain.ts'], settings: ['types []', 'default types'] },
  'with express and vite, nodenext': {
    options: NODENEXT,
    files: ['tools.mts', 'tools.cts'],
    settings: ['types []', 'types [] + skipLibCheck'],
  },
  'with express and vite, nodenext ESM': { options: NODENEXT, files: ['tools.mts'], settings: ['tsc --init'] },
};

function tsc(version) {
  const bin = path.join(TOOLS, 'node_modules', `typescript-${version}`, 'bin', 'tsc');
  assert.ok(fs.existsSync(bin), `${bin} (tests/js-tools/install.sh)`);
  return bin;
}

/** A consumer project: `{package.json, the sources}` under \`root\` (the trial by default). */
function consumer(files, root = TRIAL) {
  const dir = project(
    {
      'package.json': { name: 'consumer', private: true, type: 'module' },
      'plain.mts': ESM,
      'plain.ts': ESM,
      'plain.cts': CJS,
      'tools.mts': WITH_TOOLS,
      'tools.cts': WITH_TOOLS_CJS,
      ...files,
    },
    'ts',
  );
  if (root === TRIAL) return dir;
  const moved = path.join(root, path.basename(dir));
  fs.renameSync(dir, moved);
  return moved;
}

/** Compiles `dir` with tsc `version` and `compilerOptions`: passes only with no output at all. */
function compiles(dir, version, compilerOptions, files) {
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }, null, 2));
  const result = run(tsc(version), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir });
  assert.equal(
    `${result.out}${result.err}`,
    '',
    `tsc ${version} ${JSON.stringify(compilerOptions)} on ${files.join(', ')}`,
  );
  assert.equal(result.code, 0);
}

test('the compilers are the versions asked for (7: the native one)', () => {
  for (const version of COMPILERS) {
    const said = run(tsc(version), ['--version']).out.trim();
    assert.match(said, new RegExp(`^Version ${version.replace('.', '\\.')}\\.`), said);
  }
  const native = fs.readdirSync(path.join(TOOLS, 'node_modules', '@typescript'));
  assert.ok(
    native.some((name) => name.startsWith('typescript-linux') || name.startsWith('typescript-darwin')),
    `typescript 7 brings its native compiler: ${native}`,
  );
});

test('a consumer compiles under every compiler, setting and resolution', async (t) => {
  const dir = consumer({});
  for (const version of COMPILERS) {
    for (const [program, { options, files, settings }] of Object.entries(PROGRAMS)) {
      for (const setting of settings) {
        await t.test(`tsc ${version}, ${program}, ${setting}`, () =>
          compiles(dir, version, { ...BASE, ...options, ...SETTINGS[setting] }, files),
        );
      }
    }
  }
});

test('a mistake in the consumer is still an error under each compiler (the checks run)', () => {
  const dir = consumer({
    'esm.mts': "import { port } from 'portplan';\nexport const wrong: string = await port('web');\n",
  });
  for (const version of COMPILERS) {
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...BASE, module: 'nodenext', types: [] }, files: ['esm.mts'] }),
    );
    const result = run(tsc(version), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir });
    assert.notEqual(result.code, 0, `tsc ${version}`);
    assert.match(result.out, /esm\.mts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
    assert.equal(result.out.trim().split('\n').length, 1, `one error only:\n${result.out}`);
  }
});

test("npm's isolated install (@types/node not hoisted): the package finds Node's types itself", () => {
  const isolated = fs.mkdtempSync(path.join(TRIAL, 'linked-'));
  fs.writeFileSync(path.join(isolated, 'package.json'), '{ "name": "isolated", "private": true }\n');
  const tarballs = fs
    .readdirSync(process.env.PORTPLAN_PACKED)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => path.join(process.env.PORTPLAN_PACKED, name));
  const install = run(
    'npm',
    ['install', '--install-strategy=linked', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs],
    { cwd: isolated },
  );
  assert.equal(install.code, 0, install.err);
  assert.ok(!fs.existsSync(path.join(isolated, 'node_modules', '@types', 'node')), 'not hoisted');
  // Only the package itself: express and vite are not dependencies of this project.
  const dir = consumer(
    {
      'esm.mts': `import portplan, { listen, ports } from 'portplan';
const { api } = await ports(['api']);
const port: number = api;
await listen('hook', (request, response) => response.end(request.url));
// @ts-expect-error: a number is no server
await listen('api', 42);
await portplan.release({ all: true });
export { port };
`,
    },
    isolated,
  );
  for (const version of COMPILERS) {
    for (const skipLibCheck of [false, true]) {
      compiles(dir, version, { ...BASE, module: 'nodenext', types: [], skipLibCheck }, ['esm.mts']);
    }
  }
});

test('the default export at run time: ES module and CommonJS output of tsc', () => {
  const source = `import portplan from 'portplan';
console.log(portplan.engine, portplan.plan({ range: [40000, 40099], services: { web: true } }).ports.web);
`;
  const dir = consumer({ 'run.mts': source, 'run.cts': source });
  const options = { ...BASE, noEmit: false, module: 'nodenext', types: [], outDir: 'out' };
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: options, files: ['run.mts', 'run.cts'] }),
  );
  const built = run(tsc('7'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir });
  assert.equal(built.out + built.err, '');
  const esm = run(process.execPath, [path.join(dir, 'out', 'run.mjs')], { cwd: dir });
  const cjs = run(process.execPath, [path.join(dir, 'out', 'run.cjs')], { cwd: dir });
  assert.equal(esm.err, '');
  assert.match(esm.out, /^native \d+\n$/);
  assert.equal(cjs.out, esm.out, cjs.err);
  assert.match(fs.readFileSync(path.join(dir, 'out', 'run.cjs'), 'utf8'), /require\("portplan"\)/);
});
