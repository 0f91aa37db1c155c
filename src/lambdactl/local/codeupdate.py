"""UpdateFunctionCode on the sandbox, decoding the zip once.

moto 5.2's ``LambdaBackend.update_function_code`` applies the new code to the
function twice (once, then again for its return value), and each time decodes
the base64 zip and hashes it: for `lambdactl dev`'s 3 MB package (1.4 MB of
base64) about 2 x 30 ms of the server's CPU on every save, under load. Applied
once here; with ``Publish`` moto's own path (it applies the code to the new
version). Contract-tested in tests/local/test_local_codeupdate.py.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Patch moto in this process (the sandbox server)."""
    from moto.awslambda.models import LambdaBackend

    original = LambdaBackend.update_function_code

    def update_function_code(
        self: Any, function_name: str, qualifier: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        if body.get("Publish", False):
            return original(self, function_name, qualifier, body)
        return self.get_function(function_name, qualifier).update_function_code(body)

    LambdaBackend.update_function_code = update_function_code  # type: ignore[method-assign]
