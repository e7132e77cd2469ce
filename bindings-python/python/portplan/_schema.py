# The core's request and answer types, generated from core/schema/portplan.schema.json by
# `python bindings-python/scripts/gen_types.py`; do not edit (tests/test_types.py checks that it is current).
# ruff: noqa: E501

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from portplan._compat import NotRequired, TypeAlias, TypedDict

PortplanCoreApi: TypeAlias = Any
"""
The requests and answers of the core's boundary: the session protocol (docs/host-protocol.md) and plan_json (docs/core-api.md). Generated from the Rust types by `UPDATE_SCHEMA=1 cargo test -p portplan --test schema`; do not edit.
"""


class AnswerExit(TypedDict):
    """
    `cli`: the exit code (everything was printed through `print` effects).
    """

    exit: int


class Answer1(TypedDict):
    """
    `ports`: the ports, and the namespace they are leased in (a test session's own).
    """

    namespace: str
    ports: dict[str, int]


class AnswerPort(TypedDict):
    """
    `listen`: the port the caller's server listens on.
    """

    port: int


class AnswerRegistry(TypedDict):
    """
    `registry`: the registry file's path.
    """

    registry: str


class EffectRead(TypedDict):
    """
    Read a file: opened without blocking (a FIFO reads as `fifo`, never hangs), without
    following a final symbolic link unless `follow`, at most `limit` bytes (one more byte
    tells `longer`). Reply: [`Reply::Read`].
    """

    do: Literal["read"]
    follow: bool
    limit: int
    path: str


class EffectStat(TypedDict):
    """
    What is at each path (`lstat` when not `follow`). Reply: [`Reply::Stat`].
    """

    do: Literal["stat"]
    follow: bool
    paths: list[str]


class EffectRealpath(TypedDict):
    """
    The absolute path with every symbolic link resolved. Reply: [`Reply::Path`].
    """

    do: Literal["realpath"]
    path: str


class EffectList(TypedDict):
    """
    The names in a folder that start with `prefix`. Reply: [`Reply::Names`].
    """

    dir: str
    do: Literal["list"]
    prefix: str


class EffectMakeDir(TypedDict):
    """
    Create a folder and its missing parents (mode 0700 where modes exist). Reply:
    [`Reply::Done`].
    """

    do: Literal["make_dir"]
    path: str


class EffectCreate(TypedDict):
    """
    Create a new file that must not exist yet (exclusive, never through a link), write
    `text` whole, flush it to the disk when `sync`, close it. `mode` applies where modes
    exist. Reply: [`Reply::Done`].
    """

    do: Literal["create"]
    mode: int
    path: str
    sync: bool
    text: str


class EffectCopyOwner(TypedDict):
    """
    Give `path` the owner, group and mode of `like` (both regular files). Reply:
    [`Reply::Done`].
    """

    do: Literal["copy_owner"]
    like: str
    path: str


EffectRename = TypedDict(
    "EffectRename",
    {
        "do": Literal["rename"],
        "from": str,
        "to": str,
    },
)


EffectLink = TypedDict(
    "EffectLink",
    {
        "do": Literal["link"],
        "from": str,
        "to": str,
    },
)


class EffectAppend(TypedDict):
    """
    Append `text` to the existing regular file `path` (never created, never through a
    link), in one write. Reply: [`Reply::Done`].
    """

    do: Literal["append"]
    path: str
    text: str


class EffectRemove(TypedDict):
    """
    Remove a file (not a folder); a missing file is `ENOENT`. Reply: [`Reply::Done`].
    """

    do: Literal["remove"]
    path: str


class EffectLock(TypedDict):
    """
    Try to take the exclusive OS lock of `path` without waiting (`flock`/`fcntl`,
    `LockFileEx`): open or create it (never through a link, mode 0600), try the lock;
    on success keep it open and locked until [`Effect::Unlock`] or the process' end.
    `hold`: keep it for the rest of the process, beyond the session, and answer `taken`
    again at once when this process already holds it so (a test session's slot). Reply:
    [`Reply::Lock`].
    """

    do: Literal["lock"]
    hold: bool
    path: str


