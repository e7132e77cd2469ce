//! JSON and TOML text to typed values (serde_json and the `toml` crate). A syntax error
//! says where it is, the same way for both: `line 2, column 1: what`.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Reads JSON text.
pub fn from_json<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| json_fault(&e))
}

/// Reads a TOML document.
pub fn from_toml<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| toml_fault(text, &e))
}

/// Whether config text is JSON (its first non-blank character is `{`) rather than TOML.
pub fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// serde_json's error as `line L, column C: what`.
pub fn json_fault(error: &serde_json::Error) -> String {
    let full = error.to_string();
    if error.line() == 0 {
        return full;
    }
    let position = format!(" at line {} column {}", error.line(), error.column());
    let what = full.strip_suffix(&position).unwrap_or(&full);
    format!("line {}, column {}: {what}", error.line(), error.column())
}

/// The `toml` crate's error as `line L, column C: what`, on one line.
fn toml_fault(text: &str, error: &toml::de::Error) -> String {
    let what = error.message().trim().replace('\n', ": ");
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            format!("line {line}, column {column}: {what}")
        }
        None => what,
    }
}

/// Reads a request: a JSON object of the request's type; anything else is
/// `invalid_request` with the place and kind of the fault.
pub fn read_request<'a, R: serde::Deserialize<'a>>(text: &'a str) -> crate::error::Result<R> {
    let bad_request = |message: String| {
        crate::error::PlanError::new(crate::error::ErrorKind::InvalidRequest, message)
    };
    // serde also reads a struct from a JSON list (its fields in order); a request is an object.
    if !text.trim_start().starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    {
        return Err(bad_request("the request must be a JSON object".to_owned()));
    }
    serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            bad_request(format!("the request is malformed: {}", json_fault(&e)))
        }
        _ => bad_request(format!("the request is not valid JSON: {}", json_fault(&e))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn faults_name_line_and_column() {
        let json = from_json::<BTreeMap<String, u8>>("{\n  \"a\": 1,\n  \"b\": ").unwrap_err();
        assert!(json.starts_with("line 3, column 7: "), "{json}");
        let toml = from_toml::<BTreeMap<String, u8>>("a = 1\nb = [1,\n").unwrap_err();
        assert_eq!(toml, "line 2, column 8: unclosed array, expected `]`");
    }
}
