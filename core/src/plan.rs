//! The plan (SPEC §6): every service that gets a port, with its port and the reason it got
//! it. A [`Plan`] is also the engines' JSON answer, field for field.

use crate::config::{Config, Excluded, HashKind, Layout, Name, PortRange, Service, quote_key};
use crate::error::{ErrorKind, PlanError, Result};
use crate::layout;
use crate::taken::{Given, Taken};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What held a displaced service's home port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Holder {
    /// Given to another service of this plan (one that sorts earlier, or a kept lease).
    Service { service: Name },
    /// Pinned by a service of this plan.
    Pinned { service: Name },
    /// A lease of another service in the registry; `root` when it is another checkout's
    /// (a lease of another project root).
    Lease {
        namespace: Name,
        service: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        root: Option<String>,
    },
    /// In use on the host.
    Busy,
    /// Excluded by the config.
    Excluded,
    /// A port browsers refuse (SPEC §3, `browser_safe`).
    Unsafe,
    /// The home is not a port of the range (only Lagom's `i32::MIN` hash gives this).
    Range,
}

/// Why a service has its port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The config pins it.
    Pinned,
    /// Its home port (SPEC §4), free.
    Home {
        home: u16,
    },
    /// Its home was taken: `home` (negative only for Lagom's `i32::MIN` home below a range
    /// that starts near 1), and what held it.
    Displaced {
        home: i64,
        #[serde(flatten)]
        by: Holder,
    },
    Sequential,
    /// The block layout: the block's first port, and the service's place in it.
    Block {
        base: u16,
        offset: u16,
    },
    /// The service's own registry lease, held since `since` (Unix seconds).
    Kept {
        since: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    pub name: Name,
    pub port: u16,
    pub reason: Reason,
}

/// A plan, as every engine answers it: the entries sorted by the UTF-8 bytes of their names,
/// and the config keys a reader of the plan needs (the rest is in the entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "PlanAnswer")]
pub struct Plan {
    /// The config's excluded ports, defaults applied (a viewer draws them).
    #[serde(default)]
    pub exclude: Vec<Excluded>,
    #[serde(default)]
    pub hash: HashKind,
    pub layout: Layout,
    pub namespace: String,
    #[serde(rename = "plan")]
    pub entries: Vec<Entry>,
    pub range: PortRange,
}

impl Plan {
    pub fn port(&self, name: &str) -> Option<u16> {
        self.entries.iter().find(|e| e.name == name).map(|e| e.port)
    }
}

/// A [`Holder`] naming services by reference to the config and the registry: what the
/// layouts give, written as JSON exactly as the [`Holder`] it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum HolderRef<'a> {
    Service {
        service: &'a str,
    },
    Pinned {
        service: &'a str,
    },
    Lease {
        namespace: &'a str,
        service: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        root: Option<&'a str>,
    },
    Busy,
    Excluded,
    Unsafe,
    Range,
}

/// A [`Reason`] with a [`HolderRef`]: written as JSON exactly as the [`Reason`] it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReasonRef<'a> {
    Pinned,
    Home {
        home: u16,
    },
    Displaced {
        home: i64,
        #[serde(flatten)]
        by: HolderRef<'a>,
    },
    Sequential,
    Block {
        base: u16,
        offset: u16,
    },
    Kept {
        since: u64,
    },
}

/// An [`Entry`] naming its service by reference to the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EntryRef<'a> {
    pub name: &'a str,
    pub port: u16,
    pub reason: ReasonRef<'a>,
}

/// A [`Plan`] borrowing every name from its config and registry: `plan_json` writes it
/// without copying a name (60,000 entries and their holders are 80,000 strings otherwise,
/// each allocated, copied and freed). Written as JSON exactly as the [`Plan`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRef<'a> {
    pub exclude: &'a [Excluded],
    pub hash: HashKind,
    pub layout: Layout,
    pub namespace: &'a str,
    #[serde(rename = "plan")]
    pub entries: Vec<EntryRef<'a>>,
    pub range: PortRange,
}

impl From<HolderRef<'_>> for Holder {
    fn from(holder: HolderRef) -> Self {
        match holder {
            HolderRef::Service { service } => Holder::Service {
                service: service.into(),
            },
            HolderRef::Pinned { service } => Holder::Pinned {
                service: service.into(),
            },
            HolderRef::Lease {
                namespace,
                service,
                root,
            } => Holder::Lease {
                namespace: namespace.into(),
                service: service.into(),
                root: root.map(str::to_owned),
            },
            HolderRef::Busy => Holder::Busy,
            HolderRef::Excluded => Holder::Excluded,
            HolderRef::Unsafe => Holder::Unsafe,
            HolderRef::Range => Holder::Range,
        }
    }
}

