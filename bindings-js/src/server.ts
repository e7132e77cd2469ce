// What `listen` starts: an http/net server, a request handler (express, connect, a plain
// `(req, res) => ...`: wrapped in http.createServer), or anything with `.listen` (a Koa app,
// whose listen returns the server; Fastify, whose listen returns a promise).
// Node's types in the emitted .d.ts come with the package (see api.ts).
/// <reference types="node" preserve="true" />
import http = require('node:http');
import net = require('node:net');

import { PlanError } from './errors.js';
import type { Listener } from './hostEffects.js';

/** A request handler as express, connect and Node's http server take it. */
export type RequestHandler = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  ...rest: never[]
) => unknown;

/** Anything with a `listen` method that takes `{port, host}`. */
export interface Listenable {
  listen(options: { port: number; host?: string }): unknown;
}

export type ServerLike = net.Server | RequestHandler | Listenable;

interface Emitter {
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

const isEmitter = (value: unknown): value is Emitter =>
  value !== null &&
  typeof value === 'object' &&
  typeof (value as Emitter).once === 'function' &&
  typeof (value as Emitter).off === 'function';

/** Settles once `emitter` listens, or with the error that stopped it. */
function listening(emitter: Emitter): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => {
      emitter.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      emitter.off('error', onError);
      resolve();
    };
    emitter.once('error', onError);
    emitter.once('listening', onListening);
  });
}

/** Starts a server on `port` at `host`, settled when it listens. */
function startServer(server: net.Server, port: number, host: string | null): Promise<void> {
  const started = listening(server);
  server.listen(host === null ? { port } : { port, host });
  return started;
}

/** How to start `target` on a port, for the `listen` effect. */
export function listenerFor(target: ServerLike): Listener {
  if (target instanceof net.Server) return (port, host) => startServer(target, port, host);
  if (typeof target === 'function') {
    // One server for every try: a bind that failed is tried again on the same server.
    const server = http.createServer(target as http.RequestListener);
    return (port, host) => startServer(server, port, host);
  }
  if (target !== null && typeof target === 'object' && typeof (target as Listenable).listen === 'function') {
    return async (port, host) => {
      const started = (target as Listenable).listen(host === null ? { port } : { port, host });
      if (isEmitter(started)) {
        if ((started as Partial<net.Server>).listening === true) return;
        return listening(started);
      }
      if (started !== null && typeof (started as Promise<unknown>)?.then === 'function') {
        await started;
        return;
      }
      throw new PlanError({
        kind: 'usage',
        message: "listen: the server's listen() returned neither a server nor a promise: pass its http.Server",
      });
    };
  }
  throw new PlanError({
    kind: 'usage',
    message: 'listen needs an http or net server, a request handler (an express app), or an object with listen()',
  });
}
