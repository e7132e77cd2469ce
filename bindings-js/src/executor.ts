// Does the effects a session asks of this host (docs/host-protocol.md): with the wasm engine
// every one of them, with the native engine the four the host language must do itself
// (sleep, print, spawn, listen). It keeps what the protocol asks a host to keep: the locks
// the session took and the files it created, released and removed at its end.
import type { Effect, Reply } from './core-types.js';
import * as files from './files.js';
import * as host from './hostEffects.js';
import { Locks, processLocks } from './lock.js';
import { nodeProbe } from './netProbe.js';
import * as tools from './tools.js';

export class Executor {
  /** Locks this session took (not those held for the process). */
  private readonly locks = new Locks();
  /** Files the session created and has not renamed or removed since. */
  private readonly created = new Set<string>();
  /** Whether a command the session started is running (its signals are its own then). */
  spawning = false;

  constructor(private readonly listener?: host.Listener) {}

  /** An effect done at once, or undefined for those that take the event loop's time (sleep,
   * print, probe, spawn, listen). */
  runSync(effect: Effect): Reply | undefined {
    switch (effect.do) {
      case 'read':
        return files.read(effect.path, effect.limit, effect.follow);
      case 'stat':
        return files.stat(effect.paths, effect.follow);
      case 'realpath':
        return files.realpath(effect.path);
      case 'list':
        return files.list(effect.dir, effect.prefix);
      case 'make_dir':
        return files.makeDir(effect.path);
      case 'create': {
        const reply = files.create(effect.path, effect.text, effect.mode, effect.sync);
        if (reply.did === 'done' && !reply.error) this.created.add(effect.path);
        return reply;
      }
      case 'copy_owner':
        return files.copyOwner(effect.path, effect.like);
      case 'rename': {
        const reply = files.rename(effect.from, effect.to);
        if (reply.did === 'done' && !reply.error) this.created.delete(effect.from);
        return reply;
      }
      case 'remove':
        this.created.delete(effect.path);
        return files.remove(effect.path);
      case 'link': {
        // A second name is a temporary file too (a copy of what it names, secrets and all).
        const reply = files.link(effect.from, effect.to);
        if (reply.did === 'done' && !reply.error) this.created.add(effect.to);
        return reply;
      }
      case 'append':
        return files.append(effect.path, effect.text);
      case 'lock':
        return effect.hold ? processLocks.hold(effect.path) : this.locks.lock(effect.path);
      case 'unlock':
        return this.locks.unlock(effect.path);
      case 'clock':
        return { did: 'clock', ms: Date.now() };
      case 'who':
        // Node cannot tell which process listens on a port.
        return { did: 'who', listeners: [], known: false };
      case 'which':
        return tools.which(effect.command);
      case 'git':
        return tools.git(effect.cwd, effect.args);
      default:
        return undefined;
    }
  }

  async run(effect: Effect): Promise<Reply> {
    const done = this.runSync(effect);
    if (done !== undefined) return done;
    switch (effect.do) {
      case 'sleep':
        return host.sleep(effect.ms);
      case 'print':
        return host.print(effect.stream, effect.text);
      case 'probe':
        return { did: 'probe', free: await nodeProbe(effect.ports) };
      case 'spawn':
        this.spawning = true;
        try {
          return await host.spawn(effect.argv, effect.env, effect.forward);
        } finally {
          this.spawning = false;
        }
      case 'listen':
        return host.listen(this.listener, effect.port, effect.host ?? null);
      default:
        throw new Error(`the session asked for an effect this host does not know: ${JSON.stringify(effect)}`);
    }
  }

  /** The session ended (or is stopped): its locks released, its temporary files removed. */
  cleanUp(): void {
    this.locks.releaseAll();
    for (const path of this.created) files.remove(path);
    this.created.clear();
  }
}
