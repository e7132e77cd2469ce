// Issue 27: do the servers people run accept a `.localhost` URL's Host out of the box?
//
// Each real tool (tests/e2e/install.sh: Vite 8, Astro 5, Next 16 from npm; Django 5.2, Flask,
// uvicorn from PyPI) is started by `portplan run web -- TOOL` in a project of its own, as a user
// types it. Chromium loads the service's URL (`http://web.<checkout>.localhost:<port>/`, which
// only the browser resolves here) and must get the page, with its script run (and for the dev
// servers of Vite and Astro, the hot-reload socket connected; for Next, the page hydrated, so
// its dev resources load from that host). Then an HTTP client sends the same request with a
// foreign Host (`evil.example`) to 127.0.0.1: a 403/400 there shows the tool does check Host,
// so the accepted URL passed a real check rather than none. A page of the tool that fails to
// load anything (a 4xx/5xx answer, a console error) fails the test. The table of what was seen is
// written to tests/artifacts/e2e/hosts.md (the README's table is that run's).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CLIS,
  NPM_BIN,
  REPO,
  TOOLS,
  VENV_BIN,
  browser,
  environment,
  get,
  newContext,
  ok,
  poll,
  run,
  tempTop,
  urlPattern,
  writeFiles,
} from './lib.mjs';

const ARTIFACTS = process.env.E2E_ARTIFACTS ?? join(REPO, 'tests', 'artifacts', 'e2e');
const FOREIGN = 'evil.example';

// ---- the projects ----

const STATE = '<p id="state">served</p>';
const SCRIPT = "<script>document.getElementById('state').textContent = 'scripted';</script>";
const MODULE = "<script type=\"module\">document.getElementById('state').textContent = 'scripted';</script>";

const VITE = {
  'index.html': `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>vite</title></head>\n<body><h1>vite page</h1>${STATE}${MODULE}</body></html>\n`,
};

const ASTRO = {
  'src/pages/index.astro': `---\nconst title = 'astro page';\n---\n<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>astro</title></head>\n<body><h1>{title}</h1>${STATE}\n<script>document.getElementById('state').textContent = 'scripted';</script>\n</body></html>\n`,
};

const NEXT = {
  'app/layout.js': `export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <head>
        <link rel="icon" href="data:," />
      </head>
      <body>{children}</body>
    </html>
  );
}
`,
  'app/page.js': `import Hydrated from './hydrated';

export default function Page() {
  return (
    <main>
      <h1>next page</h1>
      <Hydrated />
    </main>
  );
}
`,
  'app/hydrated.js': `'use client';
import { useEffect, useState } from 'react';

export default function Hydrated() {
  const [state, setState] = useState('served');
  useEffect(() => setState('hydrated'), []);
  return <p id="state">{state}</p>;
}
`,
};

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>py</title></head><body><h1>python page</h1>${STATE}${SCRIPT}</body></html>`;

// Django without startproject: DEBUG and ALLOWED_HOSTS from the environment (E2E_DEBUG,
// E2E_ALLOWED_HOSTS as JSON), as a settings file that reads them would.
const DJANGO = {
  'manage.py': `import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
`,
  'mysite/__init__.py': '',
  'mysite/settings.py': `import json
import os

SECRET_KEY = "e2e-not-secret"
DEBUG = os.environ.get("E2E_DEBUG", "1") == "1"
ALLOWED_HOSTS = json.loads(os.environ.get("E2E_ALLOWED_HOSTS", "[]"))
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
USE_TZ = True
`,
  'mysite/urls.py': `from django.http import HttpResponse
from django.urls import path

PAGE = ${JSON.stringify(PAGE)}


def index(request):
    return HttpResponse(PAGE)


urlpatterns = [path("", index)]
`,
};

const FLASK = {
  'app.py': `from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return ${JSON.stringify(PAGE)}
