// Loads the core once: the native addon when one exists for this platform, else the
// WebAssembly build. PORTPLAN_ENGINE=native|wasm forces one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { packageRoot } from './locate.js';

/** The core's entry points (docs/core-api.md), without their `_json`/`_value` suffix. */
export type CoreFunction =
  | 'plan'
  | 'config_files'
  | 'extract_config'
  | 'load_config'
  | 'allocate'
  | 'release'
  | 'leases'
  | 'cli'
  | 'render'
  | 'host_error';

export type EngineName = 'native' | 'wasm';

export interface Engine {
  readonly name: EngineName;
  /** One request to one core function; the answer is a plain object (maybe `{error}`). */
  call(fn: CoreFunction, request?: unknown): any;
}

const requireHere = createRequire(path.join(packageRoot, 'package.json'));

/** napi-rs names `plan_json` `planJson`. */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Candidate addons: `portplan.<platform>-<arch>[-abi].node`; a wrong libc fails to load. */
function nativeCandidates(): string[] {
  const dir = path.join(packageRoot, 'native');
  const prefix = `portplan.${process.platform}-${process.arch}`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith('.node'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** An engine whose entry points take and give JSON text (`plan_json(text) → text`). */
function textEngine(name: EngineName, entryOf: (jsonName: string) => (text?: string) => string): Engine {
  return {
    name,
    call(fn, request) {
      const entry = entryOf(`${fn}_json`);
      const text = fn === 'config_files' ? entry() : entry(JSON.stringify(request ?? {}));
      return JSON.parse(text);
    },
  };
}

function loadNative(): Engine {
  const failures: string[] = [];
  for (const file of nativeCandidates()) {
    try {
      const addon = requireHere(file);
      return textEngine('native', (jsonName) => addon[camel(jsonName)]);
    } catch (error) {
      failures.push(`${file}: ${(error as Error).message}`);
    }
  }
  const why = failures.length ? failures.join('; ') : `none built for ${process.platform}-${process.arch}`;
  throw new Error(`portplan: no native addon loads (${why})`);
}

function loadWasm(): Engine {
  const glue = requireHere(path.join(packageRoot, 'pkg', 'node', 'portplan_wasm.js'));
  // JSON text, as with the addon: one string each way is faster than JS objects field by field.
  return textEngine('wasm', (jsonName) => glue[jsonName]);
}

function loadEngine(): Engine {
  const forced = process.env.PORTPLAN_ENGINE;
  if (forced === 'native') return loadNative();
  if (forced === 'wasm') return loadWasm();
  if (forced) {
    throw new Error(`portplan: PORTPLAN_ENGINE must be native or wasm, not ${JSON.stringify(forced)}`);
  }
  try {
    return loadNative();
  } catch {
    return loadWasm();
  }
}

let loaded: Engine | undefined;

/** The engine, loaded on first use. */
export function engine(): Engine {
  loaded ??= loadEngine();
  return loaded;
}