impl From<ReasonRef<'_>> for Reason {
    fn from(reason: ReasonRef) -> Self {
        match reason {
            ReasonRef::Pinned => Reason::Pinned,
            ReasonRef::Home { home } => Reason::Home { home },
            ReasonRef::Displaced { home, by } => Reason::Displaced {
                home,
                by: by.into(),
            },
            ReasonRef::Sequential => Reason::Sequential,
            ReasonRef::Block { base, offset } => Reason::Block { base, offset },
            ReasonRef::Kept { since } => Reason::Kept { since },
        }
    }
}

/// What a plan is made of: owned [`Entry`]s or borrowed [`EntryRef`]s, each built in place.
trait MakeEntry<'a> {
    fn make(name: &'a str, port: u16, reason: ReasonRef<'a>) -> Self;
    fn set(&mut self, port: u16, reason: ReasonRef<'a>);
}

impl<'a> MakeEntry<'a> for Entry {
    fn make(name: &'a str, port: u16, reason: ReasonRef<'a>) -> Self {
        Entry {
            name: name.into(),
            port,
            reason: reason.into(),
        }
    }

    fn set(&mut self, port: u16, reason: ReasonRef<'a>) {
        self.port = port;
        self.reason = reason.into();
    }
}

impl<'a> MakeEntry<'a> for EntryRef<'a> {
    fn make(name: &'a str, port: u16, reason: ReasonRef<'a>) -> Self {
        EntryRef { name, port, reason }
    }

    fn set(&mut self, port: u16, reason: ReasonRef<'a>) {
        self.port = port;
        self.reason = reason;
    }
}

/// Who holds a leased port: the lease's namespace and name, and its root when it is
/// another checkout's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub namespace: String,
    pub name: String,
    pub root: Option<String>,
}

/// What the host and the registry know beyond the config.
#[derive(Debug, Clone, Default)]
pub struct Held {
    /// Ports found taken on the host.
    pub busy: Vec<u16>,
    /// Ports leased to others: every lease but this config's own.
    pub leases: BTreeMap<u16, LeaseHolder>,
    /// This config's own valid leases: service → (port, lease created).
    /// (Hashed: a lookup per service in a sorted map of 10,000 names cost more than the plan.)
    pub kept: HashMap<Name, (u16, u64)>,
}

/// Plans `config` with the ports in `busy` taken on the host (SPEC §3–§6).
pub fn plan(config: &Config, busy: &[u16]) -> Result<Plan> {
    plan_with(config, &Held::busy(busy))
}

/// [`plan`], naming every service by reference to `config`.
pub fn plan_ref<'a>(config: &'a Config, held: &'a Held) -> Result<PlanRef<'a>> {
    Ok(PlanRef {
        exclude: &config.exclude,
        hash: config.hash,
        layout: config.layout,
        namespace: &config.namespace,
        entries: entries(config, held)?,
        range: config.range,
    })
}

impl Held {
    /// Only `busy` ports: no registry.
    pub fn busy(busy: &[u16]) -> Held {
        Held {
            busy: busy.to_vec(),
            ..Held::default()
        }
    }
}

/// Plans with registry knowledge: other leases are taken, `kept` services keep their port.
pub fn plan_with(config: &Config, held: &Held) -> Result<Plan> {
    Ok(Plan {
        exclude: config.exclude.clone(),
        hash: config.hash,
        layout: config.layout,
        namespace: config.namespace.clone(),
        entries: entries(config, held)?,
        range: config.range,
    })
}

/// The entries of the plan, sorted by name.
fn entries<'a, E: MakeEntry<'a>>(config: &'a Config, held: &'a Held) -> Result<Vec<E>> {
    let pinned = check_pins(config, held)?;
    let mut taken = Taken::new(config, pinned, &held.busy, &held.leases);
    let mut given = Given::new(config);
    // Entries in name order, so the plan comes out sorted without a sort; a free service's
    // entry is written in place once the layout gives it a port.
    let mut entries: Vec<E> = Vec::with_capacity(config.services.len());
    let mut free_names: Vec<&str> = Vec::new();
    let mut free_entries: Vec<u32> = Vec::new();
    for (name, service) in &config.services {
        let (port, reason) = match (service, held.kept.get(name.as_str())) {
            (Service::Disabled, _) => continue,
            (Service::Pinned(port), _) => (*port, ReasonRef::Pinned),
            (Service::Free, Some(&(port, since))) => {
                taken.set.insert(port);
                given.insert(port, name);
                (port, ReasonRef::Kept { since })
            }
            (Service::Free, None) => {
                free_names.push(name);
                free_entries.push(entries.len() as u32);
                // Overwritten below: the layout gives every free service a port or fails.
                (0, ReasonRef::Sequential)
            }
        };
        entries.push(E::make(name, port, reason));
    }
    if config.hash == HashKind::Lagom {
        // Lagom sorts as Java does: by UTF-16 code units.
        let mut order: Vec<(&str, u32)> = free_names.into_iter().zip(free_entries).collect();
        order.sort_unstable_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        (free_names, free_entries) = order.into_iter().unzip();
    }
    layout::assign(config, &free_names, &taken, given, |index, port, reason| {
        entries[free_entries[index] as usize].set(port, reason);
    })?;
    Ok(entries)
}

