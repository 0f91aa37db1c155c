"""Custom runtimes on the sandbox (issue 15): the function's own bootstrap speaks the
Runtime API; no awslambdaric. The shell-script example runs end to end in
tests/e2e/test_custom_runtime.py."""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

Aws = Callable[[str], Any]

# A runtime in Python with the standard library only: -IS keeps every site-packages
# (awslambdaric's included) out of reach.
PY_BOOTSTRAP = f"""#!{os.path.realpath(sys.executable)} -IS
import json, os, sys, urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
try:
    import awslambdaric  # noqa: F401
    ric = True
except ImportError:
    ric = False
print("init: handler", os.environ["_HANDLER"], flush=True)
while True:
    with urllib.request.urlopen(API + "/invocation/next") as r:
        rid, event = r.headers["Lambda-Runtime-Aws-Request-Id"], json.loads(r.read())
        deadline = int(r.headers["Lambda-Runtime-Deadline-Ms"])
    print("got", json.dumps(event), flush=True)
    if event.get("fail"):
        body, url = {{"errorType": "Boom", "errorMessage": "asked to fail"}}, f"{{API}}/invocation/{{rid}}/error"
    else:
        body = {{"event": event, "handler": os.environ["_HANDLER"], "ric": ric, "deadline": deadline,
                "task_root": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd(),
                "execution_env": os.environ.get("AWS_EXECUTION_ENV")}}
        url = f"{{API}}/invocation/{{rid}}/response"
    urllib.request.urlopen(urllib.request.Request(url, json.dumps(body).encode(), method="POST")).read()
"""


def _zip(files: dict[str, tuple[str, int]]) -> bytes:
    """A zip whose entries carry Unix modes, as lambdactl package writes them."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.create_system, info.external_attr = 3, (0o100000 | mode) << 16
            zf.writestr(info, text)
    return buf.getvalue()


def _function(aws: Aws, role_arn: str, files: dict[str, tuple[str, int]]) -> str:
    name = f"t-custom-{uuid.uuid4().hex[:6]}"
    aws("lambda").create_function(FunctionName=name, Runtime="provided.al2023", Role=role_arn,
                                  Handler="my.handler", Code={"ZipFile": _zip(files)})
    return name


def _invoke(aws: Aws, name: str, event: dict[str, Any]) -> tuple[dict[str, Any], Any, list[str]]:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event), LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode().splitlines()
    return response, json.loads(response["Payload"].read()), tail


def test_a_python_bootstrap_without_awslambdaric_answers(aws: Aws, role_arn: str) -> None:
    name = _function(aws, role_arn, {"bootstrap": (PY_BOOTSTRAP, 0o755)})
    response, body, tail = _invoke(aws, name, {"n": 1})
    assert "FunctionError" not in response, body
    assert body["event"] == {"n": 1} and body["handler"] == "my.handler" and body["ric"] is False
    assert body["cwd"] == body["task_root"]
    assert body["execution_env"] is None  # Lambda sets none for OS-only runtimes
    assert "init: handler my.handler" in tail and 'got {"n": 1}' in tail
    assert any(line.startswith("REPORT") and "Init Duration" in line for line in tail)
    # Warm: the same process takes the next event; an /error post is a function error.
    response, body, tail = _invoke(aws, name, {"fail": True})
    assert response["FunctionError"] == "Unhandled" and body["errorType"] == "Boom"
    assert not any("Init Duration" in line for line in tail)


def test_a_zip_without_bootstrap_is_lambdas_init_error(aws: Aws, role_arn: str) -> None:
    name = _function(aws, role_arn, {"function.sh": ("echo hi\n", 0o644)})
    response, body, tail = _invoke(aws, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.InvalidEntrypoint"
    assert body["errorMessage"].startswith("Couldn't find valid bootstrap(s): [")
    assert any("Error Type: Runtime.InvalidEntrypoint" in line for line in tail)


def test_a_bootstrap_without_its_executable_bit_cannot_start(aws: Aws, role_arn: str) -> None:
    name = _function(aws, role_arn, {"bootstrap": (PY_BOOTSTRAP, 0o644)})
    response, body, _ = _invoke(aws, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.InvalidEntrypoint"
    assert body["errorMessage"].endswith("bootstrap: Permission denied")
