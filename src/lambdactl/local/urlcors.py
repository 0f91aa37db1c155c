"""A function URL's CORS configuration, applied as Lambda applies it (urls.py serves the URL).

moto keeps a URL's ``Cors`` but nothing answered by it: a browser's preflight reached the
function (or its 403), and no answer carried ``Access-Control-Allow-Origin``, so a page
calling a URL with ``cors`` configured worked on AWS and failed on the sandbox. With CORS
configured, Lambda answers a preflight (``OPTIONS`` with ``Origin`` and
``Access-Control-Request-Method``) itself, without invoking the function or asking for a
signature, and adds the CORS headers to the function's answers to an allowed origin in
place of any the function set.
"""

from __future__ import annotations

from typing import Any

Headers = list[tuple[str, str]]


def _allowed(cors: dict[str, Any], environ: dict[str, Any]) -> str | None:
    """The request's Origin, if the configuration allows it."""
    origin = str(environ.get("HTTP_ORIGIN") or "")
    origins = [str(o) for o in cors.get("AllowOrigins") or []]
    if not origin or not ("*" in origins or origin.lower() in (o.lower() for o in origins)):
        return None
    return origin


def _common(cors: dict[str, Any], origin: str) -> Headers:
    wildcard = "*" in (cors.get("AllowOrigins") or []) and not cors.get("AllowCredentials")
    headers = [("Access-Control-Allow-Origin", "*" if wildcard else origin)]
    if not wildcard:
        headers.append(("Vary", "Origin"))
    if cors.get("AllowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return headers


def preflight(cors: dict[str, Any], environ: dict[str, Any]) -> tuple[int, Headers, bytes] | None:
    """Lambda's own answer to a preflight, where CORS is configured; None: not one."""
    if not cors or environ.get("REQUEST_METHOD") != "OPTIONS" or not environ.get("HTTP_ORIGIN") \
            or not environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
        return None
    origin = _allowed(cors, environ)
    if origin is None:   # not an allowed origin: no CORS headers, the browser refuses
        return 200, [], b""
    headers = _common(cors, origin)
    for key, name in (("AllowMethods", "Methods"), ("AllowHeaders", "Headers")):
        if cors.get(key):
            headers.append((f"Access-Control-Allow-{name}", ",".join(str(v) for v in cors[key])))
    if cors.get("MaxAge"):
        headers.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    return 200, headers, b""


def applied(cors: dict[str, Any], environ: dict[str, Any], headers: Headers) -> Headers:
    """HEADERS of an answer, with the configuration's CORS headers in place of the function's."""
    origin = _allowed(cors, environ) if cors else None
    if origin is None:
        return headers
    kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
    added = _common(cors, origin)
    if cors.get("ExposeHeaders"):
        added.append(("Access-Control-Expose-Headers", ",".join(str(v) for v in cors["ExposeHeaders"])))
    return kept + added
