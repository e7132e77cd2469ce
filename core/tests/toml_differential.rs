//! Our TOML reader (src/toml.rs) against the `toml` crate the core used before: on every
//! document both accept, the JSON values are equal; every document one rejects, the other
//! rejects too. Date-times: the crate's values become `{"$__toml_private_datetime": text}`
//! in JSON (its `Display` text: `T` separator, `Z`, fraction without trailing zeros) and
//! ours must be that exact value, so they are compared like everything else.

use proptest::prelude::*;
use serde_json::Value;

fn reference(text: &str) -> Result<Value, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    Ok(serde_json::to_value(table).expect("the toml crate's values convert to JSON"))
}

/// Ours, read back through serde_json: floats keep the text they were written with, so
/// `1e3` and `1000.0` compare equal as values.
fn ours(text: &str) -> Result<Value, String> {
    let table = portplan::toml::parse(text)?;
    Ok(serde_json::from_str(&portplan::json::Value::Object(table).to_string()).expect("our JSON reads back"))
}

/// Both agree on `text`; returns whether it is valid TOML.
fn agree(text: &str) -> bool {
    match (reference(text), ours(text)) {
        (Ok(expected), Ok(got)) => {
            // Compare the JSON text too: `==` on floats takes -0.0 for 0.0.
            assert_eq!(got, expected, "values differ for {text:?}");
            assert_eq!(got.to_string(), expected.to_string(), "values differ for {text:?}");
            true
        }
        (Err(_), Err(message)) => {
            assert!(message.starts_with("line "), "{message}");
            false
        }
        (Ok(expected), Err(message)) => panic!("we reject what the toml crate accepts: {text:?}\nours: {message}\ntoml: {expected}"),
        (Err(message), Ok(got)) => panic!("we accept what the toml crate rejects: {text:?}\nours: {got}\ntoml: {message}"),
    }
}

fn valid(text: &str) {
    assert!(agree(text), "expected valid TOML: {text:?}");
}

fn invalid(text: &str) {
    assert!(!agree(text), "expected invalid TOML: {text:?}");
}

