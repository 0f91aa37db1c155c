"""Layers in the sandbox: their zips unzipped as Lambda's /opt, on the handler's sys.path."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

Aws = Callable[[str], Any]


def zip_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def test_layers_are_importable_in_order(aws: Aws, role_arn: str) -> None:
    lam = aws("lambda")

    def publish(files: dict[str, str]) -> str:
        return str(lam.publish_layer_version(LayerName=f"l-{uuid.uuid4().hex[:6]}",
                                             Content={"ZipFile": zip_of(files)})["LayerVersionArn"])

    first = publish({"python/plotlib/__init__.py": "VERSION = 'old'\n",
                     "python/lib/python3.11/site-packages/sitelib.py": "WHERE = 'site'\n"})
    second = publish({"python/plotlib/__init__.py": "VERSION = 'new'\n"})   # later layers win
    name = f"t-layers-{uuid.uuid4().hex[:6]}"
    handler = ("import plotlib, sitelib\n\n"
               "def h(event, context):\n    return [plotlib.VERSION, sitelib.WHERE]\n")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role_arn, Handler="app.h",
                        Code={"ZipFile": zip_of({"app.py": handler})}, Layers=[first, second])
    body = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    assert body == ["new", "site"]

    lam.update_function_configuration(FunctionName=name, Layers=[first])   # a new environment
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == ["old", "site"]
