//! The words for what goes wrong outside the config, the same in every engine: the host's
//! problems ([`problems`]: a locked or unsafe registry, an OS error, a port in use) and who
//! holds a port ([`holder`]).

pub mod holder;
pub mod problems;