const PYPROJECT: &str = r#"# A pyproject.toml as projects write them.
[build-system]
requires = ["setuptools>=61.0", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "shop-backend"
version = "0.4.2"
description = "The shop's \"backend\""
readme = "README.md"
requires-python = ">=3.9"
license = { text = "MIT" }
authors = [
    { name = "Ada Lovelace", email = "ada@example.org" },
    { name = "Grace Hopper" },
]
classifiers = [
    "Programming Language :: Python :: 3",
    "License :: OSI Approved :: MIT License",  # trailing comment
]
dependencies = [
  "fastapi>=0.100",
  "uvicorn[standard]",
]

[project.optional-dependencies]
dev = ["pytest>=7", "ruff"]

[project.scripts]
shop = "shop.cli:main"

[tool.setuptools.packages.find]
where = ["src"]

[tool.ruff]
line-length = 120
target-version = "py39"
extend-exclude = ['migrations/*']

[tool.ruff.lint]
select = ["E", "F", "I"]
ignore = []

[tool.pytest.ini_options]
minversion = "7.0"
addopts = "-ra -q"
testpaths = [
    "tests",
]
timeout = 2.5

[[tool.mypy.overrides]]
module = "tests.*"
disallow_untyped_defs = false

[[tool.mypy.overrides]]
module = ["vendor.*", "legacy.*"]
ignore_errors = true

[tool.portplan]
range = [40000, 40999]
layout = "hash"
namespace = "shop"
exclude = [40080, [40500, 40510]]

[tool.portplan.services]
web = true
api = true
"admin-ui" = 40100
db.replica = true

[tool.coverage.report]
exclude_lines = [
    "pragma: no cover",
    '''if __name__ == "__main__":''',
]
fail_under = 90.0
"#;

const PORTPLAN: &str = r#"range = [20000, 29999]
layout = "block"
block_size = 50
exclude = [
  25565,        # minecraft
  [27017, 27019],
]

[services]
web = true
worker = true
postgres = 25432
'redis cache' = true
"#;

#[test]
fn real_looking_files_read_as_before() {
    valid(PYPROJECT);
    valid(PORTPLAN);
    valid(&PYPROJECT.replace('\n', "\r\n"));
    let value = ours(PYPROJECT).unwrap();
    assert_eq!(value["tool"]["portplan"]["services"]["db"], serde_json::json!({ "replica": true }));
    assert_eq!(value["tool"]["mypy"]["overrides"][1]["module"][1], "legacy.*");
}

#[test]
fn tables_arrays_of_tables_and_dotted_keys() {
    valid("[a]\nb = 1\n[a.c]\nd = 2\n");
    valid("[a.b.c]\nx = 1\n[a]\ny = 2\n");
    valid("[[a.b]]\nx = 1\n[a]\ny = 2\n");
    valid("[[fruit]]\nname = 'apple'\n[fruit.physical]\ncolor = 'red'\n[[fruit.variety]]\nname = 'red delicious'\n[[fruit]]\nname = 'banana'\n[[fruit.variety]]\nname = 'plantain'\n");
    valid("a.b.c = 1\na.b.d = 2\na.e = 3\n");
    valid("[x]\ny.z = 1\n[x.y.w]\nv = 2\n");
    valid("a . b = 1\n\"a\" . 'c' = 2\n");
    valid("[ a . \"b c\" . 'd' ]\nk = 1\n");
    valid("[a]\n[b]\n[c.d]\n");
    valid("1234 = 1\ntrue = 2\n3.14 = 3\n-_- = 4\n");
    valid("\"\" = 1\n");
    valid("[[a]]\n[[a]]\n[a.b]\nc = 1\n[[a]]\n[a.b]\nc = 2\n");
    valid("[a.b]\n[a.b.c]\n[a.d]\n");
    valid("[a.b.c]\n[a]\nb.d = 1\n[a.b.e]\n");
    valid("[a.b.c]\nz = 9\n[a]\nb.d.t = 1\n");
    valid("[services.tool.x]\n[services]\ntool.y = 1\n");
    invalid("[a.b.c]\n[a]\nb.d = 1\n[a.b]\n");
    invalid("[a.b]\nx = 1\n[a]\nb.y = 2\n");
    invalid("[[a.b]]\n[a]\nb.c = 1\n");
    invalid("[a]\n[a]\n");
    invalid("[a]\nb = 1\n[a.b]\n");
    invalid("a = 1\na = 2\n");
    invalid("a.b = 1\na = 2\n");
    invalid("a = 1\na.b = 2\n");
    invalid("a.b = 1\n[a]\n");
    invalid("[x]\ny.z = 1\n[x.y]\n");
    invalid("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n");
    invalid("[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1\n");
    invalid("[[a]]\n[a]\n");
    invalid("[a]\n[[a]]\n");
    invalid("a = []\n[[a]]\n");
    invalid("a = [{}]\n[[a]]\n");
    invalid("a = {}\n[a]\n");
    invalid("a = {}\n[a.b]\n");
    invalid("a = {b = 1}\na.c = 2\n");
    invalid("a = 1\n[a.b]\n");
    invalid("[[a]]\nb = 1\n[a.b]\n");
    invalid("[]\n");
    invalid("[a.]\n");
    invalid("[.a]\n");
    invalid("[a]b = 1\n");
    invalid("[[a] ]\n");
    invalid("[ [a]]\n");
    invalid("[a\n");
    invalid("a.b.c = 1\na.b = 2\n");
    invalid("= 1\n");
    invalid("a = 1 b = 2\n");
    invalid("a\n");
    invalid("a =\n");
    invalid("\"\"\"a\"\"\" = 1\n");
    invalid("a b = 1\n");
    invalid("é = 1\n");
}

#[test]
fn inline_tables_and_arrays() {
    valid("a = {}\nb = { x = 1, y = 'two', z.w = [1, 2] }\n");
    valid("a = [1, 'two', [3, [4.0]], { five = 5 }]\n");
    valid("a = [\n  1,\n  2, # two\n  3,\n]\n");
    valid("a = [ ]\nb = [\n]\nc = [ # empty\n]\n");
    valid("a = [[1, 2], ['a', \"b\"], [[]]]\n");
    valid("a = {\n  b = 1,\n  c = 2,\n}\n");
    valid("a = { b = 1, # one\n c = { d = [1,\n2] } }\n");
    valid("a = { b.c = 1, b.d = 2 }\n");
    valid("t = {a\n= 1, b =\n2, c = # c\n 3}\n");
    invalid("a =\n1\n");
    invalid("t = {a\n.b = 1}\n");
    invalid("t = {a.\nb = 1}\n");
    invalid("a = {b = 1, b = 2}\n");
    invalid("a = {b = 1, b.c = 2}\n");
    invalid("a = {b = {c = 1}, b.d = 2}\n");
    invalid("a = {,}\n");
    invalid("a = {b = 1,,}\n");
    invalid("a = [1,,2]\n");
    invalid("a = [,]\n");
    invalid("a = [1 2]\n");
    invalid("a = [1\n");
    invalid("a = {b = 1\n");
    invalid("a = {b}\n");
    invalid("a = {b = 1} c = 2\n");
    invalid("a = [1]]\n");
}

#[test]
fn strings_of_all_four_kinds() {
    valid(r#"a = "tab\there \"quoted\" \\ \b\f\n\r \u00e9 \U0001F600 \e \x41""#);
    valid("a = 'C:\\path\\no escapes'\n");
    valid("a = \"\"\"\nfirst\nsecond \"\"quotes\"\" \\\n    joined\"\"\"\n");
    valid("a = \"\"\"two quotes at the end\"\"\"\"\"\n");
    valid("a = \"\"\"one \\  \n\n  \t  more\"\"\"\n");
    valid("a = '''\nraw \\n text\n'''\n");
    valid("a = '''it''s'''''\n");
    valid("a = \"\"\"\r\ncrlf\r\nkept\"\"\"\n");
    valid("a = \"\"\n b = ''\nc = \"\"\"\"\"\"\nd = ''''''\n");
    valid("a = \"with # hash\" # and a comment\n");
    valid("a = \"tab\tinside\"\n");
    invalid("a = \"\\q\"\n");
    invalid("a = \"\\u12\"\n");
    invalid("a = \"\\uD800\"\n");
    invalid("a = \"\\U00110000\"\n");
    invalid("a = \"\\x4\"\n");
    invalid("a = \"unterminated\n");
    invalid("a = 'unterminated\n");
    invalid("a = \"\"\"unterminated\n");
    invalid("a = '''unterminated\n");
    invalid("a = \"line\nbreak\"\n");
    invalid("a = \"bell \u{7}\"\n");
    invalid("a = 'del \u{7f}'\n");
    invalid("a = \"\"\"nul \u{0}\"\"\"\n");
    invalid("a = \"\"\"bare \r cr\"\"\"\n");
    invalid("a = \"\"\"six\"\"\"\"\"\"\n");
    invalid("a = '''six''''''\n");
    invalid("a = \"\"\"trailing \\ text\nx\"\"\"\n");
    invalid("a = \"no line-ending backslash \\\n\"\n");
}

#[test]
fn numbers_and_booleans() {
    valid("a = 0\nb = +17\nc = -5\nd = 1_000_000\ne = -0\nf = +0\n");
    valid("a = 9223372036854775807\nb = -9223372036854775808\n");
    valid("a = 0xDEADbeef\nb = 0o755\nc = 0b1101_0110\nd = 0x0\ne = 0x7FFF_FFFF_FFFF_FFFF\n");
    valid("a = 3.14\nb = -0.01\nc = 5e+22\nd = 1e06\ne = -2E-2\nf = 6.626e-34\ng = 224_617.445_991\nh = -0.0\ni = +0.0\n");
    valid("a = inf\nb = +inf\nc = -inf\nd = nan\ne = +nan\nf = -nan\n");
    valid("a = true\nb = false\n");
    valid("a = 0.1\nb = 0.30000000000000004\nc = 1.7976931348623157e308\nd = 5e-324\n");
    invalid("a = 1e400\n");
    invalid("a = 1.7976931348623159e308\n");
    invalid("a = 1e99999999999999999999\n");
    invalid("a = -1.8e308\n");
    invalid("a = 9223372036854775808\n");
    invalid("a = -9223372036854775809\n");
    invalid("a = 0x8000000000000000\n");
    invalid("a = 01\n");
    invalid("a = 00\n");
    invalid("a = 0_0\n");
    invalid("a = 1__0\n");
    invalid("a = _1\n");
    invalid("a = 1_\n");
    invalid("a = +0x1\n");
    invalid("a = 0X1\n");
    invalid("a = 0x\n");
    invalid("a = 0b2\n");
    invalid("a = 0o8\n");
    invalid("a = 0x_1\n");
    invalid("a = 1.\n");
    invalid("a = .5\n");
    invalid("a = 1.e5\n");
    invalid("a = 1e\n");
    invalid("a = 1e_5\n");
    invalid("a = 03.14\n");
    invalid("a = 1.5.2\n");
    invalid("a = ++1\n");
    invalid("a = infinity\n");
    invalid("a = NaN\n");
    invalid("a = True\n");
    invalid("a = truex\n");
    invalid("a = 1x\n");
}

#[test]
fn floats_round_as_the_standard_library_does() {
    let hard = [
        "9007199254740993.0", "9007199254740995.0", "-9007199254740993.0", "2.2250738585072011e-308", "2.2250738585072012e-308",
        "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400", "-1e-99999999999999999999",
        "1.7976931348623158e308", "1e23", "8.98846567431158e307", "0.1", "0.3", "123456789012345678901234567890.5",
        "2.225073858507201136057409796709131975934819546351645648023426109724822222021076945516529523908135087914149158913039621106870086438694594645527657207407820621743379988141063355e-308",
        "0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001e-220",
    ];
    for text in hard {
        valid(&format!("v = {text}\n"));
    }
    // Past the 780 digits the reader keeps: the tail still decides a tie.
    let half = format!("9007199254740993.{}", "0".repeat(900));
    valid(&format!("v = {half}\n"));
    valid(&format!("v = {half}1\n"));
}

#[test]
fn dates_and_times() {
    valid("a = 1979-05-27T07:32:00Z\nb = 1979-05-27T00:32:00-07:00\nc = 1979-05-27T00:32:00.999999+07:30\n");
    valid("a = 1979-05-27 07:32:00Z\nb = 1979-05-27t07:32:00z\nc = 1979-05-27T07:32:00\nd = 1979-05-27\ne = 07:32:00\nf = 00:32:00.999999\n");
    valid("a = 1979-05-27T07:32:00.5000\nb = 07:32:00.000\nc = 07:32:00.1234567891234\nd = 1979-05-27T07:32:00-00:00\n");
    valid("a = 07:32\nb = 1979-05-27T07:32\nc = 1979-05-27T07:32Z\nd = 2024-02-29\ne = 23:59:60\n");
    valid("a = [1979-05-27, 07:32:00, 1979-05-27 07:32:00]\nb = { c = 1979-05-27 }\n");
    invalid("a = 1979-13-27\n");
    invalid("a = 1979-00-27\n");
    invalid("a = 2023-02-29\n");
    invalid("a = 1979-04-31\n");
    invalid("a = 1979-05-00\n");
    invalid("a = 1979-5-27\n");
    invalid("a = 24:00:00\n");
    invalid("a = 07:60:00\n");
    invalid("a = 07:32:61\n");
    invalid("a = 07:32:00Z\n");
    invalid("a = 07:32:00.\n");
    invalid("a = 7:32:00\n");
    invalid("a = 1979-05-27T07:32:00+7:00\n");
    invalid("a = 1979-05-27T07:32:00+24:00\n");
    invalid("a = 1979-05-27X07:32:00\n");
    invalid("a = 1979-05-27 07:32:00 Z\n");
    invalid("a = 1979-05-27  07:32:00\n");
    invalid("a = 1979-05-27T\n");
}

#[test]
fn comments_whitespace_and_control_characters() {
    valid("# only a comment");
    valid("");
    valid("\n\n  \t\n");
    valid("a = 1 # comment with \"quotes\" and 'ticks' and é\n# last");
    valid("\u{feff}a = 1\n");
    valid("a = 1\r\nb = 2\r\n");
    valid("\ta\t=\t1\t\n");
    invalid("a = 1 # bell \u{7}\n");
    invalid("a = 1\rb = 2\n");
    invalid("a = 1 # cr \r\n# x \r");
    invalid("a = \u{0}\n");
    invalid("\u{0}");
    invalid("a = 1\u{b}\n");
}

#[test]
fn nesting_and_key_length_limits_match() {
    for depth in [79, 80, 81] {
        let text = format!("a = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        agree(&text);
        let text = format!("a = {}{}\n", "{b = ".repeat(depth - 1) + "{", "}".repeat(depth));
        agree(&text);
    }
    for parts in [79, 80, 81] {
        let key = vec!["k"; parts].join(".");
        agree(&format!("{key} = 1\n"));
        agree(&format!("[{key}]\n"));
    }
    // Far past the limit: an error, not a stack overflow.
    invalid(&format!("a = {}\n", "[".repeat(100_000)));
}

#[test]
fn errors_name_line_and_column() {
    let message = ours("a = 1\nb = 2\n\nc = [1,\n  2,, 3]\n").unwrap_err();
    assert!(message.starts_with("line 5, column 5: "), "{message}");
    let message = ours("[a]\nx = 1\n[a]\n").unwrap_err();
    assert!(message.starts_with("line 3, column 2: "), "{message}");
    let message = ours("k = \"é\\q\"\n").unwrap_err();
    assert!(message.starts_with("line 1, column 7: "), "{message}");
    let e = portplan::Config::from_text("range = [1,\n").unwrap_err();
    assert!(e.message.starts_with("the config is not valid TOML: line 2, column 1: "), "{}", e.message);
}

// ---- generated documents ----

fn bare_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["a", "b", "c", "services", "tool", "portplan", "1", "-", "x_y"]).prop_map(str::to_owned),
        1 => "[A-Za-z0-9_-]{1,4}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => bare_key(),
        1 => bare_key().prop_map(|k| format!("\"{k}\"")),
        1 => bare_key().prop_map(|k| format!("'{k}'")),
        1 => string_text().prop_map(|s| format!("\"{}\"", escape_basic(&s))),
    ]
}

