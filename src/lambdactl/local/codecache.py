"""Functions' code and layers, unzipped once, read-only, and verified before each use.

Lambda mounts /var/task and /opt read-only. Here they are directories under the
sandbox's work dir, owned by the user who runs it, so a handler could chmod
them back and rewrite another function's code. So each tree is made read-only
(files 0444/0555, directories 0555) and fingerprinted right after it is
unzipped: the inode, size, mode and ctime of every entry. ctime changes with
every write, chmod or rename and cannot be set back, so a tree whose
fingerprint differs was touched: it is unzipped again from the function's zip
(moto's copy, which handlers cannot reach) and the environments built on the
old one are retired.

    cache = CodeCache(work_dir / "code")
    root, stamp = cache.tree([zip_bytes])     # unzipped, verified or restored
    cache.intact(root, stamp)                 # before reusing an environment
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tempfile
import threading
import zipfile
from pathlib import Path

from lambdactl.local.treewatch import TreeWatch

Fingerprint = str


def fingerprint(root: Path) -> Fingerprint:
    """A digest of every entry's path, inode, size, mode and ctime (no file is read)."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in [".", *sorted(filenames), *dirnames]:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            digest.update(
                f"{path}\0{st.st_ino}\0{st.st_size}\0{st.st_mode}\0{st.st_ctime_ns}\n".encode()
            )
    return digest.hexdigest()


def make_read_only(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                mode = os.lstat(path).st_mode
                os.chmod(path, 0o555 if mode & stat.S_IXUSR else 0o444)
        for name in dirnames:
            if not os.path.islink(os.path.join(dirpath, name)):
                os.chmod(os.path.join(dirpath, name), 0o555)
    os.chmod(root, 0o555)


def remove_tree(root: Path) -> None:
    """rmtree that also removes read-only trees (their directories are made writable first)."""
    if not root.exists():
        return
    for dirpath, dirnames, _ in os.walk(root):
        for name in [dirpath, *(os.path.join(dirpath, d) for d in dirnames)]:
            if not os.path.islink(name):
                try:
                    os.chmod(name, 0o700)
                except OSError:
                    pass
    shutil.rmtree(root, ignore_errors=True)


def extract(package: zipfile.ZipFile, dest: Path) -> None:
    """Unzip PACKAGE into DEST keeping the executable bits its Unix modes carry
    (extractall drops them; a custom runtime's bootstrap needs its own)."""
    for info in package.infolist():
        path = package.extract(info, dest)
        if info.create_system == 3 and (info.external_attr >> 16) & stat.S_IXUSR:
            os.chmod(path, os.stat(path).st_mode | 0o111)


class CodeCache:
    """Unzipped trees by content hash, each with the fingerprint it was made with."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._stamps: dict[Path, Fingerprint] = {}
        self._watch = TreeWatch.create()  # None: every check walks the tree

    def tree(self, zips: list[bytes], prefix: str = "") -> tuple[Path, Fingerprint]:
        """ZIPS unzipped into one directory (later over earlier, as Lambda layers /opt)."""
        # Short paths: they show up in every stack trace (Lambda's is /var/task).
        digest = hashlib.sha256(b"".join(hashlib.sha256(z).digest() for z in zips)).hexdigest()
        root = self.root / f"{prefix}{digest[:16]}"
        with self._lock:
            stamp = self._stamps.get(root)
            if stamp is not None and root.is_dir() and self._unchanged(root, stamp):
                return root, stamp
            remove_tree(root)  # missing, or touched since it was unzipped
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".unzip-"))
            for data in zips:
                with zipfile.ZipFile(io.BytesIO(data)) as package:
                    extract(package, tmp)
            os.replace(tmp, root)
            make_read_only(root)
            self._stamps[root] = stamp = fingerprint(root)
            if self._watch is not None:
                self._watch.watch(root)
            return root, stamp

    def intact(self, root: Path, stamp: Fingerprint) -> bool:
        """Is ROOT still the tree that was stamped STAMP (and the cache's current one)?"""
        with self._lock:
            return self._stamps.get(root) == stamp and self._unchanged(root, stamp)

    def _unchanged(self, root: Path, stamp: Fingerprint) -> bool:
        if self._watch is not None and not self._watch.touched(root):
            return True  # the kernel saw no change to any entry (treewatch.py)
        return fingerprint(root) == stamp

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        remove_tree(self.root)
