"""portplan.bind: a socket already bound on the service's port."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import portplan
import pytest
from conftest import as_plain_user, free_ports
from portplan import _calls
from portplan._listen import SocketListener
from portplan._options import call_options

if TYPE_CHECKING:
    from portplan._schema import ReplyDone


@pytest.fixture
def small_range() -> tuple[int, int]:
    ports = free_ports(10, start=43000)
    return ports[0], ports[-1]


def _holder(port: int) -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen(1)
    return sock


def test_bind_gives_a_listening_socket_on_the_leased_port(project: Path, small_range: tuple[int, int]) -> None:
    sock = portplan.bind("web", range=small_range, exclude=[])
    try:
        port = sock.getsockname()[1]
        assert sock.getsockname()[0] == "127.0.0.1"
        assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", port)]
        with socket.create_connection(("127.0.0.1", port)) as client:
            conn, _ = sock.accept()
            conn.close()
            assert client.getpeername()[1] == port
    finally:
        sock.close()
    # Closed, the same name gets the same port again.
    again = portplan.bind("web", range=small_range, exclude=[])
    assert again.getsockname()[1] == port
    again.close()


def test_bind_udp(project: Path, small_range: tuple[int, int]) -> None:
    sock = portplan.bind("dns", type=socket.SOCK_DGRAM, range=small_range, exclude=[])
    try:
        assert sock.type == socket.SOCK_DGRAM
        assert sock.getsockname()[1] == portplan.leases()[0].port
    finally:
        sock.close()


def test_a_port_taken_after_the_probe_moves_the_new_lease(
    project: Path, small_range: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = portplan.plan({"range": list(small_range), "exclude": [], "namespace": "shop", "services": {"web": True}})[
        "web"
    ]
    # The probe saw the home free; another process bound it before our `listen` effect did.
    real = SocketListener(socket.SOCK_STREAM, 8)
    tried: list[int] = []

    def taken_first(port: int, host: Optional[str]) -> ReplyDone:
        tried.append(port)
        if port == home:
            return {"did": "done", "error": {"code": "EADDRINUSE", "reason": "Address already in use"}}
        return real(port, host)

    options = call_options(keys={"range": small_range, "exclude": []})
    assert _calls.listen("web", options, None, taken_first) == real.socket.getsockname()[1]  # type: ignore[union-attr]
    assert tried[0] == home
    sock = real.socket
    assert sock is not None
    try:
        port = sock.getsockname()[1]
        assert port != home
        assert small_range[0] <= port <= small_range[1]
        assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", port)]
    finally:
        sock.close()


def test_a_kept_lease_held_by_another_process_is_an_error(project: Path, small_range: tuple[int, int]) -> None:
    port = portplan.port("web", range=small_range, exclude=[])
    holder = _holder(port)
    try:
        with pytest.raises(portplan.PortInUseError) as raised:
            portplan.bind("web", range=small_range, exclude=[])
    finally:
        holder.close()
    assert f"port {port}" in str(raised.value)
    assert "portplan release web" in str(raised.value)
    assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", port)]


def test_a_pinned_port_in_use_is_reported_not_moved(project: Path, small_range: tuple[int, int]) -> None:
    pinned = small_range[0]
    holder = _holder(pinned)
    try:
        # A pin is never probed (its own server is most likely the one holding it): the bind says why.
        for probe in (True, False):
            with pytest.raises(portplan.PortInUseError) as raised:
                portplan.bind("db", services={"db": pinned}, probe=probe)
            assert raised.value.kind == "host"
            # It names the holder: this very test process.
            assert raised.value.message.startswith(f"cannot start db on 127.0.0.1:{pinned}: pid {os.getpid()} (")
            assert raised.value.message.endswith(") is using it")
    finally:
        holder.close()
    assert portplan.leases() == []


# TEST-NET-1 (RFC 5737): documentation only, never an address of a host.
FOREIGN_ADDRESS = "192.0.2.1"


def test_an_address_this_host_lacks_is_the_error_and_the_lease_stays(
    project: Path, small_range: tuple[int, int]
) -> None:
    with socket.socket() as sock:
        try:
            sock.bind((FOREIGN_ADDRESS, small_range[0]))
        except OSError as error:
            code = error.errno
    assert code == errno.EADDRNOTAVAIL, "this host must not own the documentation address"
    port = portplan.port("web", range=small_range, exclude=[])
    before = portplan.leases()
    for _ in range(2):
        with pytest.raises(portplan.PortplanError) as raised:
            portplan.bind("web", host=FOREIGN_ADDRESS, range=small_range, exclude=[])
        assert not isinstance(raised.value, portplan.PortInUseError)
        assert raised.value.message == (
            f"cannot start web on {FOREIGN_ADDRESS}:{port}: {FOREIGN_ADDRESS} is not an address of this host"
        )
        assert raised.value.data["code"] == "EADDRNOTAVAIL"
        assert portplan.leases() == before, "a failed bind never moves a lease"
    # Nor does it record a new one.
    with pytest.raises(portplan.PortplanError):
        portplan.bind("api", host=FOREIGN_ADDRESS, range=small_range, exclude=[])
    assert portplan.leases() == before
    sock = portplan.bind("web", range=small_range, exclude=[])
    assert sock.getsockname()[1] == port
    sock.close()


PRIVILEGED = """
import portplan
try:
    portplan.bind("web", services={"web": 80})
