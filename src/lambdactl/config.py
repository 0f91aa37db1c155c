"""lambdactl.toml -> frozen dataclasses, with every check made before any AWS call.

Each problem is one line naming the file, the field and the fix. ``load``
collects all problems and reports the first (the rest follow on extra lines)
so a user fixes their config in one pass.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl import refs
from lambdactl.core.ownership import OWNER_TAG
from lambdactl.errors import ConfigError
from lambdactl.handler_check import check as check_handler
from lambdactl.suggest import known as _known
from lambdactl.textfile import read_text
from lambdactl.triggers.rules import rules_overlap, trigger_overlaps  # noqa: F401 - rules_overlap: config's

if TYPE_CHECKING:
    from lambdactl.kinds.project_bucket import ProjectBucket
    from lambdactl.kinds.table import Table

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
ENV_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

PROJECT_KEYS = {"name", "region", "target"}
FUNCTION_KEYS = {
    "source", "handler", "runtime", "memory", "timeout", "architecture", "policy",
    "environment", "layers", "log_retention_days", "description", "triggers",
}
TRIGGER_KEYS = {"type", "bucket", "events", "prefix", "suffix", "allow_recursive"}
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
    triggers: tuple[Trigger, ...] = ()

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


class _Problems:
    """Collects config problems; ``raise_if_any`` reports them all at once."""

    def __init__(self, path: Path, lenient: bool = False) -> None:
        self.path = path
        self.items: list[str] = []
        self.lenient = lenient   # names only (destroy): report nothing, check no file

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{self.path.name}: {where}: {message}" if where else f"{self.path.name}: {message}")

    def raise_if_any(self) -> None:
        if self.items and not self.lenient:
            more = self.items[1:]
            extra = ("\n" + "\n".join(more)) if more else ""
            raise ConfigError(self.items[0] + extra)


def _check_keys(p: _Problems, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            p.add(where, f"unknown key {key!r}; {_known(key, sorted(allowed))}")


def _table(p: _Problems, where: str, tbl: Any, allowed: set[str], what: str) -> bool:
    """A [section.KEY] table with only ALLOWED keys (each unknown one reported)."""
    if not isinstance(tbl, dict):
        p.add(where, f"must be {what}")
        return False
    _check_keys(p, where, tbl, allowed)
    return True


def _path(p: _Problems, where: str, value: Any, root: Path, example: str) -> Path | None:
    """A required path relative to the config file, resolved; None (reported) when missing."""
    if not isinstance(value, str):
        p.add(where, f"missing; set {example}")
        return None
    return (root / value).resolve()


def _shown(path: Path, root: Path) -> str:
    """PATH as messages show it: relative to the project when inside it."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _typed(p: _Problems, where: str, value: Any, kind: type | tuple[type, ...], what: str) -> bool:
    if isinstance(value, bool) and kind is not bool:
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        p.add(where, f"must be {what}, got {value!r}")
    return ok


def names_only(root: Path, name: str) -> Project:
    """A project known by its name alone (destroy with no lambdactl.toml): the
    journal and the resources' tags say the rest."""
    return Project(name=name, root=root, path=root / DEFAULT_CONFIG)


def find_config(path: str | Path | None) -> Path:
    cfg = Path(path) if path else Path.cwd() / DEFAULT_CONFIG
    if not cfg.is_file():
        raise ConfigError(
            f"no config file at {cfg}",
            "run lambdactl in a project directory or pass --config PATH",
        )
    return cfg.resolve()


def load(path: str | Path | None = None, *, lenient: bool = False) -> Project:
    """Read and validate lambdactl.toml (every check that needs no AWS call).

    LENIENT (destroy): only the names matter; a missing source directory, a policy
    file or a field out of range is no reason to keep resources up.
    """
    cfg = find_config(path)
    try:
        data = tomllib.loads(read_text(cfg))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{cfg.name} is not valid TOML: {exc}") from exc
    return parse(data, cfg, lenient=lenient)


