//! The registry model (SPEC §7), pure: leases `(namespace, name) → port` and allocation
//! against them. The bindings lock, read the bytes, call this, probe, and write the bytes.

use crate::prelude::*;

use crate::config::{Config, Service, check_name, describe};
use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::{Held, Plan, Reason, plan_with};
use crate::json::{self, Value, object};
use alloc::collections::{BTreeMap, BTreeSet};

pub const REGISTRY_VERSION: u64 = 1;
/// A lease not used for this long is dropped (its service has surely stopped).
pub const LEASE_TTL_SECONDS: u64 = 30 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub namespace: String,
    pub name: String,
    pub port: u16,
    /// Unix seconds: when the lease was made, and when it was last handed out.
    pub created: u64,
    pub used: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    /// Keyed by (namespace, name), so the file lists them sorted.
    leases: BTreeMap<(String, String), Lease>,
}

impl Lease {
    pub fn to_value(&self) -> Value {
        object([
            ("namespace", self.namespace.as_str().into()),
            ("name", self.name.as_str().into()),
            ("port", self.port.into()),
            ("created", self.created.into()),
            ("used", self.used.into()),
        ])
    }

    /// A lease from its JSON form; the error says which field is wrong. Other fields are
    /// ignored (a registry's version guards its shape).
    pub fn from_value(value: &Value) -> core::result::Result<Lease, String> {
        let object = value.as_object().ok_or_else(|| format!("a lease must be an object, not {}", describe(value)))?;
        let field = |key: &str| object.get(key).ok_or_else(|| format!("a lease has no `{key}`"));
        let text = |key: &str| field(key)?.as_str().map(str::to_owned).ok_or_else(|| format!("`{key}` of a lease must be a string"));
        let number = |key: &str| {
            let value = field(key)?;
            value.as_u64().ok_or_else(|| format!("`{key}` of a lease must be a whole number >= 0, not {}", describe(value)))
        };
        let (namespace, name, port) = (text("namespace")?, text("name")?, number("port")?);
        Ok(Lease {
            namespace,
            name,
            port: u16::try_from(port).map_err(|_| format!("`port` of a lease must be at most 65535, not {port}"))?,
            created: number("created")?,
            used: number("used")?,
        })
    }
}

fn corrupt(message: impl Into<String>) -> PlanError {
    PlanError::new(ErrorKind::InvalidRegistry, message)
}

impl Registry {
    /// Parses registry text. Anything malformed is an error: the caller must not write over it.
    pub fn parse(text: &str) -> Result<Registry> {
        if text.trim().is_empty() {
            return Err(corrupt("the registry file is empty (a registry always holds at least {\"version\": 1, \"leases\": []}); delete it to start afresh"));
        }
        let value = json::parse(text).map_err(|e| corrupt(format!("the registry is not valid JSON ({e}); fix or delete it")))?;
        match value.get("version").and_then(Value::as_u64) {
            Some(REGISTRY_VERSION) => {}
            Some(other) => {
                return Err(corrupt(format!(
                    "the registry has version {other}, this portplan reads version {REGISTRY_VERSION}; upgrade portplan"
                ))
                .with("version", other));
            }
            None => return Err(corrupt("the registry has no \"version\" number; fix or delete it")),
        }
        let malformed = |what: String| corrupt(format!("the registry is malformed ({what}); fix or delete it"));
        if let Some(key) = value.as_object().and_then(|object| object.keys().find(|key| *key != "version" && *key != "leases")) {
            return Err(malformed(format!("unknown key {}", Value::from(key.as_str()))));
        }
        let leases = value.get("leases").ok_or_else(|| malformed("no \"leases\" list".to_owned()))?;
        let leases = leases.as_array().ok_or_else(|| malformed(format!("\"leases\" must be a list, not {}", describe(leases))))?;
        let mut registry = Registry::default();
        let mut ports = BTreeSet::new();
        for (index, lease) in leases.iter().enumerate() {
            let lease = Lease::from_value(lease).map_err(|what| malformed(format!("lease {}: {what}", index + 1)))?;
            if !lease.namespace.is_empty() {
                check_name(&lease.namespace, "namespace").map_err(|e| corrupt(format!("a lease has a bad namespace: {}", e.message)))?;
            }
            check_name(&lease.name, "name").map_err(|e| corrupt(format!("a lease has a bad name: {}", e.message)))?;
            if lease.port == 0 {
                return Err(corrupt(format!("the lease of `{}` has port 0", lease.name)));
            }
            if !ports.insert(lease.port) {
                return Err(corrupt(format!("two leases hold port {}; fix or delete the registry", lease.port)));
            }
            let key = (lease.namespace.clone(), lease.name.clone());
            if registry.leases.insert(key, lease.clone()).is_some() {
                return Err(corrupt(format!("two leases for `{}` in namespace `{}`", lease.name, lease.namespace)));
            }
        }
        Ok(registry)
    }

