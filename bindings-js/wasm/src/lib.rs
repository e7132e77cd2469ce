//! The WebAssembly engine of the npm package (Node fallback and `portplan/web`): each
//! function takes a JS value, hands it to the core's `_value` entry point and returns the
//! answer as a plain JS object (docs/core-api.md). No rule lives here.

use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

mod convert;

use convert::{from_js, to_js};

/// Runs one core entry point on a JS request. Never throws: a request that is not
/// JSON-shaped becomes the core's `invalid_request` error value.
fn call(request: JsValue, entry: fn(&Value) -> Value) -> JsValue {
    let answer = match from_js(&request) {
        Ok(value) => entry(&value),
        Err(e) => error("invalid_request", &format!("the request is not a JSON value: {e}")),
    };
    to_js(&answer)
}

fn error(kind: &str, message: &str) -> Value {
    json!({ "error": { "kind": kind, "message": message } })
}

#[wasm_bindgen]
pub fn plan_value(request: JsValue) -> JsValue {
    call(request, portplan::api::plan_value)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn config_files_value() -> JsValue {
    let answer: Value = serde_json::from_str(&portplan::config_files_json()).unwrap_or(Value::Null);
    to_js(&answer)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn extract_config_value(request: JsValue) -> JsValue {
    call(request, portplan::api::extract_config_value)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn load_config_value(request: JsValue) -> JsValue {
    call(request, portplan::api::load_config_value)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn allocate_value(request: JsValue) -> JsValue {
    call(request, portplan::api::allocate_value)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn release_value(request: JsValue) -> JsValue {
    call(request, portplan::api::release_value)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn leases_value(request: JsValue) -> JsValue {
    call(request, portplan::api::leases_value)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn cli_value(request: JsValue) -> JsValue {
    call(request, portplan::api::cli_value)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn render_value(request: JsValue) -> JsValue {
    call(request, portplan::api::render_value)
}

#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn host_error_value(request: JsValue) -> JsValue {
    call(request, portplan::api::host_error_value)
}

// The same entry points with JSON text in and out, for the Node fallback engine: for a big
// plan, one string crossing (TextEncoder/TextDecoder, then JSON.parse) is several times
// faster than building the answer's JS objects field by field through the boundary.
#[cfg(feature = "host")]
mod text {
    use wasm_bindgen::prelude::*;

    macro_rules! json_text {
        ($($name:ident),*) => {$(
            #[wasm_bindgen]
            pub fn $name(request: &str) -> String {
                portplan::$name(request)
            }
        )*};
    }

    json_text!(plan_json, extract_config_json, load_config_json, allocate_json, release_json, leases_json, cli_json, render_json, host_error_json);

    #[wasm_bindgen]
    pub fn config_files_json() -> String {
        portplan::config_files_json()
    }
}
