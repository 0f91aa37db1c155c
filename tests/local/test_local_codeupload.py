"""A large inline zip is decoded once on the sandbox, before moto parses the JSON body
(local/codeupload.py), and moto stores the same code, size and hashes as on its own path."""

from __future__ import annotations

import base64
import hashlib
import inspect
import io
import json
import os
import threading
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto.awslambda import models

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import codeupload


def _zip(size: int, name: str = "blob.bin") -> bytes:
    """A zip of SIZE random (incompressible) bytes: over codeupload.LARGE once encoded."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def h(event, context):\n    return 1\n")
        zf.writestr(name, os.urandom(size))
    return buf.getvalue()


def test_moto_decodes_every_inline_zip_through_zipfile_content() -> None:
    """The patch point: if this fails after a moto upgrade, re-read moto/awslambda/models.py."""
    assert list(inspect.signature(models._zipfile_content).parameters) == ["zipfile_content"]
    assert '_zipfile_content(self.content["ZipFile"])' in inspect.getsource(models.LayerVersion.__init__)
    assert '_zipfile_content(updated_spec["ZipFile"])' in inspect.getsource(
        models.LambdaFunction._set_function_code)


def test_take_zip_leaves_a_token_where_the_zip_was() -> None:
    data = _zip(1000)
    body = json.dumps({"Description": "d", "Content": {"ZipFile": base64.b64encode(data).decode()},
                       "CompatibleRuntimes": ["python3.12"]}).encode()
    taken = codeupload.take_zip(body, ("Content",))
    assert taken is not None
    small, token, content = taken
    doc = json.loads(small)
    assert doc["Content"]["ZipFile"] == token and doc["Description"] == "d"
    assert doc["CompatibleRuntimes"] == ["python3.12"] and len(small) < 300
    assert content == models._zipfile_content(base64.b64encode(data).decode())   # what moto would store


@pytest.mark.parametrize("body", [
    # an environment variable named ZipFile, before the code: not the zip
    {"Environment": {"Variables": {"ZipFile": "aGk="}}, "Code": {"ZipFile": "aGk="}},
    {"Code": {"ZipFile": "aGk"}},            # bad padding: moto's decode answers it
    {"Code": {"ZipFile": "aG k="}},          # not strict base64
    {"Code": {"S3Bucket": "b", "S3Key": "k"}, "Description": "\"ZipFile\": \"aGk=\""},   # in a string
])
def test_take_zip_leaves_anything_unexpected_to_moto(body: dict[str, Any]) -> None:
    assert codeupload.take_zip(json.dumps(body).encode(), ("Code",)) is None


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[str]]]:
    """moto's app behind CodeUpload on a real port; the decodes moto's own path made."""
    from moto.core.models import reset_model_data
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    monkeypatch.setattr(models, "_zipfile_content", models._zipfile_content)
    monkeypatch.setattr(codeupload, "_original", None)
    codeupload.install()
    assert codeupload._original is not None
    own: list[str] = []
    original = codeupload._original

    def counting(content: str | bytes) -> tuple[bytes, int, str, str]:
        own.append("decoded")
        return original(content)

    monkeypatch.setattr(codeupload, "_original", counting)
    server = make_server("127.0.0.1", 0, codeupload.CodeUpload(DomainDispatcherApplication(create_backend_app)),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    client: Callable[[str], Any] = lambda name: boto3.client(name, endpoint_url=endpoint)   # noqa: E731
    try:
        yield client, own
    finally:
        server.shutdown()
        reset_model_data()


def test_a_large_layer_and_function_are_stored_as_moto_stores_them(served: tuple[Any, list[str]]) -> None:
    client, own = served
    lam = client("lambda")
    layer_zip, code, new_code = _zip(200_000), _zip(100_000, "a.bin"), _zip(100_000, "b.bin")
    sha = {z: base64.b64encode(hashlib.sha256(z).digest()).decode() for z in (layer_zip, code, new_code)}
    version = lam.publish_layer_version(LayerName="big", Content={"ZipFile": layer_zip})
    assert (version["Content"]["CodeSha256"], version["Content"]["CodeSize"]) == (sha[layer_zip], len(layer_zip))
    backend = models.lambda_backends[version["LayerVersionArn"].split(":")[4]]["us-east-1"]
    assert backend.layers_versions_by_arn(version["LayerVersionArn"]).code_bytes == layer_zip
    role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    made = lam.create_function(FunctionName="f", Runtime="python3.12", Role=role["Role"]["Arn"],
                               Handler="app.h", Code={"ZipFile": code}, Environment={"Variables": {"A": "1"}})
    assert (made["CodeSha256"], made["CodeSize"]) == (sha[code], len(code))
    updated = lam.update_function_code(FunctionName="f", ZipFile=new_code)
    assert (updated["CodeSha256"], updated["CodeSize"]) == (sha[new_code], len(new_code))
    fn = backend.get_function("f")
    assert fn.code_bytes == new_code and fn.environment_vars == {"A": "1"}
    assert own == []                     # none of the three went through moto's decode
    assert codeupload._decoded == {}     # nor are they kept past their request
    small = lam.publish_layer_version(LayerName="small", Content={"ZipFile": b"PK\x05\x06" + bytes(18)})
    assert own == ["decoded"] and small["Content"]["CodeSize"] == 22   # a small one: moto's path
