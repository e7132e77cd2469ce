//! Whether the registry's lock (or its break marker) may be broken (SPEC §7 "Writes").
//!
//! The host reads the file (bounded, without following links) and checks pids; the core
//! judges what it read: a lock is never taken from a live owner on this host, however old;
//! only an owner on another host is judged by its age; hostile content is an error.

use crate::error::{ErrorKind, PlanError, Result};
use crate::text::{excerpt, forbidden_in_name, quote_path};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The most bytes of a lock or break marker a host reads (it reads one more to know).
pub const MAX_LOCK_BYTES: usize = 4096;
/// An owner on another host is stale when its `time` is older than this (ms).
pub const OTHER_HOST_STALE_MS: f64 = 30_000.0;
/// An empty or cut-off lock (its owner died between create and write) is stale when its
/// mtime is older than this (ms).
pub const INCOMPLETE_STALE_MS: f64 = 2_000.0;
/// The largest pid a lock may name: `pid_t` is a signed 32-bit integer on Linux, macOS and
/// the BSDs (Linux's own maximum is 2^22), and Windows pids stay below it.
pub const MAX_PID: u64 = 2_147_483_647;
/// The latest lock time accepted (ms): the largest integer a double holds exactly.
const MAX_TIME_MS: f64 = 9_007_199_254_740_992.0;
const MAX_HOST_BYTES: usize = 255;

/// `lock_verdict_json`'s request: what the host read of the lock file, and when.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct LockRequest {
    /// The lock's (or the marker's) path, for messages.
    #[serde(default)]
    pub path: String,
    /// At most the first 4096 bytes of the file, as UTF-8 (bad bytes as U+FFFD).
    #[serde(default)]
    pub text: String,
    /// Whether the file held more than 4096 bytes.
    #[serde(default)]
    pub longer: bool,
    /// This host's name, as its owners write it.
    pub this_host: String,
    /// Unix milliseconds.
    pub now: f64,
    /// How long ago the file was last modified (ms; may be negative with clock skew).
    pub age_ms: f64,
    /// The owner's process is alive (the host's `kill(pid, 0)`); null until asked.
    #[serde(default)]
    pub alive: Option<bool>,
}

/// A lock's owner, as it wrote itself into the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Owner {
    pub pid: u32,
    pub host: String,
    /// Unix milliseconds.
    pub time: u64,
}

/// Why a lock may be broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaleWhy {
    /// Its owner is on this host and no longer runs.
    Dead,
    /// Its owner is on another host and the lock is older than 30 s.
    Old,
    /// It is empty or cut off, and older than 2 s.
    Incomplete,
}

/// `lock_verdict_json`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The owner is on this host: check whether `pid` runs, then ask again with `alive`.
    CheckPid { pid: u32 },
    /// Break it (a lock) or delete it (a marker).
    Stale { why: StaleWhy },
    /// Someone holds it: wait. `owner` is null while the file is still being written.
    Wait { owner: Option<Owner> },
}

/// What the file holds.
enum Content {
    Owner(Owner),
    /// Empty, blank, or a JSON object cut off before its end.
    Incomplete,
}

/// The verdict on a lock as read (docs/core-api.md, `lock_verdict_json`).
pub fn verdict(request: &LockRequest) -> Result<Verdict> {
    let owner = match content(request).map_err(|why| hostile(request, why))? {
        Content::Incomplete if request.age_ms > INCOMPLETE_STALE_MS => {
            return Ok(Verdict::Stale {
                why: StaleWhy::Incomplete,
            });
        }
        Content::Incomplete => return Ok(Verdict::Wait { owner: None }),
        Content::Owner(owner) => owner,
    };
    if owner.host == request.this_host {
        return Ok(match request.alive {
            None => Verdict::CheckPid { pid: owner.pid },
            Some(false) => Verdict::Stale {
                why: StaleWhy::Dead,
            },
            Some(true) => Verdict::Wait { owner: Some(owner) },
        });
    }
    // Only another host's owner is judged by age: its pid cannot be checked from here.
    if request.now - owner.time as f64 > OTHER_HOST_STALE_MS {
        Ok(Verdict::Stale { why: StaleWhy::Old })
    } else {
        Ok(Verdict::Wait { owner: Some(owner) })
    }
}

/// The error for a lock that holds something else than an owner: never broken (it may be
/// a file of someone else's), never waited on.
fn hostile(request: &LockRequest, why: String) -> PlanError {
    // The excerpt is cut (`…`) well before the 4096 bytes a longer file was read up to.
    let shown = excerpt(&request.text);
    PlanError::new(
        ErrorKind::Host,
        format!(
            "{} is not a portplan lock ({why}): {shown}; remove it if no portplan is running",
            quote_path(&request.path)
        ),
    )
    .with(|data| data.path = Some(request.path.clone()))
}

