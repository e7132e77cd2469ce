// Config discovery (SPEC §7): what the folders from the working directory up to the
// filesystem root hold, sent to the core, which picks the config, the project root and the
// namespace (docs/core-api.md `load_config_json`). This module only reads files, checks
// which markers exist and runs git.
import fs = require('node:fs');
import path = require('node:path');

import type * as ChildProcess from 'node:child_process';
import { call, configFiles, type ResolvedConfig } from './core.js';
import type { Excluded, HashKind, Layout, PortRange, Service } from './core-types.js';
import { type OsError, osError } from './hostErrors.js';

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

/** The resolved config, the project root (absolute, symlinks resolved) and the config file
 * used (null when none was found). */
export interface Project {
  config: ResolvedConfig;
  root: string;
  configFile: string | null;
}

type FileSeen = { text: string } | { error: OsError | { code: 'EFBIG' } };

interface FolderSeen {
  path: string;
  files: Record<string, FileSeen>;
  markers: string[];
}

/** The files that may hold a config, in the order the core looks at them within a folder. */
let candidateNames: string[] | undefined;
function candidates(): string[] {
  candidateNames ??= configFiles();
  return candidateNames;
}

/** What marks a project's folder when it has no config (SPEC §7 "Project root"). */
const MARKERS = ['.git', 'package.json', 'pyproject.toml'];

/** Manifests are read for a name only: larger ones are reported, not read. */
const MANIFEST_LIMIT = 1024 * 1024;
const MANIFESTS = new Set(['package.json', 'pyproject.toml']);

/** A candidate file as the core wants it, or undefined when there is no regular file. */
function seeFile(file: string): FileSeen | undefined {
  let stat: fs.Stats | undefined;
  try {
    // Most candidates are absent: no error object for those (they cost more than the stat).
    stat = fs.statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Absent (or a dangling link): not there. Anything else is there but unreadable.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { error: osError(error) };
  }
  if (stat === undefined || !stat.isFile()) return undefined;
  if (MANIFESTS.has(path.basename(file)) && stat.size > MANIFEST_LIMIT) return { error: { code: 'EFBIG' } };
  try {
    return { text: readText(file) };
  } catch (error) {
    return { error: osError(error) };
  }
}

/** A file's text (UTF-8, undecodable bytes as U+FFFD), opened without blocking: a FIFO named
 * as a config reads as empty instead of hanging. */
function readText(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function exists(file: string): boolean {
  try {
    return fs.statSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** What `folder` holds: its candidate files and its markers. */
function seeFolder(folder: string): FolderSeen {
  const files: Record<string, FileSeen> = {};
  for (const name of candidates()) {
    const seen = seeFile(path.join(folder, name));
    if (seen !== undefined) files[name] = seen;
  }
  const markers = MARKERS.filter((marker) => exists(path.join(folder, marker)));
  return { path: folder, files, markers };
}

/** Every folder from `start` (absolute, realpath'd) up to the filesystem root, each seen. */
export function walk(start: string): FolderSeen[] {
  const folders: FolderSeen[] = [];
  for (let dir = start; ; dir = path.dirname(dir)) {
    folders.push(seeFolder(dir));
    if (path.dirname(dir) === dir) return folders;
  }
}

/** `cwd` absolute with symlinks resolved; a folder that cannot be resolved stays as given. */
function realCwd(cwd: string): string {
  const absolute = path.resolve(cwd);
  try {
    return fs.realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** The config file the user named (`--config`), and the folders from its own folder up. */
function namedConfig(configPath: string, cwd: string): { configFile: unknown; folders: FolderSeen[] } {
  const absolute = path.resolve(cwd, configPath);
  let real: string;
  try {
    real = fs.realpathSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { configFile: { path: absolute, missing: true }, folders: [] };
    return { configFile: { path: absolute, error: osError(error) }, folders: [] };
  }
  let configFile: unknown;
  try {
    configFile = { path: real, text: readText(real) };
  } catch (error) {
    configFile = { path: real, error: osError(error) };
  }
  return { configFile, folders: walk(path.dirname(real)) };
}

// Loaded on first use: only a `git` namespace runs git, and a fresh process starts sooner.
let childProcess: typeof ChildProcess | undefined;

function git(cwd: string, args: string[]): string | null {
  childProcess ??= require('node:child_process') as typeof ChildProcess;
  try {
    const out = childProcess
      .execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim();
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

/** Finds the config, applies `options` and adds `names`: the resolved config and its project. */
export function resolveProject(options: ConfigOptions, names: string[]): Project {
  const cwd = realCwd(options.cwd ?? process.cwd());
  const named = options.configPath ? namedConfig(options.configPath, cwd) : null;
  const request = {
    cwd,
    folders: named ? named.folders : walk(cwd),
    config_path: options.configPath ?? null,
    config_file: named ? named.configFile : null,
    options: coreOptions(options),
    names,
    git: null as unknown,
  };
  let answer = call('load_config', request);
  if (answer.need === 'git') answer = call('load_config', { ...request, git: gitInfo(cwd) });
  return { config: answer.config, root: answer.root, configFile: answer.config_file ?? null };
}
