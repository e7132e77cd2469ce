// Ports from the registry: plan against the leases, probe, re-plan until the probes agree,
// record the leases (docs/core-api.md "Host loop"), all under the registry lock.
import type * as net from 'node:net';
import { type AllocateAnswer, callRaw, type Lease, type ResolvedConfig } from './core.js';
import { type ConfigOptions, resolveConfig } from './discover.js';
import * as hostErrors from './hostErrors.js';
import { Plan } from './plan.js';
import { probe as probeFree } from './probe.js';
import { checkAnswer, readLeases, updateRegistry } from './registry.js';

export interface AllocateOptions extends ConfigOptions {
  /** Probe the host for ports in use (default true). */
  probe?: boolean;
  /** Ports to treat as taken besides what the probes find. */
  busy?: Iterable<number>;
}

interface Round {
  config: ResolvedConfig;
  busy: number[];
  /** Names to lease; null: every free service. */
  lease: string[] | null;
  probe: boolean;
  /** A lease to drop first (its port turned out taken after all). */
  forget?: string;
}

const now = () => Math.floor(Date.now() / 1000);

// Ports probed at once. Each port's own binds stay one after another (they would block each
// other); distinct ports never do, so a batch waits for the slowest few, not the sum.
const PROBES_AT_ONCE = 32;

/** The ports of `ports` that are not free on the host, in ascending order. */
async function takenPorts(ports: number[]): Promise<number[]> {
  const taken: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ports.length) {
      const port = ports[next++];
      if (!(await probeFree(port))) taken.push(port);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROBES_AT_ONCE, ports.length) }, worker));
  return taken.sort((a, b) => a - b);
}

async function allocateRound(round: Round): Promise<AllocateAnswer> {
  return updateRegistry(async (before, file) => {
    let registry = before;
    if (round.forget !== undefined) {
      const request = { registry, namespace: round.config.namespace, name: round.forget };
      registry = checkAnswer(callRaw('release', request), file).registry;
    }
    const busy = [...round.busy];
    for (;;) {
      const request = { config: round.config, busy, registry, now: now(), lease: round.lease };
      const answer: AllocateAnswer = checkAnswer(callRaw('allocate', request), file);
      const taken = round.probe ? await takenPorts(answer.probe) : [];
      if (taken.length === 0) return { text: answer.registry, result: answer };
      busy.push(...taken);
    }
  });
}

/** Allocates every service of the config (the CLI's plan and env), or only leases `lease`. */
export async function allocate(
  options: AllocateOptions = {},
  names: string[] = [],
  lease: string[] | null = null,
): Promise<Plan> {
  const config = resolveConfig(options, names);
  return new Plan(
    await allocateRound({ config, busy: [...(options.busy ?? [])], lease, probe: options.probe ?? true }),
  );
}

/** The port of `name`: stable, probed and leased. */
export async function port(name: string, options: AllocateOptions = {}): Promise<number> {
  const plan = await allocate(options, [name], [name]);
  return plan.ports[name];
}

/** The ports of `names` as `{ name: port }`, each probed and leased. */
export async function ports(names: string[], options: AllocateOptions = {}): Promise<Record<string, number>> {
  const plan = await allocate(options, names, names);
  return Object.fromEntries(names.map((name) => [name, plan.ports[name]]));
}

export interface ListenOptions extends AllocateOptions {
  /** The address to listen on (default: Node's, every address). */
  host?: string;
  /** Allocations to try when someone takes the port between probe and bind (default 5). */
  tries?: number;
}

function listenOnce(server: net.Server, port: number, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(host === undefined ? { port } : { port, host });
  });
}

/**
 * Starts `server` (an http/net server) on the port of `name`. If another process takes the
 * port between the probe and the bind, allocates again with that port busy.
 */
export async function listen(name: string, server: net.Server, options: ListenOptions = {}): Promise<number> {
  const config = resolveConfig(options, [name]);
  const busy = [...(options.busy ?? [])];
  const tries = options.tries ?? 5;
  let forget: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const answer = await allocateRound({ config, busy, lease: [name], probe: options.probe ?? true, forget });
    const entry = answer.plan.find((e) => e.name === name)!;
    try {
      await listenOnce(server, entry.port, options.host);
      return entry.port;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      if (entry.reason.kind === 'kept') throw hostErrors.keptBusy(config.namespace, name, entry.port);
      if (entry.reason.kind === 'pinned' || attempt >= tries) throw error;
      busy.push(entry.port);
      forget = name;
    }
  }
}

/** Frees the lease of `name` (every lease of the namespace when name is null). */
export async function release(name: string | null, options: ConfigOptions = {}): Promise<Lease[]> {
  const config = resolveConfig(options, []);
  return updateRegistry((before, file) => {
    const answer = checkAnswer(callRaw('release', { registry: before, namespace: config.namespace, name }), file);
    return { text: answer.registry, result: answer.released as Lease[] };
  });
}

/** Every lease of the registry. */
export function leases(): Lease[] {
  return readLeases();
}
