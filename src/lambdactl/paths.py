"""Where lambdactl keeps its own files: $LAMBDACTL_HOME, else ~/.lambdactl.

The one place that answers it (local.control.home() asks here), in a module that
imports only os: `--help` and the commands that never touch the
sandbox need not import the sandbox's control module for it (~7 ms of CPU).
"""

from __future__ import annotations

import os

HINT = "set LAMBDACTL_HOME to a directory you can write (the sandbox's state, locks and caches live there)"


def known_home() -> str | None:
    """$LAMBDACTL_HOME, else ~/.lambdactl; None where "~" means nothing (no HOME, and no
    passwd entry for this user: `docker run --user 4242`), which os.path.expanduser
    leaves as it is: lambdactl made a directory named "~" in the project."""
    home = os.path.expanduser(os.environ.get("LAMBDACTL_HOME") or "~/.lambdactl")
    # Absolute: the sandbox's server runs in this directory and was handed a relative
    # state file (LAMBDACTL_HOME=.lh wrote .lh/.lh/sandbox.json: "did not start within 20 s").
    return None if home.startswith("~") else os.path.abspath(home)


def home_dir() -> str:
    home = known_home()
    if home is None:
        from lambdactl.errors import ConfigError

        raise ConfigError(f"lambdactl has no directory for its files: HOME is not set and user id {os.getuid()} "
                          "has no passwd entry", HINT)
    return home
