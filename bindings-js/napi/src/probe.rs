//! The host probe of the native engine (SPEC §7): is a port free for TCP and UDP on the IPv4
//! and IPv6 loopback and wildcard addresses? Plain sockets, off the JS thread: a bind here is
//! a few system calls, where Node needs a server object and event-loop turns for each. Node's
//! own sockets set SO_REUSEADDR on every TCP server, so its probe cannot see a socket bound
//! with SO_REUSEADDR and not listening; these binds do not set it, as Python's probe.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;

use napi::bindgen_prelude::{AsyncTask, Env, Error, Result, Status, Task};
use napi_derive::napi;
use socket2::{Domain, Socket, Type};

const IPV4: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V4(Ipv4Addr::UNSPECIFIED),
];
const IPV6: [IpAddr; 2] = [
    IpAddr::V6(Ipv6Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::UNSPECIFIED),
];

/// Whether this host can bind IPv6 at all (asked once per process).
fn has_ipv6() -> bool {
    static IPV6_BINDS: OnceLock<bool> = OnceLock::new();
    *IPV6_BINDS.get_or_init(|| binds(IPV6[0], 0, false, false))
}

/// The addresses a probe binds, IPv6 only where the host has it. On Linux the wildcard binds
/// alone: without SO_REUSEADDR, a bind of 0.0.0.0 (or ::) fails whenever any socket holds the
/// port on any address of that family, loopback included, so the loopback binds could never
/// refuse what the wildcard bind accepted (4 sockets a port instead of 8; the probe matrix of
/// docs/reliability.md holds it to every case). Elsewhere (BSD and Windows sharing rules)
/// every address.
fn addresses() -> &'static [IpAddr] {
    static ALL: [IpAddr; 4] = [IPV4[1], IPV6[1], IPV4[0], IPV6[0]];
    static WILDCARDS: [IpAddr; 2] = [IPV4[1], IPV6[1]];
    match (cfg!(target_os = "linux"), has_ipv6()) {
        (true, true) => &WILDCARDS,
        (true, false) => &WILDCARDS[..1],
        (false, true) => &ALL,
        (false, false) => &IPV4,
    }
}

/// One bind of `port` on `address` (TCP also listens), closed at once. Any error, EACCES and
/// EPERM included, is "not free". `as_server`: TCP with SO_REUSEADDR on POSIX, as a server
/// binds, so connections left in TIME_WAIT do not count while a listener still does.
fn binds(address: IpAddr, port: u16, tcp: bool, as_server: bool) -> bool {
    let domain = if address.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let kind = if tcp { Type::STREAM } else { Type::DGRAM };
    let Ok(socket) = Socket::new(domain, kind, None) else {
        return false;
    };
    if as_server && tcp && cfg!(unix) && socket.set_reuse_address(true).is_err() {
        return false;
    }
    // IPv6 alone: the IPv4 addresses have binds of their own.
    if address.is_ipv6() && socket.set_only_v6(true).is_err() {
        return false;
    }
    if socket.bind(&SocketAddr::new(address, port).into()).is_err() {
        return false;
    }
    !tcp || socket.listen(1).is_ok()
}

/// True only if `port` binds TCP and UDP on every probe address, one socket at a time.
fn free(port: u16, as_server: bool) -> bool {
    addresses().iter().all(|&address| {
        binds(address, port, true, as_server) && binds(address, port, false, as_server)
    })
}

/// Ports a thread probes at least: fewer are not worth a thread (a bind is a few µs).
const PORTS_A_THREAD: usize = 64;
const MOST_THREADS: usize = 4;

/// `free` of every port, in order; a large batch is split over a few threads (distinct ports
/// never block each other, and a probe is mostly time in the kernel).
fn probe_all(ports: &[u16], as_server: bool) -> Vec<bool> {
    // Asked only for a batch big enough to split: on Linux the answer reads /proc/self/cgroup
    // and the cgroup's CPU quota files, a cost a fresh process' single port need not pay.
    let most = (ports.len() / PORTS_A_THREAD).min(MOST_THREADS);
    let threads = if most < 2 {
        1
    } else {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        cores.min(most)
    };
    if threads == 1 {
        return ports.iter().map(|&port| free(port, as_server)).collect();
    }
    let chunk = ports.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = ports
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&port| free(port, as_server))
                        .collect::<Vec<bool>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().expect("a probe thread panicked"))
            .collect()
    })
}

/// `port` as a port number, or the message that says it is none (napi-free, for the tests).
fn to_port(port: u32) -> std::result::Result<u16, String> {
    match u16::try_from(port) {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(format!("probe: {port} is not a port (1-65535)")),
    }
}

