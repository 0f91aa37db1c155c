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

A new version of a package mostly holds the files of an earlier one (`dev`'s
saves change one file next to megabytes of dependencies): a file whose name,
CRC-32 and size are those of a file of an intact tree is copied from it rather
than inflated again (about 1 ms instead of 28 ms of CPU for 3 MB in 64 files).
Copies, not hard links: a link would change the other tree's ctimes and share
its inodes. The source tree is checked untouched after the copy too (a write
during it would be seen by its watch), else the package is unzipped in full.
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


Index = dict[str, tuple[int, int]]  # a tree's regular files: name -> (CRC-32, size)


def extract(package: zipfile.ZipFile, dest: Path, source: tuple[Path, Index] | None = None) -> None:
    """Unzip PACKAGE into DEST keeping the executable bits its Unix modes carry
    (extractall drops them; a custom runtime's bootstrap needs its own). A file that
    SOURCE's tree holds the same (its index says) is copied from there instead."""
    made: set[str] = set()
    for info in package.infolist():
        name = info.filename
        if source is not None and source[1].get(name) == (info.CRC, info.file_size) and _plain(name):
            path = os.path.join(dest, name)
            if (parent := os.path.dirname(path)) not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            _copy(os.path.join(source[0], name), path, info.file_size)
        else:
            path = package.extract(info, dest)
        if info.create_system == 3 and (info.external_attr >> 16) & stat.S_IXUSR:
            os.chmod(path, os.stat(path).st_mode | 0o111)


def _copy(src: str, dst: str, size: int) -> None:
    """SRC's SIZE bytes into the new file DST (shutil.copyfile, without its checks)."""
    fin = os.open(src, os.O_RDONLY)
    try:
        fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            copied = 0
            while copied < size and (sent := os.sendfile(fout, fin, None, size - copied)):
                copied += sent
        finally:
            os.close(fout)
    finally:
        os.close(fin)


def _plain(name: str) -> bool:
    """A member name that extract() would write unchanged below the destination."""
    parts = name.split("/")
    return not name.startswith("/") and "\\" not in name and ":" not in name and all(
        part not in ("", ".", "..") for part in parts)


def index(package: zipfile.ZipFile) -> Index:
    return {i.filename: (i.CRC, i.file_size) for i in package.infolist() if not i.is_dir()}


class CodeCache:
    """Unzipped trees by content hash, each with the fingerprint it was made with."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._stamps: dict[Path, Fingerprint] = {}
        self._indexes: dict[Path, Index] = {}  # trees of one zip: what they hold, to copy
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
            self._indexes.pop(root, None)
            packages = [zipfile.ZipFile(io.BytesIO(data)) for data in zips]
            source = self._source(index(packages[0])) if len(packages) == 1 else None
            tmp = self._unzip(packages, source)
            if source is not None and not self._unchanged(source[0], self._stamps[source[0]]):
                remove_tree(tmp)  # the source was written to meanwhile: inflate it all
                tmp = self._unzip(packages, None)
            os.replace(tmp, root)
            make_read_only(root)
            self._stamps[root] = stamp = fingerprint(root)
            if len(packages) == 1:
                self._indexes[root] = index(packages[0])
            if self._watch is not None:
                self._watch.watch(root)
            return root, stamp

    def _unzip(self, packages: list[zipfile.ZipFile], source: tuple[Path, Index] | None) -> Path:
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".unzip-"))
        for package in packages:
            extract(package, tmp, source)
        return tmp

    def _source(self, wanted: Index) -> tuple[Path, Index] | None:
        """The intact tree holding most of WANTED's files, to copy them from (with inotify
        only: without it, a write during the copy could go unseen)."""
        if self._watch is None:
            return None
        shared = {root: sum(1 for k, v in held.items() if wanted.get(k) == v)
                  for root, held in self._indexes.items()}
        for root in sorted(shared, key=shared.__getitem__, reverse=True)[:1]:
            if shared[root] and self._unchanged(root, self._stamps[root]):
                return root, self._indexes[root]
        return None

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
