"""botocore without botocore.docs at import: ~35 modules (html.parser among them),
~25 M instructions (~7 ms of CPU) of every command that builds a client.

botocore.client and botocore.waiter import ``botocore.docs.docstring`` for three lazy
docstring classes; importing it runs ``botocore/docs/__init__.py``, which imports
every documenter. A docstring is only ever written when someone reads it (help()).
install() puts in their place the package without its __init__ run (it runs on
the first name asked of it) and the three classes, whose documenting functions are
imported when a docstring is first read: what help() shows is botocore's own.
"""

from __future__ import annotations

import importlib
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


def install() -> None:
    """Before botocore.client is imported; nothing once botocore.docs or the client is."""
    if "botocore.docs" in sys.modules or "botocore.client" in sys.modules:
        return
    spec = importlib.util.find_spec("botocore.docs")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)   # its submodules import as usual
    loader = spec.loader

    def __getattr__(name: str) -> Any:   # noqa: N807 - the module's own (PEP 562)
        if name.startswith("__") or package.__dict__.get("_ran"):
            raise AttributeError(name)
        package.__dict__["_ran"] = True
        loader.exec_module(package)   # ServiceDocumenter, generate_docs: botocore's __init__
        return getattr(package, name)

    docstring = types.ModuleType("botocore.docs.docstring", "botocore's lazy docstrings (lambdactl.botodocs)")
    for cls in (LazyDocstring, ClientMethodDocstring, WaiterDocstring, PaginatorDocstring):
        setattr(docstring, cls.__name__, cls)
    docstring.LazyLoadedDocstring = LazyDocstring   # type: ignore[attr-defined]
    package.__getattr__ = __getattr__   # type: ignore[method-assign]
    package.docstring = docstring   # type: ignore[attr-defined]
    sys.modules["botocore.docs"], sys.modules["botocore.docs.docstring"] = package, docstring
    sys.modules["botocore"].docs = package   # type: ignore[attr-defined]
