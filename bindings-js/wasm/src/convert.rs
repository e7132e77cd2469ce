//! JS values to and from the core's JSON values, by hand rather than through
//! serde-wasm-bindgen: its serde path (error texts formatting f64 among them) was about
//! 13 KB of the 40 KB gzipped budget of `portplan/web` (docs/wasm-size.md). The rules and
//! the error texts are serde-wasm-bindgen 0.6's (`from_value::<serde_json::Value>` and the
//! JSON-compatible serializer), so the answers stay the same.

use js_sys::{Array, ArrayBuffer, JsString, Map, Number, Object, Reflect, Symbol, Uint8Array};
use serde_json::{Map as JsonMap, Value};
use wasm_bindgen::{JsCast, JsValue};

/// What serde's `Value` visitor expects, for the error texts.
const ANY_VALUE: &str = "any valid JSON value";

/// A JS value as a JSON value: null/undefined, booleans, numbers (safe integers as
/// integers, NaN and infinities as null), strings, arrays, plain objects and `Map`s with
/// string keys; BigInts within i64/u64. Anything else is an error.
pub fn from_js(value: &JsValue) -> Result<Value, String> {
    if value.loose_eq(&JsValue::NULL) {
        return Ok(Value::Null);
    }
    if let Some(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if value.is_bigint() {
        return match i64::try_from(value.clone()) {
            Ok(n) => Ok(Value::from(n)),
            Err(value) => u64::try_from(value)
                .map(Value::from)
                .map_err(|_| "Couldn't deserialize i64 or u64 from a BigInt outside i64::MIN..u64::MAX bounds".to_owned()),
        };
    }
    if let Some(n) = value.as_f64() {
        return Ok(if Number::is_safe_integer(value) { Value::from(n as i64) } else { Value::from(n) });
    }
    if let Some(s) = value.as_string() {
        return Ok(Value::String(s));
    }
    if let Some(array) = value.dyn_ref::<Array>() {
        return array.iter().map(|item| from_js(&item)).collect::<Result<_, _>>().map(Value::Array);
    }
    if value.is_instance_of::<Uint8Array>() || value.is_instance_of::<ArrayBuffer>() {
        return Err(invalid_type(value, ANY_VALUE));
    }
    let iterable = Reflect::has(value, &Symbol::iterator()).unwrap_or(false);
    if !value.is_object() || (iterable && !value.is_instance_of::<Map>()) {
        return Err(invalid_type(value, ANY_VALUE));
    }
    let pairs: Vec<(JsValue, JsValue)> = match js_sys::try_iter(value).map_err(|e| format!("{e:?}"))? {
        Some(entries) => entries
            .map(|entry| entry.map(|pair| { let pair = pair.unchecked_into::<Array>(); (pair.get(0), pair.get(1)) }).map_err(|e| format!("{e:?}")))
            .collect::<Result<_, _>>()?,
        None => Object::entries(value.unchecked_ref()).iter().map(|pair| { let pair = pair.unchecked_into::<Array>(); (pair.get(0), pair.get(1)) }).collect(),
    };
    let mut object = JsonMap::new();
    for (index, (key, item)) in pairs.into_iter().enumerate() {
        // serde_json reads the first key as "a string key", the others as "a string".
        let key = key.as_string().ok_or_else(|| invalid_type(&key, if index == 0 { "a string key" } else { "a string" }))?;
        object.insert(key, from_js(&item)?);
    }
    Ok(Value::Object(object))
}

/// serde's "invalid type" text for a JS value, as serde-wasm-bindgen words it.
fn invalid_type(value: &JsValue, expected: &str) -> String {
    let unexpected = if value.loose_eq(&JsValue::NULL) {
        "unit value".to_owned()
    } else if let Some(b) = value.as_bool() {
        format!("boolean `{b}`")
    } else if let Some(n) = value.as_f64() {
        format!("floating point `{}`", float_text(n))
    } else if value.is_instance_of::<Uint8Array>() || value.is_instance_of::<ArrayBuffer>() {
        "byte array".to_owned()
    } else {
        format!("{value:?}")
    };
    format!("invalid type: {unexpected}, expected {expected}")
}

/// An f64 as Rust's `Display` writes it (plain decimals, never an exponent), with `.0`
/// added to whole numbers as serde does; built from serde_json's shortest form so that
/// core's float formatting stays out of the module.
fn float_text(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    let shortest = Value::from(n).to_string();
    let (sign, unsigned) = match shortest.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", shortest.as_str()),
    };
    let (mantissa, exponent) = match unsigned.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let point = whole.len() as i32 + exponent;
    let (int_part, frac_part) = if point <= 0 {
        ("0".to_owned(), format!("{}{}", "0".repeat((-point) as usize), digits))
    } else if point as usize >= digits.len() {
        (format!("{digits}{}", "0".repeat(point as usize - digits.len())), String::new())
    } else {
        (digits[..point as usize].to_owned(), digits[point as usize..].to_owned())
    };
    let frac_part = frac_part.trim_end_matches('0');
    let int_part = int_part.trim_start_matches('0');
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    if frac_part.is_empty() { format!("{sign}{int_part}.0") } else { format!("{sign}{int_part}.{frac_part}") }
}

/// The answer as plain JS data, as serde-wasm-bindgen's JSON-compatible serializer made
/// it: objects (not `Map`s) filled by assignment, integers beyond ±(2^53 - 1) refused.
pub fn to_js(value: &Value) -> JsValue {
    js_value(value).unwrap_or_else(|e| {
        let fallback = crate::error("invalid_request", &format!("the answer cannot be given to JS: {e}"));
        js_value(&fallback).unwrap_or(JsValue::NULL)
    })
}

fn js_value(value: &Value) -> Result<JsValue, String> {
    const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
    Ok(match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => {
            let number = match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => (u <= MAX_SAFE_INTEGER).then_some(u as f64).ok_or_else(|| u.to_string()),
                (None, Some(i)) => (i >= -(MAX_SAFE_INTEGER as i64)).then_some(i as f64).ok_or_else(|| i.to_string()),
                _ => Ok(n.as_f64().unwrap_or(f64::NAN)),
            };
            JsValue::from_f64(number.map_err(|n| format!("{n} can't be represented as a JavaScript number"))?)
        }
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => {
            let array = Array::new();
            for item in items {
                array.push(&js_value(item)?);
            }
            array.into()
        }
        Value::Object(map) => {
            let object = Object::new();
            for (key, item) in map {
                Reflect::set(&object, &JsString::from(key.as_str()), &js_value(item)?).map_err(|e| format!("{e:?}"))?;
            }
            object.into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::float_text;

    #[test]
    fn floats_read_as_rust_display_with_a_decimal_point() {
        for n in [1.0, -1.0, 0.0, 1.5, 1e21, 1e-7, 123.456, 9007199254740993.0, 5e-324, f64::MAX, -0.0, 0.1 + 0.2] {
            assert_eq!(float_text(n), serde_display(n), "{n:e}");
        }
    }

    /// serde's `WithDecimalPoint` (what the error texts used): Display, `.0` when whole.
    fn serde_display(n: f64) -> String {
        let text = n.to_string();
        if text.contains('.') { text } else { format!("{text}.0") }
    }
}
