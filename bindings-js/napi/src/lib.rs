//! The native engine of the npm package (docs/host-protocol.md): the pure plan as JSON
//! text, and sessions whose effects portplan-native runs here, in Rust. No rule lives here.

use napi_derive::napi;
use portplan::session::effects::Effect;

/// The public `probe` (exported as `probePorts`).
pub mod probe;

/// The pure plan: `{config, busy}` → the plan, or `{error}` (docs/core-api.md).
#[napi]
pub fn plan_json(request: String) -> String {
    portplan::plan_json(&request)
}

/// The process' own executor for `run_effect`.
static EXECUTOR: std::sync::Mutex<Option<portplan_native::Executor>> = std::sync::Mutex::new(None);

/// One effect done by the native executor, outside any session: JSON text in and out (a
/// reply, or null for the effects the host language does). For the tests that hold the wasm
/// engine's host to the same facts, words and lock as this engine.
#[napi]
pub fn run_effect(effect: String) -> Option<String> {
    let effect: Effect = serde_json::from_str(&effect).ok()?;
    let mut executor = EXECUTOR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let reply = executor
        .get_or_insert_with(portplan_native::Executor::new)
        .run(&effect)?;
    serde_json::to_string(&reply).ok()
}

/// One session (docs/host-protocol.md): `new Session(startJson)`, then `step(replyJson)`
/// until it answers `{"done": ...}`. Every effect but `sleep`, `print`, `spawn` and `listen`
/// is done here, in Rust (`portplan-native`): JavaScript sees only those four.
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

    /// Ends the session where it stands (its host stops early: a signal, an error): every
    /// lock it holds released, every temporary file it left removed. Locks held for the
    /// process (`hold`) stay.
    #[napi]
    pub fn close(&mut self) {
        self.executor.close();
    }
}
