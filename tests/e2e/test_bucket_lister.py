"""examples/bucket-lister with the real CLI on a sandbox (IAM enforced: its role
allows s3:ListAllMyBuckets only): the function returns the sandbox's buckets."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.example import client, deployed_from
from tests.e2e.test_sandbox_flow import cli


def test_bucket_lister_lists_the_buckets_and_nothing_more(tmp_path: Path) -> None:
    with deployed_from(tmp_path, "bucket-lister") as (project, env, exported):
        cli(project, env, "up")
        s3 = client(exported, "s3")
        for name in ("lister-photos", "lister-logs"):
            s3.create_bucket(Bucket=name)
        s3.put_object(Bucket="lister-photos", Key="k", Body=b"x")
        listed = json.loads(cli(project, env, "-o", "json", "invoke", "lister").stdout)
        # S3 lists buckets by name, moto by creation: the set is what the function found.
        assert sorted(listed["payload"]["buckets"]) == ["lister-logs", "lister-photos"], listed
        assert "2 bucket(s): lister-" in listed["log"]
        cli(project, env, "destroy", "--yes")
        assert json.loads(cli(project, env, "-o", "json", "local", "status").stdout)["contents"]["functions"] == []
