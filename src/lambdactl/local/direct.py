"""Lambda's Invoke handed straight to moto's LambdaResponse, ahead of Flask and moto's URL maps.

Measured per warm invoke (thread CPU in the sandbox server, ``benchmarks/sandbox.py``
loop): moto's WSGI app took ~1.7 ms of the request's ~2.4 ms, of which the
invocation itself (``LambdaBackend.invoke`` down) was ~0.6 ms; the rest was
Flask's request context and URL map, moto's service dispatch and
``BaseResponse.setup_class``'s generic parsing (forms, query strings over the body).
``DirectInvoke`` answers ``POST /2015-03-31/functions/NAME/invocations`` with moto's
own ``LambdaResponse``: the attributes ``setup_class`` would give it (region,
account, query string, body, headers) set from the WSGI environ, then its own
``call_action``, so the same IAM check (``enforce.py``), the same Invoke code
(``aliases.py``, ``patch.py``), the same errors and headers, in moto's Flask
``Response``. Anything it does not expect (another path or service, a form or
compressed body, CORS, moto's request recorder) goes the usual way.
Contract-tested in tests/local/test_direct.py against moto's path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlparse

# Imported once here, not in the functions: ~25 imports per warm invoke, each a lookup and
# a fromlist walk (callgrind: ~10% of the request thread's instructions). The server imports
# this module after moto's backends (server.serve).
from botocore.exceptions import ClientError
from flask import Response
from moto.core import responses
from moto.iam.models import mark_account_as_visited
from moto.moto_api import recorder
from moto.moto_server.werkzeug_app import BackendRequest
from moto.utilities.utils import get_partition
from werkzeug.http import HTTP_STATUS_CODES

_INVOKE = re.compile(r"/2015-03-31/functions/[^/?]+/invocations")
# What moto's request parsing treats specially (forms, gzip) or answers itself (CORS).
_SPECIAL = ("HTTP_ORIGIN", "HTTP_CONTENT_ENCODING", "wsgi.input_terminated")


def _scope_service(environ: dict[str, Any]) -> str:
    """The service of a SigV4 Authorization header's credential scope, as moto's
    dispatcher reads it; "" for anything else."""
    try:
        return str(environ["HTTP_AUTHORIZATION"].split(",")[0].split()[1].split("/")[3])
    except (KeyError, IndexError):
        return ""


def eligible(environ: dict[str, Any]) -> bool:
    """Is this an Invoke that moto would route to its Lambda app, with nothing special?"""
    raw = str(environ.get("RAW_URI") or environ.get("PATH_INFO", "")).split("?", 1)[0]
    return (environ.get("REQUEST_METHOD") == "POST" and _INVOKE.fullmatch(raw) is not None
            and _scope_service(environ) == "lambda" and "HTTP_HOST" in environ
            and not any(key in environ for key in _SPECIAL)
            and not str(environ.get("CONTENT_TYPE", "")).startswith(("multipart/", "application/x-www"))
            and not recorder._user_enabled)


def _response_class() -> type:
    from moto.awslambda.responses import LambdaResponse

    class Invoke(LambdaResponse):
        """moto's LambdaResponse, its action known from the route."""

        def _get_action(self) -> str:
            return "Invoke"

        def get_access_key(self) -> str:
            # Asked twice per request (setup, account); moto's expression takes ~14 us.
            if "_access_key" not in self.__dict__:
                self._access_key = super().get_access_key()
            return str(self._access_key)

    return Invoke


