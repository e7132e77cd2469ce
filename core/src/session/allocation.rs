//! Ports from the registry (SPEC §7 "Allocation with probes", §9): plan against the leases,
//! probe what is handed out fresh, plan again until a round finds nothing new; write what
//! changed, under the lock.
//!
//! The order of a writing call, decided here for every host:
//! 1. the registry as it is, without the lock: when every name asked for is a lease kept
//!    as it is, nothing is written and nothing is probed (asking again for a leased name);
//! 2. otherwise the probes, still without the lock, against that registry;
//! 3. then the lock: the registry read again, the roots of its leases looked at, the plan
//!    made again with what the probes found (unless the registry, the busy ports, the second
//!    and the gone roots are those it was made from), and only ports not probed yet probed;
//! 4. the caller's last checks (a bind, the variables of `env`) before anything is written;
//! 5. the write, and the lock released.

use super::host::Host;
use super::project::Project;
use super::remembered;
use super::store::{Held, Store, existing_roots};
use crate::commands::render;
use crate::error::Result;
use crate::plan::{Plan, Reason};
use crate::registry::Registry;
use crate::registry::leases::{self, ports_to_probe};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What a call asks for.
#[derive(Debug, Clone)]
pub struct Ask {
    /// Names handed out and leased: None for every service of the plan.
    pub lease: Option<Vec<String>>,
    /// Ports to count as taken besides the probes' findings.
    pub busy: Vec<u16>,
    pub probe: bool,
    /// The `env` and `run` commands: colliding variable names fail before any write.
    pub env: bool,
    /// Take the lock even when nothing is to be written (`env --write`: its file is
    /// written under it).
    pub always_lock: bool,
}

/// Probes made so far in a call, so that no port is probed twice.
#[derive(Debug, Default)]
struct Probed {
    free: BTreeMap<u16, bool>,
}

impl Probed {
    /// Probes the ports of `plan` not probed yet; the busy ones found so far.
    async fn round(&mut self, host: &Host, plan: &Plan) -> Result<Vec<u16>> {
        let new: Vec<u16> = ports_to_probe(plan)
            .into_iter()
            .filter(|port| !self.free.contains_key(port))
            .collect::<BTreeSet<u16>>()
            .into_iter()
            .collect();
        // SPEC v3 §9: a port whose only sockets are connections in TIME_WAIT is free (every
        // common server binds it with SO_REUSEADDR): probed as a server binds.
        let found = host.probe(&new, true).await?;
        for (port, free) in new.iter().zip(found) {
            self.free.insert(*port, free);
        }
        Ok(self.busy())
    }

    fn busy(&self) -> Vec<u16> {
        self.free
            .iter()
            .filter(|(_, free)| !**free)
            .map(|(port, _)| *port)
            .collect()
    }
}

/// One allocation in progress: its plan, and (for a writing call that changes the registry)
/// the lock and the text to write.
pub struct Allocation {
    pub plan: Plan,
    pub project: Project,
    held: Option<Held>,
    write: Option<String>,
    store: Store,
    busy: Vec<u16>,
    probed: Probed,
    registry: Arc<Registry>,
    roots: BTreeMap<String, bool>,
    ask: Ask,
    made: Option<Made>,
}

/// The last plan made, and what it was made from. Under the lock the registry is most often
/// the one read before it (the same text: the same parsed registry); with the same busy
/// ports, second and gone roots the plan is the same, and is not made again (a pass over
/// every lease, with the lock held).
struct Made {
    registry: Arc<Registry>,
    busy: Vec<u16>,
    now: u64,
    gone: Vec<String>,
    allocated: leases::Allocated,
}

/// The roots found gone: all a plan takes from the roots looked at (a root not looked at
/// and one found there both keep their leases).
fn gone(roots: &BTreeMap<String, bool>) -> Vec<String> {
    roots
        .iter()
        .filter(|(_, there)| !**there)
        .map(|(root, _)| root.clone())
        .collect()
}

fn plan_of(
    project: &Project,
    registry: &Registry,
    ask: &Ask,
    lease: Option<&[String]>,
    busy: &[u16],
    now: u64,
    roots: &BTreeMap<String, bool>,
) -> Result<leases::Allocated> {
    let allocated = leases::allocate(
        &project.config,
        registry,
        &leases::Request {
            root: &project.root,
            busy,
            now,
            lease,
            existing_roots: roots,
        },
    )?;
    if ask.env {
        // Colliding variable names fail here, before anything is written.
        render::env(&allocated.plan)?;
    }
    Ok(allocated)
}

