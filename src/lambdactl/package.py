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
import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lambdactl.errors import ConfigError, LambdactlError
from lambdactl.textfile import printable, read_text

if TYPE_CHECKING:
    from lambdactl.config import Function

# 1980-01-01 00:00:00, the earliest zip timestamp: fixed so builds are reproducible.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
DEFAULT_EXCLUDES = (
    "__pycache__", "*.pyc", "*.pyo", ".git", ".venv", "venv", ".env*", "*.pem", ".aws",
    ".lambdactlignore", ".DS_Store", ".pytest_cache", ".mypy_cache",
)
ZIP_LIMIT = 50 * 1024 * 1024          # direct upload limit of CreateFunction
UNZIPPED_LIMIT = 250 * 1024 * 1024    # function + layers, unzipped
COMPRESS_LEVEL = 6                    # zlib's and Info-ZIP's default
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


def load_ignores(source: Path) -> tuple[str, ...]:
    ignore = source / ".lambdactlignore"
    if not ignore.is_file():
        return DEFAULT_EXCLUDES
    extra = [
        line.strip().rstrip("/")
        for line in read_text(ignore, f"{source.name}/.lambdactlignore").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return DEFAULT_EXCLUDES + tuple(extra)


def _ignored(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) for p in patterns)


def collect(source: Path, patterns: tuple[str, ...] | None = None) -> list[tuple[str, Path]]:
    """(archive name, path) of every file to package, sorted by archive name."""
    patterns = load_ignores(source) if patterns is None else patterns
    root = source.resolve()
    out: list[tuple[str, Path]] = []
    # Symlinks are packaged as their content (zip entries are files): directories
    # too, so followlinks, with _check_link refusing cycles and anything outside.
    for dirpath, dirnames, filenames in os.walk(source, followlinks=True):
        base = Path(dirpath)
        rel_dir = base.relative_to(source).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = [d for d in dirnames if not _ignored(rel_dir + d, d, patterns)]
        for d in dirnames:
            _check_link(source, root, base / d, rel_dir + d)
        for name in filenames:
            rel = rel_dir + name
            path = base / name
            if _ignored(rel, name, patterns) or not path.is_file():
                continue
            _check_name(source, rel)
            _check_link(source, root, path, rel)
            out.append((rel, path))
    out.sort(key=lambda item: item[0])
    return out


