// Vite plugin: `plugins: [portplan()]` serves the dev server and `vite preview` on the ports
// planned for the project, each leased only when Vite starts serving on it.
import fs = require('node:fs');
import path = require('node:path');

import type * as net from 'node:net';
import type { ConfigEnv, Plugin, PreviewServer, ResolvedConfig, UserConfig, ViteDevServer } from 'vite' with {
  'resolution-mode': 'import',
};
import { type AllocateOptions, allocateAnswer } from './allocate.js';
import { call } from './core.js';
import * as hostErrors from './hostErrors.js';

export interface VitePluginOptions extends AllocateOptions {
  /** The dev server's service name (default: the `name` of the project's package.json).
   * `vite preview` serves as `<name>-preview`, so both can run side by side. */
  name?: string;
}

/** Which server this Vite process starts: the dev server or `vite preview`. */
type Serving = 'server' | 'preview';

/** The lease this Vite process serves on, and the line that says so. */
interface Leased {
  namespace: string;
  name: string;
  port: number;
  kept: boolean;
  line: string;
}

/** A port the user gave Vite, and what set it (as the line names it). */
interface Explicit {
  port: number;
  source: string;
}

function packageName(root: string): string {
  const file = path.join(root, 'package.json');
  let name: unknown;
  try {
    name = JSON.parse(fs.readFileSync(file, 'utf8')).name;
  } catch (error) {
    throw new Error(`portplan/vite: no service name given and ${file} cannot be read (${(error as Error).message})`);
  }
  if (typeof name !== 'string' || name === '') {
    throw new Error(`portplan/vite: no service name given and ${file} has no "name"`);
  }
  return name;
}

/** The port the user set for `serving` (config file or command line), or undefined. */
function explicitPort(userConfig: UserConfig, serving: Serving): Explicit | undefined {
  const port = userConfig[serving]?.port;
  if (port === undefined) return undefined;
  // The CLI's `--port` reaches plugins merged into the config; only argv tells them apart.
  const fromFlag = process.argv.some((arg) => arg === '--port' || arg.startsWith('--port='));
  return { port, source: fromFlag ? '--port' : `${serving}.port` };
}

/**
 * A kept lease is never moved by probes (SPEC §7): if another process holds its port, Vite's
 * bind fails with EADDRINUSE. That error becomes the core's `kept_busy` (how to release the
 * lease), which Vite then throws as it is, for the dev server and the preview alike.
 */
function reportKeptBusy(httpServer: net.Server, namespace: string, name: string, port: number): void {
  const emit = httpServer.emit.bind(httpServer) as (event: string | symbol, ...args: unknown[]) => boolean;
  httpServer.emit = ((event: string | symbol, ...args: unknown[]) => {
    const error = args[0] as NodeJS.ErrnoException | undefined;
    if (event === 'error' && error?.code === 'EADDRINUSE' && !httpServer.listening) {
      const busy = hostErrors.keptBusy(namespace, name, port);
      busy.cause = error;
      return emit(event, busy);
    }
    return emit(event, ...args);
  }) as typeof httpServer.emit;
}

/**
 * `vite preview` of a project never built: Vite says "Did you build your project?" only when no
 * plugin but its own has a `configurePreviewServer` hook (one that may serve something else),
 * so this plugin, which has one, says it itself under the same conditions rather than lease a
 * port for an empty folder.
 */
function refuseMissingBuild(config: ResolvedConfig, self: Plugin): void {
  const mayServe = config.plugins.filter(
    (plugin) => plugin !== self && plugin.name !== self.name && !plugin.name.startsWith('vite:'),
  );
  const fromCli = process.argv[1]?.endsWith(path.normalize('bin/vite.js')) && process.argv[2] === 'preview';
  const outDir = config.build.outDir;
  if (
    fromCli &&
    mayServe.every((plugin) => !plugin.configurePreviewServer) &&
    !fs.existsSync(path.resolve(config.root, outDir))
  ) {
    throw new Error(`The directory "${outDir}" does not exist. Did you build your project?`);
  }
}

