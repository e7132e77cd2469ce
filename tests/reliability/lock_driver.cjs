// Takes the registry lock of the npm package (argv[2]: the registry path), prints "held",
// and releases it when stdin closes.
'use strict';
const { takeLock } = require('../../bindings-js/dist/cjs/lock.js');

takeLock(process.argv[2]).then((held) => {
  process.stdout.write('held\n');
  process.stdin.resume();
  process.stdin.on('end', () => held.release());
});
