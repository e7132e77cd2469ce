//! The registry (SPEC §7), pure: leases `(namespace, name) → port` and allocation against
//! them. The hosts lock, read the bytes, call this, probe, and write the bytes.

use crate::config::{Config, Service, check_name};
use crate::error::{ErrorKind, PlanError, Result};
use crate::formats;
use crate::plan::{Held, Plan, Reason, plan_with};
use crate::written::{AsWritten, Loose};
use schemars::JsonSchema;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const REGISTRY_VERSION: u64 = 1;
/// A lease not used for this long is dropped (its service has surely stopped).
pub const LEASE_TTL_SECONDS: u64 = 30 * 24 * 3600;

/// One lease, as the registry file and the answers write it (fields in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// A registry file as written: every field kept loose, so that a file of another version
/// or a damaged one is reported precisely (and the version is checked before the rest).
#[derive(Deserialize)]
struct RegistryFile {
    #[serde(default)]
    version: Option<Loose<u64>>,
    #[serde(default)]
    leases: Option<Loose<Vec<Loose<LeaseAsWritten>>>>,
    #[serde(flatten)]
    other: BTreeMap<String, IgnoredAny>,
}

#[derive(Deserialize)]
struct LeaseAsWritten {
    #[serde(default)]
    namespace: Option<Loose<String>>,
    #[serde(default)]
    name: Option<Loose<String>>,
    #[serde(default)]
    port: Option<Loose<u64>>,
    #[serde(default)]
    created: Option<Loose<u64>>,
    #[serde(default)]
    used: Option<Loose<u64>>,
    /// Other fields are ignored (the registry's version guards its shape); flattening also
    /// makes a lease an object, never a list of fields.
    #[serde(flatten)]
    _other: BTreeMap<String, IgnoredAny>,
}

/// The registry file's shape for writing.
#[derive(Serialize)]
struct RegistryText<'a> {
    version: u64,
    leases: Vec<&'a Lease>,
}

