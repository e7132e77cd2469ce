//! JSON values with their reader and writers: the model of every request, answer and config.
//!
//! Our own rather than serde_json's because the browser module carries it (serde_json's
//! reader, error texts and float printer were a quarter of that module, docs/wasm-size.md).
//! Values print as serde_json prints them (objects with sorted keys, the same escapes, the
//! same pretty layout); `tests/json_differential.rs` holds the reader and writers to it.

use crate::prelude::*;

use crate::decimal::{EXPONENT_CAP, decimal_to_f64};
use alloc::collections::BTreeMap;
use core::fmt;

/// An object: keys in sorted order, so every answer prints the same on every engine.
pub type Map = BTreeMap<String, Value>;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// A JSON number: integers exactly (as serde_json: u64, else i64, else a float), and floats
/// with the text they were read from, written back as read. Floats only ever come from
/// input (no field takes one), so the core needs no float printer.
#[derive(Debug, Clone)]
pub enum Number {
    Unsigned(u64),
    Negative(i64),
    Float { value: f64, text: String },
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (self, other) {
            (Number::Unsigned(a), Number::Unsigned(b)) => a == b,
            (Number::Negative(a), Number::Negative(b)) => a == b,
            (Number::Float { value: a, .. }, Number::Float { value: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// Lists and objects may nest this deep, as in serde_json; deeper is an error, which keeps
/// the stack safe.
const MAX_DEPTH: usize = 127;

impl Value {
    /// The member `key` of an object; None for a missing key or a value that is no object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A non-negative integer (never a float, even a whole one).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(Number::Unsigned(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(Number::Unsigned(n)) => i64::try_from(*n).ok(),
            Value::Number(Number::Negative(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as text, indented by two spaces per level (serde_json's pretty form).
    pub fn to_pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(0));
        out
    }

    /// Writes the value compactly (`indent` None) or pretty at nesting level `indent`.
    fn write(&self, out: &mut String, indent: Option<usize>) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(Number::Unsigned(n)) => write_u64(out, *n),
            Value::Number(Number::Negative(n)) => {
                out.push('-');
                write_u64(out, n.unsigned_abs());
            }
            // serde_json writes the non-finite floats (TOML's inf and nan) as null.
            Value::Number(Number::Float { value, text }) => out.push_str(if value.is_finite() { text } else { "null" }),
            Value::String(s) => write_string(out, s),
            Value::Array(items) => write_list(out, indent, b"[]", items.iter().map(|item| (None, item))),
            Value::Object(object) => write_list(out, indent, b"{}", object.iter().map(|(key, value)| (Some(key.as_str()), value))),
        }
    }
}

/// An array or object: `[]`/`{}` when empty, else one member per line when pretty.
fn write_list<'v>(out: &mut String, indent: Option<usize>, brackets: &[u8; 2], members: impl ExactSizeIterator<Item = (Option<&'v str>, &'v Value)>) {
    let empty = members.len() == 0;
    out.push(char::from(brackets[0]));
    let inner = indent.map(|level| level + 1);
    for (index, (key, value)) in members.enumerate() {
        if index > 0 {
            out.push(',');
        }
        if let Some(level) = inner {
            newline(out, level);
        }
        if let Some(key) = key {
            write_string(out, key);
            out.push_str(if inner.is_some() { ": " } else { ":" });
        }
        value.write(out, inner);
    }
    if let (Some(level), false) = (indent, empty) {
        newline(out, level);
    }
    out.push(char::from(brackets[1]));
}

fn newline(out: &mut String, level: usize) {
    out.push('\n');
    (0..level).for_each(|_| out.push_str("  "));
}

/// Compact JSON text, as `to_string()`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out, None);
        f.write_str(&out)
    }
}

/// Appends `n` in decimal (the plan writer calls this for every port).
pub fn write_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[start..].iter().for_each(|&d| out.push(char::from(d)));
}

/// Appends `s` as a JSON string, escaped as serde_json does (`"`, `\`, control characters).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut plain = 0;
    for (index, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain..index]);
        plain = index + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Writes an object member by member, in the order given (callers give sorted keys): for
/// answers too big to build as a `Value` first (a plan of 60,000 services is 5.5 MB).
pub struct ObjectWriter<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> ObjectWriter<'o> {
    pub fn new(out: &'o mut String) -> Self {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    /// Starts the member `key`; its value is written next, to the returned text.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(self.out, key);
        self.out.push(':');
        self.out
    }

    pub fn string(&mut self, key: &str, value: &str) {
        write_string(self.key(key), value);
    }

    pub fn number(&mut self, key: &str, value: u64) {
        write_u64(self.key(key), value);
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

/// An object from its members (keys may come in any order: the map sorts them).
pub fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    // Inserts, not `collect()`: collecting into a BTreeMap sorts first, and that stable
    // sort alone is 3 KB of the browser module.
    let mut object = Map::new();
    for (key, value) in members {
        object.insert(key.to_owned(), value);
    }
    Value::Object(object)
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(Number::Unsigned(n))
    }
}

