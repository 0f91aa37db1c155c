"""The sandbox server's environment, built from nothing: handlers can read it
(/proc/<their parent>/environ), so it holds no token, HOME or AWS key."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_REGION = "us-east-1"
_INHERITED = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")
# Where the declared Pythons are found and their runtime libraries cached (declared.py).
_PYTHONS = ("PYENV_ROOT", "UV_PYTHON_INSTALL_DIR", "XDG_DATA_HOME", "LAMBDACTL_RUNTIME_CACHE")


def sandbox_environment(role_delay: float | None = None) -> dict[str, str]:
    """The server's environment, built from nothing: no tokens, no HOME, no AWS keys.

    Handlers can read it (/proc/<their parent>/environ), so it holds only what
    the server needs to run: PATH, the locale, where lambdactl is importable.
    """
    import lambdactl

    env = {k: os.environ[k] for k in _INHERITED + _PYTHONS if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(
        {
            # The package, however it is installed (editable, PYTHONPATH, site-packages).
            "PYTHONPATH": str(Path(lambdactl.__file__).resolve().parent.parent),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_DEFAULT_REGION": os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or DEFAULT_REGION,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if role_delay is not None:
        env["LAMBDACTL_SANDBOX_ROLE_DELAY"] = str(role_delay)
    if os.environ.get("LAMBDACTL_SANDBOX_JAIL"):   # "0": no root of their own for environments (lambdafs.py)
        env["LAMBDACTL_SANDBOX_JAIL"] = os.environ["LAMBDACTL_SANDBOX_JAIL"]
    if os.environ.get("LAMBDACTL_SANDBOX_ASYNC_DELAY"):   # the first async retry's delay (local/runtime.py)
        env["LAMBDACTL_SANDBOX_ASYNC_DELAY"] = os.environ["LAMBDACTL_SANDBOX_ASYNC_DELAY"]
    return env
