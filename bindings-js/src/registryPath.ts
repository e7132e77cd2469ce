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

/** The registry's folder and file for this process. */
export function registryLocation(env: NodeJS.ProcessEnv = process.env): { dir: string; file: string } {
  const request = {
    platform: process.platform,
    env: Object.fromEntries(VARIABLES.map((name) => [name, env[name] ?? null])),
    home: homeFolder(),
    cwd: process.cwd(),
  };
  const { dir, file } = call('registry_path', request);
  return { dir, file };
}

/** The registry file: `$PORTPLAN_HOME/registry.json`, else the platform's user state folder. */
export function registryPath(env: NodeJS.ProcessEnv = process.env): string {
  return registryLocation(env).file;
}
