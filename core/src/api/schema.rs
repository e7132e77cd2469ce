//! The JSON Schema of the core's boundary, generated from the Rust types themselves
//! (`core/schema/portplan.schema.json`): the session protocol (`Start`, `Reply` in;
//! `SessionStep`, with its `Effect` and `Answer`, out) and `plan_json` (`PlanRequest` in,
//! the plan or `ErrorAnswer` out). The bindings' TypeScript and Python types are generated
//! from it. Answers are described as the core writes them, requests as it reads them.

use crate::api::{ErrorAnswer, PlanRequest};
use crate::error::PlanError;
use crate::plan::config::Config;
use crate::plan::{Entry, Holder, Plan, Reason};
use crate::registry::Lease;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// The schema file's text.
pub fn json_schema() -> String {
    let mut answers = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    answers.subschema_for::<Plan>();
    answers.subschema_for::<Entry>();
    answers.subschema_for::<Reason>();
    answers.subschema_for::<Holder>();
    answers.subschema_for::<Lease>();
    answers.subschema_for::<ErrorAnswer>();
    answers.subschema_for::<PlanError>();
    answers.subschema_for::<Config>();
    answers.subschema_for::<crate::session::SessionStep>();
    let mut definitions: Map<String, Value> = answers.take_definitions(true);
    let mut requests = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    requests.subschema_for::<PlanRequest>();
    requests.subschema_for::<crate::session::facts::Start>();
    requests.subschema_for::<crate::session::effects::Reply>();
    for (name, schema) in requests.take_definitions(true) {
        match definitions.get(&name) {
            Some(existing) if *existing != schema => {
                panic!("the schema of {name} differs between answers and requests: rename one")
            }
            _ => definitions.insert(name, schema),
        };
    }
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "portplan core API",
        "description": "The requests and answers of the core's boundary: the session protocol (docs/host-protocol.md) and plan_json (docs/core-api.md). Generated from the Rust types by `UPDATE_SCHEMA=1 cargo test -p portplan --test schema`; do not edit.",
        "$defs": definitions,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&root).unwrap_or_default()
    )
}
