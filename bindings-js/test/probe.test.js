const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { probe } = require('..');
const { holdTcp, close } = require('./helpers.js');

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
