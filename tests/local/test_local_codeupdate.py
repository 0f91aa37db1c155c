"""UpdateFunctionCode decodes the zip once on the sandbox (local/codeupdate.py), and
still does what moto's does: the new code and its CodeSha256, a version with Publish."""

from __future__ import annotations

import base64
import hashlib
import inspect
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda import models
from moto.awslambda.models import LambdaBackend

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import codeupdate


def _zip(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", text)
    return buf.getvalue()


@pytest.fixture
def lam(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[int]]]:
    monkeypatch.setattr(LambdaBackend, "update_function_code", LambdaBackend.update_function_code)
    codeupdate.install()
    decoded: list[int] = []
    original = models._zipfile_content

    def counting(content: str | bytes) -> tuple[bytes, int, str, str]:
        decoded.append(1)
        return original(content)

    monkeypatch.setattr(models, "_zipfile_content", counting)
    with mock_aws():
        iam, client = boto3.client("iam"), boto3.client("lambda")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
        client.create_function(FunctionName="f", Runtime="python3.11", Role=role["Role"]["Arn"],
                               Handler="app.h", Code={"ZipFile": _zip("v = 0\n")})
        decoded.clear()
        yield client, decoded


def test_moto_still_applies_the_code_twice() -> None:
    """The reason for the patch: if this fails, moto fixed it; drop codeupdate.py."""
    source = inspect.getsource(LambdaBackend.update_function_code)
    assert source.count("fn.update_function_code(body)") == 2


def test_update_decodes_once_and_stores_the_new_code(lam: tuple[Any, list[int]]) -> None:
    client, decoded = lam
    new = _zip("v = 1\n")
    answer = client.update_function_code(FunctionName="f", ZipFile=new)
    assert decoded == [1]
    sha = base64.b64encode(hashlib.sha256(new).digest()).decode()
    assert answer["CodeSha256"] == sha
    assert client.get_function(FunctionName="f")["Configuration"]["CodeSha256"] == sha


def test_publish_keeps_moto_s_path(lam: tuple[Any, list[int]]) -> None:
    client, _ = lam
    new = _zip("v = 2\n")
    answer = client.update_function_code(FunctionName="f", ZipFile=new, Publish=True)
    assert answer["Version"] == "1"
    sha = base64.b64encode(hashlib.sha256(new).digest()).decode()
    assert client.get_function(FunctionName="f", Qualifier="1")["Configuration"]["CodeSha256"] == sha
