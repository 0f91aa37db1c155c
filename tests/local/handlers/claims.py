"""Handlers for test_local_invoke_fidelity.py: what Lambda's Invoke API and runtime give them."""

import os
import resource
import threading
import time


def context_of(event, context):
    cc = context.client_context
    return {
        "request_id": context.aws_request_id,
        "client_context": None if cc is None else
        {"client": cc.client and cc.client.app_title, "custom": cc.custom, "env": cc.env},
    }


def limits(event, context):
    return {name: list(resource.getrlimit(getattr(resource, f"RLIMIT_{name}")))
            for name in ("NOFILE",)}


def open_files(event, context):
    opened = []
    try:
        while len(opened) < 5000:
            opened.append(open("/dev/null"))
    except OSError as exc:
        return {"opened": len(opened), "error": exc.strerror}
    finally:
        for f in opened:
            f.close()
    return {"opened": len(opened)}


_ticks = [0]


def _tick():
    while True:
        _ticks[0] += 1
        time.sleep(0.02)


def ticking(event, context):
    """Leaves a thread and a daemon (setsid, double fork) counting every 20 ms; returns
    both counts."""
    path = f"/tmp/{context.function_name}-ticks"
    if event.get("start"):
        threading.Thread(target=_tick, daemon=True).start()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                n = 0
                while True:
                    n += 1
                    with open(path, "w") as f:
                        f.write(str(n))
                    time.sleep(0.02)
            os._exit(0)
        os.wait()
    time.sleep(event.get("wait", 0))
    try:
        with open(path) as f:
            daemon = int(f.read() or 0)
    except (OSError, ValueError):
        daemon = 0
    return {"thread": _ticks[0], "daemon": daemon}


def crowd(event, context):
    """Starts up to 2,000 threads or processes (waiting until released); returns how many
    started and what stopped it."""
    import subprocess

    release, started, error = threading.Event(), [], None
    try:
        while len(started) < 2000:
            if event["kind"] == "threads":
                thread = threading.Thread(target=release.wait)
                thread.start()
                started.append(thread)
            else:
                started.append(subprocess.Popen(["sleep", "60"]))
    except (RuntimeError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    release.set()
    for one in started:
        if event["kind"] == "threads":
            one.join()
        else:
            one.kill()
            one.wait()
    return {"started": len(started), "error": error}


def variables(event, context):
    return {name: os.environ.get(name) for name in event["names"]}
