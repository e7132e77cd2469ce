//! A config as written (SPEC §1), before validation: every key optional, every value kept
//! as found, unknown keys remembered. TOML documents, JSON objects and JavaScript objects
//! all read into it; [`crate::Config::from_file`] then decides.

use crate::error::{ErrorKind, PlanError};
use crate::input::formats;
use crate::input::written::{AsWritten, Loose, otherwise_as_written};
use crate::plan::config::{BlockSize, Excluded, HashKind, KEYS, Layout, Name, PortRange, Service};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::collections::BTreeSet;
use std::fmt;

/// The services of a config as written: each name once with its value as written, sorted
/// by the UTF-8 bytes of the names. A sorted list, not a map: validation reads it once, in
/// order, into the config's own map, the only tree built (60,000 services are read at once).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceTable(Vec<(Name, Loose<Service>)>);

impl ServiceTable {
    /// The table of `entries` in the order written: a name written twice keeps its last
    /// value, as in JavaScript.
    pub fn from_written(mut entries: Vec<(Name, Loose<Service>)>) -> ServiceTable {
        // Most tables come sorted (a serializer's map, a sorted file): checked in one pass.
        if entries.is_sorted_by(|a, b| a.0 < b.0) {
            return ServiceTable(entries);
        }
        // Stable: the values of a repeated name stay in the order written.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut table: Vec<(Name, Loose<Service>)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match table.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => table.push(entry),
            }
        }
        ServiceTable(table)
    }

    /// Where `name` is (`Ok`), or where it would go (`Err`).
    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(have, _)| have.as_str().cmp(name))
    }

    /// Adds `name` with `value` unless the table has it.
    fn add_if_absent(&mut self, name: &str, value: Loose<Service>) {
        if let Err(at) = self.find(name) {
            self.0.insert(at, (name.into(), value));
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the table has a service called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for ServiceTable {
    type Item = (Name, Loose<Service>);
    type IntoIter = std::vec::IntoIter<(Name, Loose<Service>)>;

    /// The services in name order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    pub range: Option<Loose<PortRange>>,
    pub layout: Option<Loose<Layout>>,
    pub hash: Option<Loose<HashKind>>,
    pub namespace: Option<Loose<String>>,
    pub block_size: Option<Loose<BlockSize>>,
    pub exclude: Option<Loose<Vec<Loose<Excluded>>>>,
    pub browser_safe: Option<Loose<bool>>,
    pub services: Option<ServicesAsWritten>,
    /// Keys that are none of the above, sorted.
    pub unknown: BTreeSet<String>,
}

/// `services` as written: a table (name → value as written), or something else.
#[derive(Debug, Clone, PartialEq)]
pub enum ServicesAsWritten {
    Table(ServiceTable),
    Invalid(AsWritten),
}

/// The `config` of a request: an object, config text (JSON or TOML), or something else.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigInput {
    Table(Box<ConfigFile>),
    Text(String),
    Invalid(AsWritten),
}

impl ConfigInput {
    /// The table, or what was written instead (where text is not read as a config).
    pub fn into_table(self) -> Result<ConfigFile, AsWritten> {
        match self {
            ConfigInput::Table(file) => Ok(*file),
            ConfigInput::Text(text) => Err(AsWritten::of(&text)),
            ConfigInput::Invalid(written) => Err(written),
        }
    }
}

impl ConfigFile {
    /// This config with `other`'s keys set over it (SPEC §7: the caller's options override
    /// the file).
    pub fn overridden_by(self, other: ConfigFile) -> ConfigFile {
        let mut unknown = self.unknown;
        unknown.extend(other.unknown);
        ConfigFile {
            range: other.range.or(self.range),
            layout: other.layout.or(self.layout),
            hash: other.hash.or(self.hash),
            namespace: other.namespace.or(self.namespace),
            block_size: other.block_size.or(self.block_size),
            exclude: other.exclude.or(self.exclude),
            browser_safe: other.browser_safe.or(self.browser_safe),
            services: other.services.or(self.services),
            unknown,
        }
    }

    /// Whether this table writes the top-level `key` (one of the known keys, or an unknown one).
    pub fn writes(&self, key: &str) -> bool {
        match key {
            "range" => self.range.is_some(),
            "layout" => self.layout.is_some(),
            "hash" => self.hash.is_some(),
            "namespace" => self.namespace.is_some(),
            "block_size" => self.block_size.is_some(),
            "exclude" => self.exclude.is_some(),
            "browser_safe" => self.browser_safe.is_some(),
            "services" => self.services.is_some(),
            other => self.unknown.contains(other),
        }
    }

    /// Every top-level key this table writes.
    pub fn written_keys(&self) -> BTreeSet<String> {
        KEYS.into_iter()
            .filter(|key| self.writes(key))
            .map(str::to_owned)
            .chain(self.unknown.iter().cloned())
            .collect()
    }

    /// Adds `names` as free services where the config does not name them already. A
    /// `services` that is no table is left as it is, for validation to report.
    pub fn add_free_services(&mut self, names: &[String]) {
        if names.is_empty() {
            return;
        }
        let services = self
            .services
            .get_or_insert_with(|| ServicesAsWritten::Table(ServiceTable::default()));
        if let ServicesAsWritten::Table(table) = services {
            for name in names {
                table.add_if_absent(name, Loose::Valid(Service::Free));
            }
        }
    }

    /// Reads the keys of a config object. A repeated key keeps its last value, as in
    /// JavaScript.
    fn read<'de, A: MapAccess<'de>>(mut map: A) -> Result<ConfigFile, A::Error> {
        let mut file = ConfigFile::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "range" => file.range = Some(map.next_value()?),
                "layout" => file.layout = Some(map.next_value()?),
                "hash" => file.hash = Some(map.next_value()?),
                "namespace" => file.namespace = Some(map.next_value()?),
                "block_size" => file.block_size = Some(map.next_value()?),
                "exclude" => file.exclude = Some(map.next_value()?),
                "browser_safe" => file.browser_safe = Some(map.next_value()?),
                "services" => file.services = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    file.unknown.insert(key);
                }
            }
        }
        Ok(file)
    }
}

