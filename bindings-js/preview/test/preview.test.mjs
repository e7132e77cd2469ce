// Browser tests of the preview page: Debian's headless Chromium driven by playwright-core,
// the page served from this folder by ../serve.mjs on a free port of 127.0.0.1, and in
// project mode by `portplan preview --no-open` (../../bin/portplan.js) on a temp project.
// Run by `make test-preview` (after `make build-preview` put the wasm engine in ../pkg/).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../serve.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(ROOT, '..', '..');
const ARTIFACTS = process.env.PREVIEW_ARTIFACTS ?? join(REPO, 'tests', 'artifacts', 'preview');
const VECTORS = JSON.parse(readFileSync(join(REPO, 'tests', 'vectors', 'plan.json'), 'utf8')).cases;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const XSS = '<img src=x onerror=alert(1)>';

const TITLES = {
  duplicate_pin: 'Duplicate pin',
  pin_busy: 'Pinned port is busy',
  range_exhausted: 'Range exhausted',
  invalid_range: 'Invalid range',
  invalid_config: 'Invalid config',
  invalid_name: 'Invalid name',
  invalid_port: 'Invalid port',
};

let server;
let base;
let context;
let profile;

before(async () => {
  // The server (../serve.mjs, as `portplan preview`) serves /pkg/ from the package's web/.
  assert.ok(
    existsSync(join(ROOT, '..', 'web', 'portplan_wasm_bg.wasm')),
    'no bindings-js/web/portplan_wasm_bg.wasm: run `make build-js` first',
  );
  ({ server, url: base } = await serve(ROOT));
  profile = mkdtempSync(join(tmpdir(), 'portplan-preview-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 960 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(10_000);
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await context?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const b64url = (text) => Buffer.from(text, 'utf8').toString('base64url');
const hashFor = (config, busy = []) =>
  `#config=${b64url(JSON.stringify(config))}` + (busy.length ? `&busy=${busy.join(',')}` : '');

/**
 * Opens the page at `hash` in a fresh tab (of the server at `origin`); `run(page)` does the
 * test. Afterwards: no script error, no dialog, no console error, and no request anywhere but
 * the local server.
 */
async function withPage(hash, run, origin = base) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.type()} ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(origin)) problems.push(`request outside the page's server: ${r.url()}`);
  });
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  try {
    await page.goto(origin + hash);
    await page.waitForSelector('html[data-revision]');
    await run(page, requests);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
}

/** Runs `action` and waits until the page has drawn again. */
async function redraw(page, action) {
  const before = await page.evaluate(() => document.documentElement.dataset.revision);
  await action();
  await page.waitForFunction((r) => document.documentElement.dataset.revision !== r, before);
}

const rows = (page) =>
  page.$$eval('#plan tbody tr[data-service]', (trs) =>
    trs.map((tr) => ({
      service: tr.getAttribute('data-service'),
      port: Number(tr.getAttribute('data-port')),
      reason: tr.getAttribute('data-reason'),
      words: tr.cells[1].textContent + ' ' + tr.cells[2].textContent,
    })),
  );
const assignments = async (page) => Object.fromEntries((await rows(page)).map((r) => [r.service, r.port]));
const status = (page) => page.evaluate(() => document.documentElement.dataset.status);
const errorBox = (page) =>
  page.evaluate(() => {
    const box = document.getElementById('error');
    return {
      hidden: box.hidden,
      kind: box.dataset.kind ?? null,
      title: box.querySelector('.error-title')?.textContent ?? '',
      text: box.textContent,
    };
  });
const cells = (page) =>
  page.$$eval('.picture [data-cell]', (gs) =>
    gs.map((g) => ({
      port: Number(g.getAttribute('data-cell')),
      state: g.getAttribute('data-state'),
      for: g.getAttribute('data-for'),
    })),
  );
const moves = (page) => page.$$eval('.picture path.move', (ps) => ps.map((p) => p.getAttribute('data-move')));
/** The URL cell of each row: the row's data-url and its link. */
const urls = (page) =>
  page.$$eval('#plan tbody tr[data-service]', (trs) =>
    trs.map((tr) => {
      const link = tr.querySelector('td.url-cell a');
      return {
        service: tr.getAttribute('data-service'),
        url: tr.getAttribute('data-url'),
        href: link?.getAttribute('href') ?? null,
        text: link?.textContent ?? null,
        target: link?.getAttribute('target') ?? null,
      };
    }),
  );
const shot = (page, name) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });

