// Answers plan requests with the npm package, one JSON line in, one JSON line out, so the
// cross-language tests can compare engines. The engine comes from PORTPLAN_ENGINE.
const readline = require('node:readline');
const portplan = require('../../bindings-js');

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const request = JSON.parse(line);
  let answer;
  try {
    answer = portplan.plan(request.config, { busy: request.busy }).toJSON();
  } catch (error) {
    if (!(error instanceof portplan.PlanError)) throw error;
    answer = { error: { kind: error.kind, message: error.message } };
  }
  process.stdout.write(JSON.stringify({ engine: portplan.engine, answer }) + '\n');
});
