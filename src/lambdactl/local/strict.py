"""Make the sandbox as strict as AWS where moto is laxer, so lambdactl's AWS
error paths run for real against it.

- S3 refuses notification rules that overlap (same event type, overlapping
  prefix and suffix); moto stores them and fires both.
- S3 refuses a Lambda notification unless the function's resource policy lets
  s3.amazonaws.com invoke it for that bucket (moto accepts it).
- S3 accepts ``Prefix``/``Suffix`` filter rule names in any case (moto 5.2
  asserts lowercase and answers HTTP 500).
- A new IAM role is not assumable by Lambda for a few seconds
  (``LAMBDACTL_SANDBOX_ROLE_DELAY``), and never when its trust policy does not
  name lambda.amazonaws.com (moto only checks that the role exists).
- EventBridge delivers to Lambda targets (``eventbridge.py``; moto raises, so
  PutEvents answered HTTP 500).

And as capable as AWS where moto lags (``install_features``, which in-process
tests and the benchmark's plain moto server install too):
- S3 tags a bucket created with ``CreateBucketConfiguration.Tags``; moto 5.2
  ignores the element.
- Lambda's UpdateFunctionCode applies ``Architectures``, and every update
  changes LastModified and RevisionId; moto 5.2 ignores the architecture, keeps
  the creation time and returns no RevisionId.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from lambdactl.local import s3_policy
from lambdactl.local.s3_policy import _as_list

ROLE_DELAY_ENV = "LAMBDACTL_SANDBOX_ROLE_DELAY"
ROLE_MESSAGE = "The role defined for the function cannot be assumed by Lambda."
DESTINATION_MESSAGE = "Unable to validate the following destination configurations"

_originals: dict[tuple[Any, str], Callable[..., Any]] = {}
_FILTER_NAME = re.compile(r"<Name>\s*(prefix|suffix)\s*</Name>", re.IGNORECASE)


def install(role_delay: float | None = None) -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda.responses import LambdaResponse
    from moto.events.models import Rule
    from moto.s3 import notifications
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    from lambdactl.local.aliases import _invoke_awslambda as s3_to_alias
    from lambdactl.local.aliases import mapped, qualified, routed
    from lambdactl.local.eventbridge import lambda_targets

    if role_delay is None:
        role_delay = float(os.environ.get(ROLE_DELAY_ENV) or 0)
    _wrap(S3Response, "_notification_config_from_body", _lowercase_filter_names)
    _wrap(S3Backend, "put_bucket_notification_configuration", _require_s3_permission)
    _wrap(LambdaBackend, "create_function", _require_assumable_role(role_delay))
    _wrap(Rule, "send_to_targets", lambda_targets)  # moto answers 500 to Lambda targets
    _wrap(LambdaResponse, "invoke", qualified)  # moto reads "qualifier", boto3 sends "Qualifier"
    _wrap(LambdaBackend, "invoke", routed)  # moto ignores an alias's weights (local/aliases.py)
    _wrap(notifications, "_invoke_awslambda", lambda _: s3_to_alias)  # ... and S3's too (local/aliases.py)
    _wrap(LambdaBackend, "create_event_source_mapping", mapped)  # ... and a mapping's (local/aliases.py)
    install_features()


def install_features() -> None:
    """Only what AWS has and moto lacks: nothing here makes moto stricter."""
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.awslambda.responses import LambdaResponse
    from moto.dynamodb.models.table import Table
    from moto.s3.responses import S3Response

    from lambdactl.local import async_configs, dead_letter

    _wrap(LambdaFunction, "__init__", dead_letter.created)   # moto ignores DeadLetterConfig (local/dead_letter.py)
    _wrap(S3Response, "_bucket_response_put", _tags_at_create)
    _wrap(LambdaFunction, "update_function_code", _updated(code=True))
    _wrap(LambdaFunction, "update_configuration", _updated(code=False))
    _wrap(LambdaFunction, "get_configuration", _with_revision)
    _wrap(Table, "set_stream_specification", _stream_off_forgets_label)
    for name, make in async_configs.RESPONSES.items():   # moto ignores Qualifier (local/async_configs.py)
        _wrap(LambdaResponse, name, make)
    _wrap(LambdaBackend, "delete_alias", _alias_forgets_async)
    import moto.awslambda.models as lambda_models

    lambda_models.iso_8601_datetime_with_nanoseconds = lambda_timestamp  # moto: its creation time


def lambda_timestamp() -> str:
    """LastModified as Lambda writes it ("2026-12-03T21:00:28.343+0000"); moto wrote
    "2026-12-03T21:00:28.343247000Z", which `strptime(..., "%Y-%m-%dT%H:%M:%S.%f%z")` refuses."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _alias_forgets_async(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_alias(self: Any, name: str, function_name: str) -> None:
        from lambdactl.local.async_configs import forget

        original(self, name, function_name)
        forget(self.get_function(function_name), name)   # Lambda deletes the alias's own settings
    return delete_alias


