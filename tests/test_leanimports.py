"""botocore without botocore.docs at import (leanimports.py): a one-command process
builds clients without the documenters, and a docstring read is botocore's own."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from lambdactl import leanimports

READ = """
import hashlib, json, pydoc, sys
{setup}
client = {client}
before = sorted(m for m in sys.modules if m.startswith("botocore.docs") or m in ("html.parser", "importlib.metadata"))
docs = [str(client.create_function.__doc__), str(client.get_waiter("function_active_v2").wait.__doc__),
        str(client.get_paginator("list_functions").paginate.__doc__), pydoc.render_doc(client.create_function)]
from botocore.docs import ServiceDocumenter
import urllib3.http2
http2 = urllib3.http2.inject_into_urllib3.__name__
print(json.dumps({{"before": before, "http2": http2, "docs": [hashlib.sha256(d.encode()).hexdigest() for d in docs],
                  "sizes": [len(d) for d in docs], "documenter": ServiceDocumenter.__name__}}))
"""


def run(setup: str, client: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", READ.format(setup=setup, client=client)],
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def test_a_command_builds_clients_without_the_documenters_and_reads_the_same_docstrings() -> None:
    lean = run("import lambdactl; lambdactl.one_shot()\nfrom lambdactl.aws import Aws, Target",
               'Aws(Target("aws", region="us-east-1")).client("lambda")')
    plain = run("import botocore.session",
                'botocore.session.get_session().create_client("lambda", region_name="us-east-1")')
    assert lean["before"] == ["botocore.docs", "botocore.docs.docstring", "botocore.docs.utils"]
    assert {"botocore.docs.service", "html.parser", "importlib.metadata"} <= set(plain["before"])
    assert lean["docs"] == plain["docs"] and min(lean["sizes"]) > 1000   # help() shows botocore's own
    assert lean["documenter"] == plain["documenter"] == "ServiceDocumenter"   # the packages' own names
    assert lean["http2"] == plain["http2"] == "inject_into_urllib3"


def test_nothing_is_replaced_once_botocore_client_is_imported() -> None:
    import botocore.client  # noqa: F401 - as in this test process
    import botocore.docs.docstring

    real = botocore.docs.docstring
    leanimports.install()
    assert sys.modules["botocore.docs.docstring"] is real and real.ClientMethodDocstring is not leanimports.ClientMethodDocstring
