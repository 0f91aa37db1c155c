"""Function URLs on the sandbox: each served on the sandbox's own port.

moto 5.2 stores a URL config but serves nothing (its URL is an on.aws name that
resolves nowhere). Here each URL is ``http://<id>.lambda-url.<region>.localhost:<port>/``
(curl, browsers and systemd resolve *.localhost to 127.0.0.1), also reachable as
``http://127.0.0.1:<port>/lambda-url/<id>/...`` for clients that do not. ``Router``
sends such requests to the function with Lambda's payload format 2.0 event and
maps its answer to the HTTP response as Lambda does; anything else goes on to
moto (behind the signature check). Auth AWS_IAM: an unsigned or wrongly signed
request gets 403, as on AWS.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote

HOST = re.compile(r"^([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.localhost(?::\d+)?$")
PATH = re.compile(r"^/lambda-url/([a-z0-9]+)(/.*)?$")
TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded")
_configs: dict[str, Any] = {}   # url id -> moto's FunctionUrlConfig


def install(endpoint: str) -> None:
    """moto's URL configs get a sandbox URL (and are registered for Router)."""
    from moto.awslambda.models import FunctionUrlConfig

    port = endpoint.rsplit(":", 1)[-1]
    original = FunctionUrlConfig.__init__

    def init(self: Any, function: Any, config: dict[str, Any]) -> None:
        original(self, function, config)
        ident = uuid.uuid4().hex
        self.url = f"http://{ident}.lambda-url.{function.region}.localhost:{port}/"
        _configs[ident] = self

    FunctionUrlConfig.__init__ = init  # type: ignore[method-assign]
    original_update = FunctionUrlConfig.update

    def update(self: Any, new_config: dict[str, Any]) -> None:
        original_update(self, new_config)
        # moto 5.2 ignores InvokeMode and an empty Cors on update; Lambda applies both.
        self.config.update({k: new_config[k] for k in ("Cors", "InvokeMode") if k in new_config})

    FunctionUrlConfig.update = update  # type: ignore[method-assign]
    _keep_qualifier()


def _keep_qualifier() -> None:
    """moto 5.2 ignores CreateFunctionUrlConfig's Qualifier: the URL ran $LATEST. The
    qualifier is kept on the config; requests invoke that alias (with its weights)."""
    from moto.awslambda.responses import LambdaResponse

    original = LambdaResponse.create_function_url_config

    def create(self: Any) -> Any:
        answer = original(self)
        fn = self.backend.get_function(unquote(self.path.split("/")[-2]))
        fn.url_config.qualifier = (self.querystring.get("Qualifier") or [""])[0]
        return answer

    LambdaResponse.create_function_url_config = create  # type: ignore[method-assign]


def _find(ident: str) -> Any | None:
    """The URL config of a function that still has it (not deleted, not replaced)."""
    from moto.awslambda.models import lambda_backends

    config = _configs.get(ident)
    if config is None or config.function.url_config is not config:
        return None
    fn = config.function
    try:
        lambda_backends[fn.account_id][fn.region].get_function(fn.function_name)
    except Exception:  # noqa: BLE001 - deleted meanwhile: no such URL
        return None
    return config


def route(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(url id, path) if the request is for a function URL, else None."""
    if m := HOST.fullmatch(str(environ.get("HTTP_HOST", ""))):
        return m.group(1), str(environ.get("PATH_INFO") or "/")
    if m := PATH.fullmatch(str(environ.get("PATH_INFO", ""))):
        return m.group(1), m.group(2) or "/"
    return None


def event(environ: dict[str, Any], ident: str, path: str, body: bytes, region: str, account: str,
          caller: dict[str, Any] | None = None, request_id: str = "", trace: str = "") -> dict[str, Any]:
    """Lambda's payload format 2.0 for this request; CALLER: an AWS_IAM URL's signer
    (``caller``), whose request carries the function's account and ``authorizer.iam``;
    REQUEST_ID: the invocation's (the response's x-amzn-RequestId); TRACE: its X-Ray header."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.removeprefix("HTTP_").replace("_", "-").lower()
            if value:
                headers[name] = f"{headers[name]},{value}" if name in headers else str(value)
    # What Lambda's front end adds: the client's address (after any the client named), the
    # scheme and port it was reached on (here plain HTTP on the sandbox's port), the trace.
    client = str(environ.get("REMOTE_ADDR", "127.0.0.1"))
    headers["x-forwarded-for"] = f"{headers['x-forwarded-for']}, {client}" if "x-forwarded-for" in headers else client
    headers.update({"x-forwarded-proto": "http", "x-forwarded-port": str(environ.get("SERVER_PORT", ""))})
    headers.update({"x-amzn-trace-id": trace} if trace else {})
    query = str(environ.get("QUERY_STRING", ""))
    params: dict[str, str] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        params[k] = f"{params[k]},{v}" if k in params else v
    now = time.time()
    method = str(environ.get("REQUEST_METHOD", "GET"))
    out: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": {k: v for k, v in headers.items() if k != "cookie"},
        "requestContext": {
            "accountId": account if caller else "anonymous", "apiId": ident, "domainName": headers.get("host", "").split(":")[0],
            "domainPrefix": ident, "requestId": request_id or str(uuid.uuid4()), "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
            "http": {"method": method, "path": path, "protocol": str(environ.get("SERVER_PROTOCOL", "HTTP/1.1")),
                     "sourceIp": str(environ.get("REMOTE_ADDR", "127.0.0.1")), "userAgent": headers.get("user-agent", "")},
        },
        "isBase64Encoded": False,
    }
    if caller:
        out["requestContext"]["authorizer"] = {"iam": caller}
    if "cookie" in headers:
        out["cookies"] = [c.strip() for c in headers["cookie"].split(";") if c.strip()]
    if params:
        out["queryStringParameters"] = params
    if body:
        text = any(t in headers.get("content-type", "") for t in TEXT_TYPES)
        out["body"] = body.decode("utf-8", "replace") if text else base64.b64encode(body).decode()
        out["isBase64Encoded"] = not text
    return out


