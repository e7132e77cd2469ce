//! A small TOML reader: config text and whole `pyproject.toml` files into JSON values.
//!
//! It reads TOML 1.1 (a superset of 1.0), as the `toml` crate the core used before did, and
//! gives the same values: integers as i64, floats as f64 (`inf` and `nan` become null, as
//! JSON has neither), and date-times as `{"$__toml_private_datetime": "<canonical text>"}`,
//! the shape that crate's values took in JSON, so configs holding one fail as before.
//! `tests/toml_differential.rs` holds it to that crate. It is a plain recursive-descent
//! parser over bytes with no serde machinery, because the browser build carries it.

use crate::prelude::*;

use crate::decimal::{EXPONENT_CAP, decimal_to_f64};
use crate::json::{Map, Number, Value, fault_at};

/// Parses a TOML document. The error names the line and column (1-based) of the fault.
pub fn parse(text: &str) -> Result<Map, String> {
    let mut parser = Parser { text, bytes: text.as_bytes(), pos: 0 };
    parser.document().map_err(|(at, what)| fault_at(text, at, what))
}

/// A byte offset into the text and what is wrong there.
type Fault = (usize, &'static str);
type Parsed<T> = Result<T, Fault>;

// How a table came to be, which decides what may still add to it (kept beside the values,
// keyed by path). A table without a state (inline, or inside a value) is closed for good.
/// Created as a parent of a `[header]`: one `[header]` of its own may still define it.
const IMPLICIT: u64 = 0;
/// Defined by its `[header]`, or an element of an array of tables.
const DEFINED: u64 = 1;
/// Created (or extended) by a dotted key: more dotted keys and sub-table headers may extend it.
const DOTTED: u64 = 2;
/// An array of tables, `[[header]]`.
const TABLE_ARRAY: u64 = 3;

/// How deep arrays and inline tables may nest, and how many parts a key may have: the
/// limits of the `toml` crate, which also keep the stack safe.
const MAX_DEPTH: usize = 80;

/// The state key of a child table: length-prefixed, so no key can forge another path.
fn child_path(path: &str, key: &str) -> String {
    format!("{path}{}:{key}", key.len())
}

fn state(states: &Map, path: &str) -> Option<u64> {
    states.get(path).and_then(Value::as_u64)
}

/// The table a `[header]` opened, found again from the root by its keys.
fn table_at<'t>(root: &'t mut Map, keys: &[String]) -> Option<&'t mut Map> {
    keys.iter().try_fold(root, |table, key| match table.get_mut(key)? {
        Value::Array(items) => items.last_mut()?.as_object_mut(),
        value => value.as_object_mut(),
    })
}

/// Applies a `[header]` or `[[header]]`: returns the path of the table it opened.
fn open_table(root: &mut Map, states: &mut Map, keys: &[(String, usize)], array: bool) -> Parsed<String> {
    let mut table = root;
    let mut path = String::new();
    for (index, (key, at)) in keys.iter().enumerate() {
        let last = index + 1 == keys.len();
        path = child_path(&path, key);
        match (table.contains_key(key), state(states, &path)) {
            (false, _) => {
                let (value, new_state) = match (last, array) {
                    (true, true) => (Value::Array(Vec::new()), TABLE_ARRAY),
                    (true, false) => (Value::Object(Map::new()), DEFINED),
                    _ => (Value::Object(Map::new()), IMPLICIT),
                };
                table.insert(key.clone(), value);
                states.insert(path.clone(), new_state.into());
            }
            (true, Some(IMPLICIT)) if last && !array => {
                states.insert(path.clone(), DEFINED.into());
            }
            (true, Some(TABLE_ARRAY)) if last && array => {}
            (true, Some(_)) if !last => {}
            (true, Some(_)) => return Err((*at, "this table is already defined")),
            (true, None) => return Err((*at, "this key already holds a value that is not a table")),
        }
        table = match table.get_mut(key) {
            Some(Value::Array(items)) => {
                if last {
                    items.push(Value::Object(Map::new()));
                }
                path = format!("{path}[{}]", items.len() - 1);
                if last {
                    states.insert(path.clone(), DEFINED.into());
                }
                items.last_mut().and_then(Value::as_object_mut)
            }
            Some(value) => value.as_object_mut(),
            None => None,
        }
        .ok_or((*at, "this key already holds a value that is not a table"))?;
    }
    Ok(path)
}

