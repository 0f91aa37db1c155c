"""invoke: payload sources, REPORT parsing, cost, and the command over a stubbed Lambda."""

from __future__ import annotations

import base64
import codecs
import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from click.testing import CliRunner

from lambdactl import invoke as core
from lambdactl.cli import App, root
from lambdactl.errors import ConfigError

REPORT = ("REPORT RequestId: 1f0e\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\t"
          "Max Memory Used: 41 MB\tInit Duration: 201.50 ms")
TAIL = f"START RequestId: 1f0e Version: $LATEST\nhello from the handler\nEND RequestId: 1f0e\n{REPORT}\n"


def test_parse_report_and_cost() -> None:
    r = core.parse_report(TAIL)
    assert r == core.Report(12.34, 13, 128, 41, 201.5)
    assert r.cost("x86_64") == pytest.approx(13 / 1000 * 128 / 1024 * 0.0000166667 + 0.2e-6)
    assert r.cost("arm64") == pytest.approx(13 / 1000 * 128 / 1024 * 0.0000133334 + 0.2e-6)
    warm = core.parse_report(REPORT.rsplit("\t", 1)[0])
    assert warm is not None and warm.init_ms is None
    assert core.parse_report("no report here") is None


def test_load_payload_sources(tmp_path: Path) -> None:
    assert core.load_payload(None) == b"{}"
    assert json.loads(core.load_payload('{"a": 1}')) == {"a": 1}
    f = tmp_path / "e.json"
    f.write_text('{"b": 2}')
    assert json.loads(core.load_payload(f"@{f}")) == {"b": 2}
    assert json.loads(core.load_payload("-", io.StringIO("[1, 2]"))) == [1, 2]
    with pytest.raises(ConfigError, match="--payload is not valid JSON"):
        core.load_payload("{nope")
    f.write_text("{bad")
    with pytest.raises(ConfigError, match="payload file .*e.json is not valid JSON"):
        core.load_payload(f"@{f}")
    with pytest.raises(ConfigError, match="stdin"):
        core.load_payload("-", io.StringIO("x"))
    with pytest.raises(ConfigError, match="cannot read"):
        core.load_payload(f"@{tmp_path / 'missing.json'}")


def test_trigger_event_respects_prefix_and_suffix() -> None:
    from lambdactl.config import Function, Trigger

    fn = Function(key="f", name="p-f", source=Path("."), handler="app.h",
                  triggers=(Trigger(bucket="bkt", prefix="in/", suffix=".csv"),))
    rec = core.trigger_event(fn, "s3-put", None, "us-east-1")["Records"][0]
    assert rec["s3"]["bucket"]["name"] == "bkt"
    assert rec["s3"]["object"]["key"].startswith("in/") and rec["s3"]["object"]["key"].endswith(".csv")
    assert rec["s3"]["configurationId"] == "lambdactl-p-f-0"
    with pytest.raises(ConfigError, match="no S3 trigger"):
        core.trigger_event(Function(key="g", name="p-g", source=Path("."), handler="a.b"), "s3-put", None, "r")


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


@pytest.fixture
def stubbed(project: Path, monkeypatch: pytest.MonkeyPatch) -> Stubber:
    """A Lambda client with a Stubber, handed to every App."""
    lam = boto3.client("lambda", region_name="us-east-1")
    stub = Stubber(lam)
    real_aws = App.aws

    def aws(self: App) -> Any:
        a = real_aws.fget(self)  # type: ignore[attr-defined]
        a._clients["lambda"] = lam
        a.invoke_client = lambda function_timeout, **_: lam  # type: ignore[method-assign]
        return a

    monkeypatch.setattr(App, "aws", property(aws))
    stub.activate()
    yield stub
    stub.deactivate()


def run(*args: str, code: int = 0, stdin: str | None = None) -> Any:
    result = CliRunner().invoke(root, ["--target", "aws", *args], input=stdin, catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result


def test_invoke_prints_payload_log_and_cost(stubbed: Stubber) -> None:
    stubbed.add_response("invoke", {
        "StatusCode": 200, "Payload": _body(b'{"statusCode": 200}'),
        "LogResult": base64.b64encode(TAIL.encode()).decode(), "ExecutedVersion": "$LATEST",
    }, {"FunctionName": "lambdactl-demo-hello", "InvocationType": "RequestResponse", "LogType": "Tail",
        "Payload": b'{"x": 1}'})
    res = run("invoke", "hello", "--payload", '{"x": 1}')
    assert json.loads(res.stdout) == {"statusCode": 200}
    assert "hello from the handler" in res.stderr
    assert "Billed Duration: 13 ms" in res.stderr and "Init Duration: 201.50 ms" in res.stderr
    want = 13 / 1000 * 128 / 1024 * 0.0000166667 + 0.2e-6
    assert f"Cost: ${want:.10f}".rstrip("0") in res.stderr


def test_invoke_json_output_and_function_error(stubbed: Stubber) -> None:
    err = {"errorMessage": "boom", "errorType": "ValueError", "stackTrace": ['  File "app.py", line 3\n']}
    stubbed.add_response("invoke", {
        "StatusCode": 200, "FunctionError": "Unhandled", "Payload": _body(json.dumps(err).encode()),
        "LogResult": base64.b64encode(TAIL.encode()).decode(),
    }, {"FunctionName": "lambdactl-demo-hello", "InvocationType": "RequestResponse", "LogType": "Tail",
        "Payload": ANY})
    res = run("-o", "json", "invoke", "hello", "--payload", "-", stdin='{"k": "v"}', code=1)
    doc = json.loads(res.stdout)
    assert doc["function_error"] == "Unhandled" and doc["error"]["errorType"] == "ValueError"
    assert doc["report"]["billed_ms"] == 13 and doc["cost_usd"] == pytest.approx(13 / 1000 / 8 * 0.0000166667 + 0.2e-6)

    stubbed.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled",
                                    "Payload": _body(json.dumps(err).encode())},
                         {"FunctionName": ANY, "InvocationType": ANY, "LogType": ANY, "Payload": ANY})
    res = run("invoke", "hello", code=1)
    assert "ValueError: boom" in res.stderr and 'File "app.py", line 3' in res.stderr
    assert res.stdout == ""


