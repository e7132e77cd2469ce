// The core's request and answer types, generated from core/schema/portplan.schema.json by
// `node bindings-js/scripts/gen-types.mjs`; do not edit (test/types.test.js checks that it is current).

/**
 * An excluded port, or an inclusive range of them: written `25565` or `[40010, 40020]`.
 */
export type Excluded = number | [number, number];
/**
 * How free services get their ports (SPEC §5).
 */
export type Layout = 'hash' | 'sequential' | 'block';
/**
 * Why a service has its port.
 */
export type Reason =
  | {
      kind: 'pinned';
    }
  | {
      home: number;
      kind: 'home';
    }
  | ((
      | {
          by: 'service';
          service: string;
        }
      | {
          by: 'pinned';
          service: string;
        }
      | {
          by: 'lease';
          namespace: string;
          root?: string | null;
          service: string;
        }
      | {
          by: 'busy';
        }
      | {
          by: 'excluded';
        }
      | {
          by: 'unsafe';
        }
      | {
          by: 'range';
        }
    ) & {
      home: number;
      kind: 'displaced';
    })
  | {
      kind: 'sequential';
    }
  | {
      base: number;
      kind: 'block';
      offset: number;
    }
  | {
      kind: 'kept';
      since: number;
    };
/**
 * An inclusive range of ports, `[min, max]` with `1 <= min <= max <= 65535`.
 *
 * @minItems 2
 * @maxItems 2
 */
export type PortRange = [number, number];
/**
 * Any JSON value, as given.
 */
export type AnyValue = unknown;
/**
 * Where a free service's home port comes from (SPEC §4).
 */
export type HashKind = 'sha256' | 'lagom';
/**
 * true: any port; a port number: pinned to it; false: declared, gets no port.
 */
export type Service = boolean | number;
export type ConfigInput =
  | {
      block_size?: number;
      browser_safe?: boolean;
      exclude?: Excluded[];
      hash?: HashKind;
      layout?: Layout;
      namespace?: string;
      range?: PortRange;
      services?: {
        [k: string]: Service;
      };
    }
  | string;
/**
 * The kinds of SPEC §2, plus the host-facing kinds of docs/core-api.md.
 */
export type ErrorKind =
  | 'invalid_range'
  | 'invalid_config'
  | 'invalid_name'
  | 'invalid_port'
  | 'duplicate_pin'
  | 'pin_busy'
  | 'range_exhausted'
  | 'invalid_request'
  | 'invalid_registry'
  | 'usage'
  | 'unknown_service'
  | 'host';
/**
 * What held a displaced service's home port.
 */
export type Holder =
  | {
      by: 'service';
      service: string;
    }
  | {
      by: 'pinned';
      service: string;
    }
  | {
      by: 'lease';
      namespace: string;
      root?: string | null;
      service: string;
    }
  | {
      by: 'busy';
    }
  | {
      by: 'excluded';
    }
  | {
      by: 'unsafe';
    }
  | {
      by: 'range';
    };
/**
 * Why a lock may be broken.
 */
export type StaleWhy = 'dead' | 'old' | 'incomplete';
/**
 * `temp_files_json`'s answer.
 */
export type TempFilesAnswer =
  | {
      check_pids: number[];
    }
  | {
      remove: string[];
    };
/**
 * `lock_verdict_json`'s answer.
 */
export type Verdict =
  | {
      pid: number;
      verdict: 'check_pid';
    }
  | {
      verdict: 'stale';
      why: StaleWhy;
    }
  | {
      owner: Owner | null;
      verdict: 'wait';
    };

/**
 * Every type of the core API by name (`CoreTypes["Lease"]` is `Lease`).
 */
export interface CoreTypes {
  AllocateAnswer: AllocateAnswer;
  AnyValue: AnyValue;
  Config: Config;
  ConfigInput: ConfigInput;
  Entry: Entry;
  ErrorAnswer: ErrorAnswer;
  ErrorKind: ErrorKind;
  Excluded: Excluded;
  HashKind: HashKind;
  Holder: Holder;
  Layout: Layout;
  Lease: Lease;
  LeasesAnswer: LeasesAnswer;
  Owner: Owner;
  PlanAnswer: PlanAnswer;
  PlanError: PlanError;
  PlanRequest: PlanRequest;
  PortRange: PortRange;
  Reason: Reason;
  RenderAnswer: RenderAnswer;
  Service: Service;
  StaleWhy: StaleWhy;
  TempFilesAnswer: TempFilesAnswer;
  Verdict: Verdict;
}
/**
 * `allocate_json`'s answer: the plan, the project, the registry to write, and the ports to
 * probe.
 */