/// Stores `keys = value` in `table` (whose state path is `path`), making the tables of a
/// dotted key on the way.
fn insert(mut table: &mut Map, states: &mut Map, path: &str, mut keys: Vec<(String, usize)>, value: Value) -> Parsed<()> {
    let (last, last_at) = keys.pop().unwrap_or_default();
    let mut path = path.to_owned();
    for (key, at) in keys {
        path = child_path(&path, &key);
        if !table.contains_key(&key) {
            table.insert(key.clone(), Value::Object(Map::new()));
            states.insert(path.clone(), DOTTED.into());
        } else {
            // A table made implicitly by a header may be extended by dotted keys, but then
            // it is a dotted key's table and no header can define it any more.
            match state(states, &path) {
                Some(IMPLICIT | DOTTED) => states.insert(path.clone(), DOTTED.into()),
                _ => return Err((at, "a dotted key cannot add to this key")),
            };
        }
        table = table.get_mut(&key).and_then(Value::as_object_mut).ok_or((at, "a dotted key cannot add to this key"))?;
    }
    if table.contains_key(&last) {
        return Err((last_at, "duplicate key"));
    }
    table.insert(last, value);
    Ok(())
}

fn is_control(c: char) -> bool {
    (c < ' ' && c != '\t') || c == '\x7f'
}

