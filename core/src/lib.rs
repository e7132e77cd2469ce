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
//! - §7 the host layer's rules: [`discovery`] (the config file, the project root, options,
//!   namespace), [`registry_path`] (where the registry is), [`registry`] (the registry
//!   file), [`leases`] (which leases are kept, made and dropped), [`lock`] (whether a lock
//!   may be broken), [`temp_files`] (which temporary files dead writers left), [`cli`] (the command
//!   line), [`render`] (the CLIs' text), [`run`] and [`tools`] (what `run` spawns, and the
//!   table of the tools it knows), [`env_file`] (the block `env --write` keeps in a `.env`
//!   file), [`test_namespace`] (a test session's namespace), [`problems`] (the words for
//!   the hosts' own errors).
//!
//! JSON and TOML live at the edge: [`api`] reads requests and writes answers (JSON text for
//! every engine; the browser module reads and writes JavaScript objects through the same
//! typed requests), [`formats`] reads config and registry text, [`written`] keeps a value
//! of the wrong shape as written so validation can quote it, and [`schema`] describes the
//! answers as JSON Schema. [`paths`] handles the path text hosts send.

// §1 the config
pub mod config;
pub mod config_file;
// §2 errors
pub mod error;
// §3 the taken set
pub mod taken;
// §4 home ports
pub mod home;
// §5 layouts
pub mod layout;
// §6 the plan
pub mod plan;
// §7 the host layer: config discovery
pub mod discovery;
// §7 where the registry is
pub mod registry_path;
// §7 the registry file
pub mod registry;
// §7 allocation against the leases
pub mod leases;
// §7 the registry's lock: may it be broken?
pub mod lock;
// §9 which clock a write trusts
pub mod clock;
// §7 temporary files of dead writers
pub mod temp_files;
// §7 the command line
pub mod cli;
// §7 the CLIs' text
pub mod render;
// §7 `run`: the tools it knows, and what it spawns
pub mod run;
pub mod tools;
// §7 `env --write`: the block in a .env file
pub mod env_file;
// §7 the namespace of a test session (the pytest plugin)
pub mod test_namespace;
// §7 the words for the hosts' own problems
pub mod problems;
// The host protocol: commands as machines that ask the host for effects
pub mod session;
// §9 (v3) URLs per checkout, who holds a port, compose files
pub mod compose;
pub mod holder;
pub mod url;
// The edge: requests and answers
pub mod api;
// The edge: JSON and TOML text
pub mod formats;
// The edge: values as written, before validation
pub mod written;
// The edge: the JSON Schema of the answers
pub mod schema;
// The edge: path text from the hosts
pub mod paths;

pub use api::{
    allocate_json, cli_json, config_files_json, extract_config_json, host_error_json, leases_json,
    load_config_json, lock_verdict_json, plan_json, registry_path_json, release_json, render_json,
    temp_files_json,
};
pub use config::{Config, HashKind, Layout, PortRange, Service};
pub use config_file::{ConfigFile, ConfigInput};
pub use error::{ErrorKind, PlanError};
pub use plan::{Entry, Holder, Plan, Reason, plan};
pub use registry::{Lease, Registry};
