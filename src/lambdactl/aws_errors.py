"""AWS errors: their codes, deletes that find nothing, and the one translation of
botocore's failures into a user-facing line (cli.py calls `translate` for
whatever escapes a command)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambdactl.errors import AwsError, LambdactlError


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, or "" for anything else."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def deleted(call: Callable[[], Any], *gone: str) -> bool:
    """Run a delete CALL: True if it deleted, False if AWS answers one of the GONE
    codes (it was not there: a second destroy is not an error)."""
    try:
        call()
    except Exception as exc:
        if error_code(exc) in gone:
            return False
        raise
    return True


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def translate(exc: BaseException) -> LambdactlError | None:
    """Turn a botocore failure into one user-facing line; None if it is not one.

    The only place that knows botocore's exception classes: the CLI calls it for
    whatever escapes a command, so step modules only catch the ClientError codes
    they expect.
    """
    import botocore.exceptions as bex

    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
        return AwsError(
            "no AWS credentials found",
            "run `aws configure` (or set AWS_PROFILE / AWS_ACCESS_KEY_ID), "
            "or use the local sandbox with --target local",
        )
    if isinstance(exc, (bex.ReadTimeoutError, bex.ConnectTimeoutError)):
        from urllib.parse import urlsplit

        url = urlsplit(str(exc.kwargs.get("endpoint_url", "")))
        where = f"{url.scheme}://{url.netloc}" if url.netloc else "the AWS endpoint"
        if url.hostname in ("127.0.0.1", "localhost"):
            return AwsError(f"the sandbox at {where} does not answer (stopped?)",
                            "see `lambdactl local status`; restart it with `lambdactl local stop`")
        return AwsError(f"{where} does not answer", "check --endpoint-url and your network")
    if isinstance(exc, bex.EndpointConnectionError):
        where = exc.kwargs.get("endpoint_url", "the AWS endpoint")
        return AwsError(
            f"cannot reach {where}",
            "check --endpoint-url and your network; for the sandbox run `lambdactl local status`",
        )
    if isinstance(exc, (bex.SSOTokenLoadError, bex.UnauthorizedSSOTokenError, bex.TokenRetrievalError)):
        return AwsError("your AWS SSO session has expired", "run `aws sso login` and try again")
    if isinstance(exc, bex.ClientError):
        code = error_code(exc)
        op = getattr(exc, "operation_name", "an AWS call")
        hint = None
        if code in {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}:
            hint = "the credentials in use lack this permission; see \"Permissions lambdactl needs on AWS\" in README.md"
        elif code in {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"}:
            hint = "refresh your AWS credentials"
        return AwsError(f"{op} failed: {code}: {error_message(exc)}", hint, code=code)
    if isinstance(exc, bex.BotoCoreError):
        return AwsError(str(exc))
    return None
