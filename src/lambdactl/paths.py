"""Where lambdactl keeps its own files: $LAMBDACTL_HOME, else ~/.lambdactl.

The one place that answers it (local.control.home() asks here), in a module that
imports only os: `--help` and the commands that never touch the
sandbox need not import the sandbox's control module for it (~7 ms of CPU).
"""

from __future__ import annotations

import os


def home_dir() -> str:
    return os.path.expanduser(os.environ.get("LAMBDACTL_HOME") or "~/.lambdactl")
