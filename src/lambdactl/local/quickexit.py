"""The runtime's end as Python ends a program, without freeing every object first.

Standard library only, and no code at module level but imports: ``zygote.BOOTSTRAP`` runs
this file's source before ``bootstrap.py``'s, which starts awslambdaric with ``run_module``.

A runtime forked from a zygote (zygote.py) holds everything the zygote preloaded (boto3
and botocore, whether the handler imports them or not). When it exits (``sys.exit`` in the
init, awslambdaric's exit after an init error, a handler's ``sys.exit``), Python's
finalization frees each of those objects, writing to every copy-on-write page it shares
with the zygote: measured, 32,780 page faults and 195 ms under load (30 ms idle) between
the runtime's last line and its exit, where Lambda's runtime, which never imported boto3
for such a handler, exits in ~2 ms. INIT_REPORT and Runtime.ExitError came that much later,
and Init Duration was that much longer. ``run_module`` ends the process as Python does,
in what a program can observe (non-daemon threads joined, ``atexit`` handlers run,
stdout and stderr flushed, the exit status; an uncaught exception's traceback on
stderr), then ``os._exit`` skips the freeing (458 page faults, 6 ms).
"""

import atexit
import os
import runpy
import sys
import threading


def run_module(name: str) -> None:
    """Run module NAME as __main__ (``python -m``); never returns."""
    try:
        runpy.run_module(name, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = _status(exc.code)
    except BaseException:  # noqa: BLE001 - as Python's own top level: printed, status 1
        sys.excepthook(*sys.exc_info())
        code = 1
    end(code)


def _status(code: object) -> int:
    """SystemExit's code as Python turns it into an exit status."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        print(code, file=sys.stderr)
    except Exception:  # noqa: BLE001 - stderr closed by the handler: the status still stands
        pass
    return 1


def end(code: int) -> None:
    """What Python does at exit, in its order, but the freeing of every object."""
    try:
        threading._shutdown()  # type: ignore[attr-defined]  # non-daemon threads, joined
    except Exception:  # noqa: BLE001 - a thread's failure does not change the status
        pass
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - closed or broken: Python ignores it too
            pass
    os._exit(code & 0xFF)   # as the C library's exit() takes it
