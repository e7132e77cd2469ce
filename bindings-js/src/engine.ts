// Loads the core once: the native addon when one loads on this platform, else the
// WebAssembly build. PORTPLAN_ENGINE=native|wasm forces one.
import fs = require('node:fs');
import path = require('node:path');

import { createRequire } from 'node:module';
import { EngineError } from './errors.js';
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
  | 'registry_path'
  | 'cli'
  | 'render'
  | 'host_error'
  | 'lock_verdict'
  | 'temp_files';

export type EngineName = 'native' | 'wasm';

/** A core answer as JSON.parse gives it; its shape is the function's (docs/core-api.md). */
// biome-ignore lint/suspicious/noExplicitAny: the JSON boundary: each caller reads the fields its function answers.
export type CoreAnswer = any;

export interface Engine {
  readonly name: EngineName;
  /** One request to one core function; the answer is a plain object (maybe `{error}`). */
  call(fn: CoreFunction, request?: unknown): CoreAnswer;
  /** The native probe (src/probe.ts): for each port, whether it is free; absent in wasm. */
  readonly probePorts?: (ports: number[], asServer: boolean) => Promise<boolean[]>;
  /** The same on this thread (for a few ports). */
  readonly probePortsSync?: (ports: number[], asServer: boolean) => boolean[];
  /** 16 random hex digits (the registry's temp file names); absent in wasm. */
  readonly randomHex?: () => string;
}

const requireHere = createRequire(path.join(packageRoot, 'package.json'));

/** napi-rs names `plan_json` `planJson`. */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * This host's napi-rs platform names (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`), the
 * suffix of the platform packages (`portplan-<platform>`) and of the addons' file names. On
 * Linux both libcs are tried: npm installs only the package of the host's libc, and an addon
 * built for the other one fails to load.
 */
export function platformNames(platform: string = process.platform, arch: string = process.arch): string[] {
  if (platform === 'linux') return [`linux-${arch}-gnu`, `linux-${arch}-musl`];
  if (platform === 'win32') return [`win32-${arch}-msvc`];
  return [`${platform}-${arch}`];
}

interface Candidate {
  /** What to require: an addon file, or a platform package's name. */
  specifier: string;
  /** The platform package's name, to check its version against ours. */
  packageName?: string;
}

/**
 * Where an addon may be, in order: the addon built in this checkout (native/, never in the
 * published package), then the platform packages (the optionalDependencies npm installed).
 */
function nativeCandidates(): Candidate[] {
  const platforms = platformNames();
  const built = platforms
    .map((platform) => path.join(packageRoot, 'native', `portplan.${platform}.node`))
    .filter((file) => fs.existsSync(file))
    .map((file) => ({ specifier: file }));
  const installed = platforms.map((platform) => ({
    specifier: `portplan-${platform}`,
    packageName: `portplan-${platform}`,
  }));
  return [...built, ...installed];
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

/** Why a candidate did not load, in one line (require's messages go on with a stack of requirers). */
function failure(candidate: Candidate, error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return `${candidate.specifier}: ${message.split('\n')[0]}`;
}

/** What an addon exports: the core's text entries and the probe. */
type Addon = Record<string, (text?: string) => string> & {
  probePorts?: (ports: number[], asServer: boolean) => Promise<boolean[]>;
  probePortsSync?: (ports: number[], asServer: boolean) => boolean[];
  randomHex?: () => string;
};

function loadAddon(candidate: Candidate): Addon {
  if (candidate.packageName !== undefined) {
    let manifest: { version?: unknown };
    try {
      manifest = requireHere(`${candidate.packageName}/package.json`);
    } catch {
      throw new Error('not installed');
    }
    // An addon of another version may speak another core API: only our own version loads.
    const ours = requireHere('./package.json').version;
    if (manifest.version !== ours) throw new Error(`its version ${manifest.version} is not portplan's ${ours}`);
  }
  return requireHere(candidate.specifier);
}

function loadNative(): Engine {
  const failures: string[] = [];
  for (const candidate of nativeCandidates()) {
    try {
      const addon = loadAddon(candidate);
      const { probePorts, probePortsSync, randomHex } = addon;
      return { ...textEngine('native', (jsonName) => addon[camel(jsonName)]), probePorts, probePortsSync, randomHex };
    } catch (error) {
      failures.push(failure(candidate, error));
    }
  }
  throw new EngineError(`no native addon loads on ${process.platform}-${process.arch} (${failures.join('; ')})`);
}

function loadWasm(): Engine {
  let glue: Record<string, (request?: unknown) => unknown>;
  try {
    glue = requireHere(path.join(packageRoot, 'pkg', 'node', 'portplan_wasm.js'));
  } catch (error) {
    throw new EngineError(`the wasm engine does not load (${(error as Error).message.split('\n')[0]})`, error);
  }
  // Plain JS objects in and out; inside, the module crosses as JSON text (V8's JSON on both
  // sides), 1.3-1.4x faster than serde-wasm-bindgen's walk at 10,000 services (docs/core-speed.md).
  return {
    name: 'wasm',
    call(fn, request) {
      const entry = glue[fn];
      return (fn === 'config_files' ? entry() : entry(request ?? {})) as CoreAnswer;
    },
  };
}

function loadEngine(): Engine {
  const forced = process.env.PORTPLAN_ENGINE;
  if (forced === 'native') {
    try {
      return loadNative();
    } catch (error) {
      throw new EngineError(`PORTPLAN_ENGINE is native, but ${(error as Error).message}`, error);
    }
  }
  if (forced === 'wasm') return loadWasm();
  if (forced) throw new EngineError(`PORTPLAN_ENGINE must be native or wasm, not ${JSON.stringify(forced)}`);
  let native: unknown;
  try {
    return loadNative();
  } catch (error) {
    native = error;
  }
  try {
    return loadWasm();
  } catch (wasm) {
    throw new EngineError(`${(native as Error).message}, and ${(wasm as Error).message}`, wasm);
  }
}

let loaded: Engine | undefined;

/** The engine, loaded on first use. Throws EngineError when none can be loaded. */
export function engine(): Engine {
  loaded ??= loadEngine();
  return loaded;
}
