//! The config of SPEC §1: parsing (JSON value, JSON or TOML text), defaults and validation.

use crate::prelude::*;

use crate::error::{ErrorKind, PlanError, Result};
use crate::json::{self, Map, Value, object};
use alloc::collections::BTreeMap;

pub const DEFAULT_RANGE: (u16, u16) = (20000, 29999);
pub const DEFAULT_BLOCK_SIZE: u32 = 100;
/// Common dev services inside the default range (Minecraft, CockroachDB, MongoDB, RethinkDB).
pub const DEFAULT_EXCLUDE: [u16; 7] = [25565, 26257, 27017, 27018, 27019, 28015, 28017];
const KEYS: [&str; 7] = ["range", "layout", "hash", "namespace", "block_size", "exclude", "services"];
const MAX_NAME_BYTES: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Hash,
    Sequential,
    Block,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    Sha256,
    Lagom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `name: true`: any port the layout gives.
    Free,
    /// `name: PORT`: exactly this port.
    Pinned(u16),
}

/// A validated config. `services` is a BTreeMap, so it iterates in UTF-8 byte order.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub range: (u16, u16),
    pub layout: Layout,
    pub hash: HashKind,
    pub namespace: String,
    pub block_size: u32,
    pub exclude: Vec<(u16, u16)>,
    pub services: BTreeMap<String, Service>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            range: DEFAULT_RANGE,
            layout: Layout::Hash,
            hash: HashKind::Sha256,
            namespace: String::new(),
            block_size: DEFAULT_BLOCK_SIZE,
            exclude: DEFAULT_EXCLUDE.iter().map(|&p| (p, p)).collect(),
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
    /// Parses config text: JSON when its first non-blank character is `{`, else TOML.
    pub fn from_text(text: &str) -> Result<Config> {
        Config::from_value(&parse_text(text)?)
    }

    /// Validates a config given as a JSON value (the canonical form of SPEC §1).
    pub fn from_value(value: &Value) -> Result<Config> {
        let object = value.as_object().ok_or_else(|| {
            PlanError::new(ErrorKind::InvalidConfig, format!("the config must be a table (object), not {}", describe(value)))
        })?;
        if let Some(key) = object.keys().find(|key| !KEYS.contains(&key.as_str())) {
            return Err(PlanError::at(
                ErrorKind::InvalidConfig,
                key,
                format!("unknown key (the keys are {})", KEYS.join(", ")),
            ));
        }
        let mut config = Config::default();
        if let Some(range) = object.get("range") {
            config.range = parse_range(range)?;
        }
        if let Some(layout) = object.get("layout") {
            config.layout = match layout.as_str() {
                Some("hash") => Layout::Hash,
                Some("sequential") => Layout::Sequential,
                Some("block") => Layout::Block,
                _ => return Err(PlanError::at(ErrorKind::InvalidConfig, "layout", format!("{} is not a layout (hash, sequential or block)", describe(layout)))),
            };
        }
        if let Some(hash) = object.get("hash") {
            config.hash = match hash.as_str() {
                Some("sha256") => HashKind::Sha256,
                Some("lagom") => HashKind::Lagom,
                _ => return Err(PlanError::at(ErrorKind::InvalidConfig, "hash", format!("{} is not a hash (sha256 or lagom)", describe(hash)))),
            };
        }
        if let Some(namespace) = object.get("namespace") {
            let text = namespace.as_str().ok_or_else(|| {
                PlanError::at(ErrorKind::InvalidName, "namespace", format!("must be a string, not {}", describe(namespace)))
            })?;
            if !text.is_empty() {
                check_name(text, "namespace")?;
            }
            config.namespace = text.to_owned();
        }
        if let Some(size) = object.get("block_size") {
            config.block_size = size
                .as_u64()
                .filter(|&n| n >= 1)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| PlanError::at(ErrorKind::InvalidConfig, "block_size", format!("must be a whole number >= 1, not {}", describe(size))))?;
        }
        if let Some(exclude) = object.get("exclude") {
            config.exclude = parse_exclude(exclude)?;
        }
        if let Some(services) = object.get("services") {
            config.services = parse_services(services)?;
        }
        config.check_combination()?;
        Ok(config)
    }

    /// Rules that tie keys together (SPEC §2, `invalid_config`).
    fn check_combination(&self) -> Result<()> {
        if self.hash == HashKind::Lagom && self.layout != Layout::Hash {
            return Err(PlanError::at(ErrorKind::InvalidConfig, "hash", "lagom works only with the hash layout"));
        }
        if self.hash == HashKind::Lagom && !self.namespace.is_empty() {
            return Err(PlanError::at(ErrorKind::InvalidConfig, "hash", "lagom works only with an empty namespace (Lagom has none)"));
        }
        if self.layout == Layout::Block && self.block_count() == 0 {
            return Err(PlanError::at(
                ErrorKind::InvalidConfig,
                "block_size",
                format!("the range {}-{} holds no whole block of {} ports", self.range.0, self.range.1, self.block_size),
            ));
        }
        Ok(())
    }

    pub fn range_len(&self) -> u32 {
        u32::from(self.range.1) - u32::from(self.range.0) + 1
    }

    pub fn block_count(&self) -> u32 {
        self.range_len() / self.block_size
    }

    pub fn in_range(&self, port: i64) -> bool {
        port >= i64::from(self.range.0) && port <= i64::from(self.range.1)
    }

    pub fn is_excluded(&self, port: u16) -> bool {
        self.exclude.iter().any(|&(a, b)| a <= port && port <= b)
    }

    /// The canonical JSON form, every key present.
    pub fn to_value(&self) -> Value {
        let mut services = Map::new();
        for (name, service) in &self.services {
            let value = match service {
                Service::Free => Value::Bool(true),
                Service::Pinned(port) => Value::from(*port),
            };
            services.insert(name.clone(), value);
        }
        object([
            ("range", vec![self.range.0, self.range.1].into()),
            ("layout", self.layout.as_str().into()),
            ("hash", self.hash.as_str().into()),
            ("namespace", self.namespace.as_str().into()),
            ("block_size", self.block_size.into()),
            ("exclude", exclude_value(&self.exclude)),
            ("services", services.into()),
        ])
    }
}