// ---- the example ----

test('the page opens on an example with its plan, picture and moves', async () => {
  await withPage('', async (page) => {
    assert.equal(await status(page), 'ok');
    assert.equal((await errorBox(page)).hidden, true);
    const plan = await rows(page);
    assert.equal(plan.length, 9);
    assert.deepEqual(
      plan.map((r) => r.service),
      ['admin', 'api', 'auth', 'cache', 'docs', 'mail', 'search', 'web', 'worker'],
    );
    const displaced = plan.filter((r) => r.reason === 'displaced').map((r) => r.service);
    assert.ok(displaced.length >= 2, `the example shows displacements: ${displaced}`);
    assert.deepEqual((await moves(page)).sort(), displaced.sort());
    const drawn = await cells(page);
    assert.equal(drawn.length, 48); // range [40000, 40047], drawn whole
    assert.deepEqual(
      drawn.filter((c) => c.state === 'excluded').map((c) => c.port),
      [40026, 40027, 40028, 40045].filter((p) => !plan.some((r) => r.port === p)),
    );
    assert.deepEqual(
      drawn.filter((c) => c.state === 'busy').map((c) => c.port),
      [40036],
    );
    assert.equal(await page.$eval('#format', (e) => e.textContent), 'TOML');
    await shot(page, 'example.png');
  });
});

// ---- every shared vector, loaded through #config= ----

for (const vector of VECTORS) {
  test(`vector ${vector.id}`, async () => {
    await withPage(hashFor(vector.config, vector.busy), async (page) => {
      // The editor holds the shared JSON.
      assert.deepEqual(JSON.parse(await page.inputValue('#config')), vector.config);
      if (vector.expected.assignments) {
        assert.equal(await status(page), 'ok');
        assert.equal((await errorBox(page)).hidden, true);
        assert.deepEqual(await assignments(page), vector.expected.assignments);
        for (const row of await rows(page)) {
          assert.ok(row.words.trim().length > String(row.port).length, `${row.service} has a reason in words`);
        }
      } else {
        const kind = vector.expected.error;
        assert.equal(await status(page), 'error');
        const box = await errorBox(page);
        assert.equal(box.hidden, false);
        assert.equal(box.kind, kind);
        assert.equal(box.title, TITLES[kind]);
        assert.deepEqual(await rows(page), []);
      }
    });
  });
}

// ---- errors in words ----

test('a duplicate pin names the port and both services', async () => {
  await withPage(hashFor({ services: { ssh: 22, sshd: 22, web: true } }), async (page) => {
    const box = await errorBox(page);
    assert.equal(box.kind, 'duplicate_pin');
    assert.match(box.text, /Port 22 is pinned by ssh and sshd/);
    assert.match(await page.textContent('#plan tbody'), /No plan: fix the error above/);
    await shot(page, 'error-duplicate-pin.png');
  });
});

test('an exhausted range says how many ports are missing', async () => {
  await withPage(
    hashFor({ range: [40000, 40002], exclude: [], services: { a: true, b: true, c: true, d: true, e: true } }),
    async (page) => {
      const box = await errorBox(page);
      assert.equal(box.kind, 'range_exhausted');
      assert.match(box.text, /5 services need a port but only 3 are free/);
      assert.match(box.text, /2 ports missing/);
      await shot(page, 'error-range-exhausted.png');
    },
  );
});

test('a busy pin names the service and the port', async () => {
  await withPage(hashFor({ services: { db: 5432 } }, [5432]), async (page) => {
    const box = await errorBox(page);
    assert.equal(box.kind, 'pin_busy');
    assert.match(box.text, /db pins port 5432, but that port is busy/);
  });
});

test('a config that does not parse is an error in words, and fixing it brings the plan back', async () => {
  await withPage('', async (page) => {
    await redraw(page, () => page.fill('#config', '[services]\nweb = \n'));
    assert.equal(await status(page), 'error');
    assert.equal((await errorBox(page)).hidden, false);
    assert.equal((await errorBox(page)).title.length > 0, true);
    await redraw(page, () => page.fill('#config', '[services]\nweb = true\n'));
    assert.equal(await status(page), 'ok');
    assert.equal((await errorBox(page)).hidden, true);
    assert.deepEqual(await assignments(page), { web: 21225 });
  });
});

// ---- untrusted names ----

