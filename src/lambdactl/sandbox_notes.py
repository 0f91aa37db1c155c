"""Where the sandbox will run a function differently from Lambda, said at deploy time.

The sandbox's own notices belong on the user's stderr, not in the function's log
group (which holds what the function printed, as on Lambda). `up` and `deploy`
on the sandbox say, before any write, what the sandbox would otherwise find at
the first invoke: the declared Python missing on this machine. They also install,
once, the declared Python's awslambdaric and boto3 into the sandbox's cache
(local/declared.py), saying so, so the first invoke does not wait for it.
(Compiled extensions that cannot import here are refused outright: local/native.py.)
"""

from __future__ import annotations

from lambdactl.config import Function
from lambdactl.local import declared


def runtime_here(runtime: str, say: declared.Say = declared.to_stderr) -> declared.Runtime:
    """The Python the sandbox of $LAMBDACTL_HOME runs RUNTIME's functions on."""
    from lambdactl.local.control import home

    return declared.resolve(runtime, declared.cache_dir(home()), say=say)


def notices(fn: Function, say: declared.Say = declared.to_stderr) -> list[str]:
    """One line per difference for FN (SAY: what it installs, while it does)."""
    if not fn.runtime.startswith("python"):
        return []   # a custom runtime runs its own bootstrap
    missing = runtime_here(fn.runtime, say).warning
    return [f"{fn.key} on the sandbox: {missing}"] if missing else []
