"""The suite (and `dev`) are long-lived processes: clients built there are not
frozen. gc.freeze in aws._new_client made every object alive at that moment
permanent, garbage included: the test process grew ~30 MB a test, to 6-8 GB,
and the kernel killed it. Only the console script's one command may freeze."""

from __future__ import annotations

import gc

import lambdactl
from lambdactl.aws import Aws, Target


def test_clients_are_not_frozen_outside_the_console_script(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(lambdactl, "ONE_SHOT", False)
    gc.unfreeze()
    Aws(Target(region="us-east-1")).client("sts")
    assert gc.get_freeze_count() == 0


def test_the_console_script_may_freeze(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(lambdactl, "ONE_SHOT", True)
    try:
        Aws(Target(region="us-east-1")).client("sts")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
