"""Benchmark the inner loop: `lambdactl dev` against `lambdactl up`, one saved file at a time.

The project: one function whose handler is one small file, with 3 MB of vendored
dependencies (a wheel built here, installed by pip from a local wheelhouse: no
network). Each save rewrites the handler with a new version number.

1. On the sandbox: save -> the first invoke that returns the new version
   (invoking in a tight loop after the save), with `dev` running; median of N saves.
2. Against moto behind the 40 ms proxy of benchmarks/provision.py (a stand-in for
   an AWS round trip): save -> the proxy has answered UpdateFunctionCode.
3. The same two loops with `lambdactl up` run after each save instead of `dev`.

    python benchmarks/devloop.py [--saves 20] [--up-saves 5] [--delay 0.04]

A script, not a test: it measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
spec = importlib.util.spec_from_file_location("provision", REPO / "benchmarks" / "provision.py")
provision = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(provision)  # type: ignore[union-attr]
spec = importlib.util.spec_from_file_location("sandbox", REPO / "benchmarks" / "sandbox.py")
sandbox = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(sandbox)  # type: ignore[union-attr]

HANDLER = 'VERSION = {v}\n\n\ndef lambda_handler(event, context):\n    return {{"version": VERSION}}\n'


def wheelhouse(root: Path) -> Path:
    """A wheel of 3 MB of modules (text that deflates about as real code does)."""
    from conftest import make_wheel

    rnd = random.Random(16)
    words = [f"name_{i}" for i in range(4000)]
    files = {"bigdep/__init__.py": "VALUE = 1\n"}
    for m in range(64):   # 64 modules of 50 kB: 3.05 MiB
        lines = [f"{rnd.choice(words)} = {rnd.randint(0, 10**9)}  # {rnd.choice(words)}" for _ in range(1600)]
        files[f"bigdep/m{m}.py"] = "\n".join(lines)[:49_999] + "\n"
    house = root / "wheels"
    make_wheel(house, "bigdep", "1.0", "py3-none-any", files)
    return house


def make_project(root: Path, target: str) -> None:
    src = root / "functions" / "fn"
    src.mkdir(parents=True)
    (src / "app.py").write_text(HANDLER.format(v=0))
    (src / "requirements.txt").write_text("bigdep==1.0\n")
    (root / "lambdactl.toml").write_text(
        f'[project]\nname = "devbench"\nregion = "us-east-1"\ntarget = "{target}"\n\n'
        '[functions.fn]\nsource = "functions/fn"\nhandler = "app.lambda_handler"\ntimeout = 10\n')


def save(root: Path, v: int) -> float:
    (root / "functions" / "fn" / "app.py").write_text(HANDLER.format(v=v))
    return time.perf_counter()


def lambdactl(root: Path, env: dict[str, str], *args: str) -> None:
    p = subprocess.run([sys.executable, "-m", "lambdactl", *args], cwd=root, env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"lambdactl {' '.join(args)} failed: {p.stderr}")


class Dev:
    """`lambdactl dev` running in ROOT; its stderr lines collected."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "lambdactl", "dev", "--no-logs"], cwd=root,
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(iter(self.proc.stderr.readline, "")),  # type: ignore[union-attr]
                         daemon=True).start()
        until(lambda: any("watching" in line for line in self.lines), 120, "dev to start", 0.01)

    def stop(self) -> None:
        self.proc.send_signal(2)
        self.proc.wait(30)

    def update_ms(self) -> list[float]:
        """dev's own 'code updated in N ms' figures."""
        return [float(line.split(" in ")[1].split()[0]) for line in self.lines if "code updated in" in line]

    def zip_ms(self) -> list[float]:
        """dev's '(zip N ms)': the incremental rebuild alone."""
        return [float(line.split("(zip ")[1].split()[0]) for line in self.lines if "(zip " in line]


def until(check: Callable[[], bool], timeout: float, what: str, pause: float = 0.0) -> float:
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        if pause:
            time.sleep(pause)
    return time.perf_counter()


