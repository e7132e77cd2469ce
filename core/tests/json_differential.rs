//! Our JSON reader and writers (src/json.rs) against serde_json, the crate the core used
//! before: every text one accepts the other accepts, with the same value (the same kind of
//! number, the same u64/i64 readings, the same float bits), and values without floats print
//! byte for byte as serde_json prints them, compact and pretty. Floats print as the text they
//! were read from, so they are compared by reading our text back with serde_json.

use portplan::json::{self, Number};
use proptest::prelude::*;
use serde_json::Value;

fn reference(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Both agree on `text`; returns whether it is valid JSON.
fn agree(text: &str) -> bool {
    let at = shown(text);
    match (reference(text), json::parse(text)) {
        (Ok(expected), Ok(got)) => {
            same(&got, &expected, &at);
            // Ours printed and read back by serde_json. Compare the JSON text too: `==` on
            // floats takes -0.0 for 0.0.
            for printed in [got.to_string(), got.to_pretty()] {
                let back: Value = serde_json::from_str(&printed).unwrap_or_else(|e| panic!("our text {printed:?} of {at} does not read back: {e}"));
                assert_eq!(back, expected, "values differ for {at}");
                assert_eq!(back.to_string(), expected.to_string(), "values differ for {at}");
            }
            if !has_float(&expected) {
                writers_agree(&got, &expected);
            }
            true
        }
        (Err(_), Err(message)) => {
            check_message(text, &message);
            false
        }
        (Ok(expected), Err(message)) => panic!("we reject what serde_json accepts: {at}\nours: {message}\nserde_json: {expected}"),
        (Err(message), Ok(got)) => panic!("we accept what serde_json rejects: {at}\nours: {got}\nserde_json: {message}"),
    }
}

/// `text` for a failure message: the million-digit numbers below would drown it.
fn shown(text: &str) -> String {
    match text.char_indices().nth(120) {
        Some((end, _)) => format!("{:?}… ({} bytes)", &text[..end], text.len()),
        None => format!("{text:?}"),
    }
}

fn valid(text: &str) {
    assert!(agree(text), "expected valid JSON: {}", shown(text));
}

fn invalid(text: &str) {
    assert!(!agree(text), "expected invalid JSON: {}", shown(text));
}

/// The same value node by node: the same kind of number (u64, negative i64, float), the same
/// `as_u64`/`as_i64`, and floats with the same bits (so -0.0 and rounding are checked, which
/// reading our text back would not check: we print a float as the text it was read from).
fn same(ours: &json::Value, theirs: &Value, at: &str) {
    match (ours, theirs) {
        (json::Value::Null, Value::Null) => {}
        (json::Value::Bool(a), Value::Bool(b)) => assert_eq!(a, b, "in {at}"),
        (json::Value::String(a), Value::String(b)) => assert_eq!(a, b, "in {at}"),
        (json::Value::Number(number), Value::Number(n)) => {
            assert_eq!(ours.as_u64(), n.as_u64(), "as_u64 of {n} in {at}");
            assert_eq!(ours.as_i64(), n.as_i64(), "as_i64 of {n} in {at}");
            match number {
                Number::Unsigned(a) => assert_eq!(Some(*a), n.as_u64().filter(|_| n.is_u64()), "{n} in {at}"),
                Number::Negative(a) => assert!(*a < 0 && n.is_i64() && n.as_i64() == Some(*a), "{a} against {n} in {at}"),
                Number::Float { value, .. } => {
                    assert!(n.is_f64(), "we read {value:?}, serde_json {n} in {at}");
                    assert_eq!(value.to_bits(), n.as_f64().unwrap().to_bits(), "we read {value:?}, serde_json {n} in {at}");
                }
            }
        }
        (json::Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "array lengths in {at}");
            a.iter().zip(b).for_each(|(a, b)| same(a, b, at));
        }
        (json::Value::Object(a), Value::Object(b)) => {
            assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "keys in {at}");
            a.iter().for_each(|(key, a)| same(a, &b[key], at));
        }
        _ => panic!("different kinds: ours {ours:?}, serde_json {theirs:?} for {at}"),
    }
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(members) => members.values().any(has_float),
        _ => false,
    }
}

