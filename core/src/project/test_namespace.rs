//! The namespace a test session leases its ports in (the pytest plugin's fixture).
//!
//! Every xdist worker of every checkout needs ports of its own, and the same ones on the
//! next run. Leasing in the project's namespace would hand out ports by who asks first;
//! a namespace of its own per worker and checkout gives each its own home ports, stable
//! across runs, and lets the session free all its leases at once when it ends.

use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::config::{HashKind, check_name};
use sha2::{Digest, Sha256};

/// The worker id when tests do not run under xdist.
pub const MAIN_WORKER: &str = "main";

/// `<namespace>:test-<worker>-<8 hex digits of SHA-256 of root>` (without the
/// `<namespace>:` when the project's namespace is empty).
pub fn test_namespace(
    namespace: &str,
    root: &str,
    worker: Option<&str>,
    hash: HashKind,
) -> Result<String> {
    if hash == HashKind::Lagom {
        return Err(PlanError::new(
            ErrorKind::InvalidConfig,
            "a test namespace needs hash = \"sha256\"; Lagom's hash has no namespace",
        ));
    }
    let worker = worker.filter(|w| !w.is_empty()).unwrap_or(MAIN_WORKER);
    let digest = Sha256::digest(root.as_bytes());
    let checkout: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let test = format!("test-{worker}-{checkout}");
    let folded = if namespace.is_empty() {
        test
    } else {
        format!("{namespace}:{test}")
    };
    check_name(&folded, "namespace")?;
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_namespace_folds_worker_and_checkout_and_is_stable() {
        let ns = test_namespace("shop", "/home/me/shop", Some("gw0"), HashKind::Sha256).unwrap();
        // SHA-256 of "/home/me/shop" starts with these four bytes.
        let expected = {
            let digest = Sha256::digest(b"/home/me/shop");
            format!(
                "shop:test-gw0-{:02x}{:02x}{:02x}{:02x}",
                digest[0], digest[1], digest[2], digest[3]
            )
        };
        assert_eq!(ns, expected);
        assert_eq!(
            test_namespace("shop", "/home/me/shop", Some("gw0"), HashKind::Sha256).unwrap(),
            ns,
            "the same on every run"
        );
    }

    #[test]
    fn workers_and_checkouts_get_namespaces_of_their_own() {
        let of = |root: &str, worker: Option<&str>| {
            test_namespace("shop", root, worker, HashKind::Sha256).unwrap()
        };
        let mut all = vec![
            of("/a/shop", Some("gw0")),
            of("/a/shop", Some("gw1")),
            of("/b/shop", Some("gw0")),
            of("/b/shop", Some("gw1")),
            of("/a/shop", None),
        ];
        assert!(all[4].starts_with("shop:test-main-"), "{}", all[4]);
        assert_eq!(of("/a/shop", Some("")), all[4]);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 5);
        assert!(
            test_namespace("", "/a", Some("gw3"), HashKind::Sha256)
                .unwrap()
                .starts_with("test-gw3-")
        );
    }

    #[test]
    fn lagom_and_bad_workers_are_errors() {
        let error = test_namespace("", "/a", None, HashKind::Lagom).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidConfig);
        let error = test_namespace("shop", "/a", Some("gw\n0"), HashKind::Sha256).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidName);
    }
}
