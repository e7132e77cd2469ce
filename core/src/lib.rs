//! portplan: deterministic, collision-free port allocation (the pure core).
//!
//! Every engine (Rust, napi, wasm, pyo3) calls this crate; it does no I/O. The contract is
//! SPEC.md: home ports from SHA-256 (or Lagom's hash) of the name, three layouts, pins,
//! busy and excluded ports, and a registry of leases so running services never move.
//!
//! `no_std` (with `alloc`): the browser module then needs none of std's panic and I/O
//! machinery, which was a fifth of its size (docs/wasm-size.md).

#![no_std]

extern crate alloc;

/// What std's prelude would give every module.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod api;
pub mod cli;
pub mod config;
mod decimal;
pub mod error;
pub mod home;
pub mod host_error;
pub mod json;
mod layout;
pub mod plan;
pub mod registry;
pub mod render;
pub mod source;
pub mod taken;
pub mod toml;

pub use api::{
    allocate_json, cli_json, config_files_json, extract_config_json, host_error_json, leases_json, load_config_json, plan_json, release_json, render_json,
};
pub use config::{Config, HashKind, Layout, Service};
pub use error::{ErrorKind, PlanError};
pub use plan::{Entry, Holder, Plan, Reason, plan};
pub use registry::{Lease, Registry};
