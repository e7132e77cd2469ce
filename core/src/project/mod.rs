//! The project of a call (SPEC §7, §9): its config file, root and namespace
//! ([`discovery`]), a test session's namespace ([`test_namespace`]), the services of its
//! compose file ([`compose`]), and the URL host of each service per checkout ([`url`]).

pub mod compose;
pub mod discovery;
pub mod test_namespace;
pub mod url;
