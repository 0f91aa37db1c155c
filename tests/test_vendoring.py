"""requirements.txt is vendored for Lambda's platform, cached, and zipped deterministically.

No network: the tests build a wheelhouse by hand (a pure-Python wheel and one
tagged cp312-cp312-manylinux2014_x86_64; and one of a package for both
architectures, with wheels Lambda cannot use beside them) and point pip at it
with --find-links WHEELHOUSE --no-index.
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdactl import package as pk
from lambdactl import vendor
from lambdactl.cli import root
from lambdactl.config import Function
from lambdactl.errors import ConfigError, LambdactlError
from tests.conftest import make_wheel


def opts(house: Path) -> tuple[str, ...]:
    return ("--find-links", str(house), "--no-index")


def make_src(root: Path, requirements: str) -> Path:
    src = root / "fn"
    src.mkdir(parents=True, exist_ok=True)
    (src / "app.py").write_text("import nativelib\n\ndef lambda_handler(e, c):\n    return 1\n")
    (src / "requirements.txt").write_text(requirements)
    return src


class CountingRunner:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, cmd: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(cmd)
        return pk.run_pip(cmd, env)


# -- the pip command: a pure function ------------------------------------------
@pytest.mark.parametrize(("runtime", "arch", "platform", "version", "abi"), [
    ("python3.12", "x86_64", "manylinux2014_x86_64", "3.12", "cp312"),
    ("python3.12", "arm64", "manylinux2014_aarch64", "3.12", "cp312"),
    ("python3.11", "arm64", "manylinux2014_aarch64", "3.11", "cp311"),
    ("python3.13", "x86_64", "manylinux2014_x86_64", "3.13", "cp313"),
])
def test_pip_command_targets_lambda_platform(runtime: str, arch: str, platform: str, version: str,
                                             abi: str) -> None:
    cmd = pk.pip_install_command(Path("/s/requirements.txt"), Path("/t"), runtime, arch,
                                 python="py", extra=("--no-index",))
    assert cmd[:4] == ["py", "-m", "pip", "install"]

    def value(flag: str) -> str:
        return cmd[cmd.index(flag) + 1]

    assert value("-r") == "/s/requirements.txt"
    assert value("--target") == "/t"
    assert value("--platform") == platform
    assert value("--python-version") == version
    assert value("--implementation") == "cp"
    assert value("--abi") == abi
    for flag in ("--only-binary=:all:", "--no-compile", "--disable-pip-version-check", "--quiet"):
        assert flag in cmd
    assert cmd[-1] == "--no-index"


def test_unknown_runtime_or_architecture_is_config_error() -> None:
    with pytest.raises(ConfigError, match="nodejs20.x"):
        pk.pip_install_command(Path("r"), Path("t"), "nodejs20.x", "x86_64")
    with pytest.raises(ConfigError, match="sparc"):
        pk.pip_install_command(Path("r"), Path("t"), "python3.12", "sparc")


def test_cache_key_covers_requirements_runtime_architecture() -> None:
    base = pk.deps_key(b"a==1\n", "python3.12", "x86_64")
    assert base == pk.deps_key(b"a==1\n", "python3.12", "x86_64")
    assert len({base, pk.deps_key(b"a==2\n", "python3.12", "x86_64"),
                pk.deps_key(b"a==1\n", "python3.11", "x86_64"),
                pk.deps_key(b"a==1\n", "python3.12", "arm64")}) == 4


def test_cache_key_covers_nested_requirement_files(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "common.txt").write_text("a==1\n")
    (tmp_path / "constraints.txt").write_text("b<3\n")
    req = tmp_path / "requirements.txt"
    req.write_text("-r base/common.txt  # shared\n--constraint=constraints.txt\nc\n")
    before = pk.requirements_bytes(req)
    assert b"a==1" in before and b"b<3" in before
    (tmp_path / "base" / "common.txt").write_text("a==2\n")
    assert pk.requirements_bytes(req) != before  # an edit in a nested file is a cache miss
    (tmp_path / "base" / "common.txt").write_text("-r ../requirements.txt\n")  # a cycle ends
    assert pk.requirements_bytes(req).count(b"c\n") >= 1


def test_pip_error_parsing() -> None:
    err = ("ERROR: Could not find a version that satisfies the requirement numpy==1.0 "
           "(from versions: none)\nERROR: No matching distribution found for numpy==1.0\n")
    assert pk.no_wheel_requirement(err) == "numpy==1.0"
    assert pk.no_wheel_requirement("ERROR: something else") is None


def test_a_version_that_does_not_exist_is_said_as_that() -> None:
    """`requests>=99` said "no wheel of requests>=99 for Lambda's platform", and to pin a
    version "that publishes a manylinux2014_x86_64 or pure-Python wheel": every version of
    requests does; what does not exist is the version asked for, and pip listed them."""
    err = ("ERROR: Could not find a version that satisfies the requirement requests>=99 (from versions: "
           "2.0.0, 2.31.0, 2.34.0.dev1, 2.34.2)\nERROR: No matching distribution found for requests>=99\n")
    e = vendor._pip_error("demo-hello", err, "python3.12", "x86_64")
    assert e.exit_code == 2
    assert str(e) == ("demo-hello: no version of requests matches requests>=99 in requirements.txt; the versions "
                      "with a wheel for Lambda's platform manylinux2014_x86_64 (python3.12, x86_64) go from 2.0.0 "
                      "to 2.34.2; change the version in requirements.txt, e.g. requests==2.34.2")


def test_a_name_pip_knows_no_version_of_says_to_check_its_spelling() -> None:
    """`reqeusts`: "(from versions: none)", a misspelt name as often as a missing wheel."""
    err = ("ERROR: Could not find a version that satisfies the requirement reqeusts (from versions: none)\n"
           "ERROR: No matching distribution found for reqeusts\n")
    msg = str(vendor._pip_error("demo-hello", err, "python3.12", "x86_64"))
    assert msg.startswith("demo-hello: no wheel of reqeusts for Lambda's platform manylinux2014_x86_64"), msg
    assert "check the spelling of 'reqeusts' in requirements.txt" in msg
    assert vendor.offered_versions("no list here") is None


# -- real pip against the wheelhouse ---------------------------------------------
def test_vendored_at_root_cached_and_deterministic(tmp_path: Path, wheelhouse: Path) -> None:
    src = make_src(tmp_path, "nativelib==2.0\npurelib\n")
    build = tmp_path / "build"
    runner = CountingRunner()
    a = pk.package_function(src, build, "fn", runner=runner, pip_options=opts(wheelhouse))
    assert a.deps == "miss" and len(runner.calls) == 1
    with zipfile.ZipFile(a.path) as zf:
        names = zf.namelist()
        wheel_meta = zf.read("nativelib-2.0.dist-info/WHEEL").decode()
    assert names == sorted(names)
    assert "app.py" in names and "requirements.txt" not in names
    assert "nativelib/__init__.py" in names
    assert "nativelib/_core.cpython-312-x86_64-linux-gnu.so" in names
    assert "purelib/__init__.py" in names
    assert "Tag: cp312-cp312-manylinux2014_x86_64" in wheel_meta
    assert not [n for n in names if n.endswith(("/RECORD", "/INSTALLER", "direct_url.json"))]
    assert not [n for n in names if "__pycache__" in n or n.startswith("bin/")]
    assert not [n for n in names if n.startswith(("tree/", "entries."))]

    b = pk.package_function(src, tmp_path / "build", "fn", runner=runner,
                            pip_options=opts(wheelhouse))
    assert b.deps == "hit" and len(runner.calls) == 1       # no second pip run
    assert b.deps_key == a.deps_key
    assert b.path.read_bytes() == a.path.read_bytes() and b.sha256 == a.sha256

    # A fresh cache (a fresh checkout) installs again and still gives the same bytes.
    c = pk.package_function(src, tmp_path / "other", "fn", runner=runner,
                            pip_options=opts(wheelhouse))
    assert c.deps == "miss" and len(runner.calls) == 2
    assert c.sha256 == a.sha256


@pytest.fixture(scope="module")
def both_arches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dual 1.0 for both Lambda architectures, plus wheels pip must not pick for Lambda:
    a pure fallback and manylinux_2_28 (newer than Lambda's glibc 2.17 baseline)."""
    house = tmp_path_factory.mktemp("both")
    for tag, so in [("cp312-cp312-manylinux2014_x86_64", "x86_64"),
                    ("cp312-cp312-manylinux2014_aarch64", "aarch64"),
                    ("cp312-cp312-manylinux_2_28_x86_64", "x86_64"),
                    ("cp312-cp312-manylinux_2_28_aarch64", "aarch64"),
                    ("py3-none-any", None)]:
        files = {"dual/__init__.py": f"TAG = {tag!r}\n"}
        if so:
            files[f"dual/_core.cpython-312-{so}-linux-gnu.so"] = "\x7fELF not really\n"
        make_wheel(house / tag, "dual", "1.0", tag, files)   # one dir each: same file name rules
    return house


