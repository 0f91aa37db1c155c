"""A function's or layer's dependencies, installed by pip for Lambda's platform
(manylinux2014 of the architecture, CPython of the runtime, wheels only) into a
build cache keyed by sha256(requirements + runtime + architecture), pre-compressed
once so each zip of the function reuses them."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from lambdactl.errors import ConfigError, LambdactlError
from lambdactl.sources import collect
from lambdactl.zipwriter import (
    COMPRESS_LEVEL,
    Compressed,
    Source,
    _deflated,
    _mode,
)

REQUIREMENTS = "requirements.txt"

# Lambda's platform per architecture (manylinux2014 = glibc 2.17, which both
# Amazon Linux 2 and 2023 satisfy).
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
# What pip leaves in --target that differs between hosts or runs, or is useless on
# Lambda: install records (hashes of host-specific scripts), the installer's name,
# where the wheel came from, bytecode, and console scripts with a host shebang.
DEPS_DROP_FILES = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
DEPS_DROP_DIRS = ("__pycache__",)
DEPS_DROP_TOP = ("bin",)
DEPS_CACHE_VERSION = "2"              # bump when the layout of a cached tree changes



# -- dependencies for Lambda's platform ----------------------------------------
def python_version(runtime: str) -> str:
    """'python3.12' -> '3.12'."""
    m = re.fullmatch(r"python(3\.\d+)", runtime)
    if not m:
        raise ConfigError(f"cannot vendor requirements.txt for runtime {runtime!r}",
                          "lambdactl installs dependencies for pythonX.Y runtimes only")
    return m.group(1)


def pip_platform(architecture: str) -> str:
    try:
        return PLATFORMS[architecture]
    except KeyError:
        raise ConfigError(f"unknown architecture {architecture!r}",
                          f"use one of {', '.join(PLATFORMS)}") from None


def pip_install_command(requirements: Path, target: Path, runtime: str, architecture: str, *,
                        python: str = sys.executable,
                        extra: Sequence[str] = (), quiet: bool = True) -> list[str]:
    """The pip command that installs REQUIREMENTS for Lambda's platform into TARGET.

    Index settings come from pip's own environment (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
    PIP_FIND_LINKS, PIP_NO_INDEX, pip.conf), which the child inherits; EXTRA adds
    options (tests pass --find-links WHEELHOUSE --no-index).
    """
    ver = python_version(runtime)
    return [
        python, "-m", "pip", "install",
        "-r", str(requirements),
        "--target", str(target),
        "--platform", pip_platform(architecture),
        "--implementation", "cp",
        "--python-version", ver,
        "--abi", f"cp{ver.replace('.', '')}",
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        *(["--quiet"] if quiet else ["--progress-bar", "off"]),
        *extra,
    ]


def deps_key(requirements: bytes, runtime: str, architecture: str) -> str:
    h = hashlib.sha256()
    for part in (DEPS_CACHE_VERSION.encode(), requirements, runtime.encode(), architecture.encode()):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:32]


def requirements_bytes(path: Path, _seen: frozenset[Path] = frozenset()) -> bytes:
    """REQUIREMENTS and every file it pulls in with -r/-c (the cache key covers them all)."""
    path = path.resolve()
    data = path.read_bytes()
    out = [data]
    for line in data.decode("utf-8", "replace").splitlines():
        words = line.split("#", 1)[0].split()
        for i, word in enumerate(words):
            name = None
            if word in ("-r", "-c", "--requirement", "--constraint") and i + 1 < len(words):
                name = words[i + 1]
            elif word.startswith(("--requirement=", "--constraint=")):
                name = word.split("=", 1)[1]
            elif word.startswith(("-r", "-c")) and len(word) > 2 and not word.startswith("--"):
                name = word[2:]
            if name:
                nested = (path.parent / name).resolve()
                if nested not in _seen and nested.is_file():
                    out.append(name.encode() + b"\0" + requirements_bytes(nested, _seen | {path}))
    return b"\0".join(out)


def has_requirements(text: str) -> bool:
    return any(line.split("#", 1)[0].strip() for line in text.splitlines())


Runner = Callable[[list[str], Mapping[str, str]], "subprocess.CompletedProcess[str]"]


def run_pip(cmd: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=dict(env), capture_output=True, text=True, check=False)


# The lines of pip's (not quiet) output that say what it is fetching or installing.
PIP_NEWS = re.compile(r"^(Collecting|Downloading|Using cached|Processing|Installing collected packages)\b")


def run_pip_reporting(cmd: list[str], env: Mapping[str, str],
                      on_line: Callable[[str], None]) -> subprocess.CompletedProcess[str]:
    """run_pip, passing each line of pip's output that says what it fetches to ON_LINE."""
    proc = subprocess.Popen(cmd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read() if proc.stderr else ""))
    reader.start()
    out = []
    for line in proc.stdout or ():
        out.append(line)
        if PIP_NEWS.match(line.strip()):
            on_line(line.strip())
    reader.join()
    return subprocess.CompletedProcess(cmd, proc.wait(), "".join(out), "".join(err))