impl From<u16> for Value {
    fn from(n: u16) -> Value {
        Value::from(u64::from(n))
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::from(u64::from(n))
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        match u64::try_from(n) {
            Ok(n) => Value::from(n),
            Err(_) => Value::Number(Number::Negative(n)),
        }
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Value {
        Value::from(i64::from(n))
    }
}

impl From<Map> for Value {
    fn from(object: Map) -> Value {
        Value::Object(object)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(item: Option<T>) -> Value {
        item.map_or(Value::Null, Into::into)
    }
}

// ---- reading ----

/// Reads JSON text (RFC 8259, as strictly as serde_json). The error names the line and
/// column (1-based) of the fault.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: 0 };
    reader.skip_blank();
    let value = reader.value(0).and_then(|value| {
        reader.skip_blank();
        match reader.peek() {
            None => Ok(value),
            Some(_) => Err((reader.pos, "unexpected text after the value")),
        }
    });
    value.map_err(|(at, what)| fault_at(text, at, what))
}

/// `line L, column C: what`, the position of byte `at` in `text` (columns count characters).
pub(crate) fn fault_at(text: &str, at: usize, what: &str) -> String {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    format!("line {line}, column {column}: {what}")
}

type Fault = (usize, &'static str);

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Fault> {
        let start = self.pos;
        match self.peek() {
            None => Err((start, "the text ends where a value should be")),
            Some(b'{') | Some(b'[') if depth == MAX_DEPTH => Err((start, "nested more than 127 levels deep")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                for (word, value) in [("null", Value::Null), ("true", Value::Bool(true)), ("false", Value::Bool(false))] {
                    if self.bytes[start..].starts_with(word.as_bytes()) {
                        self.pos += word.len();
                        return Ok(value);
                    }
                }
                Err((start, "expected a value"))
            }
        }
    }

    /// After a member: `,` (then true) or the closing bracket (then false).
    fn separator(&mut self, close: u8, what: &'static str, inside: &'static str) -> Result<bool, Fault> {
        self.skip_blank();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_blank();
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            None => Err((self.pos, inside)),
            Some(_) => Err((self.pos, what)),
        }
    }

    /// Steps over an opening bracket and the blanks after it; true when `close` follows
    /// at once (an empty list or object), which is then stepped over too.
    fn open_is_empty(&mut self, close: u8) -> bool {
        self.pos += 1;
        self.skip_blank();
        let empty = self.peek() == Some(close);
        if empty {
            self.pos += 1;
        }
        empty
    }

    fn array(&mut self, depth: usize) -> Result<Value, Fault> {
        let mut items = Vec::new();
        if self.open_is_empty(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if !self.separator(b']', "expected `,` or `]`", "the text ends inside a list")? {
                return Ok(Value::Array(items));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Fault> {
        let mut object = Map::new();
        if self.open_is_empty(b'}') {
            return Ok(Value::Object(object));
        }
        loop {
            match self.peek() {
                Some(b'"') => {}
                None => return Err((self.pos, "the text ends inside an object")),
                Some(_) => return Err((self.pos, "expected a key (a string in double quotes)")),
            }
            let key = self.string()?;
            self.skip_blank();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err((self.pos, "the text ends inside an object")),
                Some(_) => return Err((self.pos, "expected `:`")),
            }
            self.skip_blank();
            // A repeated key keeps its last value, as in serde_json and JavaScript.
            object.insert(key, self.value(depth + 1)?);
            if !self.separator(b'}', "expected `,` or `}`", "the text ends inside an object")? {
                return Ok(Value::Object(object));
            }
        }
    }

    fn string(&mut self) -> Result<String, Fault> {
        self.pos += 1;
        let mut text = String::new();
        let mut plain = self.pos;
        loop {
            match self.peek() {
                None => return Err((self.pos, "the text ends inside a string")),
                Some(b'"') => {
                    text.push_str(&self.text[plain..self.pos]);
                    self.pos += 1;
                    return Ok(text);
                }
                Some(b'\\') => {
                    text.push_str(&self.text[plain..self.pos]);
                    self.escape(&mut text)?;
                    plain = self.pos;
                }
                Some(0..=0x1f) => return Err((self.pos, "a control character in a string must be escaped")),
                Some(_) => self.pos += 1,
            }
        }
    }

    fn escape(&mut self, text: &mut String) -> Result<(), Fault> {
        let start = self.pos;
        self.pos += 2;
        let c = match self.bytes.get(start + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let unit = self.hex4(start)?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if !self.bytes[self.pos..].starts_with(b"\\u") {
                            return Err((start, "a lone surrogate in a \\u escape"));
                        }
                        self.pos += 2;
                        let low = self.hex4(start)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err((start, "a lone surrogate in a \\u escape"));
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err((start, "a lone surrogate in a \\u escape")),
                    _ => unit,
                };
                char::from_u32(code).ok_or((start, "an invalid \\u escape"))?
            }
            None => return Err((start, "the text ends inside a string")),
            Some(_) => return Err((start, "an invalid escape (use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)")),
        };
        text.push(c);
        Ok(())
    }

