//! Errors are values: a kind from the spec, one sentence for a human, and the data behind it.

use crate::prelude::*;

use crate::json::{Map, Value, object};
use core::fmt;

/// The kinds of SPEC §2, plus the host-facing kinds of docs/core-api.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    InvalidRange,
    InvalidConfig,
    InvalidName,
    InvalidPort,
    DuplicatePin,
    PinBusy,
    RangeExhausted,
    InvalidRequest,
    InvalidRegistry,
    Usage,
    UnknownService,
    /// A fault of the host layer (a locked or unreadable registry, a socket error).
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

    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::InvalidRange,
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidName,
        ErrorKind::InvalidPort,
        ErrorKind::DuplicatePin,
        ErrorKind::PinBusy,
        ErrorKind::RangeExhausted,
        ErrorKind::InvalidRequest,
        ErrorKind::InvalidRegistry,
        ErrorKind::Usage,
        ErrorKind::UnknownService,
        ErrorKind::Host,
    ];

    /// The kind named `text`; any other name is a host fault.
    pub fn parse(text: &str) -> ErrorKind {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == text).unwrap_or(ErrorKind::Host)
    }

    /// Exit code of the CLIs: 2 for input the user must fix, 1 for the state of the host.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::PinBusy | ErrorKind::RangeExhausted | ErrorKind::InvalidRegistry | ErrorKind::Host => 1,
            _ => 2,
        }
    }
}

/// A plan error. `data` holds the fields beside `kind` and `message` in the JSON form.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanError {
    pub kind: ErrorKind,
    pub message: String,
    pub data: Map,
}

impl PlanError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        PlanError { kind, message: message.into(), data: Map::new() }
    }

    /// Adds one data field (builder style).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_owned(), value.into());
        self
    }

    /// A fault in the config, naming the key where it is (`services.web`, `range`, ...).
    pub fn at(kind: ErrorKind, key: &str, message: impl Into<String>) -> Self {
        PlanError::new(kind, format!("{key}: {}", message.into())).with("key", key)
    }

    /// An error from its JSON form (`{"kind", "message", ...}`, or wrapped in `{"error": ...}`).
    pub fn from_value(value: &Value) -> PlanError {
        let value = value.get("error").unwrap_or(value);
        let kind = ErrorKind::parse(value.get("kind").and_then(Value::as_str).unwrap_or(""));
        let message = value.get("message").and_then(Value::as_str).unwrap_or("unknown error");
        let mut error = PlanError::new(kind, message);
        if let Some(object) = value.as_object() {
            error.data = object.clone();
            error.data.remove("kind");
            error.data.remove("message");
        }
        error
    }

    pub fn to_json(&self) -> Value {
        let mut error = self.data.clone();
        error.insert("kind".into(), self.kind.as_str().into());
        error.insert("message".into(), self.message.as_str().into());
        object([("error", Value::Object(error))])
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl core::error::Error for PlanError {}

pub type Result<T> = core::result::Result<T, PlanError>;
