// The preview page's local server (127.0.0.1 only): the page's own files, the browser engine
// under /pkg/, and in project mode (`portplan preview`) two read-only endpoints:
//   GET  /api/project  → {project: ProjectView | null}  (null: the page alone, `make preview`)
//   POST /api/plan     {text, busy} → PlanView           (the edited config, planned read-only)
import fs = require('node:fs');
import http = require('node:http');
import path = require('node:path');

import type { PlanView, ProjectView } from './previewProject.js';

/** Where the package keeps the page and the browser engine (dist/cjs/ → the package root). */
const PACKAGE = path.join(__dirname, '..', '..');
export const PAGE_DIR = path.join(PACKAGE, 'preview');
export const ENGINE_DIR = path.join(PACKAGE, 'web');

/** The files served, and where they are. A new file of the page goes here and in
 * package.json "files". */
export const PAGE_FILES = ['index.html', 'app.js', 'style.css'];
export const ENGINE_FILES = ['index.js', 'portplan_wasm.js', 'portplan_wasm_bg.wasm'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** An edited config larger than this is refused (a config is a few lines). */
const BODY_LIMIT = 1024 * 1024;

/** What the project endpoints answer; absent: the page alone. */
export interface ProjectSource {
  view(): Promise<ProjectView>;
  replan(text: string, busy: number[]): Promise<PlanView>;
}

export interface PreviewOptions {
  /** 0: any free port. */
  port?: number;
  project?: ProjectSource;
  pageDir?: string;
  engineDir?: string;
}

export interface Serving {
  server: http.Server;
  url: string;
}

function fileOf(urlPath: string, pageDir: string, engineDir: string): string | null {
  const name = urlPath === '/' ? 'index.html' : urlPath.slice(1);
  if (PAGE_FILES.includes(name)) return path.join(pageDir, name);
  if (name.startsWith('pkg/') && ENGINE_FILES.includes(name.slice(4))) return path.join(engineDir, name.slice(4));
  return null;
}

function send(response: http.ServerResponse, status: number, body: string | Buffer, type: string): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(body);
}

const sendJson = (response: http.ServerResponse, status: number, value: unknown) =>
  send(response, status, `${JSON.stringify(value)}\n`, 'application/json; charset=utf-8');

/** Only this server's own address may ask: a page elsewhere that rebinds a DNS name to
 * 127.0.0.1 (Host) or posts across origins (Origin) is refused. */
function fromThisServer(request: http.IncomingMessage, port: number): boolean {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!hosts.includes(request.headers.host ?? '')) return false;
  const origin = request.headers.origin;
  return origin === undefined || hosts.some((host) => origin === `http://${host}`);
}

function readBody(request: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        resolve(null);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** `{text: string, busy: [ports]}`, or null. */
function planRequest(body: string): { text: string; busy: number[] } | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const { text, busy } = (value ?? {}) as { text?: unknown; busy?: unknown };
  const isPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
  if (typeof text !== 'string' || !Array.isArray(busy) || !busy.every(isPort)) return null;
  return { text, busy: busy as number[] };
}

/** Serves the page on 127.0.0.1:`port` (0: a free one); resolves once it listens. */
export function servePreview(options: PreviewOptions = {}): Promise<Serving> {
  const pageDir = options.pageDir ?? PAGE_DIR;
  const engineDir = options.engineDir ?? ENGINE_DIR;
  const project = options.project;
  let port = 0;
  // One plan at a time: each probes ports, and two probes of one port would see each other.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!fromThisServer(request, port)) return send(response, 403, 'forbidden\n', 'text/plain');
    const urlPath = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (urlPath === '/api/project' && request.method === 'GET') {
      return sendJson(response, 200, { project: project ? await serially(() => project.view()) : null });
    }
    if (urlPath === '/api/plan' && request.method === 'POST' && project) {
      const body = await readBody(request);
      if (body === null) return send(response, 413, 'the config is larger than 1 MiB\n', 'text/plain');
      const asked = planRequest(body);
      if (asked === null) return send(response, 400, 'expected {"text": string, "busy": [ports]}\n', 'text/plain');
      return sendJson(response, 200, await serially(() => project.replan(asked.text, asked.busy)));
    }
    const file = fileOf(urlPath, pageDir, engineDir);
    if (file === null || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return send(response, 404, 'not found\n', 'text/plain');
    }
    let body: Buffer;
    try {
      body = await fs.promises.readFile(file);
    } catch {
      return send(response, 404, 'not found\n', 'text/plain');
    }
    response.writeHead(200, { 'content-type': TYPES[path.extname(file)], 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (!response.headersSent) send(response, 500, `${(error as Error)?.message ?? error}\n`, 'text/plain');
      else response.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      port = (server.address() as { port: number }).port;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}
