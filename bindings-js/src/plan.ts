// The pure plan: config + busy ports → every service's port and why.

import { call, type Entry, type HashKind, type Layout, type PlanAnswer, type PortRange } from './core.js';
import type { ConfigInput } from './core-types.js';

/** A config object (SPEC §1 keys, each optional), or its TOML or JSON text. */
export type { ConfigInput } from './core-types.js';

export interface PlanOptions {
  /** Ports already taken on the host. */
  busy?: Iterable<number>;
}

/** A plan as the core made it. */
export class Plan {
  /** Every service with its port and reason, sorted by name. */
  readonly entries: readonly Entry[];
  /** `{ name: port }`. */
  readonly ports: Readonly<Record<string, number>>;
  readonly namespace: string;
  readonly range: Readonly<PortRange>;
  readonly layout: Layout;
  readonly hash: HashKind;
  readonly #answer: PlanAnswer;

  constructor(answer: PlanAnswer) {
    // The plan's own keys: an allocation adds the registry, the ports to probe, the project
    // root and the config file, which are not part of a plan's JSON shape.
    const {
      registry: _registry,
      probe: _probe,
      root: _root,
      config_file: _configFile,
      ...planOnly
    } = answer as PlanAnswer & Record<string, unknown>;
    this.#answer = planOnly;
    this.entries = answer.plan;
    this.ports = Object.fromEntries(answer.plan.map((entry) => [entry.name, entry.port]));
    this.namespace = answer.namespace;
    this.range = answer.range;
    this.layout = answer.layout;
    this.hash = answer.hash;
  }

  /** The entry of `name`, or undefined. */
  entry(name: string): Entry | undefined {
    return this.entries.find((entry) => entry.name === name);
  }

  /** The core's JSON shape of the plan. */
  toJSON(): PlanAnswer {
    return structuredClone(this.#answer);
  }
}

/** Plans `config` against `busy` (pure: no probe, no registry). Throws PlanError. */
export function plan(config: ConfigInput, options: PlanOptions = {}): Plan {
  const busy = [...(options.busy ?? [])];
  return new Plan(call('plan', { config, busy }));
}
