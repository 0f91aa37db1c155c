"""End to end, the README's `[layers.plotting]` example on its declared Python (issue 12):
the real CLI on a sandbox of its own builds matplotlib for python3.12 (Lambda's
platform, from the package index), `up`s a function declaring python3.12 and
invokes it. The handler runs on this machine's Python 3.12 (found in pyenv: the
python3.12 on PATH is a failing shim), imports matplotlib from the layer and
draws; lambdactl's own virtualenv is not on its path. Its awslambdaric and boto3
come from the session's runtime cache (tests/conftest.py: runtime_cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lambdactl.local.pythons import HOST_MACHINE
from tests.e2e.test_sandbox_flow import cli
from tests.local.test_local_pythons import real

REPO = Path(__file__).resolve().parents[2]
HANDLER = '''import io
import os
import sys

os.environ.setdefault("MPLCONFIGDIR", "/tmp/matplotlib")  # Lambda's only writable place

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot


def lambda_handler(event, context):
    try:
        import click  # lambdactl's, never a handler's
        leaked = click.__file__
    except ImportError:
        leaked = None
    fig, ax = pyplot.subplots(figsize=(4, 2), dpi=50)
    ax.plot([1, 2, 3], [3, 1, 2])
    png = io.BytesIO()
    fig.savefig(png, format="png")
    return {"version": sys.version, "matplotlib": matplotlib.__version__,
            "png": png.getvalue()[:8].hex(), "size": len(png.getvalue()), "leaked": leaked}
'''


def test_the_plotting_layer_runs_on_python_3_12(tmp_path: Path) -> None:
    real("3.12")
    project = tmp_path / "plotting"
    (project / "functions" / "plot").mkdir(parents=True)
    (project / "functions" / "plot" / "app.py").write_text(HANDLER)
    (project / "layers" / "plotting").mkdir(parents=True)
    (project / "layers" / "plotting" / "requirements.txt").write_bytes(
        (REPO / "examples" / "size-tracker" / "layers" / "plotting" / "requirements.txt").read_bytes())
    (project / "lambdactl.toml").write_text(
        '[project]\nname = "pyver-plot"\ntarget = "local"\n\n'
        '[layers.plotting]\nrequirements = "layers/plotting/requirements.txt"\n'
        f'runtimes = ["python3.12"]\narchitecture = "{HOST_MACHINE}"\n\n'
        '[functions.plot]\nsource = "functions/plot"\nhandler = "app.lambda_handler"\n'
        f'runtime = "python3.12"\narchitecture = "{HOST_MACHINE}"\nmemory = 512\ntimeout = 60\n'
        'layers = ["plotting"]\n')
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(project, env, "local", "start", "--port", "0")
    try:
        up = cli(project, env, "up")
        assert "warning" not in up.stderr and "error" not in up.stderr, up.stderr
        assert up.stderr.count("installing awslambdaric==") <= 1   # once per Python, per cache
        invoked = json.loads(cli(project, env, "-o", "json", "invoke", "plot").stdout)
    finally:
        subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=project, env=env,
                       capture_output=True, timeout=60)
    payload = invoked["payload"]
    assert payload["version"].startswith("3.12."), invoked
    assert payload["matplotlib"] == "3.11.2"
    assert payload["png"] == b"\x89PNG\r\n\x1a\n".hex() and payload["size"] > 1000
    assert payload["leaked"] is None
