//! Allocation against the registry (SPEC §7): which lease is a service's own, which are
//! kept, which ports other leases hold, and what a call records. Pure: the host reads the
//! registry, stats roots, probes and writes.

use crate::error::Result;
use crate::plan::config::{Config, Service};
use crate::plan::{Held, LeaseHolder, Plan, Reason, plan_with};
use crate::registry::file::REGISTRY_VERSION;
use crate::registry::{Lease, Registry};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// `used` is refreshed at most this often, so asking again for a leased name writes nothing.
pub const USED_REFRESH_SECONDS: u64 = 3600;

/// What a call knows besides the config and the registry.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The project root (absolute): part of every lease this call makes.
    pub root: &'a str,
    /// Ports taken on the host (pins among them are ignored).
    pub busy: &'a [u16],
    /// Unix seconds.
    pub now: u64,
    /// The names handed out and recorded: None for every service of the plan, empty for a
    /// read-only question.
    pub lease: Option<&'a [String]>,
    /// Whether each root of the registry still exists (roots not listed are kept).
    pub existing_roots: &'a BTreeMap<String, bool>,
}

/// The plan, and the registry to write (None when nothing is to be written).
#[derive(Debug)]
pub struct Allocated {
    pub plan: Plan,
    pub registry: Option<Registry>,
}

impl Request<'_> {
    fn read_only(&self) -> bool {
        self.lease.is_some_and(<[String]>::is_empty)
    }

    fn hands_out(&self, name: &str) -> bool {
        self.lease
            .is_none_or(|names| names.iter().any(|n| n == name))
    }
}

/// A service's own lease, as far as this call needs it: the lease of this root, else a
/// version 1 lease of the name (which this root adopts).
#[derive(Debug, Clone, Copy)]
struct OwnLease {
    port: u16,
    created: u64,
    used: u64,
    /// A version 1 lease (root null) this root would adopt.
    unadopted: bool,
}

/// The own lease of every name of `namespace` that has one, found in one pass over the
/// registry (a lookup per service in the whole registry cost more than the plan).
fn own_leases<'r>(
    registry: &'r Registry,
    namespace: &str,
    root: &str,
) -> HashMap<&'r str, OwnLease> {
    let mut own: HashMap<&str, OwnLease> = HashMap::new();
    for lease in registry.leases().filter(|l| l.namespace == namespace) {
        let unadopted = match lease.root.as_deref() {
            None => true,
            Some(r) if r == root => false,
            Some(_) => continue,
        };
        let found = OwnLease {
            port: lease.port,
            created: lease.created,
            used: lease.used,
            unadopted,
        };
        // This root's own lease wins over a version 1 one of the same name.
        own.entry(lease.name.as_str())
            .and_modify(|known| {
                if known.unadopted && !unadopted {
                    *known = found;
                }
            })
            .or_insert(found);
    }
    own
}

/// Whether a free service may keep its lease on `port`: in range, not excluded, not refused
/// by browsers when `browser_safe`, not pinned by a service.
fn still_fits(config: &Config, pinned: &BTreeSet<u16>, port: u16) -> bool {
    config.in_range(i64::from(port))
        && !config.is_excluded(port)
        && !config.is_unsafe(port)
        && !pinned.contains(&port)
}

fn pinned_ports(config: &Config) -> BTreeSet<u16> {
    config
        .services
        .values()
        .filter_map(|service| match service {
            Service::Pinned(port) => Some(*port),
            _ => None,
        })
        .collect()
}

