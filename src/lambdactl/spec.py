"""What lambdactl.toml describes: the schema's limits and the frozen dataclasses a
parsed project is made of (config.py parses and checks; everything else reads these)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lambdactl.core.ownership import OWNER_TAG
from lambdactl.errors import ConfigError
from lambdactl.suggest import known as _known

if TYPE_CHECKING:
    from lambdactl.kinds.project_bucket import ProjectBucket
    from lambdactl.kinds.queue import Queue
    from lambdactl.kinds.table import Table
    from lambdactl.spec_url import FunctionUrl
    from lambdactl.spec_versions import Alias, AsyncConfig
    from lambdactl.triggers.mappings import Mapping
    from lambdactl.triggers.schedule_spec import Schedule

DEFAULT_CONFIG = "lambdactl.toml"

# Lambda's Python runtimes that accept new functions (python3.9 was deprecated in 2025).
PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
ARCHITECTURES = ("x86_64", "arm64")
# CloudWatch Logs accepts only these retention values (days).
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)
S3_EVENTS = (
    "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete", "s3:ReducedRedundancyLostObject",
    "s3:Replication:*", "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:Replication:OperationNotTracked", "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete", "s3:ObjectAcl:Put",
)
# Lambda sets these itself; a function may not define them.
RESERVED_ENV = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}
LAYER_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")
PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
FUNCTION_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
LAYER_KEY = re.compile(r"^[A-Za-z0-9_-]+$")   # Lambda's LayerName characters
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# S3 refuses these at CreateBucket (InvalidBucketName), after the project's other writes began.
BUCKET_RESERVED = (("xn--", "sthree-", "amzn-s3-demo-"), ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))
ENV_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]+$")   # Lambda's pattern: two characters at least

PROJECT_KEYS = {"name", "region", "target"}
FUNCTION_KEYS = {
    "source", "handler", "runtime", "memory", "timeout", "architecture", "policy",
    "environment", "layers", "log_retention_days", "description", "triggers", "ephemeral_storage",
    "publish", "aliases", "async", "dead_letter_queue",   # spec_versions.py
}
FUNCTION_KEYS |= {"url"}     # spec_url.py
TRIGGER_KEYS = {"type", "bucket", "events", "prefix", "suffix", "allow_recursive", "qualifier"}
LAYER_KEYS = {"requirements", "runtimes", "architecture", "description"}
MAX_LAYERS = 5                 # per function, Lambda's limit
MAX_COMPATIBLE_RUNTIMES = 15   # PublishLayerVersion's limit
LAYER_DESCRIPTION_MAX = 256


@dataclass(frozen=True)
class Trigger:
    bucket: str
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)
    prefix: str = ""
    suffix: str = ""
    allow_recursive: bool = False
    type: str = "s3"
    qualifier: str = ""          # an alias of the function the trigger invokes ("" = unqualified)


@dataclass(frozen=True)
class Function:
    key: str                      # the name in [functions.KEY]
    name: str                     # the AWS function name: <project>-<key>
    source: Path                  # absolute
    handler: str
    runtime: str = "python3.12"
    memory: int = 128
    timeout: int = 30
    architecture: str = "x86_64"
    policy: Path | None = None    # absolute
    environment: tuple[tuple[str, str], ...] = ()
    layers: tuple[str, ...] = ()
    log_retention_days: int = 14
    description: str = ""
    ephemeral_storage: int = 512  # MB of /tmp (EphemeralStorage.Size)
    triggers: tuple[Trigger, ...] = ()
    url: FunctionUrl | None = None                   # spec_url.py
    schedules: tuple[Schedule, ...] = ()             # type = "schedule" triggers (triggers/schedule_spec.py)
    publish: bool = False                       # spec_versions.py
    aliases: tuple[Alias, ...] = ()
    async_config: AsyncConfig | None = None
    dead_letter_queue: str = ""   # an SQS ARN or ${queues.KEY.arn} (spec_versions.py)
    mappings: tuple[Mapping, ...] = ()   # type = "sqs" / "dynamodb" triggers (triggers/mappings.py)

    @property
    def role_name(self) -> str:
        return f"{self.name}-role"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    @property
    def env(self) -> dict[str, str]:
        return dict(self.environment)


@dataclass(frozen=True)
class Layer:
    """A layer lambdactl builds from a requirements file and publishes ([layers.KEY])."""

    key: str                      # the name in [layers.KEY], also what functions list
    name: str                     # the published LayerName: <project>-<key>
    requirements: Path            # absolute
    runtimes: tuple[str, ...]     # CompatibleRuntimes, sorted
    architecture: str = "x86_64"
    description: str = ""


@dataclass(frozen=True)
class Project:
    name: str
    root: Path
    path: Path
    region: str | None = None
    target: str | None = None
    functions: tuple[Function, ...] = field(default_factory=tuple)
    layers: tuple[Layer, ...] = field(default_factory=tuple)
    tables: tuple[Table, ...] = field(default_factory=tuple)   # [tables.NAME] (kinds/table.py)
    buckets: tuple[ProjectBucket, ...] = field(default_factory=tuple)   # [buckets.NAME]
    queues: tuple[Queue, ...] = field(default_factory=tuple)   # [queues.NAME] (kinds/queue.py)
    warnings: tuple[str, ...] = ()   # accepted, worth a word on stderr (App.project says them)

    def layers_of(self, fns: tuple[Function, ...]) -> tuple[Layer, ...]:
        """The [layers.NAME] that FNS name, in declaration order."""
        named = {ref for fn in fns for ref in fn.layers}
        return tuple(layer for layer in self.layers if layer.key in named)

    @property
    def tags(self) -> dict[str, str]:
        return {OWNER_TAG: self.name}

    def function(self, key: str | None) -> Function:
        """The function named KEY, or the only one when KEY is None."""
        keys = [f.key for f in self.functions]
        if key is None:
            if len(self.functions) == 1:
                return self.functions[0]
            raise ConfigError(
                f"{self.path.name} declares {len(keys)} functions",
                f"name one: {', '.join(keys)}",
            )
        for fn in self.functions:
            if key in (fn.key, fn.name):
                return fn
        raise ConfigError(f"no function {key!r} in {self.path.name}", _known(key, keys))

    def select(self, key: str | None) -> tuple[Function, ...]:
        """All functions, or just KEY."""
        return self.functions if key is None else (self.function(key),)


def bucket_name_problem(name: object) -> str | None:
    """Why S3 would refuse NAME as a bucket name (None: it would not): checked before any call."""
    if not isinstance(name, str) or not BUCKET_NAME.fullmatch(name) or ".." in name:
        return f"{name!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')"
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        return f"{name!r} is not a valid S3 bucket name: S3 refuses names formatted as an IP address"
    starts, ends = BUCKET_RESERVED
    if name.startswith(starts) or name.endswith(ends):
        return (f"{name!r} is not a valid S3 bucket name: S3 reserves the prefixes {', '.join(starts)} "
                f"and the suffixes {', '.join(ends)}")
    return None
