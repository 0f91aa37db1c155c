"""A function's URL (`url = { auth = ..., cors = {...}, invoke_mode = ... }`): its
schema, its frozen dataclass, and its parsing (each problem one line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdactl.checks import _check_keys, _Problems, _typed

URL_KEYS = {"auth", "cors", "invoke_mode", "qualifier"}
AUTH_TYPES = ("AWS_IAM", "NONE")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")
# lambdactl.toml's cors keys -> Lambda's Cors structure, and what each holds.
CORS_KEYS = {"allow_origins": "AllowOrigins", "allow_methods": "AllowMethods", "allow_headers": "AllowHeaders",
             "expose_headers": "ExposeHeaders", "max_age": "MaxAge", "allow_credentials": "AllowCredentials"}
CORS_METHODS = ("GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "*")
QUALIFIER = r"^[a-zA-Z0-9$_-]{1,128}$"


@dataclass(frozen=True)
class FunctionUrl:
    auth: str = "AWS_IAM"                      # AWS_IAM (signed callers only) or NONE (public)
    cors: tuple[tuple[str, Any], ...] = ()     # Lambda's Cors fields, sorted (lists as tuples)
    invoke_mode: str = "BUFFERED"
    qualifier: str | None = None               # an alias (issue 15's aliases plug in here)

    @property
    def public(self) -> bool:
        return self.auth == "NONE"

    def cors_config(self) -> dict[str, Any]:
        """The Cors parameter of Create/UpdateFunctionUrlConfig."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.cors}


def parse_url(p: _Problems, where: str, raw: Any) -> FunctionUrl | None:
    """`url = {...}` of a function, or None (reported) when it is wrong."""
    where = f"{where}.url"
    if raw is None:
        return None
    if not _typed(p, where, raw, dict, 'a table like { auth = "AWS_IAM" }'):
        return None
    n = len(p.items)
    _check_keys(p, where, raw, URL_KEYS)
    auth, mode = raw.get("auth", "AWS_IAM"), raw.get("invoke_mode", "BUFFERED")
    if auth not in AUTH_TYPES:
        p.add(f"{where}.auth", f'{auth!r} must be "AWS_IAM" (signed callers) or "NONE" (public)')
    if mode not in INVOKE_MODES:
        p.add(f"{where}.invoke_mode", f'{mode!r} must be "BUFFERED" or "RESPONSE_STREAM"')
    qualifier = raw.get("qualifier")
    if qualifier is not None and _typed(p, f"{where}.qualifier", qualifier, str, "an alias name"):
        import re

        if not re.fullmatch(QUALIFIER, qualifier) or qualifier == "$LATEST":
            p.add(f"{where}.qualifier", f"{qualifier!r} is not an alias name (letters, digits, '-', '_')")
    cors = _parse_cors(p, f"{where}.cors", raw.get("cors", {}))
    if len(p.items) > n:
        return None
    return FunctionUrl(auth=auth, cors=cors, invoke_mode=mode, qualifier=qualifier)


def _parse_cors(p: _Problems, where: str, raw: Any) -> tuple[tuple[str, Any], ...]:
    if not _typed(p, where, raw, dict, "a table like { allow_origins = [\"*\"] }"):
        return ()
    _check_keys(p, where, raw, set(CORS_KEYS))
    out: list[tuple[str, Any]] = []
    for key, value in raw.items():
        if key not in CORS_KEYS:
            continue
        w = f"{where}.{key}"
        if key == "max_age":
            if _typed(p, w, value, int, "an integer (seconds)") and not 0 <= value <= 86400:
                p.add(w, f"{value} is out of range; Lambda allows 0-86400 seconds")
        elif key == "allow_credentials":
            _typed(p, w, value, bool, "true or false")
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            p.add(w, f"must be a list of strings, got {value!r}")
            continue
        elif key == "allow_methods" and (bad := [m for m in value if m.upper() not in CORS_METHODS]):
            p.add(w, f"{bad[0]!r} is not an HTTP method; use {', '.join(CORS_METHODS)}")
        elif key == "allow_origins" and (problem := _origins_problem(value)):
            p.add(w, problem)
        else:
            value = tuple(m.upper() for m in value) if key == "allow_methods" else tuple(value)
        out.append((CORS_KEYS[key], value))
    return tuple(sorted(out))


def _origins_problem(origins: list[str]) -> str | None:
    """Lambda's rule for AllowOrigins: at most 100, each "*" or scheme://host[:port] of at
    most 253 characters. A browser's Origin header never has a path, so "https://a.com/"
    would match no request."""
    import re

    if len(origins) > 100:
        return f"lists {len(origins)} origins; Lambda allows 100"
    for origin in origins:
        if origin == "*":
            continue
        found = re.fullmatch(r"(?:([A-Za-z][A-Za-z0-9+.-]*)://)?([^/\s?#]+)?(.*)", origin)
        scheme, host, rest = found.groups() if found else (None, None, origin)
        if not origin or re.search(r"\s", origin) or host is None:
            return f"{origin!r} is not an origin; write scheme://host[:port], e.g. \"https://example.com\", or \"*\""
        if scheme is None:
            return f"{origin!r} has no scheme; write \"https://{origin.rstrip('/')}\" (scheme://host[:port])"
        if rest:
            return (f"{origin!r} has a path, which a browser's Origin never has (no request would match); "
                    f"write \"{scheme}://{host}\"")
        if len(origin) > 253:
            return f"{origin[:40]!r}... is {len(origin)} characters; Lambda allows 253"
    return None
