// Ports from the registry: plan against the leases, probe, re-plan until the probes agree
// (docs/core-api.md "Host loop"). Commands that hand out ports do it under the registry lock
// and write what the core answers; commands that only show read the registry as it is and
// never lock nor write.
import type * as net from 'node:net';
import { type AllocateAnswer, callRaw, type Lease } from './core.js';
import { type ConfigOptions, type Project, resolveProject } from './discover.js';
import type { CoreAnswer } from './engine.js';
import * as hostErrors from './hostErrors.js';
import { Plan } from './plan.js';
import { takenPorts } from './probe.js';
import { checkAnswer, existingRoots, readLeases, readSnapshot, type Snapshot, updateRegistry } from './registry.js';

export interface AllocateOptions extends ConfigOptions {
  /** Probe the host for ports in use (default true). */
  probe?: boolean;
  /** Ports to treat as taken besides what the probes find. */
  busy?: Iterable<number>;
}

/** One allocation: the project, and which names it hands out. */
interface Ask {
  project: Project;
  busy: number[];
  /** Names to lease; null: every service of the plan; []: a question, nothing leased. */
  lease: string[] | null;
  probe: boolean;
  /** The `env` command: the core checks the variable names before answering a registry. */
  env: boolean;
}

const now = () => Math.floor(Date.now() / 1000);

/** The core's `allocate_json` request (docs/core-api.md). */
function allocateRequest(ask: Ask, registry: Snapshot, busy: number[], existing?: Record<string, boolean>) {
  return {
    config: ask.project.config,
    root: ask.project.root,
    config_file: ask.project.configFile,
    busy,
    registry: registry.text,
    now: now(),
    lease: ask.lease,
    existing_roots: existing,
    env: ask.env,
  };
}

/** Plans against `registry` and probes what the core asks to, until a round finds nothing new.
 * Pinned and kept ports are never probed (the core leaves them out of `probe`). */
async function planProbed(ask: Ask, registry: Snapshot, existing?: Record<string, boolean>): Promise<AllocateAnswer> {
  const busy = [...ask.busy];
  for (;;) {
    const answer: AllocateAnswer = checkAnswer(
      callRaw('allocate', allocateRequest(ask, registry, busy, existing)),
      registry.file,
    );
    const taken = ask.probe ? await takenPorts(answer.probe) : [];
    if (taken.length === 0) return answer;
    busy.push(...taken);
  }
}

/** A last check of the answer before anything is written; throws to write nothing. */
export type BeforeWrite = (answer: AllocateAnswer) => Promise<void>;

/** Answers that wrote nothing, by request (the registry's text apart, compared as is). The core
 * is a pure function of its request, `now` in whole seconds included, so the same request gets
 * the same answer: a name asked again within the second skips the core. A few are kept. */
const remembered = new Map<string, { registry: string | null; answer: AllocateAnswer }>();
const REMEMBERED_ANSWERS = 8;
/** Registries longer than this (characters) are not kept in memory for it. */
const REMEMBERED_REGISTRY_LENGTH = 4 * 1024 * 1024;

function askRemembered(request: ReturnType<typeof allocateRequest>): AllocateAnswer {
  const { registry, ...rest } = request;
  const key = JSON.stringify(rest);
  const known = remembered.get(key);
  // A copy: the caller's Plan must not share objects with the next caller's.
  if (known !== undefined && known.registry === registry) return structuredClone(known.answer);
  const answer = callRaw('allocate', request);
  if (answer.error === undefined && answer.registry === null && (registry?.length ?? 0) <= REMEMBERED_REGISTRY_LENGTH) {
    remembered.delete(key);
    if (remembered.size >= REMEMBERED_ANSWERS) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, { registry, answer: structuredClone(answer) });
  }
  return answer;
}

/** Names checked by `mayAllBeLeased` (the first ones; a batch of new names fails on its first). */
const NAMES_LOOKED_FOR = 64;

/** Whether asking without the lock may pay off: the registry's text holds every name to lease.
 * A hint, not a decision (the core decides): a name the text lacks has no lease to keep, so the
 * call writes anyway and goes straight to the lock, without a core call of its own first. */
function mayAllBeLeased(registry: Snapshot, lease: string[] | null): boolean {
  const text = registry.text;
  if (text === null) return false;
  return lease === null || lease.slice(0, NAMES_LOOKED_FOR).every((name) => text.includes(JSON.stringify(name)));
}

