"""A hostile handler against the sandbox (issue 12): what it can read, reach and survive."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lambdactl.local import control
from tests.local.conftest import PLANTED

Aws = Callable[[str], Any]

# Lambda's own variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html)
# plus the sandbox's endpoint: all a handler may find in its environment besides its own.
LAMBDA_VARIABLES = {
    "_HANDLER", "AWS_LAMBDA_RUNTIME_API", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_REGION",
    "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "PATH", "LANG", "TZ",
    "LD_LIBRARY_PATH", "PYTHONPATH", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
    "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
    # Set by the interpreter itself (python -m, the locale coercion of PEP 538).
    "LC_CTYPE", "_X_AMZN_TRACE_ID",
}


def invoke(aws: Aws, name: str, payload: dict[str, Any] | None = None) -> Any:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode())
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return body


def test_handler_sees_no_secret_of_the_user_who_started_the_sandbox(
    aws: Aws, make_function: Any, sandbox: control.SandboxInfo
) -> None:
    name = make_function("app.snoop", Environment={"Variables": {"MINE": "1"}})
    seen = invoke(aws, name)
    parent = "\n".join(seen["parent"])
    for key, value in PLANTED.items():
        assert key not in parent and value not in parent
        assert key not in seen["own"]
    assert not any(item.startswith("HOME=") for item in seen["parent"])
    assert seen["own"]["AWS_SECRET_ACCESS_KEY"] == sandbox.secret_access_key
    assert set(seen["own"]) - LAMBDA_VARIABLES == {"MINE"}


def test_server_state_file_is_the_only_place_with_credentials(sandbox: control.SandboxInfo) -> None:
    with open(f"/proc/{sandbox.pid}/environ", "rb") as f:
        environ = f.read()
    assert sandbox.secret_access_key.encode() not in environ
    assert b"AWS_ACCESS_KEY_ID" not in environ