fn dotted_key() -> impl Strategy<Value = String> {
    (prop::collection::vec(key(), 1..4), prop::sample::select(vec![".", " . ", ". "])).prop_map(|(keys, dot)| keys.join(dot))
}

/// String content: plain text, quotes, backslashes, escapable and non-ASCII characters.
fn string_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            6 => "[a-z 0-9]",
            1 => prop::sample::select(vec!["\"", "'", "\\", "\t", "\n", "é", "😀", "\u{1b}", "\u{7f}", "#", "\"\"", "''"]).prop_map(str::to_owned),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

fn escape_basic(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            '\n' => "\\n".to_owned(),
            '\t' => "\\t".to_owned(),
            '\u{1b}' => "\\e".to_owned(),
            '\u{7f}' => "\\u007F".to_owned(),
            'é' => "\\xE9".to_owned(),
            '😀' => "\\U0001f600".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// A string value in one of the four kinds; the content may make it invalid on purpose.
fn string_value() -> impl Strategy<Value = String> {
    (string_text(), 0..6u8).prop_map(|(text, kind)| match kind {
        0 | 1 => format!("\"{}\"", escape_basic(&text)),
        2 => format!("'{text}'"),
        3 => format!("\"\"\"\n{}\"\"\"", escape_basic(&text).replace("\\n", "\n")),
        4 => format!("'''{text}'''"),
        _ => format!("\"\"\"{} \\\n   end\"\"\"", escape_basic(&text)),
    })
}

fn integer_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-1000i64..1000).prop_map(|n| if n >= 0 { format!("+{n}") } else { n.to_string() }),
        any::<u32>().prop_map(|n| format!("{}_{:03}", n / 1000, n % 1000)),
        any::<i64>().prop_map(|n| format!("0x{:x}", n.unsigned_abs() >> 1)),
        any::<u16>().prop_map(|n| format!("0o{n:o}")),
        any::<u8>().prop_map(|n| format!("0b{n:b}")),
        "[+-]?[0-9_]{1,5}",
        "0[xob][0-9a-fA-F_]{0,4}",
    ]
}

