// Is a port free on this host? Free only if TCP and UDP can bind it on the IPv4 and IPv6
// loopback and wildcard addresses (SPEC §7). Any bind error, EACCES and EPERM included,
// means "not free".
import * as dgram from 'node:dgram';
import * as net from 'node:net';

function bindsTcp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true, ipv6Only: host.includes(':') }, () => {
      server.close(() => resolve(true));
    });
  });
}

function bindsUdp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ipv6 = host.includes(':');
    const socket = dgram.createSocket({ type: ipv6 ? 'udp6' : 'udp4', ipv6Only: ipv6 });
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
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port: 0, host: '::1', exclusive: true }, () => server.close(() => resolve(true)));
  });
  return ipv6;
}

/** The addresses a probe binds, IPv6 only where the host has it. */
export async function probeAddresses(): Promise<string[]> {
  return (await hasIpv6()) ? ['127.0.0.1', '0.0.0.0', '::1', '::'] : ['127.0.0.1', '0.0.0.0'];
}

/** True only if `port` is free for TCP and UDP on every probe address. */
export async function probe(port: number): Promise<boolean> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`probe: ${port} is not a port (1-65535)`);
  }
  for (const host of await probeAddresses()) {
    // One socket at a time, each closed before the next, so the probe never blocks itself.
    if (!(await bindsTcp(port, host)) || !(await bindsUdp(port, host))) return false;
  }
  return true;
}
