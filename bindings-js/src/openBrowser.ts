// Opening a URL in the user's browser with the platform's own opener: `open` (macOS),
// `start` (Windows), `xdg-open` (Linux, the BSDs). Resolves false when it could not
// (no opener, or the opener failed), so the caller can print the URL instead.
import { spawn } from 'node:child_process';

function opener(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]];
  // `start`'s first quoted argument is a window title; the URL is ours (127.0.0.1:PORT).
  if (process.platform === 'win32') return ['cmd', ['/d', '/s', '/c', `start "" "${url}"`]];
  return ['xdg-open', [url]];
}

/** An opener still running after this long has handed the URL to a browser that stays in
 * the foreground (xdg-open with a text-mode $BROWSER): count it as opened. */
const SETTLE_MS = 5000;

export function openBrowser(url: string): Promise<boolean> {
  const [command, args] = opener(url);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: true });
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      child.unref();
      resolve(true);
    }, SETTLE_MS);
    timer.unref();
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}
