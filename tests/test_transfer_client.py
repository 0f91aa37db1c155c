"""Managed transfers on the sandbox: a slow CompleteMultipartUpload is waited for,
never retried. moto joins a 1 GB upload's parts in memory (10+ s on a loaded
machine); the shared client's read timeout then fired, its one retry found the
upload already completed and moto answered 500 (KeyError on the upload id)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.inject import upload_file
from moto.s3.models import S3Backend
from moto.server import ThreadedMotoServer

from lambdactl import aws as awsmod
from lambdactl.aws import Aws, Target
from tests.test_concurrency import free_port


@pytest.fixture
def slow_complete_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    real = S3Backend.complete_multipart_upload

    def slow(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)   # longer than the shared client's read timeout below
        return real(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "complete_multipart_upload", slow)
    monkeypatch.setattr(awsmod, "LOCAL_READ_TIMEOUT", 0.5)
    monkeypatch.setattr("lambdactl.local.control.credentials", lambda: ("test", "test"))
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _upload(client: Any, tmp_path: Path) -> Counter[str]:
    calls: Counter[str] = Counter()
    client.meta.events.register("before-call.s3.*", lambda model, **_: calls.update([model.name]))
    f = tmp_path / "big.bin"
    with f.open("wb") as fh:
        fh.truncate(9 * 2**20)   # above boto3's 8 MB multipart threshold
    upload_file(client, str(f), "bkt-transfer", "big.bin")
    return calls


def test_sandbox_transfers_wait_for_a_slow_complete(slow_complete_server: str, tmp_path: Path) -> None:
    a = Aws(Target("local", region="us-east-1", endpoint_url=slow_complete_server))
    a.client("s3").create_bucket(Bucket="bkt-transfer")
    calls = _upload(a.transfer_client(), tmp_path)
    assert calls["CompleteMultipartUpload"] == 1
    assert a.client("s3").head_object(Bucket="bkt-transfer", Key="big.bin")["ContentLength"] == 9 * 2**20


def test_the_shared_client_would_have_retried_into_a_500(slow_complete_server: str, tmp_path: Path) -> None:
    """What the transfer client is for: the failure seen with 1 GB, reproduced small."""
    a = Aws(Target("local", region="us-east-1", endpoint_url=slow_complete_server))
    a.client("s3").create_bucket(Bucket="bkt-transfer")
    with pytest.raises(Exception, match="Read timeout|CompleteMultipartUpload"):
        _upload(a.client("s3"), tmp_path)


def test_threads_asking_at_once_build_one_transfer_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Staging and upload threads ask for it together: one client is built, not one per thread."""
    import threading

    monkeypatch.setattr("lambdactl.local.control.credentials", lambda: ("test", "test"))
    a = Aws(Target("local", region="us-east-1", endpoint_url="http://127.0.0.1:9"))
    built: list[str] = []
    real = a._new_client

    def counted(service: str, retries: int, **config: Any) -> Any:
        built.append(service)
        time.sleep(0.05)   # widens the window in which the others look
        return real(service, retries, **config)

    monkeypatch.setattr(a, "_new_client", counted)
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(a.transfer_client())) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert built == ["s3"] and len({id(c) for c in got}) == 1
