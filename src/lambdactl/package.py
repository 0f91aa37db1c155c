"""Deterministic zip of a function's source directory, and its CodeSha256.

The same tree always gives the same bytes: entries sorted, timestamps fixed,
permissions normalised, no host metadata. So CodeSha256 (base64 of sha256, the
way Lambda reports it) tells whether the deployed code differs.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lambdactl.errors import ConfigError

# 1980-01-01 00:00:00, the earliest zip timestamp: fixed so builds are reproducible.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
DEFAULT_EXCLUDES = (
    "__pycache__", "*.pyc", "*.pyo", ".git", ".venv", "venv", ".env*", "*.pem", ".aws",
    ".lambdactlignore", ".DS_Store", ".pytest_cache", ".mypy_cache",
)
ZIP_LIMIT = 50 * 1024 * 1024          # direct upload limit of CreateFunction
UNZIPPED_LIMIT = 250 * 1024 * 1024    # function + layers, unzipped


@dataclass(frozen=True)
class Package:
    path: Path
    size: int
    sha256: str          # CodeSha256 as Lambda reports it
    files: int
    unzipped: int

    def read(self) -> bytes:
        return self.path.read_bytes()


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def load_ignores(source: Path) -> tuple[str, ...]:
    ignore = source / ".lambdactlignore"
    if not ignore.is_file():
        return DEFAULT_EXCLUDES
    extra = [
        line.strip().rstrip("/")
        for line in ignore.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return DEFAULT_EXCLUDES + tuple(extra)


def _ignored(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) for p in patterns)


def collect(source: Path, patterns: tuple[str, ...] | None = None) -> list[tuple[str, Path]]:
    """(archive name, path) of every file to package, sorted by archive name."""
    patterns = load_ignores(source) if patterns is None else patterns
    out: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(source):
        base = Path(dirpath)
        rel_dir = base.relative_to(source).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = [d for d in dirnames if not _ignored(rel_dir + d, d, patterns)]
        for name in filenames:
            rel = rel_dir + name
            path = base / name
            if _ignored(rel, name, patterns) or not path.is_file():
                continue
            out.append((rel, path))
    out.sort(key=lambda item: item[0])
    return out


def build_zip(files: list[tuple[str, Path]], dest: Path) -> Package:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    unzipped = 0
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for rel, path in files:
            info = zipfile.ZipInfo(rel, date_time=FIXED_TIME)
            mode = path.stat().st_mode
            # Normalise permissions: 0755 for executables, 0644 for the rest.
            perm = 0o755 if mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | perm) << 16
            info.create_system = 3  # unix, whatever the host
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            unzipped += len(data)
            zf.writestr(info, data, compresslevel=6)
    data = tmp.read_bytes()
    os.replace(tmp, dest)
    return Package(dest, len(data), code_sha256(data), len(files), unzipped)


def package_function(source: Path, build_dir: Path, name: str) -> Package:
    """Zip SOURCE into BUILD_DIR/<name>.zip, deterministically."""
    if not source.is_dir():
        raise ConfigError(f"source directory {source} does not exist")
    files = collect(source)
    if not files:
        raise ConfigError(f"source directory {source} has no files to package")
    pkg = build_zip(files, build_dir / f"{name}.zip")
    if pkg.unzipped > UNZIPPED_LIMIT:
        raise ConfigError(
            f"{name}: {pkg.unzipped / 2**20:.0f} MB unzipped exceeds Lambda's 250 MB limit",
            "move dependencies to a layer or exclude files with .lambdactlignore",
        )
    return pkg
