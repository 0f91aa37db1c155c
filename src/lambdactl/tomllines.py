"""Where in lambdactl.toml a key is: the line a config problem names (pure, text only).

tomllib gives values, not positions. This reads the text once more, on the error path
only, for each table header and each `key =` line (and the keys of an inline table on
it), keyed as the parser's messages name them: ``functions.hello.triggers[1].type``.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_-]+|"[^"]*")\s*=""")
_UNKNOWN = re.compile(r"^unknown key '([^']+)'")


def _dotted(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in re.split(r"\.(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)", key))


def key_lines(text: str) -> dict[str, int]:
    """{"functions.hello.runtime": 36, "functions.hello.triggers[0]": 52, ...}: 1-based,
    the first line of each."""
    lines: dict[str, int] = {}
    arrays: dict[str, int] = {}
    table, in_string = "", False
    for n, line in enumerate(text.splitlines(), 1):
        if in_string or line.count('"""') % 2 or line.count("'''") % 2:   # inside a multi-line string
            in_string = in_string != bool(line.count('"""') % 2 or line.count("'''") % 2)
            continue
        if (h := _HEADER.match(line)) and "=" not in line.split("#")[0]:
            path = _dotted(h.group(2))
            parts = path.split(".")
            for i in range(1, len(parts)):   # [tabes.history]: 'tabes' is said unknown at the root
                lines.setdefault(".".join(parts[:i]), n)
            if h.group(1) == "[[":
                arrays[path] = arrays.get(path, -1) + 1
                lines.setdefault(path, n)
                path = f"{path}[{arrays[path]}]"
            table = path
            lines.setdefault(table, n)
        elif k := _KEY.match(line):
            key = f"{table}.{_dotted(k.group(1))}".lstrip(".")
            lines.setdefault(key, n)
            for inner in _INLINE_KEY.finditer(line[k.end():]):
                lines.setdefault(f"{key}.{inner.group(1).strip(chr(34))}", n)
    return lines


def line_of(lines: dict[str, int], where: str, message: str) -> int | None:
    """The line of WHERE (or of the unknown key MESSAGE names in it), else of the nearest
    enclosing key or table that has one."""
    if where.startswith("[") and where.endswith("]"):   # "[project]", a section named as such
        where = where[1:-1]
    if m := _UNKNOWN.match(message):
        found = lines.get(f"{where}.{m.group(1)}".lstrip("."))
        if found:
            return found
    while where:
        if where in lines:
            return lines[where]
        where = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", where) if re.search(r"(\.[^.\[\]]+|\[\d+\])$", where) else ""
    return None