/// Duplicate pins and pins on busy ports are errors (SPEC §2). A lease never makes a pin
/// busy (SPEC §7: a pin is the user's own statement); the registry leaves busy pins out.
fn check_pins<'a>(config: &'a Config, held: &Held) -> Result<BTreeMap<u16, &'a str>> {
    let mut by_port: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for (name, service) in &config.services {
        if let Service::Pinned(port) = service {
            by_port.entry(*port).or_default().push(name);
        }
    }
    if let Some((&port, names)) = by_port.iter().find(|(_, names)| names.len() > 1) {
        let list = names
            .iter()
            .map(|n| format!("`{}`", quote_key(n)))
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!("services {list} all pin port {port}; give each its own port");
        return Err(
            PlanError::new(ErrorKind::DuplicatePin, message).with(|data| {
                data.port = Some(port);
                data.services = Some(names.iter().map(|n| (*n).to_owned()).collect());
            }),
        );
    }
    for (&port, names) in &by_port {
        let name = names[0];
        if held.busy.contains(&port) {
            let message = format!(
                "service `{}` is pinned to port {port}, but it is in use on this host",
                quote_key(name)
            );
            return Err(PlanError::new(ErrorKind::PinBusy, message)
                .with(|data| (data.service, data.port) = (Some(name.to_owned()), Some(port))));
        }
    }
    Ok(by_port
        .into_iter()
        .map(|(port, names)| (port, names[0]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_reasons_are_written_as_the_owned_ones() {
        let lease = |root| HolderRef::Lease {
            namespace: "other",
            service: "web",
            root,
        };
        let holders = [
            HolderRef::Service { service: "a\"b" },
            HolderRef::Pinned { service: "db" },
            lease(None),
            lease(Some("/home/me/shop")),
            HolderRef::Busy,
            HolderRef::Excluded,
            HolderRef::Unsafe,
            HolderRef::Range,
        ];
        let reasons = holders
            .into_iter()
            .map(|by| ReasonRef::Displaced { home: -3, by })
            .chain([
                ReasonRef::Pinned,
                ReasonRef::Home { home: 40001 },
                ReasonRef::Sequential,
                ReasonRef::Block {
                    base: 40000,
                    offset: 2,
                },
                ReasonRef::Kept {
                    since: 1_795_392_000,
                },
            ]);
        for reason in reasons {
            let owned = Reason::from(reason);
            assert_eq!(
                serde_json::to_string(&reason).unwrap(),
                serde_json::to_string(&owned).unwrap(),
                "{owned:?}"
            );
        }
    }

    #[test]
    fn a_borrowed_plan_is_written_as_the_owned_one() {
        let config = Config::from_text(
            r#"{"range": [40000, 40011], "exclude": [40003], "services":
                {"a": true, "b": true, "c": true, "d": true, "e": 40001, "f": false,
                 "g": true, "h": true, "i": true}}"#,
        )
        .unwrap();
        let held = Held::busy(&[40002, 40007]);
        let owned = plan_with(&config, &held).unwrap();
        assert!(
            owned
                .entries
                .iter()
                .any(|e| matches!(e.reason, Reason::Displaced { .. })),
            "the case displaces a service"
        );
        assert_eq!(
            serde_json::to_string(&plan_ref(&config, &held).unwrap()).unwrap(),
            serde_json::to_string(&owned).unwrap()
        );
    }

    #[test]
    fn reasons_are_written_as_docs_core_api_shows_them() {
        let displaced = Reason::Displaced {
            home: 40001,
            by: Holder::Lease {
                namespace: "other".into(),
                service: "web".into(),
                root: None,
            },
        };
        let text = serde_json::to_string(&displaced).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"displaced","home":40001,"by":"lease","namespace":"other","service":"web"}"#
        );
        assert_eq!(serde_json::from_str::<Reason>(&text).unwrap(), displaced);
        let unsafe_home = Reason::Displaced {
            home: 6000,
            by: Holder::Unsafe,
        };
        assert_eq!(
            serde_json::to_string(&unsafe_home).unwrap(),
            r#"{"kind":"displaced","home":6000,"by":"unsafe"}"#
        );
        assert_eq!(
            serde_json::to_string(&Reason::Pinned).unwrap(),
            r#"{"kind":"pinned"}"#
        );
    }
}