def _check_name(source: Path, rel: str) -> None:
    """os.walk decodes undecodable bytes of a name to surrogates: zip names are UTF-8."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{source.name}/{printable(rel)}: the file name is not UTF-8",
            "rename it (Lambda's zip names are UTF-8) or list it in .lambdactlignore",
        ) from None


def _check_link(source: Path, root: Path, path: Path, rel: str) -> None:
    """A symlink is packaged as what it points to, if that is inside the function's
    directory (ROOT, resolved) and not one of its own parents; else refused, never
    silently shipped (an ~/.ssh key) nor silently left out."""
    if not path.is_symlink():
        return
    target = path.resolve()
    where = f"{source.name}/{printable(rel)}"
    if not target.is_relative_to(root):
        raise ConfigError(
            f"{where} is a symlink to {printable(str(target))}, outside {source.name}/: lambdactl does not package it",
            "copy what it points to into the function's directory, or list it in .lambdactlignore",
        )
    if path.parent.resolve().is_relative_to(target):
        raise ConfigError(
            f"{where} is a symlink to a directory that contains it: a cycle",
            "remove the link, or list it in .lambdactlignore",
        )


# -- the zip writer -------------------------------------------------------------
# The bytes are exactly what zipfile.ZipFile.writestr writes for our ZipInfo
# (tests pin that), but entries are compressed side by side in threads (zlib
# releases the GIL) and written in sorted order as they complete.
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_DOSTIME = FIXED_TIME[3] << 11 | FIXED_TIME[4] << 5 | FIXED_TIME[5] // 2
_DOSDATE = (FIXED_TIME[0] - 1980) << 9 | FIXED_TIME[1] << 5 | FIXED_TIME[2]
_MAX_ENTRIES = 0xFFFF - 1             # beyond: zip64 end records; use zipfile
_MAX_FILE = int((2**31 - 1) / 1.05)   # zipfile switches to zip64 headers above this


@dataclass(frozen=True)
class Compressed:
    """An entry already deflated (the dependency cache): CLEN bytes of BLOB at OFFSET."""

    blob: Path
    offset: int
    clen: int
    crc: int
    size: int
    mode: int            # external_attr
    level: int = COMPRESS_LEVEL


Source = Path | Compressed


def _mode(src: Source) -> int:
    if isinstance(src, Compressed):
        return src.mode
    # Normalise permissions: 0755 for executables, 0644 for the rest.
    perm = 0o755 if src.stat().st_mode & stat.S_IXUSR else 0o644
    return (stat.S_IFREG | perm) << 16


def entry_size(src: Source) -> int:
    return src.size if isinstance(src, Compressed) else src.stat().st_size


def _read_raw(src: Compressed) -> bytes:
    with src.blob.open("rb") as f:
        f.seek(src.offset)
        body = f.read(src.clen)
    if len(body) != src.clen:
        raise LambdactlError(f"dependency cache {src.blob} is truncated",
                             f"delete {src.blob.parent} and package again")
    return body


def _deflate(src: Source, level: int) -> tuple[bytes, int, int]:
    if isinstance(src, Compressed) and src.level == level:
        return _read_raw(src), src.crc, src.size
    data = _data(src)
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush()
    return out, zlib.crc32(data), len(data)


def _data(src: Source) -> bytes:
    if isinstance(src, Compressed):
        return zlib.decompress(_read_raw(src), -15)
    return src.read_bytes()


def _encode_name(rel: str) -> tuple[bytes, int]:
    try:
        return rel.encode("ascii"), 0
    except UnicodeEncodeError:
        return rel.encode("utf-8"), 0x800


def build_zip(files: Sequence[tuple[str, Source]], dest: Path, *, workers: int | None = None,
              level: int = COMPRESS_LEVEL) -> Package:
    """Zip FILES (archive name, path; sorted) into DEST, deterministically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    sizes = [entry_size(p) for _, p in files]
    try:
        if len(files) > _MAX_ENTRIES or any(s > _MAX_FILE for s in sizes):
            unzipped = _build_zip_zipfile(files, tmp, level)
        else:
            unzipped = _build_zip_parallel(files, tmp, level, workers)
        size, sha = tmp.stat().st_size, file_sha256(tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return Package(dest, size, sha, len(files), unzipped)


def _deflated(files: Sequence[tuple[str, Source]], level: int, workers: int | None,
              ) -> Iterator[tuple[str, Source, tuple[bytes, int, int]]]:
    """(name, source, (deflated, crc, size)) in order; compressed side by side in threads.

    zlib releases the GIL; the read-ahead window keeps memory a few files deep.
    """
    workers = workers or min(8, os.cpu_count() or 1)
    window = max(4, workers * 4)
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[tuple[str, Source, Future[tuple[bytes, int, int]]]] = deque()
        items = iter(files)
        for rel, src in items:
            pending.append((rel, src, pool.submit(_deflate, src, level)))
            if len(pending) >= window:
                break
        while pending:
            rel, src, fut = pending.popleft()
            nxt = next(items, None)
            if nxt is not None:
                pending.append((nxt[0], nxt[1], pool.submit(_deflate, nxt[1], level)))
            yield rel, src, fut.result()


def _build_zip_parallel(files: Sequence[tuple[str, Source]], out: Path, level: int,
                        workers: int | None) -> int:
    central: list[bytes] = []
    offset = unzipped = 0
    with out.open("wb") as fp:
        for rel, path, (body, crc, size) in _deflated(files, level, workers):
            name, flags = _encode_name(rel)
            fp.write(_LOCAL.pack(b"PK\x03\x04", 20, 0, flags, zipfile.ZIP_DEFLATED, _DOSTIME,
                                 _DOSDATE, crc, len(body), size, len(name), 0))
            fp.write(name)
            fp.write(body)
            central.append(_CENTRAL.pack(
                b"PK\x01\x02", 20, 3, 20, 0, flags, zipfile.ZIP_DEFLATED, _DOSTIME, _DOSDATE,
                crc, len(body), size, len(name), 0, 0, 0, 0, _mode(path), offset) + name)
            offset += _LOCAL.size + len(name) + len(body)
            unzipped += size
        cd = b"".join(central)
        fp.write(cd)
        fp.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(cd), offset, 0))
    return unzipped


