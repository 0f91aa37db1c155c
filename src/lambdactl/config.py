"""lambdactl.toml -> frozen dataclasses, with every check made before any AWS call.

Each problem is one line naming the file, the field and the fix. ``load``
collects all problems and reports the first (the rest follow on extra lines)
so a user fixes their config in one pass.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl import refs, runtimes
from lambdactl.checks import (
    _check_keys,
    _missing,
    _not_a_source,
    _path,
    _Problems,
    _shown,
    _table,
    _typed,
)
from lambdactl.config_layers import parse_layer as _parse_layer
from lambdactl.errors import ConfigError
from lambdactl.handler_check import verdict as check_handler
from lambdactl.spec import (  # noqa: F401 - config's names: the schema and its dataclasses
    ARCHITECTURES,
    BUCKET_NAME,
    DEFAULT_CONFIG,
    ENV_KEY,
    FUNCTION_KEY,
    FUNCTION_KEYS,
    LAYER_ARN,
    LAYER_DESCRIPTION_MAX,
    LAYER_KEY,
    LAYER_KEYS,
    MAX_COMPATIBLE_RUNTIMES,
    MAX_LAYERS,
    PROJECT_KEYS,
    PROJECT_NAME,
    PYTHON_RUNTIMES,
    RESERVED_ENV,
    RETENTION_DAYS,
    S3_EVENTS,
    TRIGGER_KEYS,
    Function,
    Layer,
    Project,
    Trigger,
)
from lambdactl.spec_url import parse_url
from lambdactl.textfile import read_text
from lambdactl.triggers.mappings import with_mappings
from lambdactl.triggers.rules import parse_triggers, rules_overlap, trigger_overlaps  # noqa: F401 - rules_overlap: config's
from lambdactl.triggers.schedule_spec import parse_schedules

if TYPE_CHECKING:
    pass

def names_only(root: Path, name: str, place: tuple[str, str] | None = None) -> Project:
    """A project known by its name alone (destroy with no lambdactl.toml): the
    journal and the resources' tags say the rest; PLACE, the one (region, where)
    the journal knows it in, stands for lambdactl.toml's region and target."""
    region, where = place or (None, None)
    return Project(name=name, root=root, path=root / DEFAULT_CONFIG, region=region,
                   target="local" if where == "local" else None)


def locate(path: str | Path | None) -> Path:
    """PATH, else the lambdactl.toml of this directory or the nearest one above it (a
    command run from functions/hello/ is the project's, as git finds its repository);
    none: this directory's, to name in the error."""
    if path:
        return Path(path)
    here = Path.cwd()
    return next((d / DEFAULT_CONFIG for d in (here, *here.parents) if (d / DEFAULT_CONFIG).is_file()),
                here / DEFAULT_CONFIG)


def find_config(path: str | Path | None) -> Path:
    cfg = locate(path)
    if not cfg.is_file():
        raise ConfigError(
            f"no config file at {cfg}" + (": it is a directory" if cfg.is_dir() else ""),
            "run lambdactl in a project directory or pass --config PATH",
        )
    return cfg.resolve()


def load(path: str | Path | None = None, *, lenient: bool = False) -> Project:
    """Read and validate lambdactl.toml (every check that needs no AWS call).

    LENIENT (destroy): only the names matter; a missing source directory, a policy
    file or a field out of range is no reason to keep resources up.
    """
    cfg = find_config(path)
    text = read_text(cfg)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{cfg.name} is not valid TOML: {exc}") from exc
    return parse(data, cfg, lenient=lenient, text=text)