impl<'de> Deserialize<'de> for ConfigFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor;
        impl<'de> Visitor<'de> for TableVisitor {
            type Value = ConfigFile;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a config table")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ConfigFile, A::Error> {
                ConfigFile::read(map)
            }
        }
        deserializer.deserialize_map(TableVisitor)
    }
}

impl From<AsWritten> for ConfigInput {
    fn from(written: AsWritten) -> Self {
        ConfigInput::Invalid(written)
    }
}

impl<'de> Deserialize<'de> for ConfigInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InputVisitor;
        impl<'de> Visitor<'de> for InputVisitor {
            type Value = ConfigInput;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a config: an object, or JSON or TOML text")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ConfigInput, A::Error> {
                ConfigFile::read(map).map(|file| ConfigInput::Table(Box::new(file)))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<ConfigInput, E> {
                Ok(ConfigInput::Text(text.to_owned()))
            }

            otherwise_as_written!('de; bool, number, null, seq);
        }
        deserializer.deserialize_any(InputVisitor)
    }
}

impl From<AsWritten> for ServicesAsWritten {
    fn from(written: AsWritten) -> Self {
        ServicesAsWritten::Invalid(written)
    }
}

/// By hand rather than as a `Loose<ServiceTable>`, which would buffer the whole table (a
/// config may have 60,000 services) before reading it.
impl<'de> Deserialize<'de> for ServicesAsWritten {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ServicesVisitor;
        impl<'de> Visitor<'de> for ServicesVisitor {
            type Value = ServicesAsWritten;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of services")
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ServicesAsWritten, A::Error> {
                // Gathered first, then sorted at once (60,000 sorted inserts cost twice as
                // much); a name written twice still keeps its last value.
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(ServicesAsWritten::Table(ServiceTable::from_written(
                    entries,
                )))
            }