fn float_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
        ("[+-]?", 0u32..100_000, "[0-9]{1,6}", prop::option::of("[eE][+-]?[0-9]{1,3}")).prop_map(|(sign, whole, fraction, exponent)| {
            format!("{sign}{whole}.{fraction}{}", exponent.unwrap_or_default())
        }),
        "[+-]?[0-9_.]{1,6}([eE][+-]?[0-9_]{0,3})?",
        prop::sample::select(vec!["inf", "-inf", "+inf", "nan", "-nan", "+nan"]).prop_map(str::to_owned),
    ]
}

fn datetime_value() -> impl Strategy<Value = String> {
    let date = (1900u32..2100, 0u32..14, 0u32..33).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    let time = (0u32..25, 0u32..61, prop::option::of((0u32..62, prop::option::of("[0-9]{1,12}")))).prop_map(|(h, m, s)| {
        let mut text = format!("{h:02}:{m:02}");
        if let Some((s, fraction)) = s {
            text += &format!(":{s:02}");
            if let Some(fraction) = fraction {
                text += &format!(".{fraction}");
            }
        }
        text
    });
    let offset = prop_oneof![Just(String::new()), Just("Z".to_owned()), Just("z".to_owned()), (prop::sample::select(vec!['+', '-']), 0u32..25, 0u32..61).prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}"))];
    prop_oneof![
        date.clone(),
        time.clone(),
        (date, prop::sample::select(vec!['T', 't', ' ']), time, offset).prop_map(|(d, sep, t, o)| format!("{d}{sep}{t}{o}")),
    ]
}

