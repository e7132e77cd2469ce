//! The native engine of the npm package: each function hands one JSON request to the core
//! and returns its JSON answer (docs/core-api.md). No rule lives here.

use std::hash::{BuildHasher, Hasher, RandomState};

use napi_derive::napi;

/// The native probe of the host (exported as `probePorts`).
pub mod probe;

#[napi]
pub fn plan_json(request: String) -> String {
    portplan::plan_json(&request)
}

#[napi]
pub fn config_files_json() -> String {
    portplan::config_files_json()
}

#[napi]
pub fn extract_config_json(request: String) -> String {
    portplan::extract_config_json(&request)
}

#[napi]
pub fn load_config_json(request: String) -> String {
    portplan::load_config_json(&request)
}

#[napi]
pub fn allocate_json(request: String) -> String {
    portplan::allocate_json(&request)
}

#[napi]
pub fn release_json(request: String) -> String {
    portplan::release_json(&request)
}

#[napi]
pub fn leases_json(request: String) -> String {
    portplan::leases_json(&request)
}

#[napi]
pub fn registry_path_json(request: String) -> String {
    portplan::registry_path_json(&request)
}

#[napi]
pub fn cli_json(request: String) -> String {
    portplan::cli_json(&request)
}

#[napi]
pub fn render_json(request: String) -> String {
    portplan::render_json(&request)
}

#[napi]
pub fn host_error_json(request: String) -> String {
    portplan::host_error_json(&request)
}

#[napi]
pub fn lock_verdict_json(request: String) -> String {
    portplan::lock_verdict_json(&request)
}

#[napi]
pub fn temp_files_json(request: String) -> String {
    portplan::temp_files_json(&request)
}

/// One session (docs/host-protocol.md): `new Session(startJson)`, then `step(replyJson)`
/// until it answers `{"done": ...}`.
/// Every effect but `sleep`, `print`, `spawn` and `listen` is done here, in Rust
/// (`portplan-native`): JavaScript sees only those four.
#[napi]
pub struct Session {
    inner: portplan::session::Session,
    executor: portplan_native::Executor,
}

#[napi]
impl Session {
    #[napi(constructor)]
    pub fn new(request: String) -> Session {
        Session {
            inner: portplan::session::Session::from_json(&request),
            executor: portplan_native::Executor::new(),
        }
    }

    /// The next step as JSON text (`{"do": ...}` or `{"done": ...}`).
    #[napi]
    pub fn step(&mut self, reply: Option<String>) -> String {
        let executor = &mut self.executor;
        self.inner
            .step_json_with(reply.as_deref(), |effect| executor.run(effect))
    }
}

/// 16 random hex digits, the `<random>` of the registry's temporary file name
/// (docs/registry.md). Std's hasher keys come from the OS's random source (each `RandomState`
/// after the first of a thread is a new key), so Node need not load `node:crypto` (~1-3 ms in
/// a fresh process) for 8 bytes. The name only has to differ from every other writer's: the
/// file is created with O_EXCL under the lock.
#[napi]
pub fn random_hex() -> String {
    format!("{:016x}", RandomState::new().build_hasher().finish())
}

#[cfg(test)]
mod tests {
    use super::random_hex;

    #[test]
    fn random_hex_is_16_hex_digits_and_differs_between_calls() {
        let names: Vec<String> = (0..32).map(|_| random_hex()).collect();
        for name in &names {
            assert_eq!(name.len(), 16, "{name}");
            assert!(name.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
        }
        let distinct: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
    }
}
