"""Global options work before or after the subcommand, with the same meaning (issue 17).

Every subcommand (nested ones included) runs with each global option in both
places; its body is swapped for a recorder, so what is checked is exactly what
the command would see: the App the root built, after parsing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from lambdactl.cli import COMMANDS, App, root, with_global_options

# The arguments each command needs to parse; a new command must be added here.
ARGS: dict[str, list[str]] = {
    "package": [], "role": [], "deploy": [], "wire": [], "up": [], "plan": [], "destroy": [],
    "invoke": ["hello"], "logs": ["hello"], "upload": ["{file}"], "status": [],
    "stats": ["hello"], "tune": ["hello"], "dev": ["hello"], "rollback": ["hello"], "send": ["jobs", "x"],
    "event": ["s3-put", "--bucket", "b", "--key", "k"],
    "local start": [], "local stop": [], "local status": [], "local env": [],
    "completion": ["bash"], "init": ["--list"],
    "url": ["hello"], "local tick": [],
    "download": ["charts", "k.png"], "rm": ["uploads", "k"], "policy suggest": ["hello"],
}

# (option as typed, App attribute, value it must reach the App as)
OPTIONS: list[tuple[list[str], str, Any]] = [
    (["--config", "other.toml"], "config_path", "other.toml"),
    (["--profile", "dev"], "profile", "dev"),
    (["--region", "eu-west-2"], "region", "eu-west-2"),
    (["--endpoint-url", "http://127.0.0.1:9"], "endpoint_url", "http://127.0.0.1:9"),
    (["--target", "local"], "target", "local"),
    (["--output", "json"], "output", "json"),
    (["-o", "json"], "output", "json"),
    (["-v"], "verbose", True),
    (["--verbose"], "verbose", True),
    (["--debug"], "verbose", True),                      # the AWS CLI's spelling
    (["-o", "table"], "output", "table"),
    (["--output=json"], "output", "json"),
    (["--region=eu-west-2"], "region", "eu-west-2"),
    (["-o", "text", "-o", "json"], "output", "json"),    # repeated: the last wins
    (["--strict"], "strict", True),
    (["--no-color"], "no_color", True),
]


def leaf_commands(group: click.Group, ctx: click.Context, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        if cmd.hidden:   # a group's `help`: tested on its own below
            continue
        if isinstance(cmd, click.Group):
            yield from leaf_commands(cmd, ctx, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Each command's body replaced by one that records the App it gets."""
    seen: dict[str, Any] = {"file": str(tmp_path / "x.txt")}
    (tmp_path / "x.txt").write_text("x")
    with click.Context(root) as ctx:
        for path, cmd in leaf_commands(root, ctx):
            def record(*_: Any, _path: str = path, **__: Any) -> None:
                seen[_path] = click.get_current_context().find_object(App)
            monkeypatch.setattr(cmd, "callback", record)
    return seen


def run(*args: str) -> None:
    result = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_every_command_is_covered() -> None:
    with click.Context(root) as ctx:
        assert {path for path, _ in leaf_commands(root, ctx)} == set(ARGS)
    assert set(COMMANDS) == {p.split()[0] for p in ARGS}


@pytest.mark.parametrize("path", list(ARGS))
@pytest.mark.parametrize("option,attr,value", OPTIONS, ids=[" ".join(o[0]) for o in OPTIONS])
def test_global_option_before_and_after(recorded: dict[str, Any], path: str, option: list[str],
                                        attr: str, value: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "")   # --no-color sets it: put back what was there after
    monkeypatch.delenv("NO_COLOR")
    args = [a.format(file=recorded["file"]) for a in ARGS[path]]
    default = getattr(App(), attr)
    run(*path.split(), *args)
    assert getattr(recorded.pop(path), attr) == default
    run(*option, *path.split(), *args)
    assert getattr(recorded.pop(path), attr) == value
    run(*path.split(), *args, *option)
    assert getattr(recorded.pop(path), attr) == value
    if " " in path:   # between the group and its subcommand: `lambdactl local -o json status`
        group, sub = path.split()
        run(group, *option, sub, *args)
        assert getattr(recorded.pop(path), attr) == value


