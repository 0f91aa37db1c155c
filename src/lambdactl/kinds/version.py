"""Kind: a published version of the function (`publish = true`; versions.py makes the call).

A kind of its own rather than a step of the function kind: it has its own write
(PublishVersion), its own journal entry (version:<function>:<N>, so destroy knows
which versions lambdactl published) and its own crash point, and aliases need it.
It publishes when the latest published version's code or configuration differs
from what the function is now planned to be; never otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lambdactl import functions as fnmod
from lambdactl import versions
from lambdactl.core.step import Step

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "version"
NEEDS: tuple[str, ...] = ("function",)   # publishes $LATEST once it is updated


@dataclass(frozen=True)
class VersionData:
    code_sha256: str


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    fn, pkg = want.fn, want.package
    if NAME not in facts.kinds or not fn.publish or pkg is None:
        return []
    role_arn = have.role.arn if have.role else facts.role_arn(fn)
    latest = have.versions.latest if have.versions else None
    if latest is not None and not fnmod.differences(latest, facts.layers.planned(fn), role_arn, pkg.sha256):
        number = have.versions.latest_number if have.versions else ""
        return [Step(fn.key, NAME, f"{fn.name}:{number}", "keep", detail="the latest published version")]
    why = "first version" if latest is None else "code or configuration changed since version " + (
        have.versions.latest_number if have.versions else "")
    return [Step(fn.key, NAME, fn.name, "create", detail=f"publish code {pkg.sha256[:12]}…: {why}",
                 data=VersionData(pkg.sha256))]


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    data, fn = step.data, want.fn
    assert isinstance(data, VersionData)
    resp = versions.publish(ctx.aws.client("lambda"), fn.name, data.code_sha256)
    ctx.published[fn.key] = str(resp["Version"])
    ctx.journal.record(NAME, f"{fn.name}:{resp['Version']}", "created", function=fn.key,
                       version=str(resp["Version"]), code_sha256=data.code_sha256)


def delete(ctx: Context, step: Step) -> Step:
    return step   # DeleteFunction takes every version with it
