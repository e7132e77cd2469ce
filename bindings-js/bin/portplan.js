#!/usr/bin/env node
'use strict';
// `npx portplan ...`: the CLI of the npm package (same commands and output as Python's).
require('../dist/cjs/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