impl Allocation {
    fn busy_with_probes(&self) -> Vec<u16> {
        let mut busy = self.ask.busy.clone();
        busy.extend(&self.busy);
        busy.extend(self.probed.busy());
        busy
    }

    /// The plan against the registry held, with `busy` taken: made, or the last one (taken
    /// from `made`) when it was made from the same.
    fn make(&mut self, busy: Vec<u16>, now: u64) -> Result<Made> {
        let gone = gone(&self.roots);
        if let Some(made) = self.made.take()
            && Arc::ptr_eq(&made.registry, &self.registry)
            && made.busy == busy
            && made.now == now
            && made.gone == gone
        {
            return Ok(made);
        }
        let allocated = plan_of(
            &self.project,
            &self.registry,
            &self.ask,
            self.ask.lease.as_deref(),
            &busy,
            now,
            &self.roots,
        )?;
        Ok(Made {
            registry: Arc::clone(&self.registry),
            busy,
            now,
            gone,
            allocated,
        })
    }

    /// Plans (and probes, until a round finds nothing new) against the registry held. The
    /// caller keeps the answer in `made` when the same plan may be asked for again.
    async fn settle(&mut self, host: &Host, now: u64) -> Result<Made> {
        loop {
            let made = self.make(self.busy_with_probes(), now)?;
            if !self.ask.probe {
                return Ok(made);
            }
            let before = self.probed.busy().len();
            self.probed.round(host, &made.allocated.plan).await?;
            if self.probed.busy().len() == before {
                return Ok(made);
            }
        }
    }

    /// Plans again with `port` taken (a fresh port someone took between its probe and the
    /// caller's bind), under the lock.
    pub async fn retake(&mut self, host: &Host, port: u16) -> Result<()> {
        self.busy.push(port);
        if self.held.is_none() {
            self.lock(host).await?;
        }
        let now = self.held.map_or(0, |held| held.now);
        let allocated = self.settle(host, now).await?.allocated;
        self.plan = allocated.plan;
        self.write = allocated.registry.map(|r| r.to_text());
        Ok(())
    }

    async fn lock(&mut self, host: &Host) -> Result<()> {
        let held = self.store.lock(host).await?;
        self.held = Some(held);
        let read = async {
            let text = self.store.read(host).await?;
            let registry =
                remembered::registry(text.as_ref()).map_err(|error| self.store.at_file(error))?;
            Ok::<_, crate::error::PlanError>(registry)
        }
        .await;
        match read {
            Ok(registry) => {
                // Roots not looked at yet (the registry may have changed since).
                let unknown: Vec<String> = registry
                    .roots()
                    .into_iter()
                    .filter(|root| !self.roots.contains_key(root))
                    .collect();
                let found = existing_roots(host, unknown).await;
                match found {
                    Ok(found) => self.roots.extend(found),
                    Err(error) => {
                        self.abort(host).await;
                        return Err(error);
                    }
                }
                self.registry = registry;
                Ok(())
            }
            Err(error) => {
                self.abort(host).await;
                Err(error)
            }
        }
    }

    /// `plan` against `registry`, no lock held, no root looked at yet.
    fn unlocked(
        plan: Plan,
        project: Project,
        store: Store,
        registry: Arc<Registry>,
        ask: Ask,
    ) -> Allocation {
        Allocation {
            plan,
            project,
            held: None,
            write: None,
            store,
            busy: Vec::new(),
            probed: Probed::default(),
            registry,
            roots: BTreeMap::new(),
            ask,
            made: None,
        }
    }

