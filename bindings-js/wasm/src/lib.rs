//! The WebAssembly engine of the npm package. No rule lives here.
//!
//! - Browsers (`portplan/web`, built without the `host` feature) get `plan`, which takes a
//!   plain JavaScript request object and gives a plain answer object, both converted by
//!   serde-wasm-bindgen.
//! - The Node fallback engine (feature `host`) gets every entry point of docs/core-api.md
//!   with JSON text in and out, as the native addon does: for Node, one string each way is
//!   faster than converting objects field by field (measured in docs/core-api.md).

#[cfg(any(feature = "objects", not(feature = "host")))]
mod objects {
    use portplan::api::{self, Answer, ErrorAnswer, PlanRequest};
    use portplan::{ErrorKind, PlanError};
    use serde::Serialize;
    use wasm_bindgen::prelude::*;

    fn to_js<T: Serialize>(answer: &T) -> Result<JsValue, serde_wasm_bindgen::Error> {
        // Plain objects and numbers, as JSON.parse would give them.
        answer.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
    }

    fn failed(kind: ErrorKind, message: String) -> Answer<()> {
        Answer::Failed(ErrorAnswer {
            error: PlanError::new(kind, message),
        })
    }

    /// `{config, busy}` → the plan answer `{plan, namespace, range, layout, hash, exclude}`,
    /// or `{error: {kind, message, ...}}`; never throws.
    #[wasm_bindgen]
    pub fn plan(request: JsValue) -> JsValue {
        let answer = match serde_wasm_bindgen::from_value::<PlanRequest>(request) {
            Ok(request) => to_js(&Answer::from(api::plan_request(request))),
            Err(e) => to_js(&failed(
                ErrorKind::InvalidRequest,
                format!("the request cannot be read: {e}"),
            )),
        };
        answer
            .or_else(|e| {
                to_js(&failed(
                    ErrorKind::Host,
                    format!("the answer could not be written: {e}"),
                ))
            })
            .unwrap_or(JsValue::NULL)
    }
}

#[cfg(feature = "host")]
mod host {
    use wasm_bindgen::prelude::*;

    macro_rules! json_text {
        ($($name:ident),*) => {$(
            #[wasm_bindgen]
            pub fn $name(request: &str) -> String {
                portplan::$name(request)
            }
        )*};
    }

    json_text!(
        plan_json,
        extract_config_json,
        load_config_json,
        allocate_json,
        release_json,
        leases_json,
        registry_path_json,
        cli_json,
        render_json,
        host_error_json
    );

    #[wasm_bindgen]
    pub fn config_files_json() -> String {
        portplan::config_files_json()
    }
}