/** Sets the port of the dev server (on listen) and of `vite preview` from the plan. */
export function portplan(options: VitePluginOptions = {}): Plugin {
  const { name: given, ...allocateOptions } = options;
  let serving: Serving | undefined;
  let explicit: Explicit | undefined;
  let root = process.cwd();
  let config: ResolvedConfig | undefined;

  const say = (line: string) => config?.logger.info(line.trimEnd());

  /** Leases the service this process serves; plans dev and preview together so that
   * neither one's port depends on which started first. */
  async function lease(): Promise<Leased> {
    const dev = given ?? packageName(root);
    const preview = call('render', { what: 'preview_service', name: dev }).text as string;
    const name = serving === 'preview' ? preview : dev;
    const answer = await allocateAnswer({ cwd: root, ...allocateOptions }, [dev, preview], [name], true);
    const entry = answer.plan.find((e) => e.name === name)!;
    const line = call('render', { what: 'serving', plan: answer, name }).text as string;
    return { namespace: answer.namespace, name, port: entry.port, kept: entry.reason.kind === 'kept', line };
  }

  /** Once `httpServer` listens, names the port the user chose (portplan leaves it alone): the
   * port Vite bound, which differs from the chosen one when Vite moved on from a busy port
   * (no strictPort) or was given 0. */
  function sayExplicit(httpServer: net.Server | null, chosen: Explicit): void {
    httpServer?.once('listening', () => {
      const name = given ?? packageName(root);
      const service = serving === 'preview' ? call('render', { what: 'preview_service', name }).text : name;
      const bound = httpServer.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : chosen.port;
      say(call('render', { what: 'serving', name: service, explicit: port, source: chosen.source }).text);
    });
  }

  /** Before `httpServer` binds: the kept-busy error, and the line once it listens. */
  function guard(httpServer: net.Server, leased: Leased): void {
    if (leased.kept) reportKeptBusy(httpServer, leased.namespace, leased.name, leased.port);
    httpServer.once('listening', () => say(leased.line));
  }

  const plugin: Plugin = {
    name: 'portplan',
    config(userConfig: UserConfig, env: ConfigEnv) {
      // Vitest runs Vite for its transforms (and picks its own ports); a build never serves.
      if (process.env.VITEST || env.command !== 'serve') return;
      serving = env.isPreview ? 'preview' : 'server';
      root = path.resolve(userConfig.root ?? process.cwd());
      explicit = explicitPort(userConfig, serving);
      if (explicit !== undefined) return;
      // The port itself is set when Vite is about to bind (a middleware-mode server never is).
      return { [serving]: { strictPort: true } };
    },
    configResolved(resolved: ResolvedConfig) {
      config = resolved;
    },
    configureServer(server: ViteDevServer) {
      if (serving !== 'server') return;
      const listen = server.listen.bind(server);
      server.listen = async (port?: number, isRestart?: boolean) => {
        // A restart passes the previous config's port; only a first call's port is the caller's.
        const chosen = explicit ?? (port !== undefined && !isRestart ? { port, source: 'listen()' } : undefined);
        if (chosen !== undefined) {
          sayExplicit(server.httpServer, chosen);
          return listen(port, isRestart);
        }
        if (!server.httpServer) return listen(port, isRestart); // middleware mode: Vite's own error
        const leased = await lease();
        server.config.server.port = leased.port;
        guard(server.httpServer, leased);
        return listen(leased.port, isRestart);
      };
    },
    async configurePreviewServer(server: PreviewServer) {
      if (serving !== 'preview') return;
      if (explicit !== undefined) {
        sayExplicit(server.httpServer, explicit);
        return;
      }
      refuseMissingBuild(server.config, plugin);
      const leased = await lease();
      server.config.preview.port = leased.port;
      guard(server.httpServer, leased);
    },
  };
  return plugin;
}

// `require('portplan/vite')` is the plugin itself: the CommonJS bundle ends with a footer that
// makes it so (scripts/build.sh).
export default portplan;