class EffectUnlock(TypedDict):
    """
    Release the lock of `path` taken by [`Effect::Lock`] and close it. Reply:
    [`Reply::Done`].
    """

    do: Literal["unlock"]
    path: str


class EffectSleep(TypedDict):
    """
    Wait this long. Reply: [`Reply::Done`].
    """

    do: Literal["sleep"]
    ms: int


class EffectClock(TypedDict):
    """
    The process clock. Reply: [`Reply::Clock`].
    """

    do: Literal["clock"]


class EffectProbe(TypedDict):
    """
    For each port: can it be bound, TCP and UDP, on the loopback and wildcard addresses
    of IPv4 and IPv6 (IPv6 where the host has it)? `server`: bind TCP as a server does
    (SO_REUSEADDR on POSIX), so connections in TIME_WAIT do not count. Reply:
    [`Reply::Probe`].
    """

    do: Literal["probe"]
    ports: list[int]
    server: bool


class EffectWho(TypedDict):
    """
    Which processes listen on these ports. Reply: [`Reply::Who`].
    """

    do: Literal["who"]
    ports: list[int]


class EffectWhich(TypedDict):
    """
    The file `command` names on the PATH (with PATHEXT's extensions on Windows), as the
    shell would find it. Reply: [`Reply::Path`] (null path: not found).
    """

    command: str
    do: Literal["which"]


class EffectGit(TypedDict):
    """
    Run `git` with `args` in `cwd`; its stdout when it exits 0. Reply: [`Reply::Output`].
    """

    args: list[str]
    cwd: str
    do: Literal["git"]


class EffectSpawn(TypedDict):
    """
    Start `argv` with `env` added to the host's environment, stdio inherited; forward
    termination signals as `forward` says; wait for it. Reply: [`Reply::Exit`].
    """

    argv: list[str]
    do: Literal["spawn"]
    env: dict[str, str]
    forward: list[str]
    """
    Signals the host passes on to the child (`SIGTERM`, `SIGHUP`, `SIGINT`); a
    Ctrl-C in a terminal reaches the child by itself.
    """


class EffectListen(TypedDict):
    """
    Start the caller's server (Node's `listen`, Python's `bind`) on `port` at `host`
    (absent: the host's default). Reply: [`Reply::Done`] or its error.
    """

    do: Literal["listen"]
    host: Optional[str]
    port: int


ErrorKind: TypeAlias = Literal[
    "invalid_range",
    "invalid_config",
    "invalid_name",
    "invalid_port",
    "duplicate_pin",
    "pin_busy",
    "range_exhausted",
    "invalid_request",
    "invalid_registry",
    "usage",
    "unknown_service",
    "host",
]
"""
The kinds of SPEC §2, plus the host-facing kinds of docs/core-api.md.
"""


class Explicit(TypedDict):
    """
    A port the user set for a dev server, and what set it (`--port`, `server.port`).
    """

    port: int
    source: str


HashKind: TypeAlias = Literal["sha256", "lagom"]
"""
Where a free service's home port comes from (SPEC §4).
"""


class HolderService(TypedDict):
    """
    Given to another service of this plan (one that sorts earlier, or a kept lease).
    """

    by: Literal["service"]
    service: str


class HolderPinned(TypedDict):
    """
    Pinned by a service of this plan.
    """

    by: Literal["pinned"]
    service: str


class HolderLease(TypedDict):
    """
    A lease of another service in the registry; `root` when it is another checkout's
    (a lease of another project root).
    """

    by: Literal["lease"]
    namespace: str
    root: NotRequired[Optional[str]]
    service: str


class HolderBusy(TypedDict):
    """
    In use on the host.
    """

    by: Literal["busy"]


class HolderExcluded(TypedDict):
    """
    Excluded by the config.
    """

    by: Literal["excluded"]


class HolderUnsafe(TypedDict):
    """
    A port browsers refuse (SPEC §3, `browser_safe`).
    """

    by: Literal["unsafe"]


class HolderRange(TypedDict):
    """
    The home is not a port of the range (only Lagom's `i32::MIN` hash gives this).
    """

    by: Literal["range"]