    /// Four hex digits of a `\u` escape that starts at `start`.
    fn hex4(&mut self, start: usize) -> Result<u32, Fault> {
        let digits = self.bytes.get(self.pos..self.pos + 4).ok_or((start, "an invalid \\u escape"))?;
        let mut unit = 0;
        for &d in digits {
            unit = unit * 16 + char::from(d).to_digit(16).ok_or((start, "an invalid \\u escape"))?;
        }
        self.pos += 4;
        Ok(unit)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, Fault> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let whole_start = self.pos;
        let whole = self.digits();
        if whole == 0 || (whole > 1 && self.bytes[whole_start] == b'0') {
            return Err((start, "an invalid number"));
        }
        let mut fraction = "";
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let from = self.pos;
            if self.digits() == 0 {
                return Err((start, "an invalid number"));
            }
            fraction = &self.text[from..self.pos];
        }
        let mut exponent: Option<i64> = None;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            let minus = self.peek() == Some(b'-');
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let from = self.pos;
            if self.digits() == 0 {
                return Err((start, "an invalid number"));
            }
            // Saturated far beyond any text's length in digits, which is all that can bring
            // an exponent back into range.
            let size = self.bytes[from..self.pos].iter().fold(0i64, |n, d| (n * 10 + i64::from(d - b'0')).min(EXPONENT_CAP));
            exponent = Some(if minus { -size } else { size });
        }
        let whole = &self.text[whole_start..whole_start + whole];
        if fraction.is_empty()
            && exponent.is_none()
            && let Ok(magnitude) = whole.parse::<u64>()
        {
            match (negative, magnitude) {
                (false, n) => return Ok(Value::from(n)),
                // -0 is a float in serde_json too.
                (true, n) if n > 0 && n <= 1 << 63 => return Ok(Value::Number(Number::Negative(0i64.wrapping_sub_unsigned(n)))),
                _ => {}
            }
        }
        let digits = format!("{whole}{fraction}");
        let value = decimal_to_f64(&digits, exponent.unwrap_or(0) - fraction.len() as i64).ok_or((start, "a number too large"))?;
        let value = if negative { -value } else { value };
        Ok(Value::Number(Number::Float { value, text: self.text[start..self.pos].to_owned() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        parse(text).map(|v| v.to_string()).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn reads_and_writes_every_kind() {
        assert_eq!(round_trip(r#" {"b": [1, -2, 1.5e3, true, null], "a": "x\u00e9\n"} "#), r#"{"a":"xé\n","b":[1,-2,1.5e3,true,null]}"#);
        assert_eq!(round_trip("18446744073709551616"), "18446744073709551616");
        assert_eq!(parse("18446744073709551616").unwrap().as_u64(), None);
        assert_eq!(parse("-9223372036854775808").unwrap().as_i64(), Some(i64::MIN));
        assert_eq!(parse("-0").unwrap().as_i64(), None);
        assert_eq!(round_trip(r#""\ud83d\ude00\u0001""#), "\"😀\\u0001\"");
    }

    #[test]
    fn faults_name_line_and_column() {
        assert_eq!(round_trip("{\n  \"a\": 1,\n  \"b\" 2\n}"), "error: line 3, column 7: expected `:`");
        assert_eq!(round_trip("[1, 2"), "error: line 1, column 6: the text ends inside a list");
        assert_eq!(round_trip("01"), "error: line 1, column 1: an invalid number");
        assert_eq!(round_trip("1e400"), "error: line 1, column 1: a number too large");
        assert_eq!(round_trip(r#""\ud800""#), "error: line 1, column 2: a lone surrogate in a \\u escape");
        assert_eq!(round_trip("{} x"), "error: line 1, column 4: unexpected text after the value");
        assert!(round_trip(&"[".repeat(128)).contains("nested more than 127 levels deep"));
        assert!(parse(&format!("{}{}", "[".repeat(127), "]".repeat(127))).is_ok());
    }

    #[test]
    fn pretty_is_serde_jsons_layout() {
        let value = parse(r#"{"b": [], "a": {"x": [1, {}]}}"#).unwrap();
        assert_eq!(value.to_pretty(), "{\n  \"a\": {\n    \"x\": [\n      1,\n      {}\n    ]\n  },\n  \"b\": []\n}");
    }
}
