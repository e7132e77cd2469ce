#!/usr/bin/env node
// A stand-in for a dev server's command (vite, astro, ...), run through npm's and pnpm's shims
// (helpers.js shim()): writes what it was started with as JSON into FAKE_TOOL_OUT, then exits
// with FAKE_TOOL_EXIT, or with FAKE_TOOL_WAIT set keeps running, as a dev server does, until
// it is stopped.
'use strict';
const fs = require('node:fs');

const seen = {
  argv: process.argv.slice(2),
  PORT: process.env.PORT ?? null,
  WEB_PORT: process.env.WEB_PORT ?? null,
  API_PORT: process.env.API_PORT ?? null,
};
// Written whole under another name, then renamed: a reader never sees half of it.
fs.writeFileSync(`${process.env.FAKE_TOOL_OUT}.tmp`, JSON.stringify({ ...seen, pid: process.pid }));
fs.renameSync(`${process.env.FAKE_TOOL_OUT}.tmp`, process.env.FAKE_TOOL_OUT);
if (process.env.FAKE_TOOL_WAIT) setInterval(() => {}, 1000);
else process.exitCode = Number(process.env.FAKE_TOOL_EXIT ?? 0);
