"""The version and alias kinds' pure plans: publish only on a difference, aliases
follow the latest published version (or a rollback's pin), versions that do not
exist are refused."""

from __future__ import annotations

import dataclasses

import pytest

from lambdactl import functions as fnmod
from lambdactl.errors import ConfigError
from lambdactl.kinds import alias, version
from lambdactl.spec_versions import Alias
from lambdactl.versions import AliasState, VersionsState
from tests.kinds import ACCOUNT, desired, facts, function, observed, package

ROLE = f"arn:aws:iam::{ACCOUNT}:role/proj-fn-role"
FN = function(publish=True, aliases=(Alias("live"),))


def published(fn: fnmod.Function, sha: str, *numbers: str) -> VersionsState:
    cfg = {"FunctionArn": "arn", "CodeSha256": sha, **fnmod.desired_config(fn, ROLE),
           "Layers": [{"Arn": a} for a in fn.layers]}
    return VersionsState(numbers, fnmod.state_of(cfg, {}))


def test_version_published_only_when_code_or_configuration_differs() -> None:
    pkg = package()
    [first] = version.plan(facts(), desired(FN, pkg=pkg), observed())
    assert first.action == "create" and "first version" in first.detail
    same = observed(versions=published(FN, pkg.sha256, "1", "2"))
    [keep] = version.plan(facts(), desired(FN, pkg=pkg), same)
    assert (keep.action, keep.name) == ("keep", "proj-fn:2")
    [code] = version.plan(facts(), desired(FN, pkg=package("B" * 43 + "=")), same)
    assert code.action == "create" and "changed since version 2" in code.detail
    [config] = version.plan(facts(), desired(dataclasses.replace(FN, memory=256), pkg=pkg), same)
    assert config.action == "create"
    assert version.plan(facts(), desired(function(), pkg=pkg), observed()) == []   # publish = false


def test_alias_follows_the_latest_published_version() -> None:
    pkg = package()
    [new] = alias.plan(facts(), desired(FN, pkg=pkg), observed())
    assert new.action == "create" and new.data.version == alias.PENDING
    have = observed(versions=published(FN, pkg.sha256, "1", "2"), aliases={"live": AliasState("2")})
    [keep] = alias.plan(facts(), desired(FN, pkg=pkg), have)
    assert keep.action == "keep"
    have.aliases["live"] = AliasState("1")
    [move] = alias.plan(facts(), desired(FN, pkg=pkg), have)
    assert (move.action, move.data.version, move.detail) == ("update", "2", "version 2 (was 1)")


def test_a_rollback_pin_holds_until_a_new_version() -> None:
    pkg = package()
    journal = {"alias:proj-fn:live": {"pinned": "1"}}
    have = observed(versions=published(FN, pkg.sha256, "1", "2"), aliases={"live": AliasState("1")})
    [keep] = alias.plan(facts(journal=journal), desired(FN, pkg=pkg), have)
    assert keep.action == "keep"
    [publish] = alias.plan(facts(journal=journal), desired(FN, pkg=package("B" * 43 + "=")), have)
    assert (publish.action, publish.data.version) == ("update", alias.PENDING)


def test_weights_and_versions_that_do_not_exist() -> None:
    pkg = package()
    canary = dataclasses.replace(FN, aliases=(Alias("canary", "1", (("2", 0.1),)),))
    have = observed(versions=published(FN, pkg.sha256, "1", "2"), aliases={"canary": AliasState("1")})
    [step] = alias.plan(facts(), desired(canary, pkg=pkg), have)
    assert step.action == "update" and "10% to version 2" in step.detail
    have.aliases["canary"] = AliasState("1", (("2", 0.1),))
    assert alias.plan(facts(), desired(canary, pkg=pkg), have)[0].action == "keep"
    missing = dataclasses.replace(FN, aliases=(Alias("canary", "1", (("7", 0.1),)),))
    with pytest.raises(ConfigError, match="version 7 of proj-fn does not exist"):
        alias.plan(facts(), desired(missing, pkg=pkg), have)
    # A fresh function that publishes: version 1 is the one this run makes.
    first = dataclasses.replace(FN, aliases=(Alias("live", "1"),))
    assert alias.plan(facts(), desired(first, pkg=pkg), observed())[0].data.version == "1"
