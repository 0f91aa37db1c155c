from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument


@click.command("url")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Print a function's URL (from `url = {...}` in lambdactl.toml), as deployed.

    Example: curl "$(lambdactl url api)hello?name=ada"
    """
    from lambdactl.errors import LambdactlError
    from lambdactl.kinds import url

    function = app.project.function(fn)
    qualifier = function.url.qualifier if function.url else None
    state = url.observe(app.aws.client("lambda"), function.name, qualifier)
    if state is None:
        how = "run `lambdactl up`" if function.url else f'add url = {{ auth = "AWS_IAM" }} to [functions.{function.key}] and run `lambdactl up`'
        raise LambdactlError(f"{function.name} has no function URL", how)
    if app.term.json:
        app.term.print_json({"function": function.key, "name": function.name, "url": state.url, "auth": state.auth,
                             "public": state.auth == "NONE", "invoke_mode": state.invoke_mode, "cors": state.cors})
        return
    app.term.write(state.url)
    if state.auth == "NONE":
        app.term.info(f"{function.name} is public (auth NONE): anyone with this URL can call it")
