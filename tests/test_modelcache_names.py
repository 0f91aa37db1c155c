"""The operations' Python names (CreateFunction -> create_function) kept in the cache
beside botocore's parsed models (modelcache.install_names): a later process reads them
instead of working them out again with botocore's regular expressions."""

from __future__ import annotations

import atexit
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore
import pytest

from lambdactl import codecache, modelcache
from lambdactl.aws import Aws, Target

pytestmark = pytest.mark.usefixtures("home_cache")


@pytest.fixture
def names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Callable[..., Any]]]:
    """An earlier process's home (its cache is written); botocore's memo of names put
    back afterwards; -> the functions install_names leaves for the exit."""
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(codecache, "_SEEN", {})
    modelcache.directory().mkdir(parents=True)
    monkeypatch.setattr(botocore, "_xform_cache", botocore._xform_cache)
    saved = dict(botocore._xform_cache)
    botocore._xform_cache.clear()   # as in a new process: no client made yet
    at_exit: list[Callable[..., Any]] = []
    monkeypatch.setattr(atexit, "register", lambda fn, *args: at_exit.append(lambda: fn(*args)))
    yield at_exit
    botocore._xform_cache.clear()
    botocore._xform_cache.update(saved)


def test_names_worked_out_are_written_at_exit_and_read_by_the_next_process(names: list[Callable[..., Any]],
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    modelcache.install_names()
    Aws(Target("aws", region="us-east-1")).client("lambda")   # works out its ~80 operations' names
    for fn in names:
        fn()
    file = next(modelcache.directory().glob("xform-names-*"))
    kept = codecache.read(str(file))
    assert kept[("CreateFunction", "_")] == "create_function"

    # The next process: the name comes from the file, not from the regular expressions
    # (a name planted there shows it).
    codecache.write(str(file), {**kept, ("PutWidgetThing", "_"): "from_the_cache"})
    botocore._xform_cache.pop(("CreateFunction", "_"))
    modelcache.install_names()
    assert botocore.xform_name("PutWidgetThing") == "from_the_cache"
    assert botocore.xform_name("CreateFunction") == "create_function"


def test_a_damaged_names_file_is_ignored(names: list[Callable[..., Any]]) -> None:
    (modelcache.directory() / f"xform-names-{botocore.__version__}").write_bytes(b"\x00not marshal")
    modelcache.install_names()
    assert botocore.xform_name("GetFunctionConfiguration") == "get_function_configuration"
