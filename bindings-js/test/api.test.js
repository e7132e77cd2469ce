// The API's surface (issue 26): mistyped or unknown options refused with their name,
// release without a name refused, errors that carry .code and .port, a test worker's ports
// of its own.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { port, ports, listen, release, leases, projectPlan, PlanError } = require('..');
const { privateRegistry, project } = require('./helpers.js');

const CONFIG = 'range = [46000, 46999]\nexclude = []\n';

/** A PlanError of kind `usage` whose message matches `words`. */
const refused = (words) => (error) => {
  assert.ok(error instanceof PlanError, String(error));
  assert.equal(error.kind, 'usage');
  assert.match(error.message, words);
  return true;
};

test('an unknown option is refused with its name, and the name it likely meant', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'opts');
  await assert.rejects(
    port('web', { cwd, rnage: [3000, 3999] }),
    refused(/^unknown option "rnage" \(did you mean range\?\)$/),
  );
  await assert.rejects(port('web', { cwd, block_size: 10 }), refused(/"block_size" \(did you mean blockSize\?\)/));
  await assert.rejects(
    ports(['web'], { cwd, frobnicate: 1 }),
    refused(/unknown option "frobnicate"; the options are /),
  );
  await assert.rejects(
    listen('web', () => {}, { cwd, hots: '127.0.0.1' }),
    refused(/"hots" \(did you mean host\?\)/),
  );
  await assert.rejects(release('web', { cwd, all: true }), refused(/unknown option "all"/));
  await assert.rejects(projectPlan({ cwd, nmaes: ['x'] }), refused(/"nmaes" \(did you mean names\?\)/));
  const { portplan } = require('portplan/vite');
  assert.throws(() => portplan({ nmae: 'web' }), refused(/"nmae" \(did you mean name\?\)/));
  assert.deepEqual(leases(), [], 'nothing was leased');
});

test('an option of the wrong type is refused with its name; a config key by the core, with its key', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'types');
  await assert.rejects(port('web', { cwd, probe: 'no' }), refused(/^option probe must be true or false, not "no"$/));
  await assert.rejects(port('web', { cwd: 5 }), refused(/^option cwd must be a string, not 5$/));
  await assert.rejects(port('web', { cwd, busy: [0] }), refused(/option busy must be a list of ports/));
  await assert.rejects(
    listen('web', () => {}, { cwd, tries: 0 }),
    refused(/option tries must be a whole number/),
  );
  await assert.rejects(port('web', { cwd, range: 'wide' }), (error) => {
    assert.ok(error instanceof PlanError);
    assert.match(error.message, /range/);
    assert.doesNotMatch(error.message, /line 1, column/);
    return true;
  });
  // Options that are undefined count as not given.
  assert.equal(typeof (await port('web', { cwd, range: undefined, probe: undefined })), 'number');
});

test('release() without a name is an error (an unset variable frees nothing); {all: true} frees all', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'rel');
  await ports(['a', 'b'], { cwd, probe: false });
  const process_env_unset = undefined;
  for (const call of [
    () => release(),
    () => release(undefined, { cwd }),
    () => release(process_env_unset),
    () => release(null),
  ]) {
    await assert.rejects(call(), refused(/release needs the name of a service, or all/));
  }
  assert.equal(leases().length, 2, 'nothing was released');
  await assert.rejects(release(5, { cwd }), refused(/release needs the name of a service, not 5/));
  const released = await release({ all: true, cwd });
  assert.deepEqual(
    released.map((lease) => lease.name),
    ['a', 'b'],
  );
  assert.deepEqual(leases(), []);
});

test('each Vitest or Jest worker gets ports of its own, the same on every run', () => {
  const registry = privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'workers');
  const script = `require(${JSON.stringify(path.join(__dirname, '..'))}).port('api', { cwd: process.argv[1] }).then((p) => process.stdout.write(String(p)))`;
  const worker = (variables) =>
    Number(
      execFileSync(process.execPath, ['-e', script, cwd], {
        env: { ...process.env, PORTPLAN_HOME: path.dirname(registry), ...variables },
        encoding: 'utf8',
      }),
    );
  const first = [1, 2, 3, 4].map((id) => worker({ VITEST_POOL_ID: String(id) }));
  assert.equal(new Set(first).size, 4, `four workers, four ports: ${first}`);
  assert.deepEqual(
    [1, 2, 3, 4].map((id) => worker({ VITEST_POOL_ID: String(id) })),
    first,
    'the same on the next run',
  );
  const jest = worker({ JEST_WORKER_ID: '1' });
  assert.ok(!first.includes(jest), 'Jest workers have their own');
  const plain = worker({});
  assert.ok(![...first, jest].includes(plain), 'and a process outside a test its own');
});
