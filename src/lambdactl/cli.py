"""The root click group: global options, the App object, error translation.

Commands live one per module under ``lambdactl.commands`` and are imported only
when invoked, so ``lambdactl --help`` never imports boto3, moto or rich.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from lambdactl import __version__, interrupted
from lambdactl.cli_options import apply_no_color, global_options, help_command, with_global_options
from lambdactl.errors import ConfigError, LambdactlError

if TYPE_CHECKING:
    from pathlib import Path

    from lambdactl.aws import Aws
    from lambdactl.config import Project
    from lambdactl.core.context import Context
    from lambdactl.ui import Terminal

# name -> (module, one-line help). The help is here so `--help` imports nothing.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "Start a project from a template (s3-logger, size-tracker, queue-worker, http-api, ...); --list shows them."),
    "package": ("package", "Build the deterministic zip of a function; print its size and CodeSha256."),
    "role": ("role", "Create or update a function's execution role and inline policy."),
    "deploy": ("deploy", "Create or update the Lambda function and its log group."),
    "wire": ("wire", "Connect a function's callers: S3 triggers, queue/stream mappings, URL, schedules."),
    "up": ("up", "Package, role, deploy and wire every function; a no-op when nothing changed."),
    "plan": ("plan", "Show what `up` would change, using read calls only."),
    "dev": ("dev", "Watch the project; on each save update code or config, or run up; follow logs."),
    "destroy": ("destroy", "Remove everything lambdactl created for this project, and nothing else."),
    "invoke": ("invoke", "Invoke a function and show its result, log tail and cost."),
    "logs": ("logs", "Show a function's CloudWatch logs; --follow to watch them live."),
    "stats": ("stats", "Invocations, errors, cold starts, duration, memory and cost from the logs."),
    "tune": ("tune", "Invoke at several memory sizes; rank them by cost or speed; --apply the best."),
    "upload": ("upload", "Put a file into a function's trigger bucket, to see it fire."),
    "download": ("download", "Fetch an object from a bucket ([buckets.NAME] or a name) to a file or stdout."),
    "rm": ("rm", "Delete an object from one of the project's buckets."),
    "policy": ("policy", "Suggest a least-privilege policy for a function from what the config wires."),
    "send": ("send", "Send a message to one of the project's queues, to see its trigger fire."),
    "event": ("event", "Print a sample event (s3-put, s3-delete) for local testing."),
    "status": ("status", "What is deployed, and how it drifts from the config."),
    "rollback": ("rollback", "Point an alias back to an earlier version (default: the one before)."),
    "local": ("local", "Start, stop or inspect the embedded local sandbox."),
    "completion": ("completion", "Print the shell completion script for bash, zsh or fish."),
    "url": ("url", "Print a function's URL (url = {...} in lambdactl.toml)."),
}


@dataclass
class App:
    """Global options and lazily built shared objects, passed to every command."""

    config_path: str | None = None
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    target: str | None = None
    output: str = "text"
    verbose: bool = False
    no_color: bool = False
    strict: bool = False
    started: float = field(default_factory=time.monotonic)   # the command's start, for -v timings
    _project: Any = None
    _aws: Any = None
    _term: Any = None
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def term(self) -> Terminal:
        if self._term is None:
            from lambdactl.ui import Terminal

            self._term = Terminal(self.output, self.verbose)
        return self._term

    lenient: bool = False          # destroy: names are enough (config.load's lenient)
    read_only: bool = False        # plan, status: nothing written in the project's directory
    project_name: str | None = None   # destroy --project, when there is no lambdactl.toml

    @property
    def project(self) -> Project:
        if self._project is None:
            from lambdactl import config

            self._project = self._names_only() if self.lenient else config.load(self.config_path)
            for warning in self._project.warnings:
                self.term.warn(warning)
        return self._project

    def _names_only(self) -> Project:
        """destroy's project: from lambdactl.toml if it parses at all, else from the
        journal in this directory (or --project)."""
        from lambdactl import config, copies, state

        if self.project_name and not config.PROJECT_NAME.fullmatch(self.project_name):
            raise ConfigError(f"--project {self.project_name!r} is not a project name",
                              "use the [project] name of lambdactl.toml: letters, digits and '-'")
        try:
            project = config.load(self.config_path, lenient=True)
        except ConfigError as exc:
            root = config.locate(self.config_path).resolve().parent
            known = state.projects(root / ".lambdactl" / "state.json")
            name = self.project_name or (known[0] if len(known) == 1 else None)
            if name is None:
                raise ConfigError(
                    f"{exc.message}; and the journal here names {'projects ' + ', '.join(known) if known else 'no project'}",
                    "name the project to remove: lambdactl destroy --project NAME",
                ) from exc
            copies.refuse_anothers(root, name)
            places = state.places(root / ".lambdactl" / "state.json", name)
            if not self.project_name:
                self.term.warn(f"{exc.message}: removing project {name} as the journal in {root} knows it")
            return config.names_only(root, name, places[0] if len(places) == 1 else None)
        if self.project_name and self.project_name != project.name:
            places = state.places(project.root / ".lambdactl" / "state.json", self.project_name)
            if places:   # the project's old name (renamed in lambdactl.toml): the journal here knows it
                copies.refuse_anothers(project.root, self.project_name)
                return config.names_only(project.root, self.project_name, places[0] if len(places) == 1 else None)
            raise ConfigError(f"{project.path.name} is project {project.name!r}, not {self.project_name!r}",
                              "drop --project, or run from that project's directory")
        return project

    def project_or_none(self) -> Project | None:
        try:
            return self.project
        except ConfigError:
            if self.config_path:
                raise
            return None

    @property
    def target_kind(self) -> str:
        if self.target:
            return self.target
        project = self.project_or_none()
        if project and project.target:
            return project.target
        return "aws"

    @property
    def aws(self) -> Aws:
        if self._aws is None:
            from lambdactl.aws import Aws, Target

            region = self.chosen_region()
            kind = self.target_kind
            endpoint = self.endpoint_url
            if kind == "local":
                endpoint = self.sandbox_endpoint()
                region = region or "us-east-1"
            self._aws = Aws(Target(kind, region, None if kind == "local" else self.profile, endpoint))
        return self._aws

    def chosen_region(self) -> str | None:
        """--region, else the project's, else AWS_REGION / AWS_DEFAULT_REGION (checked)."""
        from lambdactl.aws import env_region

        project = self.project_or_none()
        region = self.region or (project.region if project else None) or env_region()
        if region and not self.region and not (project and project.region):
            checked_env_region(region)
        return region

    def sandbox_endpoint(self) -> str:
        try:
            from lambdactl.local import control
        except ImportError as exc:  # the [local] extra is not installed
            raise ConfigError(
                "the local sandbox needs moto and awslambdaric",
                "install them with: pip install 'lambdactl[local]'",
            ) from exc
        info = control.read_state()
        if info is not None and control.stopped(info.pid):
            raise LambdactlError(
                f"the sandbox at {info.endpoint} does not answer: its process {info.pid} is stopped",
                f"resume it with `kill -CONT {info.pid}`, or restart it with `lambdactl local stop`",
            )
        if info is None:
            with self.term.status("starting the local sandbox…"):
                info = control.ensure_running()
            self.term.info(f"[dim]local sandbox running at {info.endpoint} (pid {info.pid})[/dim]")
        return info.endpoint

    @property
    def context(self) -> Context:
        if "context" not in self._cache:
            from lambdactl import copies
            from lambdactl.core.context import Context

            original = copies.copied_from(self.project.root, self.project.name)
            if original is not None:
                self.term.warn(copies.warning(self.project.root, original, self.project.name))
            root = self.project.root / ".lambdactl"
            self._cache["context"] = Context(
                aws=self.aws, project=self.project, build_dir=self.build_dir(root),
                journal_path=root / "state.json", warn=self.term.warn,
                build_progress=self.term.activity,
            )
        return self._cache["context"]


    def build_dir(self, root: Path) -> Path:
        """Where packages are built: ROOT/build. Plan and status (read calls only) create
        nothing in the project (a read-only checkout): without a build folder they can
        write to (and its dependency cache), they build in the home, in a folder of this
        project's directory."""
        import os

        if not self.read_only or os.access(root / "build", os.W_OK):
            return root / "build"
        import hashlib
        from pathlib import Path

        from lambdactl.paths import home_dir

        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
        return Path(home_dir()) / "builds" / digest


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "help":   # `lambdactl help [COMMAND]`, as `aws help`; not listed
            return with_global_options(help_command())
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"lambdactl.commands.{COMMANDS[name][0]}")
        return with_global_options(module.command)

    def invoke(self, ctx: click.Context) -> Any:
        """The one place where failures become one line and an exit code."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            interrupted()
        except BrokenPipeError:   # `lambdactl logs | head -1`: the reader left, as for any Unix tool
            from lambdactl import stdio

            raise SystemExit(stdio.closed_stdout()) from None
        except Exception as exc:
            err = to_user_error(exc)
            if err is None:  # a bug: the traceback, and where it goes
                click.echo(f"lambdactl {__version__} hit a bug (not your mistake): please report it to the project's "
                           "issue tracker with the traceback below, the command you ran and `lambdactl --version`",
                           err=True)
                raise
            if isinstance(ctx.obj, App) and ctx.obj.verbose:
                import traceback

                traceback.print_exc()
            raise UserError(err) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="lambdactl")
@global_options
@click.pass_context
def root(ctx: click.Context, **opts: Any) -> None:
    """Provision AWS Lambda functions end to end with boto3.

    \b
    lambdactl up            package, role, deploy and wire every function
    lambdactl invoke hello  run it and see the result, logs and cost
    lambdactl logs -f       follow its CloudWatch logs
    lambdactl destroy       remove everything it created

    No AWS account? `--target local` (or target = "local" in lambdactl.toml)
    runs everything in an embedded sandbox on this machine.

    The options below may also follow the subcommand, as in the AWS CLI:
    `lambdactl invoke hello --output json`. `lambdactl help COMMAND` (or
    `lambdactl COMMAND -h`) shows a command's help.
    """
    ctx.obj = App(**opts)
    apply_no_color(ctx.obj)


class UserError(click.ClickException):
    """A LambdactlError on its way out: one line on stderr, its exit code."""

    def __init__(self, err: LambdactlError) -> None:
        super().__init__(str(err))
        self.exit_code = err.exit_code  # type: ignore[misc]  # click's is a ClassVar; ours varies per error

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    import gc

    import lambdactl
    from lambdactl import stdio

    lambdactl.one_shot()   # one command, then exit: what it builds may be frozen (aws.py)
    stdio.escaping_stdout()
    try:
        root.main(args=argv, prog_name="lambdactl")
    except SystemExit as end:   # click's standalone mode always ends so
        gc.freeze()
        lambdactl.exit_now(end.code)
        raise
    finally:
        gc.freeze()   # its objects live until exit: teardown skips collecting them (~70 ms)


def checked_env_region(region: str) -> None:
    """AWS_REGION / AWS_DEFAULT_REGION with a typo: one line naming the variable."""
    import os

    from lambdactl.cli_options import REGION

    if not REGION.fullmatch(region):
        var = "AWS_REGION" if os.environ.get("AWS_REGION") else "AWS_DEFAULT_REGION"
        raise ConfigError(f"{var}={region!r} is not an AWS region name like us-east-1",
                          f"fix or unset {var}, or pass --region")


def to_user_error(exc: BaseException) -> LambdactlError | None:
    if isinstance(exc, LambdactlError):
        return exc
    from lambdactl.textfile import argument_error, file_error, is_file_error

    if isinstance(exc, UnicodeEncodeError) or is_file_error(exc):
        return argument_error(exc) if isinstance(exc, UnicodeEncodeError) else file_error(exc)
    if type(exc).__module__.startswith("botocore"):
        from lambdactl.aws_errors import translate

        return translate(exc)
    return None
