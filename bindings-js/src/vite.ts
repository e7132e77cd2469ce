// Vite plugin: `plugins: [portplan()]` serves the dev server and `vite preview` on the ports
// planned for the project, each leased only when Vite starts serving on it.
import fs = require('node:fs');
import path = require('node:path');

import type * as net from 'node:net';
import type { ConfigEnv, Plugin, PreviewServer, ResolvedConfig, UserConfig, ViteDevServer } from 'vite' with {
  'resolution-mode': 'import',
};
import * as calls from './calls.js';
import type { Explicit, Serving as Leased } from './core-types.js';
import { PlanError } from './errors.js';
import { callOptions, checkOptions, ownOptions, type PortOptions } from './options.js';

export interface VitePluginOptions extends PortOptions {
  /** The dev server's service name (default: the `name` of the project's package.json, its
   * npm scope left out). `vite preview` serves as `<name>-preview`, so both can run side by
   * side. */
  name?: string;
}

/** Which server this Vite process starts: the dev server or `vite preview`. */
type Serving = 'server' | 'preview';

/** Whether this process' command line has a `--port` (Vite's, or a framework's that starts
 * Vite). */
const portFlag = () => process.argv.some((arg) => arg === '--port' || arg.startsWith('--port='));

/** The port the user set for `serving` (config file or command line), or undefined. */
function explicitPort(userConfig: UserConfig, serving: Serving): Explicit | undefined {
  const port = userConfig[serving]?.port;
  if (port === undefined) return undefined;
  // The CLI's `--port` reaches plugins merged into the config; only argv tells them apart.
  return { port, source: portFlag() ? '--port' : `${serving}.port` };
}

/**
 * A kept lease is never moved by probes (SPEC §7): if another process holds its port, Vite's
 * bind fails with EADDRINUSE. That error becomes the core's `kept_busy` (how to release the
 * lease), which Vite then throws as it is, for the dev server and the preview alike.
 */
function reportKeptBusy(httpServer: net.Server, busy: PlanError): void {
  const emit = httpServer.emit.bind(httpServer) as (event: string | symbol, ...args: unknown[]) => boolean;
  httpServer.emit = ((event: string | symbol, ...args: unknown[]) => {
    const error = args[0] as NodeJS.ErrnoException | undefined;
    if (event === 'error' && error?.code === 'EADDRINUSE' && !httpServer.listening) {
      busy.cause = error;
      // Vite words every error with code EADDRINUSE as its own "Port N is already in use":
      // this one reaches the user as it is (the core's, with how to release the lease).
      return emit(event, Object.defineProperty(busy, 'code', { value: undefined }));
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
  checkOptions(options, { name: ownOptions.isString });
  const { name: given, ...portOptions } = options;
  let serving: Serving | undefined;
  let explicit: Explicit | undefined;
  let root = process.cwd();
  let config: ResolvedConfig | undefined;

  const say = (line: string) => config?.logger.info(line.trimEnd());

  /** The core's `serve` for this process' server; the dev server and the preview are
   * planned together, so that neither one's port depends on which started first. */
  const serve = (chosen: Explicit | null): Promise<Leased> =>
    calls.serve({
      name: given ?? null,
      preview: serving === 'preview',
      explicit: chosen,
      options: callOptions({ cwd: root, ...portOptions }),
    });

  /**
   * The lease behind a port set for Vite by `portplan run` (which passes `--port N
   * --strictPort` and sets `PORT=N`; a framework started by run, such as Astro, sets
   * `server.port` from its own `--port N`): the lease of this checkout on that port, asked
   * for again (which writes nothing) for its line. Undefined when the port is not run's.
   */
  async function leasedByRun(chosen: Explicit): Promise<Leased | undefined> {
    if (process.env.PORT !== String(chosen.port)) return undefined;
    const options = callOptions({ cwd: root, ...portOptions });
    try {
      const project = await calls.plan([], { ...options, probe: false });
      const lease = calls
        .leases()
        .find(
          (held) => held.port === chosen.port && held.root === project.root && held.namespace === project.namespace,
        );
      if (lease === undefined) return undefined;
      const leased = await calls.serve({ name: lease.name, preview: false, explicit: null, options });
      return leased.port === chosen.port ? leased : undefined;
    } catch (error) {
      if (error instanceof PlanError) return undefined; // then it is the user's port, as it was
      throw error;
    }
  }

  /** Once `httpServer` listens, names the port the user chose (portplan leaves it alone): the
   * port Vite bound, which differs from the chosen one when Vite moved on from a busy port
   * (no strictPort) or was given 0. The line of the chosen port is asked for before. A port
   * `portplan run` leased is no port of the user's: its line says it is leased (and, as for
   * the plugin's own leases, another process holding it is the error that says how to free
   * it). */
  async function sayExplicit(httpServer: net.Server | null, chosen: Explicit): Promise<void> {
    const byRun = httpServer === null ? undefined : await leasedByRun(chosen);
    if (byRun !== undefined && httpServer !== null) return guard(httpServer, byRun);
    const planned = await serve(chosen);
    httpServer?.once('listening', () => {
      const bound = httpServer.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : chosen.port;
      if (port === chosen.port) return say(planned.line);
      serve({ port, source: chosen.source }).then(
        (moved) => say(moved.line),
        (error) => config?.logger.error(`portplan: ${(error as Error).message}`),
      );
    });
  }

  /** Before `httpServer` binds: the kept-busy error, and the line once it listens. */
  function guard(httpServer: net.Server, leased: Leased): void {
    if (leased.busy_error !== null) reportKeptBusy(httpServer, new PlanError(leased.busy_error));
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
        // A restart passes the previous config's port. A framework that starts Vite passes
        // its own (Astro: its server.port, 4321 unless set): the user's only when they gave
        // it on the command line (`astro dev --port 4000`, or `portplan run`'s flag), else
        // the plugin plans the port as for Vite's own CLI.
        const given = port !== undefined && !isRestart && portFlag();
        const chosen = explicit ?? (given ? { port, source: '--port' } : undefined);
        if (chosen !== undefined) {
          await sayExplicit(server.httpServer, chosen);
          return listen(port, isRestart);
        }
        if (!server.httpServer) return listen(port, isRestart); // middleware mode: Vite's own error
        const leased = await serve(null);
        server.config.server.port = leased.port;
        guard(server.httpServer, leased);
        return listen(leased.port, isRestart);
      };
    },
    async configurePreviewServer(server: PreviewServer) {
      if (serving !== 'preview') return;
      if (explicit !== undefined) {
        await sayExplicit(server.httpServer, explicit);
        return;
      }
      refuseMissingBuild(server.config, plugin);
      const leased = await serve(null);
      server.config.preview.port = leased.port;
      guard(server.httpServer, leased);
    },
  };
  return plugin;
}

// `require('portplan/vite')` is the plugin itself: the CommonJS bundle ends with a footer that
// makes it so (scripts/build.sh).
export default portplan;
