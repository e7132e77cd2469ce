// Shared test helpers: temp dirs, a private registry, sockets held on a port.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawnSync } = require('node:child_process');

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

module.exports = { tempDir, privateRegistry, project, holdTcp, close, engineName, cli, cliWith, fileState };