@pytest.mark.parametrize(("arch", "tag", "so"), [
    ("x86_64", "cp312-cp312-manylinux2014_x86_64", "x86_64"),
    ("arm64", "cp312-cp312-manylinux2014_aarch64", "aarch64"),
])
def test_native_wheel_for_the_declared_architecture(tmp_path: Path, both_arches: Path,
                                                    arch: str, tag: str, so: str) -> None:
    """The Done-when of the issue: the WHEEL tags inside the zip name the function's architecture."""
    src = make_src(tmp_path, "dual==1.0\n")
    links = [o for d in sorted(both_arches.iterdir()) for o in ("--find-links", str(d))]
    fn = Function(key="f", name="p-f", source=src, handler="app.lambda_handler", architecture=arch)
    pkg = pk.package_for_function(fn, tmp_path / "build", pip_options=(*links, "--no-index"))
    with zipfile.ZipFile(pkg.path) as zf:
        tags = [line.removeprefix("Tag: ") for line in zf.read("dual-1.0.dist-info/WHEEL").decode().splitlines()
                if line.startswith("Tag: ")]
        names = zf.namelist()
    assert tags == [tag]
    assert [n for n in names if n.endswith(".so")] == [f"dual/_core.cpython-312-{so}-linux-gnu.so"]


