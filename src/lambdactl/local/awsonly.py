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
    that is not an AWS service."""

    def get_application(self, environ: dict[str, Any]) -> Any:
        app = super().get_application(environ)
        return _refuse if getattr(app, "service", None) in NOT_AWS else app


def untrack() -> None:
    """moto keeps every model object it ever made (each log event, S3 object, role session,
    deleted ones too) in a class list, for the dashboard refused above: the sandbox's memory
    grew by every line a handler printed (~1.3 MB per MB), trimmed or not. Made untracked."""
    from moto.core.common_models import BaseModel

    def new(cls: type, *args: Any, **kwargs: Any) -> Any:
        return super(BaseModel, cls).__new__(cls)  # type: ignore[misc]

    BaseModel.__new__ = staticmethod(new)  # type: ignore[method-assign]
