"""Contract with moto: the patch point lambdactl's sandbox relies on.

If one of these fails after a moto upgrade, re-read
moto/awslambda/models.py (LambdaFunction.invoke) and moto/s3/notifications.py
(_invoke_awslambda) before moving the pin in pyproject.toml.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import moto
import pytest
from moto.awslambda.models import LambdaFunction

from lambdactl.local import patch
from tests.local.conftest import package


def test_moto_is_the_pinned_minor_version() -> None:
    assert moto.__version__.startswith("5.2.")


def test_lambda_function_invoke_signature() -> None:
    params = list(inspect.signature(LambdaFunction.invoke).parameters)
    assert params == ["self", "body", "request_headers", "response_headers"]
    patch.check_patch_point()


def test_s3_notifications_call_invoke_with_empty_headers() -> None:
    from moto.s3 import notifications

    source = inspect.getsource(notifications._invoke_awslambda)
    assert "func.invoke(json.dumps(event_body), {}, {})" in source


def test_strict_patch_points_exist() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    assert list(inspect.signature(S3Response._notification_config_from_body).parameters) == ["self"]
    assert list(inspect.signature(S3Backend.put_bucket_notification_configuration).parameters) == [
        "self",
        "bucket_name",
        "notification_config",
    ]
    assert list(inspect.signature(LambdaBackend.create_function).parameters) == ["self", "spec"]
    assert list(inspect.signature(S3Response._bucket_response_put).parameters) == [
        "self", "request", "bucket_name", "querystring"]
    from moto.awslambda.models import LambdaFunction
    from moto.events.models import Rule

    assert list(inspect.signature(Rule.send_to_targets).parameters) == [
        "self", "original_event", "transform_input"]
    assert list(inspect.signature(LambdaFunction.update_function_code).parameters) == [
        "self", "updated_spec"]
    assert list(inspect.signature(LambdaFunction.update_configuration).parameters) == [
        "self", "config_updates"]
    # IAM enforcement (enforce.py) runs moto's own check for role sessions.
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import IAMRequest
    from moto.sts.models import STSBackend

    assert list(inspect.signature(
        ActionAuthenticatorMixin._authenticate_and_authorize_action).parameters) == [
        "self", "iam_request_cls", "resource"]
    assert list(inspect.signature(IAMRequest.__init__).parameters) == [
        "self", "account_id", "method", "path", "data", "body", "headers", "action"]
    assert "get_assumed_role_from_access_key" in dir(STSBackend)


def test_moto_still_lacks_what_strict_adds() -> None:
    """When this fails, moto learned it: drop the matching wrapper in strict.py / eventbridge.py."""
    from moto.events import models as events

    source = inspect.getsource(events.Rule.send_to_targets)
    assert 'arn.service == "lambda"' not in source
    from moto.awslambda.models import LambdaFunction

    assert "Architectures" not in inspect.getsource(LambdaFunction.update_function_code)
    assert "RevisionId" not in inspect.getsource(LambdaFunction.get_configuration)


def test_moto_still_ignores_tags_at_create_bucket() -> None:
    """When this fails, moto tags buckets at CreateBucket itself: drop strict._tags_at_create."""
    import boto3
    from moto import mock_aws

    from lambdactl.local import strict

    strict.uninstall()
    try:
        with mock_aws():
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="plain", CreateBucketConfiguration={"Tags": [{"Key": "k", "Value": "v"}]})
            with pytest.raises(s3.exceptions.ClientError, match="NoSuchTagSet"):
                s3.get_bucket_tagging(Bucket="plain")
    finally:
        strict.install_features()


def test_tags_at_create_bucket_with_the_feature_installed() -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket="tagged", CreateBucketConfiguration={
            "LocationConstraint": "eu-west-1", "Tags": [{"Key": "k", "Value": "v"}, {"Key": "e", "Value": ""}]})
        assert s3.get_bucket_tagging(Bucket="tagged")["TagSet"] == [
            {"Key": "k", "Value": "v"}, {"Key": "e", "Value": ""}]
        s3.create_bucket(Bucket="untagged", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        with pytest.raises(s3.exceptions.ClientError, match="NoSuchTagSet"):
            s3.get_bucket_tagging(Bucket="untagged")


def test_check_patch_point_names_the_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LambdaFunction, "invoke", lambda self, body: None)
    with pytest.raises(patch.PatchError, match=f"moto {moto.__version__}"):
        patch.check_patch_point()


def test_s3_put_object_runs_the_handler_into_the_log_group(
    aws: Callable[[str], Any], make_function: Any, wait_for_log: Any
) -> None:
    bucket, name = "contract-bucket", make_function("app.on_upload")
    aws("s3").create_bucket(Bucket=bucket)
    arn = aws("lambda").add_permission(
        FunctionName=name,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
    )
    assert "s3.amazonaws.com" in json.loads(arn["Statement"])["Principal"]["Service"]
    function_arn = aws("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    aws("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    aws("s3").put_object(Bucket=bucket, Key="contract.txt", Body=b"x")
    wait_for_log(f"/aws/lambda/{name}", f"uploaded {bucket}/contract.txt")


def test_alias_routing_patch_point() -> None:
    """local/aliases.py wraps LambdaBackend.invoke and reads moto's aliases."""
    from moto.awslambda import responses
    from moto.awslambda.models import LambdaAlias, LambdaBackend, LambdaStorage

    from lambdactl.local import strict

    def moto_own(owner: Any, name: str) -> Any:   # moto's own method, if the sandbox wrapped it
        return strict._originals.get((owner, name), getattr(owner, name))

    assert list(inspect.signature(moto_own(LambdaBackend, "invoke")).parameters) == [
        "self", "function_name", "qualifier", "body", "headers", "response_headers"]
    invoke_source = inspect.getsource(moto_own(responses.LambdaResponse, "invoke"))
    assert "self.backend.invoke(\n            function_name, qualifier, self.body, self.headers, response_headers" \
        in invoke_source
    assert list(inspect.signature(LambdaStorage._get_function_aliases).parameters) == ["self", "function_name"]
    # moto 5.2 reads the lowercase name; boto3 sends Qualifier (aliases.qualified copies it).
    assert 'qualifier = self._get_param("qualifier")' in invoke_source
    alias = LambdaAlias("123456789012", "us-east-1", "live", "fn", "1", "", {"AdditionalVersionWeights": {"2": 0.1}})
    assert (alias.function_version, alias.routing_config) == ("1", {"AdditionalVersionWeights": {"2": 0.1}})
    # A published version is a copy of $LATEST with its own version and ARN (what runs).
    assert "fn = copy.copy(self._functions[name][\"latest\"])" in inspect.getsource(LambdaStorage.publish_version)


