"""An OSError as the protocol reports it: the errno name (as libuv and Node name it) and the OS's
own words. The core words the message; this only tells it what happened."""

from __future__ import annotations

import errno

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._schema import OsError


def os_error(error: OSError) -> OsError:
    import socket

    if isinstance(error, socket.gaierror):  # a name that does not resolve: getaddrinfo's EAI_* name
        names = {getattr(socket, name): name for name in dir(socket) if name.startswith("EAI_")}
        code = names.get(error.errno, "EAI_FAIL")
    else:
        code = errno.errorcode.get(error.errno or 0, "EIO")
    return {"code": code, "reason": error.strerror or str(error)}
