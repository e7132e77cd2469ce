//! What a session starts from: the host's facts (platform, working folder, variables) and
//! the call (a command line, or one API call), each a typed request (docs/host-protocol.md).

use crate::plan::config_file::ConfigInput;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What only the host knows about itself, sent once at the start.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostFacts {
    /// Node's names: `linux`, `darwin`, `win32`, ... (Python's host maps `sys.platform`).
    pub platform: String,
    /// The working directory, absolute.
    pub cwd: String,
    /// The user's home folder, when the host knows one.
    #[serde(default)]
    pub home: Option<String>,
    /// The process' environment (the variables the session reads: PORTPLAN_HOME,
    /// XDG_STATE_HOME, LOCALAPPDATA, test runners' worker ids ...).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// This process' id and the host's name, written into the lock's owner file.
    pub pid: u32,
    #[serde(default)]
    pub hostname: String,
    /// This process' user id, where the OS has them (the registry must be the user's own).
    #[serde(default)]
    pub uid: Option<u32>,
    /// Whether the process runs in the foreground of a terminal (stdin a TTY whose
    /// foreground process group is this process'): a Ctrl-C there reaches a spawned
    /// command by itself, and must not be passed on a second time.
    #[serde(default)]
    pub terminal: bool,
    /// `native` or `wasm`: what the engine can do (the wasm engine cannot name a port's
    /// holder).
    #[serde(default)]
    pub engine: String,
}

impl HostFacts {
    /// A variable, None when unset or empty.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn windows(&self) -> bool {
        self.platform == "win32"
    }
}

/// Where a call looks for its project and what it sets over the config file.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CallOptions")]
pub struct Options {
    /// The folder to work from (relative to the host's working directory).
    #[serde(default)]
    pub cwd: Option<String>,
    /// A config file to use instead of searching (`--config`).
    #[serde(default)]
    pub config_path: Option<String>,
    /// The config keys set over the file's (SPEC §1: range, namespace, layout, ...).
    #[serde(default)]
    pub config: Option<ConfigInput>,
    /// Probe the host for ports in use (default true).
    #[serde(default = "yes")]
    pub probe: bool,
    /// Ports to count as taken besides what the probes find.
    #[serde(default)]
    pub busy: Vec<u16>,
    /// A test session's runner (`pytest`, `vitest`, `jest`; `none`: not a test); absent:
    /// Vitest's and Jest's workers are found by their variables (session/test_session.rs).
    #[serde(default)]
    pub test: Option<String>,
}

/// A port the user set for a dev server, and what set it (`--port`, `server.port`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Explicit {
    pub port: u16,
    pub source: String,
}

fn yes() -> bool {
    true
}

/// One session's request: the host's facts and the call.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Start {
    pub host: HostFacts,
    #[serde(flatten)]
    pub call: Call,
}

/// What a session does (docs/host-protocol.md lists each call's answer).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "call", rename_all = "snake_case", deny_unknown_fields)]
pub enum Call {
    /// A command line of either CLI (without the program name). Answer: `{"exit": N}`, or
    /// `{"preview": ...}` for the host to serve the preview page.
    Cli { argv: Vec<String> },
    /// The ports of `names`, probed and leased. Answer: `{"ports": {name: port}}`.
    Ports {
        names: Vec<String>,
        #[serde(default)]
        options: Options,
    },
    /// Start the caller's server on the port of `name` (the host's `Listen` effect), and
    /// lease it once it listens. Answer: `{"port": N}`.
    Listen {
        name: String,
        #[serde(default)]
        options: Options,
        /// The address to listen on; absent: loopback.
        #[serde(default)]
        address: Option<String>,
        /// Fresh ports to try when others take them between the probe and the bind.
        #[serde(default)]
        tries: Option<u32>,
    },
    /// Free this checkout's lease of `name`, or every lease of its namespace with `all`.
    /// Answer: `{"released": [lease, ...]}`.
    Release {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        all: bool,
        #[serde(default)]
        options: Options,
    },
    /// Every lease of the registry, read without the lock. Answer: `{"leases": [...]}`.
    Leases {},
    /// Where this host's registry file is (SPEC §7), without looking at it. Answer:
    /// `{"registry": path}`.
    Registry {},
    /// A dev server's port (the Vite plugin): `name`'s, or, without one, the service of the
    /// package.json in the options' `cwd` (its npm scope left out). `preview`: the preview
    /// server, `<name>-preview`. `explicit`: a port the user set, which wins and is not
    /// leased. Answer: `{"serving": {...}}`.
    Serve {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        preview: bool,
        #[serde(default)]
        explicit: Option<Explicit>,
        #[serde(default)]
        options: Options,
    },
    /// The project's plan against the registry, read-only (what `portplan plan` shows),
    /// with `names` added as services. Answer: the plan with `root` and `config_file`.
    Plan {
        #[serde(default)]
        names: Vec<String>,
        #[serde(default)]
        options: Options,
        /// The config file's text as an editor has it, unsaved (`portplan preview`): planned
        /// in place of the file's, as a `portplan.toml` in its folder.
        #[serde(default)]
        config_text: Option<String>,
    },
}
