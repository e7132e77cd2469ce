// The core's request and answer types, generated from core/schema/portplan.schema.json by
// `node bindings-js/scripts/gen-types.mjs`; do not edit (test/types.test.js checks that it is current).

/**
 * A session's last answer.
 */
export type Answer =
  | {
      exit: number;
    }
  | {
      preview: PreviewAnswer;
    }
  | {
      namespace: string;
      ports: {
        [k: string]: number;
      };
    }
  | {
      port: number;
    }
  | {
      released: Lease[];
    }
  | {
      leases: Lease[];
    }
  | {
      registry: string;
    }
  | {
      serving: Serving;
    }
  | ProjectPlan
  | {
      error: PlanError;
    };
/**
 * Any JSON value, as given.
 */
export type AnyValue = unknown;
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
 * What a Start asks for, by its `call`.
 */
export type Call =
  | {
      argv: string[];
      call: 'cli';
    }
  | {
      call: 'ports';
      names: string[];
      options?: CallOptions;
    }
  | {
      /**
       * The address to listen on; absent: loopback.
       */
      address?: string | null;
      call: 'listen';
      name: string;
      options?: CallOptions;
      /**
       * Fresh ports to try when others take them between the probe and the bind.
       */
      tries?: number | null;
    }
  | {
      all?: boolean;
      call: 'release';
      name?: string | null;
      options?: CallOptions;
    }
  | {
      call: 'leases';
    }
  | {
      call: 'registry';
    }
  | {
      call: 'serve';
      explicit?: Explicit | null;
      name?: string | null;
      options?: CallOptions;
      preview?: boolean;
    }
  | {
      call: 'plan';
      /**
       * The config file's text as an editor has it, unsaved (`portplan preview`): planned
       * in place of the file's, as a `portplan.toml` in its folder.
       */
      config_text?: string | null;
      names?: string[];
      options?: CallOptions;
    };
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
 * Where a free service's home port comes from (SPEC §4).
 */
export type HashKind = 'sha256' | 'lagom';
/**
 * true: any port; a port number: pinned to it; false: declared, gets no port.
 */
export type Service = boolean | number;
/**
 * One thing for the host to do. JSON: `{"do": "read", "path": ..., ...}`.
 */
export type Effect =
  | {
      do: 'read';
      follow: boolean;
      limit: number;
      path: string;
    }
  | {
      do: 'stat';
      follow: boolean;
      paths: string[];
    }
  | {
      do: 'realpath';
      path: string;
    }
  | {
      dir: string;
      do: 'list';
      prefix: string;
    }
  | {
      do: 'make_dir';
      path: string;
    }
  | {
      do: 'create';
      mode: number;
      path: string;
      sync: boolean;
      text: string;
    }
  | {
      do: 'copy_owner';
      like: string;
      path: string;
    }
  | {
      do: 'rename';
      from: string;
      to: string;
    }
  | {
      do: 'link';
      from: string;
      to: string;
    }
  | {
      do: 'append';
      path: string;
      text: string;
    }
  | {
      do: 'remove';
      path: string;
    }
  | {
      do: 'lock';
      hold: boolean;
      path: string;
    }
  | {
      do: 'unlock';
      path: string;
    }
  | {
      do: 'sleep';
      ms: number;
    }
  | {
      do: 'clock';
    }
  | {
      do: 'probe';
      ports: number[];
      server: boolean;
    }
  | {
      do: 'who';
      ports: number[];
    }
  | {
      command: string;
      do: 'which';
    }
  | {
      args: string[];
      cwd: string;
      do: 'git';
    }
  | {
      do: 'print';
      stream: Stream;
      text: string;
    }
  | {
      argv: string[];
      do: 'spawn';
      env: {
        [k: string]: string;
      };
      /**
       * Signals the host passes on to the child (`SIGTERM`, `SIGHUP`, `SIGINT`); a
       * Ctrl-C in a terminal reaches the child by itself.
       */
      forward: string[];
    }
  | {
      do: 'listen';
      host: string | null;
      port: number;
    };
/**
 * Where [`Effect::Print`] writes.
 */
export type Stream = 'stdout' | 'stderr';
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
 * What kind of thing a path is.
 */
export type Kind = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'device' | 'other';
/**
 * What the host answers. JSON: `{"did": "read", ...}`, tagged with the effect it did.
 */