def test_invoke_async_dry_run_event_and_not_deployed(stubbed: Stubber) -> None:
    stubbed.add_response("invoke", {"StatusCode": 202},
                         {"FunctionName": "lambdactl-demo-hello", "InvocationType": "Event", "Payload": b"{}"})
    assert "queued" in run("invoke", "hello", "--async").stderr
    stubbed.add_response("invoke", {"StatusCode": 204},
                         {"FunctionName": "lambdactl-demo-list-buckets", "InvocationType": "DryRun", "Payload": b"{}"})
    assert "dry run" in run("invoke", "list-buckets", "--dry-run").stderr
    stubbed.add_response("invoke", {"StatusCode": 200, "Payload": _body(b"null")},
                         {"FunctionName": ANY, "InvocationType": ANY, "LogType": ANY, "Payload": ANY})
    run("invoke", "hello", "--event", "s3-put", "--key", "a b.txt")
    stubbed.add_client_error("invoke", "ResourceNotFoundException", "Function not found", 404)
    res = run("invoke", "hello", code=1)
    assert "not deployed" in res.stderr and "lambdactl up" in res.stderr


def test_invoke_usage_errors(project: Path) -> None:
    assert "exclusive" in run("invoke", "hello", "--payload", "{}", "--event", "s3-put", code=2).stderr
    assert "not valid JSON" in run("invoke", "hello", "--payload", "{x", code=2).stderr
    res = run("invoke", "nope", code=2)
    assert "known" in res.stderr
    assert "name one" in run("invoke", code=2).stderr


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_payload_file_decoded_by_its_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    f = tmp_path / "e.json"
    text = '{"city": "Zürich"}'
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    f.write_bytes(data)
    assert core.load_payload(f"@{f}") == text.encode("utf-8")
    assert core.load_payload("-", io.BytesIO(data)) == text.encode("utf-8")


def test_payload_without_bom_must_be_utf8(tmp_path: Path) -> None:
    f = tmp_path / "e.json"
    f.write_bytes('{"city": "Zürich"}'.encode("utf-16-le"))  # no BOM: not guessable
    with pytest.raises(ConfigError, match="is not UTF-8 text: byte 0xfc on line 1"):
        core.load_payload(f"@{f}")


def test_invoke_a_version_or_alias(stubbed: Stubber) -> None:
    """--qualifier goes to Invoke as Qualifier; the version that ran is shown."""
    stubbed.add_response("invoke", {"StatusCode": 200, "Payload": _body(b'"v1"'), "ExecutedVersion": "1"},
                         {"FunctionName": "lambdactl-demo-hello", "InvocationType": "RequestResponse",
                          "LogType": "Tail", "Payload": b"{}", "Qualifier": "live"})
    res = run("invoke", "hello", "--qualifier", "live")
    assert json.loads(res.stdout) == "v1" and "executed version 1" in res.stderr
    stubbed.add_client_error("invoke", "ResourceNotFoundException", "Function not found",
                             expected_params={"FunctionName": "lambdactl-demo-hello", "InvocationType": "RequestResponse",
                                              "LogType": "Tail", "Payload": b"{}", "Qualifier": "9"})
    res = run("invoke", "hello", "-q", "9", code=1)
    assert "version or alias 9 of lambdactl-demo-hello is not deployed" in res.stderr


def test_a_megabyte_error_message_is_clipped_on_stderr_not_in_json() -> None:
    """A handler raising with a 1 MB message printed all of it to the terminal."""
    error = {"errorType": "ValueError", "errorMessage": "m" * 1_000_000, "stackTrace": ["  File x"]}
    text = core.format_error(error)
    head = text.splitlines()[0]
    assert head == f"ValueError: {'m' * core.ERROR_SHOWN}… [{1_000_000 - core.ERROR_SHOWN} more characters; " \
                   "--output json has it whole]"
    assert text.splitlines()[1:] == ["  File x"]
    assert core.format_error({"errorType": "E", "errorMessage": "short"}) == "E: short"
