"""lambdactl: provision AWS Lambda functions end to end with boto3."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import NoReturn

__version__ = "0.1.0"

# True in the console script's process (cli.main: one command, then exit): it may
# gc.freeze what it builds (aws.py). A library caller, the test suite or `dev`
# lives on, and frozen objects are never freed, garbage included.
ONE_SHOT = False
# The collector's thresholds before one_shot() raised them (`dev` puts them back: a
# long run collects as usual).
GC_DEFAULT: tuple[int, int, int] = (700, 10, 10)


def one_shot() -> None:
    """This process runs one command, then exits (cli.main).

    Nearly all a command allocates (modules, botocore's service models) lives to its
    end: at the default threshold (700) ~90 collections walk it, ~30 ms of a cold
    `up`'s CPU. Past 300k new objects only: none in a cold `up`; `logs -f` still collects.
    The dataclasses its command imports compile from a cache (codecache.py), and so
    do the regular expressions (recache.py).
    """
    import gc

    from lambdactl import codecache, recache

    global ONE_SHOT, GC_DEFAULT
    if ONE_SHOT:   # lambdactl.main, then cli.main: once
        return
    ONE_SHOT = True
    GC_DEFAULT = gc.get_threshold()
    gc.set_threshold(300_000, *GC_DEFAULT[1:])
    codecache.install()
    recache.install()


def interrupted() -> NoReturn:
    """Ctrl-C, at any point of a command: one line, exit 130 (128 + SIGINT), as a shell
    says it. A one-command process ends now: calls in flight in other threads (one on
    a silent endpoint, for its read timeout) are not waited for; the journal's writes
    are atomic, as for a kill."""
    import sys

    sys.stderr.write("interrupted (Ctrl-C)\n")
    sys.stderr.flush()
    if ONE_SHOT:
        import os

        try:
            sys.stdout.flush()
        except OSError:
            pass  # a closed pipe: nothing more to say there
        os._exit(130)
    raise SystemExit(130)


def exit_now(code: object) -> None:
    """A one-command process whose command is done ends here, with the exit code CODE,
    as the interpreter would end it, less its teardown: it joins the threads that are
    not daemons (the model cache's writer), runs the atexit functions (the caches'
    writes) and flushes stdout and stderr, then skips freeing every module and object
    one by one (~10 ms of a `destroy`'s CPU, between its last answer and its exit).
    Returns, and the caller exits as usual, where that is not so plain: not ONE_SHOT,
    not the main thread, CODE not an int (the interpreter prints it), a profiler or
    tracer on (`python -m cProfile` writes its file after the command), or a flush
    fails (the interpreter reports it)."""
    import atexit
    import os
    import sys
    import threading

    shutdown = getattr(threading, "_shutdown", None)   # what the interpreter calls first at exit
    if not ONE_SHOT or shutdown is None or threading.current_thread() is not threading.main_thread() \
            or sys.getprofile() or sys.gettrace():
        return
    if code is not None and not isinstance(code, int):
        return
    shutdown()   # executors told to stop, non-daemon threads joined
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code or 0)


def main() -> None:
    """The console script. The CLI's imports (~70 ms) are under the same Ctrl-C rule as
    a command's run (cli.py): no window for a traceback. The caches are on before those
    imports: click's regular expressions and the CLI's dataclasses come from them too."""
    try:
        one_shot()
        from lambdactl.cli import main as run
    except KeyboardInterrupt:
        interrupted()
    run()