def test_weighted_choice_and_names() -> None:
    from lambdactl.local.aliases import choose, split

    assert choose({"2": 0.1}, "1", 0.05) == "2" and choose({"2": 0.1}, "1", 0.1) == "1"
    assert split("fn", "live") == ("fn", "live") and split("fn:live", None) == ("fn", "live")
    assert split("arn:aws:lambda:us-east-1:123456789012:function:fn:live", None) == ("fn", "live")
    assert split("arn:aws:lambda:us-east-1:123456789012:function:fn", "3") == ("fn", "3")


def test_event_invoke_config_patch_points() -> None:
    """local/async_configs.py replaces moto's LambdaResponse methods by these names and
    reads the function name from the path as moto does; builds moto's EventInvokeConfig;
    local/aliases.py replaces moto.s3.notifications._invoke_awslambda."""
    from moto.awslambda.models import EventInvokeConfig
    from moto.awslambda.responses import LambdaResponse
    from moto.s3 import notifications

    from lambdactl.local import async_configs, strict

    for name in async_configs.RESPONSES:
        original = strict._originals.get((LambdaResponse, name), getattr(LambdaResponse, name))
        assert list(inspect.signature(original).parameters) == ["self"]
        assert ('rsplit("/", 3)[1]' if name.startswith("list") else 'rsplit("/", 2)[1]') in inspect.getsource(original)
    assert EventInvokeConfig("arn", "now", {"MaximumRetryAttempts": 1}).config == {"MaximumRetryAttempts": 1}
    s3 = strict._originals.get((notifications, "_invoke_awslambda"), notifications._invoke_awslambda)
    assert list(inspect.signature(s3).parameters) == ["account_id", "event_body", "fn_arn", "region_name"]
    assert "_invoke_awslambda(account_id, event_body, notification.arn, region_name)" in inspect.getsource(notifications)