/**
 * A writing call that has nothing to write (asking again for leased names, SPEC §7): its answer
 * from the registry as it is, without the lock, as `plan` reads it (writes are atomic renames,
 * so this is a registry the lock would have shown). Undefined when the core answers a registry
 * to write: the caller then takes the lock and asks again. Roots are not checked here: their
 * leases are dropped at a write, and this call writes nothing.
 */
async function allocateUnchanged(ask: Ask, check?: BeforeWrite): Promise<AllocateAnswer | undefined> {
  let answer: AllocateAnswer;
  try {
    const registry = readSnapshot();
    if (!mayAllBeLeased(registry, ask.lease)) return undefined;
    const first = checkAnswer(askRemembered(allocateRequest(ask, registry, ask.busy)), registry.file);
    if (first.registry !== null) return undefined;
    // Only ports that are not handed out are left to probe (the leased ones are kept): their
    // probes change what the plan shows, never the registry, which is checked again anyway.
    answer = first.probe.length === 0 || !ask.probe ? first : await planProbed(ask, registry);
  } catch {
    // An unusable registry (or its folder) is reported as the lock path reports it.
    return undefined;
  }
  if (answer.registry !== null) return undefined;
  await check?.(answer);
  return answer;
}

/** Hands out `ask.lease` under the lock and writes the registry when the core changed it; a
 * call with nothing to write takes neither the lock nor writes (allocateUnchanged).
 * `forget` (a name): its lease of this project goes first (its fresh port could not be bound). */
async function allocateWriting(ask: Ask, forget?: string, check?: BeforeWrite): Promise<AllocateAnswer> {
  if (forget === undefined) {
    const unchanged = await allocateUnchanged(ask, check);
    if (unchanged !== undefined) return unchanged;
  }
  return updateRegistry(async (before) => {
    const existing = existingRoots(before);
    let registry = before;
    if (forget !== undefined) {
      const request = {
        registry: before.text,
        namespace: ask.project.config.namespace,
        root: ask.project.root,
        name: forget,
        now: now(),
        existing_roots: existing,
      };
      const released = checkAnswer(callRaw('release', request), before.file);
      if (released.registry !== null) registry = { ...before, text: released.registry };
    }
    const answer = await planProbed(ask, registry, existing);
    await check?.(answer);
    return { text: answer.registry ?? registry.text, result: answer };
  });
}

/** The plan as the registry holds it now, without the lock and without writing. */
async function allocateReading(ask: Ask, check?: BeforeWrite): Promise<AllocateAnswer> {
  const answer = await planProbed({ ...ask, lease: [] }, readSnapshot());
  await check?.(answer);
  return answer;
}

/** What a command checks before anything is written. */
export interface Checks {
  /** Runs on the answer before the registry is written (nothing is written if it throws). */
  check?: BeforeWrite;
  /** The `env` command: colliding variable names fail before any lease is written. */
  env?: boolean;
}

/**
 * The core's allocation answer for `names` (added to the config as services) leasing `lease`.
 * `write` false: a question (plan, why): the registry is read, never locked nor written.
 */
export async function allocateAnswer(
  options: AllocateOptions,
  names: string[],
  lease: string[] | null,
  write: boolean,
  { check, env = false }: Checks = {},
): Promise<AllocateAnswer> {
  const ask: Ask = {
    project: resolveProject(options, names),
    busy: [...(options.busy ?? [])],
    lease,
    probe: options.probe ?? true,
    env,
  };
  return write ? allocateWriting(ask, undefined, check) : allocateReading(ask, check);
}

/**
 * Plans every service of the config against the registry and leases `lease` (null: every
 * service, as the CLI's `env`; `[]`: none, and nothing is written, as `plan`).
 */
export async function allocate(
  options: AllocateOptions = {},
  names: string[] = [],
  lease: string[] | null = null,
): Promise<Plan> {
  const question = lease !== null && lease.length === 0;
  return new Plan(await allocateAnswer(options, names, lease, !question));
}

/** The kept ports of every leased name of a project, by registry text, project, busy ports and
 * second: one core question answers a call for any of them (asking again for leased names one
 * at a time, SPEC §7, writes nothing). A few are kept. */
const keptOfProject = new Map<string, { registry: string; ports: Map<string, number> | null }>();
const KEPT_PROJECTS = 4;

function leasedPorts(raw: CoreAnswer): Map<string, number> | null {
  if (raw.error !== undefined || raw.registry !== null) return null;
  const answer = raw as AllocateAnswer;
  // Kept ports are final whatever the probes of the other services would find: probes never
  // move a lease, so the ports the answer asks to probe are not probed here.
  return new Map(answer.plan.filter((e) => e.reason.kind === 'kept').map((e) => [e.name, e.port]));
}

