"""The sandbox's function URL mapping, pure: Lambda's answer -> HTTP response, the
request -> payload format 2.0; and moto's patch point (FunctionUrlConfig)."""

from __future__ import annotations

import base64
import inspect
import io
import json
from typing import Any

import pytest

from lambdactl.local import urls


def test_structured_answer() -> None:
    status, headers, body = urls.response(json.dumps({
        "statusCode": 404, "headers": {"x-a": "1"}, "cookies": ["c=1"], "body": "nope"}).encode(), None)
    assert (status, body) == (404, b"nope")
    assert ("x-a", "1") in headers and ("Set-Cookie", "c=1") in headers and ("Content-Type", "application/json") in headers


def test_base64_answer_is_decoded() -> None:
    payload = {"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}
    assert urls.response(json.dumps(payload).encode(), None)[2] == b"\x00\x01"


def test_bare_values_are_json_with_200() -> None:
    assert urls.response(b'{"a": 1}', None) == (200, [("Content-Type", "application/json")], b'{"a": 1}')
    assert urls.response(b'"hello"', None)[2] == b"hello"
    assert urls.response(b"[1, 2]", None)[2] == b"[1, 2]"


def test_function_error_is_502() -> None:
    assert urls.response(b'{"errorMessage": "boom"}', "Unhandled")[0] == 502


def test_routes_by_host_or_path() -> None:
    assert urls.route({"HTTP_HOST": "abc123.lambda-url.us-east-1.localhost:4577", "PATH_INFO": "/x"}) == ("abc123", "/x")
    assert urls.route({"HTTP_HOST": "127.0.0.1:4577", "PATH_INFO": "/lambda-url/abc123/y/z"}) == ("abc123", "/y/z")
    assert urls.route({"HTTP_HOST": "127.0.0.1:4577", "PATH_INFO": "/2015-03-31/functions"}) is None


def test_event_without_body_or_query() -> None:
    env = {"REQUEST_METHOD": "GET", "HTTP_HOST": "h", "HTTP_USER_AGENT": "ua", "QUERY_STRING": "",
           "wsgi.input": io.BytesIO()}
    e = urls.event(env, "abc", "/", b"", "us-east-1", "123456789012")
    assert "body" not in e and "queryStringParameters" not in e and e["isBase64Encoded"] is False
    assert e["requestContext"]["http"]["userAgent"] == "ua"


def test_moto_patch_point() -> None:
    from moto.awslambda.models import FunctionUrlConfig

    assert list(inspect.signature(FunctionUrlConfig.__init__).parameters) == ["self", "function", "config"]


def test_a_public_url_needs_both_statements(aws: Any, make_function: Any) -> None:
    """As on AWS since October 2025: auth NONE without lambda:InvokeFunctionUrl and
    lambda:InvokeFunction for "*" in the function's policy answers 403."""
    lam = aws("lambda")
    name = make_function("app.echo")
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    assert ".lambda-url.us-east-1.localhost:" in url
    assert get(url + "x")[0] == 403
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    assert get(url + "x")[0] == 403
    lam.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction", Principal="*",
                       InvokedViaFunctionUrl=True)
    status, body = get(url + "x?a=1")
    assert status == 200 and json.loads(body)["event"]["rawQueryString"] == "a=1"
    lam.delete_function_url_config(FunctionName=name)
    assert get(url + "x")[0] == 403


