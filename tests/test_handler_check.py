"""The handler check reads the module as Python does: any module-level binding counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdactl.handler_check import check, verdict

VALID = {
    "def": "def handler(e, c):\n    return 1\n",
    "annotated": "from typing import Callable\ndef make():\n    return print\nhandler: Callable = make()\n",
    "def-in-try": "try:\n    import ujson\nexcept ImportError:\n    def handler(e, c):\n        return 1\n",
    "def-in-if": "import os\nif os.environ.get('X'):\n    def handler(e, c): return 1\nelse:\n    def handler(e, c): return 2\n",
    "for-target": "for handler in [print]:\n    pass\n",
    "with-target": "import contextlib\nwith contextlib.nullcontext(print) as handler:\n    pass\n",
    "walrus": "if (handler := print):\n    pass\n",
    "walrus-in-comprehension": "[handler := f for f in [print]]\n",
    "import-as": "from json import dumps as handler\n",
    "module-import-as": "import json as handler\n",
    "tuple-assign": "other, handler = print, print\n",
    "class": "class handler:\n    def __init__(self, e, c): pass\n",
    "async-def-in-while": "while True:\n    async def handler(e, c): return 1\n    break\n",
    "except-as": "try:\n    1 / 0\nexcept ZeroDivisionError as handler:\n    pass\n",
    "match-capture": "match print:\n    case handler:\n        pass\n",
    "star-import": "from os.path import *\n",
    "module-getattr": "def __getattr__(name):\n    return print\n",
    "latin1-coding-line": "# -*- coding: latin-1 -*-\nS = 'café'\ndef handler(e, c): return S\n",
}


@pytest.mark.parametrize("source", VALID.values(), ids=VALID.keys())
def test_valid_handlers_pass(tmp_path: Path, source: str) -> None:
    encoding = "latin-1" if "latin-1" in source else "utf-8"
    (tmp_path / "app.py").write_bytes(source.encode(encoding))
    assert check(tmp_path, "app.handler") is None


INVALID = {
    "annotation-only": ("handler: object\n", "defines no function 'handler'"),
    "inside-a-def": ("def outer():\n    def handler(e, c): pass\n", "defines no function 'handler'"),
    "comprehension-variable": ("[handler for handler in [print]]\n", "defines no function 'handler'"),
    "lambda-argument": ("f = lambda handler: handler\n", "known: f"),
    "class-attribute": ("class C:\n    handler = print\n", "known: C"),
}


@pytest.mark.parametrize(("source", "needle"), INVALID.values(), ids=INVALID.keys())
def test_names_not_bound_at_module_level_are_refused(tmp_path: Path, source: str, needle: str) -> None:
    (tmp_path / "app.py").write_text(source)
    problem = check(tmp_path, "app.handler")
    assert problem is not None and needle in problem


def test_known_names_are_functions_not_modules_or_constants(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import json, os\nimport time as t\nfrom functools import partial\nLIMIT = 3\nNAMES = ['a']\n"
        "def lambda_handler(e, c): pass\nalias = lambda_handler\nmade = partial(print)\n")
    assert check(tmp_path, "app.nothere", "functions/hello") == (
        "functions/hello/app.py defines no function 'nothere'; known: alias, lambda_handler, made, partial")


def test_missing_module_is_named_relative_to_the_project(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(e, c): pass\n")
    assert check(tmp_path, "missing.lambda_handler", "functions/hello") == (
        "module 'missing' not found: expected functions/hello/missing.py or functions/hello/missing/__init__.py")
    assert check(tmp_path, "pkg.mod.h", "functions/hello") == (
        "module 'pkg.mod' not found: expected functions/hello/pkg/mod.py or functions/hello/pkg/mod/__init__.py")


def test_null_bytes_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_bytes(b"def handler(e, c): pass\n\x00")
    problem = check(tmp_path, "app.handler", "functions/hello")
    assert problem is not None and problem.startswith("functions/hello/app.py")


DOUBTFUL = {
    "star-import": ("from os.path import *\n", "it uses from os.path import *"),
    "module-getattr": ("def __getattr__(name):\n    return print\n", "it uses a module __getattr__"),
    "globals": ("globals()['handler'] = print\n", "it uses globals()"),
}


@pytest.mark.parametrize(("source", "why"), DOUBTFUL.values(), ids=DOUBTFUL.keys())
def test_what_it_cannot_tell_is_accepted_with_a_warning(tmp_path: Path, source: str, why: str) -> None:
    (tmp_path / "app.py").write_text(source)
    found = verdict(tmp_path, "app.handler", "functions/f")
    assert found.problem is None
    assert found.doubt == (f"functions/f/app.py: cannot tell whether it defines 'handler' ({why}); "
                           "accepted: `lambdactl invoke` will tell")
    (tmp_path / "app.py").write_text(source + "def handler(e, c): pass\n")
    assert verdict(tmp_path, "app.handler").doubt is None   # bound where the parser sees it


def test_a_name_bound_through_global_in_a_function_is_a_doubt_not_a_refusal(tmp_path: Path) -> None:
    """`global handler` inside setup(), called at import: valid Python, was refused."""
    (tmp_path / "app.py").write_text("def setup():\n    global handler\n    def handler(e, c):\n"
                                     "        return 1\nsetup()\n")
    found = verdict(tmp_path, "app.handler", "functions/f")
    assert found.problem is None
    assert found.doubt == ("functions/f/app.py binds 'handler' only inside setup() (`global`); "
                           "accepted: `lambdactl invoke` will tell")


@pytest.mark.parametrize(("first", "doubt"), [
    ("def handler(e, c):", False), ("async def handler(e, c):", False), ("handler = make()", False),
    ("from x import y as handler", False), ("def other(e, c):", True),
])
def test_a_module_too_big_to_parse_is_skimmed(tmp_path: Path, first: str, doubt: bool) -> None:
    """Parsing a 48 MB module took 3 minutes and 19 GB: past PARSE_LIMIT it is skimmed,
    in milliseconds (the padding is code that would cost the parser dearly)."""
    import time

    from lambdactl.handler_check import PARSE_LIMIT, syntax_problem

    (tmp_path / "app.py").write_bytes(first.encode() + b"\n    pass\n" + b"X = 1\n" * (PARSE_LIMIT // 6 + 1))
    started = time.monotonic()
    found = verdict(tmp_path, "app.handler", "functions/f")
    assert time.monotonic() - started < 1.0 and found.problem is None
    assert (found.doubt is not None) == doubt
    if doubt:
        assert found.doubt == ("functions/f/app.py is 1 MB, too big to parse for the handler check; no line starts "
                               "to define 'handler'; accepted: `lambdactl invoke` will tell")
    assert syntax_problem(tmp_path / "app.py", "app.py") is None


def test_up_says_the_doubt_on_stderr(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from moto import mock_aws

    from lambdactl.cli import root

    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/app.py").write_text("from os.path import *\n")
    (tmp_path / "lambdactl.toml").write_text(
        '[project]\nname = "p"\nregion = "us-east-1"\n[functions.f]\nsource = "fn"\nhandler = "app.handler"\n')
    with mock_aws():
        result = CliRunner().invoke(root, ["--config", str(tmp_path / "lambdactl.toml"), "--target", "aws", "plan"])
    assert result.exit_code == 0, result.output
    assert ("warning: lambdactl.toml:6: functions.f.handler: fn/app.py: cannot tell whether it defines 'handler' "
            "(it uses from os.path import *); accepted: `lambdactl invoke` will tell") in result.stderr.splitlines()
