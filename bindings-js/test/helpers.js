// Shared test helpers: temp dirs, a private registry, sockets held on a port.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawn, spawnSync } = require('node:child_process');

function tempDir(prefix = 'portplan-test-') {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Points PORTPLAN_HOME at a fresh folder (never the user's registry); returns the registry path. */
function privateRegistry() {
  const home = path.join(tempDir(), 'home');
  process.env.PORTPLAN_HOME = home;
  return path.join(home, 'registry.json');
}

/** A project folder holding `files` ({name: text}). */
function project(files, name = 'proj') {
  const dir = path.join(tempDir(), name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** A TCP server listening on host:port. */
function holdTcp(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

const close = (server) => new Promise((resolve) => server.close(() => resolve()));

const engineName = process.env.PORTPLAN_ENGINE;

const BIN = path.join(__dirname, '..', 'bin', 'portplan.js');

/** Runs the CLI in `cwd` with `env` (default this process'); `uid`/`gid` to run as another user;
 * `timeout` (ms) kills it (then `signal` names the signal). */
function cliWith({ cwd, env = process.env, nodeArgs = [], uid, gid, timeout }, ...args) {
  const result = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], {
    cwd,
    env,
    uid,
    gid,
    timeout,
    encoding: 'utf8',
  });
  const got = { code: result.status, out: result.stdout, err: result.stderr };
  return result.signal === null ? got : { ...got, signal: result.signal };
}

/** Runs the CLI in `cwd` with this process' environment. */
function cli(cwd, ...args) {
  return cliWith({ cwd }, ...args);
}

/** What identifies the registry file's bytes and the file itself: a rewrite (temp file and
 * rename) gives a new inode even when the bytes are the same. */
function fileState(file) {
  if (!fs.existsSync(file)) return null;
  const stat = fs.statSync(file);
  return { bytes: fs.readFileSync(file, 'utf8'), ino: stat.ino, mtimeMs: stat.mtimeMs };
}

/**
 * Another process holding the kernel lock of `lock` as `engine` takes it (test/fixtures/
 * hold-lock.js), with the owner file written when `owner` is given. Resolves once it holds
 * it (or found it held: `taken` false); `release()` lets it go, `kill()` ends it by SIGKILL.
 */
function holdLock(lock, { engine = engineName, owner } = {}) {
  const script = path.join(__dirname, 'fixtures', 'hold-lock.js');
  const child = spawn(process.execPath, [script, engine, lock, ...(owner ? [owner] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (line) => {
      const reply = JSON.parse(String(line));
      resolve({
        pid: child.pid,
        taken: reply.taken,
        reply,
        release: () => {
          child.stdin.end();
          return exited;
        },
        kill: () => {
          child.kill('SIGKILL');
          return exited;
        },
        stop: (signal) => {
          child.kill(signal);
        },
      });
    });
  });
}

/** Whether nobody holds the kernel lock of `lock` (taken and let go again at once). */
function lockIsFree(lock) {
  const { Locks } = require('../dist/cjs/lock.js');
  const locks = new Locks();
  const { taken } = locks.lock(lock);
  locks.releaseAll();
  return taken;
}

/** The registry folder's files other than the registry, its lock and its owner file (which
 * stay: the lock is the kernel's, on a file that is never removed). */
function leftOver(dir) {
  const kept = new Set(['registry.json', 'registry.lock', 'registry.owner']);
  return fs.readdirSync(dir).filter((name) => !kept.has(name));
}

module.exports = {
  tempDir,
  privateRegistry,
  project,
  holdTcp,
  close,
  engineName,
  cli,
  cliWith,
  fileState,
  holdLock,
  leftOver,
  lockIsFree,
};
