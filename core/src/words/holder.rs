//! SPEC v3 §9 "Who holds a port": the words every "in use" message and `portplan who
//! PORT|NAME` print, from what the host found.
//!
//! The host looks up (natively: Linux /proc or sock_diag, macOS libproc, Windows
//! GetExtendedTcpTable) the processes listening on the port, and the registry lease that
//! holds it; it sends those facts as a [`PortHolder`]. This module only words them, the
//! same in every engine:
//!
//! ```text
//! port 21000 is held by pid 4242 (node vite --port 21000, in /home/me/shop), leased to web of shop in /home/me/shop
//! port 21000 is held by a process portplan cannot see (another user's, or this engine cannot tell)
//! port 21000 is leased to web of shop in /home/me/shop, and nothing listens on it
//! port 21000 is free: nothing listens on it and no portplan lease holds it
//! ```
//!
//! Names are quoted as config errors quote them ([`excerpt`]: control characters escaped,
//! cut after 64 characters); paths keep their end when long ([`short_path`]) and are then
//! quoted as [`quote_path`] does; a command's words are quoted one by one.

use crate::plan::LeaseHolder;
use crate::registry::Lease;
use crate::text::{excerpt, quote_path};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A path longer than this many characters is shown as `…` and its end.
pub const MAX_PATH_CHARS: usize = 60;

/// A command longer than this many characters (as quoted) is cut, with `…` after it.
pub const MAX_COMMAND_CHARS: usize = 80;

/// Who holds a port: what listens on it, and the lease that holds it. Hosts send it; the
/// `--json` of `who` is [`WhoAnswer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PortHolder {
    pub port: u16,
    pub listener: Listener,
    /// The registry lease on the port, if any.
    #[serde(default)]
    pub lease: Option<PortLease>,
}

/// What listens on (or is bound to) a port, as far as the host can tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Listener {
    /// No socket is bound to the port (TCP connections in TIME_WAIT do not count, SPEC v3).
    Free,
    /// A socket holds the port, but the host cannot tell whose.
    Unseen {
        /// Why, when the host knows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<UnseenWhy>,
    },
    /// The processes holding the port, the one to name first (a server's parent process,
    /// say) first.
    Processes { processes: Vec<ListeningProcess> },
}

/// Why a host cannot name the process that holds a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnseenWhy {
    /// The socket belongs to another user, whose processes this one may not inspect.
    OtherUser,
    /// This engine cannot look processes up (the WebAssembly engine).
    NotSupported,
}

/// A process holding a port; each fact is absent when the OS does not tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ListeningProcess {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Its command line, one word per item as the OS keeps them (argv; a host given one
    /// string, as Windows gives, splits it as the OS's own rules do, or sends the program
    /// alone). Empty when unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Its working folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

/// The registry lease on a port: the service, its namespace, and its project root (None
/// for a version 1 lease no root has adopted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PortLease {
    pub namespace: String,
    pub name: String,
    #[serde(default)]
    pub root: Option<String>,
}

impl From<&Lease> for PortLease {
    fn from(lease: &Lease) -> Self {
        PortLease {
            namespace: lease.namespace.clone(),
            name: lease.name.clone(),
            root: lease.root.clone(),
        }
    }
}

impl From<&LeaseHolder<'_>> for PortLease {
    fn from(lease: &LeaseHolder<'_>) -> Self {
        PortLease {
            namespace: lease.namespace.to_owned(),
            name: lease.name.to_owned(),
            root: lease.root.map(str::to_owned),
        }
    }
}

/// `who --json`: the facts and the sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WhoAnswer {
    #[serde(flatten)]
    pub holder: PortHolder,
    /// The sentence `who` prints: `port 21000 is held by pid 4242 (...)`.
    pub message: String,
}

impl PortHolder {
    /// The sentence, without a final period (it also ends "in use" errors: `cannot start
    /// web on port 21000: port 21000 is held by ...`).
    pub fn sentence(&self) -> String {
        let port = self.port;
        let lease = self.lease.as_ref().map(lease_words);
        match (self.listener.holder_words(), lease) {
            (Some(holder), Some(lease)) => format!("port {port} is held by {holder}, {lease}"),
            (Some(holder), None) => format!("port {port} is held by {holder}"),
            (None, Some(lease)) => format!("port {port} is {lease}, and nothing listens on it"),
            (None, None) => {
                format!("port {port} is free: nothing listens on it and no portplan lease holds it")
            }
        }
    }