pub struct ProbePorts {
    ports: Vec<u16>,
    as_server: bool,
}

impl Task for ProbePorts {
    type Output = Vec<bool>;
    type JsValue = Vec<bool>;

    fn compute(&mut self) -> Result<Vec<bool>> {
        Ok(probe_all(&self.ports, self.as_server))
    }

    fn resolve(&mut self, _env: Env, output: Vec<bool>) -> Result<Vec<bool>> {
        Ok(output)
    }
}

fn to_ports(ports: Vec<u32>) -> Result<Vec<u16>> {
    ports
        .into_iter()
        .map(to_port)
        .collect::<std::result::Result<Vec<u16>, String>>()
        .map_err(|message| Error::new(Status::InvalidArg, message))
}

/// Probes `ports` on a libuv worker thread: resolves to one boolean a port, true when free.
/// `asServer`: as a server about to start binds (TIME_WAIT connections do not count).
#[napi(ts_return_type = "Promise<boolean[]>")]
pub fn probe_ports(ports: Vec<u32>, as_server: bool) -> Result<AsyncTask<ProbePorts>> {
    Ok(AsyncTask::new(ProbePorts {
        ports: to_ports(ports)?,
        as_server,
    }))
}

/// `probePorts` on the calling thread: for a few ports, a few dozen system calls cost less
/// than starting the worker pool and crossing to it (a fresh process' first port).
#[napi]
pub fn probe_ports_sync(ports: Vec<u32>, as_server: bool) -> Result<Vec<bool>> {
    Ok(probe_all(&to_ports(ports)?, as_server))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, UdpSocket};

    /// A port the OS hands out, given back: free.
    fn fresh_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn a_free_port_is_free_and_a_listener_is_not() {
        let port = fresh_port();
        assert!(free(port, false));
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        assert!(!free(port, false));
        assert!(!free(port, true));
        drop(listener);
        assert!(free(port, false));
    }

    #[test]
    fn a_udp_socket_makes_the_port_busy() {
        let port = fresh_port();
        let socket = UdpSocket::bind(("0.0.0.0", port)).unwrap();
        assert!(!free(port, false));
        drop(socket);
        assert!(free(port, false));
    }

    #[cfg(unix)]
    #[test]
    fn a_reusing_socket_bound_but_not_listening_is_seen() {
        let port = fresh_port();
        let holder = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        holder.set_reuse_address(true).unwrap();
        holder
            .bind(&SocketAddr::from(([0, 0, 0, 0], port)).into())
            .unwrap();
        assert!(!free(port, false), "the strict probe sees it");
        drop(holder);
        assert!(free(port, false));
    }

    #[test]
    fn a_socket_on_a_loopback_address_alone_makes_the_port_busy() {
        // The wildcard binds must see them (on Linux they are the only binds).
        let port = fresh_port();
        let udp = UdpSocket::bind(("127.0.0.1", port)).unwrap();
        assert!(!free(port, false));
        assert!(!free(port, true));
        drop(udp);
        let holder = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        holder.set_reuse_address(true).unwrap();
        holder
            .bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())
            .unwrap();
        assert!(
            !free(port, false),
            "bound on 127.0.0.1 with SO_REUSEADDR, not listening"
        );
        drop(holder);
        if has_ipv6() {
            let v6 = UdpSocket::bind(("::1", port)).unwrap();
            assert!(!free(port, false), "UDP on ::1");
            drop(v6);
            let v6 = TcpListener::bind(("::1", port)).unwrap();
            assert!(!free(port, false), "TCP listener on ::1");
            assert!(!free(port, true));
            drop(v6);
        }
        assert!(free(port, false));
    }

    #[test]
    fn a_large_batch_answers_each_port_in_its_place() {
        // Split over threads: the held ports sit in the first, a middle and the last chunk.
        let listeners: Vec<TcpListener> = (0..3)
            .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let mut ports: Vec<u16> = (0..300).map(|_| fresh_port()).collect();
        for (listener, index) in listeners.iter().zip([0, 150, 299]) {
            ports[index] = listener.local_addr().unwrap().port();
        }
        let free = probe_all(&ports, false);
        assert_eq!(free.len(), ports.len());
        assert!(!free[0] && !free[150] && !free[299]);
        assert!(free[1] && free[298], "ports nobody holds are free");
    }

    #[test]
    fn a_non_port_is_an_error() {
        assert!(to_port(0).is_err());
        assert!(to_port(65536).is_err());
        assert_eq!(to_port(65535).unwrap(), 65535);
    }
}