def test_destination_record_shape() -> None:
    from lambdactl.local.destinations import record

    doc = record("arn:aws:lambda:us-east-1:123456789012:function:f", "$LATEST", "rid", b'{"a": 1}',
                 b'{"errorType": "E"}', "Unhandled", "RetriesExhausted", 3)
    assert doc["requestContext"] == {"requestId": "rid", "condition": "RetriesExhausted", "approximateInvokeCount": 3,
                                     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"}
    assert doc["requestPayload"] == {"a": 1} and doc["responsePayload"] == {"errorType": "E"}
    assert doc["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert doc["timestamp"].endswith("Z") and doc["version"] == "1.0"
    version = record("arn:aws:lambda:us-east-1:123456789012:function:f:2", "2", "r", b"{}", b"", None, "Success", 1)
    assert version["requestContext"]["functionArn"].endswith(":function:f:2")
    assert "functionError" not in version["responseContext"] and version["responsePayload"] is None


def test_speedups_patch_what_moto_calls_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """speedups.py caches two per-request lookups and skips parsing a large JSON body as a query
    string; moto must still call them by these names."""
    import moto.backends
    import moto.core.responses
    from moto.awslambda.responses import LambdaResponse
    from moto.moto_server import werkzeug_app

    from lambdactl.local import speedups

    assert "backends.list_of_moto_modules()" in inspect.getsource(werkzeug_app)
    assert "method_names_from_class(self.__class__)" in inspect.getsource(
        moto.core.responses.BaseResponse.call_action)
    modules = list(moto.backends.list_of_moto_modules())
    methods = moto.core.responses.method_names_from_class(LambdaResponse)
    monkeypatch.setattr(moto.backends, "list_of_moto_modules", moto.backends.list_of_moto_modules)
    monkeypatch.setattr(moto.core.responses, "method_names_from_class",
                        moto.core.responses.method_names_from_class)
    monkeypatch.setattr(moto.core.responses, "parse_qsl", moto.core.responses.parse_qsl)
    monkeypatch.setattr(moto.core.responses, "camelcase_to_underscores",
                        moto.core.responses.camelcase_to_underscores)
    base = moto.core.responses.BaseResponse
    monkeypatch.setattr(base, "_enrich_response", base.__dict__["_enrich_response"])
    from moto.core.base_backend import BackendDict

    monkeypatch.setattr(BackendDict, "_create_account_specific_backend",
                        BackendDict._create_account_specific_backend)
    assert "parse_qsl(\n                                self.body, keep_blank_values=True" in inspect.getsource(
        moto.core.responses.BaseResponse.setup_class)
    speedups.install()
    assert list(moto.backends.list_of_moto_modules()) == modules and "awslambda" in modules
    big = '{"Content": {"ZipFile": "' + "QUJD+/==" * (speedups.LARGE_BODY // 8) + '"}}'
    assert moto.core.responses.parse_qsl(big, keep_blank_values=True) == [(big, "")]   # one junk key, as before
    assert moto.core.responses.parse_qsl("a=1&b=%20", keep_blank_values=True) == [("a", "1"), ("b", " ")]
    assert moto.core.responses.method_names_from_class(LambdaResponse) == methods
    assert moto.core.responses.method_names_from_class(LambdaResponse) is \
        moto.core.responses.method_names_from_class(LambdaResponse)  # computed once


def test_speedups_skip_the_request_id_expression_where_it_cannot_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """moto runs a regular expression over every response body to put the request id in
    an XML <RequestId>; speedups.py runs it only on bodies that have one."""
    import re

    import moto.core.responses
    from moto.core.responses import BaseResponse

    from lambdactl.local import speedups

    assert 're.sub(r"(?<=<RequestId>).*(?=<\\/RequestId>)", request_id, body)' in inspect.getsource(
        moto.core.responses)
    monkeypatch.setattr(BaseResponse, "_enrich_response", BaseResponse.__dict__["_enrich_response"])
    speedups.install()
    bodies: list[object] = []
    original_sub = re.sub
    monkeypatch.setattr(re, "sub", lambda p, r, body, *a, **k: bodies.append(body) or original_sub(p, r, body, *a, **k))
    events = '{"events": [' + ", ".join(['{"message": "uploaded k.txt"}'] * 400) + "]}"
    headers, body = BaseResponse._enrich_response({"status": 200}, events)
    assert body == events and headers["status"] == "200" and len(headers["x-amzn-requestid"]) == 52
    assert BaseResponse._enrich_response({}, b"<RequestId>x</RequestId>")[1] == b"<RequestId>x</RequestId>"
    headers, xml = BaseResponse._enrich_response({}, "<R><RequestId>old</RequestId></R>")
    assert xml == f"<R><RequestId>{headers['x-amzn-requestid']}</RequestId></R>"
    assert events not in bodies and "<R><RequestId>old</RequestId></R>" in bodies


def test_speedups_draw_random_strings_in_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's request ids (and other ids) come from MotoRandom.get_random_string: speedups.py
    draws the same alphabet and length in one call, still from moto's seedable generator."""
    import string

    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.moto_random import MotoRandom
    from moto.utilities.aws_headers import gen_amzn_requestid_long

    from lambdactl.local import speedups

    assert "random.get_random_string(length=52)" in inspect.getsource(gen_amzn_requestid_long)
    _undo_speedups_after(monkeypatch)
    monkeypatch.setattr(MotoRandom, "get_random_string", MotoRandom.get_random_string)
    speedups.install()
    assert MotoRandom.get_random_string is speedups.random_string
    ids = [gen_amzn_requestid_long() for _ in range(400)]
    assert all(len(i) == 52 and set(i) <= set(string.ascii_letters + string.digits) for i in ids)
    assert len(set(ids)) == 400 and set("".join(ids)) == set(string.ascii_letters + string.digits)
    assert set(mock_random.get_random_string(4000, include_digits=False)) == set(string.ascii_letters)
    assert mock_random.get_random_string(30, lower_case=True).islower()
    mock_random.seed(7)
    first = mock_random.get_random_string(20)
    mock_random.seed(7)
    assert mock_random.get_random_string(20) == first   # moto's seed still makes ids repeat
    mock_random.seed()


def _undo_speedups_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """What speedups.install() patches in moto, restored when the test ends."""
    import moto.backends
    import moto.core.responses

    monkeypatch.setattr(moto.backends, "list_of_moto_modules", moto.backends.list_of_moto_modules)
    for name in ("method_names_from_class", "parse_qsl", "camelcase_to_underscores"):
        monkeypatch.setattr(moto.core.responses, name, getattr(moto.core.responses, name))
    base = moto.core.responses.BaseResponse
    monkeypatch.setattr(base, "_enrich_response", base.__dict__["_enrich_response"])
    from moto.core.base_backend import BackendDict

    monkeypatch.setattr(BackendDict, "_create_account_specific_backend",
                        BackendDict._create_account_specific_backend)


def test_speedups_look_known_accounts_up_without_the_lock_and_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A backend lookup of an account already there skips moto's lock, list and scan of
    BackendDict._instances; a new account, and every account after a reset, still goes
    through moto's own registration (so the next reset still finds the dict)."""
    from moto.core import base_backend
    from moto.core.base_backend import BackendDict
    from moto.logs.models import logs_backends

    from lambdactl.local import speedups

    _undo_speedups_after(monkeypatch)
    speedups.install()
    scans: list[str] = []

    class Lock:
        def __enter__(self) -> None:
            scans.append("lock")

        def __exit__(self, *_: object) -> None:
            pass

    monkeypatch.setattr(base_backend, "backend_lock", Lock())
    logs_backends["123456789012"]["us-east-1"]   # registered now, or before this test
    assert logs_backends in BackendDict._instances
    scans.clear()
    logs_backends["123456789012"]["us-east-1"]
    assert scans == []
    logs_backends["210987654321"]["us-east-1"]   # a new account: moto's code
    assert scans
    BackendDict.reset()
    assert logs_backends not in BackendDict._instances
    logs_backends["123456789012"]["us-east-1"]
    assert logs_backends in BackendDict._instances   # registered again, for the next reset


def test_last_modified_is_written_as_lambda_writes_it(aws: Any, make_function: Any) -> None:
    """moto wrote "2026-12-03T21:00:28.343247000Z"; Lambda writes "...28.343+0000", which a
    script parses with strptime(..., "%Y-%m-%dT%H:%M:%S.%f%z")."""
    import re
    from datetime import datetime

    lam = aws("lambda")
    name = make_function("app.echo")
    stamps = [lam.get_function(FunctionName=name)["Configuration"]["LastModified"]]
    stamps.append(lam.update_function_configuration(FunctionName=name, MemorySize=256)["LastModified"])
    stamps.append(lam.update_function_code(FunctionName=name, ZipFile=package("app.py"))["LastModified"])
    stamps.append(lam.publish_version(FunctionName=name)["LastModified"])
    stamps += [f["LastModified"] for f in lam.list_functions()["Functions"] if f["FunctionName"] == name]
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", stamp), stamp
        datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_speedups_turn_an_actions_name_into_its_method_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's call_action turns the action's name into its method's name with
    camelcase_to_underscores, a character at a time, on every request: speedups.py keeps
    its answers (the same ones)."""
    import moto.core.responses
    from moto.core import utils

    from lambdactl.local import speedups

    assert "camelcase_to_underscores(self._get_action())" in inspect.getsource(
        moto.core.responses.BaseResponse.call_action)
    calls: list[str] = []
    original = utils.camelcase_to_underscores
    _undo_speedups_after(monkeypatch)
    monkeypatch.setattr(moto.core.responses, "camelcase_to_underscores",
                        lambda name: calls.append(name) or original(name))
    speedups.install()
    names = ["Invoke", "GetFunction", "PutLogEvents", "ListTagsForResource", "theNewAttribute", ""]
    assert [moto.core.responses.camelcase_to_underscores(n) for n in names * 3] == \
        [original(n) for n in names] * 3
    assert calls == names   # each worked out once