_NO_MATCH = (
    re.compile(r"No matching distribution found for ([^\s;]+)"),
    re.compile(r"Could not find a version that satisfies the requirement ([^\s;]+)"),
)


def no_wheel_requirement(stderr: str) -> str | None:
    """The requirement pip found no wheel for, from its error output."""
    for rx in _NO_MATCH:
        m = rx.search(stderr)
        if m:
            return m.group(1)
    return None


def offered_versions(stderr: str) -> list[str] | None:
    """The versions pip found wheels of ("(from versions: 2.0.0, 2.1.0)"; [] for "none"),
    released ones only when there are any; None when pip did not say."""
    m = re.search(r"\(from versions: ([^)]*)\)", stderr)
    if not m:
        return None
    found = [v.strip() for v in m.group(1).split(",") if v.strip() and v.strip() != "none"]
    return [v for v in found if re.fullmatch(r"[\d.]+", v)] or found


def _pip_error(name: str, stderr: str, runtime: str, architecture: str) -> LambdactlError:
    platform = pip_platform(architecture)
    req = no_wheel_requirement(stderr)
    if req:
        project = re.split(r"[<>=!~\[;@ ]", req, maxsplit=1)[0] or req
        versions = offered_versions(stderr)
        if versions:   # wheels there are: the version asked for is what does not exist
            return ConfigError(f"{name}: no version of {project} matches {req} in requirements.txt; the versions with "
                               f"a wheel for Lambda's platform {platform} ({runtime}, {architecture}) go from "
                               f"{versions[0]} to {versions[-1]}",
                               f"change the version in requirements.txt, e.g. {project}=={versions[-1]}")
        return ConfigError(
            f"{name}: no wheel of {req} for Lambda's platform {platform} "
            f"(cp{python_version(runtime).replace('.', '')}, {runtime}, {architecture})",
            (f"check the spelling of {project!r} in requirements.txt (pip finds no version of it with such a wheel); if it is "
             "right, pin" if versions == [] else "pin") +
            f" a version of {project} that publishes a {platform} or pure-Python wheel, "
            f"use a pure-Python alternative, or provide it in a Lambda layer built for "
            f"{architecture}",
        )
    tail = " | ".join(line.strip() for line in stderr.strip().splitlines()[-3:] if line.strip())
    return LambdactlError(f"{name}: installing requirements.txt for {platform} failed: "
                          f"{tail or 'pip exited with an error'}")


def _scrub(tree: Path) -> None:
    """Drop what pip leaves that differs between hosts/runs or is useless on Lambda."""
    for top in DEPS_DROP_TOP:
        if (tree / top).is_dir():
            shutil.rmtree(tree / top)
    for dirpath, dirnames, filenames in os.walk(tree):
        for d in [d for d in dirnames if d in DEPS_DROP_DIRS]:
            shutil.rmtree(Path(dirpath) / d)
            dirnames.remove(d)
        if dirpath.endswith(".dist-info"):
            for f in filenames:
                if f in DEPS_DROP_FILES:
                    (Path(dirpath) / f).unlink()
        for f in filenames:
            if f.endswith((".pyc", ".pyo")):
                (Path(dirpath) / f).unlink(missing_ok=True)


# A long step's progress, for the UI: (what, phase, detail), phase "start" before the
# step, "detail" for what it is doing now (detail: a line of pip's), "end" or "failed"
# after it. The core only calls it; it never renders.
BuildProgress = Callable[[str, str, str], None]


