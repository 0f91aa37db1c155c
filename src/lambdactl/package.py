"""Deterministic zip of a function's source directory, and its CodeSha256.

The same tree always gives the same bytes: entries sorted, timestamps fixed,
permissions normalised, no host metadata. So CodeSha256 (base64 of sha256, the
way Lambda reports it) tells whether the deployed code differs.

A ``requirements.txt`` at the root of the source is not shipped: its
dependencies are installed by pip *for Lambda's platform* (manylinux2014 of the
function's architecture, CPython of the function's runtime, wheels only) into a
build cache keyed by sha256(requirements + runtime + architecture), and that
tree is zipped at the package root next to the handler code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lambdactl.errors import ConfigError
from lambdactl.runtimes import is_custom
from lambdactl.sources import DEFAULT_EXCLUDES, collect, load_ignores  # noqa: F401
from lambdactl.vendor import (  # noqa: F401 - package is where callers and tests find them
    BLOB,
    DEPS_CACHE_VERSION,
    DEPS_DROP_DIRS,
    DEPS_DROP_FILES,
    DEPS_DROP_TOP,
    ENTRIES,
    PIP_NEWS,
    PLATFORMS,
    REQUIREMENTS,
    BuildProgress,
    Runner,
    collect_dependencies,
    deps_key,
    has_requirements,
    install_dependencies,
    no_wheel_requirement,
    pip_install_command,
    pip_platform,
    precompress,
    python_version,
    reporting,
    requirements_bytes,
    run_pip,
    run_pip_reporting,
)
from lambdactl.zipwriter import (  # noqa: F401 - tests reach the zip writer through package
    _MAX_ENTRIES,
    _MAX_FILE,
    COMPRESS_LEVEL,
    FIXED_TIME,
    Compressed,
    DeflateMemo,
    Source,
    _build_zip_parallel,
    _build_zip_zipfile,
    _deflated,
    _mode,
    entry_size,
)

if TYPE_CHECKING:
    from lambdactl.config import Function

ZIP_LIMIT = 50 * 1024 * 1024          # direct upload limit of CreateFunction
UNZIPPED_LIMIT = 250 * 1024 * 1024    # function + layers, unzipped
@dataclass(frozen=True)
class Package:
    path: Path
    size: int
    sha256: str          # CodeSha256 as Lambda reports it
    files: int
    unzipped: int
    deps: str | None = None      # None: no requirements.txt; else "hit" or "miss"
    deps_key: str = ""           # the build cache key of the dependency set
    deps_seconds: float = 0.0    # time spent getting the dependencies (install or cache)
    seconds: float = 0.0         # total packaging time

    def read(self) -> bytes:
        return self.path.read_bytes()


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return base64.b64encode(h.digest()).decode("ascii")


# -- the zip (zipwriter.py writes it) ------------------------------------------------
def build_zip(files: Sequence[tuple[str, Source]], dest: Path, *, workers: int | None = None,
              level: int = COMPRESS_LEVEL, memo: DeflateMemo | None = None) -> Package:
    """Zip FILES (archive name, path; sorted) into DEST, deterministically. MEMO
    (a rebuild): deflate only the entries that changed since its last build."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    sizes = [entry_size(p) for _, p in files]
    try:
        if len(files) > _MAX_ENTRIES or any(s > _MAX_FILE for s in sizes):
            unzipped = _build_zip_zipfile(files, tmp, level)
        else:
            unzipped = _build_zip_parallel(files, tmp, level, workers, memo)
            if memo is not None:
                memo.finish()
        size, sha = tmp.stat().st_size, file_sha256(tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return Package(dest, size, sha, len(files), unzipped)



def reuse_zip(dest: Path, inputs: object) -> Package | None:
    """The zip at DEST if it was built from INPUTS (content-addressed: the dependency
    cache keys it holds) and is untouched since: no walk, no zipping, no hashing."""
    try:
        meta = json.loads(dest.with_suffix(".json").read_text())
        st = dest.stat()
    except (OSError, ValueError):
        return None
    if meta.get("inputs") != json.loads(json.dumps(inputs)) or meta.get("stat") != [st.st_size, st.st_mtime_ns]:
        return None
    return Package(dest, st.st_size, meta["sha256"], meta["files"], meta["unzipped"])


def remember_zip(pkg: Package, inputs: object) -> None:
    """Record what PKG was built from, for reuse_zip."""
    st = pkg.path.stat()
    meta = {"inputs": inputs, "stat": [st.st_size, st.st_mtime_ns], "sha256": pkg.sha256,
            "files": pkg.files, "unzipped": pkg.unzipped}
    tmp = pkg.path.with_name(f".{pkg.path.stem}.{os.getpid()}.{threading.get_ident()}.json")
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, pkg.path.with_suffix(".json"))


