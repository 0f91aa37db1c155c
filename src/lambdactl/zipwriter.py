"""A deterministic zip writer: entries as given, fixed times, normalised modes; deflate
side by side on threads (zlib releases the GIL), one pass writing the file."""

from __future__ import annotations

import os
import stat
import struct
import threading
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lambdactl.errors import LambdactlError

# 1980-01-01 00:00:00, the earliest zip timestamp: fixed so builds are reproducible.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6                    # zlib's and Info-ZIP's default


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


Deflated = tuple[bytes, int, int]   # (deflated body, crc32, size)


class DeflateMemo:
    """Deflated entries of the last build, by file identity (path, size, mtime,
    ctime, inode): a rebuild of the same tree reads and deflates only the files
    that changed (`lambdactl dev`). Holds what the last build used, no more."""

    def __init__(self) -> None:
        self._last: dict[tuple[object, ...], Deflated] = {}
        self._this: dict[tuple[object, ...], Deflated] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def deflate(self, src: Source, level: int) -> Deflated:
        key = _identity(src, level)
        found = self._this.get(key) or self._last.get(key)
        if found is None:
            found = _deflate(src, level)
        with self._lock:
            if key in self._this or key in self._last:
                self.hits += 1
            else:
                self.misses += 1
            self._this[key] = found
        return found

    def finish(self) -> None:
        """A build is done: keep only what it used."""
        with self._lock:
            self._last, self._this = self._this, {}


def _identity(src: Source, level: int) -> tuple[object, ...]:
    if isinstance(src, Compressed):
        return (str(src.blob), src.offset, src.clen, level)
    st = src.stat()
    return (str(src), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, level)


def _data(src: Source) -> bytes:
    if isinstance(src, Compressed):
        return zlib.decompress(_read_raw(src), -15)
    return src.read_bytes()


def _encode_name(rel: str) -> tuple[bytes, int]:
    try:
        return rel.encode("ascii"), 0
    except UnicodeEncodeError:
        return rel.encode("utf-8"), 0x800


def _deflated(files: Sequence[tuple[str, Source]], level: int, workers: int | None,
              deflate: Callable[[Source, int], Deflated] = _deflate,
              ) -> Iterator[tuple[str, Source, Deflated]]:
    """(name, source, (deflated, crc, size)) in order; compressed side by side in threads.

    zlib releases the GIL; the read-ahead window keeps memory a few files deep.
    """
    workers = workers or min(8, os.cpu_count() or 1)
    window = max(4, workers * 4)
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[tuple[str, Source, Future[Deflated]]] = deque()
        items = iter(files)
        for rel, src in items:
            pending.append((rel, src, pool.submit(deflate, src, level)))
            if len(pending) >= window:
                break
        while pending:
            rel, src, fut = pending.popleft()
            nxt = next(items, None)
            if nxt is not None:
                pending.append((nxt[0], nxt[1], pool.submit(deflate, nxt[1], level)))
            yield rel, src, fut.result()


def _build_zip_parallel(files: Sequence[tuple[str, Source]], out: Path, level: int,
                        workers: int | None, memo: DeflateMemo | None = None) -> int:
    central: list[bytes] = []
    offset = unzipped = 0
    with out.open("wb") as fp:
        deflate = memo.deflate if memo is not None else _deflate
        for rel, path, (body, crc, size) in _deflated(files, level, workers, deflate):
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
