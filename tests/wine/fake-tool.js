#!/usr/bin/env node
// A stand-in for a dev server's command (vite, astro, ...), run through npm's and pnpm's shims
// (helpers.js shim()): writes what it was started with as JSON into FAKE_TOOL_OUT, exits with
// FAKE_TOOL_EXIT.
'use strict';
const fs = require('node:fs');

const seen = {
  argv: process.argv.slice(2),
  PORT: process.env.PORT ?? null,
  WEB_PORT: process.env.WEB_PORT ?? null,
  API_PORT: process.env.API_PORT ?? null,
};
fs.writeFileSync(process.env.FAKE_TOOL_OUT, JSON.stringify(seen));
process.exitCode = Number(process.env.FAKE_TOOL_EXIT ?? 0);
