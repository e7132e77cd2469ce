// Where the registry lives: decided by the core (`registry_path_json`, docs/registry.md
// "Where") from the platform, three variables, the home folder and the working directory.
import os = require('node:os');

import { call } from './core.js';

const VARIABLES = ['PORTPLAN_HOME', 'XDG_STATE_HOME', 'LOCALAPPDATA'] as const;

function homeFolder(): string | null {
  try {
    return os.homedir() || null;
  } catch {
    return null; // no home (a user without a passwd entry): the core says to set PORTPLAN_HOME
  }
}

/** The last answer and the request it answers: a call asks for the location up to three times
 * (the leased-again check, the unlocked read, the lock), and the core answers a request alike. */
let last: { key: string; dir: string; file: string } | undefined;

/** The registry's folder and file for this process. */
export function registryLocation(env: NodeJS.ProcessEnv = process.env): { dir: string; file: string } {
  const request = {
    platform: process.platform,
    env: Object.fromEntries(VARIABLES.map((name) => [name, env[name] ?? null])),
    home: homeFolder(),
    cwd: process.cwd(),
  };
  const key = JSON.stringify(request);
  if (last?.key !== key) {
    const { dir, file } = call('registry_path', request);
    last = { key, dir, file };
  }
  return { dir: last.dir, file: last.file };
}

/** The registry file: `$PORTPLAN_HOME/registry.json`, else the platform's user state folder. */
export function registryPath(env: NodeJS.ProcessEnv = process.env): string {
  return registryLocation(env).file;
}
