"""botocore's data files kept parsed under $LAMBDACTL_HOME/cache (modelcache.py):
the same data as the JSON, never stale, and silent when the cache is broken."""

from __future__ import annotations

import gzip
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from lambdactl import codecache, modelcache
from lambdactl.aws import Aws, Target

MODEL = {"metadata": {"protocol": "rest-json"}, "operations": {"Op": {"name": "Op", "http": {"method": "GET"}}},
         "shapes": {"S": {"type": "structure", "members": {}, "n": 1.5, "flag": True, "none": None, "list": [1, "a"]}}}


pytestmark = pytest.mark.usefixtures("home_cache")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home an earlier process used: it writes copies."""
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(codecache, "_SEEN", {})
    modelcache.directory().mkdir(parents=True)
    return tmp_path / "home"


def next_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codecache, "_SEEN", {})


def written() -> None:
    """Wait for the copies being written."""
    for t in threading.enumerate():
        if t.name == "modelcache":
            t.join()


class Opens:
    """gzip.open, counting the files it opens (a copy read needs none)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, path: str, mode: str) -> Any:
        self.count += 1
        return gzip.open(path, mode)


def model_file(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "service-2.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    return str(path)


def test_second_load_comes_from_the_copy_and_equals_the_json(home: Path, tmp_path: Path) -> None:
    path, opens = model_file(tmp_path, MODEL), Opens()
    assert modelcache.load(path, opens) == MODEL
    written()
    (copy,) = modelcache.directory().iterdir()
    assert copy.is_relative_to(home) and not copy.name.endswith(".tmp")
    assert modelcache.load(path, opens) == MODEL
    assert opens.count == 1   # the JSON was parsed once


def test_a_new_home_writes_copies_from_its_second_process_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A home used once (CI, a container) pays nothing for copies it would never read."""
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "new"))
    next_process(monkeypatch)
    path, opens = model_file(tmp_path, MODEL), Opens()
    assert modelcache.load(path, opens) == MODEL and modelcache.load(path, opens) == MODEL
    written()
    assert modelcache.directory().is_dir() and not list(modelcache.directory().iterdir())
    next_process(monkeypatch)
    assert modelcache.load(path, opens) == MODEL
    written()
    assert len(list(modelcache.directory().iterdir())) == 1
    next_process(monkeypatch)
    assert modelcache.load(path, opens) == MODEL and opens.count == 3   # the copy, not the JSON


def test_an_edited_file_is_parsed_again_not_served_stale(home: Path, tmp_path: Path) -> None:
    path, opens = model_file(tmp_path, MODEL), Opens()
    modelcache.load(path, opens)
    written()
    changed = {**MODEL, "metadata": {"protocol": "json"}}
    model_file(tmp_path, changed)
    os.utime(path, ns=(1, 1))   # another size and mtime: another key
    assert modelcache.load(path, opens) == changed
    assert opens.count == 2


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", None])
def test_a_damaged_copy_falls_back_to_the_json_and_is_rewritten(home: Path, tmp_path: Path,
                                                               damage: bytes | None) -> None:
    path, opens = model_file(tmp_path, MODEL), Opens()
    modelcache.load(path, opens)
    written()
    (copy,) = modelcache.directory().iterdir()
    if damage is None:
        copy.write_bytes(copy.read_bytes()[:-7])   # truncated
    else:
        copy.write_bytes(damage)
    assert modelcache.load(path, opens) == MODEL
    written()
    assert opens.count == 2 and modelcache.load(path, opens) == MODEL and opens.count == 2


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("LAMBDACTL_HOME", str(blocker))
    next_process(monkeypatch)
    path, opens = model_file(tmp_path, MODEL), Opens()
    assert modelcache.load(path, opens) == MODEL
    written()
    assert modelcache.load(path, opens) == MODEL and opens.count == 2


def test_a_copy_that_cannot_be_read_or_replaced_leaves_nothing_behind(home: Path, tmp_path: Path) -> None:
    path, opens = model_file(tmp_path, MODEL), Opens()
    modelcache.load(path, opens)
    written()
    (copy,) = modelcache.directory().iterdir()
    copy.unlink()
    copy.mkdir()   # where the copy goes, a directory (not empty): os.replace fails
    (copy / "x").write_text("")
    assert modelcache.load(path, opens) == MODEL
    written()
    assert [p.name for p in modelcache.directory().iterdir()] == [copy.name]   # no temp file left
    assert opens.count == 2


def test_no_file_is_none_as_for_botocore(home: Path, tmp_path: Path) -> None:
    assert modelcache.load(str(tmp_path / "missing.json"), open) is None
    assert modelcache.load(str(tmp_path), open) is None   # a directory is no file


def test_clients_are_built_from_the_copies(home: Path) -> None:
    first = Aws(Target("aws", region="us-east-1")).client("lambda")
    written()
    copies = set(modelcache.directory().iterdir())
    assert len(copies) >= 2   # at least the service model and its endpoint rules
    again = Aws(Target("aws", region="us-east-1")).client("lambda")
    written()
    assert set(modelcache.directory().iterdir()) == copies   # nothing parsed afresh
    assert again.meta.service_model.operation_names == first.meta.service_model.operation_names
    assert again.meta.endpoint_url == first.meta.endpoint_url


def test_endpoints_json_is_kept_packed_and_read_a_service_at_a_time(home: Path) -> None:
    """endpoints.json's copy keeps each service's entry marshalled on its own (~8 ms
    to unmarshal whole, for the few services a command asks about): the same data,
    the same endpoints resolved, under a name older lambdactls do not read."""
    import botocore
    import botocore.regions

    path = os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")
    plain = json.loads(Path(path).read_text())
    assert modelcache.load(path, open) == plain
    written()
    (copy,) = modelcache.directory().iterdir()
    services = modelcache.load(path, open)["partitions"][0]["services"]
    assert isinstance(services, modelcache.Services)
    assert all(type(v) is bytes for v in dict.values(services))   # nothing unmarshalled yet
    assert services.get("lambda") == plain["partitions"][0]["services"]["lambda"]
    assert type(dict.__getitem__(services, "lambda")) is dict and type(dict.__getitem__(services, "iam")) is bytes
    assert services.get("no-such-service", "none") == "none" and "s3" in services
    data = modelcache.load(path, open)
    resolver, reference = botocore.regions.EndpointResolver(data), botocore.regions.EndpointResolver(plain)
    for service, region in (("lambda", "us-east-1"), ("iam", "us-west-2"), ("s3", "cn-north-1"), ("sts", None)):
        assert resolver.construct_endpoint(service, region) == reference.construct_endpoint(service, region)
    assert resolver.get_available_endpoints("lambda") == reference.get_available_endpoints("lambda")
    assert data == plain and dict(data["partitions"][1]["services"].items()) == plain["partitions"][1]["services"]
    import copy as copying

    assert copying.deepcopy(data) == plain and type(copying.deepcopy(services)) is dict
    key = f"{path}\0{os.stat(path).st_size}\0{os.stat(path).st_mtime_ns}"   # the unpacked copy's name
    assert copy.name != __import__("hashlib").sha256(key.encode()).hexdigest()[:40]