fn is_bare_key(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    /// The byte at the cursor; 0 at the end (a real NUL is a control character and is
    /// rejected wherever it appears, so the two never get confused).
    fn peek(&self) -> u8 {
        self.bytes.get(self.pos).copied().unwrap_or(0)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = !self.at_end() && self.peek() == b;
        self.pos += usize::from(found);
        found
    }

    fn expect(&mut self, b: u8, what: &'static str) -> Parsed<()> {
        if self.eat(b) { Ok(()) } else { Err((self.pos, what)) }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), b' ' | b'\t') {
            self.pos += 1;
        }
    }

    fn newline(&mut self) -> bool {
        if self.bytes[self.pos..].starts_with(b"\r\n") {
            self.pos += 2;
            true
        } else {
            self.eat(b'\n')
        }
    }

    /// A `#` comment up to (not including) the end of its line, if one is here.
    fn comment(&mut self) -> Parsed<()> {
        if self.eat(b'#') {
            while !self.at_end() && !self.bytes[self.pos..].starts_with(b"\r\n") && self.peek() != b'\n' {
                let c = self.next_char()?;
                if is_control(c) {
                    return Err((self.pos - 1, "control character in a comment"));
                }
            }
        }
        Ok(())
    }

    /// Whitespace, comments and newlines (inside arrays and inline tables).
    fn skip_blank(&mut self) -> Parsed<()> {
        loop {
            self.skip_ws();
            self.comment()?;
            if !self.newline() {
                return Ok(());
            }
        }
    }

    /// After an expression: an optional comment, then a newline or the end.
    fn line_end(&mut self) -> Parsed<()> {
        self.skip_ws();
        self.comment()?;
        if self.at_end() || self.newline() { Ok(()) } else { Err((self.pos, "expected the end of the line")) }
    }

    fn next_char(&mut self) -> Parsed<char> {
        let c = self.text[self.pos..].chars().next().ok_or((self.pos, "unexpected end of text"))?;
        self.pos += c.len_utf8();
        Ok(c)
    }

    fn document(&mut self) -> Parsed<Map> {
        if self.bytes.starts_with("\u{feff}".as_bytes()) {
            self.pos = 3;
        }
        let mut root = Map::new();
        let mut states = Map::new();
        // The table the key/value lines go to: its keys from the root and its state path.
        let mut current: Vec<String> = Vec::new();
        let mut current_path = String::new();
        loop {
            self.skip_ws();
            if self.at_end() {
                return Ok(root);
            }
            match self.peek() {
                b'[' => {
                    self.pos += 1;
                    let array = self.eat(b'[');
                    let keys = self.keys()?;
                    self.expect(b']', "expected `]`")?;
                    if array {
                        self.expect(b']', "expected `]]`")?;
                    }
                    current_path = open_table(&mut root, &mut states, &keys, array)?;
                    current = keys.into_iter().map(|(key, _)| key).collect();
                }
                b'#' | b'\r' | b'\n' => {}
                _ => {
                    let at = self.pos;
                    let table = table_at(&mut root, &current).ok_or((at, "the current table is lost"))?;
                    self.key_value(table, &mut states, &current_path, 0)?;
                }
            }
            self.line_end()?;
        }
    }

    /// A key, dotted or not, with the offset of each part.
    fn keys(&mut self) -> Parsed<Vec<(String, usize)>> {
        let mut keys = Vec::new();
        loop {
            self.skip_ws();
            let at = self.pos;
            let key = match self.peek() {
                b'"' | b'\'' => self.string(false)?,
                _ => {
                    while is_bare_key(self.peek()) {
                        self.pos += 1;
                    }
                    if self.pos == at {
                        return Err((at, "expected a key"));
                    }
                    self.text[at..self.pos].to_owned()
                }
            };
            keys.push((key, at));
            if keys.len() > MAX_DEPTH {
                return Err((at, "a key of too many parts"));
            }
            self.skip_ws();
            if !self.eat(b'.') {
                return Ok(keys);
            }
        }
    }

    fn key_value(&mut self, table: &mut Map, states: &mut Map, path: &str, depth: usize) -> Parsed<()> {
        let keys = self.keys()?;
        // Inside an inline table the toml crate allows newlines and comments around `=`.
        let inline = depth > 0;
        if inline {
            self.skip_blank()?;
        }
        self.expect(b'=', "expected `=` after a key")?;
        self.skip_ws();
        if inline {
            self.skip_blank()?;
        }
        let value = self.value(depth)?;
        insert(table, states, path, keys, value)
    }

    fn value(&mut self, depth: usize) -> Parsed<Value> {
        if depth >= MAX_DEPTH && matches!(self.peek(), b'[' | b'{') {
            return Err((self.pos, "arrays and tables nest too deeply"));
        }
        match self.peek() {
            b'"' | b'\'' => self.string(true).map(Value::String),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_blank()?;
                    if self.eat(b']') {
                        return Ok(Value::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                    self.skip_blank()?;
                    if !self.eat(b',') {
                        self.expect(b']', "expected `,` or `]`")?;
                        return Ok(Value::Array(items));
                    }
                }
            }
            b'{' => {
                self.pos += 1;
                // An inline table is a world of its own: its dotted keys are tracked here.
                let mut table = Map::new();
                let mut states = Map::new();
                loop {
                    self.skip_blank()?;
                    if self.eat(b'}') {
                        return Ok(Value::Object(table));
                    }
                    self.key_value(&mut table, &mut states, "", depth + 1)?;
                    self.skip_blank()?;
                    if !self.eat(b',') {
                        self.expect(b'}', "expected `,` or `}`")?;
                        return Ok(Value::Object(table));
                    }
                }
            }
            _ => self.scalar(),
        }
    }

    /// A string of any of the four kinds (`multiline` allows the triple-quoted ones).
    fn string(&mut self, multiline: bool) -> Parsed<String> {
        let start = self.pos;
        let quote = self.peek();
        let delimiter = if quote == b'"' { "\"\"\"" } else { "'''" };
        let multi = multiline && self.bytes[self.pos..].starts_with(delimiter.as_bytes());
        if multi {
            self.pos += 3;
            self.newline(); // a newline right after the opening quotes is not part of the string
        } else {
            self.pos += 1;
        }
        let mut text = String::new();
        loop {
            let at = self.pos;
            if self.at_end() {
                return Err((start, "unterminated string"));
            }
            let c = self.next_char()?;
            if c == char::from(quote) {
                if !multi {
                    return Ok(text);
                }
                if self.bytes[at..].starts_with(delimiter.as_bytes()) {
                    // One or two quotes right before the closing three belong to the string.
                    let run = self.bytes[at..].iter().take_while(|&&b| b == quote).count();
                    if run > 5 {
                        return Err((at, "too many quotes in a row"));
                    }
                    text.push_str(&delimiter[..run - 3]);
                    self.pos = at + run;
                    return Ok(text);
                }
                text.push(c);
            } else if c == '\\' && quote == b'"' {
                self.escape(&mut text, multi)?;
            } else if multi && (c == '\n' || (c == '\r' && self.peek() == b'\n')) {
                text.push(c);
            } else if is_control(c) {
                return Err((at, if c == '\n' { "unterminated string" } else { "control character in a string" }));
            } else {
                text.push(c);
            }
        }
    }

    /// After a backslash in a basic string.
    fn escape(&mut self, text: &mut String, multi: bool) -> Parsed<()> {
        let at = self.pos - 1;
        let c = match self.peek() {
            b'b' => '\u{8}',
            b't' => '\t',
            b'n' => '\n',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b'"' => '"',
            b'\\' => '\\',
            b'x' => return self.hex_escape(text, 2),
            b'u' => return self.hex_escape(text, 4),
            b'U' => return self.hex_escape(text, 8),
            b' ' | b'\t' | b'\r' | b'\n' if multi => {
                // A line-ending backslash: it, the rest of the line's whitespace and all
                // whitespace and newlines after it vanish.
                self.skip_ws();
                if !self.newline() {
                    return Err((at, "invalid escape"));
                }
                self.skip_blank_lines();
                return Ok(());
            }
            _ => return Err((at, "invalid escape")),
        };
        self.pos += 1;
        text.push(c);
        Ok(())
    }

    fn skip_blank_lines(&mut self) {
        loop {
            self.skip_ws();
            if !self.newline() {
                return;
            }
        }
    }

    /// `\xHH`, `\uHHHH` or `\UHHHHHHHH`, the cursor on the letter.
    fn hex_escape(&mut self, text: &mut String, digits: usize) -> Parsed<()> {
        let at = self.pos - 1;
        let hex = self.text.get(self.pos + 1..self.pos + 1 + digits).filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()));
        let c = hex.and_then(|hex| u32::from_str_radix(hex, 16).ok()).and_then(char::from_u32).ok_or((at, "invalid unicode escape"))?;
        self.pos += 1 + digits;
        text.push(c);
        Ok(())
    }

    /// A boolean, number or date-time.
    fn scalar(&mut self) -> Parsed<Value> {
        let start = self.pos;
        let scan = |parser: &mut Self| {
            while matches!(parser.peek(), b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'+' | b'-' | b'.' | b':') {
                parser.pos += 1;
            }
        };
        scan(self);
        // A date, a space and a time are one date-time.
        let rest = &self.bytes[self.pos..];
        if self.pos - start == 10 && self.bytes[start + 4] == b'-' && rest.len() > 3 && rest[0] == b' ' && rest[1].is_ascii_digit() && rest[2].is_ascii_digit() && rest[3] == b':' {
            self.pos += 1;
            scan(self);
        }
        let token = &self.text[start..self.pos];
        scalar_value(token).ok_or((start, if token.is_empty() { "expected a value" } else { "invalid value" }))
    }
}

