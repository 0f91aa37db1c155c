"""Policy statements matched as IAM matches them, where moto 5.2's IAMPolicyStatement
does not (local/enforce.py installs this for role sessions' calls):

- it turned a pattern into a regular expression by replacing ``*`` only, so ``.`` matched
  any character (``arn:aws:s3:::a.b/*`` allowed bucket ``axb``) and ``?`` made the
  character before it optional instead of matching one character;
- it compared action names case-sensitively (IAM: ``s3:getobject`` is ``s3:GetObject``);
- a statement with ``NotResource`` (no ``Resource``) applied to every resource as an
  Allow, whatever its Effect: ``Deny s3:* NotResource one-bucket`` allowed everything.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, fold: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if fold else 0))


def matches(pattern: str, value: str, fold: bool = False) -> bool:
    """Does VALUE match the IAM pattern (``*`` any run, ``?`` one character)?
    FOLD: case-insensitively (action names)."""
    return _compiled(str(pattern), fold).match(value) is not None


def _element_matches(self: Any, element: str, value: str) -> bool:
    """moto's IAMPolicyStatement._check_element_matches, with IAM's matching."""
    wanted = self._statement[element]
    fold = element in ("Action", "NotAction")
    return any(matches(p, value, fold) for p in (wanted if isinstance(wanted, list) else [wanted]))


def _not_resource(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def is_action_permitted(self: Any, action: str, resource: str = "*", *args: Any, **kwargs: Any) -> Any:
        statement = self._statement
        if "NotResource" not in statement or "Resource" in statement:
            return original(self, action, resource, *args, **kwargs)
        from moto.iam.access_control import PermissionResult

        if _element_matches(self, "NotResource", resource):
            return PermissionResult.NEUTRAL   # the resources it leaves out: it says nothing of them
        inverted = {k: v for k, v in statement.items() if k != "NotResource"}
        return original(type(self)(dict(inverted, Resource="*")), action, resource, *args, **kwargs)

    return is_action_permitted


def install() -> None:
    from moto.iam.access_control import IAMPolicyStatement

    from lambdactl.local.strict import _wrap

    _wrap(IAMPolicyStatement, "_check_element_matches", lambda _moto: _element_matches)
    _wrap(IAMPolicyStatement, "is_action_permitted", _not_resource)