def summary(label: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    print(f"{label:<58} median {statistics.median(ms):7.0f} ms   min {ms[0]:6.0f}   max {ms[-1]:6.0f}"
          f"   (n={len(ms)})")


def sandbox_loop(root: Path, env: dict[str, str], saves: int, up_saves: int) -> None:
    home = Path(env["LAMBDACTL_HOME"])
    lambdactl(root, env, "local", "start", "--port", "0")
    try:
        import boto3

        state = json.loads((home / "sandbox.json").read_text())
        lam = boto3.client("lambda", endpoint_url=state["endpoint"], region_name="us-east-1",
                           aws_access_key_id=state["access_key_id"],
                           aws_secret_access_key=state["secret_access_key"])

        last_invoke: list[float] = []

        def version() -> int:
            t0 = time.perf_counter()
            resp = lam.invoke(FunctionName="devbench-fn", Payload=b"{}")
            last_invoke.append(time.perf_counter() - t0)
            return int(json.loads(resp["Payload"].read())["version"])

        def run(v: int, after_save: Callable[[], None]) -> float:
            t0 = save(root, v)
            after_save()
            took = until(lambda: version() == v, 30, f"version {v}") - t0
            cold.append(last_invoke[-1])
            return took

        cold: list[float] = []

        dev = Dev(root, env)
        version()   # warm
        took = []
        cpu = [sandbox._server_cpu_s(state["pid"]), sandbox._server_cpu_s(dev.proc.pid)]
        for v in range(1, saves + 1):
            took.append(run(v, lambda: None))
            time.sleep(0.2)
        cpu = [sandbox._server_cpu_s(state["pid"]) - cpu[0], sandbox._server_cpu_s(dev.proc.pid) - cpu[1]]
        dev.stop()
        summary("sandbox, dev: save -> first invoke running the new code", took)
        print(f"  (CPU per save: the sandbox {cpu[0] / saves * 1000:.0f} ms, with the invokes polling for"
              f" the new code and the retired environments; dev {cpu[1] / saves * 1000:.0f} ms)")
        summary("  (dev's own figure: save seen -> UpdateFunctionCode done)", [x / 1000 for x in dev.update_ms()])
        summary("  (of which the incremental zip)", [x / 1000 for x in dev.zip_ms()])
        summary("  (the first invoke of the new code alone: a cold start)", cold)
        cold.clear()
        took = [run(saves + v, lambda: lambdactl(root, env, "up")) for v in range(1, up_saves + 1)]
        summary("sandbox, up:  save -> first invoke running the new code", took)
    finally:
        lambdactl(root, env, "local", "stop")


def proxy_loop(root: Path, env: dict[str, str], saves: int, up_saves: int, delay: float) -> None:
    import logging

    from moto.server import ThreadedMotoServer

    from lambdactl.local import strict

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    strict.install_features()
    answered: list[float] = []
    forward = provision.Handler._forward

    def recording(self: Any) -> None:
        forward(self)
        if self.command == "PUT" and self.path.rstrip("/").endswith("/code"):
            answered.append(time.perf_counter())

    provision.Handler.do_PUT = recording
    moto_port, proxy_port = provision.free_port(), provision.free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port)
    moto.start()
    proxy = provision.Proxy(proxy_port, moto_port, delay)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    env = dict(env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy_port}", AWS_ACCESS_KEY_ID="bench",
               AWS_SECRET_ACCESS_KEY="bench", LAMBDACTL_TARGET="aws")
    try:
        def run(v: int, after_save: Callable[[], None]) -> float:
            seen = len(answered)
            t0 = save(root, v)
            after_save()
            try:
                return until(lambda: len(answered) > seen, 30, "UpdateFunctionCode", 0.002) - t0
            except SystemExit:
                print("".join(dev.lines))
                raise

        dev = Dev(root, env)
        took = []
        for v in range(1, saves + 1):
            took.append(run(v, lambda: None))
            time.sleep(0.2)
        dev.stop()
        summary("  (dev's own figure: save seen -> UpdateFunctionCode done)", [x / 1000 for x in dev.update_ms()])
        label = f"{delay * 1000:.0f} ms proxy"
        summary(f"{label}, dev: save -> UpdateFunctionCode answered", took)
        took = [run(saves + v, lambda: lambdactl(root, env, "up")) for v in range(1, up_saves + 1)]
        summary(f"{label}, up:  save -> UpdateFunctionCode answered", took)
    finally:
        proxy.shutdown()
        moto.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--saves", type=int, default=20)
    ap.add_argument("--up-saves", type=int, default=5)
    ap.add_argument("--delay", type=float, default=0.04)
    opts = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = dict(os.environ, PIP_FIND_LINKS=str(wheelhouse(base)), PIP_NO_INDEX="1",
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        env.pop("AWS_PROFILE", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for name, target in (("sandbox", "local"), ("proxy", "aws")):
            root = base / name
            make_project(root, target)
            run_env = dict(env, LAMBDACTL_HOME=str(base / f"home-{name}"))
            if name == "sandbox":
                sandbox_loop(root, run_env, opts.saves, opts.up_saves)
            else:
                proxy_loop(root, run_env, opts.saves, opts.up_saves, opts.delay)
        deps = sum(f.stat().st_size for f in (base / "sandbox/.lambdactl").rglob("*") if f.is_file()
                   and "deps" in str(f) and f.suffix == ".py")
        print(f"\nvendored dependencies: {deps / 2**20:.1f} MB unzipped" if deps else "")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
