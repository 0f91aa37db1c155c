"""End to end: `lambdactl dev` as a real process on the sandbox. Start it, edit the
handler, invoke: the new code runs (its init too, in a fresh environment), its
log lines stream on dev's stdout, and SIGINT stops it with exit 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.test_sandbox_flow import client, sandbox_project  # noqa: F401 - the fixture

HANDLER = '''print("init {v}")


def lambda_handler(event, context):
    print("handling {v}")
    return {{"version": "{v}"}}
'''


def reader(stream, lines: list[str]) -> threading.Thread:  # type: ignore[no-untyped-def]
    thread = threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True)
    thread.start()
    return thread


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"no {what} after {timeout} s"
        time.sleep(0.05)


def test_dev_picks_up_an_edit_and_stops_on_sigint(sandbox_project) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    root, env, started = sandbox_project
    app = root / "functions/hello/app.py"
    app.write_text(HANDLER.format(v="v1"))
    proc = subprocess.Popen([sys.executable, "-m", "lambdactl", "dev", "hello"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    err: list[str] = []
    threads = [reader(proc.stdout, out), reader(proc.stderr, err)]
    try:
        wait_for("'watching' line", lambda: any("watching" in line for line in err), 60)
        lam = client(started["endpoint"], "lambda", Path(env["LAMBDACTL_HOME"]))

        def invoke() -> str:
            resp = lam.invoke(FunctionName="lambdactl-demo-hello", Payload=b"{}")
            return str(json.loads(resp["Payload"].read()).get("version"))

        assert invoke() == "v1"
        app.write_text(HANDLER.format(v="v2"))
        wait_for("new code", lambda: invoke() == "v2", 15)
        wait_for("the update line", lambda: any("↻ hello: code updated" in line for line in err))
        # The new code's init ran (a fresh environment), and dev's stdout streams it.
        wait_for("init v2 on dev's stdout", lambda: any("init v2" in line for line in out), 15)
        assert all(line.startswith("hello | ") for line in out), out
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
        for t in threads:
            t.join(5)
    assert code == 0, "".join(err)
    assert not any("Traceback" in line for line in err), "".join(err)
    assert "stopped;" in err[-1]
