"""One TLS context per target, its CA bundle loaded once (tls.py), against a real
HTTPS server on loopback: every request on a new connection, certificates still
verified (an untrusted one fails on every connection, a trusted one passes)."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from lambdactl.aws import Aws, Target


class Functions(http.server.BaseHTTPRequestHandler):
    """Lambda's ListFunctions, and the connection closed: each call opens a new one."""

    def do_GET(self) -> None:
        body = b'{"Functions": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """https://127.0.0.1:PORT with a self-signed certificate (its file: a CA bundle)."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Functions)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", cert
    httpd.shutdown()


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every CA bundle really loaded into a context."""
    seen: list[Any] = []
    original = ssl.SSLContext.load_verify_locations

    def load(self: ssl.SSLContext, cafile: Any = None, capath: Any = None, cadata: Any = None) -> None:
        seen.append(cafile)
        original(self, cafile, capath, cadata)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", load)
    return seen


def test_the_bundle_is_loaded_once_for_all_clients_and_connections(
        server: tuple[str, Path], loads: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    url, cert = server
    monkeypatch.setenv("AWS_CA_BUNDLE", str(cert))
    aws = Aws(Target("aws", region="us-east-1", endpoint_url=url), max_attempts=1)
    for client in (aws.client("lambda"), aws.invoke_client(3), aws.client("lambda")):
        assert client.list_functions()["Functions"] == []
    assert loads == [str(cert)]   # 3 connections, 2 clients: one load (it was one per connection)


def test_an_untrusted_certificate_still_fails_on_every_connection(
        server: tuple[str, Path], loads: list[Any]) -> None:
    aws = Aws(Target("aws", region="us-east-1", endpoint_url=server[0]), max_attempts=1)
    for client in (aws.client("lambda"), aws.client("lambda"), aws.invoke_client(3)):
        with pytest.raises(botocore.exceptions.SSLError):
            client.list_functions()
    assert len(loads) == 1   # botocore's own bundle, which does not hold the server's certificate


def test_the_clients_of_one_target_make_one_tls_context(
        server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each client's session made an OpenSSL context of its own when built (~2.5 M
    instructions), and adopt() dropped it for the shared one: now it is handed the
    shared one. Requests still verify against the bundle."""
    import botocore.httpsession

    url, cert = server
    monkeypatch.setenv("AWS_CA_BUNDLE", str(cert))
    made: list[Any] = []
    original = botocore.httpsession.create_urllib3_context
    monkeypatch.setattr(botocore.httpsession, "create_urllib3_context",
                        lambda *args, **kwargs: made.append(original(*args, **kwargs)) or made[-1])
    aws = Aws(Target("aws", region="us-east-1", endpoint_url=url), max_attempts=1)
    first = aws.client("lambda")   # its context, and the credential chain's metadata fetchers'
    shared = first._endpoint.http_session._manager.connection_pool_kw["ssl_context"]
    before = len(made)
    clients = (first, aws.client("s3"), aws.invoke_client(3))
    assert clients[0].list_functions()["Functions"] == [] == clients[2].list_functions()["Functions"]
    assert len(made) == before   # it was one more per client
    assert {id(c._endpoint.http_session._manager.connection_pool_kw["ssl_context"]) for c in clients} == {id(shared)}
    Aws(Target("aws", region="us-east-1", endpoint_url=url), max_attempts=1).client("lambda")
    assert len(made) > before   # another target: contexts of its own
