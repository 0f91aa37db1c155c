"""Who is at the other end of a loopback TCP connection: one of a process tree, or not.

On Lambda nothing outside an execution environment can reach its Runtime API. Here it
is a port on 127.0.0.1, which any local user (or another function's handler) could
connect to: take the next event (``GET /next``) and answer it. ``from_tree`` finds the
client's socket with the kernel's sock_diag (one exact lookup by address and port,
~50 us, as ``ss`` does; reading /proc/net/tcp was ~8 ms on a machine with 900
sockets) and looks for it among the descriptors of the environment's processes.

    from_tree(guard_pid, server_port, client_port) -> True | False | None (cannot tell)
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import subprocess
import time
from collections.abc import Callable

from lambdactl.local.proctree import descendants

NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST = 4, 20, 1
NLMSG_ERROR = 2
log = logging.getLogger("lambdactl.sandbox")
_HEADER = struct.Struct("=IHHII")          # nlmsghdr
_LOOPBACK = socket.inet_aton("127.0.0.1") + bytes(12)
_NO_COOKIE = 0xFFFFFFFF


def client_inode(server_port: int, client_port: int) -> int | None:
    """The inode of the client's end of 127.0.0.1:CLIENT_PORT -> 127.0.0.1:SERVER_PORT,
    or None where the kernel does not say (no sock_diag, no such socket)."""
    request = (struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF)
               + struct.pack("!HH", client_port, server_port) + _LOOPBACK + _LOOPBACK
               + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE))
    message = _HEADER.pack(_HEADER.size + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, 0)
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as diag:
            diag.sendto(message + request, (0, 0))
            reply = diag.recv(4096)
    except (OSError, AttributeError):   # AttributeError: no AF_NETLINK (not Linux)
        return None
    # nlmsghdr, then inet_diag_msg: 4 bytes, the 48-byte socket id, expires, queues, uid, inode
    if len(reply) < _HEADER.size + 72 or _HEADER.unpack_from(reply)[1] == NLMSG_ERROR:
        return None
    return int(struct.unpack_from("=I", reply, _HEADER.size + 68)[0])


def from_tree(root: int, server_port: int, client_port: int) -> bool | None:
    """Is the client of this connection a process of ROOT's tree? None: cannot tell."""
    inode = client_inode(server_port, client_port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in [root, *descendants(root)]:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return True
    return False


def admit(guard: Callable[[], subprocess.Popen[bytes] | None], server_port: int,
          client_port: int, function: str) -> bool:
    """May this client speak to the Runtime API of FUNCTION's environment (GUARD: its tree's
    root, once started)? Only its own processes may; where the kernel cannot say, any may."""
    deadline = time.monotonic() + 5.0
    while (root := guard()) is None and time.monotonic() < deadline:
        time.sleep(0.001)  # a forked runtime may connect before its pid is handed over
    own = root is not None and from_tree(root.pid, server_port, client_port)
    if own is False:
        log.warning("%s: refused a connection to its Runtime API from a process outside its "
                    "environment", function)
    return own is not False
