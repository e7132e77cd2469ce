//! The plan (SPEC §1–§6): a config, and the port every service gets from it. Pure and
//! the same in every engine; no file, registry or host is known here.
//!
//! - [`config`]: the keys, defaults and the name rule; [`config_file`]: a config as written
//!   (TOML, JSON, objects); [`validate`]: as written → [`config::Config`] or a SPEC §2 error;
//! - [`bad_ports`]: the ports browsers refuse (§3); [`taken`]: the taken set (§3);
//! - [`home`]: home ports (§4); [`layout`]: the layouts (§5);
//! - [`answer`]: the plan as answered (§6); [`planning`]: the plan of a config.

pub mod answer;
pub mod bad_ports;
pub mod config;
pub mod config_file;
pub mod home;
pub mod layout;
pub mod planning;
pub mod taken;
pub mod validate;

pub use answer::{Entry, Held, Holder, HolderRef, LeaseHolder, Plan, PlanRef, Reason, ReasonRef};
pub use planning::{plan, plan_ref, plan_with};
