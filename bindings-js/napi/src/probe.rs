//! The public `probe(port)` of the npm package on the native engine: portplan-native's
//! probe, the one the sessions' `probe` effect runs (core/native/README.md "Probe").

use napi::bindgen_prelude::{Error, Result, Status};
use napi_derive::napi;

/// For each of `ports`, whether it is free (TCP and UDP, loopback and wildcard addresses);
/// `server`: as a server about to start binds (connections in TIME_WAIT do not count).
#[napi]
pub fn probe_ports(ports: Vec<u32>, server: bool) -> Result<Vec<bool>> {
    let ports = ports
        .into_iter()
        .map(|port| match u16::try_from(port) {
            Ok(port) if port != 0 => Ok(port),
            _ => Err(Error::new(
                Status::InvalidArg,
                format!("probe: {port} is not a port (1-65535)"),
            )),
        })
        .collect::<Result<Vec<u16>>>()?;
    Ok(portplan_native::probe(&ports, server))
}
