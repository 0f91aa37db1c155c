"""The journal: a malformed state.json is moved aside (never lost), and work goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdactl.state import Journal


@pytest.mark.parametrize("content", [
    b"[]", b"null", b'"text"', b"{", b'{"targets": []}', b'{"targets": {"k": []}}',
    b'{"targets": {"k": {}}}', b'{"targets": {"k": {"resources": {"role:a": 3}}}}',
    b'{"targets": "\xff"}',
    # hand-edited entries that every command read with a traceback (KeyError, unhashable list) or
    # sent to AWS (a bucket name S3 cannot have: destroy stopped on botocore's parameter check)
    b'{"targets": {"k": {"resources": {"function:x": {}}}}}',
    b'{"targets": {"k": {"resources": {"function:x": {"kind": "function"}}}}}',
    b'{"targets": {"k": {"resources": {"function:x": {"kind": "function", "name": 5}}}}}',
    b'{"targets": {"k": {"resources": {"function:x": {"kind": "function", "name": "x", "function": ["a"]}}}}}',
    b'{"targets": {"k": {"resources": {"bucket:x": {"kind": "bucket", "name": "Not A Bucket"}}}}}',
    b'{"targets": {"k": {"resources": {"notification:x": {"kind": "notification", "name": "x", "bucket": "a b"}}}}}',
    b'{"targets": {"k": {"resources": {"layer:x": {"kind": "layer", "name": "x", "versions": ["1"]}}}}}',
], ids=["list", "null", "string", "truncated", "targets-list", "target-list", "no-resources",
        "entry-not-object", "not-utf8", "entry-no-kind", "entry-no-name", "name-not-text", "function-a-list",
        "bad-bucket-name", "bad-notification-bucket", "versions-not-numbers"])
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


def test_a_journal_moved_aside_is_said_and_never_overwritten(tmp_path: Path) -> None:
    """Two broken journals in one second keep a file each; each move is one warning."""
    path = tmp_path / "state.json"
    said: list[str] = []
    for content in (b"{", b"\xff", b'{"targets": {"x": 5}}'):
        path.write_bytes(content)
        assert Journal(path, "k", warn=said.append).resources() == {}
    assert sorted(p.read_bytes() for p in tmp_path.glob("state.broken-*.json")) == sorted(
        [b"{", b"\xff", b'{"targets": {"x": 5}}'])
    assert [w.split("(")[1].split(")")[0] for w in said] == ["not JSON", "not UTF-8", "not the journal's shape"]
    assert all(f"{path} is not a journal lambdactl can read" in w and "moved aside to state.broken-" in w
               for w in said)


def test_a_journal_another_run_moved_aside_first_is_not_an_error(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b"{")

    def gone(self: Path, target: Path) -> None:
        raise FileNotFoundError(2, "No such file or directory", str(self))

    monkeypatch.setattr(Path, "rename", gone)
    said: list[str] = []
    assert Journal(path, "k", warn=said.append).resources() == {} and said == []


def test_well_formed_journal_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    # (an entry names its kind and name: one without a name is malformed, below)
    path.write_text('{"targets": {"k": {"resources": {"role:a": {"kind": "role", "name": "a"}}}}, "version": 1}')
    assert Journal(path, "k").resources() == {"role:a": {"kind": "role", "name": "a"}}
    assert not list(tmp_path.glob("*.broken-*"))


def test_may_know_is_answered_without_the_account(tmp_path: Path) -> None:
    """A cold `up` asks the account id alongside its reads when the journal cannot hold the target."""
    from lambdactl.state import Journal, may_know

    path = tmp_path / "state.json"
    assert not may_know(path, "us-east-1", "aws")   # no file
    Journal(path, "111122223333/us-east-1/aws", "demo").record("role", "r", "created")
    assert may_know(path, "us-east-1", "aws")        # any account: only the id can tell
    assert not may_know(path, "eu-west-1", "aws") and not may_know(path, "us-east-1", "local")
    path.write_text("not json")
    assert may_know(path, "us-east-1", "aws")        # unreadable: the journal decides


def test_forget_all_writes_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """destroy forgets a dozen entries a function: one write, not one each (~1 ms apiece)."""
    j = Journal(tmp_path / "state.json", "1/us-east-1/aws", "demo")
    for name in ("a", "b", "c"):
        j.record("function", name, "created")
    writes: list[int] = []
    original = j._write_all
    monkeypatch.setattr(j, "_write_all", lambda data: (writes.append(1), original(data)))
    j.forget_all([("function", "a"), ("function", "b"), ("function", "a"), ("role", "gone")])
    assert writes == [1] and set(j.resources()) == {"function:c"}
    j.forget_all([("role", "gone")])   # nothing to forget: no write
    assert writes == [1]


def test_status_says_it_moved_a_broken_journal_aside(project: Path, aws: None) -> None:
    from click.testing import CliRunner

    from lambdactl.cli import root

    clean = CliRunner().invoke(root, ["--target", "aws", "status"], catch_exceptions=False)
    (project / ".lambdactl").mkdir(exist_ok=True)
    (project / ".lambdactl" / "state.json").write_bytes(b'{"targets": {"x": 5}}')
    result = CliRunner().invoke(root, ["--target", "aws", "status"], catch_exceptions=False)
    assert result.exit_code == clean.exit_code and result.stdout == clean.stdout, result.stderr
    assert "state.json is not a journal lambdactl can read (not the journal's shape): moved aside to " \
           "state.broken-" in result.stderr


@pytest.mark.parametrize("command", [["status"], ["plan"], ["destroy", "--dry-run"], ["up"]])
def test_a_hand_edited_entry_is_moved_aside_not_a_traceback(project: Path, aws: None, command: list[str]) -> None:
    from click.testing import CliRunner

    from lambdactl.cli import root

    (project / ".lambdactl").mkdir(exist_ok=True)
    (project / ".lambdactl" / "state.json").write_text(
        '{"targets": {"123456789012/us-east-1/aws#lambdactl-demo": {"resources": {"function:x": {"kind": "function"}}}}}')
    result = CliRunner().invoke(root, ["--target", "aws", *command])
    assert isinstance(result.exception, (SystemExit, type(None))), repr(result.exception)   # no traceback
    assert result.exit_code == (1 if command == ["status"] else 0) and "moved aside" in result.stderr, result.stderr