def get(url: str) -> tuple[int, bytes]:
    """GET through the path route (Python does not resolve *.localhost)."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    ident = parts.hostname.split(".", 1)[0]  # type: ignore[union-attr]
    plain = f"http://127.0.0.1:{parts.port}/lambda-url/{ident}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    try:
        with urllib.request.urlopen(plain, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_updates_apply_invoke_mode_and_an_empty_cors(aws: Any, make_function: Any) -> None:
    """moto 5.2 keeps both; Lambda applies them (else a no-op `up` would update forever)."""
    lam = aws("lambda")
    name = make_function("app.echo")
    lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM", Cors={"AllowOrigins": ["*"]})
    lam.update_function_url_config(FunctionName=name, Cors={}, InvokeMode="RESPONSE_STREAM")
    got = lam.get_function_url_config(FunctionName=name)
    assert (got.get("Cors") or {}, got["InvokeMode"]) == ({}, "RESPONSE_STREAM")


def test_a_url_request_lambda_refuses_is_its_status_not_a_500(aws: Any, make_function: Any) -> None:
    """A body over Lambda's 6 MB payload, or a function at its reserved concurrency: the
    Invoke underneath is refused before the function runs. The URL answered an HTML 500
    (werkzeug's, the traceback in sandbox.log); now 413 and 429, in the shape of its other
    errors."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    lam = aws("lambda")
    name = make_function("app.echo")
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction", Principal="*",
                       InvokedViaFunctionUrl=True)
    parts = urlsplit(url)
    plain = f"http://127.0.0.1:{parts.port}/lambda-url/{parts.hostname.split('.', 1)[0]}/"  # type: ignore[union-attr]
    request = urllib.request.Request(plain, data=b"x" * (7 * 1024 * 1024), method="POST",
                                     headers={"Content-Type": "text/plain"})
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a 7 MB body was accepted")
    except urllib.error.HTTPError as e:
        assert (e.code, json.loads(e.read())) == (413, {"Message": "Request Entity Too Large"})
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert get(url) == (429, b'{"Message":"Rate Exceeded."}')


def test_an_aws_iam_url_tells_the_function_who_signed(aws: Any, make_function: Any, sandbox: Any) -> None:
    """Lambda gives an AWS_IAM URL's function the signer (requestContext.authorizer.iam:
    its key, account, ARN and id, as STS names them) and the function's account; the
    sandbox gave "anonymous" and no authorizer, so code reading the caller failed there only."""
    import urllib.request
    from urllib.parse import urlsplit

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    name = make_function("app.echo")
    url = aws("lambda").create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    parts = urlsplit(url)
    plain = f"http://127.0.0.1:{parts.port}/lambda-url/{parts.hostname.split('.', 1)[0]}/who"  # type: ignore[union-attr]
    request = AWSRequest(method="GET", url=plain)
    SigV4Auth(Credentials(sandbox.access_key_id, sandbox.secret_access_key, sandbox.session_token),
              "lambda", "us-east-1").add_auth(request)
    with urllib.request.urlopen(urllib.request.Request(plain, headers=dict(request.headers)), timeout=30) as r:
        context = json.loads(r.read())["event"]["requestContext"]
    me = aws("sts").get_caller_identity()
    assert context["accountId"] == "123456789012"
    assert context["authorizer"]["iam"] == {
        "accessKey": sandbox.access_key_id, "accountId": me["Account"], "callerId": me["UserId"],
        "cognitoIdentity": None, "principalOrgId": None, "userArn": me["Arn"], "userId": me["UserId"]}


