//! How values are shown in messages: names and keys quoted with every character that could
//! change a terminal or a log line escaped, long text cut to an excerpt, long paths to their
//! end, times as UTC. Every message of every engine goes through these.

use crate::input::written::AsWritten;

/// The characters SPEC §1 forbids in names: C0 and C1 controls, the line and paragraph
/// separators, and the bidirectional controls.
pub fn forbidden_in_name(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A key or name as it can be printed: bare when plain, else JSON-quoted with every
/// character the name rule forbids escaped, so none reaches a terminal or a log line.
pub fn quote_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return name.to_owned();
    }
    let json = AsWritten::of(name);
    let mut quoted = String::with_capacity(json.json().len());
    for c in json.json().chars() {
        if forbidden_in_name(c) {
            quoted.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            quoted.push(c);
        }
    }
    quoted
}

/// Messages quote at most this many characters of a bad key, name or text (SPEC §7
/// "Messages": a 10 MB key is not echoed whole).
pub const EXCERPT_KEY_CHARS: usize = 64;

/// A bad key, name or text as a message quotes it: as [`quote_key`] does, cut after 64
/// characters with `…` after it.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_KEY_CHARS) {
        Some((end, _)) => format!("{}…", quote_key(&text[..end])),
        None => quote_key(text),
    }
}

/// Messages show at most this many characters of a path: its end, where the file is named.
pub const PATH_CHARS: usize = 120;

/// A path as it can be printed: bare when it holds no blank, quote or character the name
/// rule forbids, else JSON-quoted as [`quote_key`] does; a path longer than [`PATH_CHARS`]
/// is cut to its end after `…`.
pub fn quote_path(path: &str) -> String {
    let count = path.chars().count();
    if count > PATH_CHARS {
        let start = path
            .char_indices()
            .nth(count - PATH_CHARS)
            .map_or(0, |(at, _)| at);
        return format!("…{}", quote_path(&path[start..]));
    }
    if !path.is_empty()
        && !path
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || forbidden_in_name(c))
    {
        return path.to_owned();
    }
    quote_key(path)
}

/// Unix seconds as a UTC time to the second, `2026-11-23T10:00:00Z`.
pub fn datetime(seconds: u64) -> String {
    let of_day = seconds % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(seconds),
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Unix seconds as a UTC date, `2026-11-23`.
pub fn date(seconds: u64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let days = (seconds / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