export type Reply =
  | {
      did: 'done';
      error?: OsError | null;
    }
  | ((
      | {
          is: 'missing';
        }
      | {
          is: 'file';
          longer: boolean;
          mode?: number | null;
          text: string;
          uid?: number | null;
          utf8: boolean;
        }
      | {
          is: 'not_file';
          kind: Kind;
        }
      | {
          error: OsError;
          is: 'error';
        }
    ) & {
      did: 'read';
    })
  | {
      did: 'stat';
      seen: Seen[];
    }
  | {
      did: 'path';
      error?: OsError | null;
      path?: string | null;
    }
  | {
      did: 'names';
      error?: OsError | null;
      names?: string[];
    }
  | {
      did: 'lock';
      error?: OsError | null;
      taken?: boolean;
    }
  | {
      did: 'clock';
      ms: number;
    }
  | {
      did: 'probe';
      free: boolean[];
    }
  | {
      did: 'who';
      known: boolean;
      listeners: Listener[];
    }
  | {
      did: 'output';
      stdout?: string | null;
    }
  | {
      code?: number | null;
      did: 'exit';
      error?: OsError | null;
      signal?: string | null;
    };
/**
 * What is at a path ([`Effect::Stat`]).
 */
export type Seen =
  | {
      is: 'missing';
    }
  | {
      /**
       * Its inode number where the OS has one (with size and mtime: a file replaced by
       * a rename, or written, is seen to have changed).
       */
      ino?: number | null;
      is: 'there';
      kind: Kind;
      mode?: number | null;
      mtime_ms: number;
      size: number;
      uid?: number | null;
    }
  | {
      error: OsError;
      is: 'error';
    };
/**
 * What `step` gives, as its JSON Schema describes it (`step_text` writes it).
 */
export type SessionStep =
  | (
      | {
          do: 'read';
          follow: boolean;
          limit: number;
          path: string;
        }
      | {
          do: 'stat';
          follow: boolean;
          paths: string[];
        }
      | {
          do: 'realpath';
          path: string;
        }
      | {
          dir: string;
          do: 'list';
          prefix: string;
        }
      | {
          do: 'make_dir';
          path: string;
        }
      | {
          do: 'create';
          mode: number;
          path: string;
          sync: boolean;
          text: string;
        }
      | {
          do: 'copy_owner';
          like: string;
          path: string;
        }
      | {
          do: 'rename';
          from: string;
          to: string;
        }
      | {
          do: 'link';
          from: string;
          to: string;
        }
      | {
          do: 'append';
          path: string;
          text: string;
        }
      | {
          do: 'remove';
          path: string;
        }
      | {
          do: 'lock';
          hold: boolean;
          path: string;
        }
      | {
          do: 'unlock';
          path: string;
        }
      | {
          do: 'sleep';
          ms: number;
        }
      | {
          do: 'clock';
        }
      | {
          do: 'probe';
          ports: number[];
          server: boolean;
        }
      | {
          do: 'who';
          ports: number[];
        }
      | {
          command: string;
          do: 'which';
        }
      | {
          args: string[];
          cwd: string;
          do: 'git';
        }
      | {
          do: 'print';
          stream: Stream;
          text: string;
        }
      | {
          argv: string[];
          do: 'spawn';
          env: {
            [k: string]: string;
          };
          /**
           * Signals the host passes on to the child (`SIGTERM`, `SIGHUP`, `SIGINT`); a
           * Ctrl-C in a terminal reaches the child by itself.
           */
          forward: string[];
        }
      | {
          do: 'listen';
          host: string | null;
          port: number;
        }
    )
  | {
      done: Answer;
    };
/**
 * One session's request: the host's facts and the call.
 */
export type Start = Call & {
  host: HostFacts;
};

/**
 * Every type of the core API by name (`CoreTypes["Lease"]` is `Lease`).
 */
export interface CoreTypes {
  Answer: Answer;
  AnyValue: AnyValue;
  Call: Call;
  CallOptions: CallOptions;
  Config: Config;
  ConfigInput: ConfigInput;
  Effect: Effect;
  Entry: Entry;
  ErrorAnswer: ErrorAnswer;
  ErrorKind: ErrorKind;
  Excluded: Excluded;
  Explicit: Explicit;
  HashKind: HashKind;
  Holder: Holder;
  HostFacts: HostFacts;
  Kind: Kind;
  Layout: Layout;
  Lease: Lease;
  Listener: Listener;
  OsError: OsError;
  PlanAnswer: PlanAnswer;
  PlanError: PlanError;
  PlanRequest: PlanRequest;
  PortRange: PortRange;
  PreviewAnswer: PreviewAnswer;
  ProjectPlan: ProjectPlan1;
  Reason: Reason;
  Reply: Reply;
  Seen: Seen;
  Service: Service;
  Serving: Serving;
  SessionStep: SessionStep;
  Start: Start;
  Stream: Stream;
}
/**
 * `portplan preview`: what the host's preview server needs.
 */
