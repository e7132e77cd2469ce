// Config discovery (SPEC §7): the files searched upward from the working directory, the
// caller's options over them, and git for `namespace: "git"`. The core decides; this
// module reads files and runs git.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { call, callRaw, configFiles, type ResolvedConfig } from './core.js';
import type { Excluded, HashKind, Layout, PortRange, Service } from './core-types.js';
import { PlanError } from './errors.js';
import * as hostErrors from './hostErrors.js';

/** What the caller may set over the config file (SPEC §1 keys). */
export interface ConfigOptions {
  /** Where discovery starts (default: process.cwd()). */
  cwd?: string;
  /** A config file to use instead of searching (like the CLI's --config). */
  configPath?: string;
  range?: PortRange;
  layout?: Layout;
  hash?: HashKind;
  /** A namespace, or `git` for `<repo>@<branch>` of the checkout. */
  namespace?: string;
  blockSize?: number;
  exclude?: Excluded[];
  /** `true`: any port; a port: pinned; `false`: declared, no port. */
  services?: Record<string, Service>;
}

interface Found {
  file: string;
  folder: string;
  config: unknown;
}

function readIfFile(file: string): string | null {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : null;
  } catch {
    return null;
  }
}

/** The file's portplan config, null when it has none; a file that cannot be parsed throws. */
function extract(file: string, text: string): unknown {
  const answer = callRaw('extract_config', { file: path.basename(file), text });
  if (answer.error) throw new PlanError(hostErrors.withPath(answer.error, file));
  return answer.config;
}

function foundIn(file: string, config: unknown): Found {
  return { file: path.basename(file), folder: path.basename(path.dirname(file)), config };
}

/** The first config from `start` upward, or null. */
export function findConfig(start: string): Found | null {
  const names = configFiles();
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    for (const name of names) {
      const file = path.join(dir, name);
      const text = readIfFile(file);
      if (text === null) continue;
      const config = extract(file, text);
      if (config !== null && config !== undefined) return foundIn(file, config);
    }
    if (path.dirname(dir) === dir) return null;
  }
}

/** The config of a file the user named. */
/** The config of a file the user named; errors name it as the user wrote it. */
export function readConfigFile(file: string, cwd: string): Found {
  const absolute = path.resolve(cwd, file);
  const text = readIfFile(absolute);
  if (text === null) throw hostErrors.configMissing(file);
  const config = extract(file, text);
  if (config === null || config === undefined) throw hostErrors.configHasNoSection(file);
  return foundIn(absolute, config);
}

function git(cwd: string, args: string[]): string | null {
  try {
    const out = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || null;
  } catch {
    return null;
  }
}

/** What git says about the checkout at `cwd` (docs/core-api.md lists the commands). */
export function gitInfo(cwd: string) {
  const commonDir = git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  return {
    remote: git(cwd, ['remote', 'get-url', 'origin']),
    toplevel: commonDir ? path.dirname(commonDir) : null,
    branch: git(cwd, ['symbolic-ref', '--short', '-q', 'HEAD']),
    head: git(cwd, ['rev-parse', '--short', 'HEAD']),
  };
}

/** The caller's options in the core's key names. */
export function coreOptions(options: ConfigOptions): Record<string, unknown> {
  const keys: Array<[keyof ConfigOptions, string]> = [
    ['range', 'range'],
    ['layout', 'layout'],
    ['hash', 'hash'],
    ['namespace', 'namespace'],
    ['blockSize', 'block_size'],
    ['exclude', 'exclude'],
    ['services', 'services'],
  ];
  const out: Record<string, unknown> = {};
  for (const [from, to] of keys) if (options[from] !== undefined) out[to] = options[from];
  return out;
}

/** Finds the config, applies `options` and adds `names`: the resolved config. */
export function resolveConfig(
  options: ConfigOptions,
  names: string[],
  extraOptions: Record<string, unknown> = {},
): ResolvedConfig {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const found = options.configPath ? readConfigFile(options.configPath, cwd) : findConfig(cwd);
  const request = { found, options: { ...coreOptions(options), ...extraOptions }, names, git: null as unknown };
  let answer = call('load_config', request);
  if (answer.need === 'git') answer = call('load_config', { ...request, git: gitInfo(cwd) });
  return answer.config;
}
