// A small static file server for the preview (no dependencies): `node serve.mjs [PORT]`
// serves this folder on 127.0.0.1 and prints the URL. PORT 0 (the default) picks a free one.
// The browser tests import `serve` to run the page on a port of their own.

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serves `root` on 127.0.0.1:`port`; resolves to the listening server and its URL. */
export function serve(root, port = 0) {
  const server = createServer(async (request, response) => {
    let path;
    try {
      path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    } catch {
      path = '/';
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!(file + sep).startsWith(normalize(root + sep)) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('.', import.meta.url));
  const wanted = Number(process.argv[2] ?? 0);
  const port = Number.isInteger(wanted) && wanted >= 0 && wanted <= 65535 ? wanted : 0;
  const started = serve(root, port).catch((e) => {
    if (port === 0) throw e;
    console.error(
      `portplan preview: 127.0.0.1:${port} is not available (${e.code ?? e.message}); using a free port instead`,
    );
    return serve(root, 0);
  });
  started.then(
    ({ url }) => console.log(`portplan preview: ${url}  (Ctrl-C to stop)`),
    (e) => {
      console.error(`portplan preview: cannot serve: ${e.message}`);
      process.exit(1);
    },
  );
}
