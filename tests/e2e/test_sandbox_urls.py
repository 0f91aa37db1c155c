"""End to end: a function URL on the sandbox, called with `curl` (a subprocess) and
with `lambdactl invoke --url`: the function gets Lambda's payload format 2.0 event,
and its answer becomes the HTTP response (status, headers, cookies, body) as on
Lambda. AWS_IAM: unsigned requests get 403, signed ones pass."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_sandbox_flow import cli

ECHO = '''
import base64, json

def handler(event, context):
    if event["rawPath"] == "/bare":
        return {"bare": True}
    if event["rawPath"] == "/png":
        return {"statusCode": 200, "headers": {"content-type": "image/png"},
                "body": base64.b64encode(b"\\x89PNG").decode(), "isBase64Encoded": True}
    print("url event", event["requestContext"]["http"]["method"], event["rawPath"])
    return {"statusCode": 201, "headers": {"x-echo": "yes", "content-type": "application/json"},
            "cookies": ["a=1", "b=2; Path=/"], "body": json.dumps(event)}
'''
TOML = """
[project]
name = "web"
target = "local"

[functions.api]
source = "functions/api"
handler = "app.handler"
url = {{ auth = "{auth}" }}
"""

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    (tmp_path / "functions/api").mkdir(parents=True)
    (tmp_path / "functions/api/app.py").write_text(ECHO)
    (tmp_path / "lambdactl.toml").write_text(TOML.format(auth="NONE"))
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(tmp_path, env, "local", "start", "--port", "0")
    yield tmp_path, env
    subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=tmp_path, env=env,
                   capture_output=True, timeout=60)


def curl(*args: str) -> tuple[int, dict[str, list[str]], bytes]:
    out = subprocess.run(["curl", "-s", "-i", "--max-time", "60", *args], capture_output=True, timeout=90, check=True).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return int(lines[0].split()[1]), headers, body


def test_curl_gets_the_functions_status_headers_and_cookies(web: tuple[Path, dict[str, str]]) -> None:
    root, env = web
    up = json.loads(cli(root, env, "-o", "json", "up").stdout)
    url = up["functions"][0]["url"]
    assert url.startswith("http://") and ".lambda-url.us-east-1.localhost:" in url
    assert cli(root, env, "url", "api").stdout.strip() == url
    status, headers, body = curl("-X", "POST", "-H", "Content-Type: text/plain", "-H", "X-Trace: T1",
                                 "-b", "session=s1; theme=dark", "--data-binary", "hi there",
                                 f"{url}orders/7?id=1&id=2&q=x%20y")
    assert status == 201
    assert headers["x-echo"] == ["yes"] and headers["content-type"] == ["application/json"]
    assert headers["set-cookie"] == ["a=1", "b=2; Path=/"]
    event = json.loads(body)
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/orders/7" and event["rawQueryString"] == "id=1&id=2&q=x%20y"
    assert event["queryStringParameters"] == {"id": "1,2", "q": "x y"}
    assert event["headers"]["x-trace"] == "T1" and event["headers"]["content-type"] == "text/plain"
    assert all(k == k.lower() for k in event["headers"])
    assert event["cookies"] == ["session=s1", "theme=dark"]
    assert event["body"] == "hi there" and event["isBase64Encoded"] is False
    http = event["requestContext"]["http"]
    assert (http["method"], http["path"], http["sourceIp"]) == ("POST", "/orders/7", "127.0.0.1")
    assert http["userAgent"].startswith("curl/")
    # A bare value: 200, as JSON; a binary body both ways.
    status, headers, body = curl(f"{url}bare")
    assert (status, json.loads(body), headers["content-type"]) == (200, {"bare": True}, ["application/json"])
    status, headers, body = curl(f"{url}png")
    assert (status, body, headers["content-type"]) == (200, b"\x89PNG", ["image/png"])
    _, _, body = curl("-H", "Content-Type: application/octet-stream", "--data-binary", "\x01\x02", f"{url}bin")
    event = json.loads(body)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x01\x02"
    logs = cli(root, env, "logs", "api").stdout
    assert "url event POST /orders/7" in logs


def test_iam_url_refuses_unsigned_and_invoke_url_signs(web: tuple[Path, dict[str, str]]) -> None:
    root, env = web
    (root / "lambdactl.toml").write_text(TOML.format(auth="AWS_IAM"))
    url = json.loads(cli(root, env, "-o", "json", "up").stdout)["functions"][0]["url"]
    status, _, body = curl(f"{url}x")
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})
    out = json.loads(cli(root, env, "-o", "json", "invoke", "api", "--url", "--path", "/signed?v=1",
                         "--method", "PUT", "--data", "abc", "--header", "content-type: text/plain").stdout)
    assert out["status"] == 201 and out["headers"]["x-echo"] == "yes"
    event = json.loads(out["body"])
    assert (event["rawPath"], event["body"], event["requestContext"]["http"]["method"]) == ("/signed", "abc", "PUT")
    bad = cli(root, env, "invoke", "api", "--url", "--header", "nocolon", code=2)
    assert "--header 'nocolon' is not NAME:VALUE" in bad.stderr
    cli(root, env, "destroy", "--yes")
    status, _, _ = curl(f"{url}x")
    assert status == 403
