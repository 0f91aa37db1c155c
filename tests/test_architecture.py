"""The shape of the code (style guide; issue 11's resource core): no import circle,
every kind one module with the same interface, small modules and functions."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PKG = SRC / "lambdactl"
MAX_LINES, MAX_FUNCTION = 350, 60


def modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        name = ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        out[name] = p
    return out


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """lambdactl modules PATH imports, at any depth (deferred imports too), but not
    those only for type checking."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in out if m in known}


def test_no_import_circle() -> None:
    known = modules()
    graph = {name: imports(path, known) - {name, "lambdactl"} for name, path in known.items()}
    state: dict[str, int] = {}   # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_every_kind_is_one_module_with_the_kind_interface() -> None:
    from lambdactl import kinds

    names = {m.name for m in pkgutil.iter_modules(kinds.__path__)}
    registered = {k.__name__.rsplit(".", 1)[-1] for k in kinds.KINDS.values()}  # type: ignore[attr-defined]
    assert names == registered, "every module in lambdactl/kinds is registered in KINDS"
    for name in sorted(names):
        mod = importlib.import_module(f"lambdactl.kinds.{name}")
        assert isinstance(mod.NAME, str) and isinstance(mod.NEEDS, tuple)
        assert all(n in kinds.KINDS for n in mod.NEEDS), name
        for fn in ("plan", "apply", "delete"):
            assert callable(getattr(mod, fn)), f"kinds/{name}.py has no {fn}()"


def test_the_core_never_imports_click_or_the_commands() -> None:
    known = modules()
    for name, path in known.items():
        if name.startswith(("lambdactl.core", "lambdactl.kinds")) or name == "lambdactl.teardown":
            text = path.read_text(encoding="utf-8")
            assert "import click" not in text and "lambdactl.commands" not in imports(path, known), name


def test_modules_and_functions_are_small() -> None:
    over = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_LINES:
            over.append(f"{rel}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION:
                    over.append(f"{rel}: {node.name}() is {length} lines")
    assert not over, over
