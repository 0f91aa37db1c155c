"""Lambda code uploads with a large inline zip, decoded once, ahead of moto's JSON parsing.

PublishLayerVersion, CreateFunction and UpdateFunctionCode carry the zip as base64 in
their JSON body: for a 42 MB layer a 56 MB body. Measured in the sandbox server
(cProfile of one such request, 0.42 s of CPU): werkzeug re-reading the body the
signature check had already read (~60 ms), decoding it to str (~30 ms), ``json.loads``
of it (~60 ms), and moto's ``_zipfile_content``: ``bytes(str)`` (~30 ms) and a
non-SIMD ``b64decode`` (~120 ms). ``CodeUpload`` takes the ZipFile's base64 out of
the body before moto sees it, decodes it once from a memoryview (no copy), and leaves
a short token in its place; moto's ``_zipfile_content`` (patched by ``install``) hands
back the decoded zip, its size and hashes for that token. Anything it does not expect
(no ZipFile key where the operation has it, base64 that is not strictly valid, a
compressed or form body) goes moto's way unchanged, with moto's answer.
Contract-tested in tests/local/test_local_codeupload.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from lambdactl import b64
from lambdactl.local.direct import _scope_service

LARGE = 1 << 16   # bytes of body: below it moto's own path costs little
_ROUTES = (   # each code-upload operation's method and path, and where its body holds ZipFile
    ("POST", re.compile(r"/2018-10-31/layers/[^/?]+/versions"), ("Content",)),
    ("POST", re.compile(r"/2015-03-31/functions/?"), ("Code",)),
    ("PUT", re.compile(r"/2015-03-31/functions/[^/?]+/code"), ()),
)
_KEY = re.compile(rb'"ZipFile"\s*:\s*"')
_PREFIX = "lambdactl-decoded:"
_TOKEN_LEN = len(_PREFIX) + 32
Content = tuple[bytes, int, str, str]   # what moto's _zipfile_content returns
_decoded: dict[str, Content] = {}       # token -> its content, while its request runs
_lock = threading.Lock()
_original: Callable[[str | bytes], Content] | None = None


def install() -> None:
    """Patch moto in this process (the sandbox server): a token's content is decoded already."""
    global _original
    from moto.awslambda import models

    if _original is None:
        _original = models._zipfile_content
    models._zipfile_content = zipfile_content


def zipfile_content(zipfile_content: str | bytes) -> Content:
    """moto 5.2's _zipfile_content(base64 zip) -> (zip, size, base64 sha256, hex sha256),
    for a token of CodeUpload's without decoding again."""
    text = zipfile_content
    if isinstance(text, str) and len(text) == _TOKEN_LEN and text.startswith(_PREFIX):
        with _lock:
            found = _decoded.get(text)
        if found is not None:
            return found
    assert _original is not None
    return _original(text)


def _where(environ: dict[str, Any]) -> tuple[str, ...] | None:
    """The ZipFile's place in the body of a large, plain code upload; None for anything else."""
    if int(environ.get("CONTENT_LENGTH") or 0) <= LARGE:
        return None
    if environ.get("HTTP_CONTENT_ENCODING") or _scope_service(environ) != "lambda":
        return None
    if str(environ.get("CONTENT_TYPE", "")).startswith(("multipart/", "application/x-www")):
        return None
    path = str(environ.get("RAW_URI") or environ.get("PATH_INFO", "")).split("?", 1)[0]
    method = environ.get("REQUEST_METHOD")
    return next((where for verb, route, where in _ROUTES if verb == method and route.fullmatch(path)), None)


def take_zip(body: bytes, where: tuple[str, ...]) -> tuple[bytes, str, Content] | None:
    """BODY with its ZipFile's base64 replaced by a token, the token, and the decoded
    content; None when BODY is not what moto would decode from WHERE + ("ZipFile",)."""
    found = _KEY.search(body)
    if found is None:
        return None
    start = found.end()
    end = body.find(b'"', start)
    if end < 0:
        return None
    try:
        data = b64.decode(memoryview(body)[start:end])
    except ValueError:   # not strict base64 (binascii.Error is one): moto's lenient decode decides
        return None
    token = _PREFIX + uuid.uuid4().hex
    small = body[:start] + token.encode() + body[end:]
    try:
        parsed: Any = json.loads(small)
        for key in (*where, "ZipFile"):
            parsed = parsed[key]
    except (ValueError, KeyError, TypeError):
        return None
    if parsed != token:   # the key found was another one (an environment variable's)
        return None
    sha = hashlib.sha256(data)
    return small, token, (data, len(data), base64.b64encode(sha.digest()).decode(), sha.hexdigest())


class CodeUpload:
    """WSGI middleware in front of moto's app (APP), after the signature check."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        where = _where(environ)
        if where is None:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        taken = take_zip(body, where)
        if taken is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        small, token, content = taken
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(small), str(len(small))
        with _lock:
            _decoded[token] = content
        try:
            return list(self.app(environ, start_response))   # moto is done with the token after this
        finally:
            with _lock:
                del _decoded[token]
