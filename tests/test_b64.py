"""lambdactl/b64.py: pybase64 when installed, binascii otherwise, with the same bytes and errors."""

from __future__ import annotations

import base64
import builtins
import os
from typing import Any

import pybase64
import pytest

from lambdactl import b64

CASES = [b"aGVsbG8=", b"aGVsbA==", b"", b"aGVsbG8", b"aGVs bG8=", b"aGVsbG8=x", b"aGk=\n", b"aGVsbG8\\"]


def _outcomes() -> list[Any]:
    out: list[Any] = []
    for case in CASES:
        try:
            out.append(b64.decode(memoryview(case)))
        except ValueError:
            out.append(ValueError)
    return out


def test_pybase64_is_used_when_installed() -> None:
    b64._codec.cache_clear()
    assert b64._codec()[0] is pybase64.b64encode


def test_both_codecs_encode_alike_and_refuse_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    data = os.urandom(100_001)
    b64._codec.cache_clear()
    fast = (b64.encode(data), _outcomes())
    real_import = builtins.__import__

    def no_pybase64(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pybase64":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pybase64)
    b64._codec.cache_clear()
    try:
        assert b64._codec()[0] is not pybase64.b64encode
        slow = (b64.encode(data), _outcomes())
    finally:
        b64._codec.cache_clear()
    assert fast == slow
    assert fast[0] == base64.b64encode(data)
    assert fast[1][:3] == [b"hello", b"hell", b""] and set(fast[1][3:]) == {ValueError}


@pytest.mark.parametrize("releases", [True, False])
def test_zipsplice_encodes_whole_or_in_chunks_exactly_as_base64(releases: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """One call when the codec lets other threads run meanwhile (pybase64), else in chunks."""
    from lambdactl import zipsplice

    calls: list[int] = []
    real = b64.encode
    monkeypatch.setattr(b64, "releases_gil", lambda: releases)
    monkeypatch.setattr(b64, "encode", lambda d: calls.append(len(d)) or real(d))
    data = os.urandom(2 * zipsplice.CHUNK + 5)
    assert zipsplice.encode(data) == base64.b64encode(data)
    assert calls == ([len(data)] if releases else [zipsplice.CHUNK, zipsplice.CHUNK, 5])
