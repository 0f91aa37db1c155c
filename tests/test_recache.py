"""Regular expressions compiled once (recache.py): the same Pattern objects as `re`
makes, never a stale one, and silent when the cache is broken or `re` differs."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdactl import codecache, recache

PATTERNS = [(r"(?P<key>[a-z]+)=(\d+)", 0), (r"^\s*#.*$", re.MULTILINE), (rb"[\x00-\x1f]+", 0),
            (r"(?i)straße|(?P<n>\w+)@(?P=n)", re.ASCII), (r"a{2,5}?(?=b)|(?<!c)d", re.VERBOSE | re.DOTALL)]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A cache directory an earlier process made; re's compiler handed back after the
    test. Yields the files install() asked to save at exit."""
    monkeypatch.setenv("LAMBDACTL_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    monkeypatch.setattr(recache._compiler, "compile", recache._compiler.compile)
    at_exit: list[str] = []
    monkeypatch.setattr(recache.atexit, "register", lambda fn, file: at_exit.append(file))
    next_process(monkeypatch)
    yield at_exit
    re.purge()


def next_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, empty in (("_FORMS", {}), ("_USED", set()), ("_NEW", []), ("_ORIGINAL", None)):
        monkeypatch.setattr(recache, name, empty)
    monkeypatch.setattr(codecache, "_SEEN", {})
    monkeypatch.setattr(recache._compiler, "compile", ORIGINAL)
    re.purge()   # re's own per-process cache


ORIGINAL = recache._compiler.compile


def compiled() -> list[re.Pattern[str] | re.Pattern[bytes]]:
    return [re.compile(p, f) for p, f in PATTERNS]   # type: ignore[call-overload]


def test_a_second_process_compiles_nothing_and_gets_the_same_patterns(
        cache: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    expected = [ORIGINAL(p, f) for p, f in PATTERNS]
    recache.install()
    assert compiled() == expected and len(recache._NEW) == len(PATTERNS)
    assert cache == [recache.path()]
    recache.save(recache.path())
    next_process(monkeypatch)
    recache.install()
    monkeypatch.setattr(recache, "_form", lambda *a: pytest.fail("compiled again"))
    again = compiled()
    assert again == expected and not recache._NEW   # Pattern == compares flags, code and text
    assert again[0].match("ab=12").groupdict() == {"key": "ab"} and again[0].groups == 2
    assert again[3].groupindex == expected[3].groupindex and again[3].flags == expected[3].flags
    assert again[2].sub(b" ", b"a\x01\x02b") == b"a b"


def test_a_bad_pattern_fails_and_a_debug_one_prints_as_without_the_cache(
        cache: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    recache.install()
    with pytest.raises(re.error, match="missing \\)"):
        re.compile("(a")
    assert re.compile("x", re.DEBUG | re.IGNORECASE).match("X")
    assert "LITERAL 120" in capsys.readouterr().out   # re.DEBUG prints, and is never cached:
    assert [p for p, f in recache._NEW if f & re.DEBUG] == []


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"\xe9\x00\x00\x00", b"\xfb\xe9\x01\x00\x00\x00\xe9"])
def test_a_damaged_cache_is_compiled_past_and_rewritten(cache: list[str], monkeypatch: pytest.MonkeyPatch,
                                                        damage: bytes) -> None:
    Path(recache.path()).write_bytes(damage)
    recache.install()
    assert compiled() == [ORIGINAL(p, f) for p, f in PATTERNS] and recache._NEW
    recache.save(recache.path())
    next_process(monkeypatch)
    recache.install()
    compiled()
    assert not recache._NEW


def test_an_re_that_compiles_otherwise_is_left_alone(cache: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Another interpreter's re (its internals are not an API): install() checks first."""
    monkeypatch.setattr(recache, "_form", lambda p, f: (f, [], 0, {}, ()))
    recache.install()
    assert recache._compiler.compile is ORIGINAL and cache == []


def test_the_file_is_the_interpreter_build_own(cache: list[str]) -> None:
    name = os.path.basename(recache.path())
    assert name.startswith("regex-") and f"{sys.hexversion:x}" in name
    assert os.path.dirname(recache.path()) == codecache.cache_dir()


def test_a_one_command_process_compiles_from_the_cache(tmp_path: Path) -> None:
    """lambdactl.one_shot installs it: the third process compiles nothing."""
    import subprocess

    env = {**os.environ, "LAMBDACTL_CACHE": str(tmp_path / "c")}
    code = ("import lambdactl, re; from lambdactl import recache; lambdactl.one_shot(); "
            "re.compile('(?P<z>zz+)'); print(len(recache._NEW), len(recache._FORMS))")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
            for _ in range(3)]
    assert runs[0] == runs[1] != runs[2]   # the first makes the directory, the second writes the file
    assert runs[2].split()[0] == "0"       # nothing new compiled


def test_the_console_script_parses_no_pattern_once_its_cache_is_warm(tmp_path: Path) -> None:
    """lambdactl.main turns the caches on before it imports the CLI, so click's patterns
    come from the cache too: they were compiled in every process, before one_shot ran
    (cold `up`: 796 -> 778 M instructions with the CLI's dataclasses). A warm process
    parses only what one_shot itself does (its probe of `re`)."""
    import subprocess

    env = {**os.environ, "LAMBDACTL_CACHE": str(tmp_path / "c")}
    count = ("import atexit, re._parser, sys\ncount = [0]\nparse = re._parser.parse\n"
             "def counted(*args, **kwargs):\n    count[0] += 1\n    return parse(*args, **kwargs)\n"
             "re._parser.parse = counted\natexit.register(lambda: sys.stderr.write(f'parsed {count[0]}\\n'))\n"
             "import lambdactl\n")
    runs = [subprocess.run([sys.executable, "-c", count + "sys.argv = ['lambdactl', '--help']\nlambdactl.main()\n"],
                           env=env, capture_output=True, text=True, check=True) for _ in range(3)]
    alone = subprocess.run([sys.executable, "-c", count + "lambdactl.one_shot()\n"], env=env, capture_output=True,
                           text=True, check=True)
    parsed = [int(r.stderr.split()[-1]) for r in [*runs, alone]]
    assert parsed[0] > parsed[3] + 10          # the first compiles click's; the second writes the file
    assert parsed[2] == parsed[3]
