//! The host probe (SPEC §7, v3 §9): is a port free for TCP and UDP on the IPv4 and IPv6
//! loopback and wildcard addresses? One implementation for both native bindings (it was
//! `bindings-js/napi/src/probe.rs` and `bindings-python/src/probe.rs`, alike in all but
//! their glue); the same semantics as docs/reliability.md's probe matrix.
//!
//! - Plain sockets (socket2), each bound and closed at once. The strict probe binds
//!   without SO_REUSEADDR, which Node's own sockets cannot (libuv sets it on every TCP
//!   server): so it sees a socket bound with SO_REUSEADDR that does not listen (a server
//!   between `bind` and `listen`, a client bound to a fixed port), and connections left in
//!   TIME_WAIT count as taken.
//! - `server: true` binds TCP as a server about to start does (SO_REUSEADDR on POSIX):
//!   a port whose only sockets are connections in TIME_WAIT is free, a listener (even a
//!   reusing one) or a socket bound without SO_REUSEADDR still busy (SPEC v3 §9).
//! - Any error, EACCES and EPERM included (privileged ports, Windows' excluded port
//!   ranges), is "not free", never a crash.
//!
//! Which addresses, per platform:
//! - **Linux**: the wildcard addresses alone (0.0.0.0 and ::, TCP bound and listening, and
//!   UDP): without SO_REUSEADDR a wildcard bind fails whenever any socket of that family
//!   holds the port on any address, loopback included, so the loopback binds could never
//!   refuse what the wildcard accepted (4 sockets a port instead of 8; the matrix holds it
//!   to every case). Linux has no per-application firewall prompt.
//! - **macOS** (and other BSDs): all four addresses, but a **wildcard TCP socket is bound,
//!   never put into `listen`**: the application firewall asks the user whether "node" or
//!   "python" may "accept incoming network connections" when a process listens on a
//!   wildcard address (README.md, "Firewall prompts"). On BSD every conflict is found at
//!   `bind` (listen checks nothing more), so the answer is unchanged. Loopback sockets
//!   listen: loopback never prompts.
//! - **Windows**: binds on the loopback addresses only (127.0.0.1 and ::1, TCP listening,
//!   and UDP), and the OS's tables of TCP listeners and UDP endpoints
//!   (`GetExtendedTcpTable`, `GetExtendedUdpTable`) for every other address: Windows
//!   Defender Firewall asks about a program that listens (TCP) or binds a fixed UDP port
//!   on a wildcard address, and Windows lets a same-user specific bind succeed beneath a
//!   wildcard one (and a wildcard beneath a specific one), so binds alone could not see
//!   every holder anyway. A wildcard TCP socket bound but not listening is not in the
//!   listener table: the one case this probe cannot see there (a server between `bind`
//!   and `listen`, for microseconds). If the tables cannot be read, wildcard binds
//!   without `listen` stand in for them.

use socket2::{Domain, Socket, Type};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;

const V4_LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const V4_ANY: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
const V6_LOOPBACK: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);
const V6_ANY: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

/// One probe bind: where, and whether a TCP socket there also listens.
#[derive(Clone, Copy, Debug)]
struct Bind {
    address: IpAddr,
    listen: bool,
}

const fn bind(address: IpAddr, listen: bool) -> Bind {
    Bind { address, listen }
}

/// Whether this host can bind IPv6 at all (asked once per process).
pub fn has_ipv6() -> bool {
    static IPV6_BINDS: OnceLock<bool> = OnceLock::new();
    *IPV6_BINDS.get_or_init(|| {
        Socket::new(Domain::IPV6, Type::STREAM, None)
            .and_then(|socket| socket.bind(&SocketAddr::new(V6_LOOPBACK, 0).into()))
            .is_ok()
    })
}

/// The binds of one port on this platform (module docs), IPv6 only where the host has it.
fn plan(wildcards_by_bind: bool) -> Vec<Bind> {
    let ipv6 = has_ipv6();
    let mut binds = Vec::with_capacity(4);
    if cfg!(target_os = "linux") {
        binds.push(bind(V4_ANY, true));
        if ipv6 {
            binds.push(bind(V6_ANY, true));
        }
        return binds;
    }
    if wildcards_by_bind {
        binds.push(bind(V4_ANY, false));
        if ipv6 {
            binds.push(bind(V6_ANY, false));
        }
    }
    binds.push(bind(V4_LOOPBACK, true));
    if ipv6 {
        binds.push(bind(V6_LOOPBACK, true));
    }
    binds
}

