//! The plan (SPEC §6): every service with its port and the reason it got it.

use crate::prelude::*;

use crate::config::{Config, HashKind, Service};
use crate::error::{ErrorKind, PlanError, Result};
use crate::layout;
use crate::taken::PortSet;
use crate::json::{self, ObjectWriter, Value, object};
use alloc::collections::BTreeMap;

/// What held a displaced service's home port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// Given to another service of this plan (one that sorts earlier, or a kept lease).
    Service(String),
    /// Pinned by a service of this plan.
    Pinned(String),
    /// A lease of another service in the registry.
    Lease { namespace: String, name: String },
    Busy,
    Excluded,
    /// The home is not a port of the range (only Lagom's `i32::MIN` hash gives this).
    OutOfRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Pinned,
    Home { home: u16 },
    Displaced { home: i64, by: Holder },
    Sequential,
    Block { base: u16, offset: u16 },
    Kept { since: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub port: u16,
    pub reason: Reason,
}

/// A plan: entries sorted by the UTF-8 bytes of their names. `config` is the plan's
/// config without its services (they are the entries).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub entries: Vec<Entry>,
    pub config: Config,
}

/// Who was given which port so far. Membership, tested at every step, is a bitset of all
/// ports (8 KiB, stays in cache); the owners, read only to name a displaced service's
/// holder, are indexes into `names` (4 bytes per port of the range).
pub struct Given<'a> {
    min: u16,
    ports: PortSet,
    owner_of: Vec<u32>,
    names: Vec<&'a str>,
    /// Ports below the range (only Lagom's `i32::MIN` home gives one).
    outside: Vec<(u16, &'a str)>,
}

impl<'a> Given<'a> {
    pub fn new(config: &Config) -> Self {
        Given { min: config.range.0, ports: PortSet::default(), owner_of: vec![u32::MAX; config.range_len() as usize], names: Vec::new(), outside: Vec::new() }
    }

    fn slot(&self, port: u16) -> Option<usize> {
        port.checked_sub(self.min).map(usize::from).filter(|&i| i < self.owner_of.len())
    }

    pub fn contains(&self, port: u16) -> bool {
        self.ports.contains(port)
    }

    pub fn get(&self, port: u16) -> Option<&'a str> {
        if !self.contains(port) {
            return None;
        }
        match self.slot(port) {
            Some(i) => Some(self.names[self.owner_of[i] as usize]),
            None => self.outside.iter().find(|(p, _)| *p == port).map(|&(_, name)| name),
        }
    }

    pub fn insert(&mut self, port: u16, name: &'a str) {
        self.ports.insert(port);
        match self.slot(port) {
            Some(i) => {
                self.owner_of[i] = self.names.len() as u32;
                self.names.push(name);
            }
            None => self.outside.push((port, name)),
        }
    }
}

/// What the host and the registry know beyond the config.
#[derive(Debug, Clone, Default)]
pub struct Held {
    /// Ports found taken on the host.
    pub busy: Vec<u16>,
    /// Ports leased to other (namespace, name) pairs.
    pub leases: BTreeMap<u16, (String, String)>,
    /// This config's own valid leases: service → (port, lease created).
    pub kept: BTreeMap<String, (u16, u64)>,
}

/// The taken set T of SPEC §3 with what is behind each port, for the reasons.
pub struct Taken<'a> {
    pub set: PortSet,
    pinned: BTreeMap<u16, &'a str>,
    leases: &'a BTreeMap<u16, (String, String)>,
    busy: PortSet,
    config: &'a Config,
}

impl Taken<'_> {
    /// Why `port` is unavailable, `given` being the owners of ports handed out so far.
    pub fn holder(&self, port: i64, given: &Given) -> Holder {
        let Ok(port) = u16::try_from(port) else { return Holder::OutOfRange };
        if port == 0 {
            return Holder::OutOfRange;
        }
        if let Some(name) = self.pinned.get(&port) {
            return Holder::Pinned((*name).to_owned());
        }
        if let Some(name) = given.get(port) {
            return Holder::Service(name.to_owned());
        }
        if let Some((namespace, name)) = self.leases.get(&port) {
            return Holder::Lease { namespace: namespace.clone(), name: name.clone() };
        }
        if self.busy.contains(port) {
            return Holder::Busy;
        }
        if self.config.is_excluded(port) {
            return Holder::Excluded;
        }
        Holder::OutOfRange
    }
}

/// Plans `config` with the ports in `busy` taken on the host (SPEC §3–§5).
pub fn plan(config: &Config, busy: &[u16]) -> Result<Plan> {
    plan_with(config, &Held { busy: busy.to_vec(), ..Held::default() })
}