    /// Parses optional text: a missing file is an empty registry.
    pub fn parse_optional(text: Option<&str>) -> Result<Registry> {
        text.map_or_else(|| Ok(Registry::default()), Registry::parse)
    }

    pub fn to_text(&self) -> String {
        // Fields in this order, two-space indents: the file as every version has written it.
        let mut text = format!("{{\n  \"version\": {REGISTRY_VERSION},\n  \"leases\": [");
        for (index, lease) in self.leases.values().enumerate() {
            text.push_str(if index == 0 { "\n    {" } else { ",\n    {" });
            let mut member = |key: &str, value: Value| {
                text.push_str(if key == "namespace" { "\n      " } else { ",\n      " });
                json::write_string(&mut text, key);
                text.push_str(": ");
                text.push_str(&value.to_string());
            };
            member("namespace", lease.namespace.as_str().into());
            member("name", lease.name.as_str().into());
            member("port", lease.port.into());
            member("created", lease.created.into());
            member("used", lease.used.into());
            text.push_str("\n    }");
        }
        text.push_str(if self.leases.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" });
        text
    }

    pub fn leases(&self) -> impl Iterator<Item = &Lease> {
        self.leases.values()
    }

    /// Frees the lease of `name` in `namespace`, or every lease of the namespace.
    pub fn release(&mut self, namespace: &str, name: Option<&str>) -> Vec<Lease> {
        let keys: Vec<(String, String)> = self
            .leases
            .keys()
            .filter(|(ns, n)| ns == namespace && name.is_none_or(|name| n == name))
            .cloned()
            .collect();
        keys.iter().filter_map(|key| self.leases.remove(key)).collect()
    }

    /// Drops leases unused for longer than the TTL.
    pub fn expire(&mut self, now: u64) {
        self.leases.retain(|_, lease| lease.used.saturating_add(LEASE_TTL_SECONDS) >= now);
    }

    /// Plans `config` against the leases, then records the services in `lease`
    /// (every free service when None) as leases used `now`.
    pub fn allocate(&mut self, config: &Config, busy: &[u16], now: u64, lease: Option<&[String]>) -> Result<Plan> {
        self.expire(now);
        let namespace = config.namespace.as_str();
        let pinned: BTreeSet<u16> = config
            .services
            .values()
            .filter_map(|s| if let Service::Pinned(p) = s { Some(*p) } else { None })
            .collect();
        // A service of this config that is now pinned, or whose lease no longer fits the
        // config, loses its lease: it would otherwise hold a port for nothing.
        self.leases.retain(|(ns, name), l| {
            ns != namespace
                || match config.services.get(name) {
                    Some(Service::Free) => config.in_range(i64::from(l.port)) && !config.is_excluded(l.port) && !pinned.contains(&l.port),
                    Some(Service::Pinned(_)) => false,
                    None => true,
                }
        });
        let mut held = Held { busy: busy.to_vec(), leases: BTreeMap::new(), kept: BTreeMap::new() };
        for ((ns, name), l) in &self.leases {
            if ns == namespace && config.services.contains_key(name) {
                held.kept.insert(name.clone(), (l.port, l.created));
            } else {
                held.leases.insert(l.port, (ns.clone(), name.clone()));
            }
        }
        let plan = plan_with(config, &held)?;
        for entry in &plan.entries {
            let wanted = lease.is_none_or(|names| names.iter().any(|n| n == &entry.name));
            if !wanted || entry.reason == Reason::Pinned {
                continue;
            }
            let key = (namespace.to_owned(), entry.name.clone());
            let created = self.leases.get(&key).filter(|l| l.port == entry.port).map_or(now, |l| l.created);
            self.leases.insert(key, Lease { namespace: namespace.to_owned(), name: entry.name.clone(), port: entry.port, created, used: now });
        }
        Ok(plan)
    }
}

/// The ports of a plan the host must probe: all but kept leases (SPEC §7: probes never
/// move a lease; its own service is most likely the one listening on it).
pub fn ports_to_probe(plan: &Plan) -> Vec<u16> {
    plan.entries
        .iter()
        .filter(|e| !matches!(e.reason, Reason::Kept { .. }))
        .map(|e| e.port)
        .collect()
}
