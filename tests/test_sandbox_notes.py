"""sandbox_notes: what `up` on the sandbox says on stderr before any write."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from lambdactl.config import Function
from lambdactl.local import pythons
from lambdactl.local.pythons import HOST_RUNTIME
from lambdactl.sandbox_notes import notices, runtime_here


def _fn(tmp_path: Path, runtime: str) -> Function:
    return Function(key="f", name="p-f", source=tmp_path, handler="app.h", runtime=runtime)


def test_the_hosts_own_python_says_nothing(tmp_path: Path) -> None:
    assert notices(_fn(tmp_path, HOST_RUNTIME)) == []


def test_a_runtime_missing_here_is_said(tmp_path: Path) -> None:
    assert notices(_fn(tmp_path, "python3.99")) == [
        f"f on the sandbox: no working python3.99 on this machine (PATH, pyenv, uv): the function runs on "
        f"the host's Python {platform.python_version()} instead; version-specific behaviour may differ from "
        "Lambda; to get one: `uv python install 3.99` or `pyenv install 3.99`"]


def test_a_declared_python_found_here_says_nothing_and_is_ready(
        tmp_path: Path, runtime_cache: Path) -> None:
    """`up` installs its runtime's libraries (the session's cache: at most once, said on SAY)."""
    if not pythons.find("python3.12"):
        pytest.skip("no python3.12 on this machine (PATH, pyenv, uv)")
    said: list[str] = []
    assert notices(_fn(tmp_path, "python3.12"), said.append) == []
    assert all(line.startswith("installing awslambdaric==") for line in said)
    here = runtime_here("python3.12")
    assert here.version == "3.12" and here.libs and here.libs.parent == runtime_cache


def test_a_custom_runtime_has_no_python_to_find(tmp_path: Path) -> None:
    assert notices(_fn(tmp_path, "provided.al2023")) == []
