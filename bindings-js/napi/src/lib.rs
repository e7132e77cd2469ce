//! The native engine of the npm package: each function hands one JSON request to the core
//! and returns its JSON answer (docs/core-api.md). No rule lives here.

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