@contextlib.contextmanager
def reporting(progress: BuildProgress | None, what: str) -> Iterator[None]:
    """Tell PROGRESS that WHAT starts, then that it ended or failed."""
    if progress is None:
        yield
        return
    progress(what, "start", "")
    try:
        yield
    except BaseException:
        progress(what, "failed", "")
        raise
    progress(what, "end", "")


def install_dependencies(requirements: Path, build_dir: Path, runtime: str, architecture: str, *,
                         name: str = "", runner: Runner = run_pip,
                         pip_options: Sequence[str] = (),
                         env: Mapping[str, str] | None = None,
                         progress: BuildProgress | None = None) -> tuple[Path, str, str]:
    """The cached dependency tree for REQUIREMENTS: (path, "hit"|"miss", key)."""
    key = deps_key(requirements_bytes(requirements), runtime, architecture)
    cache = build_dir / "deps"
    tree = cache / key
    if (tree / ENTRIES).is_file():
        return tree, "hit", key
    cache.mkdir(parents=True, exist_ok=True)
    work = cache / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    who = name or requirements.parent.name
    what = f"{who}: pip install -r {requirements.name} ({runtime}, {architecture})"
    try:
        with reporting(progress, what):
            quiet = True
            if progress is not None and runner is run_pip:   # (tests inject their own runner)
                report = progress
                runner = functools.partial(run_pip_reporting,
                                           on_line=lambda line: report(what, "detail", line))
                quiet = False
            cmd = pip_install_command(requirements, work, runtime, architecture, extra=pip_options,
                                      quiet=quiet)
            child_env = dict(os.environ if env is None else env)
            child_env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            child_env.pop("PIP_USER", None)       # --user conflicts with --target
            child_env.pop("PIP_REQUIRE_VIRTUALENV", None)
            try:
                proc = runner(cmd, child_env)
            except FileNotFoundError as exc:
                raise LambdactlError(f"{name}: cannot run pip ({exc})",
                                     "install pip in lambdactl's Python environment") from exc
            if proc.returncode != 0:
                raise _pip_error(who, proc.stderr or "", runtime, architecture)
            _scrub(work)
            site = work / "tree"
            site.mkdir()
            for child in list(work.iterdir()):
                if child != site:
                    child.rename(site / child.name)
            precompress(site, work)
        shutil.rmtree(tree, ignore_errors=True)   # an older, incomplete layout
        try:
            os.rename(work, tree)             # atomic: a cached tree is always complete
        except OSError:
            if not (tree / ENTRIES).is_file():   # lost a race to an identical build: fine
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tree, "miss", key


ENTRIES = "entries.json"
BLOB = "entries.deflate"


def precompress(tree: Path, into: Path, level: int = COMPRESS_LEVEL,
                workers: int | None = None) -> None:
    """Deflate every file of TREE once, into INTO/entries.deflate + entries.json.

    A cache hit then copies compressed bytes instead of compressing the whole
    dependency set again (the zip of a 150 MB numpy+pandas set is seconds; this is
    a copy). The bytes are the same as compressing the files: same zlib, same level.
    """
    files = collect(tree, ("__pycache__", "*.pyc", "*.pyo"))
    index = []
    offset = 0
    with (into / BLOB).open("wb") as fp:
        for rel, path, (body, crc, size) in _deflated(files, level, workers):
            fp.write(body)
            index.append([rel, offset, len(body), crc, size, _mode(path)])
            offset += len(body)
    (into / ENTRIES).write_text(json.dumps({"level": level, "entries": index}), encoding="utf-8")


def collect_dependencies(tree: Path) -> list[tuple[str, Source]]:
    """Every entry of a cached dependency set (pip's output; no user excludes), sorted."""
    try:
        meta = json.loads((tree / ENTRIES).read_text(encoding="utf-8"))
        blob = tree / BLOB
        level = int(meta["level"])
        return [(rel, Compressed(blob, off, clen, crc, size, mode, level))
                for rel, off, clen, crc, size, mode in meta["entries"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LambdactlError(f"dependency cache {tree} is damaged ({exc})",
                             f"delete {tree} and package again") from exc
