// `portplan preview`: serves the preview page shipped in this package on 127.0.0.1 and opens
// it on the current project (its config, its plan with kept leases, the ports busy on the
// host). Read-only, as `plan`: the registry is never locked nor written.
import type { PreviewAnswer } from './core-types.js';
import { openBrowser } from './openBrowser.js';
import { PreviewProject } from './previewProject.js';
import { servePreview } from './previewServer.js';

/** Why the page's server could not start, in the words of the core's `bind_failed`. */
function notStarted(port: number, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  const why = code === 'EADDRINUSE' ? 'another process is using it' : ((error as Error)?.message ?? String(error));
  return new Error(`cannot start preview on 127.0.0.1:${port}: ${why}`);
}

/** Serves until SIGINT/SIGTERM/SIGHUP; resolves with the exit code (0 when stopped so). */
export async function preview(command: PreviewAnswer): Promise<number> {
  const project = new PreviewProject(command);
  const port = command.port ?? 0;
  const { server, url } = await servePreview({ port, project }).catch((error) => {
    throw notStarted(port, error);
  });
  process.stdout.write(`portplan preview: ${url}  (read-only; Ctrl-C to stop)\n`);
  if (command.open && !(await openBrowser(url))) {
    process.stderr.write(`portplan preview: could not open a browser; open ${url} yourself\n`);
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
