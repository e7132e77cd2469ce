// Loads the core once: the native addon when one loads on this platform, else the
// WebAssembly build. PORTPLAN_ENGINE=native|wasm forces one.
import fs = require('node:fs');
import path = require('node:path');

import { createRequire } from 'node:module';
import { EngineError } from './errors.js';
import { packageRoot } from './locate.js';

export type EngineName = 'native' | 'wasm';

/** One session of the core (docs/host-protocol.md): `step(reply)` gives the next step as
 * JSON text (`{"do": ...}` or `{"done": ...}`); `close` ends it where it stands (its locks
 * released, its temporary files removed by the native engine). */
export interface CoreSession {
  step(reply: string | null): string;
  close(): void;
}

export interface Engine {
  readonly name: EngineName;
  /** The pure plan (`plan_json`): JSON text in and out. */
  planJson(request: string): string;
  /** A session for the `Start` request's JSON text. */
  session(start: string): CoreSession;
  /** The native probe, the one its sessions run (for the public `probe`); absent in wasm,
   * whose host probes with Node's sockets. */
  readonly probePorts?: (ports: number[], server: boolean) => boolean[];
}

const requireHere = createRequire(path.join(packageRoot, 'package.json'));

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

/** Why a candidate did not load, in one line (require's messages go on with a stack of requirers). */
function failure(candidate: Candidate, error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return `${candidate.specifier}: ${message.split('\n')[0]}`;
}

/** What the addon exports (napi/src/lib.rs). */
interface Addon {
  planJson(request: string): string;
  Session: new (start: string) => { step(reply?: string | null): string; close(): void };
  probePorts(ports: number[], server: boolean): boolean[];
}

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
      return {
        name: 'native',
        planJson: (request) => addon.planJson(request),
        session: (start) => {
          const session = new addon.Session(start);
          return { step: (reply) => session.step(reply), close: () => session.close() };
        },
        probePorts: (ports, server) => addon.probePorts(ports, server),
      };
    } catch (error) {
      failures.push(failure(candidate, error));
    }
  }
  throw new EngineError(`no native addon loads on ${process.platform}-${process.arch} (${failures.join('; ')})`);
}

/** What the Node wasm module exports (wasm/src/lib.rs, feature `host`). */
interface WasmModule {
  plan_json(request: string): string;
  Session: new (start: string) => { step(reply?: string | null): string; free(): void };
}

function loadWasm(): Engine {
  let glue: WasmModule;
  try {
    glue = requireHere(path.join(packageRoot, 'pkg', 'node', 'portplan_wasm.js'));
  } catch (error) {
    throw new EngineError(`the wasm engine does not load (${(error as Error).message.split('\n')[0]})`, error);
  }
  return {
    name: 'wasm',
    planJson: (request) => glue.plan_json(request),
    session: (start) => {
      const session = new glue.Session(start);
      let freed = false;
      return {
        step: (reply) => session.step(reply),
        // The module's memory back; the host released the session's locks and files itself.
        close: () => {
          if (!freed) session.free();
          freed = true;
        },
      };
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
