"""Property-based: generated configs, handler sources, payloads and function
directories never end in a traceback, only in a result or one ConfigError.
2,100 examples in all (settings below)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdactl import config, invoke, package
from lambdactl.errors import ConfigError
from lambdactl.handler_check import check

FAST = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["s3", "python3.12", "app.h", "x86_64", "."]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)
keys = st.sampled_from(sorted(config.FUNCTION_KEYS | config.TRIGGER_KEYS | config.PROJECT_KEYS)) | st.text(max_size=8)
tables = st.dictionaries(keys, values, max_size=8)
documents = st.fixed_dictionaries({}, optional={
    "project": st.one_of(tables, values),
    "functions": st.one_of(st.dictionaries(st.text(max_size=10), st.one_of(tables, values), max_size=3), values),
    "layers": st.one_of(st.dictionaries(st.text(max_size=10), tables, max_size=2), values),
})
ROOT = Path(tempfile.mkdtemp(prefix="lambdactl-props-"))
(ROOT / "functions").mkdir()
(ROOT / "functions" / "app.py").write_text("def h(e, c):\n    return 1\n")


@FAST
@given(documents)
def test_config_parse_never_crashes(doc: dict[str, Any]) -> None:
    try:
        config.parse(doc, ROOT / "lambdactl.toml")
    except ConfigError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_config_load_of_any_bytes_never_crashes(data: bytes) -> None:
    path = ROOT / "lambdactl.toml"
    path.write_bytes(data)
    try:
        config.load(path)
    except ConfigError as exc:
        assert str(exc)


python_like = st.lists(st.sampled_from([
    "def h(e, c):\n    pass\n", "h = make()\n", "h: int\n", "import h\n", "from x import *\n", "try:\n",
    "    pass\n", "except E as h:\n", "if (h := 1):\n", "for h in x:\n", "with a as h:\n", "class C:\n",
    "# -*- coding: latin-1 -*-\n", "\xe9 = 1\n", "\x00", "match x:\n    case h:\n        pass\n",
    "lambda h: h\n", "async def h(): pass\n", ")", "\t", "\\\n"]), max_size=8).map("".join)


@settings(max_examples=800, deadline=None)
@given(python_like | st.text(max_size=200), st.sampled_from(["utf-8", "latin-1", "utf-16"]),
       st.sampled_from(["app.h", "app.nothere", "pkg.app.h", "missing.h"]))
def test_handler_check_never_crashes(source: str, encoding: str, handler: str) -> None:
    path = ROOT / "functions" / "app.py"
    path.write_bytes(source.encode(encoding, "replace"))
    result = check(ROOT / "functions", handler, "functions")
    assert result is None or (isinstance(result, str) and result)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["@", "-", ""]))
def test_payloads_never_crash(data: bytes, how: str) -> None:
    import io

    path = ROOT / "payload.json"
    path.write_bytes(data)
    try:
        if how == "@":
            out = invoke.load_payload(f"@{path}")
        elif how == "-":
            out = invoke.load_payload("-", io.BytesIO(data))
        else:
            out = invoke.load_payload(data.decode("utf-8", "replace"))
    except ConfigError as exc:
        assert str(exc)
    else:
        out.decode("utf-8")


names = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(names, st.booleans()), max_size=5), st.binary(max_size=40),
       st.lists(st.binary(min_size=1, max_size=8).filter(lambda b: b"/" not in b and b"\x00" not in b
                                                         and b not in (b".", b"..")), max_size=2))
def test_packager_never_crashes(files: list[tuple[str, bool]], ignore: bytes, raw_names: list[bytes]) -> None:
    src = Path(tempfile.mkdtemp(dir=ROOT))
    try:
        for name, as_dir in files:
            if name in (".", ".."):
                continue
            target = src / name
            try:
                if as_dir:
                    target.mkdir(exist_ok=True)
                    (target / "m.py").write_text("x = 1\n")
                elif not target.exists():
                    target.write_text("x")
            except OSError:
                continue   # a name the file system refuses (too long, ...)
        for raw in raw_names:
            try:
                (Path(bytes(src).decode("utf-8", "surrogateescape")) / raw.decode("utf-8", "surrogateescape")).write_bytes(b"")
            except OSError:
                continue
        (src / ".lambdactlignore").write_bytes(ignore)
        try:
            pkg = package.package_function(src, src / ".build", "fn")
        except ConfigError as exc:
            assert str(exc)
        else:
            assert pkg.size > 0
    finally:
        shutil.rmtree(src, ignore_errors=True)