except portplan.PortplanError as error:
    print(error.kind, error.data["code"], error.message, sep="\\n")
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="reads Linux's /proc/sys/net/ipv4/ip_unprivileged_port_start (macOS, Windows: every user may bind port 80)",
)
def test_a_privileged_port_is_not_permitted(shared_tmp: Path) -> None:
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding="ascii") as file:
        assert int(file.read()) > 80, "this host lets every user bind port 80"
    env = {**os.environ, "PORTPLAN_HOME": str(shared_tmp / "home")}
    done = subprocess.run(
        [*as_plain_user(), sys.executable, "-c", PRIVILEGED],
        cwd=shared_tmp,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    kind, code, message = done.stdout.splitlines()
    assert (kind, code) == ("host", "EACCES")
    assert message == "cannot start web on 127.0.0.1:80: not permitted (Permission denied)"


def test_the_default_address_is_loopback_and_empty_is_every_interface(
    project: Path, small_range: tuple[int, int]
) -> None:
    with portplan.bind("web", range=small_range, exclude=[]) as sock:
        assert sock.getsockname()[0] == "127.0.0.1"
        web = sock.getsockname()[1]
    with portplan.bind("web", host="", range=small_range, exclude=[]) as sock:
        assert sock.getsockname() == ("0.0.0.0", web), "as socket.bind(('', port)): every IPv4 interface"
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    with portplan.bind("web", host="localhost", range=small_range, exclude=[]) as sock:
        assert sock.getsockname()[1] == web


def test_port_in_use_is_an_oserror_with_its_errno_port_and_name(project: Path, small_range: tuple[int, int]) -> None:
    web = portplan.port("web", range=small_range, exclude=[], probe=False)
    holder = _holder(web)
    try:
        with pytest.raises(OSError, match="is using it") as raised:
            portplan.bind("web", range=small_range, exclude=[])
    finally:
        holder.close()
    error = raised.value
    assert isinstance(error, portplan.PortInUseError)
    assert (error.errno, error.port, error.name) == (errno.EADDRINUSE, web, "web")
    assert "portplan release web" in str(error)


def test_python_shaped_mistakes_are_type_errors(project: Path) -> None:
    with pytest.raises(TypeError, match="takes the name of a service"):
        portplan.bind(8000)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="host must be an address"):
        portplan.bind("web", host=8000)  # type: ignore[arg-type]
    assert portplan.leases() == []


INTERRUPTED = """
import sys, portplan
from portplan import _listen

def interrupted(*args, **kwargs):
    raise KeyboardInterrupt
_listen.open_socket = interrupted  # Ctrl-C while the session holds the registry lock
try:
    portplan.bind("web", range=(43900, 43909), exclude=[], probe=False)
except KeyboardInterrupt as error:
    kept = error  # its traceback holds the frames: the session must be dropped all the same
    print("interrupted", flush=True)
sys.stdin.read()  # alive, so a lock it still held would still be held
"""


def test_ctrl_c_in_a_session_leaves_no_lock_held(project: Path, registry_home: Path) -> None:
    from conftest import lock_is_free

    interrupted = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED], cwd=project, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert interrupted.stdout is not None
        assert interrupted.stdout.readline() == "interrupted\n"
        assert (registry_home / "registry.lock").exists(), "the session had taken the lock"
        assert lock_is_free(registry_home)
        assert portplan.port("api", range=(43900, 43909), exclude=[], probe=False) > 0
        assert [lease.name for lease in portplan.leases()] == ["api"], "nothing was leased for web"
    finally:
        interrupted.communicate("", timeout=10)
