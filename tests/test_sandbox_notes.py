"""sandbox_notes: what `up` on the sandbox says on stderr before any write."""

from __future__ import annotations

import platform
from pathlib import Path

from lambdactl.config import Function
from lambdactl.local.pythons import HOST_RUNTIME
from lambdactl.sandbox_notes import notices


def _fn(tmp_path: Path, runtime: str) -> Function:
    return Function(key="f", name="p-f", source=tmp_path, handler="app.h", runtime=runtime)


def test_the_hosts_own_python_says_nothing(tmp_path: Path) -> None:
    assert notices(_fn(tmp_path, HOST_RUNTIME)) == []


def test_a_runtime_missing_here_is_said(tmp_path: Path) -> None:
    assert notices(_fn(tmp_path, "python3.99")) == [
        f"f on the sandbox: no working python3.99 on this machine's PATH: the function runs on "
        f"the host's Python {platform.python_version()} instead; version-specific behaviour may differ from Lambda"]


def test_a_custom_runtime_has_no_python_to_find(tmp_path: Path) -> None:
    assert notices(_fn(tmp_path, "provided.al2023")) == []
