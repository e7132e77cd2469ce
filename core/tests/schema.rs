//! The committed JSON Schema (core/schema/portplan.schema.json) is what the Rust types give.
//! After changing a request or answer type: `UPDATE_SCHEMA=1 cargo test -p portplan --test schema`.

use serde_json::{Value, json};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/portplan.schema.json");

#[test]
fn the_committed_schema_is_what_the_types_give() {
    let generated = portplan::api::schema::json_schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(PATH, &generated).expect("core/schema is writable");
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "core/schema/portplan.schema.json is not what the Rust types give; regenerate it with `UPDATE_SCHEMA=1 cargo test -p portplan --test schema` and commit it"
    );
}

fn definitions() -> Value {
    serde_json::from_str::<Value>(&portplan::api::schema::json_schema()).unwrap()["$defs"].clone()
}

#[test]
fn layout_hash_and_error_kinds_are_enums() {
    let defs = definitions();
    assert_eq!(
        defs["Layout"]["enum"],
        json!(["hash", "sequential", "block"])
    );
    assert_eq!(defs["HashKind"]["enum"], json!(["sha256", "lagom"]));
    let kinds = defs["ErrorKind"]["enum"]
        .as_array()
        .expect("kinds are an enum");
    assert!(kinds.contains(&json!("range_exhausted")) && kinds.contains(&json!("host")));
}

#[test]
fn every_answer_field_is_in_the_schema() {
    let defs = definitions();
    let properties = |name: &str| -> Vec<String> {
        let schema = &defs[name];
        let mut keys: Vec<String> = schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        // Tagged enums (Reason, Holder) list their variants' properties under oneOf.
        for variant in schema["oneOf"].as_array().into_iter().flatten() {
            keys.extend(
                variant["properties"]
                    .as_object()
                    .into_iter()
                    .flat_map(|p| p.keys().cloned()),
            );
        }
        keys
    };
    let plan: Value = serde_json::from_str(&portplan::plan_json(r#"{"config": {"range": [40000, 40010], "exclude": [], "services": {"web": true, "ssh": 22}}, "busy": [40005]}"#)).unwrap();
    for key in plan.as_object().unwrap().keys() {
        assert!(
            properties("PlanAnswer").contains(key),
            "PlanAnswer lacks {key}"
        );
    }
    for entry in plan["plan"].as_array().unwrap() {
        for key in entry.as_object().unwrap().keys() {
            assert!(properties("Entry").contains(key), "Entry lacks {key}");
        }
        for key in entry["reason"].as_object().unwrap().keys() {
            assert!(
                properties("Reason").contains(key) || properties("Holder").contains(key),
                "Reason lacks {key}"
            );
        }
    }
    let error: Value = serde_json::from_str(&portplan::plan_json(
        r#"{"config": {"services": {"a": 22, "b": 22}}}"#,
    ))
    .unwrap();
    for key in error["error"].as_object().unwrap().keys() {
        assert!(
            properties("PlanError").contains(key),
            "PlanError lacks {key}"
        );
    }
}