Holder: TypeAlias = Union[
    HolderService,
    HolderPinned,
    HolderLease,
    HolderBusy,
    HolderExcluded,
    HolderUnsafe,
    HolderRange,
]
"""
What held a displaced service's home port.
"""


class HostFacts(TypedDict):
    """
    What only the host knows about itself, sent once at the start.
    """

    cwd: str
    """
    The working directory, absolute.
    """
    engine: NotRequired[str]
    """
    `native` or `wasm`: what the engine can do (the wasm engine cannot name a port's
    holder).
    """
    env: NotRequired[dict[str, str]]
    """
    The process' environment (the variables the session reads: PORTPLAN_HOME,
    XDG_STATE_HOME, LOCALAPPDATA, test runners' worker ids ...).
    """
    home: NotRequired[Optional[str]]
    """
    The user's home folder, when the host knows one.
    """
    hostname: NotRequired[str]
    pid: int
    """
    This process' id and the host's name, written into the lock's owner file.
    """
    platform: str
    """
    Node's names: `linux`, `darwin`, `win32`, ... (Python's host maps `sys.platform`).
    """
    terminal: NotRequired[bool]
    """
    Whether the process runs in the foreground of a terminal (stdin a TTY whose
    foreground process group is this process'): a Ctrl-C there reaches a spawned
    command by itself, and must not be passed on a second time.
    """
    uid: NotRequired[Optional[int]]
    """
    This process' user id, where the OS has them (the registry must be the user's own).
    """


Kind: TypeAlias = Literal["file", "directory", "symlink", "fifo", "socket", "device", "other"]
"""
What kind of thing a path is.
"""


Layout: TypeAlias = Literal["hash", "sequential", "block"]
"""
How free services get their ports (SPEC §5).
"""


class Lease(TypedDict):
    """
    One lease, as the registry file and the answers write it (fields in this order).
    """

    created: int
    """
    Unix seconds: when the lease was made, and when it was last handed out.
    """
    name: str
    namespace: str
    port: int
    root: Optional[str]
    """
    The project root (absolute) the lease belongs to; null for a version 1 lease that no
    root has adopted yet.
    """
    used: int


class Listener(TypedDict):
    """
    A process listening on a port ([`Effect::Who`]); what the OS does not tell is absent.
    """

    command: NotRequired[list[str]]
    """
    Its command line, one word per argument (empty when unknown).
    """
    cwd: NotRequired[Optional[str]]
    pid: NotRequired[Optional[int]]
    port: int


class OsError(TypedDict):
    """
    An OS error as the host met it: the errno name (`ENOENT`, `EACCES`; Windows errors as
    libuv names them: `EBUSY` for a sharing violation), and the OS's own words for codes
    the core does not word itself.
    """

    code: str
    reason: NotRequired[str]


class PlanError(TypedDict):
    """
    An error: `kind`, `message`, and the fields that carry the data behind it.
    """

    code: NotRequired[Optional[str]]
    """
    The OS's errno name behind a host fault (`bind_failed`: `EADDRNOTAVAIL`).
    """
    exit: NotRequired[Optional[int]]
    """
    The CLI's exit code when it is not the kind's (`run`: 127, 126).
    """
    free: NotRequired[Optional[int]]
    key: NotRequired[Optional[str]]
    """
    The config key at fault: `range`, `services.web`, `exclude[2]`.
    """
    kind: ErrorKind
    line: NotRequired[Optional[int]]
    """
    The line of that file at fault, from 1 (`env --write`: a second portplan block).
    """
    message: str
    """
    One sentence a user can act on.
    """
    name: NotRequired[Optional[str]]
    """
    A name or namespace that breaks the name rule.
    """
    needed: NotRequired[Optional[int]]
    """
    How many ports are needed, and how many are free (`range_exhausted`).
    """
    path: NotRequired[Optional[str]]
    """
    The file concerned (added by the host).
    """
    port: NotRequired[Optional[int]]
    range: NotRequired[Any]
    """
    The bad range, as given (`invalid_range`).
    """
    service: NotRequired[Optional[str]]
    """
    The service concerned (a bad port value, a busy pin, an unknown service).
    """
    services: NotRequired[Optional[list[str]]]
    """
    Every service that pins one port (`duplicate_pin`).
    """
    version: NotRequired[Optional[int]]
    """
    A registry's version this core does not read.
    """


