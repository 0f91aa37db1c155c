"""Which code trees changed since they were unzipped, as the kernel saw it (inotify).

``codecache`` re-verifies a function's tree before each warm reuse. Walking the
tree (an lstat per entry) costs ~30 ms per 1,000 files on every invocation; an
inotify watch on every file and directory of the tree makes the common case (no
event since the stamp) one non-blocking read. Watches are on the inodes, so a
write through a hard link made elsewhere is seen too. Where inotify is missing
or out of watches, ``touched`` answers True and the caller walks the tree.
"""

from __future__ import annotations

import ctypes
import os
import struct
from pathlib import Path

IN_MODIFY, IN_ATTRIB, IN_MOVED_FROM, IN_MOVED_TO = 0x2, 0x4, 0x40, 0x80
IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_MOVE_SELF = 0x100, 0x200, 0x400, 0x800
IN_Q_OVERFLOW, IN_IGNORED, IN_DONT_FOLLOW = 0x4000, 0x8000, 0x02000000
MASK = (IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
        | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW)
EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


class TreeWatch:
    """One inotify instance for every tree of a code cache."""

    def __init__(self, fd: int, libc: ctypes.CDLL) -> None:
        self._fd, self._libc = fd, libc
        self._roots: dict[int, Path] = {}  # watch descriptor -> the tree it is in
        self._dirty: set[Path] = set()  # changed, or not fully watched
        self._watched: set[Path] = set()

    @classmethod
    def create(cls) -> TreeWatch | None:
        """None where inotify cannot be had (not Linux, no instances left)."""
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = int(libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
        except (OSError, AttributeError):
            return None
        return cls(fd, libc) if fd >= 0 else None

    def watch(self, root: Path) -> None:
        """Watch every entry of ROOT (just stamped): untouched from now on."""
        self._poll()  # events of an earlier tree at the same path are not this one's
        self._dirty.discard(root)
        self._watched.discard(root)
        for dirpath, _, filenames in os.walk(root):
            for path in [dirpath, *(os.path.join(dirpath, f) for f in filenames)]:
                wd = int(self._libc.inotify_add_watch(self._fd, os.fsencode(path), MASK))
                if wd < 0:  # out of watches (fs.inotify.max_user_watches): walk it instead
                    self._dirty.add(root)
                    return
                self._roots[wd] = root
        self._watched.add(root)

    def touched(self, root: Path) -> bool:
        """Did anything in ROOT change since ``watch`` (or can that not be known)?"""
        self._poll()
        return root in self._dirty or root not in self._watched

    def _poll(self) -> None:
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            offset = 0
            while offset < len(data):
                wd, mask, _, length = EVENT.unpack_from(data, offset)
                offset += EVENT.size + length
                if mask & IN_Q_OVERFLOW:  # events were lost: every tree is suspect
                    self._dirty.update(self._roots.values())
                elif mask & IN_IGNORED:
                    self._roots.pop(wd, None)
                elif wd in self._roots:
                    self._dirty.add(self._roots[wd])

    def close(self) -> None:
        os.close(self._fd)