/// `exclude` as a config writes it: a port alone, a range as `[a, b]`.
pub fn exclude_value(exclude: &[(u16, u16)]) -> Value {
    Value::Array(exclude.iter().map(|&(a, b)| if a == b { a.into() } else { vec![a, b].into() }).collect())
}

/// Parses JSON or TOML text into a JSON value (not yet validated as a config).
pub fn parse_text(text: &str) -> Result<Value> {
    if text.trim_start().starts_with('{') {
        json::parse(text)
            .map_err(|e| PlanError::new(ErrorKind::InvalidConfig, format!("the config is not valid JSON: {e}")))
    } else {
        crate::toml::parse(text)
            .map(Value::Object)
            .map_err(|e| PlanError::new(ErrorKind::InvalidConfig, format!("the config is not valid TOML: {e}")))
    }
}

/// SPEC §1: non-empty, at most 255 bytes of UTF-8, no control character.
pub fn check_name(name: &str, key: &str) -> Result<()> {
    match name_fault(name) {
        Some(message) => Err(PlanError::at(ErrorKind::InvalidName, key, message).with("name", name)),
        None => Ok(()),
    }
}

/// What is wrong with a name, if anything.
fn name_fault(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a name must not be empty".to_owned())
    } else if name.len() > MAX_NAME_BYTES {
        Some(format!("a name is at most {MAX_NAME_BYTES} bytes of UTF-8, this one has {}", name.len()))
    } else {
        name.chars()
            .find(|c| c.is_ascii_control())
            .map(|c| format!("a name must not hold a control character ('{}' found)", escape_control(c)))
    }
}

/// A control character as Rust's `{:?}` writes it (without the quotes), in less code.
fn escape_control(c: char) -> String {
    match c {
        '\0' => "\\0".to_owned(),
        '\t' => "\\t".to_owned(),
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        c => format!("\\u{{{:x}}}", u32::from(c)),
    }
}

/// A short description of a JSON value for error messages.
pub fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// A key as it can be printed: bare when plain, else JSON-quoted (so no control character
/// of a bad name reaches a terminal or a log line).
pub fn quote_key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.') {
        name.to_owned()
    } else {
        Value::from(name).to_string()
    }
}

/// A port number from JSON: an integer in 1..=65535.
fn as_port(value: &Value) -> Option<u16> {
    value.as_u64().filter(|&n| n >= 1).and_then(|n| u16::try_from(n).ok())
}

fn parse_range(value: &Value) -> Result<(u16, u16)> {
    let bad = || {
        PlanError::at(
            ErrorKind::InvalidRange,
            "range",
            format!("must be [min, max] with 1 <= min <= max <= 65535, not {}", describe(value)),
        )
        .with("range", value.clone())
    };
    let pair = value.as_array().filter(|items| items.len() == 2).ok_or_else(bad)?;
    match (as_port(&pair[0]), as_port(&pair[1])) {
        (Some(min), Some(max)) if min <= max => Ok((min, max)),
        _ => Err(bad()),
    }
}

fn parse_exclude(value: &Value) -> Result<Vec<(u16, u16)>> {
    let items = value.as_array().ok_or_else(|| {
        PlanError::at(ErrorKind::InvalidConfig, "exclude", format!("must be a list of ports and [a, b] ranges, not {}", describe(value)))
    })?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let bounds = match item {
                Value::Array(pair) if pair.len() == 2 => as_port(&pair[0]).zip(as_port(&pair[1])).filter(|(a, b)| a <= b),
                _ => as_port(item).map(|p| (p, p)),
            };
            bounds.ok_or_else(|| {
                PlanError::at(
                    ErrorKind::InvalidConfig,
                    &format!("exclude[{index}]"),
                    format!("must be a port (1-65535) or a range [a, b] with a <= b, not {}", describe(item)),
                )
            })
        })
        .collect()
}

fn parse_services(value: &Value) -> Result<BTreeMap<String, Service>> {
    let object = value.as_object().ok_or_else(|| {
        PlanError::at(ErrorKind::InvalidConfig, "services", format!("must be a table of name = true or name = PORT, not {}", describe(value)))
    })?;
    let mut services = BTreeMap::new();
    for (name, entry) in object {
        // The key is only formatted for an error: this loop runs once per service.
        let key = || format!("services.{}", quote_key(name));
        if let Some(message) = name_fault(name) {
            return Err(PlanError::at(ErrorKind::InvalidName, &key(), message).with("name", name.as_str()));
        }
        let service = match entry {
            Value::Bool(true) => Service::Free,
            _ => Service::Pinned(as_port(entry).ok_or_else(|| {
                PlanError::at(
                    ErrorKind::InvalidPort,
                    &key(),
                    format!("must be true (any port) or a port number from 1 to 65535, not {}", describe(entry)),
                )
                .with("service", name.as_str())
            })?),
        };
        services.insert(name.clone(), service);
    }
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_as_debug_writes_them() {
        for c in (0u8..=0x7f).map(char::from).filter(char::is_ascii_control) {
            assert_eq!(format!("'{}'", escape_control(c)), format!("{c:?}"));
        }
    }
}
