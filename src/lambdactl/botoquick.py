"""botocore's client construction without work it repeats for every client.

A one-command process (aws.py, lambdactl.ONE_SHOT) builds 4-5 clients; each one
copied the session's event handlers through copy.copy's generic dispatch, worked out
again which of ~180 event names botocore aliases (a split per alias, per name),
walked the whole environment twice for proxy variables, asked inspect whether each
handler takes **kwargs, and made an OperationModel for each of its operations
(~500 in a cold `up`) only to read its documentation into a docstring nobody reads
(and, for AWS's own endpoints, to ask each whether it is the endpoint-discovery one).
Same clients, same answers, ~40% less CPU to build them:

- the handler trie is copied by a function that knows its shape (nodes are dicts;
  values are NodeLists of three lists), not through copy.copy;
- aliased event names are one dict for every emitter with botocore's own aliases
  (EVENT_ALIASES: the answer depends on the name alone), kept in the cache directory
  between processes as the operations' names are (modelcache.py);
- a URL's environment proxies are worked out once per process (lambdactl never sets
  proxy variables while it runs);
- whether a handler takes **kwargs is read off a plain function's code (what inspect
  reads: ~120 handlers a Session registers), else asked of inspect once per callable;
- a client method's docstring makes its OperationModel when it is read (help()), and
  the search for an endpoint-discovery operation reads the model's dicts, as does the
  list of a service's error shapes (made on a client's first error answer).
"""

from __future__ import annotations

import atexit
import inspect
import types
from pathlib import Path
from typing import Any

from lambdactl.leanimports import LazyDocstring

_ALIASES: dict[str, str] = {}    # event name -> botocore's alias of it (EVENT_ALIASES)
_PROXIES: dict[str, dict[str, str]] = {}
_KWARGS: dict[Any, bool] = {}
KEEP_NAMES = 20_000


class DeferredMethodDocstring(LazyDocstring):
    """A client method's docstring, its OperationModel made when it is read."""

    WRITE = "method.document_model_driven_method"

    def _generate(self) -> str:
        if self._docstring is None and self._gen[0]:
            service_model, operation_name, py_name, emitter = self._gen[0]
            operation_model = service_model.operation_model(operation_name)
            self._gen = ((), {"operation_model": operation_model, "method_name": operation_name,
                              "event_emitter": emitter, "method_description": operation_model.documentation,
                              "example_prefix": f"response = client.{py_name}", "include_signature": False})
        return super()._generate()

    __str__ = __repr__ = _generate


def install(names_file: Path | None = None) -> None:
    """Once botocore.session is imported, before a Session is made. NAMES_FILE: where
    the aliased event names are kept (None: not kept)."""
    from botocore import client, endpoint, hooks, model, utils

    if getattr(hooks._PrefixTrie.__copy__, "_lambdactl", False):
        return
    _patch_hooks(hooks)
    original_proxies = endpoint.get_environ_proxies

    def get_environ_proxies(url: str) -> dict[str, str]:
        if url not in _PROXIES:
            _PROXIES[url] = original_proxies(url)
        return dict(_PROXIES[url])

    endpoint.get_environ_proxies = get_environ_proxies
    client.ClientCreator._create_api_method = _create_api_method

    def endpoint_discovery_operation(self: Any) -> Any:
        # botocore's asks an OperationModel of each operation in turn (every client
        # made for AWS's own endpoints does): the same answer, from the model's dicts
        operations = self._service_description["operations"]
        for name in self.operation_names:
            if operations[name].get("endpointoperation", False):
                return self.operation_model(name)
        return None

    model.ServiceModel.endpoint_discovery_operation = utils.CachedProperty(endpoint_discovery_operation)

    def error_shapes(self: Any) -> list[Any]:
        # botocore's makes a Shape of every shape in the model (~700 for IAM) to keep
        # those marked as exceptions, on a client's first error answer: the same
        # list, the Shapes made of the marked ones only (metadata is the shape's dict)
        shapes = self._service_description.get("shapes", {})
        return [self.shape_for(name) for name in self.shape_names if shapes[name].get("exception", False)]

    model.ServiceModel.error_shapes = utils.CachedProperty(error_shapes)
    if names_file is not None:
        _load_names(names_file)


def _patch_hooks(hooks: Any) -> None:
    node_list = hooks.NodeList

    def copy_node(node: dict[str, Any]) -> dict[str, Any]:
        copied = {}
        for key, value in node.items():
            if isinstance(value, node_list):
                copied[key] = node_list(value.first.copy(), value.middle.copy(), value.last.copy())
            elif isinstance(value, dict):
                copied[key] = copy_node(value)
            else:
                copied[key] = value
        return copied

    def trie_copy(self: Any) -> Any:
        new = self.__class__()
        new.__dict__ = copy_node(self.__dict__)
        return new

    trie_copy._lambdactl = True   # type: ignore[attr-defined]
    hooks._PrefixTrie.__copy__ = trie_copy
    default = hooks.EVENT_ALIASES
    init = hooks.EventAliaser.__init__

    def aliaser_init(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
        init(self, event_emitter, event_aliases)
        if self._event_aliases == default:   # botocore's own aliases: the shared answers
            self._alias_name_cache = _ALIASES

    hooks.EventAliaser.__init__ = aliaser_init
    original_accepts = hooks.accepts_kwargs

    def accepts_kwargs(func: Any) -> Any:
        key = func.__func__ if isinstance(func, types.MethodType) else func
        if type(key) is types.FunctionType and "__signature__" not in key.__dict__:
            return _varkw(key.__code__)   # what inspect reads of a plain function's code
        try:
            return _KWARGS[key]
        except (KeyError, TypeError):   # not asked yet, or unhashable: ask inspect
            answer = original_accepts(func)
        try:
            _KWARGS[key] = answer
        except TypeError:
            pass
        return answer

    hooks.accepts_kwargs = accepts_kwargs


def _varkw(code: types.CodeType) -> str | None:
    """The name of CODE's **kwargs parameter, or None (inspect.getfullargspec's varkw)."""
    if not code.co_flags & inspect.CO_VARKEYWORDS:
        return None
    return code.co_varnames[code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & inspect.CO_VARARGS)]


def _create_api_method(self: Any, py_operation_name: str, operation_name: str, service_model: Any) -> Any:
    """botocore.client.ClientCreator._create_api_method, its docstring deferred."""
    def _api_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        # We're accepting *args so that we can give a more helpful
        # error message than TypeError: _api_call takes exactly
        # 1 argument.
        if args:
            raise TypeError(f"{py_operation_name}() only accepts keyword arguments.")
        # The "self" in this scope is referring to the BaseClient.
        return self._make_api_call(operation_name, kwargs)

    _api_call.__name__ = str(py_operation_name)
    # as help() shows botocore's own: its module and qualified name, no annotations
    _api_call.__module__, _api_call.__qualname__ = "botocore.client", "ClientCreator._create_api_method.<locals>._api_call"
    _api_call.__annotations__ = {}
    _api_call.__doc__ = DeferredMethodDocstring(service_model, operation_name, py_operation_name,
                                                self._event_emitter)
    return _api_call


def _load_names(file: Path) -> None:
    from lambdactl.codecache import read, used_before, write

    _ALIASES.update({k: v for k, v in read(str(file)).items() if isinstance(k, str) and isinstance(v, str)})
    known = len(_ALIASES)

    def save() -> None:
        if len(_ALIASES) > known:
            write(str(file), _ALIASES if len(_ALIASES) <= KEEP_NAMES else dict(list(_ALIASES.items())[-KEEP_NAMES:]))

    if used_before(str(file.parent)):
        atexit.register(save)

