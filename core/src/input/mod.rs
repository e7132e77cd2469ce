//! Values as they come in (the edge): config and registry text read as JSON or TOML
//! ([`formats`]), and values of the wrong shape kept as written so a message can quote them
//! ([`written`]).

pub mod formats;
pub mod written;
