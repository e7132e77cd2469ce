//! `portplan._native`: the core for Python.
//!
//! - `Session(start_json)`, `step(reply_json)`: one call of the core as a session
//!   (docs/host-protocol.md); the effects the OS does are done here, in Rust
//!   (`portplan-native`), and Python sees only `sleep`, `print`, `spawn` and `listen`.
//! - `plan_json(request)`: the pure plan of a config (docs/core-api.md).
//! - `plan_text(plan_json, name)`: a plan's table, or the sentence of one service (`why`).
//! - `probe(ports, server)`: the host probe of `portplan-native`.
//!
//! No rule of the spec lives here.

use pyo3::prelude::*;

#[pyfunction]
fn plan_json(py: Python<'_>, request: &str) -> String {
    // The core is pure and never panics; let other threads run while it works.
    py.detach(|| ::portplan::api::plan_json(request))
}

/// `{"text": ...}` for a plan as `plan_json` or a session answered it: the sentence of
/// `name` (what `portplan why NAME` prints), else the table (what `portplan plan` prints);
/// or `{"error": ...}`.
#[pyfunction]
#[pyo3(signature = (plan, name=None))]
fn plan_text(plan: &str, name: Option<&str>) -> String {
    use ::portplan::{commands::render, plan::Plan};
    let text = serde_json::from_str::<Plan>(plan)
        .map_err(|error| {
            ::portplan::error::PlanError::new(
                ::portplan::error::ErrorKind::InvalidRequest,
                format!("the plan is malformed: {error}"),
            )
        })
        .and_then(|plan| match name {
            Some(name) => render::why(&plan, name),
            None => Ok(render::table(&plan)),
        });
    let answer = match text {
        Ok(text) => serde_json::json!({ "text": text }),
        Err(error) => serde_json::json!({ "error": error }),
    };
    answer.to_string()
}

/// Which of `ports` can be bound, TCP and UDP, on every local address (`server`: TCP bound as
/// a server binds it, SO_REUSEADDR on POSIX, so TIME_WAIT does not count).
#[pyfunction]
fn probe(py: Python<'_>, ports: Vec<u16>, server: bool) -> Vec<bool> {
    py.detach(|| portplan_native::probe(&ports, server))
}

/// One session (docs/host-protocol.md): `Session(start_json)`, then `step(reply_json)` until
/// it answers `{"done": ...}`. Dropping it releases the locks it holds.
#[pyclass(module = "portplan._native")]
struct Session {
    // A Mutex makes the session Sync, as Python objects must be (one step at a time).
    inner: std::sync::Mutex<NativeSession>,
}

/// A session and the executor of its effects: every effect but `sleep`, `print`, `spawn`
/// and `listen` is done here, in Rust (`portplan-native`); Python sees only those four.
struct NativeSession {
    session: ::portplan::session::Session,
    executor: portplan_native::Executor,
}

/// A session dropped before its end (Ctrl-C, SIGTERM, an error in Python) leaves no lock
/// held and no temporary file behind.
impl Drop for NativeSession {
    fn drop(&mut self) {
        self.executor.close();
    }
}

#[pymethods]
impl Session {
    #[new]
    fn new(request: &str) -> Session {
        Session {
            inner: std::sync::Mutex::new(NativeSession {
                session: ::portplan::session::Session::from_json(request),
                executor: portplan_native::Executor::new(),
            }),
        }
    }

    /// The next step as JSON text (`{"do": ...}` or `{"done": ...}`).
    #[pyo3(signature = (reply=None))]
    fn step(&self, py: Python<'_>, reply: Option<&str>) -> String {
        py.detach(|| {
            let mut inner = self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let NativeSession { session, executor } = &mut *inner;
            session.step_json_with(reply, |effect| executor.run(effect))
        })
    }
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(plan_json, module)?)?;
    module.add_function(wrap_pyfunction!(plan_text, module)?)?;
    module.add_function(wrap_pyfunction!(probe, module)?)?;
    module.add_class::<Session>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
