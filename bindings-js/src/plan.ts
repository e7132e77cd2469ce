// The pure plan: config + busy ports → every service's port and why.
import { call, type Entry, type HashKind, type Layout, type PlanAnswer, type PortRange } from './core.js';

/** A config object (SPEC §1), or its TOML or JSON text. */
export type ConfigInput = Record<string, unknown> | string;

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
    // Every key of the core's answer but the registry's (an allocation adds `registry` and `probe`).
    const {
      registry: _registry,
      probe: _probe,
      ...planOnly
    } = answer as PlanAnswer & { registry?: unknown; probe?: unknown };
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
