//! portplan: deterministic, collision-free port allocation (the pure core).
//!
//! Every engine (napi, wasm, pyo3) calls this crate; it does no I/O. The contract is
//! SPEC.md. The modules, each folder one kind of thing, lower ones never using higher ones:
//!
//! - the edge below: [`error`] (SPEC §2 errors as values), [`input`] (JSON and TOML text,
//!   values as written), [`text`] (how names, paths and times are shown), [`paths`] (path
//!   text from the hosts);
//! - [`plan`]: the config and the plan (SPEC §1–§6);
//! - [`registry`]: the registry file, its leases, where it is, which clock a write trusts
//!   (§7, §9);
//! - [`words`]: the words for the hosts' problems and for who holds a port;
//! - [`project`]: a call's config file, root and namespace, its compose file, its URLs;
//! - [`commands`]: the command line, the CLIs' text, what `run` starts, `.env` blocks;
//! - [`session`]: every command and host call run as a machine that asks its host for
//!   effects (docs/host-protocol.md): every decision of the host layer;
//! - the edge above: [`api`] (`plan_json`, the pure plan as JSON text, and the JSON Schema
//!   of it and of the session protocol).

// The edge below everything: errors, values as written, how values are shown, path text.
pub mod error;
pub mod input;
pub mod paths;
pub mod text;
// The plan (SPEC §1–§6).
pub mod plan;
// The registry and its leases (§7, §9).
pub mod registry;
// The words for problems and for who holds a port.
pub mod words;
// The project of a call (§7, §9).
pub mod project;
// What the CLIs say and start.
pub mod commands;
// Every command and host call, as a machine that asks the host for effects.
pub mod session;
// The edge above everything: the pure plan as JSON text, and the schema.
pub mod api;

pub use api::plan_json;
pub use error::{ErrorKind, PlanError};
pub use plan::config::{Config, HashKind, Layout, PortRange, Service};
pub use plan::config_file::{ConfigFile, ConfigInput};
pub use plan::{Entry, Holder, Plan, Reason, plan};
pub use registry::{Lease, Registry};
