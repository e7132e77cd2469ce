// The JS examples of README.md and bindings-js/README.md, as a user copies them: each block or
// command is read from the README itself (a README edit is tested as it stands) and run in a
// fresh project (`npm init -y`, then `npm install` of express, vite and the packed tarballs),
// and what the README says it does is checked.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { stripVTControlCharacters } = require('node:util');
const { BIN, answers, get, leases, project, run, start, toolEnv, until } = require('./helpers.js');

const REPO = path.join(__dirname, '..', '..');
const ROOT_README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const JS_README = fs.readFileSync(path.join(REPO, 'bindings-js', 'README.md'), 'utf8');

/** The fenced blocks of a markdown text. */
function blocks(markdown) {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, text]) => ({ lang, text }));
}

/** The one block of `markdown` holding `marker`. */
function block(markdown, marker) {
  const found = blocks(markdown).filter(({ text }) => text.includes(marker));
  assert.equal(found.length, 1, `one block of the README holds ${JSON.stringify(marker)}`);
  return found[0].text;
}

/** The one inline `code` span of `markdown` that `pattern` matches. */
function span(markdown, pattern) {
  const found = [...markdown.matchAll(/`([^`\n]+)`/g)].map(([, code]) => code).filter((code) => pattern.test(code));
  assert.equal(found.length, 1, `one code span of the README matches ${pattern}: ${found}`);
  return found[0];
}

/** A fresh project as a user makes one. */
function fresh() {
  const cwd = project({}, 'readme');
  assert.equal(run('npm', ['init', '-y'], { cwd }).code, 0);
  const packed = process.env.PORTPLAN_PACKED;
  const tarballs = fs
    .readdirSync(packed)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => path.join(packed, name));
  const install = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', 'express@5.3.0', 'vite@8.3.8', ...tarballs],
    { cwd },
  );
  assert.equal(install.code, 0, install.err);
  return cwd;
}

const cwd = fresh();
const NAME = JSON.parse(fs.readFileSync(path.join(cwd, 'package.json'), 'utf8')).name;
/** The project's shell: its node_modules/.bin first, as npm scripts and npx have it. */
const env = toolEnv({ PATH: `${path.join(cwd, 'node_modules', '.bin')}${path.delimiter}${toolEnv().PATH}` });
const sh = (command) => start('bash', ['-c', command], { cwd, env });

function files(written) {
  for (const name of ['portplan.toml', 'vite.config.js', 'vite.config.cjs', '.env', 'server.js', 'index.html']) {
    fs.rmSync(path.join(cwd, name), { force: true });
  }
  for (const [name, text] of Object.entries(written)) fs.writeFileSync(path.join(cwd, name), text);
}

const CONFIG = 'range = [45000, 45999]\n[services]\nweb = true\napi = true\n';
const INDEX = '<!doctype html><title>readme</title><h1>served by vite</h1>\n';
// A server of the user's own that reads PORT (what the READMEs' `node server.js` stands for).
const SERVER = "require('node:http').createServer((q, r) => r.end('my server')).listen(process.env.PORT);\n";

function leaseOf(name) {
  return leases(cwd, env).find((lease) => lease.name === name && lease.root === cwd)?.port;
}

/** Waits for vite's "Local:" URL; its port. */
function viteSays(started) {
  return until(
    () => {
      const found = /Local:\s+http:\/\/[^:]+:(\d+)\//.exec(stripVTControlCharacters(started.output()));
      return found ? Number(found[1]) : undefined;
    },
    { what: started.output, alive: started.running },
  );
}

async function servesVite(started, port) {
  assert.equal(await viteSays(started), port, started.output());
  assert.match((await answers(port, started)).body, /served by vite/);
}

test('README: the first example, portplan run web --config examples/portplan.toml -- npx vite', async () => {
  const transcript = block(ROOT_README, '$ portplan run web --config examples/portplan.toml -- npx vite');
  const [command, said] = transcript
    .slice(transcript.indexOf('$ portplan run web'))
    .split('\n')
    .map((line) => line.replace(/^\$ /, ''));
  files({ 'index.html': INDEX });
  fs.mkdirSync(path.join(cwd, 'examples'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'examples', 'portplan.toml'), path.join(cwd, 'examples', 'portplan.toml'));
  const planned = Number(/^web\s+(\d+)\s+home$/m.exec(transcript)[1]);
  const started = sh(command);
  try {
    await servesVite(started, planned);
    assert.equal(stripVTControlCharacters(started.output()).split('\n')[0], said, 'the line the README shows');
  } finally {
    await started.stop();
  }
});

test('README: by hand, vite --port "$(portplan get web)" and PORT=$(portplan get api) node server.js', async () => {
  files({ 'portplan.toml': CONFIG, 'index.html': INDEX, 'server.js': SERVER });
  const vite = sh(span(ROOT_README, /^npx vite --port "\$\(portplan get web\)"/));
  try {
    await servesVite(vite, await until(() => leaseOf('web'), { what: vite.output, alive: vite.running }));
  } finally {
    await vite.stop();
  }
  const mine = sh(span(ROOT_README, /^PORT=\$\(portplan get api\) node server\.js$/));
  try {
    const port = await until(() => leaseOf('api'), { what: mine.output, alive: mine.running });
    assert.equal((await answers(port, mine)).body, 'my server');
  } finally {
    await mine.stop();
  }
});

test('READMEs: npm scripts with portplan run, then npm run dev / npm run api', async () => {
  const scripts = JSON.parse(`{${block(JS_README, '"scripts": {')}}`).scripts;
  const rootDev = JSON.parse(`{${span(ROOT_README, /^"dev": "portplan run web -- vite"$/)}}`).dev;
  assert.equal(scripts.dev, rootDev, 'both READMEs show the same dev script');
  const manifest = path.join(cwd, 'package.json');
  const original = fs.readFileSync(manifest, 'utf8');
  fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(original), scripts }, null, 2));
  files({ 'portplan.toml': CONFIG, 'index.html': INDEX, 'server.js': SERVER });
  try {
    const dev = start('npm', ['run', 'dev'], { cwd, env });
    try {
      await servesVite(dev, await until(() => leaseOf('web'), { what: dev.output, alive: dev.running }));
    } finally {
      await dev.stop();
    }
    const api = start('npm', ['run', 'api'], { cwd, env });
    try {
      const port = await until(() => leaseOf('api'), { what: api.output, alive: api.running });
      assert.equal((await answers(port, api)).body, 'my server');
    } finally {
      await api.stop();
    }
  } finally {
    fs.writeFileSync(manifest, original);
  }
});

test('bindings-js/README: the API script runs as copied and prints what its comments say', async () => {
  files({ 'portplan.toml': CONFIG });
  const script = block(JS_README, '// example.mjs');
  fs.writeFileSync(path.join(cwd, 'example.mjs'), script);
  const ran = run(process.execPath, ['example.mjs'], { cwd, env, timeout: 60_000 });
  assert.equal(ran.code, 0, ran.err);
  assert.equal(ran.err, '');
  const lines = ran.out.trim().split('\n');
  // The comments of the two plan() lines are what they print.
  assert.equal(
    lines[0],
    /console\.log\(plan\(\{ services: \{ web: true, ssh: 22 \} \}\)\.ports\);\s+\/\/ (\{.*\}) \(pure\)/.exec(script)[1],
  );
  assert.equal(lines[1], /\.reason\);\n\s+\/\/ (\{.*\})/.exec(script)[1]);
  const [engine, ...ports] = lines[2].split(' ');
  assert.equal(engine, 'native');
  assert.equal(ports.length >= 3, true, lines[2]);
  assert.deepEqual(
    leases(cwd, env).filter((lease) => lease.root === cwd),
    [],
    'release({ all: true }) freed every lease of the project',
  );
});

test('READMEs: the Vitest and Jest examples pass in the project', async () => {
  files({ 'portplan.toml': CONFIG });
  const vitest = block(ROOT_README, "import { expect, test } from 'vitest';");
  assert.equal(
    block(JS_README, '// api.test.js (Vitest)').replace('// api.test.js (Vitest)', '// api.test.js'),
    vitest,
  );
  const dir = fs.mkdtempSync(path.join(cwd, 'vitest-'));
  fs.writeFileSync(path.join(dir, 'api.test.js'), vitest);
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "tested", "type": "module" }\n');
  const ranVitest = run(path.join(BIN, 'vitest'), ['run'], { cwd: dir, env });
  assert.equal(ranVitest.code, 0, ranVitest.out + ranVitest.err);
  assert.match(stripVTControlCharacters(ranVitest.out), /Tests\s+1 passed/);

  const jestDir = fs.mkdtempSync(path.join(cwd, 'jest-'));
  fs.writeFileSync(path.join(jestDir, 'api.test.js'), block(JS_README, '// api.test.js (Jest'));
  fs.writeFileSync(path.join(jestDir, 'package.json'), '{ "name": "tested" }\n');
  const ranJest = run(path.join(BIN, 'jest'), ['--ci'], { cwd: jestDir, env });
  assert.equal(ranJest.code, 0, ranJest.out + ranJest.err);
  assert.match(ranJest.err, /Tests:\s+1 passed/);
});

test('bindings-js/README: npx portplan get web, and --strict when another process holds the port', async () => {
  files({ 'portplan.toml': CONFIG });
  const got = run('npx', ['portplan', 'get', 'web'], { cwd, env });
  assert.equal(got.code, 0, got.err);
  const port = Number(got.out);
  assert.equal(port, leaseOf('web'));
  assert.match(JS_README, /^npx portplan get web --strict +# the same, but exit 1 when another process holds it$/m);
  const holder = net.createServer();
  await new Promise((resolve) => holder.listen(port, '127.0.0.1', resolve));
  try {
    const strict = run('npx', ['portplan', 'get', 'web', '--strict'], { cwd, env });
    assert.equal(strict.code, 1, strict.err);
    assert.match(strict.err, /is held by pid/);
    assert.equal(run('npx', ['portplan', 'get', 'web'], { cwd, env }).code, 0, 'without --strict: a warning only');
  } finally {
    holder.close();
  }
});

test('bindings-js/README: the env --write transcript', () => {
  const transcript = block(JS_README, '$ npx portplan env --write');
  const lines = transcript.split('\n');
  const shown = lines.slice(lines.indexOf('$ cat .env') + 1).filter(Boolean);
  // The file before: the transcript's lines outside the block.
  files({ 'portplan.toml': CONFIG, '.env': `${shown[0]}\n` });
  const wrote = run('npx', ['portplan', 'env', '--write'], { cwd, env });
  assert.equal(wrote.code, 0, wrote.err);
  assert.equal(wrote.out.trim(), lines[1]);
  const ports = { API_PORT: leaseOf('api'), WEB_PORT: leaseOf('web') };
  const expected = shown.map((line) => line.replace(/^(\w+_PORT)=\d+$/, (_, name) => `${name}=${ports[name]}`));
  assert.deepEqual(fs.readFileSync(path.join(cwd, '.env'), 'utf8').trim().split('\n'), expected);
  const again = run('npx', ['portplan', 'env', '--write'], { cwd, env });
  assert.match(again.out, /\.env is up to date/);
});

test('bindings-js/README: npx portplan preview --no-open --port N serves the page', async () => {
  files({ 'portplan.toml': CONFIG });
  const command = /^npx portplan preview --no-open --port 8080$/m.exec(JS_README)?.[0];
  assert.ok(command, 'the README shows the command');
  const free = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const started = sh(command.replace('8080', String(free)));
  try {
    const url = await until(() => /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(started.output())?.[1], {
      what: started.output,
      alive: started.running,
    });
    assert.equal(url, `http://127.0.0.1:${free}/`);
    const page = await get(free);
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i);
  } finally {
    await started.stop();
  }
});

test('bindings-js/README: vite.config.js and vite.config.cjs as shown, and the plugin line', async (t) => {
  const shape = /^portplan: storefront → 23845 \(home\), (http:\/\/storefront\.[a-z0-9-]+\.localhost:23845)$/m;
  assert.match(JS_README, shape, 'the README shows the line');
  for (const name of ['vite.config.js', 'vite.config.cjs']) {
    await t.test(name, async () => {
      files({ 'portplan.toml': CONFIG, 'index.html': INDEX, [name]: block(JS_README, `// ${name}\n`) });
      const started = start(path.join(cwd, 'node_modules', '.bin', 'vite'), [], { cwd, env });
      try {
        const port = await viteSays(started);
        await servesVite(started, port);
        const line = stripVTControlCharacters(started.output())
          .split('\n')
          .find((text) => text.startsWith('portplan: '));
        assert.match(
          line,
          new RegExp(
            `^portplan: ${NAME} → ${port} \\((home|kept)\\), http://${NAME}\\.${NAME}-[a-z0-9]+\\.localhost:${port}$`,
          ),
        );
        assert.equal(leaseOf(NAME), port);
      } finally {
        await started.stop();
      }
    });
  }
});
