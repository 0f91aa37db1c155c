"""Instructions of issue 11's two commands under callgrind: they do not swing with the load.

    .venv/bin/python benchmarks/command_callgrind.py [--runs 2]

A moto server in this process (no proxy: no delay to wait out), `lambdactl` as whole
processes under ``valgrind --tool=callgrind`` (every thread counted): a 1-function cold
`up` from an empty LAMBDACTL_HOME, and the `destroy` of 5 functions whose shared bucket
keeps a user's object (the last two lines of ``provision.py``). One run of each first,
not counted, so bytecode and lambdactl's caches are written. For an A/B against other
code, run it with ``PYTHONPATH=<that checkout>/src``.
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provision as P  # noqa: E402


def _lambdactl(root: Path, env: dict[str, str], *args: str, out: str | None = None) -> float:
    """Run lambdactl ARGS in ROOT; under callgrind if OUT: its instructions, in millions."""
    cmd = [sys.executable, "-m", "lambdactl", "--target", "aws", "-o", "json", *args]
    if out:
        for stale in glob.glob(os.path.join(out, "cg.*")):
            os.remove(stale)
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p", "-q", *cmd]
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"lambdactl {' '.join(args)} failed: {done.stderr}")
    total = 0
    for name in glob.glob(os.path.join(out, "cg.*")) if out else []:
        with open(name) as f:
            total += next((int(line.split()[1]) for line in f if line.startswith("totals:")), 0)
    return total / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    runs = ap.parse_args().runs
    import boto3
    from moto.server import ThreadedMotoServer

    from lambdactl.local import strict

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    strict.install_features()   # S3's tags at CreateBucket (moto 5.2 ignores them)
    port = P.free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    moto.start()
    env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="bench",
               AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    for key in ("AWS_PROFILE", "PYTHONDONTWRITEBYTECODE"):
        env.pop(key, None)
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    P.QUEUES = False
    up: list[float] = []
    destroy: list[float] = []
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as shared_home:
        env["LAMBDACTL_HOME"] = shared_home
        for r in range(runs + 1):   # run 0 writes bytecode and caches
            with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as home:
                P.make_project(Path(tmp), 1)
                up.append(_lambdactl(Path(tmp), {**env, "LAMBDACTL_HOME": home}, "up", out=out if r else None))
                _lambdactl(Path(tmp), env, "destroy", "--yes")
            with tempfile.TemporaryDirectory() as tmp:
                P.make_project(Path(tmp), 5)
                _lambdactl(Path(tmp), env, "up")
                s3.put_object(Bucket="bench-uploads", Key="user/x.txt", Body=b"x")
                destroy.append(_lambdactl(Path(tmp), env, "destroy", "--yes", out=out if r else None))
                s3.delete_object(Bucket="bench-uploads", Key="user/x.txt")
                s3.delete_bucket(Bucket="bench-uploads")
    moto.stop()
    print(f"1-function cold up, empty LAMBDACTL_HOME: {' '.join(f'{m:.1f}' for m in up[1:])} M instructions")
    print(f"5-function destroy, shared bucket kept:   {' '.join(f'{m:.1f}' for m in destroy[1:])} M instructions")


if __name__ == "__main__":
    main()