def _build_zip_zipfile(files: Sequence[tuple[str, Source]], out: Path, level: int) -> int:
    unzipped = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for rel, path in files:
            info = zipfile.ZipInfo(rel, date_time=FIXED_TIME)
            info.external_attr = _mode(path)
            info.create_system = 3  # unix, whatever the host
            info.compress_type = zipfile.ZIP_DEFLATED
            data = _data(path)
            unzipped += len(data)
            zf.writestr(info, data, compresslevel=level)
    return unzipped


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
                        extra: Sequence[str] = ()) -> list[str]:
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
        "--quiet",
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


def _pip_error(name: str, stderr: str, runtime: str, architecture: str) -> LambdactlError:
    platform = pip_platform(architecture)
    req = no_wheel_requirement(stderr)
    if req:
        project = re.split(r"[<>=!~\[;@ ]", req, maxsplit=1)[0] or req
        return ConfigError(
            f"{name}: no wheel of {req} for Lambda's platform {platform} "
            f"(cp{python_version(runtime).replace('.', '')}, {runtime}, {architecture})",
            f"pin a version of {project} that publishes a {platform} or pure-Python wheel, "
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


def install_dependencies(requirements: Path, build_dir: Path, runtime: str, architecture: str, *,
                         name: str = "", runner: Runner = run_pip,
                         pip_options: Sequence[str] = (),
                         env: Mapping[str, str] | None = None) -> tuple[Path, str, str]:
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
    try:
        cmd = pip_install_command(requirements, work, runtime, architecture, extra=pip_options)
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
            raise _pip_error(name or requirements.parent.name, proc.stderr or "", runtime,
                             architecture)
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
                     env: Mapping[str, str] | None = None) -> Package:
    """Zip SOURCE (plus its vendored requirements) into BUILD_DIR/<name>.zip, deterministically."""
    start = time.perf_counter()
    if not source.is_dir():
        raise ConfigError(f"source directory {source} does not exist")
    files: list[tuple[str, Source]] = list(collect(source))
    deps: str | None = None
    key = ""
    deps_seconds = 0.0
    req = source / REQUIREMENTS
    if req.is_file():
        files = [f for f in files if f[0] != REQUIREMENTS]   # not shipped
        if has_requirements(req.read_text(encoding="utf-8", errors="replace")):
            t0 = time.perf_counter()
            tree, deps, key = install_dependencies(
                req, build_dir, runtime, architecture, name=name, runner=runner,
                pip_options=pip_options, env=env)
            deps_seconds = time.perf_counter() - t0
            mine = {rel for rel, _ in files}
            # The function's own files win over a dependency's file of the same name.
            files = sorted(files + [f for f in collect_dependencies(tree) if f[0] not in mine],
                           key=lambda item: item[0])
    if not files:
        raise ConfigError(f"source directory {source} has no files to package")
    check_unzipped(name, files)
    pkg = build_zip(files, build_dir / f"{name}.zip")
    return Package(pkg.path, pkg.size, pkg.sha256, pkg.files, pkg.unzipped, deps, key,
                   deps_seconds, time.perf_counter() - start)


def package_for_function(fn: Function, build_dir: Path, **kwargs: object) -> Package:
    """Package FN for its own runtime and architecture."""
    return package_function(fn.source, build_dir, fn.name, runtime=fn.runtime,
                            architecture=fn.architecture, **kwargs)  # type: ignore[arg-type]
