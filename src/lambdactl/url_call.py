"""`invoke --url`: one HTTP request to a function's URL, SigV4-signed (service
lambda) when its auth is AWS_IAM, as `curl --aws-sigv4` would."""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lambdactl.errors import ConfigError, LambdactlError


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "headers": dict(self.headers), "body": self.body.decode("utf-8", "replace")}


def parse_headers(raw: tuple[str, ...]) -> dict[str, str]:
    """--header K:V, repeated."""
    out: dict[str, str] = {}
    for h in raw:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            raise ConfigError(f"--header {h!r} is not NAME:VALUE", 'write it like --header "content-type: text/plain"')
        out[name.strip()] = value.strip()
    return out


def call(url: str, method: str, path: str, data: bytes, headers: dict[str, str],
         signer: Any = None, timeout: float = 60) -> HttpAnswer:
    """Send the request; SIGNER(AWSRequest) signs it in place (auth AWS_IAM)."""
    from botocore.awsrequest import AWSRequest

    parts = urlsplit(url)
    full = f"{parts.scheme}://{parts.netloc}/{path.lstrip('/')}"
    request = AWSRequest(method=method.upper(), url=full, data=data, headers=dict(headers))
    if signer is not None:
        signer(request)
    prepared = request.prepare()
    host = parts.hostname or ""
    # The sandbox's <id>.lambda-url.<region>.localhost: curl resolves *.localhost to
    # 127.0.0.1, Python's resolver does not.
    address = "127.0.0.1" if host.endswith(".localhost") else host
    conn_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_type(address, parts.port, timeout=timeout)
    try:
        target = prepared.url.split(parts.netloc, 1)[1] or "/"
        conn.request(method.upper(), target, body=data or None, headers={**dict(prepared.headers), "Host": parts.netloc})
        resp = conn.getresponse()
        return HttpAnswer(resp.status, resp.getheaders(), resp.read())
    except OSError as exc:
        raise LambdactlError(f"cannot reach {url}: {exc}", "check `lambdactl url` and that the sandbox runs") from exc
    finally:
        conn.close()


def sigv4(credentials: Any, region: str) -> Any:
    """A signer for Lambda function URLs (service "lambda")."""
    from botocore.auth import SigV4Auth

    auth = SigV4Auth(credentials, "lambda", region)
    return auth.add_auth
