//! Sessions: every command of both CLIs and every host API call, run once in the core as a
//! machine that asks its host for effects (docs/host-protocol.md). The hosts only do what
//! [`effects::Effect`] names; every decision in between is made here.

pub mod effects;
pub mod machine;
