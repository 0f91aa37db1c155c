"""Does the handler "<module>.<function>" exist? Checked statically, as Python reads it.

The module is found as Lambda's runtime imports it (<module>.py or a package's
__init__.py under the function's directory), decoded as importlib decodes it
(PEP 263 coding lines honoured) and parsed, never imported. Any module-level
binding of the name counts: defs, classes, assignments (annotated too), imports,
loop / with / except targets and walrus targets, inside if / try / with / loops
as well. When the module can bind names no parser sees (``from x import *``, a
module ``__getattr__``, ``globals()``) the check accepts what it cannot refute,
and says so (a warning, not an error).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

# Nodes whose body is a scope of its own: their names are not the module's.
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# Values that may well be callables (a factory's result, an alias, a lambda);
# literals are not.
_CALLABLE_VALUES = (ast.Call, ast.Name, ast.Attribute, ast.Lambda, ast.Subscript, ast.IfExp)
PARSE_LIMIT = 1 << 20   # bytes: a bigger module is skimmed, not parsed (_skim)


@dataclass(frozen=True)
class Verdict:
    problem: str | None = None   # refused: why, in one line
    doubt: str | None = None     # accepted without being able to tell: why


def check(source: Path, handler: str, shown: str | None = None) -> str | None:
    """A one-line problem with HANDLER in SOURCE, or None."""
    return verdict(source, handler, shown).problem


def verdict(source: Path, handler: str, shown: str | None = None) -> Verdict:
    """What the check finds for HANDLER in SOURCE. SHOWN is how messages name SOURCE
    (a path relative to the project) [default: its directory name]."""
    module, func = handler.rsplit(".", 1)
    rel = Path(*module.replace("/", ".").split("."))   # "sub/app": Lambda's runtime imports sub.app
    where = shown or source.name
    candidates = [source / rel.with_suffix(".py"), source / rel / "__init__.py"]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None and rel.name == "py" and (source / rel.parent).with_suffix(".py").is_file():   # "app.py.handler"
        return Verdict(f"{handler!r} names the module with its file's '.py'; set handler = "
                       f"\"{module.removesuffix('.py')}.{func}\"")
    inside = rel.as_posix().removeprefix(f"{where}/")
    if path is None and inside != rel.as_posix() and inside:   # "functions/api/app.handler"
        return Verdict(f"{handler!r} names the module from the project's directory, but Lambda imports it "
                       f"from the package root ({where}/): set handler = \"{inside.replace('/', '.')}.{func}\"")
    if path is None:
        return Verdict(f"module {module!r} not found: expected {where}/{rel.with_suffix('.py').as_posix()} "
                       f"or {where}/{rel.as_posix()}/__init__.py")
    name = f"{where}/{path.relative_to(source).as_posix()}"
    if path.stat().st_size > PARSE_LIMIT:
        return _skim(path, name, func)
    tree = _parse(path, name)
    if isinstance(tree, str):
        return Verdict(tree)
    bindings = Bindings()
    bindings.visit(tree)
    if func in bindings.names:
        return Verdict()
    if func == "py":   # "app.py": the file, not a function in it
        defined = sorted(n for n, callable_ in bindings.names.items() if callable_ and not n.startswith("_"))
        guess = "lambda_handler" if "lambda_handler" in defined or not defined else defined[0]
        return Verdict(f"{handler!r} names the file; the handler is <module>.<function>: \"{module}.{guess}\"")
    if func in bindings.via_global:
        return Verdict(doubt=f"{name} binds {func!r} only inside {bindings.via_global[func]}() (`global`); "
                             "accepted: `lambdactl invoke` will tell")
    if bindings.dynamic:
        return Verdict(doubt=f"{name}: cannot tell whether it defines {func!r} (it uses {bindings.dynamic}); "
                             "accepted: `lambdactl invoke` will tell")
    from lambdactl.suggest import known as _known

    known = sorted(n for n, callable_ in bindings.names.items() if callable_ and not n.startswith("_"))
    return Verdict(f"{name} defines no function {func!r}; {_known(func, known)}")


def _skim(path: Path, name: str, func: str) -> Verdict:
    """A module too big to parse (ast's tree takes ~400x the file: 19 GB and 3 minutes
    for 48 MB): a def, class, assignment or import of FUNC at the start of a line
    accepts it, anything else is a doubt."""
    data = path.read_bytes()
    word = re.escape(func.encode())
    bound = re.compile(rb"^(?:(?:async\s+)?def\s+|class\s+)" + word + rb"\b|^" + word + rb"\s*[:=]|"
                       rb"^(?:from\s+\S+\s+)?import\s.*\b" + word + rb"\b", re.MULTILINE)
    if bound.search(data):
        return Verdict()
    return Verdict(doubt=f"{name} is {len(data) / 2**20:.0f} MB, too big to parse for the handler check; "
                         f"no line starts to define {func!r}; accepted: `lambdactl invoke` will tell")


def syntax_problem(path: Path, name: str) -> str | None:
    """A one-line problem if the Python file at PATH (shown as NAME) does not parse
    (None also when it is too big to parse here: Python will tell)."""
    if path.stat().st_size > PARSE_LIMIT:
        return None
    tree = _parse(path, name)
    return tree if isinstance(tree, str) else None


def _parse(path: Path, name: str) -> ast.Module | str:
    """The module's syntax tree, or a one-line problem naming NAME."""
    try:
        # Decoded as importlib does (PEP 263 coding lines honoured), so as Lambda will.
        return ast.parse(importlib.util.decode_source(path.read_bytes()), filename=str(path))
    except SyntaxError as exc:
        if exc.lineno is None:  # decode_source: no valid coding line for non-UTF-8 bytes
            return f"{name}: {exc.msg}; save it as UTF-8 or declare its encoding (PEP 263)"
        return f"{name} line {exc.lineno}: syntax error: {exc.msg}"
    except UnicodeDecodeError as exc:
        return f"{name} does not match its declared encoding {exc.encoding}: {exc.reason}; save it as UTF-8"
    except ValueError as exc:  # source code string cannot contain null bytes
        return f"{name}: {exc}"


