//! Every case of the shared vectors (tests/vectors/plan.json), through the JSON entry point.

use serde_json::{Map, Value, json};

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/plan.json");
    let text = std::fs::read_to_string(path).expect("tests/vectors/plan.json is readable");
    let vectors: Value = serde_json::from_str(&text).expect("vectors are JSON");
    vectors["cases"].as_array().expect("cases").clone()
}

#[test]
fn every_shared_vector_passes_through_plan_json() {
    let cases = cases();
    assert!(
        cases.len() >= 20,
        "expected the shared vectors, found {}",
        cases.len()
    );
    assert!(
        cases.iter().any(|c| c["id"] == "browser_unsafe_home"),
        "the vectors of contract v2"
    );
    for case in cases {
        let request = json!({ "config": case["config"], "busy": case["busy"] });
        let answer: Value =
            serde_json::from_str(&portplan::plan_json(&request.to_string())).unwrap();
        let id = &case["id"];
        if let Some(kind) = case["expected"].get("error") {
            assert_eq!(&answer["error"]["kind"], kind, "case {id}: {answer}");
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "case {id}"
            );
        } else {
            let got: Map<String, Value> = answer["plan"]
                .as_array()
                .unwrap_or_else(|| panic!("case {id}: {answer}"))
                .iter()
                .map(|e| (e["name"].as_str().unwrap().to_owned(), e["port"].clone()))
                .collect();
            assert_eq!(
                Value::Object(got),
                case["expected"]["assignments"],
                "case {id}"
            );
        }
    }
}

#[test]
fn every_shared_vector_passes_as_toml_text_too() {
    for case in cases() {
        let input: portplan::ConfigInput = serde_json::from_value(case["config"].clone()).unwrap();
        let Ok(config) = portplan::Config::from_input(input) else {
            continue;
        };
        let toml_text = toml_of(&serde_json::to_value(&config).unwrap());
        let request = json!({ "config": toml_text, "busy": case["busy"] });
        let answer: Value =
            serde_json::from_str(&portplan::plan_json(&request.to_string())).unwrap();
        if let Some(kind) = case["expected"].get("error") {
            assert_eq!(&answer["error"]["kind"], kind, "case {}", case["id"]);
        } else {
            for (name, port) in case["expected"]["assignments"].as_object().unwrap() {
                let entry = answer["plan"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| &e["name"] == name)
                    .unwrap();
                assert_eq!(&entry["port"], port, "case {} ({toml_text})", case["id"]);
            }
        }
    }
}

/// The TOML form of a canonical config value.
fn toml_of(value: &Value) -> String {
    toml::to_string(value).expect("a config value is TOML-representable")
}