class PreviewAnswer(TypedDict):
    """
    `portplan preview`: what the host's preview server needs.
    """

    config: Any
    """
    The config keys the command line set (`range`, `namespace`, `layout`).
    """
    config_path: Optional[str]
    """
    `--config FILE`, if given.
    """
    open: bool
    """
    False with `--no-open`.
    """
    port: Optional[int]
    """
    `--port N`; null: any free port.
    """
    probe: bool


class ReasonPinned(TypedDict):
    """
    The config pins it.
    """

    kind: Literal["pinned"]


class ReasonHome(TypedDict):
    """
    Its home port (SPEC §4), free.
    """

    home: int
    kind: Literal["home"]


class ReasonDisplacedService(TypedDict):
    """
    Given to another service of this plan (one that sorts earlier, or a kept lease).
    """

    home: int
    kind: Literal["displaced"]
    by: Literal["service"]
    service: str


class ReasonDisplacedPinned(TypedDict):
    """
    Pinned by a service of this plan.
    """

    home: int
    kind: Literal["displaced"]
    by: Literal["pinned"]
    service: str


class ReasonDisplacedLease(TypedDict):
    """
    A lease of another service in the registry; `root` when it is another checkout's
    (a lease of another project root).
    """

    home: int
    kind: Literal["displaced"]
    by: Literal["lease"]
    namespace: str
    root: NotRequired[Optional[str]]
    service: str


class ReasonDisplacedBusy(TypedDict):
    """
    In use on the host.
    """

    home: int
    kind: Literal["displaced"]
    by: Literal["busy"]


class ReasonDisplacedExcluded(TypedDict):
    """
    Excluded by the config.
    """

    home: int
    kind: Literal["displaced"]
    by: Literal["excluded"]


class ReasonDisplacedUnsafe(TypedDict):
    """
    A port browsers refuse (SPEC §3, `browser_safe`).
    """

    home: int
    kind: Literal["displaced"]
    by: Literal["unsafe"]


class ReasonDisplacedRange(TypedDict):
    """
    The home is not a port of the range (only Lagom's `i32::MIN` hash gives this).
    """

    home: int
    kind: Literal["displaced"]
    by: Literal["range"]


class ReasonSequential(TypedDict):
    """
    Why a service has its port.
    """

    kind: Literal["sequential"]


class ReasonBlock(TypedDict):
    """
    The block layout: the block's first port, and the service's place in it.
    """

    base: int
    kind: Literal["block"]
    offset: int


class ReasonKept(TypedDict):
    """
    The service's own registry lease, held since `since` (Unix seconds).
    """

    kind: Literal["kept"]
    since: int


class ReplyDone(TypedDict):
    """
    Effects that only succeed or fail (`error` absent: done).
    """

    did: Literal["done"]
    error: NotRequired[Optional[OsError]]


ReplyReadMissing = TypedDict(
    "ReplyReadMissing",
    {
        "did": Literal["read"],
        "is": Literal["missing"],
    },
)


ReplyReadFile = TypedDict(
    "ReplyReadFile",
    {
        "did": Literal["read"],
        "is": Literal["file"],
        "longer": bool,
        "mode": NotRequired[Optional[int]],
        "text": str,
        "uid": NotRequired[Optional[int]],
        "utf8": bool,
    },
)


ReplyReadNotFile = TypedDict(
    "ReplyReadNotFile",
    {
        "did": Literal["read"],
        "is": Literal["not_file"],
        "kind": Kind,
    },
)


ReplyReadError = TypedDict(
    "ReplyReadError",
    {
        "did": Literal["read"],
        "error": OsError,
        "is": Literal["error"],
    },
)


class ReplyPath(TypedDict):
    """
    What the host answers. JSON: `{"did": "read", ...}`, tagged with the effect it did.
    """

    did: Literal["path"]
    error: NotRequired[Optional[OsError]]
    path: NotRequired[Optional[str]]


class ReplyNames(TypedDict):
    """
    What the host answers. JSON: `{"did": "read", ...}`, tagged with the effect it did.
    """

    did: Literal["names"]
    error: NotRequired[Optional[OsError]]
    names: NotRequired[list[str]]


