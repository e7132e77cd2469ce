// Vite plugin: `plugins: [portplan()]` serves on the project's planned port.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Plugin, ViteDevServer } from 'vite' with { 'resolution-mode': 'import' };
import { type AllocateOptions, allocate } from './allocate.js';
import type { Entry } from './core.js';
import * as hostErrors from './hostErrors.js';

export interface VitePluginOptions extends AllocateOptions {
  /** The service name (default: the `name` of the project's package.json). */
  name?: string;
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

/** Sets `server.port` and `strictPort` (and the same for `vite preview`) from the plan. */
export function portplan(options: VitePluginOptions = {}): Plugin {
  let leased: { namespace: string; entry: Entry } | undefined;
  return {
    name: 'portplan',
    async config(userConfig, env) {
      const root = path.resolve(userConfig.root ?? process.cwd());
      const { name: given, ...rest } = options;
      const name = given ?? packageName(root);
      // Leased only when it serves (dev server, preview); a build only reads the plan.
      const plan = await allocate({ cwd: root, ...rest }, [name], env.command === 'serve' ? [name] : []);
      const entry = plan.entry(name)!;
      leased = { namespace: plan.namespace, entry };
      return {
        server: { port: entry.port, strictPort: true },
        preview: { port: entry.port, strictPort: true },
      };
    },
    configureServer(server: ViteDevServer) {
      // A kept lease is never moved by probes (SPEC §7): if another process holds its port,
      // replace Vite's "port in use" with the error that says how to free the lease.
      const listen = server.listen.bind(server);
      server.listen = async (...args: Parameters<ViteDevServer['listen']>) => {
        try {
          return await listen(...args);
        } catch (error) {
          const { namespace, entry } = leased ?? {};
          if (entry?.reason.kind === 'kept' && /already in use/.test((error as Error).message)) {
            throw hostErrors.keptBusy(namespace!, entry.name, entry.port);
          }
          throw error;
        }
      };
    },
  };
}

export default portplan;