export interface AllocateAnswer {
  /**
   * The config file used; null when none was found.
   */
  config_file: string | null;
  /**
   * The config's excluded ports, defaults applied (a viewer draws them).
   */
  exclude: Excluded[];
  /**
   * Where a free service's home port comes from (SPEC §4).
   */
  hash: 'sha256' | 'lagom';
  layout: Layout;
  namespace: string;
  plan: Entry[];
  /**
   * The ports of free services handed out fresh, for the host to probe (never a kept
   * lease's, never a pin's).
   */
  probe: number[];
  range: PortRange;
  /**
   * The new registry file's text; null when there is nothing to write.
   */
  registry: string | null;
  /**
   * The project root the leases belong to.
   */
  root: string;
}
export interface Entry {
  name: string;
  port: number;
  reason: Reason;
}
/**
 * A validated config, every key filled in: the canonical form of SPEC §1. `services` is a
 * BTreeMap, so it iterates in UTF-8 byte order.
 */
export interface Config {
  block_size: number;
  browser_safe: boolean;
  exclude: Excluded[];
  hash: HashKind;
  layout: Layout;
  namespace: string;
  range: PortRange;
  services: {
    [k: string]: Service;
  };
}
/**
 * `{"error": {...}}`: what every entry point answers when it cannot do what was asked.
 */
export interface ErrorAnswer {
  error: PlanError;
}
/**
 * An error: `kind`, `message`, and the fields that carry the data behind it.
 */
export interface PlanError {
  /**
   * The OS's errno name behind a host fault (`bind_failed`: `EADDRNOTAVAIL`).
   */
  code?: string | null;
  /**
   * The CLI's exit code when it is not the kind's (`run`: 127, 126).
   */
  exit?: number | null;
  free?: number | null;
  /**
   * The config key at fault: `range`, `services.web`, `exclude[2]`.
   */
  key?: string | null;
  /**
   * The kinds of SPEC §2, plus the host-facing kinds of docs/core-api.md.
   */
  kind:
    | 'invalid_range'
    | 'invalid_config'
    | 'invalid_name'
    | 'invalid_port'
    | 'duplicate_pin'
    | 'pin_busy'
    | 'range_exhausted'
    | 'invalid_request'
    | 'invalid_registry'
    | 'usage'
    | 'unknown_service'
    | 'host';
  /**
   * The line of that file at fault, from 1 (`env --write`: a second portplan block).
   */
  line?: number | null;
  /**
   * One sentence a user can act on.
   */
  message: string;
  /**
   * A name or namespace that breaks the name rule.
   */
  name?: string | null;
  /**
   * How many ports are needed, and how many are free (`range_exhausted`).
   */
  needed?: number | null;
  /**
   * The file concerned (added by the host).
   */
  path?: string | null;
  port?: number | null;
  /**
   * The bad range, as given (`invalid_range`).
   */
  range?: AnyValue | null;
  /**
   * The service concerned (a bad port value, a busy pin, an unknown service).
   */
  service?: string | null;
  /**
   * Every service that pins one port (`duplicate_pin`).
   */
  services?: string[] | null;
  /**
   * A registry's version this core does not read.
   */
  version?: number | null;
}
/**
 * One lease, as the registry file and the answers write it (fields in this order).
 */
export interface Lease {
  /**
   * Unix seconds: when the lease was made, and when it was last handed out.
   */
  created: number;
  name: string;
  namespace: string;
  port: number;
  /**
   * The project root (absolute) the lease belongs to; null for a version 1 lease that no
   * root has adopted yet.
   */
  root: string | null;
  used: number;
}
/**
 * `leases_json`'s answer.
 */
export interface LeasesAnswer {
  leases: Lease[];
  /**
   * The distinct roots of the leases, sorted (for the host to check which still exist).
   */
  roots: string[];
}
/**
 * A lock's owner, as it wrote itself into the file.
 */
export interface Owner {
  host: string;
  pid: number;
  /**
   * Unix milliseconds.
   */
  time: number;
}
/**
 * A plan, as every engine answers it: the entries sorted by the UTF-8 bytes of their names,
 * and the config keys a reader of the plan needs (the rest is in the entries).
 */
export interface PlanAnswer {
  /**
   * The config's excluded ports, defaults applied (a viewer draws them).
   */
  exclude: Excluded[];
  /**
   * Where a free service's home port comes from (SPEC §4).
   */
  hash: 'sha256' | 'lagom';
  layout: Layout;
  namespace: string;
  plan: Entry[];
  range: PortRange;
}
/**
 * `plan_json`'s request.
 */
export interface PlanRequest {
  /**
   * Ports taken on the host.
   */
  busy?: number[] | null;
  /**
   * The config: an object, or JSON or TOML text; absent, every default.
   */
  config?: ConfigInput | null;
}
/**
 * `render_json`'s answer: the text, and the fields of the `what` kinds that have more.
 */
export interface RenderAnswer {
  /**
   * `run`: the command to spawn.
   */
  argv?: string[] | null;
  /**
   * `env_file`: whether the new text differs from the file's (false: write nothing).
   */
  changed?: boolean | null;
  /**
   * `run`: the variables to add to the environment of the command.
   */
  env?: {
    [k: string]: string;
  } | null;
  /**
   * `error`: the CLI's exit code.
   */
  exit?: number | null;
  /**
   * `env_file`: the line to print on stdout.
   */
  message?: string | null;
  /**
   * What to print (for `preview_service` and `test_namespace`: the name, no newline).
   */
  text: string;
}