class DirectInvoke:
    """WSGI middleware in front of moto's DomainDispatcherApplication (APP)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        from moto.settings import DISABLE_GLOBAL_CORS

        self.app, self.cors = app, not DISABLE_GLOBAL_CORS
        self.cls = _response_class()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not eligible(environ):
            return self.app(environ, start_response)
        request = BackendRequest(environ)
        try:
            request.get_data().decode("utf-8")
        except UnicodeDecodeError:   # moto's own answer to that (get_data cached the body)
            return self.app(environ, start_response)
        try:
            response = self.cls()
            _setup(response, request)
            status, headers, body = response.call_action()
        except ClientError as exc:   # as moto's convert_to_flask_response answers it
            status, headers, body = 400, {}, exc.response["Error"]["Message"]
        plain = _plain(status, headers, body, self.cors)
        if plain is not None:
            start_response(plain[0], plain[1])
            return [plain[2]]
        response = Response(response=body, status=status, headers=headers)
        if self.cors:   # what moto's flask-cors adds to every answer to a request with no Origin
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
        return response(environ, start_response)


def _plain(status: int, headers: dict[str, Any], body: Any, cors: bool
           ) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """The status line, headers and body werkzeug's Response would send for an answer with
    its Content-Type set (every Invoke answer moto makes): the same headers in the same
    order, Access-Control-Allow-Origin and Content-Length added where missing. Building
    and serialising the Response object was ~8% of a warm invoke's server CPU. None for
    anything it would treat specially (no Content-Type, 1xx/204/304, a Location, a value
    it refuses): that goes through the Response."""
    items = [(str(k), str(v)) for k, v in headers.items()]
    names = {k.lower() for k, _ in items}
    if "content-type" not in names or {"location", "content-location"} & names \
            or not isinstance(status, int) or not 200 <= status < 600 or status in (204, 304) or status not in HTTP_STATUS_CODES \
            or not isinstance(body, (bytes, str)) or any("\n" in v or "\r" in v for _, v in items):
        return None
    data = body.encode() if isinstance(body, str) else body
    # Its set_data: Content-Length is the body's, in the place of the first one given.
    at = next((i for i, (k, _) in enumerate(items) if k.lower() == "content-length"), len(items))
    items[at:] = [("Content-Length", str(len(data)))] + [
        (k, v) for k, v in items[at + 1:] if k.lower() != "content-length"]
    if cors and "access-control-allow-origin" not in names:
        items.append(("Access-Control-Allow-Origin", "*"))
    return f"{status} {HTTP_STATUS_CODES[status].upper()}", items, data


_roots: dict[tuple[str, str, str], str] = {}


def _root(request: Any) -> str:
    """moto's Request.raw_url starts with werkzeug's url_root (IRI-decoded, default port
    dropped): the same few values on every request, computed once each."""
    env = request.environ
    key = (env.get("wsgi.url_scheme", ""), env.get("HTTP_HOST", ""), env.get("SCRIPT_NAME", ""))
    if key not in _roots:
        if len(_roots) > 64:   # hosts are the client's to name: keep a few
            _roots.clear()
        _roots[key] = str(request.url_root).rstrip("/")
    return _roots[key]


def _setup(self: Any, request: Any) -> None:
    """What moto 5.2's BaseResponse.setup_class sets for a request with no form, no
    files and no compression (``eligible``), with its own helpers where it has them."""
    query = request.query_string.decode()
    full_url = _root(request) + request.raw_path + (f"?{query}" if query else "")
    self.is_werkzeug_request = True
    self.normalized_request = request
    self.parsed_url = urlparse(full_url)
    raw = request.get_data()
    self.form_data = {}
    self.raw_body = raw
    self.body = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    querystring: dict[str, Any] = dict(parse_qs(self.parsed_url.query, keep_blank_values=True))
    if not querystring and self.body:
        try:
            querystring = {k: [v] for k, v in responses.parse_qsl(self.body, keep_blank_values=True)}
        except (UnicodeEncodeError, UnicodeDecodeError, AttributeError):
            pass
    if not querystring:
        querystring.update(request.headers)
    self.uri, self.path, self.raw_path = full_url, self.parsed_url.path, request.raw_path
    self.querystring = self.data = querystring
    self.method = request.method
    self.region = self.get_region_from_url(request, full_url)
    self.partition = get_partition(self.region)
    self.uri_match = {}
    self.headers = request.headers
    self.response_headers = {"server": "amazon.com"}
    self.access_key = self.get_access_key()
    self.current_account = self.get_current_account()
    mark_account_as_visited(account_id=self.current_account, access_key=self.access_key,
                            service=self.service_name, region=self.region)