    /// `who --json`.
    pub fn answer(self) -> WhoAnswer {
        WhoAnswer {
            message: self.sentence(),
            holder: self,
        }
    }

    /// Whether a socket holds the port (seen or not).
    pub fn in_use(&self) -> bool {
        !matches!(self.listener, Listener::Free)
    }
}

impl Listener {
    /// `pid 4242 (node vite, in /home/me/shop)`, or the words for a process that cannot be
    /// seen; None when nothing listens.
    pub fn holder_words(&self) -> Option<String> {
        match self {
            Listener::Free => None,
            Listener::Unseen { why } => Some(unseen_words(*why).to_owned()),
            Listener::Processes { processes } => Some(match processes.split_first() {
                None => unseen_words(None).to_owned(),
                Some((first, [])) => process_words(first),
                Some((first, [_])) => format!("{} and 1 other process", process_words(first)),
                Some((first, rest)) => {
                    format!(
                        "{} and {} other processes",
                        process_words(first),
                        rest.len()
                    )
                }
            }),
        }
    }

    /// A cell of `ls`'s table: who serves a lease's port. `pid 4242`, `pid 4242 +2` (two
    /// more processes), `in use` (a process that cannot be seen), or `-` (nothing).
    pub fn cell(&self) -> String {
        match self {
            Listener::Free => "-".to_owned(),
            Listener::Unseen { .. } => "in use".to_owned(),
            Listener::Processes { processes } => match processes.split_first() {
                Some((ListeningProcess { pid: Some(pid), .. }, [])) => format!("pid {pid}"),
                Some((ListeningProcess { pid: Some(pid), .. }, rest)) => {
                    format!("pid {pid} +{}", rest.len())
                }
                _ => "in use".to_owned(),
            },
        }
    }
}

fn unseen_words(why: Option<UnseenWhy>) -> &'static str {
    match why {
        None => "a process portplan cannot see (another user's, or this engine cannot tell)",
        Some(UnseenWhy::OtherUser) => "a process of another user, which portplan cannot see",
        Some(UnseenWhy::NotSupported) => {
            "a process this engine cannot name (it cannot look up listening processes)"
        }
    }
}

/// `pid 4242 (node vite --port 21000, in /home/me/shop)`; `a process (...)` without a pid.
fn process_words(process: &ListeningProcess) -> String {
    let who = match process.pid {
        Some(pid) => format!("pid {pid}"),
        None => "a process".to_owned(),
    };
    let mut details = Vec::new();
    if !process.command.is_empty() {
        details.push(command_words(&process.command));
    }
    if let Some(cwd) = &process.cwd {
        details.push(format!("in {}", short_path(cwd)));
    }
    if details.is_empty() {
        who
    } else {
        format!("{who} ({})", details.join(", "))
    }
}

/// `leased to web of shop in /home/me/shop` (`of` only with a namespace, `in` only with a
/// root).
fn lease_words(lease: &PortLease) -> String {
    let mut words = format!("leased to {}", excerpt(&lease.name));
    if !lease.namespace.is_empty() {
        words.push_str(&format!(" of {}", excerpt(&lease.namespace)));
    }
    if let Some(root) = &lease.root {
        words.push_str(&format!(" in {}", short_path(root)));
    }
    words
}

/// A command as one line: the program's file name when it is given as an absolute path
/// (`/usr/bin/node` → `node`), each word quoted as [`quote_path`] does (a word with a
/// blank, a quote or a control character is JSON-quoted), cut after
/// [`MAX_COMMAND_CHARS`] characters with `…`.
pub fn command_words(command: &[String]) -> String {
    let mut words = command.iter().enumerate().map(|(i, word)| {
        // The program by its name; a long script path by its end, where the tool is named
        // (`node …/.bin/vite`, not the cache folders before it).
        let word = if i == 0 && is_absolute_path(word) {
            crate::paths::file_name(word).to_owned()
        } else if is_absolute_path(word) && word.chars().count() > 40 {
            let parent = crate::paths::parent(word);
            format!(
                "…/{}/{}",
                crate::paths::file_name(&parent),
                crate::paths::file_name(word)
            )
        } else {
            word.clone()
        };
        quote_path(&word)
    });
    let mut line = words.next().unwrap_or_default();
    for word in words {
        line.push(' ');
        line.push_str(&word);
        if line.chars().count() > MAX_COMMAND_CHARS {
            break;
        }
    }
    match line.char_indices().nth(MAX_COMMAND_CHARS) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line,
    }
}

