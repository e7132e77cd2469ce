// The CLI commands a Windows user starts with: `get` and `env --write` (into a .env with
// Windows line endings, and while another process has it open), in a project of their own.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { windows, project, config, cli, cliAsync, get, leases } = require('./helpers.js');

/** How long another process keeps .env open once `env --write` has staged its new copy (it
 * is renaming over .env then): a write that does not wait fails, and one that waits the core's
 * bound (10 s) has ample time. Released on a signal, not after a fixed time from its start,
 * so how long the CLI takes to start under Wine does not matter. */
const HOLD_MS = 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('get prints a port of the range, the same every time, and leases it', () => {
  const app = project({ 'portplan.toml': config(['web', 'api']) });
  const web = get(app, 'web');
  assert.ok(web >= 41000 && web <= 41999, String(web));
  assert.equal(get(app, 'web'), web);
  const api = get(app, 'api');
  assert.notEqual(api, web);
  const held = leases(app).map((lease) => [lease.name, lease.port]);
  assert.deepEqual(held.sort(), [
    ['api', api],
    ['web', web],
  ]);
});

test('get from a subfolder finds the project and gets the same port', () => {
  const app = project({ 'portplan.toml': config(['web']) });
  const web = get(app, 'web');
  const sub = path.join(app.dir, 'src', 'pages');
  fs.mkdirSync(sub, { recursive: true });
  assert.equal(get({ ...app, dir: sub }, 'web'), web);
  assert.equal(leases(app).length, 1);
});

test(
  'one checkout reached by two spellings of its path (drive letter case) is one project: one lease, one port',
  { skip: !windows && 'drive letters are Windows paths' },
  () => {
    const app = project({ 'portplan.toml': config(['web']) });
    const upper = app.dir.replace(/^[a-z]:/, (drive) => drive.toUpperCase());
    const lower = app.dir.replace(/^[A-Z]:/, (drive) => drive.toLowerCase());
    const first = get({ ...app, dir: upper }, 'web');
    assert.equal(get({ ...app, dir: lower }, 'web'), first);
    assert.equal(leases(app).length, 1, JSON.stringify(leases(app)));
  },
);

const BLOCK_START = /^# >>> portplan: /;

test('env --write adds the block to a .env with Windows line endings and keeps every other line', () => {
  const before = 'SECRET=kept as it was\r\n# a comment\r\nDEBUG=1\r\n';
  const app = project({ 'portplan.toml': config(['web', 'api']), '.env': before });
  const done = cli(app, ['env', '--write']);
  assert.equal(done.code, 0, done.err);
  assert.match(done.out, /^wrote 2 ports to \.env/);
  const after = fs.readFileSync(path.join(app.dir, '.env'), 'utf8');
  assert.ok(after.startsWith(before), JSON.stringify(after));
  const block = after.slice(before.length).split(/\r?\n/);
  assert.match(block[0], BLOCK_START);
  assert.deepEqual(block.slice(1, 3), [`API_PORT=${get(app, 'api')}`, `WEB_PORT=${get(app, 'web')}`]);
  // One line ending in the whole file: the block is written with the file's own (CRLF).
  assert.equal(after.replace(/\r\n/g, '').includes('\n'), false, JSON.stringify(after));

  const again = cli(app, ['env', '--write']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^\.env is up to date/);
  assert.equal(fs.readFileSync(path.join(app.dir, '.env'), 'utf8'), after);
});

test('env --write replaces .env that another process has open for a moment (an editor, a watcher)', async () => {
  const app = project({ 'portplan.toml': config(['web']), '.env': 'SECRET=1\n' });
  const file = path.join(app.dir, '.env');
  // Opens .env, says so, and closes it when told: on Windows a rename over a file that is
  // open fails until it is closed (a sharing violation), so the write must wait it out.
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(file)}, 'r'); console.log('open'); process.stdin.once('data', () => fs.closeSync(fd));`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const ended = new Promise((resolve) => holder.once('close', resolve));
  await new Promise((resolve, reject) => {
    holder.stdout.once('data', resolve);
    holder.once('exit', () => reject(new Error('the holder ended before opening .env')));
  });
  let finished = false;
  const running = cliAsync(app, ['env', '--write']).finally(() => {
    finished = true;
  });
  // The staged copy (..env.portplan-tmp.*) appears just before the rename is tried.
  const staged = () => fs.readdirSync(app.dir).some((name) => name.startsWith('..env.portplan-tmp.'));
  while (!finished && !staged()) await sleep(5);
  const released = Date.now();
  if (!finished) await sleep(HOLD_MS);
  holder.stdin.end('close\n');
  const done = await running;
  await ended;
  assert.equal(done.code, 0, done.err);
  // On Windows the rename could only succeed once .env was let go: the write waited.
  if (windows) assert.ok(Date.now() - released >= HOLD_MS, 'the write ended while .env was still open');
  assert.match(
    fs.readFileSync(file, 'utf8'),
    new RegExp(`^SECRET=1\\n# >>> portplan: [^\\n]*\\nWEB_PORT=${get(app, 'web')}\\n`),
  );
});