class ReplyLock(TypedDict):
    """
    [`Effect::Lock`]: taken, or held by another open file (`taken` false), or an error
    (`ENOLCK`, `EOPNOTSUPP`: the file system has no working locks).
    """

    did: Literal["lock"]
    error: NotRequired[Optional[OsError]]
    taken: NotRequired[bool]


class ReplyClock(TypedDict):
    """
    What the host answers. JSON: `{"did": "read", ...}`, tagged with the effect it did.
    """

    did: Literal["clock"]
    ms: float


class ReplyProbe(TypedDict):
    """
    [`Effect::Probe`]: the ports found free, in the order asked.
    """

    did: Literal["probe"]
    free: list[bool]


class ReplyWho(TypedDict):
    """
    [`Effect::Who`]: the listeners found; `known` false when this host cannot tell.
    """

    did: Literal["who"]
    known: bool
    listeners: list[Listener]


class ReplyOutput(TypedDict):
    """
    [`Effect::Git`]: stdout when git ran and exited 0, else null.
    """

    did: Literal["output"]
    stdout: NotRequired[Optional[str]]


class ReplyExit(TypedDict):
    """
    [`Effect::Spawn`]: the exit code, or the signal that ended it; `error` when it could
    not start (`not_found`: no such command).
    """

    code: NotRequired[Optional[int]]
    did: Literal["exit"]
    error: NotRequired[Optional[OsError]]
    signal: NotRequired[Optional[str]]


SeenMissing = TypedDict(
    "SeenMissing",
    {
        "is": Literal["missing"],
    },
)


SeenThere = TypedDict(
    "SeenThere",
    {
        "ino": NotRequired[Optional[int]],
        "is": Literal["there"],
        "kind": Kind,
        "mode": NotRequired[Optional[int]],
        "mtime_ms": float,
        "size": int,
        "uid": NotRequired[Optional[int]],
    },
)


SeenError = TypedDict(
    "SeenError",
    {
        "error": OsError,
        "is": Literal["error"],
    },
)


class Serving(TypedDict):
    """
    A dev server's port, and the line that says so.
    """

    busy_error: Optional[PlanError]
    """
    For a kept lease: the error to give when another process holds its port.
    """
    line: str
    """
    The line to print once the server listens.
    """
    name: str
    port: int
    url: Optional[str]
    """
    Its URL (a host of its own per checkout); none for a port the user set.
    """


class StartCli(TypedDict):
    """
    A command line of either CLI (without the program name). Answer: `{"exit": N}`, or
    `{"preview": ...}` for the host to serve the preview page.
    """

    host: HostFacts
    argv: list[str]
    call: Literal["cli"]


class StartLeases(TypedDict):
    """
    Every lease of the registry, read without the lock. Answer: `{"leases": [...]}`.
    """

    host: HostFacts
    call: Literal["leases"]


class StartRegistry(TypedDict):
    """
    Where this host's registry file is (SPEC §7), without looking at it. Answer:
    `{"registry": path}`.
    """

    host: HostFacts
    call: Literal["registry"]


Stream: TypeAlias = Literal["stdout", "stderr"]
"""
Where [`Effect::Print`] writes.
"""


class AnswerPreview(TypedDict):
    """
    `cli` of `preview`: the host serves the preview page with these options.
    """

    preview: PreviewAnswer


class AnswerReleased(TypedDict):
    """
    `release`.
    """

    released: list[Lease]


class AnswerLeases(TypedDict):
    """
    `leases`.
    """

    leases: list[Lease]


class AnswerServing(TypedDict):
    """
    `serve`.
    """

    serving: Serving


class AnswerError(TypedDict):
    """
    Any call that could not do what it was asked.
    """

    error: PlanError


class Config(TypedDict):
    """
    A validated config, every key filled in: the canonical form of SPEC §1. `services` is a
    BTreeMap, so it iterates in UTF-8 byte order.
    """

    block_size: int
    browser_safe: bool
    exclude: list[Union[int, tuple[int, int]]]
    hash: HashKind
    layout: Layout
    namespace: str
    range: tuple[int, int]
    """
    An inclusive range of ports, `[min, max]` with `1 <= min <= max <= 65535`.
    """
    services: dict[str, Union[bool, int]]