export interface PreviewAnswer {
  /**
   * The config keys the command line set (`range`, `namespace`, `layout`).
   */
  config: {
    [k: string]: unknown;
  };
  /**
   * `--config FILE`, if given.
   */
  config_path: string | null;
  /**
   * False with `--no-open`.
   */
  open: boolean;
  /**
   * `--port N`; null: any free port.
   */
  port: number | null;
  probe: boolean;
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
 * A dev server's port, and the line that says so.
 */
export interface Serving {
  /**
   * For a kept lease: the error to give when another process holds its port.
   */
  busy_error: PlanError | null;
  /**
   * The line to print once the server listens.
   */
  line: string;
  name: string;
  port: number;
  /**
   * Its URL (a host of its own per checkout); none for a port the user set.
   */
  url: string | null;
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
 * `plan`.
 */
export interface ProjectPlan {
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
  range: PortRange;
  root: string;
  /**
   * Each service's URL (a `.localhost` host of this checkout's own).
   */
  urls: {
    [k: string]: string;
  };
}
export interface Entry {
  name: string;
  port: number;
  reason: Reason;
}
/**
 * Where a call looks for its project and what it sets over the config file.
 */
export interface CallOptions {
  /**
   * Ports to count as taken besides what the probes find.
   */
  busy?: number[];
  /**
   * The config keys set over the file's (SPEC §1: range, namespace, layout, ...).
   */
  config?: ConfigInput | null;
  /**
   * A config file to use instead of searching (`--config`).
   */
  config_path?: string | null;
  /**
   * The folder to work from (relative to the host's working directory).
   */
  cwd?: string | null;
  /**
   * Probe the host for ports in use (default true).
   */
  probe?: boolean;
  /**
   * A test session's runner (`pytest`, `vitest`, `jest`; `none`: not a test); absent:
   * Vitest's and Jest's workers are found by their variables (session/test_session.rs).
   */
  test?: string | null;
}
/**
 * A port the user set for a dev server, and what set it (`--port`, `server.port`).
 */
export interface Explicit {
  port: number;
  source: string;
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
 * `{"error": {...}}`: what `plan_json` (and a session) answers when it cannot do what was
 * asked.
 */
export interface ErrorAnswer {
  error: PlanError;
}
/**
 * What only the host knows about itself, sent once at the start.
 */
export interface HostFacts {
  /**
   * The working directory, absolute.
   */
  cwd: string;
  /**
   * `native` or `wasm`: what the engine can do (the wasm engine cannot name a port's
   * holder).
   */
  engine?: string;
  /**
   * The process' environment (the variables the session reads: PORTPLAN_HOME,
   * XDG_STATE_HOME, LOCALAPPDATA, test runners' worker ids ...).
   */
  env?: {
    [k: string]: string;
  };
  /**
   * The user's home folder, when the host knows one.
   */
  home?: string | null;
  hostname?: string;
  /**
   * This process' id and the host's name, written into the lock's owner file.
   */
  pid: number;
  /**
   * Node's names: `linux`, `darwin`, `win32`, ... (Python's host maps `sys.platform`).
   */
  platform: string;
  /**
   * Whether the process runs in the foreground of a terminal (stdin a TTY whose
   * foreground process group is this process'): a Ctrl-C there reaches a spawned
   * command by itself, and must not be passed on a second time.
   */
  terminal?: boolean;
  /**
   * This process' user id, where the OS has them (the registry must be the user's own).
   */
  uid?: number | null;
}
/**
 * A process listening on a port ([`Effect::Who`]); what the OS does not tell is absent.
 */
export interface Listener {
  /**
   * Its command line, one word per argument (empty when unknown).
   */
  command?: string[];
  cwd?: string | null;
  pid?: number | null;
  port: number;
}
/**
 * An OS error as the host met it: the errno name (`ENOENT`, `EACCES`; Windows errors as
 * libuv names them: `EBUSY` for a sharing violation), and the OS's own words for codes
 * the core does not word itself.
 */
export interface OsError {
  code: string;
  reason?: string;
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
 * A plan with its project: the root its leases belong to and the config file used (null
 * when none was found).
 */
export interface ProjectPlan1 {
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
  range: PortRange;
  root: string;
  /**
   * Each service's URL (a `.localhost` host of this checkout's own).
   */
  urls: {
    [k: string]: string;
  };
}