def test_a_url_answer_names_its_invocation_and_trace(aws: Any, make_function: Any) -> None:
    """A Lambda URL answers with x-amzn-RequestId (the handler's context.aws_request_id, its
    event's requestContext.requestId too) and X-Amzn-Trace-Id (the root of the handler's
    _X_AMZN_TRACE_ID), Date and a JSON Content-Type by default. It had neither id, and the
    event's requestId was another random one; a 403 carries a request id as well."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    lam = aws("lambda")
    name = make_function("app.traced")
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    parts = urlsplit(url)
    plain = f"http://127.0.0.1:{parts.port}/lambda-url/{parts.hostname.split('.', 1)[0]}/x"  # type: ignore[union-attr]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(plain, timeout=30)
    assert refused.value.code == 403 and refused.value.headers["x-amzn-RequestId"]
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction", Principal="*",
                       InvokedViaFunctionUrl=True)
    with urllib.request.urlopen(plain, timeout=30) as r:
        headers, body = r.headers, json.loads(r.read())
    assert headers["x-amzn-RequestId"] == body["request_id"] == body["event_request_id"]
    root = dict(p.split("=", 1) for p in body["env"]["_X_AMZN_TRACE_ID"].split(";"))["Root"]
    assert headers["X-Amzn-Trace-Id"] == f"root={root};sampled=0"
    assert headers["Content-Type"] == "application/json" and headers["Date"]
    # The event's headers, as Lambda's front end adds them: the trace, the client, scheme and port.
    seen = body["headers"]
    assert seen["x-amzn-trace-id"] == f"Root={root}"
    assert (seen["x-forwarded-for"], seen["x-forwarded-proto"], seen["x-forwarded-port"]) == (
        "127.0.0.1", "http", str(parts.port))
    given = "Root=1-6b129668-da696b43f3ff49d4abefae21;Sampled=1"
    with urllib.request.urlopen(urllib.request.Request(plain, headers={"X-Amzn-Trace-Id": given}), timeout=30) as r:
        headers, body = r.headers, json.loads(r.read())
    assert body["env"]["_X_AMZN_TRACE_ID"].startswith("Root=1-6b129668-da696b43f3ff49d4abefae21;Parent=")
    assert headers["X-Amzn-Trace-Id"] == "root=1-6b129668-da696b43f3ff49d4abefae21;sampled=1"


def test_a_urls_cors_configuration_is_applied(aws: Any, make_function: Any) -> None:
    """moto keeps Cors and nothing applied it: a browser's preflight reached the function (or,
    unsigned, an AWS_IAM URL's 403) and no answer named an allowed origin. As on Lambda, the URL
    answers a preflight itself, unsigned, and puts the configured headers on the function's
    answers to an allowed origin, in place of the function's own."""
    import urllib.request
    from urllib.parse import urlsplit

    lam = aws("lambda")

    def plain(url: str, path: str = "/x") -> str:
        parts = urlsplit(url)
        return f"http://127.0.0.1:{parts.port}/lambda-url/{parts.hostname.split('.', 1)[0]}{path}"  # type: ignore[union-attr]

    def call(url: str, method: str, headers: dict[str, str]) -> tuple[int, Any, bytes]:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers), timeout=30) as r:
            return r.status, r.headers, r.read()

    private = make_function("app.echo")
    cors = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-custom"],
            "MaxAge": 300, "AllowCredentials": True}
    url = plain(lam.create_function_url_config(FunctionName=private, AuthType="AWS_IAM", Cors=cors)["FunctionUrl"])
    status, headers, body = call(url, "OPTIONS", {"Origin": "https://app.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert (status, body) == (200, b"")
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert (headers["Access-Control-Allow-Methods"], headers["Access-Control-Allow-Headers"]) == ("GET,POST", "x-custom")
    assert (headers["Access-Control-Max-Age"], headers["Access-Control-Allow-Credentials"]) == ("300", "true")
    status, headers, _ = call(url, "OPTIONS", {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers

    public = make_function("app.echo")
    url = plain(lam.create_function_url_config(FunctionName=public, AuthType="NONE",
                                               Cors={"AllowOrigins": ["*"], "ExposeHeaders": ["x-amzn-RequestId"]})["FunctionUrl"])
    lam.add_permission(FunctionName=public, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName=public, StatementId="invoke", Action="lambda:InvokeFunction", Principal="*",
                       InvokedViaFunctionUrl=True)
    status, headers, body = call(url, "GET", {"Origin": "https://anywhere.example"})
    assert status == 200 and json.loads(body)["event"]["requestContext"]["http"]["method"] == "GET"
    assert (headers["Access-Control-Allow-Origin"], headers["Access-Control-Expose-Headers"]) == ("*", "x-amzn-RequestId")
    assert "Access-Control-Allow-Origin" not in call(url, "GET", {})[1]   # no Origin: not a CORS request