fn is_absolute_path(word: &str) -> bool {
    let bytes = word.as_bytes();
    word.starts_with('/')
        || word.starts_with("\\\\")
        || (bytes.len() > 2
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/'))
}

/// A path as messages print it: when longer than [`MAX_PATH_CHARS`] characters, `…` and
/// its end, starting at a separator where one is near; then quoted as [`quote_path`] does
/// (control characters escaped).
pub fn short_path(path: &str) -> String {
    let count = path.chars().count();
    if count <= MAX_PATH_CHARS {
        return quote_path(path);
    }
    // Keep the last MAX_PATH_CHARS - 1 characters, and `…` before them.
    let keep = MAX_PATH_CHARS - 1;
    let start = path
        .char_indices()
        .nth(count - keep)
        .map_or(path.len(), |(at, _)| at);
    let tail = &path[start..];
    // From the first separator of the tail, when that keeps at least half of it.
    let tail = match tail.find(['/', '\\']) {
        Some(at) if at <= keep / 2 => &tail[at..],
        _ => tail,
    };
    quote_path(&format!("…{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(pid: u32, command: &[&str], cwd: Option<&str>) -> ListeningProcess {
        ListeningProcess {
            pid: Some(pid),
            command: command.iter().map(|w| (*w).to_owned()).collect(),
            cwd: cwd.map(str::to_owned),
        }
    }

    fn shop_lease() -> PortLease {
        PortLease {
            namespace: "shop".into(),
            name: "web".into(),
            root: Some("/home/me/shop".into()),
        }
    }

    fn holder(listener: Listener, lease: Option<PortLease>) -> PortHolder {
        PortHolder {
            port: 21000,
            listener,
            lease,
        }
    }

    #[test]
    fn a_seen_process_and_its_lease() {
        let vite = process(
            4242,
            &["/usr/bin/node", "vite", "--port", "21000"],
            Some("/home/me/shop"),
        );
        let seen = Listener::Processes {
            processes: vec![vite.clone()],
        };
        assert_eq!(
            holder(seen.clone(), Some(shop_lease())).sentence(),
            "port 21000 is held by pid 4242 (node vite --port 21000, in /home/me/shop), leased to web of shop in /home/me/shop"
        );
        assert_eq!(
            holder(seen, None).sentence(),
            "port 21000 is held by pid 4242 (node vite --port 21000, in /home/me/shop)"
        );
        let three = Listener::Processes {
            processes: vec![vite, process(4243, &[], None), process(4244, &[], None)],
        };
        assert!(
            holder(three.clone(), None)
                .sentence()
                .ends_with("in /home/me/shop) and 2 other processes")
        );
        assert_eq!(three.cell(), "pid 4242 +2");
    }

    #[test]
    fn facts_the_os_does_not_tell_are_left_out() {
        let of = |p: ListeningProcess| {
            holder(Listener::Processes { processes: vec![p] }, None).sentence()
        };
        assert_eq!(of(process(7, &[], None)), "port 21000 is held by pid 7");
        assert_eq!(
            of(process(7, &[], Some("/srv"))),
            "port 21000 is held by pid 7 (in /srv)"
        );
        assert_eq!(
            of(ListeningProcess {
                command: vec![
                    "C:\\Program Files\\nodejs\\node.exe".into(),
                    "server.js".into()
                ],
                ..ListeningProcess::default()
            }),
            "port 21000 is held by a process (node.exe server.js)"
        );
        assert_eq!(
            of(process(1, &["nginx: master process /usr/sbin/nginx"], None)),
            "port 21000 is held by pid 1 (\"nginx: master process /usr/sbin/nginx\")"
        );
    }

    #[test]
    fn unseen_free_and_leased_only() {
        let unseen = Listener::Unseen { why: None };
        assert_eq!(
            holder(unseen.clone(), None).sentence(),
            "port 21000 is held by a process portplan cannot see (another user's, or this engine cannot tell)"
        );
        assert_eq!(
            holder(unseen.clone(), Some(shop_lease())).sentence(),
            "port 21000 is held by a process portplan cannot see (another user's, or this engine cannot tell), leased to web of shop in /home/me/shop"
        );
        assert_eq!(
            holder(
                Listener::Unseen {
                    why: Some(UnseenWhy::OtherUser)
                },
                None
            )
            .sentence(),
            "port 21000 is held by a process of another user, which portplan cannot see"
        );
        assert_eq!(
            holder(Listener::Free, Some(shop_lease())).sentence(),
            "port 21000 is leased to web of shop in /home/me/shop, and nothing listens on it"
        );
        assert_eq!(
            holder(Listener::Free, None).sentence(),
            "port 21000 is free: nothing listens on it and no portplan lease holds it"
        );
        let bare = PortLease {
            namespace: String::new(),
            name: "web".into(),
            root: None,
        };
        assert_eq!(
            holder(Listener::Free, Some(bare)).sentence(),
            "port 21000 is leased to web, and nothing listens on it"
        );
        let empty = Listener::Processes { processes: vec![] };
        assert_eq!(
            holder(empty.clone(), None).sentence(),
            holder(unseen.clone(), None).sentence()
        );
        assert_eq!(Listener::Free.cell(), "-");
        assert_eq!(unseen.cell(), "in use");
        assert_eq!(empty.cell(), "in use");
        assert!(!holder(Listener::Free, None).in_use());
    }

    #[test]
    fn names_paths_and_commands_are_escaped_and_shortened() {
        let lease = PortLease {
            namespace: "shop\u{202e}".into(),
            name: "we\nb".into(),
            root: Some("/home/me/\u{1b}[31mshop".into()),
        };
        let sentence = holder(Listener::Free, Some(lease)).sentence();
        assert_eq!(
            sentence,
            "port 21000 is leased to \"we\\nb\" of \"shop\\u202e\" in \"/home/me/\\u001b[31mshop\", and nothing listens on it"
        );
        assert!(!sentence.chars().any(crate::text::forbidden_in_name));

        let long = format!("/home/me/{}shop", "deep/".repeat(30));
        let short = short_path(&long);
        assert!(short.starts_with("…/"), "{short}");
        assert!(short.ends_with("/deep/deep/shop"), "{short}");
        assert!(short.chars().count() <= MAX_PATH_CHARS, "{short}");
        let one_name = format!("/{}", "x".repeat(100));
        assert_eq!(short_path(&one_name), format!("…{}", "x".repeat(59)));
        assert_eq!(short_path("/a b"), "\"/a b\"");
        assert_eq!(short_path(&"é".repeat(61)), format!("…{}", "é".repeat(59)));

        let words: Vec<String> = ["python", "-c", "print(1)\u{7}", "a b"]
            .iter()
            .map(|w| (*w).to_owned())
            .collect();
        assert_eq!(
            command_words(&words),
            "python -c \"print(1)\\u0007\" \"a b\""
        );
        let many: Vec<String> = (0..1000).map(|i| format!("--flag{i}")).collect();
        let line = command_words(&many);
        assert_eq!(line.chars().count(), MAX_COMMAND_CHARS + 1);
        assert!(line.ends_with('…'));
        assert_eq!(command_words(&[]), "");
    }

    #[test]
    fn the_json_shape() {
        let answer = holder(
            Listener::Processes {
                processes: vec![process(4242, &["node", "server.js"], Some("/srv"))],
            },
            Some(shop_lease()),
        )
        .answer();
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "port": 21000,
                "listener": {"state": "processes", "processes": [
                    {"pid": 4242, "command": ["node", "server.js"], "cwd": "/srv"}
                ]},
                "lease": {"namespace": "shop", "name": "web", "root": "/home/me/shop"},
                "message": answer.message,
            })
        );
        assert_eq!(serde_json::from_value::<WhoAnswer>(json).unwrap(), answer);
        // What a host sends: facts only, absent ones left out.
        let sent: PortHolder = serde_json::from_str(
            r#"{"port": 5432, "listener": {"state": "unseen", "why": "other_user"}}"#,
        )
        .unwrap();
        assert_eq!(sent.lease, None);
        assert_eq!(
            serde_json::to_value(holder(Listener::Free, None)).unwrap(),
            serde_json::json!({"port": 21000, "listener": {"state": "free"}, "lease": null})
        );
    }

    #[test]
    fn leases_of_the_registry_and_the_plan_convert() {
        let lease = Lease {
            namespace: "shop".into(),
            name: "web".into(),
            root: Some("/home/me/shop".into()),
            port: 21000,
            created: 0,
            used: 0,
        };
        assert_eq!(PortLease::from(&lease), shop_lease());
        let holder = LeaseHolder {
            namespace: "shop",
            name: "web",
            root: Some("/home/me/shop"),
        };
        assert_eq!(PortLease::from(&holder), shop_lease());
    }
}
