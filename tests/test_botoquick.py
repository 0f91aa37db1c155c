"""botocore's clients built without repeated work (botoquick.py), in a one-command
process: the same clients, handlers, docstrings and answers, for less CPU. Each case
runs in a new interpreter (the patches are botocore's, process-wide)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PLAIN = "import botocore.session\nsession = botocore.session.get_session()\n"
QUICK = ("import lambdactl; lambdactl.one_shot()\nfrom lambdactl.aws import Aws, Target\n"
         "aws = Aws(Target('aws', region='us-east-1'))\naws.client('sts')\nsession = aws._session\n")


def run(setup: str, body: str, env: dict[str, str] | None = None) -> Any:
    code = f"import json, sys\n{setup}\n{body}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})}).stdout
    return json.loads(out.strip().splitlines()[-1])


CLIENT = """
client = session.create_client("lambda", region_name="us-east-1")
model = client.meta.service_model
made = sorted(k for k in model._instance_cache if "operation_model" in str(k))
methods = sorted(n for n in dir(client) if not n.startswith("_"))
doc = str(client.create_function.__doc__)
try:
    client.get_function("positional")
    refused = ""
except TypeError as exc:
    refused = str(exc)
print(json.dumps({"made": len(made), "methods": methods, "doc": doc, "refused": refused,
                  "name": client.create_function.__name__, "module": client.create_function.__module__}))
"""


def test_a_client_makes_no_operation_model_until_used_and_its_methods_are_botocores() -> None:
    quick, plain = run(QUICK, CLIENT), run(PLAIN, CLIENT)
    assert plain["made"] > 50 and quick["made"] == 0   # ~80 OperationModels made for docstrings, before
    for key in ("methods", "doc", "refused", "name", "module"):
        assert quick[key] == plain[key], key
    assert len(quick["doc"]) > 1000 and quick["refused"] == "get_function() only accepts keyword arguments."


HANDLERS = """
import copy
events = session.get_component("event_emitter")
twin = copy.copy(events)
def mine(**kwargs): pass
twin.register("before-call.lambda.GetFunction", mine, unique_id="mine")
names = ["before-call.lambda.GetFunction", "before-parameter-build.s3.PutBucketNotificationConfiguration",
         "needs-retry.iam.CreateRole", "before-send.apigateway.GetRestApi", "creating-client-class.s3"]
def seen(emitter, name):
    return [getattr(h, "__qualname__", repr(h)) for h in emitter._emitter._handlers.prefix_search(
        emitter._alias_event_name(name))]
print(json.dumps({"original": [seen(events, n) for n in names], "copy": [seen(twin, n) for n in names],
                  "aliased": [events._alias_event_name(n) for n in names]}))
"""


def test_a_copied_emitter_has_the_same_handlers_and_its_own_registrations() -> None:
    quick, plain = run(QUICK, HANDLERS), run(PLAIN, HANDLERS)
    assert quick == plain
    assert sorted(quick["copy"][0]) == sorted(quick["original"][0] + ["mine"])   # on the copy only
    assert quick["aliased"][3] == "before-send.api-gateway.GetRestApi"   # botocore's alias still applies


KEPT = """
from lambdactl import botoquick
print(json.dumps({"known": "before-call.widget.Planted" in botoquick._ALIASES,
                  "planted": session.get_component("event_emitter")._alias_event_name("before-call.widget.Planted")}))
"""


def test_aliased_event_names_are_kept_for_the_next_process(tmp_path: Path) -> None:
    from lambdactl import codecache

    env = {"LAMBDACTL_CACHE": str(tmp_path)}
    run(QUICK, "print(1)", env)   # the first process in a cache directory only makes it
    run(QUICK, "print(1)", env)   # the next one writes what it worked out
    file = next((tmp_path / f"botocore-data-{sys.implementation.cache_tag}").glob("event-names-*"))
    kept = codecache.read(str(file))
    assert kept["before-call.apigateway"] == "before-call.api-gateway" and len(kept) > 100
    codecache.write(str(file), {**kept, "before-call.widget.Planted": "from-the-cache"})
    assert run(QUICK, KEPT, env) == {"known": True, "planted": "from-the-cache"}


PROXIES = """
from botocore import endpoint
first = endpoint.get_environ_proxies("https://lambda.us-east-1.amazonaws.com")
first["https"] = "changed by a caller"
print(json.dumps([first, endpoint.get_environ_proxies("https://lambda.us-east-1.amazonaws.com"),
                  endpoint.get_environ_proxies("https://internal.example")]))
"""


def test_proxies_from_the_environment_are_the_same_and_a_caller_cannot_change_them() -> None:
    env = {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "internal.example"}
    quick = run(QUICK, PROXIES, env)
    assert quick == run(PLAIN, PROXIES, env)
    assert quick[1]["https"] == "http://proxy.example:3128" and quick[2] == {}


REFUSED = """
events = session.get_component("event_emitter")
def no_kwargs(a): pass
answers = []
for _ in range(2):
    try:
        events.register("before-call.lambda.GetFunction", no_kwargs)
        answers.append("accepted")
    except ValueError as exc:
        answers.append(str(exc).split(" at ")[0])
print(json.dumps(answers))
"""


def test_a_handler_without_kwargs_is_still_refused_each_time() -> None:
    assert run(QUICK, REFUSED) == run(PLAIN, REFUSED) == ["Event handler <function no_kwargs"] * 2


def test_kwargs_are_read_off_a_functions_code_as_inspect_reads_them() -> None:
    import inspect
    import types

    import botocore.handlers

    from lambdactl.botoquick import _varkw

    def plain(**kwargs: Any) -> None: ...
    def mixed(x: int, *args: Any, y: int = 1, **extra: Any) -> None: ...
    def keyword_only(x: int, *, y: int) -> None: ...
    def positional(x: int, *args: Any) -> None: ...

    functions = [plain, mixed, keyword_only, positional] + [
        f for f in vars(botocore.handlers).values() if isinstance(f, types.FunctionType)]
    assert len(functions) > 50
    for f in functions:
        assert _varkw(f.__code__) == inspect.getfullargspec(f).varkw, f


ERRORS = """
import botocore.model
made = [0]
shape_init = botocore.model.Shape.__init__
def counted(self, *args, **kwargs):
    made[0] += 1
    shape_init(self, *args, **kwargs)
botocore.model.Shape.__init__ = counted
names = {}
for service in ("iam", "lambda", "s3", "logs", "sts"):
    client = session.create_client(service, region_name="us-east-1")
    model = client.meta.service_model
    made[0] = 0
    names[service] = [(s.name, s.error_code, s.metadata) for s in model.error_shapes]
    names[service + " made"] = made[0]
    names[service + " from_code"] = client.exceptions.from_code("NoSuchEntity").__name__
print(json.dumps(names, default=str))
"""


def test_a_services_error_shapes_are_botocores() -> None:
    quick, plain = run(QUICK, ERRORS), run(PLAIN, ERRORS)
    assert {k: v for k, v in quick.items() if "made" not in k} == {k: v for k, v in plain.items() if "made" not in k}
    assert any(name == "NoSuchEntityException" for name, _, _ in quick["iam"])
    assert quick["iam from_code"] == "NoSuchEntityException"
    assert plain["iam made"] > 300 and quick["iam made"] == len(quick["iam"]) < 60   # Shapes of the errors only