class Bindings(ast.NodeVisitor):
    """Names bound at module level -> whether each may be a callable."""

    def __init__(self) -> None:
        self.names: dict[str, bool] = {}
        self.dynamic: str | None = None   # why names may exist that no parser sees
        self.via_global: dict[str, str] = {}   # name -> the function that binds it (`global`)

    def bind(self, target: ast.AST | None, callable_: bool) -> None:
        for node in ast.walk(target) if target is not None else ():
            if isinstance(node, ast.Name):
                self.bind_name(node.id, callable_)

    def bind_name(self, name: str | None, callable_: bool) -> None:
        if name:
            self.names[name] = self.names.get(name, False) or callable_

    def _scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.bind_name(node.name, True)
        if node.name == "__getattr__":   # PEP 562: getattr(module, x) may answer
            self.dynamic = "a module __getattr__"
        for expr in [*node.decorator_list, *getattr(node, "bases", [])]:
            self.visit(expr)   # evaluated at module level (a walrus there binds here)
        for inner in ast.walk(node):   # `global NAME` in a function: bound if it is called
            for bound in inner.names if isinstance(inner, ast.Global) else ():
                self.via_global.setdefault(bound, node.name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass   # its own scope

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.bind(target, isinstance(node.value, _CALLABLE_VALUES))
            self.visit(target)   # globals()["x"] = ... binds what no parser sees
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:   # `x: int` alone binds nothing
            self.bind(node.target, isinstance(node.value, _CALLABLE_VALUES))
            self.visit(node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.bind(node.target, isinstance(node.value, _CALLABLE_VALUES))
        self.visit(node.value)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:   # modules: bound, but not functions
            self.bind_name(alias.asname or alias.name.split(".")[0], False)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.dynamic = f"from {node.module or '.'} import *"
            self.bind_name(alias.asname or alias.name, alias.name != "*")

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("globals", "setattr", "exec"):
            self.dynamic = f"{node.func.id}()"
        self.generic_visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.bind(node.target, False)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        self.bind(node.optional_vars, False)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self.bind_name(node.name, False)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        self.bind_name(node.name, False)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        self.bind_name(node.name, False)
