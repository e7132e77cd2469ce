// `portplan run NAME -- CMD`: CMD is a command npm installed (vite, astro, ...), which on
// Windows is a .cmd shim; `run` must start it as a shell would (issue 22: both CLIs spawn
// without a shell, so on Windows `vite` is not found and `vite.cmd` fails with EINVAL).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { windows, tempDir, project, config, cli, get, shim, pathWith } = require('./helpers.js');

/** Runs `portplan run web -- ...cmd` with the tool's shims on PATH; what the tool saw (null: it
 * never ran) and how the CLI ended. */
async function runTool(app, cmd, { exit = 0 } = {}) {
  const bin = await shim('vite');
  const out = path.join(tempDir(), 'seen.json');
  const done = cli(app, ['run', 'web', '--', ...cmd], {
    PATH: pathWith(bin),
    FAKE_TOOL_OUT: out,
    FAKE_TOOL_EXIT: String(exit),
  });
  const seen = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : null;
  return { done, seen };
}

test('run starts vite through the shim npm installed, with PORT, the services\' variables and --port', async () => {
  const app = project({ 'portplan.toml': config(['web', 'api']) });
  const { done, seen } = await runTool(app, ['vite', '--open']);
  assert.equal(done.code, 0, done.err);
  const web = String(get(app, 'web'));
  assert.deepEqual(seen, {
    argv: ['--port', web, '--strictPort', '--open'],
    PORT: web,
    WEB_PORT: web,
    API_PORT: String(get(app, 'api')),
  });
});

test(
  'run starts the shim named with its extension (vite.cmd)',
  { skip: !windows && '.cmd files are Windows shims' },
  async () => {
    const app = project({ 'portplan.toml': config(['web']) });
    const { done, seen } = await runTool(app, ['vite.cmd']);
    assert.equal(done.code, 0, done.err);
    assert.equal(seen?.PORT, String(get(app, 'web')));
  },
);

test('run passes arguments with spaces, quotes and the shell\'s special characters through the shim unchanged', async () => {
  const app = project({ 'portplan.toml': config(['web']) });
  const args = ['--base', '/my app/', '--mode', 'a&b|c<d>e^f', '--define', 'say "hi" (twice)', ''];
  const { done, seen } = await runTool(app, ['vite', ...args]);
  assert.equal(done.code, 0, done.err);
  assert.deepEqual(seen?.argv, ['--port', String(get(app, 'web')), '--strictPort', ...args]);
});

test('run ends with the exit code of the command it started', async () => {
  const app = project({ 'portplan.toml': config(['web']) });
  const { done, seen } = await runTool(app, ['vite'], { exit: 7 });
  assert.ok(seen, `the tool ran (portplan said: ${done.err.trim()})`);
  assert.equal(done.code, 7, done.err);
});

test('run of a command that is not there fails with one line naming it', () => {
  const app = project({ 'portplan.toml': config(['web']) });
  const done = cli(app, ['run', 'web', '--', 'no-such-tool-here']);
  assert.notEqual(done.code, 0);
  assert.match(done.err, /no-such-tool-here/);
  assert.equal(done.err.trim().split(/\r?\n/).length, 1, done.err);
});
