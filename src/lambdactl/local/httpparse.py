"""http.server's request parsing, without the email parser on well-formed requests.

``BaseHTTPRequestHandler.parse_request`` hands every request's header block to
``email.parser``: measured in the sandbox server (yappi, warm invoke loop) that was
~6% of its CPU per request, and the Runtime API pays it twice per invocation.
``LeanParse`` reads the same lines under the same limits (http.client's 64 KiB a
line, 100 headers) and builds the same ``HTTPMessage`` directly when every line is
a plain ``Name: value``; anything else (folded lines, odd names, HTTP/0.9, bad
versions) goes through http.server's own code, so answers do not change.
"""

from __future__ import annotations

import email.parser
import email.policy
import http.client
import logging
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

_MAXLINE = 65536  # http.client's limits, as parse_headers applies them
_MAXHEADERS = 100
_VERSIONS = ("HTTP/1.0", "HTTP/1.1")
# What email's feedparser takes for a header line's name (headerRE), minus its odd cases.
_NAME = re.compile(rb"[\041-\071\073-\176]+:")


class LeanParse(BaseHTTPRequestHandler):
    """Mix in before a BaseHTTPRequestHandler subclass."""

    raw_requestline: bytes  # set by handle_one_request
    max_header_line = _MAXLINE   # a server may take longer lines (runtime_api.py)

    def parse_request(self) -> bool:
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split(" ")
        if words != line.split() or len(words) != 3 or words[2] not in _VERSIONS \
                or words[1].startswith("//"):
            return bool(super().parse_request())  # errors, HTTP/0.9 and the odd cases
        self.requestline = line
        self.command, self.path, self.request_version = words
        lines = self._header_lines()
        if lines is None:
            return False
        self.headers = _message(lines, self.MessageClass)
        modern = words[2] == "HTTP/1.1" and self.protocol_version >= "HTTP/1.1"
        connection = self.header("Connection").lower()
        self.close_connection = connection == "close" or (not modern and not (
            connection == "keep-alive" and self.protocol_version >= "HTTP/1.1"))
        expect = self.header("Expect").lower()
        if expect == "100-continue" and modern:
            return bool(self.handle_expect_100())
        return True

    def header(self, name: str) -> str:
        """The request's header NAME ("" if absent), as ``self.headers.get`` gives it: from
        the index ``_message`` made, not a walk that lowercases every name each call."""
        index = getattr(self.headers, "lean_index", None)
        if index is not None:
            return str(index.get(name.lower(), ""))
        return str(self.headers.get(name, ""))

    def _header_lines(self) -> list[bytes] | None:
        """The header block's lines, as http.client reads them; None (after an error
        answer, as http.server gives it) when a line or their number is over its limit."""
        lines: list[bytes] = []
        while True:
            raw = self.rfile.readline(self.max_header_line + 1)
            if len(raw) > self.max_header_line:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long",
                                str(http.client.LineTooLong("header line")))
                return None
            lines.append(raw)
            if len(lines) > _MAXHEADERS:  # the closing blank line counts, as there
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers",
                                f"got more than {_MAXHEADERS} headers")
                return None
            if raw in (b"\r\n", b"\n", b""):
                return lines[:-1]


def _message(lines: list[bytes], cls: Any) -> http.client.HTTPMessage:
    """What http.client.parse_headers makes of LINES (same names, values, order)."""
    if not all(_NAME.match(raw) for raw in lines):
        text = b"".join(lines).decode("iso-8859-1") + "\r\n"
        return email.parser.Parser(_class=cls).parsestr(text)
    message = cls()
    # compat32 (http.client's policy) stores a header unchanged and limits no header's
    # count: message[name] = value is an append to the list, without its two calls each.
    store = message._headers.append if message.policy is email.policy.compat32 else None
    index: dict[str, str] = {}
    for raw in lines:
        name, _, value = raw.decode("iso-8859-1").partition(":")
        value = value.lstrip(" \t").rstrip("\r\n")
        index.setdefault(name.lower(), value)   # get() answers the first of a name
        if store is None:
            message[name] = value
        else:
            store((name, value))
    if store is not None:   # compat32's get() returns a latin-1 value as stored
        message.lean_index = index
    return message


class QuietLog(BaseHTTPRequestHandler):
    """Mix in before werkzeug's WSGIRequestHandler: its ``log_request`` builds a line for
    every request (the path IRI-decoded, styled, the date formatted) that the sandbox's
    "werkzeug" logger, at WARNING, then drops: ~2% of the server's instructions per warm
    invoke (callgrind). The line is built only when that logger would keep it."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if logging.getLogger("werkzeug").isEnabledFor(logging.INFO):
            super().log_request(code, size)


class LeanEnviron(BaseHTTPRequestHandler):
    """Mix in before moto's MotoRequestHandler: its ``make_environ`` walks the headers
    twice to keep the spelling of underscored ``x-amz-meta-`` names; with no underscore
    in any name it only adds an empty map, done here without the walks."""

    def make_environ(self) -> dict[str, Any]:
        from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY
        from werkzeug.serving import WSGIRequestHandler

        if any("_" in name for name in self.headers.keys()):
            return super().make_environ()  # type: ignore[misc]
        environ: dict[str, Any] = WSGIRequestHandler.make_environ(self)  # type: ignore[arg-type]
        environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = {}
        return environ
