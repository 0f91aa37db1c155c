"""The one place that builds clients: its loader shortcut and the account id cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from moto import mock_aws

from lambdactl.aws import Aws, Target


def test_quick_loader_builds_clients_and_still_rejects_unknown_services() -> None:
    aws = Aws(Target("aws", region="us-east-1"))
    assert aws.client("lambda").meta.service_model.service_name == "lambda"
    with pytest.raises(Exception) as info:
        aws.client("no-such-service")
    assert type(info.value).__module__.startswith("botocore")  # a botocore error, translated by the CLI


def test_account_cache_survives_a_broken_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path))
    (tmp_path / "accounts.json").write_text("{not json")
    with mock_aws():
        aws = Aws(Target("aws", region="us-east-1"))
        assert not aws.account_known()
        assert aws.account_id == "123456789012"  # asked, then remembered
        (key, account), = json.loads((tmp_path / "accounts.json").read_text()).items()
        assert key == f"aws {os.environ['AWS_ACCESS_KEY_ID']}" and account == "123456789012"
        assert Aws(Target("aws", region="us-east-1")).account_known()  # no round trip next time
