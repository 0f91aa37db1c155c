"""The sandbox's port on 127.0.0.1: free to listen on, and answering."""

from __future__ import annotations

import socket


def port_free(port: int) -> bool:
    """Can a server listen on 127.0.0.1:port? (SO_REUSEADDR, as werkzeug binds)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False
