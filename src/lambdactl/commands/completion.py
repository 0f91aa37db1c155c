from __future__ import annotations

import click


@click.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def command(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL (click's own completion).

    \b
    bash: add  eval "$(lambdactl completion bash)"  to ~/.bashrc
    zsh:  add  eval "$(lambdactl completion zsh)"   to ~/.zshrc
    fish: lambdactl completion fish > ~/.config/fish/completions/lambdactl.fish

    Example: lambdactl completion bash
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None  # click ships all three
    # The variable the console script reads when the shell asks it to complete.
    script = cls(ctx.find_root().command, {}, "lambdactl", "_LAMBDACTL_COMPLETE").source()
    click.echo(script)
