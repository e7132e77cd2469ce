//! The core's one pure entry point besides sessions (docs/core-api.md): `plan_json`, the
//! plan of a config, JSON text in and out (`{"error": {...}}` on failure, never a panic),
//! and `plan_request`, the same plan from a request read in any format (the browser
//! module reads JavaScript objects). Every command and host call runs as a session
//! (`crate::session`, docs/host-protocol.md). [`schema`] is the JSON Schema of both.

pub mod schema;

use crate::error::{ErrorKind, PlanError, Result};
use crate::input::formats::read_request;
use crate::input::written::Loose;
use crate::plan::config::Config;
use crate::plan::config_file::ConfigInput;
use crate::plan::{Held, Plan, plan, plan_ref};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU16;

/// An answer: the result's own fields, or `{"error": {...}}`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Answer<T> {
    Done(T),
    Failed(ErrorAnswer),
}

/// `{"error": {...}}`: what `plan_json` (and a session) answers when it cannot do what was
/// asked.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ErrorAnswer {
    pub error: PlanError,
}

impl<T> From<Result<T>> for Answer<T> {
    fn from(result: Result<T>) -> Self {
        match result {
            Ok(value) => Answer::Done(value),
            Err(error) => Answer::Failed(ErrorAnswer { error }),
        }
    }
}

fn bad_request(message: impl Into<String>) -> PlanError {
    PlanError::new(ErrorKind::InvalidRequest, message)
}

/// Compact JSON text of an answer.
fn answer_text<T: Serialize>(answer: &Answer<T>) -> String {
    answer_text_sized(answer, 128)
}

/// Compact JSON text of an answer, written into a buffer of `capacity` bytes to start
/// with (a plan of 60,000 services is 5 MB of text: one buffer rather than 16 doublings).
fn answer_text_sized<T: Serialize>(answer: &Answer<T>, capacity: usize) -> String {
    let mut buffer = Vec::with_capacity(capacity);
    let text = serde_json::to_writer(&mut buffer, answer)
        .map_err(|e| e.to_string())
        .and_then(|()| String::from_utf8(buffer).map_err(|e| e.to_string()));
    // Answers are plain data and always serialize; say so in an answer if one ever did not.
    text.unwrap_or_else(|e| {
        let error = ErrorAnswer {
            error: PlanError::new(
                ErrorKind::Host,
                format!("the answer could not be written: {e}"),
            ),
        };
        serde_json::to_string(&error).unwrap_or_default()
    })
}

// ---- plan ----

/// `plan_json`'s request.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PlanRequest {
    /// The config: an object, or JSON or TOML text; absent, every default.
    #[serde(default)]
    pub config: Option<ConfigInput>,
    /// Ports taken on the host.
    #[serde(default)]
    #[schemars(with = "Option<Vec<NonZeroU16>>")]
    pub busy: Option<Loose<Vec<Loose<NonZeroU16>>>>,
}

fn config_of(input: Option<ConfigInput>) -> Result<Config> {
    input.map_or_else(|| Ok(Config::default()), Config::from_input)
}

fn busy_ports(busy: Option<Loose<Vec<Loose<NonZeroU16>>>>) -> Result<Vec<u16>> {
    match busy {
        None => Ok(Vec::new()),
        Some(Loose::Invalid(written)) => Err(bad_request(format!(
            "`busy` must be a list of ports, not {}",
            written.excerpt()
        ))),
        Some(Loose::Valid(ports)) => ports
            .into_iter()
            .map(|port| match port {
                Loose::Valid(port) => Ok(port.get()),
                Loose::Invalid(written) => Err(PlanError::new(
                    ErrorKind::InvalidPort,
                    format!(
                        "`busy` holds {}, which is not a port (1-65535)",
                        written.excerpt()
                    ),
                )),
            })
            .collect(),
    }
}

/// The plan of a request read from any format (the browser module reads JavaScript objects).
pub fn plan_request(request: PlanRequest) -> Result<Plan> {
    let config = config_of(request.config)?;
    plan(&config, &busy_ports(request.busy)?)
}

/// `{"config", "busy"}` → the plan (`{"plan": [...], ...}`) or `{"error": {...}}`.
pub fn plan_json(request: &str) -> String {
    let read = read_request(request).and_then(|request: PlanRequest| {
        Ok((
            config_of(request.config)?,
            Held::busy(&busy_ports(request.busy)?),
        ))
    });
    let (config, held) = match read {
        Ok(read) => read,
        Err(error) => return answer_text(&Answer::<()>::from(Err(error))),
    };
    // The plan borrows its names from the config: none is copied to be written.
    let answer = Answer::from(plan_ref(&config, &held));
    let capacity = match &answer {
        Answer::Done(plan) => PLAN_TEXT_BASE + PLAN_TEXT_PER_ENTRY * plan.entries.len(),
        Answer::Failed(_) => PLAN_TEXT_BASE,
    };
    answer_text_sized(&answer, capacity)
}

/// The JSON text of a plan: its config keys take a few hundred bytes, and an entry about
/// 70 (its home) to 130 (displaced by another service); the buffer starts large enough for
/// most plans.
const PLAN_TEXT_BASE: usize = 512;
const PLAN_TEXT_PER_ENTRY: usize = 100;