impl LeaseAsWritten {
    /// The lease, or what is wrong with it (fields checked in file order).
    fn check(self) -> std::result::Result<Lease, String> {
        fn text(value: Option<Loose<String>>, key: &str) -> std::result::Result<String, String> {
            match value.ok_or_else(|| format!("a lease has no `{key}`"))? {
                Loose::Valid(text) => Ok(text),
                Loose::Invalid(_) => Err(format!("`{key}` of a lease must be a string")),
            }
        }
        fn number(value: Option<Loose<u64>>, key: &str) -> std::result::Result<u64, String> {
            match value.ok_or_else(|| format!("a lease has no `{key}`"))? {
                Loose::Valid(number) => Ok(number),
                Loose::Invalid(written) => Err(format!(
                    "`{key}` of a lease must be a whole number >= 0, not {}",
                    written.excerpt()
                )),
            }
        }
        let namespace = text(self.namespace, "namespace")?;
        let name = text(self.name, "name")?;
        let port = number(self.port, "port")?;
        Ok(Lease {
            namespace,
            name,
            port: u16::try_from(port)
                .map_err(|_| format!("`port` of a lease must be at most 65535, not {port}"))?,
            created: number(self.created, "created")?,
            used: number(self.used, "used")?,
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
            return Err(corrupt(
                "the registry file is empty (a registry always holds at least {\"version\": 1, \"leases\": []}); delete it to start afresh",
            ));
        }
        let file: Loose<RegistryFile> = formats::from_json(text).map_err(|e| {
            corrupt(format!(
                "the registry is not valid JSON ({e}); fix or delete it"
            ))
        })?;
        let no_version = || corrupt("the registry has no \"version\" number; fix or delete it");
        let Loose::Valid(file) = file else {
            return Err(no_version());
        };
        match file.version {
            Some(Loose::Valid(REGISTRY_VERSION)) => {}
            Some(Loose::Valid(other)) => {
                let message = format!(
                    "the registry has version {other}, this portplan reads version {REGISTRY_VERSION}; upgrade portplan"
                );
                return Err(corrupt(message).with(|data| data.version = Some(other)));
            }
            _ => return Err(no_version()),
        }
        let malformed = |what: String| {
            corrupt(format!(
                "the registry is malformed ({what}); fix or delete it"
            ))
        };
        if let Some(key) = file.other.keys().next() {
            return Err(malformed(format!(
                "unknown key {}",
                AsWritten::of(key).json()
            )));
        }
        let leases = match file.leases {
            None => return Err(malformed("no \"leases\" list".to_owned())),
            Some(Loose::Invalid(written)) => {
                return Err(malformed(format!(
                    "\"leases\" must be a list, not {}",
                    written.excerpt()
                )));
            }
            Some(Loose::Valid(leases)) => leases,
        };
        let mut registry = Registry::default();
        let mut ports = BTreeSet::new();
        for (index, lease) in leases.into_iter().enumerate() {
            let lease = match lease {
                Loose::Valid(lease) => lease.check(),
                Loose::Invalid(written) => Err(format!(
                    "a lease must be an object, not {}",
                    written.excerpt()
                )),
            };
            let lease = lease.map_err(|what| malformed(format!("lease {}: {what}", index + 1)))?;
            if !lease.namespace.is_empty() {
                check_name(&lease.namespace, "namespace")
                    .map_err(|e| corrupt(format!("a lease has a bad namespace: {}", e.message)))?;
            }
            check_name(&lease.name, "name")
                .map_err(|e| corrupt(format!("a lease has a bad name: {}", e.message)))?;
            if lease.port == 0 {
                return Err(corrupt(format!("the lease of `{}` has port 0", lease.name)));
            }
            if !ports.insert(lease.port) {
                return Err(corrupt(format!(
                    "two leases hold port {}; fix or delete the registry",
                    lease.port
                )));
            }
            let key = (lease.namespace.clone(), lease.name.clone());
            if let Some(lease) = registry.leases.insert(key, lease) {
                return Err(corrupt(format!(
                    "two leases for `{}` in namespace `{}`",
                    lease.name, lease.namespace
                )));
            }
        }
        Ok(registry)
    }

    /// Parses optional text: a missing file is an empty registry.
    pub fn parse_optional(text: Option<&str>) -> Result<Registry> {
        text.map_or_else(|| Ok(Registry::default()), Registry::parse)
    }

    /// The file: fields in this order, two-space indents, a final newline.
    pub fn to_text(&self) -> String {
        let file = RegistryText {
            version: REGISTRY_VERSION,
            leases: self.leases.values().collect(),
        };
        // Plain strings and numbers always serialize.
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
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
        keys.iter()
            .filter_map(|key| self.leases.remove(key))
            .collect()
    }

    /// Drops leases unused for longer than the TTL.
    pub fn expire(&mut self, now: u64) {
        self.leases
            .retain(|_, lease| lease.used.saturating_add(LEASE_TTL_SECONDS) >= now);
    }

    /// Plans `config` against the leases, then records the services in `lease`
    /// (every free service when None) as leases used `now`.
    pub fn allocate(
        &mut self,
        config: &Config,
        busy: &[u16],
        now: u64,
        lease: Option<&[String]>,
    ) -> Result<Plan> {
        self.expire(now);
        let namespace = config.namespace.as_str();
        let pinned: BTreeSet<u16> = config
            .services
            .values()
            .filter_map(|s| {
                if let Service::Pinned(p) = s {
                    Some(*p)
                } else {
                    None
                }
            })
            .collect();
        // A service of this config that is now pinned or disabled, or whose lease no longer
        // fits the config, loses its lease: it would otherwise hold a port for nothing.
        self.leases.retain(|(ns, name), l| {
            ns != namespace
                || match config.services.get(name) {
                    Some(Service::Free) => {
                        config.in_range(i64::from(l.port))
                            && !config.is_excluded(l.port)
                            && !config.is_unsafe(l.port)
                            && !pinned.contains(&l.port)
                    }
                    Some(Service::Pinned(_) | Service::Disabled) => false,
                    None => true,
                }
        });
        let mut held = Held {
            busy: busy.to_vec(),
            leases: BTreeMap::new(),
            kept: BTreeMap::new(),
        };
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
            let created = self
                .leases
                .get(&key)
                .filter(|l| l.port == entry.port)
                .map_or(now, |l| l.created);
            self.leases.insert(
                key,
                Lease {
                    namespace: namespace.to_owned(),
                    name: entry.name.clone(),
                    port: entry.port,
                    created,
                    used: now,
                },
            );
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
