// The probe of the wasm engine's host: is a port free for TCP and UDP on the IPv4 and IPv6
// loopback and wildcard addresses (SPEC §7)? Node's sockets only, and what they cannot do
// (core/native/README.md "Probe" is the native probe):
// - libuv sets SO_REUSEADDR on every TCP socket it binds, so every probe here is the
//   `server` probe: connections in TIME_WAIT do not count, and a TCP socket bound with
//   SO_REUSEADDR that does not listen is not seen.
// - A Node TCP server always listens: the wildcard binds listen on macOS and Windows too,
//   where the native probe avoids that (a firewall may ask the user about it).
// Any bind error, EACCES and EPERM included, means "not free".
import type * as Dgram from 'node:dgram';
import type * as Net from 'node:net';

// Loaded on first use: the native engine never needs them, and a fresh process starts sooner.
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

async function probeAddresses(): Promise<string[]> {
  return (await hasIpv6()) ? ['127.0.0.1', '0.0.0.0', '::1', '::'] : ['127.0.0.1', '0.0.0.0'];
}

/** One port: one socket at a time, each closed before the next, so the probe never blocks
 * itself. */
async function probeOne(port: number): Promise<boolean> {
  for (const host of await probeAddresses()) {
    if (!(await bindsTcp(port, host)) || !(await bindsUdp(port, host))) return false;
  }
  return true;
}

// Ports probed at once. Each port's own binds stay one after another (they would block each
// other); distinct ports never do, so a batch waits for the slowest few, not the sum.
const PROBES_AT_ONCE = 32;

/** For each of `ports`, whether it is free, in the order asked. */
export async function nodeProbe(ports: readonly number[]): Promise<boolean[]> {
  const free: boolean[] = new Array(ports.length);
  let next = 0;
  const worker = async () => {
    while (next < ports.length) {
      const index = next++;
      free[index] = await probeOne(ports[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROBES_AT_ONCE, ports.length) }, worker));
  return free;
}