class ConfigInput1(TypedDict):
    """
    A config object: any of the keys of Config; a key left out takes its default.
    """

    block_size: NotRequired[int]
    browser_safe: NotRequired[bool]
    exclude: NotRequired[list[Union[int, tuple[int, int]]]]
    hash: NotRequired[HashKind]
    layout: NotRequired[Layout]
    namespace: NotRequired[str]
    range: NotRequired[tuple[int, int]]
    """
    An inclusive range of ports, `[min, max]` with `1 <= min <= max <= 65535`.
    """
    services: NotRequired[dict[str, Union[bool, int]]]


class EffectPrint(TypedDict):
    """
    Write text to the process' stdout or stderr. Reply: [`Reply::Done`].
    """

    do: Literal["print"]
    stream: Stream
    text: str


class Entry(TypedDict):
    name: str
    port: int
    reason: Union[
        ReasonPinned,
        ReasonHome,
        ReasonDisplacedService,
        ReasonDisplacedPinned,
        ReasonDisplacedLease,
        ReasonDisplacedBusy,
        ReasonDisplacedExcluded,
        ReasonDisplacedUnsafe,
        ReasonDisplacedRange,
        ReasonSequential,
        ReasonBlock,
        ReasonKept,
    ]
    """
    Why a service has its port.
    """


class ErrorAnswer(TypedDict):
    """
    `{"error": {...}}`: what `plan_json` (and a session) answers when it cannot do what was
    asked.
    """

    error: PlanError


class PlanAnswer(TypedDict):
    """
    A plan, as every engine answers it: the entries sorted by the UTF-8 bytes of their names,
    and the config keys a reader of the plan needs (the rest is in the entries).
    """

    exclude: list[Union[int, tuple[int, int]]]
    """
    The config's excluded ports, defaults applied (a viewer draws them).
    """
    hash: HashKind
    layout: Layout
    namespace: str
    plan: list[Entry]
    range: tuple[int, int]
    """
    An inclusive range of ports, `[min, max]` with `1 <= min <= max <= 65535`.
    """


class PlanRequest(TypedDict):
    """
    `plan_json`'s request.
    """

    busy: NotRequired[Optional[list[int]]]
    """
    Ports taken on the host.
    """
    config: NotRequired[Optional[Union[ConfigInput1, str]]]
    """
    The config: an object, or JSON or TOML text; absent, every default.
    """


class ProjectPlan(TypedDict):
    """
    A plan with its project: the root its leases belong to and the config file used (null
    when none was found).
    """

    config_file: Optional[str]
    exclude: list[Union[int, tuple[int, int]]]
    """
    The config's excluded ports, defaults applied (a viewer draws them).
    """
    hash: HashKind
    layout: Layout
    namespace: str
    plan: list[Entry]
    range: tuple[int, int]
    """
    An inclusive range of ports, `[min, max]` with `1 <= min <= max <= 65535`.
    """
    root: str
    urls: dict[str, str]
    """
    Each service's URL (a `.localhost` host of this checkout's own).
    """


class ReplyStat(TypedDict):
    """
    What the host answers. JSON: `{"did": "read", ...}`, tagged with the effect it did.
    """

    did: Literal["stat"]
    seen: list[Union[SeenMissing, SeenThere, SeenError]]


Reply: TypeAlias = Union[
    ReplyDone,
    ReplyReadMissing,
    ReplyReadFile,
    ReplyReadNotFile,
    ReplyReadError,
    ReplyStat,
    ReplyPath,
    ReplyNames,
    ReplyLock,
    ReplyClock,
    ReplyProbe,
    ReplyWho,
    ReplyOutput,
    ReplyExit,
]
"""
What the host answers. JSON: `{"did": "read", ...}`, tagged with the effect it did.
"""