            otherwise_as_written!('de; bool, number, str, null, seq);
        }
        deserializer.deserialize_any(ServicesVisitor)
    }
}

impl schemars::JsonSchema for ConfigInput {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ConfigInput".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut table = crate::plan::config::Config::json_schema(generator);
        table.remove("required");
        table.remove("title");
        table.insert(
            "description".into(),
            "A config object: any of the keys of Config; a key left out takes its default.".into(),
        );
        schemars::json_schema!({
            "anyOf": [table, { "type": "string", "description": "Config text: JSON (its first non-blank character is `{`) or TOML." }]
        })
    }
}

impl ConfigInput {
    /// Reads config text: JSON when its first non-blank character is `{`, else TOML.
    pub fn from_text(text: &str) -> crate::error::Result<ConfigInput> {
        if formats::looks_like_json(text) {
            let input: ConfigInput = formats::from_json(text).map_err(|e| {
                PlanError::new(
                    ErrorKind::InvalidConfig,
                    format!("the config is not valid JSON: {e}"),
                )
            })?;
            // Text holding a JSON string is no table either.
            Ok(match input {
                ConfigInput::Text(text) => ConfigInput::Invalid(AsWritten::of(&text)),
                other => other,
            })
        } else {
            formats::from_toml(text)
                .map(|file| ConfigInput::Table(Box::new(file)))
                .map_err(|e| {
                    PlanError::new(
                        ErrorKind::InvalidConfig,
                        format!("the config is not valid TOML: {e}"),
                    )
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ConfigFile, ServiceTable, ServicesAsWritten};
    use crate::api::plan_json;
    use crate::input::written::{AsWritten, Loose};
    use crate::plan::config::Service;

    #[test]
    fn a_table_is_sorted_by_name_and_keeps_each_names_last_value() {
        let free = || Loose::Valid(Service::Free);
        let table = ServiceTable::from_written(vec![
            ("web".into(), Loose::Invalid(AsWritten::of("x"))),
            ("b".into(), free()),
            ("web".into(), Loose::Valid(Service::Pinned(4000))),
            ("a".into(), free()),
            ("b".into(), Loose::Valid(Service::Disabled)),
        ]);
        let expected = vec![
            ("a".into(), free()),
            ("b".into(), Loose::Valid(Service::Disabled)),
            ("web".into(), Loose::Valid(Service::Pinned(4000))),
        ];
        assert_eq!(table.into_iter().collect::<Vec<_>>(), expected);

        let mut file = ConfigFile {
            services: Some(ServicesAsWritten::Table(ServiceTable::from_written(vec![
                ("b".into(), Loose::Valid(Service::Pinned(3000))),
                ("d".into(), free()),
            ]))),
            ..ConfigFile::default()
        };
        file.add_free_services(&["c".to_owned(), "b".to_owned(), "a".to_owned()]);
        let Some(ServicesAsWritten::Table(table)) = file.services else {
            panic!("a table stays a table");
        };
        let names: Vec<_> = table.into_iter().map(|(n, v)| (n.to_string(), v)).collect();
        assert_eq!(
            names,
            vec![
                ("a".to_owned(), free()),
                ("b".to_owned(), Loose::Valid(Service::Pinned(3000))),
                ("c".to_owned(), free()),
                ("d".to_owned(), free()),
            ]
        );
    }

    #[test]
    fn a_service_written_twice_keeps_its_last_value() {
        let answer =
            plan_json(r#"{"config": {"services": {"web": 3000, "api": true, "web": 4000}}}"#);
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        let web = answer["plan"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["name"] == "web")
            .unwrap();
        assert_eq!(web["port"], 4000, "{answer}");
        assert_eq!(answer["plan"].as_array().unwrap().len(), 2);
    }
}
