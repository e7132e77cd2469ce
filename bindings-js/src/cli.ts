// The `portplan` command: the core runs the command line as a session and prints through
// this host; `preview` is served here (the page and its server are this package's own).
import * as calls from './calls.js';
import { engine } from './engine.js';
import { type EngineError, PlanError } from './errors.js';
import { preview } from './preview.js';

/** One line on stderr in the core's shape, for what no session could word (no engine). */
function say(message: string): void {
  process.stderr.write(`portplan: error: ${message}\n`);
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    engine();
  } catch (error) {
    // No core to word it: the usage exit code (the environment asked for what cannot be).
    say((error as EngineError).message);
    return 2;
  }
  try {
    const answer = await calls.cli(argv);
    if ('exit' in answer) return answer.exit;
    return await preview(answer.preview);
  } catch (error) {
    // The session could not print its own error (or the preview server failed to start).
    say((error as Error)?.message ?? String(error));
    return error instanceof PlanError && error.kind === 'usage' ? 2 : 1;
  }
}
