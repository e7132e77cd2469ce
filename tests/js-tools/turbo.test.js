// An npm workspace run by real turbo (2.x; its default strict env mode hands a task only the
// variables turbo.json names, and a few of the system's such as PATH and HOME):
// - a registry set by PORTPLAN_HOME (or XDG_STATE_HOME) in the shell is not the tasks' unless
//   turbo.json passes it through: `globalPassThroughEnv` (README.md's turbo.json, read from it),
//   checked both ways;
// - `turbo run dev` starts the workspace apps: `@acme/docs` (Vite with the plugin, a scoped
//   name) serves on the root config's `docs`, `@acme/api` (listen) on `api`: the ports
//   `portplan env` gives at the root.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { stripVTControlCharacters } = require('node:util');
const { answers, leases, portplan, project, run, start, toolEnv, until } = require('./helpers.js');

const TASK_ENV = { TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', TURBO_NO_UPDATE_NOTIFIER: '1' };
// turbo.json as README.md shows it (its `dev` task), with a `port` task added; without
// pass-through: the same, but the README's globalPassThroughEnv.
const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const SHOWN = JSON.parse(/```json\n(\{\n\s+"globalPassThroughEnv"[\s\S]*?)```/.exec(README)[1]);
const PASS_THROUGH = SHOWN.globalPassThroughEnv;

function turboJson(passThrough) {
  const { globalPassThroughEnv, ...rest } = SHOWN;
  return {
    ...(passThrough ? { globalPassThroughEnv } : {}),
    ...rest,
    tasks: { ...SHOWN.tasks, port: { cache: false } },
  };
}

/** The workspace: a root config and two apps, installed by npm (turbo, vite, the tarballs). */
function workspace() {
  const cwd = project(
    {
      'package.json': {
        name: 'acme',
        private: true,
        workspaces: ['apps/*'],
        packageManager: `npm@${run('npm', ['--version']).out.trim()}`,
      },
      'portplan.toml': 'range = [44000, 44999]\n[services]\ndocs = true\napi = true\n',
      'turbo.json': turboJson(true),
      'apps/docs/package.json': {
        name: '@acme/docs',
        private: true,
        type: 'module',
        scripts: { dev: 'vite', port: 'portplan get docs' },
      },
      'apps/docs/vite.config.mjs': "import portplan from 'portplan/vite';\nexport default { plugins: [portplan()] };\n",
      'apps/docs/index.html': '<!doctype html><title>docs</title><h1>the docs</h1>\n',
      'apps/api/package.json': {
        name: '@acme/api',
        private: true,
        type: 'module',
        scripts: { dev: 'node server.mjs', port: 'portplan get api' },
      },
      'apps/api/server.mjs': `import http from 'node:http';
import { listen } from 'portplan';
const port = await listen('api', http.createServer((request, response) => response.end('the api')));
console.log(\`api listening on \${port}\`);
`,
    },
    'turbo',
  );
  const packed = process.env.PORTPLAN_PACKED;
  const tarballs = fs
    .readdirSync(packed)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => path.join(packed, name));
  const install = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '-D', 'turbo@2.11.13', 'vite@8.3.8', ...tarballs],
    { cwd },
  );
  assert.equal(install.code, 0, install.err);
  // turbo finds the workspace's root by its git repository.
  assert.equal(run('git', ['init', '-q', '.'], { cwd }).code, 0);
  return cwd;
}

const cwd = workspace();
const TURBO = path.join(cwd, 'node_modules', '.bin', 'turbo');

/** A shell's environment: a registry of its own set by PORTPLAN_HOME, and a HOME of its own
 * (so a task that misses PORTPLAN_HOME uses a registry under it, never the user's). */
function shellEnv() {
  const dir = fs.mkdtempSync(path.join(cwd, 'shell-'));
  return toolEnv({ ...TASK_ENV, PORTPLAN_HOME: path.join(dir, 'registry'), HOME: path.join(dir, 'home') });
}

test('strict env mode: the tasks use the shell registry only with globalPassThroughEnv', async (t) => {
  for (const passThrough of [false, true]) {
    await t.test(passThrough ? `globalPassThroughEnv: ${PASS_THROUGH}` : 'turbo.json passes nothing', () => {
      fs.writeFileSync(path.join(cwd, 'turbo.json'), JSON.stringify(turboJson(passThrough), null, 2));
      const env = shellEnv();
      const ran = run(TURBO, ['run', 'port', '--filter=@acme/api', '--output-logs=full'], { cwd, env });
      assert.equal(ran.code, 0, ran.out + ran.err);
      const port = Number(/@acme\/api:port: (\d+)\s*$/m.exec(ran.out)?.[1]);
      assert.ok(port >= 44000 && port <= 44999, ran.out);
      const shell = leases(cwd, env).filter((lease) => lease.name === 'api');
      const fallback = path.join(env.HOME, '.local', 'state', 'portplan', 'registry.json');
      if (passThrough) {
        assert.deepEqual(
          shell.map((lease) => lease.port),
          [port],
          'the task leased in the shell registry',
        );
        assert.ok(!fs.existsSync(fallback), 'and nowhere else');
      } else {
        assert.deepEqual(shell, [], 'the shell registry never saw the task');
        assert.match(
          fs.readFileSync(fallback, 'utf8'),
          new RegExp(`"port":\\s*${port}`),
          'the task used ~/.local/state',
        );
      }
    });
  }
});

test('turbo run dev: @acme/docs (Vite plugin) on the root config docs, @acme/api on api', async () => {
  fs.writeFileSync(path.join(cwd, 'turbo.json'), JSON.stringify(turboJson(true), null, 2));
  const env = shellEnv();
  // The root config's ports, as `portplan env` writes them for Docker Compose and .env.
  const printed = portplan(cwd, ['env'], env);
  assert.equal(printed.code, 0, printed.err);
  const planned = Object.fromEntries(
    printed.out
      .trim()
      .split('\n')
      .map((line) => line.split('=')),
  );
  const started = start(TURBO, ['run', 'dev', '--output-logs=full'], { cwd, env });
  try {
    const said = (pattern) =>
      until(() => pattern.exec(stripVTControlCharacters(started.output()))?.[1], {
        what: started.output,
        alive: started.running,
      });
    const docs = Number(await said(/@acme\/docs:dev: .*Local:\s+http:\/\/[^:]+:(\d+)\//));
    const api = Number(await said(/@acme\/api:dev: api listening on (\d+)/));
    assert.equal(docs, Number(planned.DOCS_PORT), started.output());
    assert.equal(api, Number(planned.API_PORT), started.output());
    assert.match((await answers(docs, started)).body, /the docs/);
    assert.equal((await answers(api, started)).body, 'the api');
    assert.match(started.output(), new RegExp(`@acme/docs:dev: portplan: docs → ${docs} \\(kept`));
    const root = fs.realpathSync(cwd);
    assert.deepEqual(
      leases(cwd, env)
        .filter((lease) => lease.root === root)
        .map(({ name, port }) => `${name} ${port}`)
        .sort(),
      [`api ${api}`, `docs ${docs}`],
      'one lease each, of the workspace root',
    );
  } finally {
    await started.stop();
  }
});
