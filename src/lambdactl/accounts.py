"""The account id of each access key, cached in $LAMBDACTL_HOME/accounts.json: a key
belongs to one account for its whole life, so GetCallerIdentity is asked once."""

from __future__ import annotations

import json
import os
from pathlib import Path

from lambdactl.paths import home_dir


def cache_path() -> Path:
    return Path(home_dir()) / "accounts.json"


def read() -> dict[str, str]:
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def remember(key: str, account: str) -> None:
    path = cache_path()
    data = read()
    data[key] = account
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache: failing to write it only costs a round trip next time