def response(payload: bytes, function_error: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
    """The HTTP response Lambda makes of a function's answer."""
    if function_error:
        return 502, [("Content-Type", "application/json")], b'{"Message":"Internal Server Error"}'
    try:
        value = json.loads(payload or b"null")
    except ValueError:
        return 502, [("Content-Type", "application/json")], b'{"Message":"Internal Server Error"}'
    if not (isinstance(value, dict) and "statusCode" in value):
        # No statusCode: the answer is the body, as JSON, with 200.
        return 200, [("Content-Type", "application/json")], value.encode() if isinstance(value, str) else payload
    headers = [(str(k), str(v)) for k, v in (value.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(c)) for c in value.get("cookies") or []]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body: Any = value.get("body")
    raw = b"" if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    if value.get("isBase64Encoded") and body is not None:
        raw = base64.b64decode(raw)
    return int(value["statusCode"]), headers, raw


def caller(environ: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """Who signed an AWS_IAM URL's request, as Lambda hands it to the function
    (requestContext.authorizer.iam) and STS's GetCallerIdentity names it: a role's
    session, or the sandbox's own key (moto's default user). It had none: code reading
    the caller's ARN failed on the sandbox only."""
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    from lambdactl.local.auth import signing_key

    key = signing_key(environ)
    user_id, arn, owner = sts_backends[account][get_partition(region)].get_caller_identity(key, region)
    return {"accessKey": key, "accountId": owner, "callerId": user_id, "cognitoIdentity": None,
            "principalOrgId": None, "userArn": arn, "userId": user_id}


def refused(error: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """The URL's answer to an invocation Lambda refused before running it: an event over
    the 6 MB of a synchronous payload (413), a function at its reserved concurrency (429);
    anything else is a 502, as a function's own error. (It was an HTML 500 from werkzeug,
    the traceback in sandbox.log.)"""
    words = {413: "Request Entity Too Large", 429: "Rate Exceeded."}
    status = error.code if error.code in words else 502
    body = json.dumps({"Message": words.get(status, "Internal Server Error")}, separators=(",", ":"))
    return status, [("Content-Type", "application/json")], body.encode()


def iam_allowed(environ: dict[str, Any], function_arn: str, target: str) -> bool:
    """An AWS_IAM URL answers a role session only where its role's policies allow
    lambda:InvokeFunctionUrl on the function, or the resource policy of the qualifier
    the URL names (TARGET) lets anyone."""
    from lambdactl.local.auth import signing_key
    from lambdactl.local.enforce import role_may

    key = signing_key(environ)
    region = function_arn.split(":")[3] if function_arn.count(":") >= 6 else "us-east-1"
    url_keys = {"lambda:functionurlauthtype": ["AWS_IAM"]}   # IAM's context for InvokeFunctionUrl
    return bool(key) and role_may(key, "lambda:InvokeFunctionUrl", function_arn, region, url_keys) \
        or public_allowed(target)


def public_allowed(function_arn: str) -> bool:
    """Lambda answers a URL with auth NONE only when the function's resource policy
    lets anyone ("*") call lambda:InvokeFunctionUrl and, since October 2025,
    lambda:InvokeFunction too."""
    from lambdactl.local.s3_policy import policy_statements

    granted: set[str] = set()
    for st in policy_statements(function_arn):
        principal = st.get("Principal")
        if st.get("Effect", "Allow") == "Allow" and (principal == "*" or principal == {"AWS": "*"}):
            actions = st.get("Action")
            granted.update(str(a) for a in (actions if isinstance(actions, list) else [actions]))
    if granted & {"*", "lambda:*"}:
        return True
    return {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"} <= granted


class Router:
    """WSGI middleware: function URL requests to the function, the schedule clock's
    signed TICK to the scheduler (local/scheduler.py), the rest to INNER."""

    def __init__(self, inner: Callable[..., Iterable[bytes]], verify: Callable[[dict[str, Any]], bytes],
                 tick: Callable[[dict[str, Any]], bytes] | None = None) -> None:
        from lambdactl.local.scheduler import TICK_PATH

        self.inner, self.verify, self.tick, self.tick_path = inner, verify, tick, TICK_PATH

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.tick is not None and environ.get("PATH_INFO") == self.tick_path:
            return self.ticked(environ, start_response)
        found = route(environ)
        if found is None:
            return self.inner(environ, start_response)
        status, headers, body = self.serve(environ, *found)
        if not any(name == "x-amzn-RequestId" for name, _ in headers):   # Lambda names one on every answer
            headers = [*headers, ("x-amzn-RequestId", str(uuid.uuid4()))]
        if not isinstance(body, bytes):   # streamed: no length, werkzeug sends it chunked
            start_response(f"{status} {HTTPStatus(status).phrase}", headers)
            return body
        start_response(f"{status} {HTTPStatus(status).phrase}", [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def ticked(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from lambdactl.local.auth import Refused, refusal

        assert self.tick is not None
        try:
            self.verify(environ)
            body = self.tick(environ)   # Refused too, for any key but the sandbox's own
        except Refused as refused:
            status, headers, payload = refusal(environ, refused)
            start_response(status, headers)
            return [payload]
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def serve(self, environ: dict[str, Any], ident: str, path: str
              ) -> tuple[int, list[tuple[str, str]], bytes | Iterator[bytes]]:
        from moto.core.exceptions import JsonRESTError

        from lambdactl.local import urlcors
        from lambdactl.local.aliases import invoke
        from lambdactl.local.auth import Refused

        config = _find(ident)
        forbidden = 403, [("Content-Type", "application/json")], b'{"Message":"Forbidden"}'
        if config is None:
            return forbidden
        cors = config.config.get("Cors") or {}
        if (answer := urlcors.preflight(cors, environ)) is not None:   # Lambda's own, unsigned
            return answer
        fn = config.function
        qualifier = getattr(config, "qualifier", "")
        target = f"{fn.function_arn}:{qualifier}" if qualifier else fn.function_arn
        signer: dict[str, Any] | None = None   # AWS_IAM: who signed (requestContext.authorizer)
        if config.config.get("AuthType") == "AWS_IAM":
            try:
                body = self.verify(environ)   # SigV4 with the sandbox's credentials (or a role's)
            except Refused:
                return forbidden
            if not iam_allowed(environ, fn.function_arn, target):
                return forbidden
            signer = caller(environ, fn.account_id, fn.region)
        elif not public_allowed(target):   # a URL on an alias: that alias's policy, as Lambda
            return forbidden
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = bytes(environ["wsgi.input"].read(length)) if length else b""
        rid, trace = str(uuid.uuid4()), _trace(environ)
        payload = json.dumps(event(environ, ident, path, body, fn.region, fn.account_id, signer, rid, trace))

        def call() -> tuple[int, list[tuple[str, str]], bytes]:
            answer: dict[str, Any] = {"x-amzn-requestid": rid}   # patch._invoke runs it under this id
            try:
                result = invoke(target, payload, "RequestResponse", answer, trace)
            except JsonRESTError as error:   # refused before it ran
                return refused(error)
            status, headers, raw = response(result if isinstance(result, bytes) else str(result).encode(),
                                            answer.get("x-amz-function-error"))
            traced = [("X-Amzn-Trace-Id", answer["x-amzn-trace-id"])] if "x-amzn-trace-id" in answer else []
            return status, [*headers, *traced], raw

        status, headers, out = streamed(call) if config.config.get("InvokeMode") == "RESPONSE_STREAM" else call()
        return status, urlcors.applied(cors, environ, [*headers, ("x-amzn-RequestId", rid)]), out


def _trace(environ: dict[str, Any]) -> str:
    """The request's X-Ray header: the client's, if it names a trace, else a new root."""
    from lambdactl.local.invocation import TRACE_ROOT, new_root

    given = str(environ.get("HTTP_X_AMZN_TRACE_ID", ""))
    root = next((p.strip()[5:] for p in given.split(";") if p.strip().lower().startswith("root=")), "")
    return given if TRACE_ROOT.fullmatch(root) else f"Root={new_root()}"


def streamed(call: Callable[[], tuple[int, list[tuple[str, str]], bytes]]
             ) -> tuple[int, list[tuple[str, str]], bytes | Iterator[bytes]]:
    """CALL in a thread, listening: a runtime that streams (local/streams.py) has its
    chunks passed on as they come; an answer that came whole is mapped as a buffered one."""
    import threading

    from lambdactl.local import streams

    stream, done = streams.Stream(), []

    def run() -> None:
        with streams.listening(stream):
            try:
                done.append(call())
            finally:
                stream.close()

    threading.Thread(target=run, name="url-stream", daemon=True).start()
    head = stream.head()
    if head is not None:
        return head
    if not done:   # the invocation itself failed in the sandbox
        return 502, [("Content-Type", "application/json")], b'{"Message":"Internal Server Error"}'
    return done[0]

