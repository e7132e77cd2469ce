// Facts from the user's tools for the wasm engine: where a command is on the PATH (as the
// shell finds it: PATH, and PATHEXT's extensions on Windows), and what git says.
import fs = require('node:fs');
import path = require('node:path');

import type * as ChildProcess from 'node:child_process';
import type { Reply } from './core-types.js';

const windows = process.platform === 'win32';

function runnable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (!windows) fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The variable `name` of `env`: on Windows whatever the case of its name (`Path` and
 * `PATH` are one variable there), the last one as cross-spawn takes it. */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (!windows) return env[name];
  const key = Object.keys(env)
    .reverse()
    .find((key) => key.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

/** The names to try for `command` in a folder: as written, and on Windows with each of
 * PATHEXT's extensions unless it has one of them already. */
function candidates(command: string, env: NodeJS.ProcessEnv): string[] {
  if (!windows) return [command];
  const extensions = (variable(env, 'PATHEXT') || '.COM;.EXE;.BAT;.CMD')
    .split(';')
    .filter((ext) => ext !== '')
    .map((ext) => ext.toLowerCase());
  const has = extensions.includes(path.extname(command).toLowerCase());
  return has ? [command] : extensions.map((ext) => command + ext);
}

/** The file the shell would start for `command` with the variables of `env`, or null. */
export function find(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const names = candidates(command, env);
  // A command with a folder in it is looked at where it says.
  if (command.includes('/') || (windows && command.includes('\\'))) {
    return names.map((name) => path.resolve(name)).find(runnable) ?? null;
  }
  const folders = (variable(env, 'PATH') ?? '').split(path.delimiter).filter((dir) => dir !== '');
  // cmd.exe looks in the current folder first.
  if (windows) folders.unshift(process.cwd());
  for (const folder of folders) {
    for (const name of names) {
      const file = path.join(folder, name);
      if (runnable(file)) return file;
    }
  }
  return null;
}

export function which(command: string): Reply {
  return { did: 'path', path: find(command), error: null };
}

// Loaded on first use: only a `git` namespace runs git.
let childProcess: typeof ChildProcess | undefined;

/** git's stdout when it exits 0, else null (no git installed too). */
export function git(cwd: string, args: string[]): Reply {
  childProcess ??= require('node:child_process') as typeof ChildProcess;
  try {
    const stdout = childProcess.execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { did: 'output', stdout };
  } catch {
    return { did: 'output', stdout: null };
  }
}