test('a name made of HTML is shown as text and runs nothing', async () => {
  const config = {
    range: [40000, 40015],
    exclude: [],
    services: { [XSS]: true, '<b>bold</b>': true, 'a"b\'c&d': 40003 },
  };
  await withPage(hashFor(config), async (page, requests) => {
    const plan = await rows(page);
    assert.deepEqual(plan.map((r) => r.service).sort(), [XSS, '<b>bold</b>', 'a"b\'c&d'].sort());
    const shown = await page.$$eval('#plan tbody th', (ths) => ths.map((th) => th.textContent));
    assert.ok(shown.includes(XSS));
    assert.ok(shown.includes('<b>bold</b>'));
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, b, script:not([type=module])').length), 0);
    assert.equal((await cells(page)).filter((c) => c.for === XSS).length, 1);
    assert.ok(!requests.some((p) => p.endsWith('/x')), "no request for the img's src");
    await shot(page, 'xss.png');
  });
  // The same names in an error message.
  await withPage(hashFor({ services: { [XSS]: 22, '<b>bold</b>': 22 } }), async (page, requests) => {
    const box = await errorBox(page);
    assert.equal(box.kind, 'duplicate_pin');
    assert.ok(box.text.includes(XSS));
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, b').length), 0);
    assert.ok(!requests.some((p) => p.endsWith('/x')));
  });
});

// ---- editing ----

test('the plan follows the editor as you type, in TOML and in JSON', async () => {
  await withPage('', async (page) => {
    await redraw(page, () => page.fill('#config', '[services]\nweb = true\napi = true\nworker = true\n'));
    assert.equal(await page.$eval('#format', (e) => e.textContent), 'TOML');
    assert.deepEqual(await assignments(page), { api: 25325, web: 21225, worker: 20051 });
    await redraw(page, () =>
      page.fill(
        '#config',
        '{"range": [40000, 40004], "exclude": [], "services": {"a": true, "b": true, "c": true, "d": true, "e": true}}',
      ),
    );
    assert.equal(await page.$eval('#format', (e) => e.textContent), 'JSON');
    assert.deepEqual(await assignments(page), { a: 40000, b: 40001, c: 40003, d: 40004, e: 40002 });
    assert.deepEqual(
      (await cells(page)).map((c) => c.port),
      [40000, 40001, 40002, 40003, 40004],
    );
  });
});

