"""The journal: a malformed state.json is moved aside (never lost), and work goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdactl.state import Journal


@pytest.mark.parametrize("content", [
    b"[]", b"null", b'"text"', b"{", b'{"targets": []}', b'{"targets": {"k": []}}',
    b'{"targets": {"k": {}}}', b'{"targets": {"k": {"resources": {"role:a": 3}}}}',
    b'{"targets": "\xff"}',
], ids=["list", "null", "string", "truncated", "targets-list", "target-list", "no-resources",
        "entry-not-object", "not-utf8"])
def test_malformed_journal_is_moved_aside(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    journal = Journal(path, "123456789012/us-east-1/aws")
    assert journal.resources() == {}
    aside = list(tmp_path.glob("state.broken-*.json"))
    assert [p.read_bytes() for p in aside] == [content]
    journal.record("role", "a", "created", arn="arn:x")
    assert journal.get("role", "a")["arn"] == "arn:x"  # type: ignore[index]
    assert journal.by_function() == {"": [journal.get("role", "a")]}


def test_well_formed_journal_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"targets": {"k": {"resources": {"role:a": {"kind": "role"}}}}, "version": 1}')
    assert Journal(path, "k").resources() == {"role:a": {"kind": "role"}}
    assert not list(tmp_path.glob("*.broken-*"))
