// The effects the host language does for both engines (docs/host-protocol.md): sleep (the
// event loop), print (the process' own streams), spawn (its signals and child handling),
// listen (the caller's server object).
import type { ChildProcess } from 'node:child_process';
import type { OsError, Reply } from './core-types.js';
import { osError } from './osError.js';
import { find } from './tools.js';

export function sleep(ms: number): Promise<Reply> {
  return new Promise((resolve) => setTimeout(() => resolve({ did: 'done', error: null }), ms));
}

/** A closed stdout (`portplan plan | head -1`) is not the command's failure: its EPIPE
 * must not end the process as an unhandled 'error' event. */
const quieted = new WeakSet<NodeJS.WriteStream>();
function quiet(stream: NodeJS.WriteStream): void {
  if (quieted.has(stream)) return;
  quieted.add(stream);
  stream.on('error', () => {});
}

/** Writes `text`, settled once the stream took it (so output keeps its order with what a
 * spawned command prints). */
export function print(stream: 'stdout' | 'stderr', text: string): Promise<Reply> {
  const out = stream === 'stdout' ? process.stdout : process.stderr;
  quiet(out);
  return new Promise((resolve) => {
    try {
      out.write(text, () => resolve({ did: 'done', error: null }));
    } catch {
      resolve({ did: 'done', error: null });
    }
  });
}

const windows = process.platform === 'win32';

/** The signals a command's runner must outlive: while the command runs, they are passed on
 * (those the session lists) or left to reach it by themselves (a terminal's Ctrl-C), never
 * the end of this process before the command's. On Windows, Node's signals are a console's
 * events (SIGINT: Ctrl+C, SIGBREAK: Ctrl+Break, SIGHUP: the console closed; nothing is ever
 * sent as SIGTERM), which the console gives every process attached to it, the command too:
 * they reach it by themselves, and none is passed on, as `child.kill` can only end the shell
 * between (TerminateProcess of cmd.exe), which would leave the command running without this
 * process, and end this process before the command. */
const TERMINATION: NodeJS.Signals[] = windows ? ['SIGINT', 'SIGBREAK', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];

type CrossSpawn = typeof import('cross-spawn');
let crossSpawn: CrossSpawn | undefined;

/** On Windows a command that is not an .exe runs through cmd.exe (cross-spawn's rule), so a
 * command that is not there is reported by cmd, by its exit code, not by the spawn. Windows'
 * cmd exits 1 then, which cross-spawn's hook turns into ENOENT when it found no file for the
 * command; another cmd (Wine's) exits with 9009, the %ERRORLEVEL% cmd sets for a command it
 * does not recognize: the same rule holds for it (no file found: ENOENT). */
const CMD_NOT_RECOGNIZED = 9009;

function notFound(command: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT', path: command });
}

/** Starts `argv` (Windows' `.cmd` shims such as `npx.cmd` too, by cross-spawn's rules) with
 * `env` over this process' environment and stdio inherited, and waits for it. */
export function spawn(argv: string[], env: Record<string, string>, forward: string[]): Promise<Reply> {
  crossSpawn ??= require('cross-spawn') as CrossSpawn;
  const run = crossSpawn;
  return new Promise((resolve) => {
    let child: ChildProcess;
    const childEnv = { ...process.env, ...env };
    try {
      child = run(argv[0], argv.slice(1), { stdio: 'inherit', env: childEnv });
    } catch (error) {
      resolve(failed(error));
      return;
    }
    const onSignal = (signal: NodeJS.Signals) => {
      if (!windows && forward.includes(signal)) child.kill(signal);
    };
    for (const signal of TERMINATION) process.on(signal, onSignal);
    let settled = false;
    const settle = (reply: Reply) => {
      if (settled) return;
      settled = true;
      for (const signal of TERMINATION) process.off(signal, onSignal);
      resolve(reply);
    };
    child.once('error', (error) => settle(failed(error)));
    child.once('exit', (code, signal) => {
      if (windows && code === CMD_NOT_RECOGNIZED && find(argv[0], childEnv) === null) {
        settle(failed(notFound(argv[0])));
        return;
      }
      settle({ did: 'exit', code, signal, error: null });
    });
  });
}

function failed(error: unknown): Reply {
  return { did: 'exit', code: null, signal: null, error: osError(error) };
}

/** Starts the caller's server on `port` at `host`: settles once it listens, or with the
 * error that stopped it. */
export type Listener = (port: number, host: string | null) => Promise<void>;

export async function listen(listener: Listener | undefined, port: number, host: string | null): Promise<Reply> {
  if (listener === undefined) {
    return { did: 'done', error: { code: 'EINVAL', reason: 'this call has no server to start' } satisfies OsError };
  }
  try {
    await listener(port, host);
    return { did: 'done', error: null };
  } catch (error) {
    return { did: 'done', error: osError(error) };
  }
}
