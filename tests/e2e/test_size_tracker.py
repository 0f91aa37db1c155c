"""End to end: examples/size-tracker with the real CLI in a subprocess, on a sandbox
started for the test (IAM enforced: the example's least-privilege policies must do).

up -> upload 3 files, delete 1 -> the table holds the bucket's totals after each
change -> the plot function draws a PNG into the charts bucket -> download fetches
it -> destroy --delete-data leaves nothing (tables, buckets, layer versions, roles,
log groups, functions). The matplotlib layer's wheels come from the session's
cache (conftest.plotting_deps): pip for Lambda's platform is not timed here.
"""

from __future__ import annotations

import json
import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import seed_deps
from tests.e2e.example import client, deployed_from
from tests.e2e.test_sandbox_flow import cli

PNG = b"\x89PNG\r\n\x1a\n"
FILES = {"photo.jpg": 1200, "notes.txt": 5000, "todo.txt": 300}


@pytest.fixture
def tracker(tmp_path: Path, plotting_deps: Path) -> Iterator[tuple[Path, dict[str, str], dict[str, Any]]]:
    with deployed_from(tmp_path, "size-tracker") as (project, env, exported):
        seed_deps(project, plotting_deps)
        yield project, env, exported


def history(ddb: Any, count: int, timeout: float = 20) -> list[tuple[int, int]]:
    """(object count, total size) per item, oldest first, once COUNT items are there."""
    deadline = time.monotonic() + timeout
    while True:
        items = ddb.query(TableName="size-tracker-history", KeyConditionExpression="#b = :b",
                          ExpressionAttributeNames={"#b": "bucket"},
                          ExpressionAttributeValues={":b": {"S": "size-tracker-uploads"}})["Items"]
        if len(items) >= count or time.monotonic() > deadline:
            return [(int(i["object_count"]["N"]), int(i["total_size"]["N"])) for i in items]
        time.sleep(0.1)


def test_size_tracker_end_to_end(tracker: tuple[Path, dict[str, str], dict[str, Any]]) -> None:
    project, env, exported = tracker
    up = json.loads(cli(project, env, "-o", "json", "up").stdout)
    assert {f["status"] for f in up["functions"]} == {"changed"}
    assert json.loads(cli(project, env, "-o", "json", "up").stdout)["api_calls"]["writes"] == 0

    ddb = client(exported, "dynamodb")
    expected: list[tuple[int, int]] = []
    for name, size in FILES.items():   # each change seen before the next: the items' order is the changes'
        (project / name).write_bytes(os.urandom(size))
        assert "fires size-tracker-tracker" in cli(project, env, "upload", name).stdout
        expected.append((len(expected) + 1, sum(list(FILES.values())[:len(expected) + 1])))
        assert history(ddb, len(expected)) == expected
    assert cli(project, env, "rm", "uploads", "notes.txt").stdout == \
        "deleted s3://size-tracker-uploads/notes.txt (5000 bytes)\n"
    assert history(ddb, 4) == [*expected, (2, 1500)]

    plotted = json.loads(cli(project, env, "-o", "json", "invoke", "plot").stdout)
    assert plotted["payload"] == {"chart": "s3://size-tracker-charts/size-tracker-uploads.png", "points": 4}, plotted
    cli(project, env, "download", "charts", "size-tracker-uploads.png", "chart.png")
    png = (project / "chart.png").read_bytes()
    assert png.startswith(PNG)
    assert struct.unpack(">II", png[16:24]) == (800, 400)   # IHDR: the figure's 8 x 4 in at 100 dpi
    assert 5_000 < len(png) < 500_000   # a drawn chart, not an empty image

    cli(project, env, "destroy", "--yes", "--delete-data")
    left = json.loads(cli(project, env, "-o", "json", "local", "status").stdout)["contents"]
    assert left == {"functions": [], "buckets": [], "roles": [], "log_groups": [], "tables": [], "layers": [],
                    "queues": [], "mappings": []}
