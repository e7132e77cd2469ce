//! The WebAssembly engine of the npm package. No rule lives here.
//!
//! - `plan(request)`: a plain JavaScript request object in, a plain answer object out (as
//!   `JSON.parse` would give it). Browsers (`portplan/web`, built without the `host`
//!   feature) get this one only, read and answered through serde-wasm-bindgen.
//! - The Node fallback engine (feature `host`) also gets `plan_json(text)` (JSON text in and
//!   out, as the native addon has it; `plan`'s object form crosses as that text too, V8's
//!   own JSON code on both sides: 1.3-1.4x faster than serde-wasm-bindgen's value by value
//!   conversion for a plan of 10,000 services, docs/core-speed.md) and `Session`, whose
//!   every effect its TypeScript host does (docs/host-protocol.md).

use portplan::api::{self, Answer, ErrorAnswer};
use portplan::{ErrorKind, PlanError};
use serde::Serialize;
use serde::de::DeserializeOwned;
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

/// The JSON text entry point answering the same request (`plan_json` for `plan`): the
/// Node module's object form answers through it, so both forms answer alike, down to the
/// words of a malformed request (`the request is malformed: line 1, column 9: ...`).
type TextTwin = fn(&str) -> String;

#[cfg(feature = "host")]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;
}

/// The text twin's answer to `request`, both crossing as JSON text. None when the request
/// has no JSON text (a cycle, a BigInt).
#[cfg(feature = "host")]
fn answered_as_text(request: &JsValue, twin: TextTwin) -> Option<JsValue> {
    // `undefined` (no request at all) reads as JSON `null`: not an object, as in text.
    let text = match json_stringify(request).ok()?.as_string() {
        Some(text) => text,
        None => "null".to_owned(),
    };
    json_parse(&twin(&text)).ok()
}

/// The browser module has no text twins (docs/wasm-size.md).
#[cfg(not(feature = "host"))]
fn answered_as_text(_request: &JsValue, _twin: TextTwin) -> Option<JsValue> {
    None
}

/// Gives the answer to `request` as a JavaScript object (or `{error}`); never throws.
///
/// With a text twin (the Node module), through JSON text; a request without JSON text (a
/// cycle, a BigInt) is then read by serde-wasm-bindgen, as the browser module reads every
/// request: as the handler's request type, run by the handler, answered the same way.
fn call<R: DeserializeOwned, T: Serialize>(
    request: JsValue,
    twin: Option<TextTwin>,
    handler: impl FnOnce(R) -> Result<T, PlanError>,
) -> JsValue {
    if let Some(answer) = twin.and_then(|twin| answered_as_text(&request, twin)) {
        return answer;
    }
    // serde also reads a struct from a list (its fields in order); a request is an object.
    let read = if request.is_array() {
        Err("the request must be an object".to_owned())
    } else {
        serde_wasm_bindgen::from_value::<R>(request)
            .map_err(|e| format!("the request cannot be read: {e}"))
    };
    let answer = match read {
        Ok(request) => to_js(&Answer::from(handler(request))),
        Err(message) => to_js(&failed(ErrorKind::InvalidRequest, message)),
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

/// `{config, busy}` → the plan answer `{plan, namespace, range, layout, hash, exclude}`, or
/// `{error: {kind, message, ...}}`.
#[wasm_bindgen]
pub fn plan(request: JsValue) -> JsValue {
    // The browser module stays without the text path (docs/wasm-size.md); index.js guards it.
    #[cfg(feature = "host")]
    let twin: Option<TextTwin> = Some(portplan::plan_json);
    #[cfg(not(feature = "host"))]
    let twin: Option<TextTwin> = None;
    call(request, twin, api::plan_request)
}

#[cfg(feature = "host")]
mod host {
    use wasm_bindgen::prelude::*;

    /// The pure plan as JSON text, as the native addon has it.
    #[wasm_bindgen]
    pub fn plan_json(request: &str) -> String {
        portplan::plan_json(request)
    }

    /// One session (docs/host-protocol.md): `new Session(startJson)`, then `step(replyJson)`
    /// until it answers `{"done": ...}`. This engine's host does every effect itself.
    #[wasm_bindgen]
    pub struct Session {
        inner: portplan::session::Session,
    }

    #[wasm_bindgen]
    impl Session {
        #[wasm_bindgen(constructor)]
        pub fn new(request: &str) -> Session {
            Session {
                inner: portplan::session::Session::from_json(request),
            }
        }

        /// The next step as JSON text (`{"do": ...}` or `{"done": ...}`).
        pub fn step(&mut self, reply: Option<String>) -> String {
            self.inner.step_json(reply.as_deref())
        }
    }
}
