//! The registry file (SPEC §7), pure: leases `(namespace, name, root) → port`, read from
//! format 1 or 2 and written as format 2. The rules that decide which leases are kept,
//! made or dropped are in [`crate::registry::leases`].

use crate::error::{ErrorKind, PlanError, Result};
use crate::input::formats;
use crate::input::written::{AsWritten, Loose};
use crate::plan::config::check_name;
use crate::text::excerpt;
use schemars::JsonSchema;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The version this core writes.
pub const REGISTRY_VERSION: u64 = 2;
/// The first version: leases without `root`, read and upgraded.
pub const REGISTRY_VERSION_1: u64 = 1;
/// A lease not used for this long is dropped (its service has surely stopped).
pub const LEASE_TTL_SECONDS: u64 = 30 * 24 * 3600;

/// One lease, as the registry file and the answers write it (fields in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Lease {
    pub namespace: String,
    pub name: String,
    /// The project root (absolute) the lease belongs to; null for a version 1 lease that no
    /// root has adopted yet.
    #[serde(default)]
    pub root: Option<String>,
    pub port: u16,
    /// Unix seconds: when the lease was made, and when it was last handed out.
    pub created: u64,
    pub used: u64,
}

/// What identifies a lease: namespace, name, root (a version 1 lease's root is None, which
/// sorts first).
pub type LeaseKey = (String, String, Option<String>);

/// A lease's key, borrowed, in the order of [`LeaseKey`].
fn key_order(lease: &Lease) -> (&str, &str, Option<&str>) {
    (&lease.namespace, &lease.name, lease.root.as_deref())
}

impl Lease {
    pub fn key(&self) -> LeaseKey {
        (self.namespace.clone(), self.name.clone(), self.root.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// Sorted by key (namespace, name, root), one lease a key, so the file lists them
    /// sorted. A sorted list, not a map keyed by a copy of each key: reading 50,000 leases
    /// cost three strings copied and a tree insertion each.
    leases: Vec<Lease>,
    /// The version of the text it was read from (a version 1 file is rewritten as 2).
    version: u64,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            leases: Vec::new(),
            version: REGISTRY_VERSION,
        }
    }
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
    /// Absent: not written (a version 1 lease); `Some(None)`: written as null.
    #[serde(default, deserialize_with = "present")]
    root: Option<Option<Loose<String>>>,
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

/// Tells a field written as null from an absent one.
fn present<'de, D, T>(deserializer: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The registry file's shape for writing.
#[derive(Serialize)]
struct RegistryText<'a> {
    version: u64,
    leases: Vec<&'a Lease>,
}

