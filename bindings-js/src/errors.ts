// Errors the package throws. The core's errors keep its kind, message and data.
import type { PlanError as CoreError, ErrorKind } from './core-types.js';

/** An error as the core answers it (its schema's `PlanError`), or the Node host's own
 * `engine` kind. */
export type ErrorValue = Omit<CoreError, 'kind'> & { kind: ErrorKind | 'engine' };

/** An error's fields beside kind and message. */
export type ErrorData = Omit<CoreError, 'kind' | 'message'>;

/** A fault the core reports (SPEC §2 kinds, plus the core's host-facing kinds). */
export class PlanError extends Error {
  readonly kind: ErrorKind | 'engine';
  /** The fields beside kind and message (`port`, `services`, `key`, ...). */
  readonly data: ErrorData;

  constructor(value: ErrorValue) {
    super(value.message);
    this.name = 'PlanError';
    this.kind = value.kind;
    const { kind: _kind, message: _message, ...data } = value;
    this.data = data;
  }

  /** The OS's errno name behind a host fault (`EADDRINUSE`: a kept port another process
   * holds, or a bind that failed), as Node's own errors carry it. */
  get code(): string | undefined {
    return this.data.code ?? undefined;
  }

  /** The port concerned, when there is one. */
  get port(): number | undefined {
    return this.data.port ?? undefined;
  }

  /** The service concerned, when there is one (`.name` stays the error's class name, as
   * for every Error). */
  get service(): string | undefined {
    return this.data.service ?? undefined;
  }

  /** The core's JSON form, `{kind, message, ...data}`. */
  toJSON(): ErrorValue {
    return { kind: this.kind, message: this.message, ...this.data };
  }
}

/** The registry (or its lock) cannot be used: corrupt, unsafe, locked, unreadable. */
export class RegistryError extends PlanError {
  readonly path: string;

  constructor(value: ErrorValue, path: string) {
    super(value);
    this.name = 'RegistryError';
    this.path = path;
  }
}

/**
 * No core engine can be loaded: `PORTPLAN_ENGINE` names no engine, or names `native` where
 * no addon loads. Kind `engine`; thrown when the package loads (`import`/`require` of
 * `portplan`) or, for `portplan/vite` and the CLI, at the first call into the core.
 */
export class EngineError extends PlanError {
  constructor(message: string, cause?: unknown) {
    super({ kind: 'engine', message });
    this.name = 'EngineError';
    if (cause !== undefined) this.cause = cause;
  }
}
