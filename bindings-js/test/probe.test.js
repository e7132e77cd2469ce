const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const net = require('node:net');
const { probe, port, engine, PlanError } = require('..');
const { holdTcp, close, privateRegistry, project } = require('./helpers.js');

/** A port the OS just handed out and took back: free. */
async function freshPort() {
  const server = await holdTcp(0);
  const { port } = server.address();
  await close(server);
  return port;
}

function holdUdp(port, address, type) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
    socket.once('error', reject);
    socket.bind({ port, address, exclusive: true }, () => resolve(socket));
  });
}

test('a free port probes free', async () => {
  assert.equal(await probe(await freshPort()), true);
});

for (const host of ['127.0.0.1', '0.0.0.0', '::1', '::']) {
  test(`a TCP listener on ${host} makes the port busy`, async () => {
    const port = await freshPort();
    const server = await holdTcp(port, host);
    try {
      assert.equal(await probe(port), false);
    } finally {
      await close(server);
    }
    assert.equal(await probe(port), true);
  });
}

for (const [host, type] of [
  ['127.0.0.1', 'udp4'],
  ['::1', 'udp6'],
  ['0.0.0.0', 'udp4'],
]) {
  test(`a UDP socket on ${host} makes the port busy`, async () => {
    const port = await freshPort();
    const socket = await holdUdp(port, host, type);
    try {
      assert.equal(await probe(port), false);
    } finally {
      await new Promise((resolve) => socket.close(resolve));
    }
  });
}

test('a probe of a non-port is an error, not an answer', async () => {
  await assert.rejects(probe(0), RangeError);
  await assert.rejects(probe(70000), RangeError);
});

/** A TCP socket bound with SO_REUSEADDR that does not listen, held by a Python process (Node
 * cannot make one: libuv listens on every TCP server it binds). Resolves to its release. */
function holdReusingNotListening(port, host) {
  const { spawn } = require('node:child_process');
  const family = host.includes(':') ? 'AF_INET6' : 'AF_INET';
  const code = [
    'import socket, sys',
    `s = socket.socket(socket.${family}, socket.SOCK_STREAM)`,
    's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    `s.bind((${JSON.stringify(host)}, ${port}))`,
    "print('up', flush=True)",
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (data) => {
      if (String(data).trim() !== 'up') reject(new Error(`holder: ${data}`));
      resolve(() => new Promise((done) => child.once('exit', done).stdin.end()));
    });
  });
}

for (const host of ['0.0.0.0', '127.0.0.1', '::1']) {
  test(`a TCP socket on ${host} bound with SO_REUSEADDR, not listening, makes the port busy`, {
    skip:
      (engine === 'wasm' && "the wasm engine probes with Node's sockets, which cannot see it") ||
      (process.platform === 'win32' && 'the holder is started as python3, a command Windows does not have'),
  }, async () => {
    const port = await freshPort();
    const release = await holdReusingNotListening(port, host);
    try {
      assert.equal(await probe(port), false);
    } finally {
      await release();
    }
    assert.equal(await probe(port), true);
  });
}

/** A port whose only socket is a connection in TIME_WAIT: the server closed its end first. */
async function timeWaitPort() {
  const server = await holdTcp(await freshPort());
  const { port } = server.address();
  const accepted = new Promise((resolve) => server.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  const connection = await accepted;
  await new Promise((resolve) => {
    client.once('close', resolve);
    connection.destroy();
  });
  await close(server);
  return port;
}

test("a server about to start is not kept out by its last run's TIME_WAIT; the plain probe is", async () => {
  privateRegistry();
  const held = await timeWaitPort();
  // A range of that one port: the sessions' probe (as a server binds) finds it free.
  const cwd = project(
    { 'portplan.toml': `range = [${held}, ${held}]\nexclude = []\nbrowser_safe = false\n` },
    'timewait',
  );
  assert.equal(await port('web', { cwd }), held, 'TIME_WAIT does not keep a server out');
  if (engine === 'native') assert.equal(await probe(held), false, 'the native probe counts TIME_WAIT, as Python');
});

test('a port in use in a range of one port: range_exhausted, not a port in use', async () => {
  privateRegistry();
  const server = await holdTcp(await freshPort());
  const held = server.address().port;
  try {
    const cwd = project(
      { 'portplan.toml': `range = [${held}, ${held}]\nexclude = []\nbrowser_safe = false\n` },
      'inuse',
    );
    await assert.rejects(
      port('web', { cwd }),
      (error) => error instanceof PlanError && error.kind === 'range_exhausted',
    );
  } finally {
    await close(server);
  }
});