class CallOptions(TypedDict):
    """
    Where a call looks for its project and what it sets over the config file.
    """

    busy: NotRequired[list[int]]
    """
    Ports to count as taken besides what the probes find.
    """
    config: NotRequired[Optional[Union[ConfigInput1, str]]]
    """
    The config keys set over the file's (SPEC §1: range, namespace, layout, ...).
    """
    config_path: NotRequired[Optional[str]]
    """
    A config file to use instead of searching (`--config`).
    """
    cwd: NotRequired[Optional[str]]
    """
    The folder to work from (relative to the host's working directory).
    """
    probe: NotRequired[bool]
    """
    Probe the host for ports in use (default true).
    """
    test: NotRequired[Optional[str]]
    """
    A test session's runner (`pytest`, `vitest`, `jest`; `none`: not a test); absent:
    Vitest's and Jest's workers are found by their variables (session/test_session.rs).
    """


class SessionStepDone(TypedDict):
    """
    The session's end, with its answer.
    """

    done: Union[
        AnswerExit,
        AnswerPreview,
        Answer1,
        AnswerPort,
        AnswerReleased,
        AnswerLeases,
        AnswerRegistry,
        AnswerServing,
        ProjectPlan,
        AnswerError,
    ]
    """
    A session's last answer.
    """


SessionStep: TypeAlias = Union[
    SessionStepDone,
    EffectRead,
    EffectStat,
    EffectRealpath,
    EffectList,
    EffectMakeDir,
    EffectCreate,
    EffectCopyOwner,
    EffectRename,
    EffectLink,
    EffectAppend,
    EffectRemove,
    EffectLock,
    EffectUnlock,
    EffectSleep,
    EffectClock,
    EffectProbe,
    EffectWho,
    EffectWhich,
    EffectGit,
    EffectPrint,
    EffectSpawn,
    EffectListen,
]
"""
What `step` gives, as its JSON Schema describes it (`step_text` writes it).
"""


class StartPorts(TypedDict):
    """
    The ports of `names`, probed and leased. Answer: `{"ports": {name: port}}`.
    """

    host: HostFacts
    call: Literal["ports"]
    names: list[str]
    options: NotRequired[CallOptions]


class StartListen(TypedDict):
    """
    Start the caller's server on the port of `name` (the host's `Listen` effect), and
    lease it once it listens. Answer: `{"port": N}`.
    """

    host: HostFacts
    address: NotRequired[Optional[str]]
    """
    The address to listen on; absent: loopback.
    """
    call: Literal["listen"]
    name: str
    options: NotRequired[CallOptions]
    tries: NotRequired[Optional[int]]
    """
    Fresh ports to try when others take them between the probe and the bind.
    """


class StartRelease(TypedDict):
    """
    Free this checkout's lease of `name`, or every lease of its namespace with `all`.
    Answer: `{"released": [lease, ...]}`.
    """

    host: HostFacts
    all: NotRequired[bool]
    call: Literal["release"]
    name: NotRequired[Optional[str]]
    options: NotRequired[CallOptions]


class StartServe(TypedDict):
    """
    A dev server's port (the Vite plugin): `name`'s, or, without one, the service of the
    package.json in the options' `cwd` (its npm scope left out). `preview`: the preview
    server, `<name>-preview`. `explicit`: a port the user set, which wins and is not
    leased. Answer: `{"serving": {...}}`.
    """

    host: HostFacts
    call: Literal["serve"]
    explicit: NotRequired[Optional[Explicit]]
    name: NotRequired[Optional[str]]
    options: NotRequired[CallOptions]
    preview: NotRequired[bool]


class StartPlan(TypedDict):
    """
    The project's plan against the registry, read-only (what `portplan plan` shows),
    with `names` added as services. Answer: the plan with `root` and `config_file`.
    """

    host: HostFacts
    call: Literal["plan"]
    config_text: NotRequired[Optional[str]]
    """
    The config file's text as an editor has it, unsaved (`portplan preview`): planned
    in place of the file's, as a `portplan.toml` in its folder.
    """
    names: NotRequired[list[str]]
    options: NotRequired[CallOptions]


Start: TypeAlias = Union[
    StartCli,
    StartPorts,
    StartListen,
    StartRelease,
    StartLeases,
    StartRegistry,
    StartServe,
    StartPlan,
]
"""
One session's request: the host's facts and the call.
"""
