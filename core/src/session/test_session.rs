//! Ports of a test session (SPEC v3 §9 "Test sessions"): the pytest plugin's fixture, and
//! any call made in a Vitest or Jest worker.
//!
//! A test worker leases in a namespace of its own (`test_namespace`: the project's, the
//! worker and the checkout folded together), so each worker of each checkout has its own
//! ports, the same on every run. Two sessions at once in one checkout (an IDE's runner and
//! a terminal) must not share them: each worker holds a *slot*, the OS lock of a file for
//! as long as its process lives. The first session takes slot 0 (the namespace as it is),
//! a session started meanwhile slot 1 (`<namespace>-1`), and so on; a rerun takes slot 0
//! again once the earlier run ended, so its ports are those of the last run. Leases are not
//! released at the end: that is what keeps them stable.

use super::facts::Options;
use super::host::{Host, io_error};
use super::project::Project;
use super::store::Store;
use crate::error::{ErrorKind, PlanError, Result};
use crate::paths;
use crate::project::test_namespace::{MAIN_WORKER, test_namespace};
use sha2::{Digest, Sha256};

/// Slots tried before giving up: more test sessions than this at once in one checkout is
/// surely a leak.
const SLOTS: u32 = 32;

/// The test worker a call runs in: `options.test` names the runner (`pytest`, `vitest`,
/// `jest`; `none`: not a test), else Vitest's and Jest's workers are found by their
/// variables. None: not a test session.
pub fn worker(host: &Host, options: &Options) -> Result<Option<String>> {
    let facts = &host.facts;
    let id = |variable: &str| facts.var(variable).map(str::to_owned);
    Ok(match options.test.as_deref() {
        Some("none") => None,
        Some("pytest") => Some(id("PYTEST_XDIST_WORKER").unwrap_or_else(|| MAIN_WORKER.to_owned())),
        Some("vitest") => Some(format!(
            "vitest-{}",
            id("VITEST_POOL_ID").unwrap_or_else(|| "1".to_owned())
        )),
        Some("jest") => Some(format!(
            "jest-{}",
            id("JEST_WORKER_ID").unwrap_or_else(|| "1".to_owned())
        )),
        Some(other) => {
            return Err(PlanError::new(
                ErrorKind::InvalidRequest,
                format!(
                    "test must be pytest, vitest, jest or none, not {}",
                    crate::text::excerpt(other)
                ),
            ));
        }
        None => match (id("VITEST_POOL_ID"), id("JEST_WORKER_ID")) {
            (Some(pool), _) => Some(format!("vitest-{pool}")),
            (None, Some(worker)) => Some(format!("jest-{worker}")),
            (None, None) => None,
        },
    })
}

/// Puts `project` in the test namespace of `worker`, in the first slot no other live
/// session holds.
pub async fn enter(host: &Host, project: &mut Project, worker: &str) -> Result<()> {
    let base = test_namespace(
        project.namespace(),
        &project.root,
        Some(worker),
        project.config.hash,
    )?;
    let store = Store::locate(host)?;
    let dir = paths::join(&store.dir, "sessions");
    if let Err(error) = host.make_dir(&dir).await? {
        return Err(io_error(&dir, "create", &error));
    }
    let digest = Sha256::digest(base.as_bytes());
    let key: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    for slot in 0..SLOTS {
        let path = paths::join(&dir, &format!("{key}.{slot}.lock"));
        match host.lock(&path, true).await? {
            Ok(true) => {
                let namespace = if slot == 0 {
                    base
                } else {
                    format!("{base}-{slot}")
                };
                project.base.namespace = namespace.clone();
                project.config.namespace = namespace;
                return Ok(());
            }
            Ok(false) => {}
            Err(error) => return Err(io_error(&path, "lock", &error)),
        }
    }
    Err(PlanError::new(
        ErrorKind::Host,
        format!("{SLOTS} test sessions of this checkout are running at once; stop some"),
    ))
}