`,
};

const ASGI = {
  'app.py': `PAGE = ${JSON.stringify(PAGE)}.encode()


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": PAGE})
`,
};

// ---- the cases ----
// accepted: Chromium gets the page from the URL (200, its script run); else the status it gets.
// foreign: the status of the same request with Host: evil.example (200: the tool checks no Host).
// hot: the console line that says the dev server's hot-reload socket connected from the URL.
// builds: commands run (in the project, tools on PATH) before `run`.

const CASES = [
  { tool: 'Vite 8.4 dev', files: VITE, npm: true, cmd: ['vite'], state: 'scripted', hot: '[vite] connected.' },
  {
    tool: 'Vite 8.4 dev, server.allowedHosts: ["example.com"]',
    files: { ...VITE, 'vite.config.js': "export default { server: { allowedHosts: ['example.com'] } };\n" },
    npm: true,
    cmd: ['vite'],
    state: 'scripted',
    hot: '[vite] connected.',
  },
  {
    tool: 'Vite 8.4 preview',
    files: VITE,
    npm: true,
    builds: [['vite', 'build']],
    cmd: ['vite', 'preview'],
    state: 'scripted',
  },
  {
    tool: 'Astro 5.18 dev',
    files: ASTRO,
    npm: true,
    cmd: ['astro', 'dev'],
    state: 'scripted',
    hot: '[vite] connected.',
  },
  {
    tool: 'Astro 5.18 preview',
    files: ASTRO,
    npm: true,
    builds: [['astro', 'build']],
    cmd: ['astro', 'preview'],
    state: 'scripted',
  },
  {
    tool: 'Next 16.5 dev (Turbopack)',
    files: NEXT,
    npm: true,
    cmd: ['next', 'dev'],
    state: 'hydrated',
    hot: '[HMR] connected',
    foreign: 200,
  },
  {
    tool: 'Next 16.5 start',
    files: NEXT,
    npm: true,
    builds: [['next', 'build']],
    cmd: ['next', 'start'],
    state: 'hydrated',
    foreign: 200,
  },
  {
    tool: 'Django 5.2 runserver, DEBUG = True, ALLOWED_HOSTS = []',
    files: DJANGO,
    cmd: ['python', 'manage.py', 'runserver'],
    state: 'scripted',
    foreign: 400,
  },
  {
    tool: 'Django 5.2 runserver, ALLOWED_HOSTS = ["example.com"]',
    files: DJANGO,
    env: { E2E_ALLOWED_HOSTS: '["example.com"]' },
    cmd: ['python', 'manage.py', 'runserver'],
    accepted: 400,
    foreign: 400,
  },
  {
    tool: 'Django 5.2 runserver, DEBUG = False, ALLOWED_HOSTS = ["example.com", ".localhost"]',
    files: DJANGO,
    env: { E2E_DEBUG: '0', E2E_ALLOWED_HOSTS: '["example.com", ".localhost"]' },
    cmd: ['python', 'manage.py', 'runserver'],
    state: 'scripted',
    foreign: 400,
  },
  {
    tool: 'Flask 3.1 (flask run)',
    files: FLASK,
    cmd: ['flask', '--app', 'app', 'run'],
    state: 'scripted',
    foreign: 200,
  },
  { tool: 'uvicorn 0.54', files: ASGI, cmd: ['uvicorn', 'app:app'], state: 'scripted', foreign: 200 },
];

let chromium;
const seen = [];
const made = [];

before(async () => {
  chromium = await browser();
});

after(async () => {
  await chromium?.close();
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
  if (seen.length === 0) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const lines = [
    '| server, as `portplan run web -- ...` starts it | `http://web.<checkout>.localhost:<port>/` in Chromium | `Host: evil.example` |',
    '|---|---|---|',
    ...seen.map((row) => `| ${row.tool} | ${row.url} | ${row.foreign} |`),
  ];
  writeFileSync(join(ARTIFACTS, 'hosts.md'), `${lines.join('\n')}\n`);
});

/** A project folder for `files`: under the npm tools (so Vite, Astro and Next resolve their
 * packages from it) or in a temp folder. */
function project(kase) {
  let top;
  if (kase.npm) {
    const projects = join(TOOLS.npm, 'projects');
    mkdirSync(projects, { recursive: true });
    top = realpathSync(mkdtempSync(join(projects, 'e2e-')));
  } else {
    top = tempTop();
  }
  made.push(top);
  const cwd = writeFiles(join(top, 'shop'), { 'portplan.toml': '[services]\nweb = true\n', ...kase.files });
  const env = environment(join(top, 'home'), {
    PATH: `${kase.npm ? NPM_BIN : VENV_BIN}:${process.env.PATH}`,
    ...(kase.env ?? {}),
  });
  return { cwd, env };
}

const words = (status) => (status === 200 ? 'accepted (200)' : `refused (${status})`);

CASES.forEach((kase, i) => {
  // Both CLIs start the servers, taking turns.
  const cli = i % 2 === 0 ? CLIS.node : CLIS.python;
  test(`${kase.tool}: the .localhost URL (run through ${cli.name})`, async () => {
    const where = project(kase);
    for (const build of kase.builds ?? []) {
      const done = spawnSync(build[0], build.slice(1), { ...where, encoding: 'utf8' });
      assert.equal(done.status, 0, `${build.join(' ')}:\n${done.stdout}\n${done.stderr}`);
    }
    const url = ok(cli, ['url', 'web'], where).trim();
    assert.match(url, urlPattern('web', 'shop'));
    const { host, port } = new URL(url);
    const started = run(cli, 'web', kase.cmd, where);
    const context = await newContext(chromium);
    try {
      // Up once it answers on its port (any answer).
      await poll(`${kase.tool} to answer on ${port}`, async () => {
        if (started.exit) throw new Error(`it exited:\n${started.output()}`);
        return get(Number(port), '/', `127.0.0.1:${port}`).then(
          () => true,
          () => undefined,
        );
      });
      const page = await context.newPage();
      const problems = [];
      const consoleLines = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`${r.status()} from ${r.url()}`);
      });
      page.on('console', (m) => {
        consoleLines.push(m.text());
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      const response = await page.goto(`${url}/`, { waitUntil: 'load' });
      const status = response.status();
      const expected = kase.accepted ?? 200;
      assert.equal(status, expected, `${kase.tool}: Chromium got ${status} from ${url}/\n${started.output()}`);
      if (expected === 200) {
        assert.equal(new URL(page.url()).host, host, 'no redirect away from the URL');
        await page.waitForFunction((want) => document.getElementById('state')?.textContent === want, kase.state);
        if (kase.hot) {
          await poll(`${kase.hot} in the console`, () => consoleLines.includes(kase.hot));
        }
        assert.deepEqual(problems, [], `${kase.tool}: the page loaded without errors from ${url}`);
      }
      // The same request with a foreign Host, straight to the port.
      const foreign = await get(Number(port), '/', `${FOREIGN}:${port}`);
      assert.equal(foreign.status, kase.foreign ?? 403, `${kase.tool}: Host ${FOREIGN}: ${foreign.body.slice(0, 300)}`);
      seen.push({
        tool: kase.tool,
        url: words(status),
        foreign: foreign.status === 200 ? 'accepted (200): no Host check' : `refused (${foreign.status})`,
      });
    } finally {
      await context.close();
      await started.stop();
    }
  });
});