/** `names`' ports when each is a lease the core keeps and asking writes nothing; undefined when
 * that is not so (or not known): the caller then takes the usual path, which decides. */
function keptPorts(names: string[], options: AllocateOptions): Record<string, number> | undefined {
  try {
    const registry = readSnapshot();
    const text = registry.text;
    // A name the registry's text lacks has no lease: that call writes, and asking the core
    // here first would only add two registry parses to every new name's way to the lock.
    if (text === null || text.length > REMEMBERED_REGISTRY_LENGTH || !mayAllBeLeased(registry, names)) return undefined;
    const base = resolveProject(options, []);
    const busy = [...(options.busy ?? [])];
    const key = JSON.stringify([registry.file, base, busy, now()]);
    let known = keptOfProject.get(key);
    if (known === undefined || known.registry !== text) {
      const ask: Ask = { project: base, busy, lease: [], probe: false, env: false };
      const shown: AllocateAnswer = checkAnswer(
        callRaw('allocate', allocateRequest(ask, registry, busy)),
        registry.file,
      );
      const leased = shown.plan.filter((e) => e.reason.kind === 'kept').map((e) => e.name);
      const every: Ask = { ...ask, project: resolveProject(options, leased), lease: leased };
      known = {
        registry: text,
        ports: leasedPorts(callRaw('allocate', allocateRequest(every, registry, busy))),
      };
      keptOfProject.delete(key);
      if (keptOfProject.size >= KEPT_PROJECTS) keptOfProject.delete(keptOfProject.keys().next().value!);
      keptOfProject.set(key, known);
    }
    const ports = known.ports;
    if (ports === null || !names.every((name) => ports.has(name))) return undefined;
    return Object.fromEntries(names.map((name) => [name, ports.get(name)!]));
  } catch {
    return undefined; // the usual path reports what is wrong
  }
}

/** The port of `name`: stable, probed and leased. */
export async function port(name: string, options: AllocateOptions = {}): Promise<number> {
  const kept = keptPorts([name], options);
  if (kept !== undefined) return kept[name];
  const plan = await allocate(options, [name], [name]);
  return plan.ports[name];
}

/** The ports of `names` as `{ name: port }`, each probed and leased. */
export async function ports(names: string[], options: AllocateOptions = {}): Promise<Record<string, number>> {
  const kept = keptPorts(names, options);
  if (kept !== undefined) return kept;
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
 * Starts `server` (an http/net server) on the port of `name`. If another process takes a
 * freshly handed-out port between the probe and the bind, allocates again with that port
 * busy. A kept lease whose port another process holds is `kept_busy`; any other failure
 * (an address this host lacks, not permitted) is `bind_failed` with its cause. A failed bind
 * never moves or removes a lease.
 */
export async function listen(name: string, server: net.Server, options: ListenOptions = {}): Promise<number> {
  const project = resolveProject(options, [name]);
  const busy = [...(options.busy ?? [])];
  const tries = options.tries ?? 5;
  let forget: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const ask: Ask = { project, busy, lease: [name], probe: options.probe ?? true, env: false };
    const answer = await allocateWriting(ask, forget);
    const entry = answer.plan.find((e) => e.name === name)!;
    try {
      await listenOnce(server, entry.port, options.host);
      return entry.port;
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (inUse && entry.reason.kind === 'kept') throw hostErrors.keptBusy(answer.namespace, name, entry.port);
      if (!inUse || entry.reason.kind === 'pinned' || attempt >= tries) {
        throw hostErrors.bindFailed(name, entry.port, options.host ?? null, error);
      }
      busy.push(entry.port);
      forget = name;
    }
  }
}

/** Frees the lease of `name` in this project (every lease of the project when name is null). */
export async function release(name: string | null, options: ConfigOptions = {}): Promise<Lease[]> {
  const project = resolveProject(options, []);
  return updateRegistry((before) => {
    const request = {
      registry: before.text,
      namespace: project.config.namespace,
      root: project.root,
      name,
      now: now(),
      existing_roots: existingRoots(before),
    };
    const answer = checkAnswer(callRaw('release', request), before.file);
    return { text: answer.registry, result: answer.released as Lease[] };
  });
}

/** Every lease of the registry. */
export function leases(): Lease[] {
  return readLeases();
}
