//! Validation (SPEC §1, §2): a config as written ([`ConfigFile`], from any format) becomes a
//! [`Config`], or an error that names the key at fault and has its SPEC §2 kind.

use crate::error::{ErrorKind, PlanError, Result};
use crate::input::written::Loose;
use crate::plan::config::*;
use crate::plan::config_file::{ConfigFile, ConfigInput, ServicesAsWritten};
use crate::text::excerpt;
use std::collections::BTreeMap;

impl Config {
    /// Config text: JSON when its first non-blank character is `{`, else TOML.
    pub fn from_text(text: &str) -> Result<Config> {
        Config::from_input(ConfigInput::from_text(text)?)
    }

    /// The config of a request: an object, JSON or TOML text, or something else (an error).
    pub fn from_input(input: ConfigInput) -> Result<Config> {
        match input {
            ConfigInput::Text(text) => Config::from_text(&text),
            ConfigInput::Table(file) => Config::from_file(*file),
            ConfigInput::Invalid(written) => Err(PlanError::new(
                ErrorKind::InvalidConfig,
                format!(
                    "the config must be a table (object), not {}",
                    written.excerpt()
                ),
            )),
        }
    }

    /// Validates a config as written (SPEC §1, §2), key by key in the order of SPEC §1.
    pub fn from_file(file: ConfigFile) -> Result<Config> {
        if let Some(key) = file.unknown.first() {
            return Err(PlanError::at(
                ErrorKind::InvalidConfig,
                &excerpt(key),
                format!("unknown key (the keys are {})", KEYS.join(", ")),
            ));
        }
        let mut config = Config::default();
        match file.range {
            None => {}
            Some(Loose::Valid(range)) => config.range = range,
            Some(Loose::Invalid(written)) => {
                let message = format!(
                    "must be [min, max] with 1 <= min <= max <= 65535, not {}",
                    written.excerpt()
                );
                return Err(PlanError::at(ErrorKind::InvalidRange, "range", message)
                    .with(|data| data.range = Some(written)));
            }
        }
        match file.layout {
            None => {}
            Some(Loose::Valid(layout)) => config.layout = layout,
            Some(Loose::Invalid(written)) => {
                return Err(PlanError::at(
                    ErrorKind::InvalidConfig,
                    "layout",
                    format!(
                        "{} is not a layout (hash, sequential or block)",
                        written.excerpt()
                    ),
                ));
            }
        }
        match file.hash {
            None => {}
            Some(Loose::Valid(hash)) => config.hash = hash,
            Some(Loose::Invalid(written)) => {
                return Err(PlanError::at(
                    ErrorKind::InvalidConfig,
                    "hash",
                    format!("{} is not a hash (sha256 or lagom)", written.excerpt()),
                ));
            }
        }
        match file.namespace {
            None => {}
            Some(Loose::Valid(namespace)) => {
                if !namespace.is_empty() {
                    check_name(&namespace, "namespace")?;
                }
                config.namespace = namespace;
            }
            Some(Loose::Invalid(written)) => {
                return Err(PlanError::at(
                    ErrorKind::InvalidName,
                    "namespace",
                    format!("must be a string, not {}", written.excerpt()),
                ));
            }
        }
        match file.block_size {
            None => {}
            Some(Loose::Valid(size)) => config.block_size = size.get(),
            Some(Loose::Invalid(written)) => {
                return Err(PlanError::at(
                    ErrorKind::InvalidConfig,
                    "block_size",
                    format!("must be a whole number >= 1, not {}", written.excerpt()),
                ));
            }
        }
        if let Some(exclude) = file.exclude {
            config.exclude = exclude_list(exclude)?;
        }
        match file.browser_safe {
            None => {}
            Some(Loose::Valid(safe)) => config.browser_safe = safe,
            Some(Loose::Invalid(written)) => {
                return Err(PlanError::at(
                    ErrorKind::InvalidConfig,
                    "browser_safe",
                    format!("must be true or false, not {}", written.excerpt()),
                ));
            }
        }
        if let Some(services) = file.services {
            config.services = service_table(services)?;
        }
        config.check_combination()?;
        Ok(config)
    }

    /// Rules that tie keys together (SPEC §2, `invalid_config`).
    fn check_combination(&self) -> Result<()> {
        if self.hash == HashKind::Lagom && self.layout != Layout::Hash {
            return Err(PlanError::at(
                ErrorKind::InvalidConfig,
                "hash",
                "lagom works only with the hash layout",
            ));
        }
        if self.hash == HashKind::Lagom && !self.namespace.is_empty() {
            return Err(PlanError::at(
                ErrorKind::InvalidConfig,
                "hash",
                "lagom works only with an empty namespace (Lagom has none)",
            ));
        }
        if self.layout == Layout::Block && self.block_count() == 0 {
            return Err(PlanError::at(
                ErrorKind::InvalidConfig,
                "block_size",
                format!(
                    "the range {}-{} holds no whole block of {} ports",
                    self.range.min, self.range.max, self.block_size
                ),
            ));
        }
        Ok(())
    }
}

fn exclude_list(exclude: Loose<Vec<Loose<Excluded>>>) -> Result<Vec<Excluded>> {
    let items = match exclude {
        Loose::Valid(items) => items,
        Loose::Invalid(written) => {
            return Err(PlanError::at(
                ErrorKind::InvalidConfig,
                "exclude",
                format!(
                    "must be a list of ports and [a, b] ranges, not {}",
                    written.excerpt()
                ),
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| match item {
            Loose::Valid(excluded) => Ok(excluded),
            Loose::Invalid(written) => Err(PlanError::at(
                ErrorKind::InvalidConfig,
                &format!("exclude[{index}]"),
                format!(
                    "must be a port (1-65535) or a range [a, b] with a <= b, not {}",
                    written.excerpt()
                ),
            )),
        })
        .collect()
}

fn service_table(services: ServicesAsWritten) -> Result<BTreeMap<Name, Service>> {
    let table = match services {
        ServicesAsWritten::Table(table) => table,
        ServicesAsWritten::Invalid(written) => {
            return Err(PlanError::at(
                ErrorKind::InvalidConfig,
                "services",
                format!(
                    "must be a table of name = true, name = PORT or name = false, not {}",
                    written.excerpt()
                ),
            ));
        }
    };
    // Gathered in a list of the final size, then made a map in one pass: the table is
    // sorted, and a sorted list builds the map without a search per name (a config may
    // have 60,000 services).
    let mut services = Vec::with_capacity(table.len());
    for (name, value) in table {
        // The key is only formatted for an error: this runs once per service.
        let key = || format!("services.{}", excerpt(&name));
        if let Some(message) = name_fault(&name) {
            return Err(PlanError::at(ErrorKind::InvalidName, &key(), message)
                .with(|data| data.name = Some(name.to_string())));
        }
        match value {
            Loose::Valid(service) => services.push((name, service)),
            Loose::Invalid(written) => {
                let message = format!(
                    "must be true (any port), false (no port) or a port number from 1 to 65535, not {}",
                    written.excerpt()
                );
                return Err(PlanError::at(ErrorKind::InvalidPort, &key(), message)
                    .with(|data| data.service = Some(name.to_string())));
            }
        }
    }
    Ok(BTreeMap::from_iter(services))
}