/// Without floats our text is serde_json's exactly: key order, escapes, pretty layout.
fn writers_agree(ours: &json::Value, theirs: &Value) {
    assert_eq!(ours.to_string(), theirs.to_string());
    assert_eq!(ours.to_pretty(), serde_json::to_string_pretty(theirs).unwrap());
}

/// `line L, column C: what`, with L and C (1-based, columns in characters) inside the text
/// or just after its last character.
fn check_message(text: &str, message: &str) {
    let at = shown(text);
    let parsed = message.strip_prefix("line ").and_then(|rest| {
        let (line, rest) = rest.split_once(", column ")?;
        let (column, what) = rest.split_once(": ")?;
        Some((line.parse::<usize>().ok()?, column.parse::<usize>().ok()?, what))
    });
    let Some((line, column, what)) = parsed else { panic!("no `line L, column C: ` in {message:?} for {at}") };
    assert!(!what.is_empty(), "{message:?}");
    let lines: Vec<&str> = text.split('\n').collect();
    assert!((1..=lines.len()).contains(&line), "{message:?} is past the end of {at}");
    assert!((1..=lines[line - 1].chars().count() + 1).contains(&column), "{message:?} is past the end of its line in {at}");
}

fn serde_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn our_string(s: &str) -> String {
    let mut out = String::new();
    json::write_string(&mut out, s);
    out
}

// ---- a hand-written corpus ----

