"""[layers.NAME] in lambdactl.toml: a layer built from a requirements file, its
runtimes and architecture defaulting to those of the functions naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambdactl.checks import _missing, _path, _Problems, _table, _typed
from lambdactl.spec import (
    ARCHITECTURES,
    LAYER_DESCRIPTION_MAX,
    LAYER_KEY,
    LAYER_KEYS,
    MAX_COMPATIBLE_RUNTIMES,
    PYTHON_RUNTIMES,
    Function,
    Layer,
)


def parse_layer(p: _Problems, root: Path, project: str, key: str, tbl: Any,
                 functions: list[Function]) -> Layer | None:
    """[layers.KEY]: a layer built from a requirements file; defaults from the functions naming it."""
    from lambdactl.layers import marker_length
    from lambdactl.package import has_requirements

    where = f"layers.{key}"
    n_before = len(p.items)
    if not _table(p, where, tbl, LAYER_KEYS, "a table with requirements = \"path/requirements.txt\""):
        return None
    lname = f"{project}-{key}"
    if not LAYER_KEY.fullmatch(key):
        p.add(where, "layer names use letters, digits, '-' and '_' (Lambda's rule)")
    elif len(lname) > 64:
        p.add(where, f"layer name {lname!r} is {len(lname)} chars; lambdactl allows 64: shorten the project or layer name")
    users = [fn for fn in functions if key in fn.layers]

    req = tbl.get("requirements")
    req_path = _path(p, f"{where}.requirements", req, root,
                     "requirements = \"layers/<name>/requirements.txt\" (relative to this file)")
    if req_path is not None and not req_path.is_file():
        p.add(f"{where}.requirements", f"{_missing(root, req, 'file')} (paths are relative to {p.path.name})")
    elif req_path is not None and not has_requirements(req_path.read_text(encoding="utf-8", errors="replace")):
        p.add(f"{where}.requirements", f"{req!r} lists no packages; add some or remove [layers.{key}]")
    elif req_path is not None and not p.lenient:
        from lambdactl.requirements_check import problems
        for problem in problems(req_path, str(req), "a function's directory"):
            p.add(f"{where}.requirements", problem)

    runtimes = _layer_runtimes(p, where, tbl.get("runtimes"), users)

    arch = tbl.get("architecture")
    archs = sorted({fn.architecture for fn in users})
    if arch is None:
        if len(archs) > 1:
            names = ", ".join(f"functions.{fn.key} ({fn.architecture})" for fn in users)
            p.add(f"{where}.architecture", f"the functions using it disagree: {names}; "
                  "set architecture in both the layer and the functions, or use two layers")
        arch = archs[0] if archs else "x86_64"
    elif arch not in ARCHITECTURES:
        p.add(f"{where}.architecture", f"{arch!r} must be \"x86_64\" or \"arm64\"")
    else:
        for fn in users:
            if fn.architecture != arch:
                p.add(f"{where}.architecture", f"is {arch} but functions.{fn.key} is {fn.architecture}: "
                      "native wheels differ; make them agree or use two layers")

    description = tbl.get("description", "")
    room = LAYER_DESCRIPTION_MAX - marker_length(project)
    if _typed(p, f"{where}.description", description, str, "a string") and len(description) > room:
        p.add(f"{where}.description", f"is {len(description)} chars; {room} fit next to lambdactl's marker in Lambda's 256")
    if len(p.items) > n_before and not p.lenient:
        return None
    return Layer(key=key, name=lname, requirements=req_path or root, runtimes=tuple(runtimes),
                 architecture=arch, description=description)


def _layer_runtimes(p: _Problems, where: str, declared: Any, users: list[Function]) -> list[str]:
    """The layer's compatible runtimes: as declared (covering its functions'), else theirs."""
    runtimes: list[str] = sorted({fn.runtime for fn in users})
    if declared is not None and _typed(p, f"{where}.runtimes", declared, list, "a list of runtimes like [\"python3.12\"]"):
        bad = [r for r in declared if r not in PYTHON_RUNTIMES]
        for r in bad:
            p.add(f"{where}.runtimes", f"{r!r} is not a supported Lambda Python runtime; use one of {', '.join(PYTHON_RUNTIMES)}")
        if not declared:
            p.add(f"{where}.runtimes", "is empty; list the runtimes of the functions using it, or leave it out")
        runtimes = sorted(set(declared))
        for fn in users:
            if not bad and fn.runtime not in runtimes:
                p.add(f"{where}.runtimes", f"lacks {fn.runtime}, the runtime of functions.{fn.key}; add it")
    if len(runtimes) > MAX_COMPATIBLE_RUNTIMES:
        p.add(f"{where}.runtimes", f"Lambda allows at most {MAX_COMPATIBLE_RUNTIMES} compatible runtimes")
    return runtimes
