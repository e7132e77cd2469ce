// `portplan run NAME -- CMD`: CMD is a command a package manager installed (vite, astro, ...),
// which on Windows is a .cmd shim; `run` must start it as a shell would (issue 22: both CLIs
// spawned without a shell, so on Windows `vite` was not found and `vite.cmd` failed with
// EINVAL). Each test runs with the shims of npm and of pnpm, which differ on Windows.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { windows, tempDir, project, config, cli, get, shim, shimSkip, pathWith } = require('./helpers.js');

const WRITERS = ['npm', 'pnpm'];

/** Runs `portplan run web -- ...cmd` with the shims `writer` installs on PATH; what the tool
 * saw (null: it never ran) and how the CLI ended. */
async function runTool(app, writer, cmd, { exit = 0 } = {}) {
  const bin = await shim('vite', writer);
  const out = path.join(tempDir(), 'seen.json');
  const done = cli(app, ['run', 'web', '--', ...cmd], {
    PATH: pathWith(bin),
    FAKE_TOOL_OUT: out,
    FAKE_TOOL_EXIT: String(exit),
  });
  const seen = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : null;
  return { done, seen };
}

/** The lines of what `run` printed on stderr. */
function lines(text) {
  return text.replace(/\r?\n$/, '').split(/\r?\n/);
}

for (const writer of WRITERS) {
  const skip = shimSkip(writer);

  test(`run starts vite through the shim ${writer} installed, with PORT, the services' variables and --port`, {
    skip,
  }, async () => {
    const app = project({ 'portplan.toml': config(['web', 'api']) });
    const { done, seen } = await runTool(app, writer, ['vite', '--open']);
    assert.equal(done.code, 0, done.err);
    assert.ok(seen, `the tool ran (portplan said: ${done.err.trim()})`);
    const web = String(get(app, 'web'));
    assert.deepEqual(seen, {
      argv: ['--port', web, '--strictPort', '--open'],
      PORT: web,
      WEB_PORT: web,
      API_PORT: String(get(app, 'api')),
    });
    // The one line `run` prints: what it set, for a tool it knows.
    assert.deepEqual(lines(done.err), [
      `portplan: web → ${web} (PORT, WEB_PORT, API_PORT; vite gets --port ${web} --strictPort)`,
    ]);
  });

  test(`run starts the shim ${writer} installed named with its extension (vite.cmd)`, {
    skip: skip || (!windows && '.cmd files are Windows shims'),
  }, async () => {
    const app = project({ 'portplan.toml': config(['web']) });
    const { done, seen } = await runTool(app, writer, ['vite.cmd']);
    assert.equal(done.code, 0, done.err);
    assert.equal(seen?.PORT, String(get(app, 'web')));
  });

  test(`run passes arguments with spaces, quotes and the shell's special characters through the shim ${writer} installed unchanged`, {
    skip,
  }, async () => {
    const app = project({ 'portplan.toml': config(['web']) });
    const args = ['--base', '/my app/', '--mode', 'a&b|c<d>e^f', '--define', 'say "hi" (twice)', ''];
    const { done, seen } = await runTool(app, writer, ['vite', ...args]);
    assert.equal(done.code, 0, done.err);
    assert.deepEqual(seen?.argv, ['--port', String(get(app, 'web')), '--strictPort', ...args]);
  });

  test(`run ends with the exit code of the command it started through the shim ${writer} installed`, {
    skip,
  }, async () => {
    const app = project({ 'portplan.toml': config(['web']) });
    const { done, seen } = await runTool(app, writer, ['vite'], { exit: 7 });
    assert.ok(seen, `the tool ran (portplan said: ${done.err.trim()})`);
    assert.equal(done.code, 7, done.err);
  });
}

test('run of a command that is not there fails as a shell does (127), its last line naming it', () => {
  const app = project({ 'portplan.toml': config(['web']) });
  const done = cli(app, ['run', 'web', '--', 'no-such-tool-here']);
  assert.equal(done.code, 127, done.err);
  const said = lines(done.err);
  const port = get(app, 'web');
  // portplan's own lines: what it set, that it does not know the tool, and the error.
  assert.deepEqual(
    said.filter((line) => line.startsWith('portplan: ')),
    [
      `portplan: web → ${port} (PORT, WEB_PORT)`,
      `portplan: run does not know how no-such-tool-here takes its port: if it ignores PORT, pass ${port} yourself`,
      'portplan: error: cannot run no-such-tool-here: No such file or directory',
    ],
    done.err,
  );
  assert.equal(said.at(-1), 'portplan: error: cannot run no-such-tool-here: No such file or directory', done.err);
  // On Windows a command that is not an .exe is looked for by cmd.exe (cross-spawn's rule),
  // which says so itself before portplan does; nothing else is printed (no stack trace).
  const others = said.filter((line) => !line.startsWith('portplan: '));
  if (windows) assert.match(others[0] ?? '', /no-such-tool-here/, done.err);
  else assert.deepEqual(others, [], done.err);
  assert.ok(others.length <= 2 && others.every((line) => !/^\s+at |Error\b/.test(line)), done.err);
});
