// What only this process knows about itself, sent once at a session's start (the `host`
// of docs/host-protocol.md's `Start`).
import os = require('node:os');
import tty = require('node:tty');

import type { HostFacts } from './core-types.js';
import type { EngineName } from './engine.js';

/** The working directory; one deleted under the process is given as the shell knew it
 * (the session then works from it as given). */
function workingDirectory(): string {
  try {
    return process.cwd();
  } catch {
    return process.env.PWD ?? '/';
  }
}

function homeFolder(): string | null {
  try {
    return os.homedir();
  } catch {
    return null; // a user without a passwd entry: the session says to set PORTPLAN_HOME
  }
}

function environment(variables: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) if (value !== undefined) env[name] = value;
  return env;
}

/** This process' facts; `variables` stand in for its environment when given. */
export function hostFacts(engine: EngineName, variables: NodeJS.ProcessEnv = process.env): HostFacts {
  return {
    platform: process.platform,
    cwd: workingDirectory(),
    home: homeFolder(),
    env: environment(variables),
    pid: process.pid,
    hostname: os.hostname(),
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    // "In a terminal's foreground": Node cannot ask for the terminal's foreground process
    // group, so stdin being a terminal stands in for it (a job started with `&` in an
    // interactive shell counts as in the foreground).
    terminal: tty.isatty(0),
    engine,
  };
}
