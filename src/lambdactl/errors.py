"""The one exception family for user-facing failures.

Core modules raise these; ``cli.main`` turns them into one line on stderr and
an exit code. Anything else is a bug and shows a traceback only with ``-v``.
"""

from __future__ import annotations


class LambdactlError(Exception):
    """A failure the user can act on. ``str(err)`` is the one line we print."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class ConfigError(LambdactlError):
    """lambdactl.toml, a policy file, a handler or a CLI argument is wrong (exit 2)."""

    exit_code = 2


class AwsError(LambdactlError):
    """An AWS call failed in a way we expected and can explain (exit 1)."""

    def __init__(self, message: str, hint: str | None = None, code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class OwnershipError(AwsError):
    """A resource with our name exists but lambdactl did not create it."""
