// The `portplan` command. The core parses the command line and renders every line of
// output; this module runs the command and writes what the core rendered.
import os = require('node:os');

import { spawn } from 'node:child_process';
import { type AllocateOptions, allocateAnswer, type BeforeWrite, leases, release } from './allocate.js';
import { type AllocateAnswer, type CliCommand, call, callRaw } from './core.js';
import { type EnvFile, type Merged, merge, readEnvFile, writeEnvFile } from './envFile.js';
import { EngineError, type ErrorValue, PlanError } from './errors.js';
import * as hostErrors from './hostErrors.js';
import { preview } from './preview.js';
import { freeForAServer } from './probe.js';

/** What `run` starts: the core's argv (a port flag added for tools that read only flags)
 * and the variables added to this process' environment. */
interface RunAnswer {
  env: Record<string, string>;
  argv: string[];
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function render(request: Record<string, unknown>): string {
  return call('render', request).text;
}

/** Writes an error the way both CLIs do; returns its exit code. */
function reportError(error: unknown, io: Io): number {
  if (error instanceof EngineError) {
    // No core to word it: the same line shape as the core's, and the usage exit code
    // (the environment asked for what cannot be).
    io.err(`portplan: error: ${error.message}\n`);
    return 2;
  }
  const value: ErrorValue =
    error instanceof PlanError ? error.toJSON() : { kind: 'host', message: (error as Error)?.message ?? String(error) };
  const answer = callRaw('render', { what: 'error', error: value });
  io.err(answer.text);
  return answer.exit;
}

function optionsOf(command: CliCommand): AllocateOptions {
  return {
    configPath: command.config_path ?? undefined,
    probe: command.probe,
    // The core's option keys (range, namespace, layout) are also AllocateOptions' names.
    ...(command.options as AllocateOptions),
  };
}

/** Runs the core's argv with its variables added to the environment; resolves with the exit
 * code to pass on. */
function runChild({ argv, env }: RunAnswer, io: Io): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const signal of signals) process.on(signal, forward);
    const done = (code: number) => {
      for (const signal of signals) process.off(signal, forward);
      resolve(code);
    };
    child.once('error', (error) => done(reportError(hostErrors.spawnFailed(argv[0], error), io)));
    child.once('exit', (code, signal) => {
      done(code ?? 128 + (signal ? osSignalNumber(signal) : 0));
    });
  });
}

function osSignalNumber(signal: NodeJS.Signals): number {
  return os.constants.signals[signal] ?? 0;
}

/** `run` starts a command that binds the port itself: a kept lease's port held by another
 * process is refused before the command starts and before anything is written (a fresh port
 * was just probed; a pin never is). */
function keptFree(name: string, probing: boolean) {
  return async (answer: AllocateAnswer): Promise<void> => {
    const entry = answer.plan.find((e) => e.name === name)!;
    if (probing && entry.reason.kind === 'kept' && !(await freeForAServer(entry.port))) {
      throw hostErrors.keptBusy(answer.namespace, name, entry.port);
    }
  };
}

/** `run`'s last check before the registry write: the kept port is free, and the core's
 * environment and argv (a variable that collides is an error here, so nothing is written). */
function runChecks(command: CliCommand, found: { run?: RunAnswer }) {
  const name = command.name!;
  const kept = keptFree(name, command.probe);
  return async (answer: AllocateAnswer): Promise<void> => {
    await kept(answer);
    found.run = call('render', { what: 'run', plan: answer, name, cmd: command.cmd }) as RunAnswer;
  };
}

/** `env --write`: the file is read and merged before the registry write, written after it. */
async function envWrite(command: CliCommand, allocate: (check: BeforeWrite) => Promise<AllocateAnswer>, io: Io) {
  const file: EnvFile = readEnvFile(command.env_file!);
  let merged: Merged | undefined;
  await allocate(async (answer) => {
    merged = merge(file, answer);
  });
  if (merged!.changed) writeEnvFile(file, merged!.text);
  io.out(merged!.message);
  return 0;
}

async function execute(command: CliCommand, io: Io): Promise<number> {
  const options = optionsOf(command);
  const name = command.name;
  const allocated = (check?: BeforeWrite): Promise<AllocateAnswer> =>
    allocateAnswer(options, command.names, command.lease, command.write, { check, env: command.command === 'env' });
  switch (command.command) {
    case 'get': {
      const answer = await allocated();
      io.out(`${portOf(answer, name!)}\n`);
      return 0;
    }
    case 'plan': {
      // The whole answer: the table says when no config was found (config_file null).
      io.out(render({ what: command.json ? 'json' : 'table', plan: await allocated() }));
      return 0;
    }
    case 'why': {
      io.out(render({ what: 'why', plan: await allocated(), name }));
      return 0;
    }
    case 'env': {
      if (command.env_file !== null) return envWrite(command, allocated, io);
      io.out(render({ what: 'env', plan: await allocated() }));
      return 0;
    }
    case 'run': {
      const found: { run?: RunAnswer } = {};
      await allocated(runChecks(command, found));
      return runChild(found.run!, io);
    }
    case 'preview':
      return preview(options, { port: command.preview_port, open: command.open }, io);
    case 'ls': {
      io.out(render({ what: command.json ? 'leases_json' : 'leases', leases: leases() }));
      return 0;
    }
    case 'release': {
      const released = await release(command.all ? null : name, options);
      io.out(render({ what: 'released', released, name: command.all ? null : name }));
      return 0;
    }
  }
}

function portOf(answer: AllocateAnswer, name: string): number {
  return answer.plan.find((entry) => entry.name === name)!.port;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const parsed = callRaw('cli', { argv });
    if (parsed.error) return reportError(new PlanError(parsed.error), io);
    if (parsed.help !== undefined) {
      io.out(parsed.help);
      return 0;
    }
    if (parsed.version !== undefined) {
      io.out(parsed.text);
      return 0;
    }
    return await execute(parsed as CliCommand, io);
  } catch (error) {
    return reportError(error, io);
  }
}
