"""The lines of a requirements.txt that cannot reach Lambda as written (pure, text only).

pip takes them all on this machine, but what it installs is not what Lambda gets:
- ``-e PATH`` (editable) installs a finder that points at PATH on this machine (a
  ``.pth`` file that Lambda never reads, and a directory it does not have): the
  package builds, deploys, and its import fails on Lambda;
- a local directory (``.``, ``./lib``) is read relative to the directory lambdactl
  runs in, not the file's, and the dependency cache (keyed by the file's text) does
  not see its code change, so an edit there is never deployed.
URLs (a wheel's, ``name @ https://...``) are taken: pip and Lambda are fine with them.
"""

from __future__ import annotations

import re
from pathlib import Path

_COMMENT = re.compile(r"(^|\s)#.*$")   # pip's rule: '#' at the start or after a space
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s+|=)?(.*)$")
_LOCAL_DIR = re.compile(r"^(?:\.{1,2}(?:/.*)?|/.*|~.*|file:.*)$")


def problems(path: Path, shown: str, fix_dir: str) -> list[str]:
    """One line per requirement of the file PATH (named SHOWN) that cannot reach Lambda;
    FIX_DIR is where the code can go instead (the function's directory, or a layer).
    A file that cannot be read is pip's to report, as before."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return []
    out: list[str] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", raw).strip()
        if editable := _EDITABLE.match(line):
            target = editable.group(1).strip() or "."
            out.append(f"{shown} line {n}: {line!r} is an editable install, a link to {target} on this machine "
                       f"that Lambda never gets (the import fails there); list the package by name and version, "
                       f"or put its code in {fix_dir}")
        elif _LOCAL_DIR.match(line) and Path(line.removeprefix("file:")).suffix != ".whl":   # a wheel: a file
            out.append(f"{shown} line {n}: {line!r} is a directory on this machine, which pip reads relative to "
                       f"where lambdactl runs and whose changes the dependency cache never sees; put its code in "
                       f"{fix_dir}, or publish it and list it by name and version")
    return out
