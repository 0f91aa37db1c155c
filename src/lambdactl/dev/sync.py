"""The calls that make one function current, the least of them: a rebuilt zip
sent only when its CodeSha256 differs, or only the configuration fields that
changed. A build that fails sends nothing: the deployed code stays."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lambdactl import functions as fnmod
from lambdactl.errors import AwsError, LambdactlError
from lambdactl.handler_check import syntax_problem
from lambdactl.package import BuildProgress, DeflateMemo, Package, package_for_function

if TYPE_CHECKING:
    from lambdactl.config import Function
    from lambdactl.core.context import Context


def build(fn: Function, build_dir: Path, memo: DeflateMemo, changed: Iterable[Path],
          progress: BuildProgress | None = None) -> Package | str:
    """FN's zip, rebuilt (only changed files deflated again), or why it cannot be
    (one line): a changed Python file that does not parse, a packaging error.
    PROGRESS: a changed requirements.txt's pip install, as `up` shows it."""
    source = fn.source.resolve()
    for path in sorted(changed):
        if path.suffix == ".py" and path.is_file() and path.is_relative_to(source):
            problem = syntax_problem(path, f"{fn.source.name}/{path.relative_to(source).as_posix()}")
            if problem:
                return problem
    try:
        return package_for_function(fn, build_dir, memo=memo, progress=progress)
    except LambdactlError as exc:
        return str(exc)


def push_code(ctx: Context, fn: Function, pkg: Package) -> None:
    """UpdateFunctionCode (and its wait), and the journal's CodeSha256."""
    _update(ctx, fn, pkg.read(), ["code"])
    ctx.journal.amend("function", fn.name, code_sha256=pkg.sha256)


def push_config(ctx: Context, fn: Function, fields: Iterable[str]) -> None:
    """UpdateFunctionConfiguration of FIELDS only (and its wait)."""
    _update(ctx, fn, b"", list(fields))


def _update(ctx: Context, fn: Function, code: bytes, fields: list[str]) -> None:
    lam = ctx.aws.client("lambda")
    try:
        fnmod.update(lam, ctx.resolved(fn), ctx.role_arn(fn), code, fields)
    except lam.exceptions.ResourceNotFoundException as exc:   # `lambdactl destroy` while dev ran
        raise AwsError(f"{fn.key}: function {fn.name} is not deployed any more (`lambdactl destroy` while dev "
                       "ran?); nothing sent", "stop dev, or run `lambdactl up` to make it again",
                       code="ResourceNotFoundException") from exc


def policy_changed(ctx: Context, old: Function, new: Function) -> bool:
    """Does NEW's rendered role policy differ from OLD's? (environment keys may be
    policy placeholders: a new value is then a role change, not only a config one)"""
    if new.policy is None:
        return False
    return ctx.policy(old) != ctx.policy(new)