fn content(request: &LockRequest) -> std::result::Result<Content, String> {
    if request.longer || request.text.len() > MAX_LOCK_BYTES {
        return Err(format!("it is larger than {MAX_LOCK_BYTES} bytes"));
    }
    let text = request.text.trim();
    if text.is_empty() {
        return Ok(Content::Incomplete);
    }
    // serde_json refuses nesting deeper than 128 levels itself, so no text can overflow.
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) if e.is_eof() && text.starts_with('{') => return Ok(Content::Incomplete),
        Err(_) => return Err("it is not JSON".to_owned()),
    };
    let Value::Object(fields) = value else {
        return Err("it is not a JSON object".to_owned());
    };
    if let Some((key, _)) = fields.iter().find(|(_, v)| v.is_object() || v.is_array()) {
        return Err(format!("{} holds a nested value", excerpt(key)));
    }
    Ok(Content::Owner(Owner {
        pid: pid(&fields)?,
        host: host(&fields)?,
        time: time(&fields)?,
    }))
}

fn pid(fields: &Map<String, Value>) -> std::result::Result<u32, String> {
    let value = fields.get("pid").ok_or("it has no pid")?;
    value
        .as_u64()
        .filter(|pid| (1..=MAX_PID).contains(pid))
        .and_then(|pid| u32::try_from(pid).ok())
        .ok_or_else(|| format!("the pid must be a whole number from 1 to {MAX_PID}"))
}

fn host(fields: &Map<String, Value>) -> std::result::Result<String, String> {
    let value = fields.get("host").ok_or("it has no host")?;
    match value.as_str() {
        Some(host)
            if !host.is_empty()
                && host.len() <= MAX_HOST_BYTES
                && !host.chars().any(forbidden_in_name) =>
        {
            Ok(host.to_owned())
        }
        _ => Err(format!(
            "the host must be a name of 1 to {MAX_HOST_BYTES} bytes without control characters"
        )),
    }
}

