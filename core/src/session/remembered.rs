//! What one process remembers between its sessions, so that asking again for a leased name
//! costs a read of the registry and no more (issue 23: the "leased again" answer, one
//! place every host gets it from). Both memos are of pure functions of what they are keyed
//! on, so a remembered answer is the answer the whole computation would give:
//!
//! - the registry parsed, by its exact text (a file changed by anyone is new text);
//! - for one project (its config without the names asked for, its root), the registry's
//!   text, the ports counted busy and the second: the plan that leases *every* name this
//!   checkout holds a lease for, when that plan keeps them all and writes nothing. A call for
//!   any of those names then writes nothing either, and its ports are those kept ones.

use super::project::Project;
use crate::plan::Plan;
use crate::plan::config::{Config, Service};
use crate::registry::Registry;
use crate::registry::leases;
use std::sync::{Arc, Mutex, PoisonError};

/// Registries larger than this (bytes of text) are parsed afresh rather than kept.
const LARGEST_KEPT: usize = 16 * 1024 * 1024;
/// How many projects' kept plans a process keeps (a test runner's workers, a monorepo).
const PROJECTS: usize = 8;

struct Parsed {
    text: Arc<String>,
    registry: Arc<Registry>,
}

static PARSED: Mutex<Option<Parsed>> = Mutex::new(None);

/// What identifies one version of a file: inode, size, modification time. Every write of
/// the registry is a rename of a new file, so a new version has a new inode.
pub type Signature = (u64, u64, u64);

static TEXT: Mutex<Option<(Signature, Arc<String>)>> = Mutex::new(None);

/// The text of the file version `signature` names, when it was read before.
pub fn text_of(signature: Signature) -> Option<Arc<String>> {
    let last = TEXT.lock().unwrap_or_else(PoisonError::into_inner);
    last.as_ref()
        .filter(|(known, _)| *known == signature)
        .map(|(_, text)| Arc::clone(text))
}

/// Remembers the text of the file version `signature` names.
pub fn remember_text(signature: Signature, text: &Arc<String>) {
    if text.len() <= LARGEST_KEPT {
        *TEXT.lock().unwrap_or_else(PoisonError::into_inner) = Some((signature, Arc::clone(text)));
    }
}

/// The registry of `text` (None: no file yet, an empty registry), parsed once per text.
pub fn registry(text: Option<&Arc<String>>) -> crate::error::Result<Arc<Registry>> {
    let Some(text) = text else {
        return Ok(Arc::new(Registry::default()));
    };
    let mut last = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
    let same = |parsed: &&Parsed| Arc::ptr_eq(&parsed.text, text) || *parsed.text == **text;
    if let Some(parsed) = last.as_ref().filter(same) {
        return Ok(Arc::clone(&parsed.registry));
    }
    let registry = Arc::new(Registry::parse(text)?);
    if text.len() <= LARGEST_KEPT {
        *last = Some(Parsed {
            text: Arc::clone(text),
            registry: Arc::clone(&registry),
        });
    }
    Ok(registry)
}

/// One project's plan of every leased name, and what it was computed from.
struct Kept {
    registry: Arc<Registry>,
    base: Config,
    root: String,
    busy: Vec<u16>,
    now: u64,
    /// None: leasing them all would write (a refresh is due, a lease expired ...).
    plan: Option<Plan>,
}

static KEPT: Mutex<Vec<Kept>> = Mutex::new(Vec::new());

/// The plan of `names` when each is a lease this checkout keeps and asking writes nothing;
/// None when that is not so (the caller then computes, and decides, the whole way).
pub fn kept(
    registry: &Arc<Registry>,
    project: &Project,
    busy: &[u16],
    now: u64,
    names: &[String],
) -> Option<Plan> {
    let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    let found = kept.iter().position(|k| {
        Arc::ptr_eq(&k.registry, registry)
            && k.now == now
            && k.busy == busy
            && k.root == project.root
            && k.base == project.base
    });
    let index = match found {
        Some(index) => index,
        None => {
            let leased = leased_here(registry, project);
            // A name without a lease of this checkout is not asked again: no plan of them
            // all for it (in a new process that plan was one more pass over the registry).
            if !names
                .iter()
                .all(|name| leased.binary_search(&name.as_str()).is_ok())
            {
                return None;
            }
            let plan = every_leased(registry, project, &leased, busy, now);
            if kept.len() >= PROJECTS {
                kept.remove(0);
            }
            kept.push(Kept {
                registry: Arc::clone(registry),
                base: project.base.clone(),
                root: project.root.clone(),
                busy: busy.to_vec(),
                now,
                plan,
            });
            kept.len() - 1
        }
    };
    let plan = kept[index].plan.as_ref()?;
    let mut entries = Vec::with_capacity(names.len());
    for name in names {
        // Only a kept lease is answered from here: a declared service without a lease is in
        // the plan too, and asking for it must lease it.
        let entry = plan
            .entries
            .iter()
            .find(|e| e.name == *name && matches!(e.reason, crate::plan::Reason::Kept { .. }))?;
        entries.push(entry.clone());
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries.dedup_by(|a, b| a.name == b.name);
    Some(Plan {
        entries,
        ..plan.clone_without_entries()
    })
}

/// The names this checkout holds a lease for (in its namespace), sorted.
fn leased_here<'r>(registry: &'r Registry, project: &Project) -> Vec<&'r str> {
    registry
        .leases()
        .filter(|lease| {
            lease.namespace == project.base.namespace
                && lease.root.as_deref() == Some(&project.root)
        })
        .map(|lease| lease.name.as_str())
        .collect()
}

/// The plan that leases every name this checkout holds a lease for, when it keeps them all
/// and writes nothing.
fn every_leased(
    registry: &Registry,
    project: &Project,
    leased: &[&str],
    busy: &[u16],
    now: u64,
) -> Option<Plan> {
    let mut config = project.base.clone();
    let leased: Vec<String> = leased.iter().map(|name| (*name).to_owned()).collect();
    if leased.is_empty() {
        return None;
    }
    for name in &leased {
        config
            .services
            .entry(name.as_str().into())
            .or_insert(Service::Free);
    }
    let roots = Default::default();
    let allocated = leases::allocate(
        &config,
        registry,
        &leases::Request {
            root: &project.root,
            busy,
            now,
            lease: Some(&leased),
            existing_roots: &roots,
        },
    )
    .ok()?;
    let all_kept = allocated.plan.entries.iter().all(|entry| {
        !leased.iter().any(|name| *name == entry.name)
            || matches!(entry.reason, crate::plan::Reason::Kept { .. })
    });
    (allocated.registry.is_none() && all_kept).then_some(allocated.plan)
}