impl LeaseAsWritten {
    /// The lease, or what is wrong with it (fields checked in file order).
    fn check(self, version: u64) -> std::result::Result<Lease, String> {
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
        // Version 1 had no root: its leases wait to be adopted (SPEC §7).
        let root = match (version, self.root) {
            (REGISTRY_VERSION_1, _) => None,
            (_, None) => return Err("a lease has no `root`".to_owned()),
            (_, Some(None)) => None,
            (_, Some(Some(Loose::Valid(root)))) if !root.is_empty() => Some(root),
            (_, Some(Some(written))) => {
                let written = match written {
                    Loose::Valid(root) => AsWritten::of(&root),
                    Loose::Invalid(written) => written,
                };
                return Err(format!(
                    "`root` of a lease must be a folder's path or null, not {}",
                    written.excerpt()
                ));
            }
        };
        let port = number(self.port, "port")?;
        Ok(Lease {
            namespace,
            name,
            root,
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

/// A well-formed file, read straight into its types: the way nearly every registry is read
/// (a registry of 50,000 leases in a few ms). Anything this does not read goes the way of
/// [`RegistryFile`], which finds and words the fault.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WellFormed {
    version: u64,
    leases: Vec<WellFormedLease>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WellFormedLease {
    namespace: String,
    name: String,
    /// Absent (None) is a fault of version 2; null (Some(None)) a lease no root adopted.
    #[serde(default, deserialize_with = "present")]
    root: Option<Option<String>>,
    port: u16,
    created: u64,
    used: u64,
}

impl WellFormed {
    /// Its leases, when the file is one this reader takes as it is.
    fn leases(self) -> Option<(u64, Vec<Lease>)> {
        let version = self.version;
        if version != REGISTRY_VERSION && version != REGISTRY_VERSION_1 {
            return None;
        }
        self.leases
            .into_iter()
            .map(|lease| {
                let root = match (version, lease.root) {
                    (REGISTRY_VERSION_1, None) => None,
                    (REGISTRY_VERSION, Some(None)) => None,
                    (REGISTRY_VERSION, Some(Some(root))) if !root.is_empty() => Some(root),
                    _ => return None,
                };
                Some(Lease {
                    namespace: lease.namespace,
                    name: lease.name,
                    root,
                    port: lease.port,
                    created: lease.created,
                    used: lease.used,
                })
            })
            .collect::<Option<Vec<Lease>>>()
            .map(|leases| (version, leases))
    }
}

impl Registry {
    /// Parses registry text (version 1 or 2). Anything malformed is an error: the caller
    /// must not write over it.
    pub fn parse(text: &str) -> Result<Registry> {
        if let Some((version, leases)) = serde_json::from_str::<WellFormed>(text)
            .ok()
            .and_then(WellFormed::leases)
        {
            return Registry::checked(version, leases.into_iter().map(Ok));
        }
        if text.trim().is_empty() {
            return Err(corrupt(
                "the registry file is empty (a registry always holds at least {\"version\": 2, \"leases\": []}); delete it to start afresh",
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
        let version = match file.version {
            Some(Loose::Valid(version @ (REGISTRY_VERSION_1 | REGISTRY_VERSION))) => version,
            Some(Loose::Valid(other)) => {
                let message = format!(
                    "the registry has version {other}, this portplan reads versions {REGISTRY_VERSION_1} and {REGISTRY_VERSION}; upgrade portplan"
                );
                return Err(corrupt(message).with(|data| data.version = Some(other)));
            }
            _ => return Err(no_version()),
        };
        let malformed = |what: String| {
            corrupt(format!(
                "the registry is malformed ({what}); fix or delete it"
            ))
        };
        if let Some(key) = file.other.keys().next() {
            return Err(malformed(format!("unknown key {}", excerpt(key))));
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
        let malformed_at =
            |index: usize, what: String| malformed(format!("lease {}: {what}", index + 1));
        let checked = leases
            .into_iter()
            .enumerate()
            .map(|(index, lease)| match lease {
                Loose::Valid(lease) => lease
                    .check(version)
                    .map_err(|what| malformed_at(index, what)),
                Loose::Invalid(written) => Err(malformed_at(
                    index,
                    format!("a lease must be an object, not {}", written.excerpt()),
                )),
            });
        Registry::checked(version, checked)
    }

    /// The registry of these leases, each checked as SPEC §1 and §7 say: valid names, a
    /// port, one lease a port and a key.
    fn checked(version: u64, leases: impl Iterator<Item = Result<Lease>>) -> Result<Registry> {
        let mut checked: Vec<Lease> = Vec::with_capacity(leases.size_hint().0);
        // Keys met so far, kept only once the file turns out not to be sorted (this core
        // writes it sorted: then a repeated key is the one just before).
        let mut keys: Option<BTreeSet<LeaseKey>> = None;
        // One bit a port (8 KiB): hashing 50,000 ports cost more than checking them.
        let mut ports = vec![0u64; 1024];
        for lease in leases {
            let lease = lease?;
            if !lease.namespace.is_empty() {
                check_name(&lease.namespace, "namespace")
                    .map_err(|e| corrupt(format!("a lease has a bad namespace: {}", e.message)))?;
            }
            check_name(&lease.name, "name")
                .map_err(|e| corrupt(format!("a lease has a bad name: {}", e.message)))?;
            if lease.port == 0 {
                return Err(corrupt(format!("the lease of `{}` has port 0", lease.name)));
            }
            let (word, bit) = (usize::from(lease.port / 64), 1u64 << (lease.port % 64));
            if ports[word] & bit != 0 {
                return Err(corrupt(format!(
                    "two leases hold port {}; fix or delete the registry",
                    lease.port
                )));
            }
            ports[word] |= bit;
            let repeated = match (&mut keys, checked.last()) {
                (None, None) => false,
                (None, Some(last)) if key_order(last) < key_order(&lease) => false,
                (None, Some(last)) if key_order(last) == key_order(&lease) => true,
                (None, Some(_)) => {
                    let mut known: BTreeSet<LeaseKey> = checked.iter().map(Lease::key).collect();
                    let repeated = !known.insert(lease.key());
                    keys = Some(known);
                    repeated
                }
                (Some(known), _) => !known.insert(lease.key()),
            };
            if repeated {
                let root = match &lease.root {
                    Some(root) => format!("root {}", AsWritten::of(root).excerpt()),
                    None => "no root".to_owned(),
                };
                return Err(corrupt(format!(
                    "two leases for `{}` in namespace `{}` with {root}",
                    lease.name, lease.namespace
                )));
            }
            checked.push(lease);
        }
        if keys.is_some() {
            checked.sort_unstable_by(|a, b| key_order(a).cmp(&key_order(b)));
        }
        Ok(Registry {
            leases: checked,
            version,
        })
    }

    /// Parses optional text: a missing file is an empty registry.
    pub fn parse_optional(text: Option<&str>) -> Result<Registry> {
        text.map_or_else(|| Ok(Registry::default()), Registry::parse)
    }

    /// The version of the text this registry was read from.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The file (always the current version): fields in this order, two-space indents, a
    /// final newline.
    pub fn to_text(&self) -> String {
        let file = RegistryText {
            version: REGISTRY_VERSION,
            leases: self.leases.iter().collect(),
        };
        // Plain strings and numbers always serialize.
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Whether writing this registry would change the file `before` was read from (another
    /// lease, or a version 1 file to upgrade).
    pub fn differs_from(&self, before: &Registry) -> bool {
        self.leases != before.leases || before.version != REGISTRY_VERSION
    }

    /// This registry as it reads back once written (in the current version).
    pub fn written(mut self) -> Registry {
        self.version = REGISTRY_VERSION;
        self
    }

    pub fn leases(&self) -> impl Iterator<Item = &Lease> {
        self.leases.iter()
    }

    /// This registry without the leases on the ports of `freed`, and with `added` (which
    /// replace leases of their keys), rebuilt in one pass: one insertion at a time into a
    /// sorted map of 10,000 leases cost far more than the plan.
    pub fn changed(self, freed: &HashSet<u16>, added: Vec<Lease>) -> Registry {
        if freed.is_empty() && added.is_empty() {
            return self;
        }
        let mut leases = self.leases;
        leases.retain(|lease| !freed.contains(&lease.port));
        leases.extend(added);
        // Both parts are sorted already (the registry's order, the plan's name order within
        // one namespace and root): the stable sort merges them. Of two leases of one key the
        // later (added) one wins: reversed, `dedup` keeps the first of each run.
        leases.sort_by(|a, b| key_order(a).cmp(&key_order(b)));
        leases.reverse();
        leases.dedup_by(|a, b| key_order(a) == key_order(b));
        leases.reverse();
        Registry {
            leases,
            version: self.version,
        }
    }

    /// The distinct roots of the leases, sorted (the host checks which still exist).
    pub fn roots(&self) -> Vec<String> {
        let roots: BTreeSet<&String> = self.leases.iter().filter_map(|l| l.root.as_ref()).collect();
        roots.into_iter().cloned().collect()
    }

    /// Frees the leases of `name` (every name when None) in `namespace` that belong to
    /// `root`, and the version 1 leases of those names, which `root` would adopt.
    pub fn release(&mut self, namespace: &str, root: &str, name: Option<&str>) -> Vec<Lease> {
        let (freed, kept) = std::mem::take(&mut self.leases)
            .into_iter()
            .partition(|lease| {
                lease.namespace == namespace
                    && name.is_none_or(|name| lease.name == name)
                    && lease.root.as_deref().is_none_or(|r| r == root)
            });
        self.leases = kept;
        freed
    }

    /// Drops what every write drops (SPEC §7): leases unused for longer than the TTL, and
    /// leases of roots the host found gone (`false`; roots not listed stay). A lease whose
    /// `used` lies ahead of `now` (a wrong clock stamped it) is kept and re-stamped with
    /// `now`, so it lives the TTL from now (SPEC §9).
    pub fn prune(&mut self, now: u64, existing_roots: &BTreeMap<String, bool>) {
        self.leases
            .retain(|lease| stays(lease, now, existing_roots));
        for lease in &mut self.leases {
            if from_the_future(lease, now) {
                lease.used = now;
                lease.created = lease.created.min(now);
            }
        }
    }

    /// This registry pruned, or None when pruning changes nothing (most calls: no copy).
    pub fn pruned(&self, now: u64, existing_roots: &BTreeMap<String, bool>) -> Option<Registry> {
        if self
            .leases
            .iter()
            .all(|lease| stays(lease, now, existing_roots) && !from_the_future(lease, now))
        {
            return None;
        }
        let mut pruned = self.clone();
        pruned.prune(now, existing_roots);
        Some(pruned)
    }
}

/// Whether a lease's `used` lies further ahead of `now` than clocks drift.
fn from_the_future(lease: &Lease, now: u64) -> bool {
    lease.used > now.saturating_add(crate::registry::clock::FUTURE_SLACK_SECONDS)
}

/// Whether a lease survives a write: used within the TTL, and its root not known gone.
fn stays(lease: &Lease, now: u64, existing_roots: &BTreeMap<String, bool>) -> bool {
    lease.used.saturating_add(LEASE_TTL_SECONDS) >= now
        && lease
            .root
            .as_ref()
            .is_none_or(|root| existing_roots.get(root) != Some(&false))
}
