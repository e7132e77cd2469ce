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
