"""The global options, defined once, and where they may go (issue 17).

The root takes them with their environment variables; every subcommand (a
group's too) takes them as well, so that, as in the AWS CLI, they may follow it
(`lambdactl invoke hello --output json`); there the later one wins. Each group
also answers `help [COMMAND]`, as `aws help` and `aws s3 help` do.
"""

from __future__ import annotations

import os
import re
from typing import Any

import click
from click.core import ParameterSource

# --output: the AWS CLI's values that lambdactl prints. `table` draws tables even
# on a pipe; `text` draws them only on a terminal (tab-separated lines elsewhere).
OUTPUTS = ("text", "json", "table")
# The AWS CLI's other values, refused with what to use instead.
OTHER_OUTPUTS = ("yaml", "yaml-stream")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


class Output(click.ParamType):
    """text | json | table. From the environment (LAMBDACTL_OUTPUT, else the AWS
    CLI's AWS_DEFAULT_OUTPUT) a value lambdactl lacks is a warning and text, so a
    shell set up for `aws --output yaml` still runs lambdactl."""

    name = "output"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[text|json|table]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        given = str(value).strip().lower().removeprefix("=")   # `-o=json`: click hands over "=json"
        if given in OUTPUTS:
            return given
        if ctx is not None and param is not None and param.name \
                and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT:
            var = "LAMBDACTL_OUTPUT" if os.environ.get("LAMBDACTL_OUTPUT") else "AWS_DEFAULT_OUTPUT"
            click.echo(f"warning: {var}={value}: lambdactl prints text, table or json; using text "
                       "(set LAMBDACTL_OUTPUT=text|table|json for lambdactl)", err=True)
            return "text"
        why = " has no YAML output (use -o json, and yq for YAML)" if given in OTHER_OUTPUTS else " has no such output"
        self.fail(f"{value!r}: lambdactl{why}; choose text, json or table", param, ctx)


class Region(click.ParamType):
    """An AWS region's shape (us-east-1, eu-central-2, us-gov-west-1): a typo is
    refused here, not answered by an endpoint that does not exist (a sandbox 500)."""

    name = "region"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if not REGION.fullmatch(str(value)):
            self.fail(f"{value!r} is not an AWS region name like us-east-1", param, ctx)
        return str(value)


GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("--config", "config_path"), dict(metavar="PATH", envvar="LAMBDACTL_CONFIG",
                                       help="Project file [default: ./lambdactl.toml; env LAMBDACTL_CONFIG].")),
    (("--profile",), dict(metavar="NAME", envvar="AWS_PROFILE", help="AWS profile [env AWS_PROFILE].")),
    (("--region",), dict(metavar="REGION", type=Region(),
                         help="AWS region [default: lambdactl.toml, then AWS_REGION / "
                              "AWS_DEFAULT_REGION, then the profile].")),
    (("--endpoint-url",), dict(metavar="URL", envvar="AWS_ENDPOINT_URL",
                               help="Send every AWS call to this endpoint, e.g. a moto server [env AWS_ENDPOINT_URL].")),
    (("--target",), dict(type=click.Choice(["aws", "local"]), envvar="LAMBDACTL_TARGET",
                         help="aws, or local: the embedded sandbox, no account needed "
                              "[env LAMBDACTL_TARGET; default: lambdactl.toml's target, else aws].")),
    (("--output", "-o"), dict(type=Output(), default="text", show_default=True,
                              envvar=["LAMBDACTL_OUTPUT", "AWS_DEFAULT_OUTPUT"],
                              help="text for people (tables on a terminal), table (tables on a pipe too), "
                                   "json for scripts (one document on stdout) "
                                   "[env LAMBDACTL_OUTPUT, then AWS_DEFAULT_OUTPUT].")),
    (("-v", "--verbose", "--debug"), dict(is_flag=True, help="Show API call counts, debug lines and tracebacks.")),
    (("--no-color",), dict(is_flag=True, help="No colour on the terminal [env NO_COLOR].")),
    (("--strict",), dict(is_flag=True, envvar="LAMBDACTL_STRICT", help="Refuse, before any write, what is "
                         "otherwise a warning: a policy granting \"*\" on \"*\" [env LAMBDACTL_STRICT].")),
)


def global_options(f: Any) -> Any:
    """The root's global options, in the order --help lists them."""
    for decls, kwargs in reversed(GLOBAL_OPTIONS):
        f = click.option(*decls, **kwargs)(f)
    return f


GLOBAL_EPILOG = "Global options (lambdactl --help) may also follow the command: " + ", ".join(
    "/".join(d for d in decls if d.startswith("-")) for decls, _ in GLOBAL_OPTIONS) + "."


class GlobalOption(click.Option):
    """A global option given after a subcommand: it writes into the App the root
    made. No env var and no default here, so the root's value (from the command
    line before the subcommand, or the env) stands unless this one is given.
    Left out of the command's --help (the epilog names them) but not out of shell
    completion (`lambdactl invoke hello --o<TAB>`)."""

    def __init__(self, decls: tuple[str, ...], kwargs: dict[str, Any]) -> None:
        own = {k: v for k, v in kwargs.items() if k not in ("envvar", "default", "show_default")}
        super().__init__(list(decls), expose_value=False, callback=_set_on_app, **own)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        return None


def _set_on_app(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    app = ctx.find_root().obj
    if app is not None and value not in (None, False) and param.name:
        setattr(app, param.name, value)
        apply_no_color(app)


def apply_no_color(app: Any) -> None:
    """--no-color: NO_COLOR, which rich and the log formatters honour."""
    if getattr(app, "no_color", False):
        os.environ["NO_COLOR"] = "1"


def with_global_options(cmd: click.Command) -> click.Command:
    """CMD (and a group's subcommands) taking the global options too. An option of
    the command's own that a global one would shadow is a bug: raise, do not hide it."""
    if not any(isinstance(p, GlobalOption) for p in cmd.params):
        names = {opt for decls, _ in GLOBAL_OPTIONS for opt in decls if opt.startswith("-")}
        clash = names.intersection(o for p in cmd.params for o in p.opts + p.secondary_opts)
        if clash:
            raise RuntimeError(f"command {cmd.name!r} has its own {', '.join(sorted(clash))}, "
                               "which is a global option")
        cmd.params.extend(GlobalOption(decls, kwargs) for decls, kwargs in GLOBAL_OPTIONS)
        cmd.epilog = cmd.epilog or GLOBAL_EPILOG
    if isinstance(cmd, click.Group):
        cmd.commands.setdefault("help", help_command())
        for sub in cmd.commands.values():
            with_global_options(sub)
    return cmd


def help_command() -> click.Command:
    """`help [COMMAND...]`: the group's (or COMMAND's) --help, as `aws help` does."""

    @click.command("help", hidden=True)
    @click.argument("words", nargs=-1, metavar="[COMMAND]...")
    @click.pass_context
    def help_(ctx: click.Context, words: tuple[str, ...]) -> None:
        """Show the help of the group, or of COMMAND.

        Example: lambdactl help invoke
        """
        assert ctx.parent is not None   # help is always a group's subcommand
        at = ctx.parent
        for word in words:
            group = at.command
            sub = group.get_command(at, word) if isinstance(group, click.Group) else None
            if sub is None or word == "help":
                where = at.command_path
                raise click.UsageError(f"no command {word!r} in `{where}`; `{where} --help` lists them", ctx)
            at = click.Context(sub, info_name=word, parent=at)
        click.echo(at.get_help())

    return help_