fn scalar_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => integer_value(),
        2 => float_value(),
        1 => prop::sample::select(vec!["true", "false"]).prop_map(str::to_owned),
        3 => string_value(),
        2 => datetime_value(),
    ]
}

/// Between items of arrays and inline tables: spaces, newlines, comments.
fn gap() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", " ", "\n", " # note\n", "\n  ", "\r\n"]).prop_map(str::to_owned)
}

fn value() -> impl Strategy<Value = String> {
    scalar_value().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (prop::collection::vec((gap(), inner.clone()), 0..4), any::<bool>(), gap()).prop_map(|(items, trailing, end)| {
                let body: Vec<String> = items.into_iter().map(|(gap, item)| format!("{gap}{item}")).collect();
                format!("[{}{}{end}]", body.join(","), if trailing && !body.is_empty() { "," } else { "" })
            }),
            (prop::collection::vec((gap(), dotted_key(), inner), 0..4), any::<bool>()).prop_map(|(items, trailing)| {
                let body: Vec<String> = items.into_iter().map(|(gap, key, item)| format!("{gap}{key} = {item}")).collect();
                format!("{{{}{}}}", body.join(", "), if trailing && !body.is_empty() { "," } else { "" })
            }),
        ]
    })
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (dotted_key(), value(), prop::sample::select(vec!["", " # c", "\t"])).prop_map(|(k, v, tail)| format!("{k} = {v}{tail}")),
        2 => dotted_key().prop_map(|k| format!("[{k}]")),
        1 => dotted_key().prop_map(|k| format!("[[{k}]]")),
        1 => Just("# comment".to_owned()),
        1 => Just(String::new()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (prop::collection::vec(line(), 0..10), prop::sample::select(vec!["\n", "\r\n"])).prop_map(|(lines, newline)| lines.join(newline) + newline)
}

