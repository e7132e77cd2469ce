#!/usr/bin/env node
// npm runs this before `npm pack` and `npm publish`: the tarball must hold the built package
// (dist/, both wasm engines), never the sources alone. It builds with scripts/build.sh; when
// that cannot run or fails, it refuses with one line that says what to do.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

/** The files without which the published package does not work (see package.json "files"). */
const NEEDED = [
  'bin/portplan.js',
  'dist/cjs/index.js',
  'dist/cjs/index.d.ts',
  'dist/cjs/vite.js',
  'dist/cjs/vite.d.ts',
  'dist/esm/index.js',
  'dist/esm/index.d.ts',
  'dist/esm/vite.js',
  'dist/esm/vite.d.ts',
  'pkg/node/portplan_wasm.js',
  'pkg/node/portplan_wasm_bg.wasm',
  'web/index.js',
  'web/portplan_wasm.js',
  'web/portplan_wasm_bg.wasm',
];

function refuse(why) {
  process.stderr.write(`portplan prepack: ${why}; refusing to pack an unbuilt package\n`);
  process.exit(1);
}

function build() {
  const script = path.join(root, 'scripts', 'build.sh');
  if (!fs.existsSync(path.join(root, 'napi', 'Cargo.toml'))) {
    refuse('the Rust sources (napi/, ../core) are not here to build from');
  }
  // The build's log goes to stderr: npm pack's stdout is the tarball's name, for scripts.
  const result = spawnSync('bash', [script], { stdio: ['ignore', 2, 2] });
  if (result.error) refuse(`cannot run scripts/build.sh (${result.error.message})`);
  if (result.status !== 0) {
    refuse(
      'scripts/build.sh failed (see above; it needs Rust by rustup, node and npm: `make build-js` from the repository root)',
    );
  }
}

build();
const missing = NEEDED.filter((file) => !fs.existsSync(path.join(root, file)));
if (missing.length > 0) refuse(`the build left no ${missing.join(', ')}`);
