"""Function URLs with InvokeMode RESPONSE_STREAM on the sandbox, as Lambda does it:
a custom runtime that streams (Lambda-Runtime-Function-Response-Mode: streaming,
chunked) reaches `curl` chunk by chunk, before the function ends; a managed Python
runtime (awslambdaric) does not stream, its answer arrives whole; the Invoke API
buffers a streamed answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from tests.local.test_local_custom import _function
from tests.local.test_local_urls import get

Aws = Callable[[str], Any]
PAUSE = 1.5   # between the two chunks

# Streams "first", waits, then "second" (or, for {"http": true}, an HTTP integration
# response: a JSON prelude, 8 NUL bytes, then the body), with the standard library only.
STREAMING_BOOTSTRAP = f"""#!{os.path.realpath(sys.executable)} -IS
import http.client, json, os, time, urllib.request

HOST = os.environ["AWS_LAMBDA_RUNTIME_API"]
API = "/2018-06-01/runtime"
while True:
    with urllib.request.urlopen("http://" + HOST + API + "/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    http_mode = "http" in (event.get("rawQueryString") or "")
    conn = http.client.HTTPConnection(HOST)
    conn.putrequest("POST", API + "/invocation/" + rid + "/response")
    conn.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.putheader("Content-Type", "application/vnd.awslambda.http-integration-response" if http_mode
                   else "text/plain")
    conn.endheaders()
    def send(data):
        conn.send(b"%x\\r\\n%s\\r\\n" % (len(data), data))
    if http_mode:
        send(json.dumps({{"statusCode": 201, "headers": {{"x-streamed": "yes", "Content-Type": "text/plain"}},
                         "cookies": ["c=1"]}}).encode() + b"\\0" * 8)
    send(b"first\\n")
    time.sleep({PAUSE})
    send(b"second\\n")
    conn.send(b"0\\r\\n\\r\\n")
    conn.getresponse().read()
    conn.close()
"""


def _public_url(aws: Aws, name: str, mode: str) -> str:
    lam = aws("lambda")
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode=mode)["FunctionUrl"]
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction", Principal="*")
    return str(url)   # http://<id>.lambda-url.<region>.localhost:<port>/: curl resolves it


def _curl(url: str) -> tuple[list[tuple[float, str]], str]:
    """Each line of the body with the time it reached curl (-N: no buffering), and the headers."""
    started = time.monotonic()
    proc = subprocess.Popen(["curl", "-sS", "-N", "-D", "-", url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = [(time.monotonic() - started, line) for line in proc.stdout]
    assert proc.wait(timeout=30) == 0
    head, _, _ = "".join(line for _, line in lines).partition("\r\n\r\n")
    return [(t, line) for t, line in lines if line.rstrip() in ("first", "second")], head


def test_a_streaming_custom_runtime_reaches_curl_before_it_ends(aws: Aws, role_arn: str) -> None:
    name = _function(aws, role_arn, {"bootstrap": (STREAMING_BOOTSTRAP, 0o755)})
    url = _public_url(aws, name, "RESPONSE_STREAM")
    _curl(url)   # warm: the cold start must not count in the timing
    body, head = _curl(url)
    assert [line.rstrip() for _, line in body] == ["first", "second"]
    (first, _), (second, _) = body
    assert second - first >= PAUSE * 0.8, f"first chunk at {first:.2f} s, second at {second:.2f} s: buffered"
    assert "transfer-encoding: chunked" in head.lower() and "content-type: text/plain" in head.lower()

    body, head = _curl(url + "?http=1")   # the HTTP integration prelude: status, headers, cookies
    assert head.startswith("HTTP/1.1 201") and "x-streamed: yes" in head.lower() and "set-cookie: c=1" in head.lower()
    assert [line.rstrip() for _, line in body] == ["first", "second"] and body[1][0] - body[0][0] >= PAUSE * 0.8


def test_lambda_buffers_elsewhere(aws: Aws, role_arn: str, make_function: Any) -> None:
    """The same runtime through Invoke: the answer arrives whole. A managed Python
    runtime behind RESPONSE_STREAM: whole, mapped as a buffered answer."""
    name = _function(aws, role_arn, {"bootstrap": (STREAMING_BOOTSTRAP, 0o755)})
    started = time.monotonic()
    payload = aws("lambda").invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
    assert payload == b"first\nsecond\n" and time.monotonic() - started >= PAUSE

    python = make_function("app.echo")
    status, body = get(_public_url(aws, python, "RESPONSE_STREAM"))
    assert status == 200 and json.loads(body)["event"]["rawPath"] == "/"
