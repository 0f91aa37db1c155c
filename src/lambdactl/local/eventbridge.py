"""EventBridge rules with Lambda targets, which moto 5.2 does not deliver.

moto's ``Rule.send_to_targets`` knows log groups, archives, SQS and event buses,
and raises NotImplementedError (HTTP 500 from PutEvents) for anything else.
``lambda_targets`` wraps it: Lambda targets get the event as EventBridge sends
it (asynchronously: an Event invocation, with ``Input`` or ``InputTransformer``
applied), if the function's resource policy lets events.amazonaws.com invoke it for
the rule (as Lambda requires; else dropped, said in sandbox.log); the other targets
still go to moto.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("lambdactl.sandbox")


def _is_lambda(target: dict[str, Any]) -> bool:
    return str(target.get("Arn", "")).startswith("arn:aws:lambda:")


def event_for_lambda(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What the function receives: the event (ISO time, as EventBridge sends it), or the
    target's constant Input, or its InputTransformer's output."""
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
    from moto.events.utils import EventTemplateParser

    shaped = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(shaped.get("time"), (int, float)):
        shaped["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(shaped["time"]))
    if "Input" in target:
        return json.loads(target["Input"])
    transformer = target.get("InputTransformer")
    if transformer:
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=shaped,  # type: ignore[arg-type]
        )
    return shaped


def _invoke(target: dict[str, Any], event: Any, rule: Any) -> None:
    from moto.awslambda.exceptions import UnknownFunctionException

    from lambdactl.local.aliases import invoke
    from lambdactl.local.s3_policy import service_may_invoke

    if not service_may_invoke(target["Arn"], "events.amazonaws.com", rule.arn, rule.account_id):
        # Lambda refuses EventBridge without it; the event counts as a failed invocation.
        log.warning("EventBridge rule %s: event dropped: the resource policy of %s does not let "
                    "events.amazonaws.com invoke it for this rule (add it: lambda add-permission "
                    "--principal events.amazonaws.com --action lambda:InvokeFunction --source-arn %s)",
                    rule.name, target["Arn"], rule.arn)
        return
    try:   # a target on an alias runs the alias's versions, with its weights
        invoke(target["Arn"], event if isinstance(event, str) else json.dumps(event), "Event")
    except UnknownFunctionException:   # EventBridge drops events for a missing function
        log.warning("EventBridge target %s: no such function; event dropped", target["Arn"])


def lambda_targets(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        # EventBridge: a disabled rule, or one with no event pattern (a schedule), takes no
        # put event; moto delivered to both.
        if self.state != "ENABLED" or not getattr(self.event_pattern, "_pattern", None):
            return
        mine = [t for t in self.targets if _is_lambda(t)]
        others = copy.copy(self)
        others.targets = [t for t in self.targets if not _is_lambda(t)]
        if others.targets:
            _to_others(original, others, original_event, transform_input)
        if not mine or not self.event_pattern.matches_event(original_event):
            return
        for target in mine:
            _invoke(target, event_for_lambda(target, original_event), self)

    return send_to_targets


def _to_others(original: Callable[..., Any], rule: Any, event: Any, transform_input: bool) -> None:
    """moto's delivery to the rule's other targets. A target that fails (a queue deleted
    since) fails that delivery only, as on EventBridge: moto's error failed PutEvents."""
    try:
        original(rule, event, transform_input)
    except Exception as exc:  # noqa: BLE001 - whatever moto raises for the target
        log.warning("EventBridge rule %s: event not delivered to %s: %s", rule.name,
                    ", ".join(str(t.get("Arn")) for t in rule.targets), exc)


def deliver(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    """One event of RULE to one of its targets, as EventBridge sends it: Lambda targets (the
    sandbox's scheduler, local/scheduler.py); other kinds of target are not delivered."""
    if _is_lambda(target):
        _invoke(target, event_for_lambda(target, event), rule)
    else:
        log.warning("scheduled event for %s not delivered: the sandbox delivers to Lambda targets only", target.get("Arn"))