fn time(fields: &Map<String, Value>) -> std::result::Result<u64, String> {
    let value = fields.get("time").ok_or("it has no time")?;
    match value.as_f64() {
        // JSON numbers are finite; a huge one is refused here rather than rounded.
        Some(ms) if ms.is_finite() && (0.0..=MAX_TIME_MS).contains(&ms) => Ok(ms as u64),
        _ => Err("the time must be Unix milliseconds, a finite number".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> LockRequest {
        LockRequest {
            path: "/r/registry.json.lock".to_owned(),
            text: text.to_owned(),
            this_host: "box".to_owned(),
            now: 1_795_000_100_000.0,
            age_ms: 0.0,
            ..LockRequest::default()
        }
    }

    fn owner_text(pid: u64, host: &str, time: u64) -> String {
        format!(r#"{{"pid": {pid}, "host": "{host}", "time": {time}}}"#)
    }

    #[test]
    fn an_owner_on_this_host_is_checked_then_never_stale_while_alive_however_old() {
        // A day old: the old 30 s rule broke this lock of a suspended owner.
        let mut asked = request(&owner_text(1234, "box", 1_794_913_700_000));
        assert_eq!(verdict(&asked), Ok(Verdict::CheckPid { pid: 1234 }));
        asked.alive = Some(true);
        asked.age_ms = 86_400_000.0;
        let owner = Owner {
            pid: 1234,
            host: "box".into(),
            time: 1_794_913_700_000,
        };
        assert_eq!(verdict(&asked), Ok(Verdict::Wait { owner: Some(owner) }));
        asked.alive = Some(false);
        asked.age_ms = 0.0;
        let dead = Verdict::Stale {
            why: StaleWhy::Dead,
        };
        assert_eq!(verdict(&asked), Ok(dead));
    }

    #[test]
    fn an_owner_on_another_host_is_stale_after_30_seconds_only() {
        let recent = request(&owner_text(7, "far", 1_795_000_070_000));
        assert!(matches!(
            verdict(&recent),
            Ok(Verdict::Wait { owner: Some(_) })
        ));
        let old = request(&owner_text(7, "far", 1_795_000_069_999));
        assert_eq!(verdict(&old), Ok(Verdict::Stale { why: StaleWhy::Old }));
        // Its liveness is never asked: the pid is another machine's.
        let mut told = old;
        told.alive = Some(true);
        assert_eq!(verdict(&told), Ok(Verdict::Stale { why: StaleWhy::Old }));
        // A time in the future (clock skew) is waited on, never broken.
        let ahead = request(&owner_text(7, "far", 1_795_999_000_000));
        assert!(matches!(verdict(&ahead), Ok(Verdict::Wait { .. })));
    }

    #[test]
    fn an_empty_or_cut_off_lock_is_stale_after_two_seconds_of_mtime_age() {
        for text in [
            "",
            "  \n",
            r#"{"pid": 12"#,
            r#"{"pid": 1234, "host": "bo"#,
            "{",
        ] {
            let mut young = request(text);
            young.age_ms = 2_000.0;
            assert_eq!(
                verdict(&young),
                Ok(Verdict::Wait { owner: None }),
                "{text:?}"
            );
            young.age_ms = 2_001.0;
            let stale = Verdict::Stale {
                why: StaleWhy::Incomplete,
            };
            assert_eq!(verdict(&young), Ok(stale), "{text:?}");
        }
    }

    fn hostile_message(request: &LockRequest) -> String {
        match verdict(request) {
            Err(error) => {
                assert_eq!(error.kind, ErrorKind::Host);
                assert_eq!(error.data.path.as_deref(), Some("/r/registry.json.lock"));
                error.message
            }
            Ok(verdict) => panic!("{verdict:?} for {:?}", request.text),
        }
    }

    #[test]
    fn hostile_contents_are_errors_naming_the_lock_with_a_short_excerpt() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep_object = format!(
            r#"{{"pid": 1, "host": "box", "time": 1, "x": {}1{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let huge = "x".repeat(10 * 1024 * 1024);
        // Within 4096 bytes, yet deeper than serde_json reads (128 levels).
        let deep_short = format!("{}{}", "[".repeat(2000), "]".repeat(2000));
        let cases = [
            (deep.as_str(), "larger than 4096 bytes"),
            (deep_object.as_str(), "larger than 4096 bytes"),
            (huge.as_str(), "larger than 4096 bytes"),
            ("[[[[[[[[", "not JSON"),
            (deep_short.as_str(), "not JSON"),
            ("[1, 2]", "not a JSON object"),
            ("hello", "not JSON"),
            ("\u{0}\u{0}\u{0}", "not JSON"),
            (&owner_text(9_223_372_036_854_775_808, "box", 1), "the pid"),
            (&owner_text(2_147_483_648, "box", 1), "the pid"),
            (&owner_text(0, "box", 1), "the pid"),
            (r#"{"pid": -5, "host": "box", "time": 1}"#, "the pid"),
            (r#"{"pid": 12.5, "host": "box", "time": 1}"#, "the pid"),
            (r#"{"pid": "12", "host": "box", "time": 1}"#, "the pid"),
            (r#"{"pid": 12, "host": "box", "time": NaN}"#, "not JSON"),
            (
                r#"{"pid": 12, "host": "box", "time": Infinity}"#,
                "not JSON",
            ),
            (r#"{"pid": 12, "host": "box", "time": 1e400}"#, "not JSON"),
            (r#"{"pid": 12, "host": "box", "time": -1}"#, "the time"),
            (r#"{"pid": 12, "host": "box", "time": 1e300}"#, "the time"),
            (r#"{"pid": 12, "host": "box", "time": "now"}"#, "the time"),
            (r#"{"pid": 12, "host": "", "time": 1}"#, "the host"),
            (r#"{"pid": 12, "host": "b\u202eox", "time": 1}"#, "the host"),
            (r#"{"pid": 12, "host": 5, "time": 1}"#, "the host"),
            (r#"{"pid": 12, "host": {"a": 1}, "time": 1}"#, "nested"),
            (r#"{"pid": 12, "time": 1}"#, "no host"),
            (r#"{"host": "box", "time": 1}"#, "no pid"),
            (r#"{"pid": 12, "host": "box"}"#, "no time"),
        ];
        for (text, why) in cases {
            let message = hostile_message(&request(text));
            assert!(
                message.starts_with("/r/registry.json.lock is not a portplan lock ("),
                "{message}"
            );
            assert!(message.contains(why), "{why}: {message}");
            assert!(message.ends_with("; remove it if no portplan is running"));
            assert!(message.chars().count() < 260, "{message}");
            assert!(!message.contains('\u{202e}') && !message.contains('\u{0}'));
        }
        let long_host = owner_text(12, &"h".repeat(256), 1);
        assert!(hostile_message(&request(&long_host)).contains("the host"));
    }

    #[test]
    fn a_host_that_read_only_the_first_4096_bytes_says_so() {
        let mut cut = request(&"{".repeat(MAX_LOCK_BYTES));
        cut.longer = true;
        let message = hostile_message(&cut);
        assert!(message.contains("larger than 4096 bytes"), "{message}");
        assert!(message.contains(": \"{{{"), "{message}");
        assert_eq!(message.matches('…').count(), 1, "{message}");
    }

    #[test]
    fn unknown_scalar_fields_of_a_later_version_are_read() {
        let text = r#"{"pid": 42, "host": "box", "time": 5, "version": 3}"#;
        assert_eq!(verdict(&request(text)), Ok(Verdict::CheckPid { pid: 42 }));
    }
}