test('the example menu loads each example', async () => {
  await withPage('', async (page) => {
    const options = await page.$$eval('#example option', (os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(options.length >= 4);
    const seen = [];
    for (const value of options) {
      await redraw(page, () => page.selectOption('#example', value));
      seen.push((await status(page)) === 'ok' ? (await rows(page)).length : (await errorBox(page)).kind);
    }
    assert.ok(
      seen.some((s) => typeof s === 'number' && s > 0),
      `some example plans: ${seen}`,
    );
    assert.ok(seen.includes('duplicate_pin') && seen.includes('range_exhausted'), `error examples: ${seen}`);
  });
});

// ---- busy ports ----

test('adding a busy port displaces the service there, removing it brings it home', async () => {
  await withPage('', async (page) => {
    const admin = async () => (await rows(page)).find((r) => r.service === 'admin');
    assert.deepEqual([(await admin()).port, (await admin()).reason], [40024, 'home']);
    await redraw(page, () => page.fill('#busy-input', '40024').then(() => page.click('#busy-form button')));
    const moved = await admin();
    assert.equal(moved.reason, 'displaced');
    assert.notEqual(moved.port, 40024);
    assert.match(moved.words, /displaced from 40024 by a busy port/);
    assert.deepEqual(
      await page.$$eval('#busy-list li', (lis) => lis.map((li) => Number(li.dataset.busy))),
      [40024, 40036],
    );
    assert.ok((await moves(page)).includes('admin'));
    assert.match(await page.evaluate(() => location.hash), /&busy=40024,40036$/);
    await shot(page, 'busy.png');
    await redraw(page, () => page.click('#busy-list li[data-busy="40024"] button'));
    assert.deepEqual([(await admin()).port, (await admin()).reason], [40024, 'home']);
  });
});

test('a home on a port browsers refuse is displaced, and the row says why', async () => {
  const config = { range: [5998, 6001], exclude: [], namespace: 'shop', services: { x0: true, x1: true, x2: true } };
  await withPage(hashFor(config), async (page) => {
    assert.equal(await status(page), 'ok');
    assert.deepEqual(await assignments(page), { x0: 6001, x1: 5999, x2: 5998 });
    const x0 = (await rows(page)).find((r) => r.service === 'x0');
    assert.match(x0.words, /displaced from 6000 by a port browsers refuse/);
  });
});

test('a busy entry that is not a port is refused in words', async () => {
  await withPage('', async (page) => {
    await page.fill('#busy-input', '40010 http');
    await page.click('#busy-form button');
    assert.equal(await page.isVisible('#busy-problem'), true);
    assert.match(await page.textContent('#busy-problem'), /“http” is not a port/);
    assert.deepEqual(await page.$$eval('#busy-list li', (lis) => lis.map((li) => Number(li.dataset.busy))), [40036]);
  });
});

test('clicking a cell of the picture toggles it busy', async () => {
  await withPage('', async (page) => {
    await redraw(page, () => page.click('.picture [data-cell="40010"]'));
    const auth = (await rows(page)).find((r) => r.service === 'auth');
    assert.equal(auth.reason, 'displaced');
    assert.equal((await cells(page)).find((c) => c.port === 40010).state, 'busy');
    await redraw(page, () => page.click('.picture [data-cell="40010"]'));
    assert.equal((await rows(page)).find((r) => r.service === 'auth').reason, 'home');
  });
});

// ---- sharing ----

test('#config= round trip: the address holds the JSON and a new tab shows the same plan', async () => {
  const config = { range: [40000, 40010], exclude: [], services: { web: true, api: true, ssh: 40005 } };
  let url;
  let plan;
  await withPage('', async (page) => {
    await redraw(page, () => page.fill('#config', JSON.stringify(config, null, 4)));
    await redraw(page, () => page.fill('#busy-input', '40001').then(() => page.press('#busy-input', 'Enter')));
    url = page.url();
    const hash = new URL(url).hash;
    assert.match(hash, /^#config=[A-Za-z0-9_-]+&busy=40001,40036$/);
    assert.deepEqual(
      JSON.parse(Buffer.from(hash.slice('#config='.length).split('&')[0], 'base64url').toString('utf8')),
      config,
    );
    plan = await rows(page);
    assert.equal(plan.length, 3);
  });
  await withPage(new URL(url).hash, async (page) => {
    assert.deepEqual(await rows(page), plan);
    assert.deepEqual(
      await page.$$eval('#busy-list li', (lis) => lis.map((li) => Number(li.dataset.busy))),
      [40001, 40036],
    );
  });
});

test('a TOML config is shared as #text= and read back as written', async () => {
  const toml = '# mine\nrange = [40000, 40009]\n\n[services]\nweb = true\ndocs = true\n';
  let hash;
  let plan;
  await withPage('', async (page) => {
    await redraw(page, () => page.fill('#config', toml));
    hash = new URL(page.url()).hash;
    plan = await rows(page);
  });
  assert.match(hash, /^#text=/);
  await withPage(hash, async (page) => {
    assert.equal(await page.inputValue('#config'), toml);
    assert.deepEqual(await rows(page), plan);
  });
});

test('a link whose #config= cannot be read says so and shows the example', async () => {
  await withPage('#config=%%%not-base64', async (page) => {
    assert.match(await page.textContent('#status'), /could not be read/);
    assert.equal(await page.isVisible('#status'), true);
    assert.equal((await rows(page)).length, 9);
  });
});

test('changing the hash in an open tab loads the new config', async () => {
  await withPage('', async (page) => {
    await redraw(page, () =>
      page.evaluate(
        (h) => {
          location.hash = h;
        },
        hashFor({ services: { web: true } }),
      ),
    );
    assert.deepEqual(await assignments(page), { web: 21225 });
  });
});

// ---- the picture ----

test('a small range is drawn port by port, with the busy port and the move', async () => {
  await withPage(
    hashFor({ range: [40000, 40010], exclude: [40002, [40008, 40009]], services: { web: true } }, [40005]),
    async (page) => {
      const drawn = await cells(page);
      assert.equal(drawn.length, 11);
      assert.equal(await page.$eval('.picture svg:last-child', (s) => s.getAttribute('data-zoomed')), 'false');
      const byState = (st) => drawn.filter((c) => c.state === st).map((c) => c.port);
      assert.deepEqual(byState('busy'), [40005]);
      assert.deepEqual(byState('excluded'), [40002, 40008, 40009]);
      assert.deepEqual(byState('displaced'), [40006]);
      assert.equal(byState('free').length, 11 - 5);
      assert.deepEqual(await moves(page), ['web']);
      assert.equal(await page.$$eval('.picture .home-ring', (r) => r.length), 1);
    },
  );
});

test('a large range is zoomed to the rows in use, with an overview of the whole range', async () => {
  await withPage(
    hashFor({ namespace: 'shop', services: { web: true, api: true, worker: true, ssh: 22 } }, [21225]),
    async (page) => {
      const plan = await rows(page);
      const drawn = await cells(page);
      assert.equal(await page.$eval('.picture svg:last-child', (s) => s.getAttribute('data-zoomed')), 'true');
      assert.ok(drawn.length < 200, `${drawn.length} cells of 10000`);
      assert.equal(drawn.length % 16, 0);
      for (const row of plan.filter((r) => r.port >= 20000)) {
        assert.equal(drawn.find((c) => c.port === row.port)?.for, row.service);
      }
      assert.equal(await page.$$eval('.picture .overview .tick[data-for]', (t) => t.length), 3);
      assert.match(await page.textContent('.picture'), /ports not shown/);
      assert.match(await page.textContent('#outside'), /ssh → 22/);
      await shot(page, 'zoomed.png');
    },
  );
});

test('the page loads only its own files', async () => {
  await withPage('', async (_page, requests) => {
    assert.deepEqual([...new Set(requests)].sort(), [
      '/',
      '/api/project',
      '/app.js',
      '/pkg/index.js',
      '/pkg/portplan_wasm.js',
      '/pkg/portplan_wasm_bg.wasm',
      '/style.css',
    ]);
  });
});

// ---- project mode: `portplan preview` on a temp project ----

const CLI = join(ROOT, '..', 'bin', 'portplan.js');
const PROJECT_CONFIG = `# the shop's services
range = [23300, 23399]
exclude = []

[services]
web = true
api = true
docs = true
ssh = 22
`;

/** A temp project with its own registry; `portplan ARGS` runs there. */
function tempProject() {
  const top = realpathSync(mkdtempSync(join(tmpdir(), 'portplan-preview-project-')));
  const cwd = join(top, 'shop');
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'portplan.toml'), PROJECT_CONFIG);
  const env = { ...process.env, PORTPLAN_HOME: join(top, 'home') };
  const portplan = (...args) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
  };
  return { top, cwd, env, portplan, registry: join(env.PORTPLAN_HOME, 'registry.json') };
}

/** Starts `portplan preview --no-open` in `cwd`; resolves with its URL and a stop(). */
async function startPreview(cwd, env) {
  const child = spawn(process.execPath, [CLI, 'preview', '--no-open'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => (err += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (found) resolve(found[1]);
    });
    exited.then((code) => reject(new Error(`portplan preview exited (${code}): ${err}`)));
  });
  const stop = () => {
    child.kill('SIGINT');
    return exited;
  };
  return { url, stop, stderr: () => err };
}

