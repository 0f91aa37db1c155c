"""The sandbox serves AWS's APIs and nothing else of what moto's server has.

moto's server also answers its own endpoints: ``/moto-api/*`` (reset every
backend, dump every model with its secrets as ``data.json``, change moto's
configuration, record and replay requests, seed its random ids) and the EC2
instance metadata service (``/latest/meta-data/``). Signed with any key the
sandbox knows, a role session's too, a handler could wipe every project of the
sandbox in one ``POST /moto-api/reset``. ``AwsOnly`` is moto's dispatcher with
those backends refused, to everybody, whichever way moto would have been led to
them (the path, a forged credential scope such as ``…/amazonaws.com/motoapi/…``,
a presigned URL's path): lambdactl never calls them, the sandbox's own key is
handed out to scripts by ``lambdactl local env``, and a fresh sandbox is
``lambdactl local stop`` then ``lambdactl local start``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from lambdactl.local.auth import Refused, refusal

NOT_AWS = frozenset({"moto_api", "instance_metadata"})   # moto's backend names


def _refuse(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    refused = Refused("AccessDenied", f"{path!r} is not an AWS API (moto's own endpoints and "
                      "instance metadata are served to nobody); to start afresh: "
                      "`lambdactl local stop`, then `lambdactl local start`")
    status, headers, payload = refusal(environ, refused)
    start_response(status, headers)
    return [payload]


class AwsOnly(DomainDispatcherApplication):
    """moto's DomainDispatcherApplication, answering 403 where it would pick a backend
    that is not an AWS service, and errors in AWS's shape where moto's Flask app would
    answer an HTML 500 (``_aws_errors``)."""

    def get_application(self, environ: dict[str, Any]) -> Any:
        app = super().get_application(environ)
        if getattr(app, "service", None) in NOT_AWS:
            return _refuse
        if not getattr(app, "aws_errors", False):
            _aws_errors(app)
        return app


def _aws_errors(app: Any) -> None:
    """An action the service does not have (any signed caller, a handler too, may send
    one) made moto raise botocore's OperationNotFoundError, and an action moto has not
    written raises NotImplementedError: Flask answered both with an HTML 500 and a
    traceback in sandbox.log, and botocore retried the 500 with backoff. AWS answers an
    unknown action with a 400 (InvalidAction / UnknownOperationException); an action
    the sandbox lacks is said as such, a 501 that botocore does not retry."""
    from botocore.model import OperationNotFoundError
    from flask import request

    def unknown(exc: Exception) -> Any:
        code = "UnknownOperationException" if request.headers.get("X-Amz-Target") else "InvalidAction"
        return _answer(Refused(code, f"The action {exc} is not valid for this web service."),
                       "400 Bad Request")

    def missing(exc: Exception) -> Any:
        detail = f" ({exc})" if str(exc) else ""
        return _answer(Refused("NotImplemented", "the sandbox (moto) does not implement this "
                               f"call{detail}; it works on AWS, not locally"), "501 Not Implemented")

    app.register_error_handler(OperationNotFoundError, unknown)
    app.register_error_handler(NotImplementedError, missing)
    app.aws_errors = True


def _answer(refused: Refused, status: str) -> Any:
    from flask import Response, request

    status, headers, payload = refusal(request.environ, refused, status)
    return Response(payload, status=status, headers=headers)


def untrack() -> None:
    """moto keeps every model object it ever made (each log event, S3 object, role session,
    deleted ones too) in a class list, for the dashboard refused above: the sandbox's memory
    grew by every line a handler printed (~1.3 MB per MB), trimmed or not. Made untracked."""
    from moto.core.common_models import BaseModel

    def new(cls: type, *args: Any, **kwargs: Any) -> Any:
        return super(BaseModel, cls).__new__(cls)  # type: ignore[misc]

    BaseModel.__new__ = staticmethod(new)  # type: ignore[method-assign]