/// Plans with registry knowledge: other leases are taken, `kept` services keep their port.
pub fn plan_with(config: &Config, held: &Held) -> Result<Plan> {
    let pinned = check_pins(config, held)?;
    let mut busy = PortSet::default();
    held.busy.iter().for_each(|&p| busy.insert(p));
    let mut set = busy.clone();
    for &(a, b) in &config.exclude {
        (a..=b).for_each(|p| set.insert(p));
    }
    pinned.keys().for_each(|&p| set.insert(p));
    held.leases.keys().for_each(|&p| set.insert(p));

    // One slot per service in name order, so the plan comes out sorted without a sort.
    let names: Vec<&str> = config.services.keys().map(String::as_str).collect();
    let mut slots: Vec<Option<Entry>> = vec![None; names.len()];
    let mut given = Given::new(config);
    let mut free: Vec<(usize, &str)> = Vec::with_capacity(names.len());
    for (slot, (name, service)) in config.services.iter().enumerate() {
        let entry = match (service, held.kept.get(name)) {
            (Service::Pinned(port), _) => Entry { name: name.clone(), port: *port, reason: Reason::Pinned },
            (Service::Free, Some(&(port, since))) => {
                set.insert(port);
                given.insert(port, name);
                Entry { name: name.clone(), port, reason: Reason::Kept { since } }
            }
            (Service::Free, None) => {
                free.push((slot, name));
                continue;
            }
        };
        slots[slot] = Some(entry);
    }
    if config.hash == HashKind::Lagom {
        // Lagom sorts as Java does: by UTF-16 code units. Names are distinct, so an unstable
        // sort gives the same order.
        heap_sort(&mut free, |a, b| a.1.encode_utf16().lt(b.1.encode_utf16()));
    }
    let free_names: Vec<&str> = free.iter().map(|&(_, name)| name).collect();
    let taken = Taken { set, pinned, leases: &held.leases, busy, config };
    for (index, port, reason) in layout::assign(config, &free_names, &taken, given)? {
        slots[free[index].0] = Some(Entry { name: names[free[index].0].to_owned(), port, reason });
    }
    let entries = slots.into_iter().map(|slot| slot.expect("every service is planned")).collect();
    let summary = Config { services: BTreeMap::new(), exclude: config.exclude.clone(), namespace: config.namespace.clone(), ..*config };
    Ok(Plan { entries, config: summary })
}

/// Sorts `items` by `less`, in place and in O(n log n) for any input: a heapsort, a few
/// hundred bytes of wasm where the standard library's sorts are 3 KB or more.
fn heap_sort<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let sift_down = |items: &mut [T], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(&items[child], &items[child + 1]) {
            child += 1;
        }
        if !less(&items[root], &items[child]) {
            break;
        }
        items.swap(root, child);
        root = child;
    };
    for start in (0..items.len() / 2).rev() {
        sift_down(items, start, items.len());
    }
    for end in (1..items.len()).rev() {
        items.swap(0, end);
        sift_down(items, 0, end);
    }
}

/// Duplicate pins and pins on busy ports or other leases are errors (SPEC §2).
fn check_pins<'a>(config: &'a Config, held: &Held) -> Result<BTreeMap<u16, &'a str>> {
    let mut by_port: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for (name, service) in &config.services {
        if let Service::Pinned(port) = service {
            by_port.entry(*port).or_default().push(name);
        }
    }
    if let Some((port, names)) = by_port.iter().find(|(_, names)| names.len() > 1) {
        let list = names.iter().map(|n| format!("`{}`", crate::config::quote_key(n))).collect::<Vec<_>>().join(", ");
        return Err(PlanError::new(ErrorKind::DuplicatePin, format!("services {list} all pin port {port}; give each its own port"))
            .with("port", *port)
            .with("services", names.clone()));
    }
    for (&port, names) in &by_port {
        let name = names[0];
        let holder = if held.busy.contains(&port) {
            Some("it is in use on this host".to_owned())
        } else {
            held.leases
                .get(&port)
                .map(|(namespace, other)| format!("it is leased to `{}` of namespace `{}` in the registry", quote(other), quote(namespace)))
        };
        if let Some(holder) = holder {
            return Err(PlanError::new(ErrorKind::PinBusy, format!("service `{}` is pinned to port {port}, but {holder}", quote(name)))
                .with("service", name)
                .with("port", port));
        }
    }
    let mut pinned = BTreeMap::new();
    for (port, names) in by_port {
        pinned.insert(port, names[0]);
    }
    Ok(pinned)
}

fn quote(name: &str) -> String {
    crate::config::quote_key(name)
}

impl Plan {
    pub fn port(&self, name: &str) -> Option<u16> {
        self.entries.iter().find(|e| e.name == name).map(|e| e.port)
    }

