// Prints the npm package's probe of each port given as an argument: {"port": free, ...}.
'use strict';
const { probe } = require('../../bindings-js');

(async () => {
  const result = {};
  for (const port of process.argv.slice(2)) result[port] = await probe(Number(port));
  process.stdout.write(`${JSON.stringify(result)}\n`);
})();
