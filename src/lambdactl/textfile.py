"""Reading the project's own text files: UTF-8, or one clear line saying why not.

lambdactl.toml, policy files and .lambdactlignore are UTF-8 (TOML and IAM
require it); a payload file may also be UTF-16 or UTF-32 marked by its byte
order mark, as editors on Windows write them. Handler modules are not read
here: Python's own rules (PEP 263 coding lines) apply to them (handler_check.py).
"""

from __future__ import annotations

import codecs
import errno
from pathlib import Path
from typing import TypeGuard

from lambdactl.errors import ConfigError, LambdactlError

# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(data: bytes) -> str | None:
    """The UTF-16/32 encoding DATA's byte order mark names, if it has one."""
    return next((enc for bom, enc in _BOMS if data.startswith(bom)), None)


def decode(data: bytes, name: str, *, utf16: bool = False) -> str:
    """DATA as UTF-8 (a UTF-8 BOM is dropped); with UTF16, a UTF-16/32 BOM is honoured.

    Anything else is a ConfigError naming NAME, the encoding found and the fix.
    """
    marked = bom_encoding(data)
    try:
        if marked and utf16:
            return data.decode(marked)
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if marked and not utf16:
            found = f"is {marked.upper()} text (it starts with a {marked.upper()} byte order mark)"
        else:
            line = data.count(b"\n", 0, exc.start) + 1
            found = (f"is not {(marked or 'utf-8').upper()} text: byte 0x{data[exc.start]:02x} "
                     f"on line {line} cannot be decoded")
        raise ConfigError(f"{name} {found}", f"save it as UTF-8 (e.g. iconv -f {marked or 'latin1'} -t utf-8 FILE)") from exc


def read_text(path: Path, name: str | None = None, *, utf16: bool = False) -> str:
    """The text of PATH (see decode); NAME is how messages call it [default: its file name]."""
    return decode(path.read_bytes(), name or path.name, utf16=utf16)


def printable(name: str) -> str:
    """A file name as one can print it: undecodable bytes (os.fsdecode's surrogates) as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# errno -> what to do about it, for the project's own files (.lambdactl/, sources, payloads).
_OS_HINTS = {
    errno.EACCES: "check its permissions (ls -ld) or run from a directory you can write",
    errno.EPERM: "check its permissions (ls -ld) or run from a directory you can write",
    errno.EROFS: "the file system is read-only; run from a writable copy of the project",
    errno.ENOSPC: "free some disk space and run it again",
    errno.EDQUOT: "free some disk space and run it again",
    errno.EEXIST: "a file is where lambdactl needs a directory: move it aside",
    errno.ENOTDIR: "a file is where lambdactl needs a directory: move it aside",
    errno.EISDIR: "a directory is where lambdactl needs a file: move it aside",
    errno.ENOENT: "check the path",
    errno.ELOOP: "a symlink loops: fix or remove it",
    errno.ENAMETOOLONG: "shorten the path",
}


def is_file_error(exc: BaseException) -> TypeGuard[OSError]:
    """An OSError to say in one line: on a named file, or a full disk (the flush of a
    file's last write, on close, names none)."""
    return isinstance(exc, OSError) and (exc.filename is not None or exc.errno in (errno.ENOSPC, errno.EDQUOT))


def file_error(exc: OSError) -> LambdactlError:
    """Any OSError on a named file: one line naming the path (relative when it can) and the fix."""
    import os

    if exc.filename is None:   # a full disk, found on close: where it writes is all one can say
        return LambdactlError(f"{(exc.strerror or 'no space left on device').lower()} while writing",
                              "free some disk space (the project's .lambdactl/, LAMBDACTL_HOME) and run it again")
    path = os.fsdecode(exc.filename)
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    path = rel if not rel.startswith("..") else path
    reason = (exc.strerror or type(exc).__name__).lower()
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        # mkdir / open under a path whose component is a file: name that file.
        path, reason = _file_in_the_way(path) or (path, reason)
    hint = "remove the link, or make what it points to" if reason.startswith("a symlink") else None
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and _in_home(os.fsdecode(exc.filename)):
        from lambdactl.paths import HINT

        hint = HINT   # HOME=/nonexistent (a service account's): not the project's directory
    return LambdactlError(f"{printable(path)}: {reason}", hint or _OS_HINTS.get(exc.errno or 0))


def _in_home(path: str) -> bool:
    """Is PATH lambdactl's home, in it, or a directory that it was to be made in?"""
    import os

    from lambdactl.paths import known_home

    home = known_home()
    if home is None:
        return False
    home, path = os.path.abspath(home), os.path.abspath(path)
    return os.path.commonpath([home, path]) in (home, path) and path != "/"


def _file_in_the_way(path: str) -> tuple[str, str] | None:
    import os
    from pathlib import Path

    for part in [Path(path), *Path(path).parents]:
        if part.is_symlink() and not part.exists():
            return str(part), f"a symlink to {printable(os.readlink(part))}, which does not exist"
        if part.is_file():
            return str(part), "not a directory"
    return None


def argument_error(exc: UnicodeEncodeError) -> ConfigError | None:
    """Text holding bytes that are not UTF-8, met where AWS needs UTF-8: an argument typed
    in a Latin-1 or Shift-JIS terminal, or such a file name (Python keeps those bytes as
    surrogates). One line showing the text; None for any other encoding failure."""
    bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else ""
    if not bad or not all("\udc80" <= ch <= "\udcff" for ch in bad):
        return None
    text = printable(exc.object)
    text = text if len(text) <= 80 else text[:77] + "..."
    return ConfigError(
        f"'{text}' is not UTF-8 text (byte 0x{ord(bad[0]) - 0xdc00:02x}); AWS takes names, keys and payloads as UTF-8",
        "type it in a UTF-8 terminal, or give a file with such a name a UTF-8 name (`upload` takes --key)",
    )
