//! The WebAssembly engine of the npm package (Node fallback and `portplan/web`): each
//! function takes a JS value, hands it to the core's `_value` entry point and returns the
//! answer as a plain JS object (docs/core-api.md). No rule lives here.

use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

/// Runs one core entry point on a JS request. Never throws: a request that is not
/// JSON-shaped becomes the core's `invalid_request` error value.
fn call(request: JsValue, entry: fn(&Value) -> Value) -> JsValue {
    let answer = match serde_wasm_bindgen::from_value::<Value>(request) {
        Ok(value) => entry(&value),
        Err(e) => error("invalid_request", &format!("the request is not a JSON value: {e}")),
    };
    to_js(&answer)
}

fn error(kind: &str, message: &str) -> Value {
    json!({ "error": { "kind": kind, "message": message } })
}

/// Objects become plain JS objects (not `Map`s), as `JSON.parse` would give.
fn to_js(value: &Value) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).unwrap_or_else(|e| {
        let fallback = error("invalid_request", &format!("the answer cannot be given to JS: {e}"));
        fallback.serialize(&serializer).unwrap_or(JsValue::NULL)
    })
}

#[wasm_bindgen]
pub fn plan_value(request: JsValue) -> JsValue {
    call(request, portplan::api::plan_value)
}

#[wasm_bindgen]
pub fn config_files_value() -> JsValue {
    let answer: Value = serde_json::from_str(&portplan::config_files_json()).unwrap_or(Value::Null);
    to_js(&answer)
}

#[wasm_bindgen]
pub fn extract_config_value(request: JsValue) -> JsValue {
    call(request, portplan::api::extract_config_value)
}

#[wasm_bindgen]
pub fn load_config_value(request: JsValue) -> JsValue {
    call(request, portplan::api::load_config_value)
}

#[wasm_bindgen]
pub fn allocate_value(request: JsValue) -> JsValue {
    call(request, portplan::api::allocate_value)
}

#[wasm_bindgen]
pub fn release_value(request: JsValue) -> JsValue {
    call(request, portplan::api::release_value)
}

#[wasm_bindgen]
pub fn leases_value(request: JsValue) -> JsValue {
    call(request, portplan::api::leases_value)
}

#[wasm_bindgen]
pub fn cli_value(request: JsValue) -> JsValue {
    call(request, portplan::api::cli_value)
}

#[wasm_bindgen]
pub fn render_value(request: JsValue) -> JsValue {
    call(request, portplan::api::render_value)
}