# -- limits ------------------------------------------------------------------------
def largest_entries(files: Iterable[tuple[str, Source]], sizes: Iterable[int],
                    n: int = 5) -> list[tuple[str, int]]:
    """The N largest top-level entries (a directory counts its whole subtree)."""
    totals: dict[str, int] = {}
    for (rel, _), size in zip(files, sizes, strict=True):
        top = rel.split("/", 1)[0] + ("/" if "/" in rel else "")
        totals[top] = totals.get(top, 0) + size
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def check_unzipped(name: str, files: Sequence[tuple[str, Source]], limit: int | None = None) -> int:
    limit = UNZIPPED_LIMIT if limit is None else limit
    sizes = [entry_size(p) for _, p in files]
    total = sum(sizes)
    if total > limit:
        top = ", ".join(f"{rel} {size / 2**20:.1f} MB" for rel, size in largest_entries(files, sizes))
        raise ConfigError(
            f"{name}: {total / 2**20:.1f} MB unzipped exceeds Lambda's "
            f"{limit / 2**20:.0f} MB limit; largest entries: {top}",
            "move dependencies to a layer, drop unneeded packages from requirements.txt, "
            "or exclude files with .lambdactlignore",
        )
    return total


# -- entry points ----------------------------------------------------------------
def package_function(source: Path, build_dir: Path, name: str, *, runtime: str = "python3.12",
                     architecture: str = "x86_64", runner: Runner = run_pip,
                     pip_options: Sequence[str] = (),
                     env: Mapping[str, str] | None = None,
                     progress: BuildProgress | None = None,
                     memo: DeflateMemo | None = None) -> Package:
    """Zip SOURCE (plus its vendored requirements) into BUILD_DIR/<name>.zip, deterministically."""
    start = time.perf_counter()
    if not source.is_dir():
        raise ConfigError(f"source directory {source} does not exist")
    files: list[tuple[str, Source]] = list(collect(source))
    deps: str | None = None
    key = ""
    deps_seconds = 0.0
    req = source / REQUIREMENTS
    if req.is_file() and not is_custom(runtime):  # a custom runtime's files ship as they are
        files = [f for f in files if f[0] != REQUIREMENTS]   # not shipped
        if has_requirements(req.read_text(encoding="utf-8", errors="replace")):
            t0 = time.perf_counter()
            tree, deps, key = install_dependencies(
                req, build_dir, runtime, architecture, name=name, runner=runner,
                pip_options=pip_options, env=env, progress=progress)
            deps_seconds = time.perf_counter() - t0
            mine = {rel for rel, _ in files}
            # The function's own files win over a dependency's file of the same name.
            files = sorted(files + [f for f in collect_dependencies(tree) if f[0] not in mine],
                           key=lambda item: item[0])
    if not files:
        raise ConfigError(f"source directory {source} has no files to package")
    check_unzipped(name, files)
    pkg = build_zip(files, build_dir / f"{name}.zip", memo=memo)
    return Package(pkg.path, pkg.size, pkg.sha256, pkg.files, pkg.unzipped, deps, key,
                   deps_seconds, time.perf_counter() - start)


def package_for_function(fn: Function, build_dir: Path, **kwargs: object) -> Package:
    """Package FN for its own runtime and architecture."""
    return package_function(fn.source, build_dir, fn.name, runtime=fn.runtime,
                            architecture=fn.architecture, **kwargs)  # type: ignore[arg-type]