/// One socket of `port` at `at`, closed at once; true when it could be bound (and, TCP
/// where `at.listen`, put into listen).
fn binds(at: Bind, port: u16, tcp: bool, as_server: bool) -> bool {
    let domain = if at.address.is_ipv6() {
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
    if at.address.is_ipv6() && socket.set_only_v6(true).is_err() {
        return false;
    }
    if socket
        .bind(&SocketAddr::new(at.address, port).into())
        .is_err()
    {
        return false;
    }
    !(tcp && at.listen) || socket.listen(1).is_ok()
}

/// True only if `port` binds TCP and UDP at every bind of `plan`, one socket at a time.
fn free(plan: &[Bind], port: u16, as_server: bool) -> bool {
    plan.iter()
        .all(|&at| binds(at, port, true, as_server) && binds(at, port, false, as_server))
}

/// Ports a thread probes at least: fewer are not worth a thread (a bind is a few µs).
const PORTS_A_THREAD: usize = 64;
const MOST_THREADS: usize = 4;

/// For each port, whether it is free (in the order asked). `server`: as a server about to
/// start binds (TIME_WAIT connections do not count). A large batch is split over a few
/// threads: distinct ports never block each other, and a probe is mostly time in the
/// kernel (Node measured a gain; Python's single thread measured none on 2 cores, where
/// the split does not start below 128 ports).
pub fn probe(ports: &[u16], server: bool) -> Vec<bool> {
    let held = os_tables::held_ports();
    let plan = plan(held.is_none());
    let check = |port: u16| {
        port != 0
            && !held.as_ref().is_some_and(|held| held.contains(port))
            && free(&plan, port, server)
    };
    // Asked only for a batch big enough to split: on Linux the answer reads
    // /proc/self/cgroup and the cgroup's CPU quota files, a cost a single port need not pay.
    let most = (ports.len() / PORTS_A_THREAD).min(MOST_THREADS);
    let threads = if most < 2 {
        1
    } else {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        cores.min(most)
    };
    if threads == 1 {
        return ports.iter().map(|&port| check(port)).collect();
    }
    let chunk = ports.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = ports
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(|&port| check(port)).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().unwrap_or_else(|_| vec![false; chunk]))
            .collect()
    })
}

#[cfg(windows)]
mod os_tables {
    //! Windows' own tables of TCP listeners and UDP endpoints, IPv4 and IPv6: the ports
    //! some socket holds on any address, read without binding a wildcard address.