def parse(data: dict[str, Any], cfg: Path, *, lenient: bool = False, text: str | None = None) -> Project:
    """DATA, lambdactl.toml's values, checked; TEXT (its text) lets each problem name its line."""
    p = _Problems(cfg, lenient, text)
    root = cfg.parent
    _check_keys(p, "", data, {"project", "functions", "layers", "tables", "buckets", "queues"})
    proj = data.get("project")
    if not isinstance(proj, dict):
        p.add("[project]", "missing; add [project] with name = \"my-app\"")
        raise ConfigError(p.items[0])
    _check_keys(p, "project", proj, PROJECT_KEYS)
    name = proj.get("name")
    if not isinstance(name, str) or not PROJECT_NAME.fullmatch(name) or len(name) > 40:
        p.add("project.name", 'missing; set name = "my-app" in [project] (the prefix of every resource name)' if name is None
              else f"{name!r} must be 1-40 letters a-z or A-Z, digits or '-', starting with a letter or digit")
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
    from lambdactl.kinds import queue as queue_kind
    # Before the functions: their references name these, a trigger's bucket too (rewritten).
    tables, buckets = table.parse(p.add, data.get("tables", {}), name), project_bucket.parse(p.add, data, name)
    queues = queue_kind.parse(p.add, data.get("queues", {}), name)
    functions = [fn for key, tbl in functions_tbl.items() if (fn := _parse_function(
        p, root, name, key, tbl, sorted(layers_tbl), refs.refused(data, refs.known(tables, buckets, queues)))) is not None]
    functions = with_mappings(p.add, functions, functions_tbl, queues, tables)
    for where, problem in trigger_overlaps(functions):
        p.add(where, problem)
    from lambdactl.spec_versions import check_destinations, check_qualifiers
    functions = check_destinations(p.add, functions, {q.key: q.name for q in queues})
    check_qualifiers(p.add, functions)
    layers = [layer for key, tbl in layers_tbl.items()
              if (layer := _parse_layer(p, root, name, key, tbl, functions)) is not None]
    p.raise_if_any()
    return Project(
        name=name, root=root, path=cfg, region=region, target=target, functions=tuple(functions),
        layers=tuple(layers), tables=tables, buckets=buckets, queues=queues, warnings=tuple(p.notes),
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
    src_path = _parse_source(p, where, root, source)

    runtime, memory, timeout, arch, retention, description, ephemeral = _parse_settings(p, where, tbl)

    env_items = _parse_environment(p, where, tbl.get("environment", {}), known_refs)
    layers = _parse_layer_refs(p, where, tbl.get("layers", []), layer_keys)

    triggers = parse_triggers(p, where, tbl.get("triggers", []))
    url = parse_url(p, where, tbl.get("url"))
    schedules = parse_schedules(p, where, fname, tbl.get("triggers", []))

    if runtimes.is_custom(runtime):  # a bootstrap, not a Python handler: runtimes.py
        handler = runtimes.parse_custom(p, where, tbl, layers, layer_keys, src_path, root)
    elif runtime in PYTHON_RUNTIMES or p.lenient:  # an unknown runtime is reported alone
        handler = _parse_handler(p, where, tbl.get("handler"), source, src_path, root)
    else:
        handler = "invalid.invalid"

    # ${bucket} is known if triggers are declared, even one already reported as wrong.
    placeholders = allowed_placeholders(env_items, bool(triggers) or bool(tbl.get("triggers"))) | set(known_refs)
    policy_path = _parse_policy(p, where, root, tbl.get("policy"), placeholders)
    from lambdactl import spec_versions
    publish, aliases, async_config = spec_versions.parse(p.add, where, tbl)
    dead_letter_queue = spec_versions.dead_letter(p.add, where, tbl)
    if len(p.items) > n_before and not p.lenient:
        return None
    fn = Function(
        key=key, name=fname, source=src_path, handler=handler, runtime=runtime, memory=memory,
        timeout=timeout, architecture=arch, policy=policy_path, environment=tuple(env_items),
        layers=tuple(layers), log_retention_days=retention, description=description,
        ephemeral_storage=ephemeral, triggers=tuple(triggers), url=url, schedules=tuple(schedules),
        publish=publish, aliases=aliases, async_config=async_config,
        dead_letter_queue=dead_letter_queue,
    )
    if policy_path is not None and not p.lenient:
        from lambdactl.iam import recursive_trigger_problems

        for problem in recursive_trigger_problems(fn, known_refs):
            p.add(f"{where}.triggers", problem)
    return fn


def _parse_source(p: _Problems, where: str, root: Path, source: Any) -> Path:
    """The function's directory (ROOT when it is wrong: reported), and its requirements.txt's
    lines that cannot reach Lambda."""
    src_path = _path(p, f"{where}.source", source, root, "source = \"functions/<dir>\" (the handler's directory)")
    if src_path is not None and not src_path.is_dir():
        p.add(f"{where}.source", _not_a_source(root, source))
    elif src_path is not None and (src_path / "requirements.txt").is_file() and not p.lenient:
        from lambdactl.requirements_check import problems
        for problem in problems(src_path / "requirements.txt", f"{source}/requirements.txt",
                                f"{source}/ (next to the handler)"):
            p.add(f"{where}.source", problem)
    return src_path or root


def _parse_environment(p: _Problems, where: str, env: Any, known_refs: dict[str, str]) -> list[tuple[str, str]]:
    """Lambda's rules for environment variables; references (${tables.NAME.arn}) known."""
    env_items: list[tuple[str, str]] = []
    if _typed(p, f"{where}.environment", env, dict, "a table of strings"):
        for k, v in env.items():
            if not ENV_KEY.fullmatch(k):
                p.add(f"{where}.environment.{k}", "keys must start with a letter, be 2 characters or more and use letters, digits and '_'")
            elif k in RESERVED_ENV:
                p.add(f"{where}.environment.{k}", "is reserved by Lambda; choose another name")
            if not isinstance(v, str):
                p.add(f"{where}.environment.{k}", f"must be a string, got {v!r}; quote it")
            else:
                env_items.append((k, v))
                for x in refs.unknown(v, known_refs) + refs.unclosed(v, only_refs=True):
                    p.add(f"{where}.environment.{k}", x)
        # UTF-8 bytes, as Lambda counts them: "ж" is 2, not the 6 of json's "\u0436"
        size = len(json.dumps(dict(env_items), separators=(",", ":"), ensure_ascii=False).encode())
        if size > 4096:
            p.add(f"{where}.environment", f"is {size} bytes; Lambda allows 4 KB in total")
    return env_items


def _parse_layer_refs(p: _Problems, where: str, layers: Any, layer_keys: list[str]) -> Any:
    """Layer version ARNs and [layers.NAME] names, at most Lambda's five."""
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
    return layers


def _parse_handler(p: _Problems, where: str, handler: Any, source: Any, src_path: Path, root: Path) -> str:
    """<module>.<function>, and (not in lenient mode) that the module defines it."""
    if not isinstance(handler, str) or not re.fullmatch(r"[A-Za-z_]\w*([./][A-Za-z_]\w*)*\.[A-Za-z_]\w*", handler):
        p.add(f"{where}.handler", "missing; set handler = \"app.lambda_handler\" (<module>.<function>)" if handler is None
              else f"{handler!r} must be <module>.<function>, e.g. \"app.lambda_handler\"")
        return "invalid.invalid"
    if isinstance(source, str) and src_path.is_dir() and not p.lenient:
        found = check_handler(src_path, handler, _shown(src_path, root))
        if found.problem:
            p.add(f"{where}.handler", found.problem)
        elif found.doubt:
            p.note(f"{where}.handler", found.doubt)
    return handler


def _parse_policy(p: _Problems, where: str, root: Path, policy: Any, placeholders: set[str]) -> Path | None:
    """The policy file's path; its JSON and placeholders checked (not in lenient mode)."""
    if policy is None:
        return None
    if not isinstance(policy, str):
        p.add(f"{where}.policy", "must be a path to a JSON policy file")
        return None
    policy_path = (root / policy).resolve()
    if p.lenient:
        return policy_path
    if not policy_path.is_file():
        p.add(f"{where}.policy", _missing(root, policy, "file"))
        return policy_path
    from lambdactl.iam import check_policy_file

    for problem in check_policy_file(policy_path, placeholders):
        p.add(f"{where}.policy", f"{policy}: {problem}")
    return policy_path


def _parse_settings(p: _Problems, where: str, tbl: dict[str, Any]) -> tuple[Any, Any, Any, Any, Any, Any, Any]:
    """runtime, memory, timeout, architecture, log retention, description and ephemeral
    storage, each checked."""
    runtime = tbl.get("runtime", "python3.12")
    if (problem := runtimes.runtime_problem(runtime)) is not None:
        p.add(f"{where}.runtime", problem)
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
    ephemeral = tbl.get("ephemeral_storage", 512)
    if _typed(p, f"{where}.ephemeral_storage", ephemeral, int, "an integer (MB)") and not 512 <= ephemeral <= 10240:
        p.add(f"{where}.ephemeral_storage", f"{ephemeral} MB is out of range; Lambda allows 512-10240 MB of /tmp")
    return runtime, memory, timeout, arch, retention, description, ephemeral


def allowed_placeholders(env: list[tuple[str, str]], triggers: bool) -> set[str]:
    return {"region", "account_id", "function_name", "partition", *(k for k, _ in env), *(("bucket",) if triggers else ())}
