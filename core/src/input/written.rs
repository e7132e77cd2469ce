//! Values as the user wrote them, before anything is decided about them.
//!
//! A config, a registry or a request is first read into loose types in which a value of
//! the wrong shape does not fail the whole read: it is kept as its JSON text
//! ([`AsWritten`]), so validation can then name the key at fault and quote the value
//! (SPEC §2), whatever format the value came in (JSON, TOML or JavaScript objects).

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde::{Serialize, Serializer};
use std::borrow::Cow;

/// Messages quote at most this many characters of a value (SPEC §7: a 50 MB key is not
/// echoed whole).
const EXCERPT_CHARS: usize = 40;

/// Any value, kept as compact JSON text (a TOML date-time as the object the `toml` crate
/// gives it). It serializes back as the value it holds, in any format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsWritten(String);

impl AsWritten {
    /// The JSON text of `value`.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> AsWritten {
        // Serializing plain data to JSON cannot fail; `null` keeps the type total anyway.
        AsWritten(serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned()))
    }

    pub fn json(&self) -> &str {
        &self.0
    }

    /// The text, cut after 40 characters, for a message.
    pub fn excerpt(&self) -> String {
        match self.0.char_indices().nth(EXCERPT_CHARS) {
            Some((end, _)) => format!("{}…", &self.0[..end]),
            None => self.0.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for AsWritten {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::to_string(&serde_transcode::Transcoder::new(deserializer))
            .map(AsWritten)
            .map_err(de::Error::custom)
    }
}

impl Serialize for AsWritten {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_transcode::transcode(&mut serde_json::Deserializer::from_str(&self.0), serializer)
    }
}

impl JsonSchema for AsWritten {
    fn schema_name() -> Cow<'static, str> {
        "AnyValue".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "Any JSON value, as given." })
    }
}

/// A value that should be a `T`: the `T`, or what was written instead.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Loose<T> {
    Valid(T),
    Invalid(AsWritten),
}

impl<T> From<AsWritten> for Loose<T> {
    fn from(written: AsWritten) -> Self {
        Loose::Invalid(written)
    }
}

/// The `visit_*` methods of a serde visitor for the shapes it does not read itself: each
/// keeps the value as written (`Self::Value: From<AsWritten>`). Used by the hand-written
/// visitors of large maps (a config's services), which an untagged [`Loose`] would buffer
/// whole before reading.
macro_rules! otherwise_as_written {
    ($de:lifetime; $($shape:ident),*) => { $( otherwise_as_written!(@ $de $shape); )* };
    (@ $de:lifetime bool) => {
        fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
            Ok($crate::input::written::AsWritten::of(&value).into())
        }
    };
    (@ $de:lifetime number) => {
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok($crate::input::written::AsWritten::of(&value).into())
        }
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Self::Value, E> {
            Ok($crate::input::written::AsWritten::of(&value).into())
        }
        fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Self::Value, E> {
            Ok($crate::input::written::AsWritten::of(&value).into())
        }
    };
    (@ $de:lifetime str) => {
        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
            Ok($crate::input::written::AsWritten::of(value).into())
        }
    };
    (@ $de:lifetime null) => {
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($crate::input::written::AsWritten::of(&()).into())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($crate::input::written::AsWritten::of(&()).into())
        }
        fn visit_some<D: serde::Deserializer<$de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            serde::Deserialize::deserialize(deserializer).map(|written: $crate::input::written::AsWritten| written.into())
        }
    };
    (@ $de:lifetime seq) => {
        fn visit_seq<A: serde::de::SeqAccess<$de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let seq = serde::de::value::SeqAccessDeserializer::new(seq);
            serde::Deserialize::deserialize(seq).map(|written: $crate::input::written::AsWritten| written.into())
        }
    };
}
pub(crate) use otherwise_as_written;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_json_text_from_any_format() {
        let from_json: AsWritten =
            serde_json::from_str(r#"{"b": [1, -2, 2.5], "a": "x\ny"}"#).unwrap();
        assert_eq!(from_json.json(), r#"{"b":[1,-2,2.5],"a":"x\ny"}"#);
        let from_toml: Loose<u16> =
            toml::from_str::<std::collections::BTreeMap<String, Loose<u16>>>("v = \"yes\"")
                .unwrap()
                .remove("v")
                .unwrap();
        assert_eq!(from_toml, Loose::Invalid(AsWritten("\"yes\"".into())));
        assert_eq!(
            serde_json::to_string(&from_json).unwrap(),
            from_json.json(),
            "written back as read"
        );
    }

    #[test]
    fn excerpts_are_cut_at_forty_characters() {
        assert_eq!(AsWritten::of("short").excerpt(), "\"short\"");
        let long = AsWritten::of(&"é".repeat(100));
        assert_eq!(long.excerpt(), format!("\"{}…", "é".repeat(39)));
    }
}
