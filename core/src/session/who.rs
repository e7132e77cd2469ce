//! Who holds a port (SPEC v3 §9): the process listening on it, as the host's `who` effect
//! finds it, and the registry lease on it, put in [`crate::words::holder`]'s words.

use super::effects::Listener as Found;
use super::host::Host;
use crate::error::Result;
use crate::words::holder::{Listener, ListeningProcess, PortHolder, PortLease, UnseenWhy};
use std::collections::BTreeMap;

/// What holds each of `ports` (no lease attached): a probe tells whether anything does, the
/// `who` effect whose processes those are.
pub async fn listeners(host: &Host, ports: &[u16]) -> Result<BTreeMap<u16, Listener>> {
    let mut result = BTreeMap::new();
    if ports.is_empty() {
        return Ok(result);
    }
    let free = host.probe(ports, true).await?;
    let busy: Vec<u16> = ports
        .iter()
        .zip(&free)
        .filter(|(_, free)| !**free)
        .map(|(port, _)| *port)
        .collect();
    let found = if busy.is_empty() {
        Some(Vec::new())
    } else {
        host.who(&busy).await?
    };
    for port in ports {
        let listener = if !busy.contains(port) {
            Listener::Free
        } else {
            match &found {
                None => Listener::Unseen {
                    why: Some(UnseenWhy::NotSupported),
                },
                Some(found) => processes(found, *port),
            }
        };
        result.insert(*port, listener);
    }
    Ok(result)
}

/// The processes found on `port`; a port in use with none found is held by a process this
/// user cannot see (another user's, or a socket that is bound and does not listen).
fn processes(found: &[Found], port: u16) -> Listener {
    let processes: Vec<ListeningProcess> = found
        .iter()
        .filter(|listener| listener.port == port)
        .map(|listener| ListeningProcess {
            pid: listener.pid,
            command: listener.command.clone(),
            cwd: listener.cwd.clone(),
        })
        .collect();
    if processes.is_empty() {
        Listener::Unseen { why: None }
    } else {
        Listener::Processes { processes }
    }
}

/// Who holds `port`, with the lease on it.
pub async fn holder(host: &Host, port: u16, lease: Option<PortLease>) -> Result<PortHolder> {
    let listener = listeners(host, &[port])
        .await?
        .remove(&port)
        .unwrap_or(Listener::Free);
    Ok(PortHolder {
        port,
        listener,
        lease,
    })
}
