//! The WebAssembly engine of the npm package: `plan_value` for browsers (`portplan/web`: a
//! JS value in, a plain JS object out), and, with the `host` feature, every entry point as
//! JSON text for the Node fallback (docs/core-api.md). No rule lives here.

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

// Every entry point with JSON text in and out, for the Node fallback engine: for a big
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