def test_precompressed_cache_gives_the_same_bytes(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for name, data in {"a/x.py": b"x = 1\n" * 500, "b.so": os.urandom(70_000), "e": b""}.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    pk.precompress(tree, tmp_path)
    (tmp_path / "tree" / "a" / "x.py").chmod(0o755)   # mode was recorded at precompress time
    cached = pk.collect_dependencies(tmp_path)
    (tmp_path / "tree" / "a" / "x.py").chmod(0o644)
    assert [rel for rel, _ in cached] == ["a/x.py", "b.so", "e"]
    direct = pk.build_zip(pk.collect(tree, ()), tmp_path / "direct.zip")
    via = pk.build_zip(cached, tmp_path / "via.zip")
    assert via.sha256 == direct.sha256 and via.unzipped == direct.unzipped
    (tmp_path / pk.ENTRIES).write_text("{")
    with pytest.raises(LambdactlError, match="damaged"):
        pk.collect_dependencies(tmp_path)


def test_no_wheel_for_arm64_is_clear_error(tmp_path: Path, wheelhouse: Path) -> None:
    src = make_src(tmp_path, "nativelib==2.0\n")
    fn = Function(key="f", name="p-f", source=src, handler="app.lambda_handler",
                  architecture="arm64")
    with pytest.raises(ConfigError) as exc:
        pk.package_for_function(fn, tmp_path / "build", pip_options=opts(wheelhouse))
    msg = str(exc.value)
    assert "nativelib==2.0" in msg and "manylinux2014_aarch64" in msg
    assert "layer" in msg and "pure-Python" in msg
    assert not (tmp_path / "build" / "deps").exists() or not [
        p for p in (tmp_path / "build" / "deps").iterdir()]   # nothing half-built cached


def test_arch_change_is_a_cache_miss(tmp_path: Path, wheelhouse: Path) -> None:
    src = make_src(tmp_path, "purelib\n")
    runner = CountingRunner()
    build = tmp_path / "build"
    a = pk.package_function(src, build, "fn", runner=runner, pip_options=opts(wheelhouse))
    b = pk.package_function(src, build, "fn", architecture="arm64", runner=runner,
                            pip_options=opts(wheelhouse))
    assert (a.deps, b.deps) == ("miss", "miss") and a.deps_key != b.deps_key
    assert "manylinux2014_aarch64" in runner.calls[1]


def test_own_file_wins_and_empty_requirements(tmp_path: Path) -> None:
    src = make_src(tmp_path, "# nothing\n\n")
    runner = CountingRunner()
    pkg = pk.package_function(src, tmp_path / "b", "fn", runner=runner)
    assert pkg.deps is None and runner.calls == []
    with zipfile.ZipFile(pkg.path) as zf:
        assert zf.namelist() == ["app.py"]


def test_pip_failure_other_than_no_wheel(tmp_path: Path) -> None:
    src = make_src(tmp_path, "x\n")

    def broken(cmd: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: disk full\n")

    with pytest.raises(Exception, match="disk full"):
        pk.package_function(src, tmp_path / "b", "fn", runner=broken)


def test_over_250mb_lists_largest_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    for name, size in {"big/a.so": 5000, "big/b.so": 3000, "mid.bin": 4000, "small.py": 10,
                       "tiny/x.py": 5, "other/y": 2000, "z.txt": 1}.items():
        p = src / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x" * size)
    monkeypatch.setattr(pk, "UNZIPPED_LIMIT", 10_000)
    with pytest.raises(ConfigError) as exc:
        pk.package_function(src, tmp_path / "build", "fn")
    msg = str(exc.value)
    assert "exceeds Lambda's" in msg
    listed = msg.split("largest entries: ")[1].split(";")[0]
    assert [e.split(" ")[0] for e in listed.split(", ")] == [
        "big/", "mid.bin", "other/", "small.py", "tiny/"]
    assert not (tmp_path / "build" / "fn.zip").exists()   # checked before zipping


# -- the package command ----------------------------------------------------------
def test_package_command_reports_cache(project: Path, wheelhouse: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """pip's own environment (PIP_FIND_LINKS, PIP_NO_INDEX) reaches the child."""
    (project / "functions" / "hello" / "requirements.txt").write_text("purelib==1.0\n")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_NO_INDEX", "1")

    def package() -> dict:
        res = CliRunner().invoke(root, ["--output", "json", "package", "hello"],
                                 catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)["packages"][0]

    first, second = package(), package()
    assert (first["deps"], second["deps"]) == ("miss", "hit")
    assert first["code_sha256"] == second["code_sha256"]
    assert first["deps_key"] == second["deps_key"] and second["deps_seconds"] < 1
    with zipfile.ZipFile(first["path"]) as zf:
        assert "purelib/__init__.py" in zf.namelist()

    monkeypatch.setenv("PIP_FIND_LINKS", str(project / "nowhere"))
    (project / "functions" / "hello" / "requirements.txt").write_text("missinglib\n")
    res = CliRunner().invoke(root, ["package", "hello"])
    assert res.exit_code == 2
    assert "missinglib" in res.output + res.stderr and "manylinux2014_x86_64" in res.output + res.stderr
