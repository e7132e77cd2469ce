//! Errors are values (SPEC §2): a kind from the spec, one sentence for a human, and the data
//! behind it.

use crate::input::written::AsWritten;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of SPEC §2, plus the host-facing kinds of docs/core-api.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    InvalidRange,
    InvalidConfig,
    InvalidName,
    InvalidPort,
    DuplicatePin,
    PinBusy,
    RangeExhausted,
    // The request itself is malformed.
    InvalidRequest,
    // Registry text that cannot be used.
    InvalidRegistry,
    // A bad command line.
    Usage,
    // `why NAME` of a name not in the plan.
    UnknownService,
    // A fault of the host layer (a locked or unreadable registry, a socket error); also
    // what any kind this core does not know reads as. (Plain comments: doc comments would
    // turn the kinds' JSON Schema from an `enum` into a `oneOf`.)
    #[serde(other)]
    Host,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidRange => "invalid_range",
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidName => "invalid_name",
            ErrorKind::InvalidPort => "invalid_port",
            ErrorKind::DuplicatePin => "duplicate_pin",
            ErrorKind::PinBusy => "pin_busy",
            ErrorKind::RangeExhausted => "range_exhausted",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::InvalidRegistry => "invalid_registry",
            ErrorKind::Usage => "usage",
            ErrorKind::UnknownService => "unknown_service",
            ErrorKind::Host => "host",
        }
    }

    /// Exit code of the CLIs: 2 for input the user must fix, 1 for the state of the host.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::PinBusy
            | ErrorKind::RangeExhausted
            | ErrorKind::InvalidRegistry
            | ErrorKind::Host => 1,
            _ => 2,
        }
    }
}

/// An error: `kind`, `message`, and the fields that carry the data behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanError {
    #[serde(default = "unknown_kind")]
    pub kind: ErrorKind,
    /// One sentence a user can act on.
    #[serde(default = "unknown_message")]
    pub message: String,
    /// Boxed: errors are rare, and a `Result` stays small on the paths that succeed.
    #[serde(flatten)]
    pub data: Box<ErrorData>,
}

/// The data behind an error, each field absent when it does not apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorData {
    /// The config key at fault: `range`, `services.web`, `exclude[2]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// A name or namespace that breaks the name rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The service concerned (a bad port value, a busy pin, an unknown service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Every service that pins one port (`duplicate_pin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The bad range, as given (`invalid_range`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<AsWritten>,
    /// How many ports are needed, and how many are free (`range_exhausted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<u32>,
    /// A registry's version this core does not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The file concerned (added by the host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The line of that file at fault, from 1 (`env --write`: a second portplan block).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The OS's errno name behind a host fault (`bind_failed`: `EADDRNOTAVAIL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The CLI's exit code when it is not the kind's (`run`: 127, 126).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
}

fn unknown_kind() -> ErrorKind {
    ErrorKind::Host
}

fn unknown_message() -> String {
    "unknown error".to_owned()
}

impl PlanError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        PlanError {
            kind,
            message: message.into(),
            data: Box::default(),
        }
    }

    /// A fault in the config, naming the key where it is (`services.web`, `range`, ...).
    pub fn at(kind: ErrorKind, key: &str, message: impl Into<String>) -> Self {
        PlanError::new(kind, format!("{key}: {}", message.into()))
            .with(|data| data.key = Some(key.to_owned()))
    }

    /// The error with data set by `set` (builder style).
    pub fn with(mut self, set: impl FnOnce(&mut ErrorData)) -> Self {
        set(&mut self.data);
        self
    }
}

/// An error as a host passes it back: the core's answer `{"error": {...}}`, or the error alone.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum ErrorInput {
    Answer { error: PlanError },
    Bare(PlanError),
}

impl ErrorInput {
    pub fn into_error(self) -> PlanError {
        match self {
            ErrorInput::Answer { error } | ErrorInput::Bare(error) => error,
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for PlanError {}

pub type Result<T> = std::result::Result<T, PlanError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_written_as_the_spec_names_them() {
        for kind in [
            ErrorKind::InvalidRange,
            ErrorKind::PinBusy,
            ErrorKind::UnknownService,
            ErrorKind::Host,
        ] {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        assert_eq!(
            serde_json::from_str::<ErrorKind>("\"no_such_kind\"").unwrap(),
            ErrorKind::Host
        );
    }
}
