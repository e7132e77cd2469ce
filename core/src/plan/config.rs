//! The config (SPEC §1): its keys and defaults, the name rule, and the validation that turns
//! a config as written ([`ConfigFile`]) into a [`Config`], or into an error that names the
//! key at fault and has its SPEC §2 kind.

use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::bad_ports::browsers_refuse;
use crate::text::forbidden_in_name;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;

/// A service's name. Inline up to 24 bytes (most names): a plan of 60,000 services
/// reads, plans and writes them without allocating or freeing a string per name.
pub type Name = compact_str::CompactString;

/// `block_size` as written: a whole number >= 1.
pub type BlockSize = NonZeroU32;

pub const DEFAULT_RANGE: PortRange = PortRange {
    min: 20000,
    max: 29999,
};
pub const DEFAULT_BLOCK_SIZE: u32 = 100;
/// Common dev services inside the default range (Minecraft, CockroachDB, MongoDB, RethinkDB).
pub const DEFAULT_EXCLUDE: [u16; 7] = [25565, 26257, 27017, 27018, 27019, 28015, 28017];
/// The keys of a config, in the order of SPEC §1.
pub const KEYS: [&str; 8] = [
    "range",
    "layout",
    "hash",
    "namespace",
    "block_size",
    "exclude",
    "browser_safe",
    "services",
];
const MAX_NAME_BYTES: usize = 255;

/// How free services get their ports (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    #[default]
    Hash,
    Sequential,
    Block,
}

/// Where a free service's home port comes from (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HashKind {
    #[default]
    Sha256,
    Lagom,
}

/// An inclusive range of ports, `[min, max]` with `1 <= min <= max <= 65535`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(into = "(u16, u16)", try_from = "(u16, u16)")]
pub struct PortRange {
    pub min: u16,
    pub max: u16,
}

impl TryFrom<(u16, u16)> for PortRange {
    type Error = &'static str;

    fn try_from((min, max): (u16, u16)) -> std::result::Result<Self, Self::Error> {
        if min >= 1 && min <= max {
            Ok(PortRange { min, max })
        } else {
            Err("not 1 <= min <= max <= 65535")
        }
    }
}

impl From<PortRange> for (u16, u16) {
    fn from(range: PortRange) -> Self {
        (range.min, range.max)
    }
}

/// An excluded port, or an inclusive range of them: written `25565` or `[40010, 40020]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(into = "ExcludedForm", try_from = "ExcludedForm")]
pub struct Excluded {
    pub first: u16,
    pub last: u16,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
enum ExcludedForm {
    Port(#[schemars(range(min = 1))] u16),
    Range(
        #[schemars(range(min = 1))] u16,
        #[schemars(range(min = 1))] u16,
    ),
}

impl TryFrom<ExcludedForm> for Excluded {
    type Error = &'static str;

    fn try_from(form: ExcludedForm) -> std::result::Result<Self, Self::Error> {
        let (first, last) = match form {
            ExcludedForm::Port(port) => (port, port),
            ExcludedForm::Range(first, last) => (first, last),
        };
        if first >= 1 && first <= last {
            Ok(Excluded { first, last })
        } else {
            Err("not a port or a range [a, b] with a <= b")
        }
    }
}

impl From<Excluded> for ExcludedForm {
    fn from(excluded: Excluded) -> Self {
        if excluded.first == excluded.last {
            ExcludedForm::Port(excluded.first)
        } else {
            ExcludedForm::Range(excluded.first, excluded.last)
        }
    }
}

/// What a config says of one service: written `true`, `PORT` or `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `name = true`: any port the layout gives.
    Free,
    /// `name = PORT`: exactly this port.
    Pinned(u16),
    /// `name = false`: declared, gets no port, left out of the plan (SPEC v2).
    Disabled,
}

impl Serialize for Service {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Service::Free => serializer.serialize_bool(true),
            Service::Disabled => serializer.serialize_bool(false),
            Service::Pinned(port) => serializer.serialize_u16(*port),
        }
    }
}

impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ServiceVisitor;
        impl Visitor<'_> for ServiceVisitor {
            type Value = Service;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true, false or a port number from 1 to 65535")
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> std::result::Result<Service, E> {
                Ok(if value {
                    Service::Free
                } else {
                    Service::Disabled
                })
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> std::result::Result<Service, E> {
                match u16::try_from(value) {
                    Ok(port) if port >= 1 => Ok(Service::Pinned(port)),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(value), &self)),
                }
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> std::result::Result<Service, E> {
                match u64::try_from(value) {
                    Ok(value) => self.visit_u64(value),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Signed(value), &self)),
                }
            }
        }
        deserializer.deserialize_any(ServiceVisitor)
    }
}

impl JsonSchema for Service {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Service".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "true: any port; a port number: pinned to it; false: declared, gets no port.",
            "anyOf": [{ "type": "boolean" }, { "type": "integer", "minimum": 1, "maximum": 65535 }]
        })
    }
}

/// A validated config, every key filled in: the canonical form of SPEC §1. `services` is a
/// BTreeMap, so it iterates in UTF-8 byte order.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Config {
    pub range: PortRange,
    pub layout: Layout,
    pub hash: HashKind,
    pub namespace: String,
    pub block_size: u32,
    pub exclude: Vec<Excluded>,
    pub browser_safe: bool,
    pub services: BTreeMap<Name, Service>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            range: DEFAULT_RANGE,
            layout: Layout::Hash,
            hash: HashKind::Sha256,
            namespace: String::new(),
            block_size: DEFAULT_BLOCK_SIZE,
            exclude: DEFAULT_EXCLUDE
                .iter()
                .map(|&p| Excluded { first: p, last: p })
                .collect(),
            browser_safe: true,
            services: BTreeMap::new(),
        }
    }
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Hash => "hash",
            Layout::Sequential => "sequential",
            Layout::Block => "block",
        }
    }
}

impl HashKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HashKind::Sha256 => "sha256",
            HashKind::Lagom => "lagom",
        }
    }
}

impl Config {
    pub fn range_len(&self) -> u32 {
        u32::from(self.range.max) - u32::from(self.range.min) + 1
    }

    pub fn block_count(&self) -> u32 {
        self.range_len() / self.block_size
    }

    pub fn in_range(&self, port: i64) -> bool {
        port >= i64::from(self.range.min) && port <= i64::from(self.range.max)
    }

    pub fn is_excluded(&self, port: u16) -> bool {
        self.exclude
            .iter()
            .any(|e| e.first <= port && port <= e.last)
    }

    /// Whether the config keeps `port` from free services because browsers refuse it (SPEC §3).
    pub fn is_unsafe(&self, port: u16) -> bool {
        self.browser_safe && browsers_refuse(port)
    }
}

/// SPEC §1: a name (or a non-empty namespace) is at most 255 bytes of UTF-8 and holds no
/// character that prints as something else than it is.
pub fn check_name(name: &str, key: &str) -> Result<()> {
    match name_fault(name) {
        Some(message) => Err(PlanError::at(ErrorKind::InvalidName, key, message)
            .with(|data| data.name = Some(name.to_owned()))),
        None => Ok(()),
    }
}

/// What is wrong with a name, if anything.
pub(crate) fn name_fault(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a name must not be empty".to_owned());
    }
    if name.len() > MAX_NAME_BYTES {
        return Some(format!(
            "a name is at most {MAX_NAME_BYTES} bytes of UTF-8, this one has {}",
            name.len()
        ));
    }
    // Printable ASCII holds no forbidden character: most names end here, unscanned by char.
    if name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    let c = name.chars().find(|&c| forbidden_in_name(c))?;
    let what = match c {
        '\u{2028}' | '\u{2029}' => "a line or paragraph separator",
        c if c.is_control() => "a control character",
        _ => "a bidirectional control",
    };
    Some(format!(
        "a name must not hold {what} ('{}' found)",
        c.escape_debug()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::quote_key;

    #[test]
    fn forbidden_characters_are_written_as_debug_writes_them() {
        for c in ('\0'..='\u{2070}').filter(|&c| forbidden_in_name(c)) {
            let message = name_fault(&format!("a{c}")).unwrap();
            assert!(message.ends_with(&format!("({c:?} found)")), "{message}");
            assert!(
                !quote_key(&format!("a{c}")).contains(c),
                "{c:?} is escaped when a name is printed"
            );
        }
        assert_eq!(quote_key("web\u{202e}x"), "\"web\\u202ex\"");
        assert_eq!(quote_key("a b"), "\"a b\"");
        assert_eq!(quote_key("web"), "web");
    }
}