def test_env_vars_still_work_and_the_command_line_wins(recorded: dict[str, Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "from-env")
    monkeypatch.setenv("LAMBDACTL_TARGET", "local")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://env:1")
    monkeypatch.setenv("LAMBDACTL_CONFIG", "env.toml")
    run("status")
    app = recorded.pop("status")
    assert (app.profile, app.target, app.endpoint_url, app.config_path) == (
        "from-env", "local", "http://env:1", "env.toml")
    run("status", "--profile", "cli", "--target", "aws")
    app = recorded.pop("status")
    assert (app.profile, app.target, app.endpoint_url) == ("cli", "aws", "http://env:1")
    # Given both before and after the subcommand: the later one wins.
    run("-o", "json", "--region", "us-west-1", "status", "-o", "text")
    app = recorded.pop("status")
    assert (app.output, app.region) == ("text", "us-west-1")


def test_a_command_option_shadowing_a_global_one_is_refused() -> None:
    @click.command("clash")
    @click.option("--output", "-o")
    def clash(output: str) -> None:
        """A command with its own --output."""

    with pytest.raises(RuntimeError, match="'clash' has its own --output, -o"):
        with_global_options(clash)


def test_after_the_subcommand_in_the_real_cli(tmp_path: Path) -> None:
    """The issue's complaint, end to end: --output json after the subcommand."""
    proc = subprocess.run([sys.executable, "-m", "lambdactl", "local", "status", "--output", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr  # 3: not running
    assert json.loads(proc.stdout) == {"running": False}


def test_subcommand_help_says_global_options_may_follow() -> None:
    for args in (["invoke", "--help"], ["local", "start", "--help"]):
        out = CliRunner().invoke(root, args, catch_exceptions=False).output
        assert "Global options (lambdactl --help) may also follow the command:" in out
        assert "--output/-o" in " ".join(out.split())


def test_a_one_shot_command_collects_cycles_rarely() -> None:
    """The console script's process raises the collector's threshold (a cold `up` then
    runs no collection: ~30 ms of CPU); what it was is kept for `dev` to put back."""
    code = ("import atexit, gc, lambdactl\nfrom lambdactl import cli\n"
            "atexit.register(lambda: print(gc.get_threshold()[0], lambdactl.GC_DEFAULT[0]))\n"
            "cli.main(['--version'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False).stdout
    assert out.split()[-2:] == ["300000", "700"]


# -- what the AWS CLI's users type, beyond the option's place --------------------------

def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(root, list(args), env=env, prog_name="lambdactl")


@pytest.mark.parametrize("args,first", [
    (["help"], "Usage: lambdactl [OPTIONS] COMMAND [ARGS]..."),
    (["help", "invoke"], "Usage: lambdactl invoke [OPTIONS] [FN]"),
    (["help", "local", "start"], "Usage: lambdactl local start [OPTIONS]"),
    (["local", "help", "start"], "Usage: lambdactl local start [OPTIONS]"),
    (["local", "help"], "Usage: lambdactl local [OPTIONS] COMMAND [ARGS]..."),
    (["-o", "json", "help", "up"], "Usage: lambdactl up [OPTIONS]"),
    (["invoke", "-h"], "Usage: lambdactl invoke [OPTIONS] [FN]"),
    (["policy", "suggest", "-h"], "Usage: lambdactl policy suggest [OPTIONS] [FN]"),
])
def test_help_as_the_aws_cli_spells_it(args: list[str], first: str) -> None:
    """`aws help`, `aws s3 help`: lambdactl help [COMMAND...], and -h anywhere."""
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == first


def test_help_for_no_such_command_is_a_usage_error() -> None:
    result = invoke("help", "nope")
    assert result.exit_code == 2
    assert "no command 'nope' in `lambdactl`; `lambdactl --help` lists them" in result.stderr
    result = invoke("local", "help", "nope")
    assert result.exit_code == 2 and "no command 'nope' in `lambdactl local`" in result.stderr


@pytest.mark.parametrize("value,why", [("yaml", "has no YAML output (use -o json, and yq for YAML)"),
                                       ("yaml-stream", "has no YAML output (use -o json, and yq for YAML)"), ("xml", "has no such output")])
def test_an_output_lambdactl_lacks_is_one_clear_line(value: str, why: str) -> None:
    for args in (["-o", value, "status"], ["status", "--output", value]):
        result = invoke(*args)
        assert result.exit_code == 2
        assert f"{value!r}: lambdactl {why}; choose text, json or table" in result.stderr


def test_output_from_the_environment_as_the_aws_cli_reads_it(recorded: dict[str, Any]) -> None:
    """AWS_DEFAULT_OUTPUT is the AWS CLI's; LAMBDACTL_OUTPUT wins over it; -o over both.
    A value lambdactl lacks (yaml, from a shell set up for the AWS CLI) warns and is text."""
    for env, expected in [({"AWS_DEFAULT_OUTPUT": "json"}, "json"), ({"AWS_DEFAULT_OUTPUT": "table"}, "table"),
                          ({"AWS_DEFAULT_OUTPUT": "json", "LAMBDACTL_OUTPUT": "text"}, "text")]:
        assert invoke("status", env=env).exit_code == 0
        assert recorded.pop("status").output == expected, env
    assert invoke("status", "-o", "text", env={"AWS_DEFAULT_OUTPUT": "json"}).exit_code == 0
    assert recorded.pop("status").output == "text"
    result = invoke("status", env={"AWS_DEFAULT_OUTPUT": "yaml"})
    assert result.exit_code == 0 and recorded.pop("status").output == "text"
    assert result.stderr == ("warning: AWS_DEFAULT_OUTPUT=yaml: lambdactl prints text, table or json; "
                             "using text (set LAMBDACTL_OUTPUT=text|table|json for lambdactl)\n")


def test_output_table_draws_the_table_on_a_pipe_too(capsys: pytest.CaptureFixture[str]) -> None:
    from lambdactl.ui import Terminal

    Terminal("table").table("packages", ["function", "size"], [["hello", "1 KB"]])
    out = capsys.readouterr().out
    assert "┃ function ┃ size ┃" in out and "│ hello    │ 1 KB │" in out and "\x1b[" not in out
    Terminal("text").table("packages", ["function", "size"], [["hello", "1 KB"]])
    assert capsys.readouterr().out == "hello\t1 KB\n"


@pytest.mark.parametrize("args", [["--region", "bogus-1", "status"], ["status", "--region=us-east1"],
                                  ["plan", "--region", "US-EAST-1"]])
def test_a_region_that_is_no_region_is_refused_before_any_call(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert f"{args[-1].split('=')[-1] if '=' in args[-1] else args[args.index('--region') + 1]!r} " \
           "is not an AWS region name like us-east-1" in result.stderr


def test_a_region_from_the_environment_with_a_typo_names_the_variable(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)   # no region in lambdactl.toml: it comes from the environment
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "lambdactl.toml").write_text(
        '[project]\nname = "p"\n[functions.f]\nsource = "fn"\nhandler = "app.handler"\n')
    monkeypatch.setenv("AWS_REGION", "useast1")
    result = invoke("--target", "aws", "status")
    assert result.exit_code == 2
    assert result.stderr == ("error: AWS_REGION='useast1' is not an AWS region name like us-east-1; "
                             "fix or unset AWS_REGION, or pass --region\n")


def test_no_color_is_no_color_for_rich_and_the_log_formatters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.delenv("NO_COLOR")
    assert invoke("local", "status", "--no-color").exit_code in (0, 3)
    import os

    assert os.environ.get("NO_COLOR") == "1"


@pytest.mark.parametrize("args", [["init", "--list"], ["event", "s3-put"], ["completion", "bash"]])
def test_a_reader_that_leaves_early_is_no_bug(args: list[str], tmp_path: Path) -> None:
    """`lambdactl init --list | head -1`: stdout's pipe closes while lambdactl writes.
    Like any Unix tool: exit 141 (SIGPIPE's), and nothing on stderr (it was "hit a bug")."""
    import os

    read, write = os.pipe()
    os.close(read)   # the reader is gone before the first line
    try:
        proc = subprocess.run([sys.executable, "-m", "lambdactl", *args], cwd=tmp_path, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (141, "")


@pytest.mark.parametrize("args,env", [
    (["--region", "eu-west-3", "status"], {}), (["status", "--region", "eu-west-3"], {}),
    (["status", "--region=eu-west-3"], {"AWS_REGION": "eu-west-1"}),      # the command line wins
    (["status"], {"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "eu-west-1", "NO_TOML_REGION": "1"}),
    (["status"], {"AWS_DEFAULT_REGION": "eu-west-3", "NO_TOML_REGION": "1"}),
])
def test_the_region_given_reaches_every_client(project: Path, monkeypatch: pytest.MonkeyPatch,
                                               args: list[str], env: dict[str, str]) -> None:
    """Not only parsed: each API call goes to that region (over lambdactl.toml's us-east-1;
    without one there, AWS_REGION, then AWS_DEFAULT_REGION, as boto3 reads them)."""
    import botocore.client
    from moto import mock_aws

    if env.pop("NO_TOML_REGION", None):
        toml = project / "lambdactl.toml"
        toml.write_text(toml.read_text().replace('region = "us-east-1"', ""))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    for var, value in env.items():
        monkeypatch.setenv(var, value)

    regions: set[str] = set()
    original = botocore.client.BaseClient._make_api_call

    def seen(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        regions.add(self.meta.region_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", seen)
    with mock_aws():
        result = CliRunner().invoke(root, args, catch_exceptions=False)
    assert "not deployed" in result.stdout   # status read the (empty) region, and says so
    assert regions - {"aws-global"} == {"eu-west-3"}   # IAM is global


def test_a_short_option_typed_with_equals_still_means_the_value(recorded: dict[str, Any]) -> None:
    """`-o=json` (click reads "=json"): what the user meant."""
    run("status", "-o=json")
    assert recorded.pop("status").output == "json"
