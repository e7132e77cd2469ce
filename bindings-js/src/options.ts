// The API's options, in JavaScript's camelCase, as the core's `CallOptions`. A name this
// package does not know, or a value of the wrong type, is refused with the option's name:
// a mistyped option (`rnage`, `block_size`) must not be ignored. The config keys' values
// (`range`, `services`, ...) are the core's to check: it names the key at fault.
import type { CallOptions, ConfigInput, Excluded, HashKind, Layout, PortRange, Service } from './core-types.js';
import { PlanError } from './errors.js';

/** Where a call looks for its project, and the config keys it sets over the file's. */
export interface ConfigOptions {
  /** Where the project is looked for (default: the working directory). */
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
  /** Keep browsers' unsafe ports out (default true). */
  browserSafe?: boolean;
  /** `true`: any port; a port: pinned; `false`: declared, no port. */
  services?: Record<string, Service>;
}

/** The options of `port`, `ports`, `listen` and `projectPlan`. */
export interface PortOptions extends ConfigOptions {
  /** Probe the host for ports in use (default true). */
  probe?: boolean;
  /** Ports to treat as taken besides what the probes find. */
  busy?: Iterable<number>;
  /** The test runner whose worker this process is (`vitest`, `jest`; `none`: not a test).
   * Default: found from VITEST_POOL_ID and JEST_WORKER_ID; each worker gets ports of its own. */
  test?: 'vitest' | 'jest' | 'pytest' | 'none';
}

/** The config keys, by their JavaScript names. */
const CONFIG_KEYS: Record<string, string> = {
  range: 'range',
  layout: 'layout',
  hash: 'hash',
  namespace: 'namespace',
  blockSize: 'block_size',
  exclude: 'exclude',
  browserSafe: 'browser_safe',
  services: 'services',
};

type Check = (value: unknown) => string | undefined;

const isString: Check = (value) => (typeof value === 'string' ? undefined : 'a string');
const isBoolean: Check = (value) => (typeof value === 'boolean' ? undefined : 'true or false');
const isPort = (value: unknown) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
const arePorts: Check = (value) => {
  const iterable = value !== null && typeof value === 'object' && Symbol.iterator in value;
  return iterable && [...(value as Iterable<unknown>)].every(isPort) ? undefined : 'a list of ports (1-65535)';
};
const isRunner: Check = (value) =>
  ['vitest', 'jest', 'pytest', 'none'].includes(value as string) ? undefined : "'vitest', 'jest', 'pytest' or 'none'";
export const isTries: Check = (value) =>
  Number.isInteger(value) && (value as number) >= 1 ? undefined : 'a whole number of at least 1';

/** The options every call takes beside the config keys, and what each must be. */
const CALL_KEYS: Record<string, Check> = {
  cwd: isString,
  configPath: isString,
  probe: isBoolean,
  busy: arePorts,
  test: isRunner,
};

/** Checks of a function's own options (`listen`'s `host`, `release`'s `all`, ...). */
export type OwnOptions = Record<string, Check>;
export const ownOptions = { isString, isBoolean, isTries };

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The known option a mistyped one most likely meant (`block_size` → `blockSize`). */
function meant(key: string, known: string[]): string | undefined {
  const plain = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
  return (
    known.find((name) => plain(name) === plain(key)) ??
    known.find((name) => distance(name.toLowerCase(), key.toLowerCase()) <= 2)
  );
}

function refused(message: string, key: string): PlanError {
  return new PlanError({ kind: 'usage', message, key });
}

/** Refuses an option this call does not know, or one of the wrong type; undefined values
 * count as not given. */
export function checkOptions(options: object, own: OwnOptions = {}): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new PlanError({ kind: 'usage', message: `options must be an object, not ${describe(options)}` });
  }
  const checks: Record<string, Check> = { ...CALL_KEYS, ...own };
  const known = [...Object.keys(CONFIG_KEYS), ...Object.keys(checks)];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || key in CONFIG_KEYS) continue;
    const check = checks[key];
    if (check === undefined) {
      const guess = meant(key, known);
      const hint = guess === undefined ? `; the options are ${known.join(', ')}` : ` (did you mean ${guess}?)`;
      throw refused(`unknown option ${JSON.stringify(key)}${hint}`, key);
    }
    const wanted = check(value);
    if (wanted !== undefined) throw refused(`option ${key} must be ${wanted}, not ${describe(value)}`, key);
  }
}

/** A short excerpt of a bad value for a message. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The core's `CallOptions` of checked options. */
export function callOptions(options: PortOptions): CallOptions {
  const config: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(CONFIG_KEYS)) {
    const value = (options as Record<string, unknown>)[from];
    if (value !== undefined) config[to] = value;
  }
  const out: CallOptions = {};
  if (options.cwd !== undefined) out.cwd = options.cwd;
  if (options.configPath !== undefined) out.config_path = options.configPath;
  if (Object.keys(config).length > 0) out.config = config as ConfigInput;
  if (options.probe !== undefined) out.probe = options.probe;
  if (options.busy !== undefined) out.busy = [...options.busy];
  if (options.test !== undefined) out.test = options.test;
  return out;
}
