//! The registry and its leases (SPEC §7, §9): where the file is ([`location`]), what it holds
//! ([`file`]), which leases a call keeps, makes and drops ([`leases`]), and which clock a
//! write trusts ([`clock`]). The protocol that reads, locks and writes it is the session's
//! (`session::store`, `session::allocation`).

pub mod clock;
pub mod file;
pub mod leases;
pub mod location;

pub use file::{Lease, Registry};
