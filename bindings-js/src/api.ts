// The package's API: each function is one session call of the core (calls.ts), with its
// options checked and named as JavaScript names them.
// Its declarations name Node's types (servers, the environment): the reference stays in the
// emitted .d.ts, so a TypeScript user gets them without `"types": ["node"]` (TypeScript 6 and
// later default to `"types": []`); @types/node is a dependency of the package for that.
/// <reference types="node" preserve="true" />
import * as calls from './calls.js';
import type { Lease } from './core-types.js';
import { engine } from './engine.js';
import { PlanError } from './errors.js';
import { nodeProbe } from './netProbe.js';
import { type ConfigOptions, callOptions, checkOptions, ownOptions, type PortOptions } from './options.js';
import { ProjectPlan } from './plan.js';
import { listenerFor, type ServerLike } from './server.js';

export type { ConfigOptions, PortOptions } from './options.js';
/** The options of `port` and `ports` (the name of earlier releases). */
export type AllocateOptions = PortOptions;

export interface ListenOptions extends PortOptions {
  /** The address to listen on (default: loopback, 127.0.0.1; `'0.0.0.0'` or `'::'` for
   * every address). */
  host?: string;
  /** Fresh ports to try when another process takes one between the probe and the bind
   * (default 5). */
  tries?: number;
}

export interface ReleaseAll extends ConfigOptions {
  /** Free every lease of the project in this checkout. */
  all: true;
}

function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string') {
    throw new PlanError({ kind: 'usage', message: `${what} needs the name of a service, not ${String(name)}` });
  }
}

/** The ports of `names` as `{ name: port }`: stable, probed and leased. */
export async function ports<const Name extends string>(
  names: readonly Name[],
  options: PortOptions = {},
): Promise<Record<Name, number>> {
  if (!Array.isArray(names)) throw new PlanError({ kind: 'usage', message: 'ports needs a list of service names' });
  for (const name of names) checkName(name, 'ports');
  checkOptions(options);
  const answer = await calls.ports([...names], callOptions(options));
  return answer.ports as Record<Name, number>;
}

/** The port of `name`: stable, probed and leased. */
export async function port(name: string, options: PortOptions = {}): Promise<number> {
  checkName(name, 'port');
  return (await ports([name], options))[name];
}

/**
 * Starts `server` on the port of `name` and leases it once it listens: an http/net server,
 * a request handler (an express or connect app; wrapped in http.createServer), or anything
 * with `.listen({port, host})` (a Koa app). Resolves with the port. A fresh port another
 * process takes between the probe and the bind is given up for another; a kept lease whose
 * port another process holds is an error with `.code` `EADDRINUSE` that says how to release
 * it; any other failure (an address this host lacks) says why. A failed bind never moves or
 * removes a lease.
 */
export async function listen(name: string, server: ServerLike, options: ListenOptions = {}): Promise<number> {
  checkName(name, 'listen');
  checkOptions(options, { host: ownOptions.isString, tries: ownOptions.isTries });
  const { host, tries, ...rest } = options;
  return calls.listen(name, callOptions(rest), host ?? null, tries ?? null, listenerFor(server));
}

/** Frees this checkout's lease of `name`, or with `{all: true}` every lease of the project. */
export async function release(name: string, options?: ConfigOptions): Promise<Lease[]>;
export async function release(options: ReleaseAll): Promise<Lease[]>;
export async function release(what: string | ReleaseAll, options: ConfigOptions = {}): Promise<Lease[]> {
  if (what !== null && typeof what === 'object') {
    checkOptions(what, { all: ownOptions.isBoolean });
    const { all, ...rest } = what;
    return calls.release(null, all === true, callOptions(rest));
  }
  checkOptions(options);
  // No name (an unset variable): the core refuses rather than free every lease.
  if (what !== undefined && what !== null) checkName(what, 'release');
  return calls.release(what ?? null, false, callOptions(options));
}

/** Every lease of the registry (read without the lock). */
export function leases(): Lease[] {
  return calls.leases();
}

export interface ProjectPlanOptions extends PortOptions {
  /** Names to plan as services beside the config's (as `get NAME` would). */
  names?: string[];
}

/** The project's plan against the registry and the host, as `portplan plan` shows it:
 * read-only (nothing is leased or written). */
export async function projectPlan(options: ProjectPlanOptions = {}): Promise<ProjectPlan> {
  checkOptions(options, { names: (value) => (Array.isArray(value) ? undefined : 'a list of names') });
  const { names = [], ...rest } = options;
  for (const name of names) checkName(name, 'projectPlan');
  return new ProjectPlan(await calls.plan(names, callOptions(rest)));
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`probe: ${port} is not a port (1-65535)`);
  }
}

/** True only if `port` is free for TCP and UDP on the IPv4 and IPv6 loopback and wildcard
 * addresses (what the sessions' probe finds). */
export async function probe(port: number): Promise<boolean> {
  checkPort(port);
  const native = engine().probePorts;
  return native ? native([port], false)[0] : (await nodeProbe([port]))[0];
}

/** The registry file: `$PORTPLAN_HOME/registry.json`, else the platform's user state folder
 * (the core decides, from the environment `env`, this process' by default). */
export function registryPath(env: NodeJS.ProcessEnv = process.env): string {
  return calls.registry(env);
}
