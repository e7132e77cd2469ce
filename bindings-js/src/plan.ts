// Plans: the pure plan of a config (no probe, no registry), and the class both it and the
// project's plan (`projectPlan`) give.
import type {
  ConfigInput,
  Entry,
  HashKind,
  Layout,
  PlanAnswer,
  PortRange,
  ProjectPlan as ProjectPlanAnswer,
} from './core-types.js';
import { engine } from './engine.js';
import { type ErrorValue, PlanError } from './errors.js';

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
    // The plan's own keys: a project's plan adds its root and config file.
    const { root: _root, config_file: _configFile, ...planOnly } = answer as PlanAnswer & Record<string, unknown>;
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

/** The plan of a project against the registry (`portplan plan`): where its leases belong. */
export class ProjectPlan extends Plan {
  /** The project root the leases belong to. */
  readonly root: string;
  /** The config file used, or null when none was found. */
  readonly configFile: string | null;

  constructor(answer: ProjectPlanAnswer) {
    super(answer);
    this.root = answer.root;
    this.configFile = answer.config_file;
  }
}

/** Plans `config` against `busy` (pure: no probe, no registry). Throws PlanError. */
export function plan(config: ConfigInput, options: PlanOptions = {}): Plan {
  const busy = [...(options.busy ?? [])];
  const answer = JSON.parse(engine().planJson(JSON.stringify({ config, busy })));
  if (answer.error) throw new PlanError(answer.error as ErrorValue);
  return new Plan(answer);
}
