// Is a port free on this host? Free only if TCP and UDP can bind it on the IPv4 and IPv6
// loopback and wildcard addresses (SPEC §7). Any bind error, EACCES and EPERM included,
// means "not free". The native engine probes in the addon (plain sockets without
// SO_REUSEADDR, off the JS thread); the wasm engine probes with Node's sockets below, which
// cannot see a TCP socket bound with SO_REUSEADDR and not listening (libuv sets it on every
// TCP server: docs/reliability.md).
import type * as Dgram from 'node:dgram';
import type * as Net from 'node:net';
import { engine } from './engine.js';

// Node's sockets are loaded on first use: the native engine never needs them, and a fresh
// process starts sooner without them.
let netModule: typeof Net | undefined;
let dgramModule: typeof Dgram | undefined;
const net = (): typeof Net => {
  netModule ??= require('node:net') as typeof Net;
  return netModule;
};
const dgram = (): typeof Dgram => {
  dgramModule ??= require('node:dgram') as typeof Dgram;
  return dgramModule;
};

function bindsTcp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net().createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true, ipv6Only: host.includes(':') }, () => {
      server.close(() => resolve(true));
    });
  });
}

function bindsUdp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ipv6 = host.includes(':');
    const socket = dgram().createSocket({ type: ipv6 ? 'udp6' : 'udp4', ipv6Only: ipv6 });
    socket.once('error', () => {
      try {
        socket.close();
      } catch {
        // Never bound, so nothing to close.
      }
      resolve(false);
    });
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.close(() => resolve(true));
    });
  });
}

let ipv6: Promise<boolean> | undefined;

/** Whether this host can bind IPv6 at all (asked once). */
function hasIpv6(): Promise<boolean> {
  ipv6 ??= new Promise((resolve) => {
    const server = net().createServer();
    server.once('error', () => resolve(false));
    server.listen({ port: 0, host: '::1', exclusive: true }, () => server.close(() => resolve(true)));
  });
  return ipv6;
}

/** The addresses a probe binds, IPv6 only where the host has it. */
export async function probeAddresses(): Promise<string[]> {
  return (await hasIpv6()) ? ['127.0.0.1', '0.0.0.0', '::1', '::'] : ['127.0.0.1', '0.0.0.0'];
}

/** Node's probe of one port: one socket at a time, each closed before the next, so the
 * probe never blocks itself. */
async function nodeProbe(port: number): Promise<boolean> {
  for (const host of await probeAddresses()) {
    if (!(await bindsTcp(port, host)) || !(await bindsUdp(port, host))) return false;
  }
  return true;
}

// Ports Node's probe checks at once. Each port's own binds stay one after another (they would
// block each other); distinct ports never do, so a batch waits for the slowest few, not the sum.
const NODE_PROBES_AT_ONCE = 32;

async function nodeProbeMany(ports: readonly number[]): Promise<boolean[]> {
  const free: boolean[] = new Array(ports.length);
  let next = 0;
  const worker = async () => {
    while (next < ports.length) {
      const index = next++;
      free[index] = await nodeProbe(ports[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(NODE_PROBES_AT_ONCE, ports.length) }, worker));
  return free;
}

// Ports the native probe binds on the JS thread (8 binds each, ~5-10 µs a bind): fewer than
// it takes to start libuv's worker pool and cross to it; more go to the pool, off this thread.
const PROBED_ON_THIS_THREAD = 8;

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`probe: ${port} is not a port (1-65535)`);
  }
}

/** For each of `ports`, whether it is free. `asServer`: as a server about to start binds it
 * (the kept port checked before `run`): connections left in TIME_WAIT by the service's last
 * run do not count, a listener or a bound socket does. Node's own probe is always like that. */
export async function probeMany(ports: readonly number[], asServer = false): Promise<boolean[]> {
  for (const port of ports) checkPort(port);
  if (ports.length === 0) return [];
  const { probePorts, probePortsSync } = engine();
  if (probePortsSync && ports.length <= PROBED_ON_THIS_THREAD) return probePortsSync([...ports], asServer);
  return probePorts ? probePorts([...ports], asServer) : nodeProbeMany(ports);
}

/** True only if `port` is free for TCP and UDP on every probe address. */
export async function probe(port: number): Promise<boolean> {
  checkPort(port);
  return (await probeMany([port]))[0];
}

/** `probe` as a server about to start on `port` sees it (see `probeMany`). */
export async function freeForAServer(port: number): Promise<boolean> {
  checkPort(port);
  return (await probeMany([port], true))[0];
}

/** The ports of `ports` that are not free on the host, in ascending order. */
export async function takenPorts(ports: readonly number[]): Promise<number[]> {
  const free = await probeMany(ports);
  return ports.filter((_, index) => !free[index]).sort((a, b) => a - b);
}