/// Damages a text: inserts TOML-significant characters, deletes or repeats some.
fn mutated(seed: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let edit = (any::<prop::sample::Index>(), 0..3u8, prop::sample::select(vec!['"', '\'', '[', ']', '{', '}', ',', '.', '=', '#', '\n', '\r', ' ', '\\', 'a', '1', '_', '-', '+', ':', 'e', 'x', 'T', 'Z', '\t', '\u{7f}', '\u{0}', 'é']));
    (seed, prop::collection::vec(edit, 1..4)).prop_map(|(text, edits)| {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, op, c) in edits {
            let index = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(index, c),
                1 if index < chars.len() => {
                    chars.remove(index);
                }
                _ => {
                    let piece: Vec<char> = chars[index..].iter().take(6).copied().collect();
                    chars.splice(index..index, piece);
                }
            }
        }
        chars.into_iter().collect()
    })
}

fn corpus_seed() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        PYPROJECT,
        PORTPLAN,
        "a = \"\"\"x\\\n y\"\"\"\nb = '''q'''\n",
        "a = [1, 2.5, 0x1f, 1979-05-27T07:32:00Z]\n",
        "t = { a = 1, b = { c = [true] } }\n[[x.y]]\nz = 07:32\n",
    ])
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn generated_floats_agree(whole in "[1-9][0-9]{0,30}", fraction in "[0-9]{1,40}", exponent in -420i32..420, long in any::<bool>()) {
        let fraction = if long { fraction.repeat(25) } else { fraction };
        agree(&format!("v = {whole}.{fraction}e{exponent}\n"));
        agree(&format!("v = -0.{fraction}e{exponent}\n"));
    }

    #[test]
    fn every_f64_reads_back(bits in any::<u64>()) {
        let float = f64::from_bits(bits);
        if float.is_finite() {
            agree(&format!("v = {float:?}\nw = {float:e}\nx = {:.30e}\n", float));
        }
    }

    #[test]
    fn generated_documents_agree(text in document()) {
        agree(&text);
    }

    #[test]
    fn damaged_documents_agree(text in prop_oneof![mutated(document()), mutated(corpus_seed())]) {
        agree(&text);
    }

    #[test]
    fn generated_values_agree(value in value()) {
        agree(&format!("v = {value}\n"));
    }
}