    use std::collections::HashSet;
    use std::mem::{offset_of, size_of};
    use windows_sys::Win32::NetworkManagement::IpHelper::{
        GetExtendedTcpTable, GetExtendedUdpTable, MIB_TCP6ROW_OWNER_PID, MIB_TCPROW_OWNER_PID,
        MIB_UDP6ROW_OWNER_PID, MIB_UDPROW_OWNER_PID, TCP_TABLE_OWNER_PID_LISTENER,
        UDP_TABLE_OWNER_PID,
    };
    use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6};

    pub struct Held(HashSet<u16>);

    impl Held {
        pub fn contains(&self, port: u16) -> bool {
            self.0.contains(&port)
        }
    }

    /// The held ports, or None when a table cannot be read.
    pub fn held_ports() -> Option<Held> {
        let mut held = HashSet::new();
        let tables = [
            (
                true,
                u32::from(AF_INET),
                layout::<MIB_TCPROW_OWNER_PID>(offset_of!(MIB_TCPROW_OWNER_PID, dwLocalPort)),
            ),
            (
                true,
                u32::from(AF_INET6),
                layout::<MIB_TCP6ROW_OWNER_PID>(offset_of!(MIB_TCP6ROW_OWNER_PID, dwLocalPort)),
            ),
            (
                false,
                u32::from(AF_INET),
                layout::<MIB_UDPROW_OWNER_PID>(offset_of!(MIB_UDPROW_OWNER_PID, dwLocalPort)),
            ),
            (
                false,
                u32::from(AF_INET6),
                layout::<MIB_UDP6ROW_OWNER_PID>(offset_of!(MIB_UDP6ROW_OWNER_PID, dwLocalPort)),
            ),
        ];
        for (tcp, family, (row_words, port_word)) in tables {
            let words = read_table(tcp, family)?;
            let count = *words.first()? as usize;
            for row in words[1..].chunks_exact(row_words).take(count) {
                // dwLocalPort: the port in network byte order, in the low 16 bits.
                held.insert(u16::from_be(row[port_word] as u16));
            }
        }
        Some(Held(held))
    }

    /// A row's size and its port's place, in 32-bit words (every field is a u32 or a
    /// byte array of a multiple of 4).
    fn layout<Row>(port_offset: usize) -> (usize, usize) {
        (size_of::<Row>() / 4, port_offset / 4)
    }

    /// One table as 32-bit words (the count, then the rows), asked until it fits.
    fn read_table(tcp: bool, family: u32) -> Option<Vec<u32>> {
        let mut size: u32 = 0;
        for _ in 0..4 {
            let mut words = vec![0u32; (size as usize).div_ceil(4).max(1)];
            size = u32::try_from(words.len() * 4).ok()?;
            // SAFETY: `words` holds `size` bytes, 4-aligned as the table's u32 fields need.
            let result = unsafe {
                let buffer = words.as_mut_ptr().cast();
                if tcp {
                    GetExtendedTcpTable(
                        buffer,
                        &mut size,
                        0,
                        family,
                        TCP_TABLE_OWNER_PID_LISTENER,
                        0,
                    )
                } else {
                    GetExtendedUdpTable(buffer, &mut size, 0, family, UDP_TABLE_OWNER_PID, 0)
                }
            };
            match result {
                0 => return Some(words),
                // ERROR_INSUFFICIENT_BUFFER: `size` now says how much; a table that grew
                // meanwhile is asked again.
                122 => continue,
                // No IPv6 stack: nothing of that family is held.
                _ if family == u32::from(AF_INET6) => return Some(vec![0]),
                _ => return None,
            }
        }
        None
    }
}

#[cfg(not(windows))]
mod os_tables {
    //! Elsewhere the binds alone decide (no table is read).
    pub enum Held {}

    impl Held {
        pub fn contains(&self, _port: u16) -> bool {
            match *self {}
        }
    }

    pub fn held_ports() -> Option<Held> {
        None
    }
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

    fn is_free(port: u16, server: bool) -> bool {
        probe(&[port], server)[0]
    }

    #[test]
    fn a_free_port_is_free_and_a_listener_is_not() {
        let port = fresh_port();
        assert!(is_free(port, false));
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        assert!(!is_free(port, false));
        assert!(!is_free(port, true));
        drop(listener);
        assert!(is_free(port, false));
    }

    #[test]
    fn a_udp_socket_makes_the_port_busy() {
        let port = fresh_port();
        let socket = UdpSocket::bind(("0.0.0.0", port)).unwrap();
        assert!(!is_free(port, false));
        drop(socket);
        assert!(is_free(port, false));
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
        assert!(!is_free(port, false), "the strict probe sees it");
        drop(holder);
        assert!(is_free(port, false));
    }

    #[test]
    fn a_socket_on_a_loopback_address_alone_makes_the_port_busy() {
        // The wildcard binds must see them (on Linux they are the only binds).
        let port = fresh_port();
        let udp = UdpSocket::bind(("127.0.0.1", port)).unwrap();
        assert!(!is_free(port, false));
        assert!(!is_free(port, true));
        drop(udp);
        let holder = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        holder.set_reuse_address(true).unwrap();
        holder
            .bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())
            .unwrap();
        assert!(
            !is_free(port, false),
            "bound on 127.0.0.1 with SO_REUSEADDR, not listening"
        );
        drop(holder);
        if has_ipv6() {
            let v6 = UdpSocket::bind(("::1", port)).unwrap();
            assert!(!is_free(port, false), "UDP on ::1");
            drop(v6);
            let v6 = TcpListener::bind(("::1", port)).unwrap();
            assert!(!is_free(port, false), "TCP listener on ::1");
            assert!(!is_free(port, true));
            drop(v6);
        }
        assert!(is_free(port, false));
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
        let free = probe(&ports, false);
        assert_eq!(free.len(), ports.len());
        assert!(!free[0] && !free[150] && !free[299]);
        assert!(free[1] && free[298], "ports nobody holds are free");
    }

    #[test]
    fn port_zero_is_never_free() {
        assert_eq!(probe(&[0], false), vec![false]);
    }
}