    /// The engines' JSON form (docs/core-api.md), written straight to text (no `Value`
    /// tree: a plan of 60,000 services is 5.5 MB of JSON). Keys in sorted order.
    pub fn to_json(&self) -> String {
        let config = &self.config;
        let mut out = String::with_capacity(128 + self.entries.len() * 72);
        let mut answer = ObjectWriter::new(&mut out);
        answer.key("exclude").push_str(&crate::config::exclude_value(&config.exclude).to_string());
        answer.string("hash", config.hash.as_str());
        answer.string("layout", config.layout.as_str());
        answer.string("namespace", &config.namespace);
        let text = answer.key("plan");
        text.push('[');
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            entry.write(text);
        }
        text.push(']');
        let range = answer.key("range");
        range.push('[');
        json::write_u64(range, config.range.0.into());
        range.push(',');
        json::write_u64(range, config.range.1.into());
        range.push(']');
        answer.end();
        out
    }

    /// The JSON form as a value (read back from `to_json`, so the two cannot differ).
    pub fn to_value(&self) -> Value {
        json::parse(&self.to_json()).unwrap_or(Value::Null)
    }

    /// A plan from its JSON form, for rendering; None when the shape is not a plan's.
    /// Only the config keys the answer carries (range, layout, hash, namespace) are set.
    pub fn from_value(value: &Value) -> Option<Plan> {
        let mut config = Config::from_value(&object([
            ("range", value.get("range")?.clone()),
            ("layout", value.get("layout")?.clone()),
            ("hash", value.get("hash").cloned().unwrap_or("sha256".into())),
        ]))
        .ok()?;
        config.namespace = value.get("namespace")?.as_str()?.to_owned();
        let entries = value
            .get("plan")?
            .as_array()?
            .iter()
            .map(|e| {
                Some(Entry {
                    name: e.get("name")?.as_str()?.to_owned(),
                    port: u16::try_from(e.get("port")?.as_u64()?).ok()?,
                    reason: Reason::from_value(e.get("reason")?)?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Plan { entries, config })
    }
}

impl Reason {
    fn from_value(value: &Value) -> Option<Reason> {
        let number = |key: &str| value.get(key).and_then(Value::as_u64);
        let port = |key: &str| number(key).and_then(|n| u16::try_from(n).ok());
        let name = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(match value.get("kind")?.as_str()? {
            "pinned" => Reason::Pinned,
            "home" => Reason::Home { home: port("home")? },
            "sequential" => Reason::Sequential,
            "block" => Reason::Block { base: port("base")?, offset: port("offset")? },
            "kept" => Reason::Kept { since: number("since")? },
            "displaced" => Reason::Displaced {
                home: value.get("home")?.as_i64()?,
                by: match value.get("by")?.as_str()? {
                    "service" => Holder::Service(name("service")?),
                    "pinned" => Holder::Pinned(name("service")?),
                    "lease" => Holder::Lease { namespace: name("namespace")?, name: name("service")? },
                    "busy" => Holder::Busy,
                    "excluded" => Holder::Excluded,
                    _ => Holder::OutOfRange,
                },
            },
            _ => return None,
        })
    }

}

impl Entry {
    fn write(&self, out: &mut String) {
        let mut entry = ObjectWriter::new(out);
        entry.string("name", &self.name);
        entry.number("port", self.port.into());
        self.reason.write(entry.key("reason"));
        entry.end();
    }
}

impl Reason {
    /// `{"kind", ...}` with the reason's own fields, keys in sorted order.
    fn write(&self, out: &mut String) {
        let mut reason = ObjectWriter::new(out);
        match self {
            Reason::Pinned => reason.string("kind", "pinned"),
            Reason::Home { home } => {
                reason.number("home", (*home).into());
                reason.string("kind", "home");
            }
            Reason::Sequential => reason.string("kind", "sequential"),
            Reason::Block { base, offset } => {
                reason.number("base", (*base).into());
                reason.string("kind", "block");
                reason.number("offset", (*offset).into());
            }
            Reason::Kept { since } => {
                reason.string("kind", "kept");
                reason.number("since", *since);
            }
            Reason::Displaced { home, by } => {
                let (by_word, namespace, service) = match by {
                    Holder::Service(name) => ("service", None, Some(name)),
                    Holder::Pinned(name) => ("pinned", None, Some(name)),
                    Holder::Lease { namespace, name } => ("lease", Some(namespace), Some(name)),
                    Holder::Busy => ("busy", None, None),
                    Holder::Excluded => ("excluded", None, None),
                    Holder::OutOfRange => ("range", None, None),
                };
                reason.string("by", by_word);
                // Negative only for Lagom's `i32::MIN` home below a range starting near 1.
                reason.key("home").push_str(&Value::from(*home).to_string());
                reason.string("kind", "displaced");
                if let Some(namespace) = namespace {
                    reason.string("namespace", namespace);
                }
                if let Some(service) = service {
                    reason.string("service", service);
                }
            }
        }
        reason.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn heap_sort_sorts_as_the_standard_sort(mut items in prop::collection::vec(any::<u16>(), 0..300)) {
            let mut expected = items.clone();
            expected.sort_unstable();
            heap_sort(&mut items, |a, b| a < b);
            prop_assert_eq!(items, expected);
        }
    }
}
