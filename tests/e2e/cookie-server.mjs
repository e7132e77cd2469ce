// A tiny app with a login, for the end-to-end tests: `portplan run web -- node cookie-server.mjs`.
// It listens on 127.0.0.1:$PORT (what `run` sets) and answers
//   GET /login  sets the cookie `session=<this server's token>` and says `logged in as <token>`
//   GET /       says which session cookie the browser sent: `session <token>` or `no session`
//   GET /facts  JSON: its token, pid, the Host header it got, and the variables `run` gave it
// Every answer carries the Host header the request came with, so a test sees what the browser
// sent. Once it listens it prints one line to stdout: `listening <port> <pid> <token>`.
import { randomBytes } from 'node:crypto';
import http from 'node:http';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`cookie-server: PORT is ${JSON.stringify(process.env.PORT)}, not a port`);
  process.exit(2);
}
const token = randomBytes(6).toString('hex');

function sessionOf(request) {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === 'session') return value.join('=');
  }
  return null;
}

const server = http.createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  const headers = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
  const host = request.headers.host ?? '';
  if (path === '/login') {
    headers['set-cookie'] = `session=${token}; Path=/; HttpOnly; SameSite=Lax`;
    response.writeHead(200, headers);
    response.end(`logged in as ${token} at ${host}\n`);
  } else if (path === '/') {
    const session = sessionOf(request);
    response.writeHead(200, headers);
    response.end(`${session === null ? 'no session' : `session ${session}`} at ${host}\n`);
  } else if (path === '/facts') {
    const variables = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => /_(PORT|URL)$|^PORT$|^COMPOSE_PROJECT_NAME$/.test(key)),
    );
    headers['content-type'] = 'application/json';
    response.writeHead(200, headers);
    response.end(`${JSON.stringify({ token, pid: process.pid, host, cwd: process.cwd(), variables })}\n`);
  } else {
    response.writeHead(404, headers);
    response.end('not found\n');
  }
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${port} ${process.pid} ${token}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
