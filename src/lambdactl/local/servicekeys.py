"""The service-specific condition keys of a role session's call, as IAM puts them in the
request context (``s3:prefix``, ``s3:x-amz-acl``, ``dynamodb:LeadingKeys``,
``aws:ResourceTag/KEY``, ``aws:RequestTag/KEY``, ``aws:TagKeys``, ...), for
local/conditions.py. The global keys (``aws:RequestedRegion``, ``aws:PrincipalArn``, ...)
are built beside the statement check (local/enforce.py)."""

from __future__ import annotations

from typing import Any


def keys(response: Any, action: str, resource: str) -> dict[str, list[str]]:
    """The service's condition keys for ACTION on RESOURCE in moto's RESPONSE (a BaseResponse
    whose request is being authorized): lower-cased key -> its values (one for a single-valued
    key; a key the call does not carry is absent, not empty)."""
    return {}
