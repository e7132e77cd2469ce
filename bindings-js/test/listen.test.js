const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { listen, plan, PlanError } = require('..');
const { privateRegistry, project, holdTcp, close } = require('./helpers.js');

const CONFIG = 'range = [44000, 44999]\nexclude = []\n';
const home = (name) => plan(`${CONFIG}namespace = "srv"\n[services]\n${name} = true\n`).ports[name];

test('listen starts a server on the planned port', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'srv');
  const server = http.createServer((_request, res) => res.end('hello'));
  // A name of this run: the fetch below leaves its connection in TIME_WAIT for a minute, and
  // the native probe (no SO_REUSEADDR, as Python's) counts that port as taken for a rerun.
  const name = `web-${process.pid}`;
  const port = await listen(name, server, { cwd, host: '127.0.0.1' });
  try {
    assert.equal(port, home(name));
    assert.equal(server.address().port, port);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'hello');
  } finally {
    await close(server);
  }
});

test('a port taken between plan and bind is given up for another', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'srv');
  const taken = await holdTcp(home('api'), '127.0.0.1');
  const server = http.createServer();
  try {
    // No probe: the allocation hands out the taken port, and the bind finds out.
    const port = await listen('api', server, { cwd, host: '127.0.0.1', probe: false });
    assert.notEqual(port, home('api'));
    assert.equal(server.address().port, port);
  } finally {
    await close(server);
    await close(taken);
  }
});

test('a kept lease held by a foreign process is a clear error saying how to release it', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'srv');
  const first = http.createServer();
  const port = await listen('db', first, { cwd, host: '127.0.0.1' });
  await close(first);
  const foreign = await holdTcp(port, '127.0.0.1');
  try {
    await assert.rejects(listen('db', http.createServer(), { cwd, host: '127.0.0.1' }), (error) => {
      return (
        error instanceof PlanError &&
        error.message.includes('portplan release db') &&
        error.message.includes(String(port))
      );
    });
  } finally {
    await close(foreign);
  }
});

/** The http servers created while a test runs (listen's own, for a handler), closed at its end. */
function serversCreated(t) {
  const created = [];
  const createServer = http.createServer;
  http.createServer = (...args) => {
    const server = createServer(...args);
    created.push(server);
    return server;
  };
  t.after(async () => {
    http.createServer = createServer;
    for (const server of created) {
      server.closeAllConnections();
      if (server.listening) await close(server);
    }
  });
  return created;
}

test('listen settles for a request handler (an express or connect app): wrapped in an http server', async (t) => {
  const created = serversCreated(t);
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'srv');
  // An express app is a function (req, res, next) with a listen() that makes its own server.
  const app = (_request, response) => response.end('from the handler');
  app.listen = () => {
    throw new Error('the app itself is not listened on');
  };
  const name = `handler-${process.pid}`;
  const port = await listen(name, app, { cwd });
  assert.equal(port, home(name));
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'from the handler');
  assert.equal(created.length, 1);
  assert.equal(created[0].address().port, port);
});

test('listen settles for an object whose listen() gives its server (a Koa app), or a promise', async (t) => {
  serversCreated(t);
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'srv');
  const koa = {
    listen(...args) {
      const server = http.createServer((_request, response) => response.end('koa'));
      return server.listen(...args);
    },
  };
  const port = await listen(`koa-${process.pid}`, koa, { cwd });
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'koa');
  // Fastify's listen() returns a promise.
  const fastify = {
    listen(options) {
      const server = http.createServer((_request, response) => response.end('fastify'));
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options, () => resolve(`http://127.0.0.1:${options.port}`));
      });
    },
  };
  const other = await listen(`fastify-${process.pid}`, fastify, { cwd });
  assert.equal(await (await fetch(`http://127.0.0.1:${other}/`)).text(), 'fastify');
});

test('listen listens on the loopback address unless told otherwise', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'srv');
  const server = http.createServer();
  await listen(`loopback-${process.pid}`, server, { cwd });
  try {
    assert.equal(server.address().address, '127.0.0.1');
  } finally {
    await close(server);
  }
  await assert.rejects(listen('x', 42), PlanError);
});

test('a kept port held by another process: the error has .code EADDRINUSE, .port and .service', async () => {
  privateRegistry();
  const cwd = project({ 'portplan.toml': CONFIG }, 'srv');
  const first = http.createServer();
  const port = await listen('cache', first, { cwd });
  await close(first);
  const foreign = await holdTcp(port, '127.0.0.1');
  try {
    await assert.rejects(listen('cache', http.createServer(), { cwd }), (error) => {
      assert.deepEqual([error.kind, error.code, error.port, error.service], ['host', 'EADDRINUSE', port, 'cache']);
      assert.equal(error.name, 'PlanError');
      return true;
    });
  } finally {
    await close(foreign);
  }
});
