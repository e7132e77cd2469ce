// `portplan preview`: serves the preview page shipped in this package on 127.0.0.1 and opens
// it on the current project (its config, its plan with kept leases, the ports busy on the
// host). Read-only, as `plan`: the registry is never locked nor written.
import type { AllocateOptions } from './allocate.js';
import type { Io } from './cli.js';
import * as hostErrors from './hostErrors.js';
import { openBrowser } from './openBrowser.js';
import { PreviewProject } from './previewProject.js';
import { servePreview } from './previewServer.js';

export interface PreviewCommand {
  /** null: any free port. */
  port: number | null;
  /** false: print the URL only (--no-open). */
  open: boolean;
}

/** Serves until SIGINT/SIGTERM; resolves with the exit code (0 when stopped that way). */
export async function preview(options: AllocateOptions, command: PreviewCommand, io: Io): Promise<number> {
  const project = new PreviewProject(options, options.probe ?? true);
  const port = command.port ?? 0;
  const { server, url } = await servePreview({ port, project }).catch((error) => {
    throw hostErrors.bindFailed('preview', port, '127.0.0.1', error);
  });
  io.out(`portplan preview: ${url}  (read-only; Ctrl-C to stop)\n`);
  if (command.open && !(await openBrowser(url))) {
    io.err(`portplan preview: could not open a browser; open ${url} yourself\n`);
  }
  return new Promise((resolve) => {
    const stop = () => {
      for (const signal of signals) process.off(signal, stop);
      server.close(() => resolve(0));
      server.closeAllConnections();
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const signal of signals) process.on(signal, stop);
  });
}
