// Runs one call in the core as a session (docs/host-protocol.md): the host's facts and the
// call start it; each step asks for an effect, which the executor does, until the session
// answers. The same loop serves both engines: the native one does most effects inside its
// `step`, the wasm one hands every effect here.
import type { Answer, Call, Effect, SessionStep, Start } from './core-types.js';
import { type CoreSession, engine } from './engine.js';
import { Executor } from './executor.js';
import { hostFacts } from './facts.js';
import type { Listener } from './hostEffects.js';

export interface SessionOptions {
  /** Starts the caller's server (the `listen` call's effect). */
  listen?: Listener;
  /** The CLI: a SIGINT or SIGTERM that stops the process mid-session first releases the
   * session's locks and removes its temporary files. */
  stopOnSignals?: boolean;
}

/** One session and its executor, ended once whatever happens. */
class Running {
  readonly executor: Executor;
  private readonly core: CoreSession;
  private ended = false;

  constructor(call: Call, options: SessionOptions, env?: NodeJS.ProcessEnv) {
    const loaded = engine();
    const start: Start = { host: hostFacts(loaded.name, env), ...call };
    this.core = loaded.session(JSON.stringify(start));
    this.executor = new Executor(options.listen);
  }

  step(reply: string | null): SessionStep {
    return JSON.parse(this.core.step(reply)) as SessionStep;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.executor.cleanUp();
    this.core.close();
  }
}

/** A step's effect, or undefined when the session answered. */
function effectOf(step: SessionStep): Effect | undefined {
  return 'do' in step ? step : undefined;
}

/** Stops the process by `signal` once the session is cleaned up, unless a command the
 * session started runs (the signal is that command's then). */
function stopOnSignals(running: Running): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const stop = (signal: NodeJS.Signals) => {
    if (running.executor.spawning) return;
    running.end();
    for (const each of signals) process.off(each, stop);
    // Ended by the signal itself, as without a handler (the shell sees 128 + N).
    process.kill(process.pid, signal);
  };
  for (const signal of signals) process.on(signal, stop);
  return () => {
    for (const signal of signals) process.off(signal, stop);
  };
}

/** Runs `call` to its answer. */
export async function runSession(call: Call, options: SessionOptions = {}): Promise<Answer> {
  const running = new Running(call, options);
  const unwatch = options.stopOnSignals ? stopOnSignals(running) : () => {};
  try {
    let reply: string | null = null;
    for (;;) {
      const step = running.step(reply);
      const effect = effectOf(step);
      if (effect === undefined) return (step as { done: Answer }).done;
      reply = JSON.stringify(await running.executor.run(effect));
    }
  } finally {
    running.end();
    unwatch();
  }
}

/** Runs a call whose effects are all done at once (`leases`, `registry`): for the API's
 * synchronous functions. `env`: variables in place of this process' environment. */
export function runSessionSync(call: Call, env?: NodeJS.ProcessEnv): Answer {
  const running = new Running(call, {}, env);
  try {
    let reply: string | null = null;
    for (;;) {
      const step = running.step(reply);
      const effect = effectOf(step);
      if (effect === undefined) return (step as { done: Answer }).done;
      const done = running.executor.runSync(effect);
      if (done === undefined) throw new Error(`the ${call.call} call asked for ${effect.do}, which takes time`);
      reply = JSON.stringify(done);
    }
  } finally {
    running.end();
  }
}