def parse(data: dict[str, Any], cfg: Path, *, lenient: bool = False) -> Project:
    p = _Problems(cfg, lenient)
    root = cfg.parent
    _check_keys(p, "", data, {"project", "functions", "layers", "tables", "buckets"})
    proj = data.get("project")
    if not isinstance(proj, dict):
        p.add("[project]", "missing; add [project] with name = \"my-app\"")
        raise ConfigError(p.items[0])
    _check_keys(p, "project", proj, PROJECT_KEYS)
    name = proj.get("name")
    if not isinstance(name, str) or not PROJECT_NAME.fullmatch(name) or len(name) > 40:
        p.add("project.name", f"{name!r} must be 1-40 letters, digits or '-', starting with a letter or digit")
        if lenient:  # every resource name derives from it: nothing can be found without it
            raise ConfigError(p.items[-1])
        name = "invalid"
    region = proj.get("region")
    if region is not None and not (isinstance(region, str) and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region)):
        p.add("project.region", f"{region!r} is not an AWS region name like \"us-east-1\"")
        region = None
    target = proj.get("target")
    if target is not None and target not in ("aws", "local"):
        p.add("project.target", f"{target!r} must be \"aws\" or \"local\"")
        target = None

    functions_tbl = data.get("functions", {})
    if not isinstance(functions_tbl, dict) or not functions_tbl:
        p.add("[functions]", "no functions declared; add a [functions.NAME] table")
        functions_tbl = {}
    layers_tbl = data.get("layers", {})
    if not _typed(p, "[layers]", layers_tbl, dict, "tables [layers.NAME]"):
        layers_tbl = {}
    from lambdactl.kinds import project_bucket, table
    # Before the functions: their references name these, a trigger's bucket too (rewritten).
    tables, buckets = table.parse(p.add, data.get("tables", {}), name), project_bucket.parse(p.add, data, name)
    functions = [fn for key, tbl in functions_tbl.items() if (fn := _parse_function(
        p, root, name, key, tbl, sorted(layers_tbl), refs.known(tables, buckets))) is not None]
    for where, problem in trigger_overlaps(functions):
        p.add(where, problem)
    layers = [layer for key, tbl in layers_tbl.items()
              if (layer := _parse_layer(p, root, name, key, tbl, functions)) is not None]
    p.raise_if_any()
    return Project(
        name=name, root=root, path=cfg, region=region, target=target, functions=tuple(functions),
        layers=tuple(layers), tables=tables, buckets=buckets,
    )


def _parse_function(p: _Problems, root: Path, project: str, key: str, tbl: Any,
                    layer_keys: list[str], known_refs: dict[str, str]) -> Function | None:
    where = f"functions.{key}"
    if not _table(p, where, tbl, FUNCTION_KEYS, "a table"):
        return None
    if not FUNCTION_KEY.fullmatch(key):
        p.add(where, "function names use letters, digits, '-' and '_'")
    fname = f"{project}-{key}"
    if len(fname) > 64:
        p.add(where, f"function name {fname!r} is {len(fname)} chars; Lambda allows 64: shorten the project or function name")
    if len(fname) + len("-role") > 64:
        p.add(where, f"role name {fname}-role exceeds IAM's 64 chars: shorten the project or function name")

    n_before = len(p.items)
    source = tbl.get("source")
    src_path = _path(p, f"{where}.source", source, root, "source = \"functions/<dir>\" (the handler's directory)")
    if src_path is not None and not src_path.is_dir():
        p.add(f"{where}.source", f"directory {source!r} does not exist")
    src_path = src_path or root

    runtime, memory, timeout, arch, retention, description = _parse_settings(p, where, tbl)

    env = tbl.get("environment", {})
    env_items: list[tuple[str, str]] = []
    if _typed(p, f"{where}.environment", env, dict, "a table of strings"):
        for k, v in env.items():
            if not ENV_KEY.fullmatch(k):
                p.add(f"{where}.environment.{k}", "keys must start with a letter and use letters, digits and '_'")
            elif k in RESERVED_ENV:
                p.add(f"{where}.environment.{k}", "is reserved by Lambda; choose another name")
            if not isinstance(v, str):
                p.add(f"{where}.environment.{k}", f"must be a string, got {v!r}; quote it")
            else:
                env_items.append((k, v))
                p.items += [f"{p.path.name}: {where}.environment.{k}: {x}" for x in refs.unknown(v, known_refs)]
        size = len(json.dumps(dict(env_items), separators=(",", ":")))
        if size > 4096:
            p.add(f"{where}.environment", f"is {size} bytes; Lambda allows 4 KB in total")
    layers = tbl.get("layers", [])
    if _typed(p, f"{where}.layers", layers, list, "a list of layer version ARNs and [layers.NAME] names"):
        for ref in layers:
            if isinstance(ref, str) and (LAYER_ARN.fullmatch(ref) or ref in layer_keys):
                continue
            p.add(f"{where}.layers", f"{ref!r} is not a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION) "
                  f"nor a layer of this file; known layers: {', '.join(layer_keys) or 'none (declare [layers.NAME])'}")
        if len(set(map(repr, layers))) != len(layers):   # repr: [[]] (valid TOML) is unhashable
            p.add(f"{where}.layers", "names a layer twice; list each once")
        if len(layers) > MAX_LAYERS:
            p.add(f"{where}.layers", f"Lambda allows at most {MAX_LAYERS} layers")

    triggers = _parse_triggers(p, where, tbl.get("triggers", []))

    handler = tbl.get("handler")
    if not isinstance(handler, str) or not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+", handler):
        p.add(f"{where}.handler", f"{handler!r} must be <module>.<function>, e.g. \"app.lambda_handler\"")
        handler = "invalid.invalid"
    elif isinstance(source, str) and src_path.is_dir() and not p.lenient:
        problem = check_handler(src_path, handler, _shown(src_path, root))
        if problem:
            p.add(f"{where}.handler", problem)

    policy = tbl.get("policy")
    policy_path: Path | None = None
    if policy is not None:
        if not isinstance(policy, str):
            p.add(f"{where}.policy", "must be a path to a JSON policy file")
        else:
            policy_path = (root / policy).resolve()
            if p.lenient:
                pass
            elif not policy_path.is_file():
                p.add(f"{where}.policy", f"file {policy!r} does not exist")
            else:
                from lambdactl.iam import check_policy_file

                # ${bucket} is known if triggers are declared, even one already reported as wrong.
                declared = bool(triggers) or bool(tbl.get("triggers"))
                for problem in check_policy_file(policy_path, allowed_placeholders(env_items, declared) | set(known_refs)):
                    p.add(f"{where}.policy", f"{policy}: {problem}")
    if len(p.items) > n_before and not p.lenient:
        return None
    fn = Function(
        key=key, name=fname, source=src_path, handler=handler, runtime=runtime, memory=memory,
        timeout=timeout, architecture=arch, policy=policy_path, environment=tuple(env_items),
        layers=tuple(layers), log_retention_days=retention, description=description,
        triggers=tuple(triggers),
    )
    if policy_path is not None and not p.lenient:
        from lambdactl.iam import recursive_trigger_problems

        for problem in recursive_trigger_problems(fn, known_refs):
            p.add(f"{where}.triggers", problem)
    return fn


