"""botocore and urllib3 imported without two packages a command never uses.

- botocore.docs (~35 modules, html.parser among them; ~16 M instructions): botocore.client
  and botocore.waiter import ``botocore.docs.docstring`` for three lazy docstring
  classes, and importing it runs ``botocore/docs/__init__.py``, which imports every
  documenter. A docstring is only written when someone reads it (help()): here the
  three classes import their documenting functions then, and help() shows botocore's own.
- urllib3.http2's __init__ (importlib.metadata, ~20 modules; ~11 M instructions) is
  for HTTP/2, which botocore does not turn on; urllib3 imports its probe submodule.

Each package stands in sys.modules with its __init__ not run until a name is asked
of it (deferred()); install() runs in a one-command process, before botocore.client.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any


class LazyDocstring(str):
    """botocore.docs.docstring.LazyLoadedDocstring, its imports deferred."""

    WRITE = ""   # module.function under botocore.docs that writes the docstring

    def __new__(cls, *args: Any, **kwargs: Any) -> LazyDocstring:
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._gen = (args, kwargs)
        self._docstring: str | None = None

    def _generate(self) -> str:
        if self._docstring is None:
            from botocore.docs.bcdoc.restdoc import DocumentStructure

            module, function = self.WRITE.split(".")
            structure = DocumentStructure("docstring", target="html")
            getattr(importlib.import_module(f"botocore.docs.{module}"), function)(
                structure, *self._gen[0], **self._gen[1])
            self._docstring = structure.flush_structure().decode("utf-8")
        return self._docstring

    def expandtabs(self, tabsize: Any = 8) -> str:   # what help() calls (inspect.cleandoc)
        return self._generate().expandtabs(tabsize)

    __str__ = __repr__ = _generate


class ClientMethodDocstring(LazyDocstring):
    WRITE = "method.document_model_driven_method"


class WaiterDocstring(LazyDocstring):
    WRITE = "waiter.document_wait_method"


class PaginatorDocstring(LazyDocstring):
    WRITE = "paginator.document_paginate_method"


def deferred(name: str) -> types.ModuleType | None:
    """Package NAME as sys.modules' entry, its __init__ not run until a name is asked of
    it (PEP 562); its submodules import as usual. Its parent is imported here; None
    (and nothing changed) if NAME is imported already or is no package."""
    if name in sys.modules:
        return None
    parent, _, child = name.rpartition(".")
    where = importlib.util.find_spec(parent)   # the parent package's spec: not imported yet
    spec = importlib.machinery.PathFinder.find_spec(name, where.submodule_search_locations) if where else None
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return None
    package, loader = importlib.util.module_from_spec(spec), spec.loader

    def __getattr__(attr: str) -> Any:   # noqa: N807 - the module's own (PEP 562)
        if attr.startswith("__") or package.__dict__.get("_ran") or \
                importlib.machinery.PathFinder.find_spec(f"{name}.{attr}", package.__path__):
            raise AttributeError(attr)   # a submodule (`from .http2 import probe`) imports as usual
        package.__dict__["_ran"] = True
        loader.exec_module(package)   # the package's own names, defined by its __init__
        return getattr(package, attr)

    package.__getattr__ = __getattr__   # type: ignore[method-assign]
    sys.modules[name] = package
    setattr(importlib.import_module(parent), child, package)
    return package


def install() -> None:
    """Before botocore.client is imported; nothing once it (or what it would defer) is.

    urllib3.http2's __init__ imports importlib.metadata (~20 modules, ~22 M
    instructions) for HTTP/2 support botocore does not turn on; its probe submodule,
    which urllib3 uses, imports as usual."""
    if "botocore.client" in sys.modules:
        return
    deferred("urllib3.http2")
    docs = deferred("botocore.docs")
    if docs is None:
        return
    docstring = types.ModuleType("botocore.docs.docstring", "botocore's lazy docstrings (lambdactl.leanimports)")
    for cls in (LazyDocstring, ClientMethodDocstring, WaiterDocstring, PaginatorDocstring):
        setattr(docstring, cls.__name__, cls)
    docstring.LazyLoadedDocstring = LazyDocstring   # type: ignore[attr-defined]
    docs.docstring = docstring   # type: ignore[attr-defined]
    sys.modules["botocore.docs.docstring"] = docstring
