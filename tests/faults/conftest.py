"""The fault tests' shared fixture: the example project configured by the test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws


@pytest.fixture
def configured(project: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """PROJECT with the test module's CONFIG as its lambdactl.toml, under moto (in process)."""
    (project / "lambdactl.toml").write_text(request.module.CONFIG)
    with mock_aws():
        yield project