const listening = (port) =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => resolve(server));
  });

const bytesAndInode = (file) => ({ bytes: readFileSync(file, 'utf8'), ino: statSync(file).ino });

test('portplan preview opens on the project: its config, kept leases and busy ports; nothing written', async () => {
  const { top, cwd, env, portplan, registry } = tempProject();
  const web = Number(portplan('get', 'web'));
  const planned = JSON.parse(portplan('plan', '--json', '--no-probe')).plan;
  const apiHome = planned.find((e) => e.name === 'api').port;
  const foreign = await listening(apiHome);
  const before = bytesAndInode(registry);
  const preview = await startPreview(cwd, env);
  try {
    await withPage(
      '',
      async (page) => {
        await page.waitForSelector('html[data-mode="project"]');
        assert.equal(await status(page), 'ok');
        assert.equal(await page.inputValue('#config'), PROJECT_CONFIG);
        assert.equal(await page.textContent('#project-root'), cwd);
        assert.equal(await page.textContent('#project-config'), join(cwd, 'portplan.toml'));
        const shown = await rows(page);
        assert.deepEqual(
          shown.map((r) => r.service),
          ['api', 'docs', 'ssh', 'web'],
        );
        const row = (name) => shown.find((r) => r.service === name);
        assert.equal(row('web').port, web);
        assert.equal(row('web').reason, 'kept');
        assert.match(row('web').words, /kept: its lease/);
        assert.equal(row('api').reason, 'displaced');
        assert.match(row('api').words, new RegExp(`displaced from ${apiHome} by a busy port`));
        assert.ok(
          (await page.$$eval('#busy-list [data-busy]', (lis) => lis.map((li) => Number(li.dataset.busy)))).includes(
            apiHome,
          ),
          'the busy port found on the host is listed',
        );
        assert.equal((await cells(page)).find((c) => c.port === apiHome).state, 'busy');

        // Each service's URL, as `portplan plan --json` and `portplan url` give it: a link to
        // http://<service>.<checkout>.localhost:<port>, the checkout label that of web's URL.
        const webUrl = portplan('url', 'web').trim();
        const label = new URL(webUrl).hostname.split('.')[1];
        assert.match(label, /^shop-[a-z2-7]{5}$/);
        assert.equal(await page.isVisible('#url-head'), true);
        const links = await urls(page);
        assert.deepEqual(
          links,
          shown.map((r) => ({
            service: r.service,
            url: `http://${r.service}.${label}.localhost:${r.port}`,
            href: `http://${r.service}.${label}.localhost:${r.port}`,
            text: `http://${r.service}.${label}.localhost:${r.port}`,
            target: '_blank',
          })),
        );
        assert.equal(links.find((l) => l.service === 'web').url, webUrl);
        await shot(page, 'project.png');

        // Editing re-plans read-only through portplan: the lease stays kept, the new service shows.
        await redraw(page, () => page.fill('#config', `${PROJECT_CONFIG}extra = true\n`));
        const edited = await rows(page);
        assert.deepEqual(
          edited.map((r) => r.service),
          ['api', 'docs', 'extra', 'ssh', 'web'],
        );
        assert.equal(edited.find((r) => r.service === 'web').reason, 'kept');
        const extra = (await urls(page)).find((l) => l.service === 'extra');
        assert.equal(extra.url, `http://extra.${label}.localhost:${edited.find((r) => r.service === 'extra').port}`);
        await redraw(page, () => page.fill('#config', 'range = [1'));
        assert.equal(await status(page), 'error');
        assert.equal((await errorBox(page)).kind, 'invalid_config');
        assert.equal(await page.isVisible('#url-head'), false, 'no plan, no URLs');

        // Back to the project as the file holds it.
        await redraw(page, () => page.click('#project-reload'));
        assert.equal(await page.inputValue('#config'), PROJECT_CONFIG);
        assert.equal((await rows(page)).length, 4);
      },
      preview.url,
    );
  } finally {
    foreign.close();
    assert.equal(await preview.stop(), 0);
  }
  assert.equal(preview.stderr(), '');
  assert.deepEqual(bytesAndInode(registry), before, 'the registry was not written');
  assert.equal(readFileSync(join(cwd, 'portplan.toml'), 'utf8'), PROJECT_CONFIG, 'the config was not written');
  rmSync(top, { recursive: true, force: true });
});

