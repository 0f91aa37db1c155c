from __future__ import annotations

import os

import click

from lambdactl.errors import ConfigError

SHELLS = ("bash", "zsh", "fish")


@click.command("completion")
@click.argument("shell", required=False, metavar="[bash|zsh|fish]",
                shell_complete=lambda _ctx, _param, incomplete: [s for s in SHELLS if s.startswith(incomplete)])
@click.pass_context
def command(ctx: click.Context, shell: str | None) -> None:
    """Print the shell completion script for SHELL (click's own completion);
    without SHELL, for the shell $SHELL names.

    \b
    bash: add  eval "$(lambdactl completion bash)"  to ~/.bashrc
    zsh:  add  eval "$(lambdactl completion zsh)"   to ~/.zshrc
    fish: lambdactl completion fish > ~/.config/fish/completions/lambdactl.fish

    Example: lambdactl completion bash
    """
    from click.shell_completion import get_completion_class

    name = shell or os.path.basename(os.environ.get("SHELL", ""))
    if name not in SHELLS:
        said = f"no completion for {name!r}" if shell else f"$SHELL is {os.environ.get('SHELL', '')!r}"
        raise ConfigError(f"{said}: lambdactl completes bash, zsh and fish",
                          "name one: lambdactl completion bash")
    cls = get_completion_class(name)
    assert cls is not None  # click ships all three
    # The variable the console script reads when the shell asks it to complete.
    script = cls(ctx.find_root().command, {}, "lambdactl", "_LAMBDACTL_COMPLETE").source()
    click.echo(script)
