"""What SNS delivers to a subscribed function or queue, as the receiving service admits
it: a function only where its resource policy lets sns.amazonaws.com invoke it for the topic
(local/s3_policy.py reads it), a queue only where its policy lets sns.amazonaws.com
sqs:SendMessage for the topic (the Amazon SNS Developer Guide's "Subscribing an Amazon SQS
queue to an Amazon SNS topic": within one account too). moto delivered to every
subscription; a refused message is dropped, and sandbox.log says what to grant.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from lambdactl.local import reqcontext, statements
from lambdactl.local.respolicies import queue_policy
from lambdactl.local.s3_policy import service_may_invoke


def queue_admits(service: str, action: str, queue_arn: str, source_arn: str, source_account: str) -> bool:
    """Does the policy of the SQS queue QUEUE_ARN let SERVICE (``sns.amazonaws.com``) do
    ACTION on it for SOURCE_ARN (a topic), with no explicit Deny? A statement naming the
    service, or everyone ("*", ``{"AWS": "*"}``), with its Condition held against the
    delivery's context (aws:SourceArn, aws:SourceAccount)."""
    parts = queue_arn.split(":")
    if len(parts) != 6:
        return False
    try:
        document = queue_policy(queue_arn)
    except Exception:  # noqa: BLE001 - no such queue: nothing is delivered to it
        return False

    def names_service(statement: Any) -> bool:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        wanted = principal.get("Service", principal.get("AWS")) if isinstance(principal, dict) else principal
        return wanted == "*" or service in (wanted if isinstance(wanted, list) else [wanted])

    chosen = [{k: v for k, v in st.items() if k != "Principal"}
              for st in statements.of_document(document) if names_service(st)]
    context = reqcontext.delivery(service, source_arn, source_account)
    return statements.decide(chosen, action, queue_arn, context) == "allow"


def sns_checked(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's SNS Subscription.publish, for lambda and sqs subscriptions (above)."""
    @functools.wraps(original)
    def publish(self: Any, *args: Any, **kwargs: Any) -> Any:
        topic = self.topic
        if self.protocol == "lambda" and not service_may_invoke(
                self.endpoint, "sns.amazonaws.com", topic.arn, topic.account_id):
            logging.getLogger("lambdactl.sandbox").warning(
                "SNS topic %s: message dropped: the resource policy of %s does not let sns.amazonaws.com "
                "invoke it for this topic (lambda add-permission --principal sns.amazonaws.com "
                "--action lambda:InvokeFunction --source-arn %s)", topic.arn, self.endpoint, topic.arn)
            return None
        if self.protocol == "sqs" and not queue_admits(
                "sns.amazonaws.com", "sqs:SendMessage", self.endpoint, topic.arn, topic.account_id):
            logging.getLogger("lambdactl.sandbox").warning(
                "SNS topic %s: message dropped: the policy of queue %s does not let sns.amazonaws.com "
                "sqs:SendMessage for this topic (a statement with Principal {\"Service\": \"sns.amazonaws.com\"}, "
                "Action sqs:SendMessage and Condition ArnEquals aws:SourceArn %s)", topic.arn, self.endpoint, topic.arn)
            return None
        return original(self, *args, **kwargs)

    return publish