#[test]
fn every_escape() {
    valid(r#""\" \\ \/ \b \f \n \r \t""#);
    valid(r#""\u0000 \u001f \u001F \u0020 \u0041 \u007f \u0080 \u00e9 \u00E9 \u20AC \u2028 \ufeff \uFFFF \uFFFE \uD7FF \uE000""#);
    valid(r#""\uD83D\uDE00 \ud83d\ude00 \uD800\uDC00 \uDBFF\uDFFF \uDbFf\uDfFf""#);
    valid(r#""a\u0062c\"\\""#);
    valid(r#"["\u0000", "\\u0000", "\\", "\/\/"]"#);
    valid(r#"{"\u0041": 1, "A\u0000": 2, "\ud83d\ude00": 3}"#);
    for lone in [r"\uD800", r"\uDBFF", r"\uDC00", r"\uDFFF", r"\uD800\u0041", r"\uD800\uD800", r"\uD800\uD800\uDC00", r"\uDC00\uD800", r"\uD800x", r"\uD800\n", r"\uD800\\", r"\uD800\u", r"\uD800\uDC0", r"\uDBFF\uE000", r"\uD800\uDBFF"] {
        invalid(&format!("\"{lone}\""));
        invalid(&format!("\"{lone}"));
        invalid(&format!("[\"a{lone}z\"]"));
    }
    for bad in [r"\x41", r"\a", r"\'", r"\U0001F600", r"\0", r"\ ", r"\u12", r"\u12G4", r"\u", r"\u 123", r"\u+123", r"\u-123", r"\uZZZZ", r"\N", r"\e", "\\\n", "\\é", "\\😀", r"\u00é9", "\\u00"] {
        invalid(&format!("\"{bad}\""));
        invalid(&format!("\"x{bad}y\" "));
    }
    // The text ends inside an escape.
    for cut in ["\"\\", "\"\\u", "\"\\u0", "\"\\u00e", "\"\\uD83D", "\"\\uD83D\\", "\"\\uD83D\\u", "\"\\uD83D\\uDE0", "\"\\uD83D\\uDE00"] {
        invalid(cut);
    }
}

#[test]
fn raw_characters_in_strings() {
    for byte in 0u8..0x20 {
        let c = char::from(byte);
        invalid(&format!("\"{c}\""));
        invalid(&format!("\"a{c}b\""));
        invalid(&format!("{{\"k{c}\": 1}}"));
    }
    for c in ['\u{7f}', '\u{80}', '\u{9f}', '\u{a0}', 'é', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffd}', '\u{ffff}', '😀', '\u{10ffff}', '/', '\''] {
        valid(&format!("\"{c}\""));
        valid(&format!("{{\"{c}\": \"{c}{c}\"}}"));
    }
    invalid("\"unterminated");
    invalid("\"");
    invalid("[\"a]");
    invalid("{\"a: 1}");
    invalid("'single'");
    valid("\"\"");
}

#[test]
fn numbers() {
    for text in [
        "0", "-0", "1", "-1", "0.0", "-0.0", "1E5", "1e5", "1e+5", "1e-5", "1E-5", "1.5e3", "-1.5e-3", "1E+0", "0e0", "0E-0", "-0e+0", "1e0001", "0.5", "10", "100e-2",
        "123456789", "4294967296", "9007199254740993", "9007199254740993.0", "0.1", "0.3", "1e23", "123456789012345678901234567890.5",
        "9223372036854775807", "9223372036854775808", "-9223372036854775807", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "-18446744073709551615", "-18446744073709551616", "18446744073709551615.0", "1844674407370955161500e-2",
        "99999999999999999999999999", "-99999999999999999999999999", "340282366920938463463374607431768211456",
        "1e-400", "-1e-400", "1e-99999999999999999999", "-1e-99999999999999999999", "0e99999999999999999999", "-0e99999999999999999999",
        "0.0e99999999999999999999", "0e+99999999999999999999", "1.7976931348623157e308", "-1.7976931348623157e308", "1.7976931348623158e308",
        "5e-324", "-5e-324", "2.4703282292062328e-324", "2.4703282292062327e-324", "4.9406564584124654e-324", "2.2250738585072011e-308",
        "2.2250738585072012e-308", "8.98846567431158e307", "1e308", "0.1e309", "10e307", "1e-330", "0.000001e-320",
    ] {
        valid(text);
        valid(&format!("[{text}]"));
        valid(&format!("{{\"n\": {text}}}"));
        valid(&format!(" {text} "));
    }
    for text in [
        "-", "+", "01", "-01", "00", "-00", "1.", "-1.", "1.e5", ".5", "-.5", "1e", "1e+", "1e-", "1E", "1.5e", "+1", "--1", "- 1", "1 2", "0x10", "0b1", "1e5.5", "1.5.5", "1_000",
        "Infinity", "-Infinity", "NaN", "-NaN", "inf", "nan", "1e400", "-1e400", "1e99999999999999999999", "0.1e99999999999999999999", "-1e99999999999999999999",
        "1.7976931348623159e308", "1e309", "2e308", "1e2147483647", "1e2147483648", "1e2147483647e", "00000", "00000e1", "0-1", "1-", "1+1", "1e1e1", "0.", "0.e1", "1ee1", "1e+-1", "١", "1\u{0}",
    ] {
        invalid(text);
        invalid(&format!("[{text}]"));
        invalid(&format!("{{\"n\": {text}}}"));
    }
    invalid("[1,-]");
    invalid("[-]");
    invalid("{\"a\":-}");
}

#[test]
fn long_numbers() {
    // Around the largest double: 2^1024 - 2^970 is halfway to 2^1024 and rounds up (out of range).
    const HALFWAY: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
    let below = format!("{}1", &HALFWAY[..HALFWAY.len() - 1]);
    valid(&below);
    valid(&format!("-{below}"));
    valid(&format!("{}.99999999999999999999", &below));
    invalid(HALFWAY);
    invalid(&format!("-{HALFWAY}"));
    valid(&format!("{below}0e-1"));
    invalid(&format!("{HALFWAY}0e-1"));
    valid(&format!("{below}.{}e-5", "9".repeat(50)));
    // 400 digits: too big as an integer, fine as a fraction or with an exponent.
    let digits: String = (0..400).map(|i| char::from(b'1' + (i * 7 % 9) as u8)).collect();
    invalid(&digits);
    invalid(&format!("-{digits}"));
    valid(&format!("0.{digits}"));
    valid(&format!("-0.{digits}"));
    valid(&format!("{digits}e-300"));
    valid(&format!("{digits}e-800"));
    valid(&format!("{digits}.{digits}e-399"));
    valid(&format!("0.{digits}e300"));
    valid(&format!("1{}e-400", "0".repeat(399)));
    valid(&format!("0.{}1e400", "0".repeat(399)));
    valid(&format!("0.{}1", "0".repeat(400)));
    valid(&format!("1{}", "0".repeat(308)));
    invalid(&format!("1{}", "0".repeat(309)));
    valid(&format!("{}1", "0.".to_owned() + &"0".repeat(323)));
    // Past the digits that decide the rounding, the tail still decides a tie.
    let tie = format!("9007199254740993.{}", "0".repeat(900));
    valid(&tie);
    valid(&format!("{tie}1"));
    valid(&format!("-{tie}1e-10"));
    // 2^-1075, halfway between 0 and the least subnormal: a tie (to even: 0), then just above it.
    const TINY_TIE: &str = "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125e-324";
    valid(TINY_TIE);
    valid(&TINY_TIE.replace("e-324", "1e-324"));
    valid(&TINY_TIE.replace("e-324", "0000000000000000000000000000000000000000001e-324"));
}

#[test]
fn exponents_past_a_million() {
    // A million digits move the exponent back into range: 0.(999,999 zeros)1e1000001 is
    // 10 and 1(1,000,000 zeros)e-1000001 is 0.1.
    let zeros = "0".repeat(999_999);
    for text in [format!("0.{zeros}1e1000001"), format!("1{zeros}0e-1000001"), format!("-0.{zeros}1E+1000001"), format!("0.{zeros}1e1000000")] {
        valid(&text);
    }
    for text in ["1e1000000", "1e1000001", "0.1e1000002"] {
        invalid(text);
    }
    for text in ["1e-1000000", "1e-1000001", "10e-1000002", "0e1000001"] {
        valid(text);
    }
}

#[test]
fn whitespace() {
    for blank in [" ", "\t", "\n", "\r", "\r\n", " \t\n\r "] {
        valid(&format!("{blank}1{blank}"));
        valid(&format!("{blank}[{blank}1{blank},{blank}2{blank}]{blank}"));
        valid(&format!("{blank}{{{blank}\"a\"{blank}:{blank}null{blank},{blank}\"b\"{blank}:{blank}[{blank}]{blank}}}{blank}"));
        valid(&format!("[{blank}]"));
        valid(&format!("{{{blank}}}"));
        invalid(blank);
    }
    for bad in ["\u{c}", "\u{b}", "\u{a0}", "\u{feff}", "\u{2028}", "\u{2029}", "\u{3000}", "\u{85}", "\u{0}", "\u{1680}", "\u{200b}"] {
        invalid(&format!("{bad}1"));
        invalid(&format!("1{bad}"));
        invalid(&format!("[1{bad}]"));
        invalid(&format!("[1,{bad}2]"));
        invalid(&format!("{{{bad}\"a\":1}}"));
        invalid(&format!("{{\"a\"{bad}:1}}"));
        invalid(&format!("{{\"a\":{bad}1}}"));
    }
    invalid("");
}

#[test]
fn literals_and_structure() {
    for text in ["true", "false", "null", "[true,false,null]", "{\"t\":true}", "[]", "{}", "[[]]", "[{}]", "{\"a\":{}}", "\"\"", "[\"\"]"] {
        valid(text);
    }
    for text in [
        "tru", "fals", "nul", "t", "n", "f", "True", "FALSE", "Null", "NULL", "truee", "nulll", "falsetrue", "true false", "null,", "[tru]", "[true,nul]", "{\"a\":fals}", "undefined", "none",
        "[1,]", "[1,,2]", "[,]", "[,1]", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{\"a\"::1}", "{a:1}", "{'a':1}", "{1:1}", "{null:1}", "{\"a\":1 \"b\":2}", "{\"a\":1;\"b\":2}",
        "[1 2]", "[1;2]", "[", "]", "{", "}", "[[]", "[]]", "{}}", "{{}}", "[}", "{]", "{\"a\":[}", "[{]}", "[1]]", "{} {}", "[] x", "1 1", "\"a\" \"b\"", "[]/", "[] //", "/* */ 1", "1 # c",
        "{\"a\":1", "{\"a\"", "{\"a\":", "[1", "[1,", "\"a", "(1)", "<1>",
    ] {
        invalid(text);
    }
}

#[test]
fn keys() {
    valid("{\"\": 1}");
    valid("{\"\": {\"\": []}}");
    valid("{\"a\": 1, \"a\": 2}");
    valid("{\"a\": 1, \"b\": 2, \"a\": 3}");
    valid("{\"a\": [1], \"a\": {\"b\": true}, \"a\": null}");
    valid("{\"b\": 1, \"a\": 2, \"B\": 3, \"\": 4, \"é\": 5, \"😀\": 6, \"\\u0000\": 7, \"aa\": 8, \"a\\u0000\": 9, \"~\": 10, \"\u{7f}\": 11, \"\u{ffff}\": 12, \"\\uD800\\uDC00\": 13}");
    // Two spellings of one key: the last wins.
    valid("{\"A\": 1, \"\\u0041\": 2}");
    // Last wins, in both; the agreement above already compares, this pins the meaning.
    let value = json::parse("{\"a\": 1, \"b\": 2, \"a\": 3}").unwrap();
    assert_eq!(value.get("a").and_then(json::Value::as_u64), Some(3));
    assert_eq!(value.to_string(), "{\"a\":3,\"b\":2}");
}

/// Nested `depth` levels: arrays, objects, and both alternating.
fn nested(depth: usize, kind: usize) -> String {
    match kind {
        0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        1 => format!("{}null{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
        2 => format!("{}1{}", "[0, ".repeat(depth), "]".repeat(depth)),
        3 => format!("{}{{}}{}", "{\"k\": ".repeat(depth - 1), "}".repeat(depth - 1)),
        _ => {
            let open: String = (0..depth).map(|i| if i % 2 == 0 { "[" } else { "{\"x\":" }).collect();
            let close: String = (0..depth).rev().map(|i| if i % 2 == 0 { "]" } else { "}" }).collect();
            format!("{open}null{close}")
        }
    }
}

#[test]
fn nesting_limit_is_serde_jsons() {
    let mut differ = Vec::new();
    for kind in 0..5 {
        // The first depth serde_json rejects (its recursion limit); ours must switch there too.
        let limit = (1..300).find(|&depth| reference(&nested(depth, kind)).is_err()).expect("serde_json has a nesting limit");
        let ours = (1..300).find(|&depth| json::parse(&nested(depth, kind)).is_err()).expect("we have a nesting limit");
        if ours != limit {
            differ.push(format!("{}: serde_json rejects from depth {limit}, we from depth {ours}", nested(2, kind)));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    for kind in 0..5 {
        for depth in 120..135 {
            agree(&nested(depth, kind));
        }
    }
    // Far past the limit: an error, not a stack overflow, also when the text ends early.
    invalid(&"[".repeat(100_000));
    invalid(&"{\"a\":".repeat(100_000));
    invalid(&nested(100_000, 0));
    invalid(&nested(100_000, 4));
}

#[test]
fn documents_print_as_serde_json_prints_them() {
    for text in [
        "{}", "[]", "null", "true", "0", "-1", "\"\"", "[[], {}, [[]], [{}], {\"a\": []}, {\"b\": {}}]",
        r#"{"services": {"web": 20000, "api": 20001}, "range": [20000, 29999], "exclude": [[25565, 25565]], "name": "a \"quoted\" \\ name\n", "ok": true, "none": null}"#,
        r#"{"z": {"y": {"x": [1, [2, [3, {"w": -9223372036854775808}]]]}}, "a": 18446744073709551615}"#,
        "[\"\\u0000\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\\\/ \u{7f} \u{2028} \u{2029} é 😀\"]",
        "{\"\\n\": {\"\\u0000\": [\"\\t\"]}}",
    ] {
        valid(text);
        let ours = json::parse(text).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        writers_agree(&ours, &theirs);
    }
}

#[test]
fn strings_escape_as_serde_json_escapes_them() {
    // Every character alone, then all of them in one string.
    let mut all = String::new();
    for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
        let mut one = [0u8; 4];
        let one = c.encode_utf8(&mut one);
        if c.is_ascii() || u32::from(c) % 97 == 0 || matches!(c, '\u{80}'..='\u{ff}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}') {
            assert_eq!(our_string(one), serde_string(one), "{c:?}");
        }
        all.push(c);
    }
    assert_eq!(our_string(&all), serde_string(&all));
    for s in ["", "\"", "\\", "\"\\\"", "\\u0000", "a\u{0}b", "\u{1f}\u{20}\u{7f}", "ends with \\", "\r\n\t\u{8}\u{c}\u{b}", "\u{2028}\u{2029}"] {
        assert_eq!(our_string(s), serde_string(s), "{s:?}");
    }
}

#[test]
fn integers_print_as_serde_json_prints_them() {
    for n in [0, 1, 9, 10, 99, 100, u64::from(u32::MAX), 1 << 53, i64::MAX as u64, 1 << 63, u64::MAX - 1, u64::MAX] {
        let mut out = String::new();
        json::write_u64(&mut out, n);
        assert_eq!(out, Value::from(n).to_string());
        assert_eq!(json::Value::from(n).to_string(), Value::from(n).to_string());
    }
    for n in [i64::MIN, i64::MIN + 1, -1, -(1 << 53), i64::from(i32::MIN)] {
        assert_eq!(json::Value::from(n).to_string(), Value::from(n).to_string());
        assert_eq!(json::Value::from(n).as_i64(), Value::from(n).as_i64());
    }
}

// ---- generated documents ----

/// Characters for strings and keys: plain, the escaped ones, and the ones near the edges.
fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'e'),
        3 => any::<char>(),
        2 => (0u8..0x20).prop_map(char::from),
        2 => prop::sample::select(vec!['"', '\\', '/', ' ', '\u{7f}', '\u{80}', '\u{a0}', 'é', '\u{2028}', '\u{2029}', '\u{feff}', '\u{d7ff}', '\u{e000}', '\u{fffd}', '\u{ffff}', '😀', '\u{10000}', '\u{10ffff}']),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(character(), 0..8).prop_map(|chars| chars.into_iter().collect())
}

fn integer() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        prop::sample::select(vec![0, 1, 1 << 53, (1 << 53) + 1, i64::MAX as u64, 1 << 63, u64::MAX - 1, u64::MAX]).prop_map(Value::from),
        prop::sample::select(vec![i64::MIN, i64::MIN + 1, -1, -(1 << 53) - 1]).prop_map(Value::from),
    ]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        // Any bits: mostly large exponents, both signs.
        any::<u64>().prop_map(f64::from_bits),
        // Subnormals, both signs.
        (1u64..1 << 52, any::<bool>()).prop_map(|(m, negative)| f64::from_bits(m | u64::from(negative) << 63)),
        (-1e6..1e6f64),
        (-1000i32..1000, 1u32..100).prop_map(|(a, b)| f64::from(a) / f64::from(b)),
        prop::sample::select(vec![0.0, -0.0, 5e-324, -5e-324, f64::MIN_POSITIVE, f64::MAX, f64::MIN, f64::EPSILON, 1e300, 1e-300, 0.1, 1e21, 1e22, 9007199254740993.0, 1.8446744073709552e19]),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => integer(),
        2 => float().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        3 => text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop_oneof![3 => prop::sample::select(vec!["a", "b", "", "A", "é"]).prop_map(str::to_owned), 1 => text()], inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Damages a text byte by byte: inserts JSON-significant pieces, deletes or replaces a byte
/// (which may split a character: then it reads as U+FFFD), or cuts the text short.
fn damaged(seed: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "\"", "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "\t", "\r", "0", "1", "9", "-", "+", ".", "e", "E", "u", "t", "n", "f", "/", "\u{0}", "\u{1f}", "\u{c}", "é", "\u{2028}",
        "\u{feff}", "\u{a0}", "\\u", "\\ud800",
    ]);
    let edit = (any::<prop::sample::Index>(), 0..7u8, piece);
    (seed, prop::collection::vec(edit, 1..4)).prop_map(|(text, edits)| {
        let mut bytes = text.into_bytes();
        for (at, op, piece) in edits {
            let index = at.index(bytes.len() + 1);
            match op {
                0 | 1 => {
                    bytes.splice(index..index, piece.bytes());
                }
                2 | 3 if index < bytes.len() => {
                    bytes.remove(index);
                }
                4 | 5 if index < bytes.len() => {
                    bytes.splice(index..=index, piece.bytes());
                }
                _ => bytes.truncate(index),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn printed(value: Value) -> [String; 2] {
    [value.to_string(), serde_json::to_string_pretty(&value).unwrap()]
}

fn corpus_seed() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        r#"{"services": {"web": 20000, "api": 20001}, "range": [20000, 29999], "exclude": [[25565, 25565]], "ok": true, "none": null}"#,
        r#"["\u00e9\ud83d\ude00\n\"\\", -0, 1.5e-3, -9223372036854775808, 18446744073709551616, {"": [], "a": {}}]"#,
        "{\n  \"a\": [\n    1,\n    2.5\n  ],\n  \"b\": \"x\"\n}",
        "[0, -1, 1e5, 1E+5, 0.25e-2, true, false, null, \"\"]",
    ])
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 700, ..ProptestConfig::default() })]

    #[test]
    fn generated_values_agree(value in value()) {
        for text in printed(value.clone()) {
            prop_assert!(agree(&text));
            // serde_json reads its own text back: the float_roundtrip reference is exact.
            prop_assert_eq!(&reference(&text).unwrap(), &value);
        }
        if !has_float(&value) {
            let ours = json::parse(&value.to_string()).unwrap();
            writers_agree(&ours, &value);
        }
    }

    #[test]
    fn damaged_documents_agree(text in prop_oneof![
        3 => damaged(value().prop_flat_map(|value| prop::sample::select(printed(value).to_vec()))),
        1 => damaged(corpus_seed()),
    ]) {
        agree(&text);
    }

    #[test]
    fn generated_numbers_agree(text in prop_oneof![
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,25})?([eE][+-]?[0-9]{1,4})?",
        "-?[0-9]{1,3}(\\.[0-9]{0,3})?([eE][+-]?[0-9]{0,25})?",
        "[-+0-9.eE]{1,8}",
        any::<i128>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        float().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
        float().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
        float().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:.30e}")),
        float().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:.17E}")),
    ]) {
        agree(&text);
        agree(&format!("[{text}]"));
    }

    #[test]
    fn strings_escape_as_serde_json_escapes_them_generated(s in prop_oneof![text(), any::<String>(), prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter)]) {
        prop_assert_eq!(our_string(&s), serde_string(&s));
        // And the escaped text reads back the same in both.
        prop_assert!(agree(&our_string(&s)));
    }

    /// The streaming writer (members in the order given: sorted) prints as serde_json does.
    #[test]
    fn object_writer_matches_serde_json(members in prop::collection::btree_map(text(), (any::<u64>(), text(), 0..3u8), 0..6)) {
        let mut out = String::new();
        let mut writer = json::ObjectWriter::new(&mut out);
        let mut expected = serde_json::Map::new();
        for (key, (n, s, kind)) in &members {
            match kind {
                0 => {
                    writer.number(key, *n);
                    expected.insert(key.clone(), Value::from(*n));
                }
                1 => {
                    writer.string(key, s);
                    expected.insert(key.clone(), Value::from(s.as_str()));
                }
                _ => {
                    // A nested object written through `key`.
                    let mut inner = json::ObjectWriter::new(writer.key(key));
                    inner.string(s, key);
                    inner.number(key, *n);
                    inner.end();
                    expected.insert(key.clone(), Value::Object([(s.clone(), Value::from(key.as_str())), (key.clone(), Value::from(*n))].into_iter().collect()));
                }
            }
        }
        writer.end();
        // Only when the nested keys were already sorted does serde_json's text match ours byte for byte.
        let sorted = members.iter().all(|(key, (_, s, kind))| *kind != 2 || s < key);
        if sorted {
            prop_assert_eq!(&out, &Value::Object(expected.clone()).to_string());
        }
        prop_assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), Value::Object(expected));
    }
}

proptest! {
    // Exact reading of a thousand digits is slow in a debug build: fewer cases.
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn generated_long_floats_agree(whole in "[1-9][0-9]{0,30}", fraction in "[0-9]{1,40}", exponent in -420i32..420, long in any::<bool>()) {
        let fraction = if long { fraction.repeat(25) } else { fraction };
        agree(&format!("{whole}.{fraction}e{exponent}"));
        agree(&format!("-0.{fraction}E{exponent}"));
        agree(&format!("{whole}{fraction}e{exponent}"));
    }
}