test('a config in package.json opens as its portplan section, in JSON', async () => {
  const { top, cwd, env } = tempProject();
  rmSync(join(cwd, 'portplan.toml'));
  const manifest = { name: 'shop', portplan: { range: [23400, 23499], services: { web: true } } };
  writeFileSync(join(cwd, 'package.json'), JSON.stringify(manifest));
  const preview = await startPreview(cwd, env);
  try {
    await withPage(
      '',
      async (page) => {
        await page.waitForSelector('html[data-mode="project"]');
        assert.equal(
          await page.inputValue('#config'),
          '{\n  "range": [23400, 23499],\n  "services": {\n    "web": true\n  }\n}\n',
        );
        assert.equal(await page.textContent('#project-config'), join(cwd, 'package.json'));
        assert.deepEqual(
          (await rows(page)).map((r) => [r.service, r.reason]),
          [['web', 'home']],
        );
      },
      preview.url,
    );
  } finally {
    assert.equal(await preview.stop(), 0);
  }
  assert.equal(existsSync(join(env.PORTPLAN_HOME, 'registry.json')), false, 'no registry written');
  rmSync(top, { recursive: true, force: true });
});

test('the page alone (make preview) has no project and plans in the browser', async () => {
  await withPage('', async (page) => {
    assert.equal(await page.evaluate(() => document.documentElement.dataset.mode), undefined);
    assert.equal(await page.$eval('#project', (e) => e.hidden), true);
    // Without a project there is no checkout, so no URL: the column is not shown.
    assert.equal(await page.isVisible('#url-head'), false);
    assert.deepEqual(
      (await urls(page)).filter((l) => l.url !== null || l.href !== null),
      [],
    );
    assert.equal(await page.$$eval('#plan tbody tr:first-child > *', (cells) => cells.length), 3);
  });
});
