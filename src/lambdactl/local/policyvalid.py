"""IAM's refusal of a policy whose Condition names an operator IAM does not know, in IAM's
words: operator names are case-sensitive, and CreateRole answers ``MalformedPolicyDocument:
Invalid Condition type : stringEquals`` (as reported from AWS in
ministryofjustice/modernisation-platform-environments#8893; local/conditions.py knows the
operators). moto took any operator in CreateRole's trust policy (it validates none there:
the role's AssumeRole then never matched) and said only "Syntax errors in policy." to
PutRolePolicy, CreatePolicy and UpdateAssumeRolePolicy.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from lambdactl.local import conditions, statements


def check(document: Any) -> None:
    """Raise MalformedPolicyDocument for the first Condition operator IAM does not know."""
    from moto.iam.exceptions import MalformedPolicyDocument

    try:
        parsed = json.loads(document) if isinstance(document, (str, bytes)) else document
    except ValueError:
        return   # moto's own validation says what is wrong with it
    for statement in statements.of_document(parsed):
        found = statement.get("Condition") if isinstance(statement, dict) else None
        for name in found if isinstance(found, dict) else {}:
            if conditions.operator(str(name)) is None:
                raise MalformedPolicyDocument(f"Invalid Condition type : {name}")


def _validated(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's BaseIAMPolicyValidator.validate (every identity and trust policy it checks)."""
    @functools.wraps(original)
    def validate(self: Any) -> None:
        check(self._policy_document)
        original(self)

    return validate


def _trust_checked(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's IAMBackend.create_role, which validated no trust policy."""
    @functools.wraps(original)
    def create_role(self: Any, role_name: str, assume_role_policy_document: str, *args: Any, **kwargs: Any) -> Any:
        check(assume_role_policy_document)
        return original(self, role_name, assume_role_policy_document, *args, **kwargs)

    return create_role


def install() -> None:
    from moto.iam.models import IAMBackend
    from moto.iam.policy_validation import BaseIAMPolicyValidator

    from lambdactl.local.strict import _wrap

    _wrap(BaseIAMPolicyValidator, "validate", _validated)
    _wrap(IAMBackend, "create_role", _trust_checked)