def _parse_settings(p: _Problems, where: str, tbl: dict[str, Any]) -> tuple[Any, Any, Any, Any, Any, Any]:
    """runtime, memory, timeout, architecture, log retention and description, each checked."""
    runtime = tbl.get("runtime", "python3.12")
    if runtime not in PYTHON_RUNTIMES:
        p.add(f"{where}.runtime", f"{runtime!r} is not a supported Lambda Python runtime; use one of {', '.join(PYTHON_RUNTIMES)}")
    memory = tbl.get("memory", 128)
    if _typed(p, f"{where}.memory", memory, int, "an integer (MB)") and not 128 <= memory <= 10240:
        p.add(f"{where}.memory", f"{memory} MB is out of range; Lambda allows 128-10240 MB")
    timeout = tbl.get("timeout", 30)
    if _typed(p, f"{where}.timeout", timeout, int, "an integer (seconds)") and not 1 <= timeout <= 900:
        p.add(f"{where}.timeout", f"{timeout} s is out of range; Lambda allows 1-900 seconds")
    arch = tbl.get("architecture", "x86_64")
    if arch not in ARCHITECTURES:
        p.add(f"{where}.architecture", f"{arch!r} must be \"x86_64\" or \"arm64\"")
    retention = tbl.get("log_retention_days", 14)
    if retention not in RETENTION_DAYS or isinstance(retention, bool):
        p.add(f"{where}.log_retention_days", f"{retention!r} is not a CloudWatch retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 180, 365, ...")
    description = tbl.get("description", "")
    if _typed(p, f"{where}.description", description, str, "a string") and len(description) > 256:
        p.add(f"{where}.description", "is longer than Lambda's 256 characters")
    return runtime, memory, timeout, arch, retention, description


