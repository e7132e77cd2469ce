//! `portplan._native`: the core's JSON API (docs/core-api.md) for Python.
//!
//! Every function takes one JSON request string and returns one JSON answer string; the
//! Python package does the I/O and decodes the answers. No rule of the spec lives here.

use pyo3::prelude::*;

mod probe;

/// Declares a Python function `NAME(request: str) -> str` over the core's `NAME`.
macro_rules! json_function {
    ($name:ident) => {
        #[pyfunction]
        fn $name(py: Python<'_>, request: &str) -> String {
            // The core is pure and never panics; let other threads run while it works.
            py.detach(|| ::portplan::api::$name(request))
        }
    };
}

json_function!(plan_json);
json_function!(extract_config_json);
json_function!(load_config_json);
json_function!(allocate_json);
json_function!(release_json);
json_function!(leases_json);
json_function!(registry_path_json);
json_function!(cli_json);
json_function!(render_json);
json_function!(host_error_json);
json_function!(lock_verdict_json);
json_function!(temp_files_json);

/// One session (docs/host-protocol.md): `Session(start_json)`, then `step(reply_json)` until
/// it answers `{"done": ...}`.
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

#[pyfunction]
fn config_files_json() -> String {
    ::portplan::api::config_files_json()
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(plan_json, module)?)?;
    module.add_function(wrap_pyfunction!(config_files_json, module)?)?;
    module.add_function(wrap_pyfunction!(extract_config_json, module)?)?;
    module.add_function(wrap_pyfunction!(load_config_json, module)?)?;
    module.add_function(wrap_pyfunction!(allocate_json, module)?)?;
    module.add_function(wrap_pyfunction!(release_json, module)?)?;
    module.add_function(wrap_pyfunction!(leases_json, module)?)?;
    module.add_function(wrap_pyfunction!(registry_path_json, module)?)?;
    module.add_function(wrap_pyfunction!(cli_json, module)?)?;
    module.add_function(wrap_pyfunction!(render_json, module)?)?;
    module.add_function(wrap_pyfunction!(host_error_json, module)?)?;
    module.add_function(wrap_pyfunction!(lock_verdict_json, module)?)?;
    module.add_function(wrap_pyfunction!(temp_files_json, module)?)?;
    module.add_function(wrap_pyfunction!(probe::probe_json, module)?)?;
    module.add_class::<Session>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
