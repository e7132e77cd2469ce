//! The plan as answered (SPEC §6): every service that gets a port, with its port and the
//! reason it got it. A [`Plan`] is also the engines' JSON answer, field for field; the
//! `*Ref` forms name services by reference to the config (what the layouts give).

use crate::plan::config::{Excluded, HashKind, Layout, Name, PortRange};
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
    /// This plan's config keys, without its entries (a plan of some of them is built on it).
    pub fn clone_without_entries(&self) -> Plan {
        Plan {
            exclude: self.exclude.clone(),
            hash: self.hash,
            layout: self.layout,
            namespace: self.namespace.clone(),
            entries: Vec::new(),
            range: self.range,
        }
    }

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
pub(crate) trait MakeEntry<'a> {
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
/// Borrowed from the registry: a plan against 50,000 leases copies none of their strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseHolder<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub root: Option<&'a str>,
}

/// What the host and the registry know beyond the config.
#[derive(Debug, Clone, Default)]
pub struct Held<'a> {
    /// Ports found taken on the host.
    pub busy: Vec<u16>,
    /// Ports leased to others: every lease but this config's own.
    pub leases: BTreeMap<u16, LeaseHolder<'a>>,
    /// This config's own valid leases: service → (port, lease created).
    /// (Hashed: a lookup per service in a sorted map of 10,000 names cost more than the plan.)
    pub kept: HashMap<Name, (u16, u64)>,
}

impl Held<'_> {
    /// Only `busy` ports: no registry.
    pub fn busy(busy: &[u16]) -> Self {
        Held {
            busy: busy.to_vec(),
            ..Held::default()
        }
    }
}