fn scalar_value(token: &str) -> Option<Value> {
    let bytes = token.as_bytes();
    match token {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        // JSON has no infinity or NaN: serde_json makes them null.
        "inf" | "+inf" | "-inf" | "nan" | "+nan" | "-nan" => return Some(Value::Null),
        _ => {}
    }
    let digits_then = |count: usize, separator: u8| bytes.len() > count && bytes[..count].iter().all(u8::is_ascii_digit) && bytes[count] == separator;
    if digits_then(4, b'-') || digits_then(2, b':') {
        return datetime(token).map(|text| {
            let mut wrapper = Map::new();
            wrapper.insert("$__toml_private_datetime".to_owned(), Value::String(text));
            Value::Object(wrapper)
        });
    }
    let unsigned = token.strip_prefix(['+', '-']).unwrap_or(token);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = token.strip_prefix(prefix) {
            let digits = digit_run(digits, radix)?;
            return i64::from_str_radix(&digits, radix).ok().map(Value::from);
        }
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(index) => (&unsigned[..index], Some(&unsigned[index + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let whole = digit_run(whole, 10)?;
    if whole.len() > 1 && whole.starts_with('0') {
        return None; // no leading zeros
    }
    if fraction.is_none() && exponent.is_none() {
        let sign = if token.starts_with('-') { "-" } else { "" };
        return format!("{sign}{whole}").parse::<i64>().ok().map(Value::from);
    }
    if let Some(fraction) = fraction {
        digit_run(fraction, 10)?;
    }
    if let Some(exponent) = exponent {
        digit_run(exponent.strip_prefix(['+', '-']).unwrap_or(exponent), 10)?;
    }
    // Saturated far beyond any text's length in digits, which is all that can bring an
    // exponent back into range.
    let exponent = exponent.map_or(0, |text| {
        let size = text.bytes().filter(u8::is_ascii_digit).fold(0i64, |n, d| (n * 10 + i64::from(d - b'0')).min(EXPONENT_CAP));
        if text.starts_with('-') { -size } else { size }
    });
    let fraction = fraction.unwrap_or_default().replace('_', "");
    let magnitude = decimal_to_f64(&format!("{whole}{fraction}"), exponent - fraction.len() as i64)?;
    let value = if token.starts_with('-') { -magnitude } else { magnitude };
    // The text as JSON writes it: no underscores, no plus sign before the number.
    let text = token.strip_prefix('+').unwrap_or(token).replace('_', "");
    Some(Value::Number(Number::Float { value, text }))
}

/// Digits of `radix` with single underscores between them, without the underscores.
fn digit_run(text: &str, radix: u32) -> Option<String> {
    let digit = |c: char| c.is_digit(radix);
    let valid = text.starts_with(digit) && text.ends_with(digit) && !text.contains("__") && text.chars().all(|c| c == '_' || digit(c));
    valid.then(|| text.replace('_', ""))
}

/// A date-time, date or time in the canonical text of the `toml` crate (`T` between date
/// and time, `Z` for UTC, the fraction cut to nanoseconds without trailing zeros).
fn datetime(token: &str) -> Option<String> {
    let number = |text: &str, max: u32| -> Option<u32> {
        let value: u32 = text.parse().ok()?;
        (text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()) && value <= max).then_some(value)
    };
    let mut out = String::new();
    let mut rest = token;
    let has_date = token.as_bytes().get(4) == Some(&b'-');
    if has_date {
        let date = rest.get(..10)?;
        let year: u32 = date[..4].parse().ok().filter(|_| date[..4].bytes().all(|b| b.is_ascii_digit()))?;
        if date.as_bytes()[7] != b'-' {
            return None;
        }
        let month = number(&date[5..7], 12).filter(|&m| m >= 1)?;
        let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        number(&date[8..10], days).filter(|&d| d >= 1)?;
        out.push_str(date);
        rest = &rest[10..];
        if rest.is_empty() {
            return Some(out);
        }
        if !rest.starts_with(['T', 't', ' ']) {
            return None;
        }
        rest = &rest[1..];
        out.push('T');
    }
    // HH:MM, then :SS and a fraction if present.
    number(rest.get(..2)?, 23)?;
    if rest.get(2..3)? != ":" {
        return None;
    }
    number(rest.get(3..5)?, 59)?;
    out.push_str(&rest[..5]);
    rest = &rest[5..];
    if let Some(seconds) = rest.strip_prefix(':') {
        number(seconds.get(..2)?, 60)?;
        out.push_str(&rest[..3]);
        rest = &seconds[2..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let nanos = fraction[..digits.min(9)].trim_end_matches('0');
            out.push('.');
            out.push_str(if nanos.is_empty() { "0" } else { nanos });
            rest = &fraction[digits..];
        }
    }
    if !has_date || rest.is_empty() {
        return rest.is_empty().then_some(out);
    }
    if rest == "Z" || rest == "z" {
        out.push('Z');
        return Some(out);
    }
    // A numeric offset; -00:00 reads as +00:00.
    let sign = rest.get(..1)?;
    let hours = number(rest.get(1..3)?, 23)?;
    let minutes = number(rest.get(4..)?, 59)?;
    if !matches!(sign, "+" | "-") || rest.get(3..4)? != ":" {
        return None;
    }
    out.push_str(if sign == "-" && hours + minutes > 0 { "-" } else { "+" });
    out.push_str(&rest[1..]);
    Some(out)
}
