"""Where the sandbox will run a function differently from Lambda, said at deploy time.

The sandbox's own notices belong on the user's stderr, not in the function's log
group (which holds what the function printed, as on Lambda). `up` and `deploy`
on the sandbox say, before any write, what the sandbox would otherwise find at
the first invoke: the declared Python missing on this machine. (Compiled
extensions that cannot import here are refused outright: local/native.py.)
"""

from __future__ import annotations

from lambdactl.config import Function
from lambdactl.local.pythons import interpreter


def notices(fn: Function) -> list[str]:
    """One line per difference for FN."""
    if not fn.runtime.startswith("python"):
        return []   # a custom runtime runs its own bootstrap
    _, missing = interpreter(fn.runtime)
    return [f"{fn.key} on the sandbox: {missing}"] if missing else []