/// Plans `config` against `registry` and records the names handed out (docs/core-api.md,
/// `allocate_json`).
pub fn allocate(config: &Config, registry: &Registry, request: &Request) -> Result<Allocated> {
    let namespace = config.namespace.as_str();
    // What every write drops is left out of the plan too (copied only when there is some).
    let pruned = registry.pruned(request.now, request.existing_roots);
    let live = pruned.as_ref().unwrap_or(registry);
    let pinned = pinned_ports(config);
    let own = own_leases(live, namespace, request.root);

    // A read-only question also shows the names this project holds leases for, so `why`
    // explains what `get` gave even for a name the config does not list.
    let mut shown = None;
    if request.read_only() {
        let mut with_leased = config.clone();
        for (name, lease) in &own {
            if !config.services.contains_key(*name) && still_fits(config, &pinned, lease.port) {
                with_leased.services.insert((*name).into(), Service::Free);
            }
        }
        shown = Some(with_leased);
    }
    let config = shown.as_ref().unwrap_or(config);

    // Each free service's own lease: kept while it fits; it never counts as another's.
    let mut held = Held {
        busy: request
            .busy
            .iter()
            .copied()
            .filter(|port| !pinned.contains(port))
            .collect(),
        ..Held::default()
    };
    let mut owned_ports = HashSet::new();
    for (name, service) in &config.services {
        if *service != Service::Free {
            continue;
        }
        let Some(lease) = own.get(name.as_str()) else {
            continue;
        };
        if still_fits(config, &pinned, lease.port) {
            held.kept.insert(name.clone(), (lease.port, lease.created));
        }
        owned_ports.insert(lease.port);
    }
    // Ports are unique in a registry: sorted by port (unstably: no two are equal), the map is
    // built in one pass.
    let mut others: Vec<(u16, LeaseHolder)> = live
        .leases()
        .filter(|lease| !owned_ports.contains(&lease.port))
        .map(|lease| {
            let holder = LeaseHolder {
                namespace: &lease.namespace,
                name: &lease.name,
                root: lease.root.as_deref().filter(|root| *root != request.root),
            };
            (lease.port, holder)
        })
        .collect();
    others.sort_unstable_by_key(|(port, _)| *port);
    held.leases = others.into_iter().collect();
    let plan = plan_with(config, &held)?;
    if request.read_only() {
        return Ok(Allocated {
            plan,
            registry: None,
        });
    }

    // What is written: the names handed out whose lease changes, each replacing its own
    // lease (found by its port: ports are unique). A kept lease used within the hour is
    // left as it is, so asking again writes nothing.
    let mut freed = HashSet::new();
    let mut added = Vec::new();
    for entry in plan.entries.iter().filter(|e| request.hands_out(&e.name)) {
        let previous = own.get(entry.name.as_str()).copied();
        let pinned = entry.reason == Reason::Pinned;
        let same_port = previous.filter(|lease| lease.port == entry.port && !pinned);
        let fresh_enough =
            |lease: &OwnLease| request.now < lease.used.saturating_add(USED_REFRESH_SECONDS);
        if same_port.is_some_and(|lease| !lease.unadopted && fresh_enough(&lease)) {
            continue;
        }
        if let Some(previous) = previous {
            freed.insert(previous.port);
        }
        if pinned {
            continue; // a pinned service holds no lease
        }
        added.push(Lease {
            namespace: namespace.to_owned(),
            name: entry.name.to_string(),
            root: Some(request.root.to_owned()),
            port: entry.port,
            created: same_port.map_or(request.now, |lease| lease.created),
            used: same_port
                .filter(fresh_enough)
                .map_or(request.now, |lease| lease.used),
        });
    }
    drop(own);
    let unchanged = pruned.is_none() && freed.is_empty() && added.is_empty();
    if unchanged && registry.version() == REGISTRY_VERSION {
        return Ok(Allocated {
            plan,
            registry: None,
        });
    }
    let next = pruned
        .unwrap_or_else(|| registry.clone())
        .changed(&freed, added);
    let registry = next.differs_from(registry).then(|| next.written());
    Ok(Allocated { plan, registry })
}

/// The ports of a plan the host must probe: those of free services handed out fresh.
/// Kept leases are not probed (their own service is most likely the one listening), nor
/// pins (the user's own statement, SPEC §7).
pub fn ports_to_probe(plan: &Plan) -> Vec<u16> {
    plan.entries
        .iter()
        .filter(|e| !matches!(e.reason, Reason::Kept { .. } | Reason::Pinned))
        .map(|e| e.port)
        .collect()
}