def _parse_layer(p: _Problems, root: Path, project: str, key: str, tbl: Any,
                 functions: list[Function]) -> Layer | None:
    """[layers.KEY]: a layer built from a requirements file; defaults from the functions naming it."""
    from lambdactl.layers import marker_length
    from lambdactl.package import has_requirements

    where = f"layers.{key}"
    n_before = len(p.items)
    if not _table(p, where, tbl, LAYER_KEYS, "a table with requirements = \"path/requirements.txt\""):
        return None
    lname = f"{project}-{key}"
    if not LAYER_KEY.fullmatch(key):
        p.add(where, "layer names use letters, digits, '-' and '_' (Lambda's rule)")
    elif len(lname) > 64:
        p.add(where, f"layer name {lname!r} is {len(lname)} chars; lambdactl allows 64: shorten the project or layer name")
    users = [fn for fn in functions if key in fn.layers]

    req = tbl.get("requirements")
    req_path = _path(p, f"{where}.requirements", req, root,
                     "requirements = \"layers/<name>/requirements.txt\" (relative to this file)")
    if req_path is not None and not req_path.is_file():
        p.add(f"{where}.requirements", f"file {req!r} does not exist (paths are relative to {p.path.name})")
    elif req_path is not None and not has_requirements(req_path.read_text(encoding="utf-8", errors="replace")):
        p.add(f"{where}.requirements", f"{req!r} lists no packages; add some or remove [layers.{key}]")

    declared = tbl.get("runtimes")
    runtimes: list[str] = sorted({fn.runtime for fn in users})
    if declared is not None and _typed(p, f"{where}.runtimes", declared, list, "a list of runtimes like [\"python3.12\"]"):
        bad = [r for r in declared if r not in PYTHON_RUNTIMES]
        for r in bad:
            p.add(f"{where}.runtimes", f"{r!r} is not a supported Lambda Python runtime; use one of {', '.join(PYTHON_RUNTIMES)}")
        if not declared:
            p.add(f"{where}.runtimes", "is empty; list the runtimes of the functions using it, or leave it out")
        runtimes = sorted(set(declared))
        for fn in users:
            if not bad and fn.runtime not in runtimes:
                p.add(f"{where}.runtimes", f"lacks {fn.runtime}, the runtime of functions.{fn.key}; add it")
    if len(runtimes) > MAX_COMPATIBLE_RUNTIMES:
        p.add(f"{where}.runtimes", f"Lambda allows at most {MAX_COMPATIBLE_RUNTIMES} compatible runtimes")

    arch = tbl.get("architecture")
    archs = sorted({fn.architecture for fn in users})
    if arch is None:
        if len(archs) > 1:
            names = ", ".join(f"functions.{fn.key} ({fn.architecture})" for fn in users)
            p.add(f"{where}.architecture", f"the functions using it disagree: {names}; "
                  "set architecture in both the layer and the functions, or use two layers")
        arch = archs[0] if archs else "x86_64"
    elif arch not in ARCHITECTURES:
        p.add(f"{where}.architecture", f"{arch!r} must be \"x86_64\" or \"arm64\"")
    else:
        for fn in users:
            if fn.architecture != arch:
                p.add(f"{where}.architecture", f"is {arch} but functions.{fn.key} is {fn.architecture}: "
                      "native wheels differ; make them agree or use two layers")

    description = tbl.get("description", "")
    room = LAYER_DESCRIPTION_MAX - marker_length(project)
    if _typed(p, f"{where}.description", description, str, "a string") and len(description) > room:
        p.add(f"{where}.description", f"is {len(description)} chars; {room} fit next to lambdactl's marker in Lambda's 256")
    if len(p.items) > n_before and not p.lenient:
        return None
    return Layer(key=key, name=lname, requirements=req_path or root, runtimes=tuple(runtimes),
                 architecture=arch, description=description)


def _parse_triggers(p: _Problems, where: str, raw: Any) -> list[Trigger]:
    out: list[Trigger] = []
    if not _typed(p, f"{where}.triggers", raw, list, "an array of tables ([[functions.NAME.triggers]])"):
        return out
    for i, t in enumerate(raw):
        tw = f"{where}.triggers[{i}]"
        if not isinstance(t, dict):
            p.add(tw, "must be a table")
            continue
        _check_keys(p, tw, t, TRIGGER_KEYS)
        if t.get("type", "s3") != "s3":
            p.add(f"{tw}.type", f"{t.get('type')!r} is not supported; only \"s3\"")
            continue
        bucket = t.get("bucket")
        if not isinstance(bucket, str) or not BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
            p.add(f"{tw}.bucket", f"{bucket!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')")
            continue
        events = t.get("events", ["s3:ObjectCreated:*"])
        if not isinstance(events, list) or not events:
            p.add(f"{tw}.events", "must be a non-empty list like [\"s3:ObjectCreated:*\"]")
            continue
        bad = [e for e in events if e not in S3_EVENTS]
        for e in bad:
            p.add(f"{tw}.events", f"{e!r} is not an S3 event; {_known(str(e), list(S3_EVENTS))}")
        prefix, suffix = t.get("prefix", ""), t.get("suffix", "")
        if not isinstance(prefix, str) or not isinstance(suffix, str):
            p.add(tw, "prefix and suffix must be strings")
            continue
        allow = t.get("allow_recursive", False)
        if not isinstance(allow, bool):
            p.add(f"{tw}.allow_recursive", "must be true or false")
            continue
        if not bad:
            out.append(Trigger(bucket=bucket, events=tuple(events), prefix=prefix, suffix=suffix, allow_recursive=allow))
    return out


def allowed_placeholders(env: list[tuple[str, str]], triggers: bool) -> set[str]:
    return {"region", "account_id", "function_name", "partition", *(k for k, _ in env), *(("bucket",) if triggers else ())}