def _stream_off_forgets_label(original: Callable[..., Any]) -> Callable[..., Any]:
    def set_spec(self: Any, streams: dict[str, Any] | None) -> None:
        original(self, streams)
        # moto 5.2 keeps the old stream's label when a stream is disabled, then refuses
        # to enable one again (StreamAlreadyEnabledException); DynamoDB makes a new stream.
        if not self.stream_specification.get("StreamEnabled"):
            self.latest_stream_label = None
    return set_spec


def uninstall() -> None:
    for (owner, name), original in list(_originals.items()):
        setattr(owner, name, original)
    _originals.clear()


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = _originals.setdefault((owner, name), getattr(owner, name))
    setattr(owner, name, make(original))


# -- S3 notification filter rule names ------------------------------------------
def normalise_filter_names(body: str | bytes) -> str | bytes:
    """``<Name>Prefix</Name>`` -> ``<Name>prefix</Name>`` (the only <Name> in the document)."""
    if isinstance(body, bytes):
        text = body.decode("utf-8")
        return _FILTER_NAME.sub(lambda m: f"<Name>{m.group(1).lower()}</Name>", text).encode()
    return _FILTER_NAME.sub(lambda m: f"<Name>{m.group(1).lower()}</Name>", body)


def _lowercase_filter_names(original: Callable[..., Any]) -> Callable[..., Any]:
    def parse(self: Any) -> Any:
        # moto 5.2 asserts lowercase rule names (HTTP 500 on "Prefix"); S3 accepts both.
        self.body = normalise_filter_names(self.body)
        return original(self)

    return parse