    /// Hands out `ask.lease` of `project`: the plan, with the lock held when there is
    /// something to write (then the caller must `commit` or `abort`).
    pub async fn begin(host: &Host, project: Project, ask: Ask) -> Result<Allocation> {
        let store = Store::locate(host)?;
        let text = store.read(host).await?;
        let registry = remembered::registry(text.as_ref()).map_err(|error| store.at_file(error))?;
        let clock = crate::registry::clock::now_seconds(host.clock().await?, 0.0);
        // 1. Asked again for names leased already: nothing to write, nothing to probe.
        let remembered = match &ask.lease {
            Some(names) if text.is_some() && !ask.env && !ask.always_lock => {
                remembered::kept(&registry, &project, &ask.busy, clock, names)
            }
            _ => None,
        };
        if let Some(plan) = remembered {
            return Ok(Allocation::unlocked(plan, project, store, registry, ask));
        }
        let first = plan_of(
            &project,
            &registry,
            &ask,
            ask.lease.as_deref(),
            &ask.busy,
            clock,
            &BTreeMap::new(),
        )?;
        let unchanged = text.is_some()
            && first.registry.is_none()
            && every_asked_kept(&first.plan, &ask)
            && !ask.always_lock;
        if unchanged {
            return Ok(Allocation::unlocked(
                first.plan, project, store, registry, ask,
            ));
        }
        let plan = first.plan.clone();
        let made = Made {
            registry: Arc::clone(&registry),
            busy: ask.busy.clone(),
            now: clock,
            gone: Vec::new(),
            allocated: first,
        };
        let mut allocation = Allocation::unlocked(plan, project, store, registry, ask);
        allocation.made = Some(made);
        // 2. The probes, without the lock.
        if allocation.ask.probe {
            let roots = allocation.registry.roots();
            allocation.roots = existing_roots(host, roots).await?;
            allocation.made = Some(allocation.settle(host, clock).await?);
        }
        // 3. Under the lock: the registry again, the plan again with what was found (not
        // made again when nothing it is made from changed).
        allocation.lock(host).await?;
        let now = allocation.held.map_or(clock, |held| held.now);
        match allocation
            .settle(host, now)
            .await
            .map(|made| made.allocated)
        {
            Ok(allocated) => {
                allocation.plan = allocated.plan;
                allocation.write = allocated.registry.map(|r| r.to_text());
                Ok(allocation)
            }
            Err(error) => {
                allocation.abort(host).await;
                Err(error)
            }
        }
    }

    /// Writes what changed and releases the lock.
    pub async fn commit(mut self, host: &Host) -> Result<Plan> {
        let written = self.write(host).await;
        let released = self.release(host).await;
        written?;
        released?;
        Ok(self.plan)
    }

    /// Writes what changed, keeping the lock.
    pub async fn write(&mut self, host: &Host) -> Result<()> {
        if self.held.is_some()
            && let Some(text) = self.write.take()
        {
            self.store.write(host, &text).await?;
        }
        Ok(())
    }

    /// Releases the lock, if held.
    pub async fn release(&mut self, host: &Host) -> Result<()> {
        if self.held.take().is_some() {
            self.store.unlock(host).await?;
        }
        Ok(())
    }

    /// Releases the lock without writing (a check failed).
    pub async fn abort(&mut self, host: &Host) {
        if self.held.take().is_some() {
            let _ = self.store.unlock(host).await;
        }
    }

    /// Whether the lock is held (a fresh port: its lease is written at `commit`).
    pub fn holds_lock(&self) -> bool {
        self.held.is_some()
    }
}

/// Whether every name asked for is a kept lease (asking again writes nothing).
fn every_asked_kept(plan: &Plan, ask: &Ask) -> bool {
    let kept =
        |entry: &crate::plan::Entry| matches!(entry.reason, Reason::Kept { .. } | Reason::Pinned);
    match &ask.lease {
        None => plan.entries.iter().all(kept),
        Some(names) => names
            .iter()
            .all(|name| plan.entries.iter().any(|e| e.name == *name && kept(e))),
    }
}

/// The plan against the registry as it is (no lock, no write): what `plan` and `why` show.
pub async fn show(host: &Host, project: &Project, busy: &[u16], probe: bool) -> Result<Plan> {
    let store = Store::locate(host)?;
    let text = store.read(host).await?;
    let registry = remembered::registry(text.as_ref()).map_err(|error| store.at_file(error))?;
    let now = crate::registry::clock::now_seconds(host.clock().await?, 0.0);
    let ask = Ask {
        lease: Some(Vec::new()),
        busy: busy.to_vec(),
        probe,
        env: false,
        always_lock: false,
    };
    let mut probed = Probed::default();
    let roots = BTreeMap::new();
    loop {
        let mut all_busy = busy.to_vec();
        all_busy.extend(probed.busy());
        let allocated = plan_of(project, &registry, &ask, Some(&[]), &all_busy, now, &roots)?;
        if !probe {
            return Ok(allocated.plan);
        }
        let before = probed.busy().len();
        probed.round(host, &allocated.plan).await?;
        if probed.busy().len() == before {
            return Ok(allocated.plan);
        }
    }
}
