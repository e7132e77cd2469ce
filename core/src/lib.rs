//! portplan: deterministic, collision-free port allocation (the pure core).
//!
//! Every engine (napi, wasm, pyo3) calls this crate; it does no I/O. The contract is
//! SPEC.md, and the modules follow its sections:
//!
//! - §1 the config: [`config`] (keys, defaults, the name rule, validation), read from
//!   [`config_file`] (a config as written: TOML, JSON or JavaScript objects);
//! - §2 errors: [`error`];
//! - §3 the taken set: [`taken`] (port sets, the ports browsers refuse, who holds what);
//! - §4 home ports: [`home`];
//! - §5 layouts: [`layout`];
//! - §6 the plan: [`plan`];
//! - §7 the host layer's rules: [`discovery`] (config files, options, namespace),
//!   [`registry`] (leases), [`cli`] (the command line), [`render`] (the CLIs' text),
//!   [`problems`] (the words for the hosts' own errors).
//!
//! JSON and TOML live at the edge: [`api`] reads requests and writes answers (JSON text for
//! every engine; the browser module reads and writes JavaScript objects through the same
//! typed requests), [`formats`] reads config and registry text, [`written`] keeps a value
//! of the wrong shape as written so validation can quote it, and [`schema`] describes the
//! answers as JSON Schema.

pub mod api;
pub mod cli;
pub mod config;
pub mod config_file;
pub mod discovery;
pub mod error;
pub mod formats;
pub mod home;
pub mod layout;
pub mod plan;
pub mod problems;
pub mod registry;
pub mod render;
pub mod schema;
pub mod taken;
pub mod written;

pub use api::{
    allocate_json, cli_json, config_files_json, extract_config_json, host_error_json, leases_json,
    load_config_json, plan_json, release_json, render_json,
};
pub use config::{Config, HashKind, Layout, PortRange, Service};
pub use config_file::{ConfigFile, ConfigInput};
pub use error::{ErrorKind, PlanError};
pub use plan::{Entry, Holder, Plan, Reason, plan};
pub use registry::{Lease, Registry};