# -- S3 CreateBucket with tags ------------------------------------------------------
def _tags_at_create(original: Callable[..., Any]) -> Callable[..., Any]:
    def put(self: Any, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        new = not querystring and bucket_name not in self.backend.buckets
        result = original(self, request, bucket_name, querystring)
        tags = bucket_tags_in(self.body) if new else {}
        if tags:
            self.backend.put_bucket_tagging(bucket_name, tags)
        return result

    return put


def _updated(code: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def update(self: Any, spec: dict[str, Any]) -> Any:
            if spec.get("DryRun"):
                return original(self, spec)
            if code and spec.get("Architectures"):
                self.architectures = spec["Architectures"]  # moto's setter validates it
            self.last_modified = lambda_timestamp()
            self._lambdactl_revision = _new_revision()
            if not code:
                from lambdactl.local.dead_letter import remember

                remember(self, spec)
                self.ephemeral_storage = (spec.get("EphemeralStorage") or {}).get("Size", self.ephemeral_storage)  # moto drops it
            return original(self, spec)

        return update

    return make


def _new_revision() -> str:
    import uuid

    return str(uuid.uuid4())


def _with_revision(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> Any:
        config = original(self, *args, **kwargs)
        revision = self.__dict__.setdefault("_lambdactl_revision", _new_revision())
        config.setdefault("RevisionId", revision)
        from lambdactl.local.dead_letter import shown

        shown(self, config)
        return config

    return get_configuration


def bucket_tags_in(body: str | bytes | None) -> dict[str, str]:
    """The tags of a CreateBucketConfiguration document ({} if none)."""
    if not body:
        return {}
    import xmltodict

    try:
        config = xmltodict.parse(body).get("CreateBucketConfiguration") or {}
    except Exception:  # noqa: BLE001 - not ours to judge: moto answers for the body
        return {}
    tags = (config.get("Tags") or {}).get("Tag") or []
    return {str(t["Key"]): str(t.get("Value") or "") for t in _as_list(tags) if isinstance(t, dict)}


# -- S3 -> Lambda permission ------------------------------------------------------
def _require_s3_permission(original: Callable[..., Any]) -> Callable[..., Any]:
    def put(self: Any, bucket_name: str, notification_config: dict[str, Any]) -> Any:
        bucket = self.get_bucket(bucket_name)
        problem = overlap_problem(notification_config or {})
        if problem:
            # S3 rejects two rules that could both match one event; moto stores them.
            from moto.s3.exceptions import InvalidArgumentError

            raise InvalidArgumentError(problem, "NotificationConfiguration", "overlap")
        for entry in (notification_config or {}).get("CloudFunctionConfiguration") or []:
            arn = entry.get("CloudFunction", "")
            if not s3_policy.s3_may_invoke(arn, bucket.arn, bucket.account_id):
                # S3 test-invokes every Lambda destination before saving the config.
                raise _destination_error(arn)
        return original(self, bucket_name, notification_config)

    return put


OVERLAP_SAME = (
    "Configurations overlap. Configurations on the same bucket cannot share a common event type."
)
OVERLAP_AMBIGUOUS = (
    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules "
    "if the prefixes are overlapping for the same event type."
)


def _rules(entry: dict[str, Any]) -> tuple[str, str]:
    rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("FilterRule") or []
    values = {str(r.get("Name", "")).lower(): str(r.get("Value") or "") for r in _as_list(rules)}
    return values.get("prefix", ""), values.get("suffix", "")


def _event_matches(first: str, second: str) -> bool:
    """s3:ObjectCreated:* covers s3:ObjectCreated:Put; equal names match."""
    family_a, _, kind_a = first.removeprefix("s3:").rpartition(":")
    family_b, _, kind_b = second.removeprefix("s3:").rpartition(":")
    if (family_a, kind_a) == (family_b, kind_b):
        return True
    return family_a == family_b and "*" in (kind_a, kind_b)


def _events_overlap(first: list[str], second: list[str]) -> bool:
    return any(_event_matches(a, b) for a in first for b in second)


def overlap_problem(config: dict[str, Any]) -> str | None:
    """S3's check that no two notification rules can match the same event."""
    entries = [
        e
        for key in ("TopicConfiguration", "QueueConfiguration", "CloudFunctionConfiguration")
        for e in _as_list(config.get(key) or [])
    ]
    for i, first in enumerate(entries):
        for second in entries[i + 1 :]:
            if not _events_overlap(_as_list(first["Event"]), _as_list(second["Event"])):
                continue
            (p1, s1), (p2, s2) = _rules(first), _rules(second)
            prefixes = p1.startswith(p2) or p2.startswith(p1)
            suffixes = s1.endswith(s2) or s2.endswith(s1)
            if prefixes and suffixes:
                return OVERLAP_SAME if (p1, s1) == (p2, s2) else OVERLAP_AMBIGUOUS
    return None


def _destination_error(function_arn: str) -> Exception:
    from moto.s3.exceptions import InvalidArgumentError

    return InvalidArgumentError(
        DESTINATION_MESSAGE, function_arn, f"Not authorized to invoke function [{function_arn}]"
    )


def _require_assumable_role(delay: float) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_function(self: Any, spec: dict[str, Any]) -> Any:
            role = _find_role(self.account_id, self.partition, str(spec.get("Role", "")))
            if role is not None and not _assumable(role, delay):
                from moto.awslambda.exceptions import InvalidParameterValueException

                # A new role is not assumable until IAM has propagated it.
                raise InvalidParameterValueException(ROLE_MESSAGE)
            return original(self, spec)

        return create_function

    return wrap


def _find_role(account_id: str, partition: str, arn: str) -> Any:
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account_id][partition].get_role_by_arn(arn)
    except NotFoundException:  # moto itself answers for roles that do not exist
        return None


def _assumable(role: Any, delay: float) -> bool:
    from moto.core.utils import utcnow

    if delay > 0 and utcnow() - role.create_date < timedelta(seconds=delay):
        return False
    return trusts_lambda(role.assume_role_policy_document)


def trusts_lambda(document: Any) -> bool:
    """Does a trust policy let lambda.amazonaws.com call sts:AssumeRole?"""
    try:
        policy = json.loads(document) if isinstance(document, str) else dict(document)
    except (ValueError, TypeError):
        return False
    for statement in _as_list(policy.get("Statement", [])):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action", []))
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        principal = statement.get("Principal", {})
        if principal == "*":
            return True
        services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
        if "lambda.amazonaws.com" in services:
            return True
    return False
