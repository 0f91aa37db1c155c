"""Sequential round trips that issue 14's data kinds add to a cold `up` (its target: at
most one). examples/size-tracker's cold `up` runs against moto behind
benchmarks/provision.py's proxy with a long delay per request (default 0.5 s); the
proxy records when each request came and went, and the longest chain of requests
each sent after the one before it was answered is the number of sequential round
trips; then the same project without its [tables] and [buckets] (references
replaced by the names they resolve to; the uploads bucket made by its trigger, as
before issue 14).

    .venv/bin/python benchmarks/size_tracker_rtt.py [--delay 0.5] [--runs 1]

A script, not a test: it measures and prints. The layer's dependencies are
installed once first (not timed).
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("provision", REPO / "benchmarks" / "provision.py")
provision = importlib.util.module_from_spec(_spec)   # type: ignore[arg-type]
_spec.loader.exec_module(provision)                   # type: ignore[union-attr]


class Timed(provision.Handler):
    """The proxy's handler, recording (sent, answered) of each request in server.spans."""

    def _forward(self) -> None:
        start = time.monotonic()
        super()._forward()
        self.server.spans.append((start, time.monotonic()))   # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


def sequential(spans: list[tuple[float, float]]) -> tuple[int, int]:
    """(deepest, critical): the longest chain of SPANS in which each starts after the one
    before it ended, and the longest such chain that ends with the last answer (the
    round trips on the path that decides the wall time)."""
    chain: list[tuple[float, int]] = []   # (end, length of the longest chain ending there)
    for start, end in sorted(spans):
        chain.append((end, 1 + max((n for e, n in chain if e <= start), default=0)))
    return max((n for _, n in chain), default=0), max(chain, default=(0.0, 0))[1]


def without_data_kinds(root: Path) -> None:
    """The example's lambdactl.toml minus [tables.*] and [buckets.*], references resolved."""
    toml = root / "lambdactl.toml"
    text = re.sub(r"\n(# [^\n]*\n)*\[(tables|buckets)\.[^\n]*\n([^\[\n][^\n]*\n)*", "\n", toml.read_text())
    text = (text.replace("${tables.history.name}", "size-tracker-history")
                .replace("${buckets.uploads}", "size-tracker-uploads").replace("${buckets.charts}", "size-tracker-charts"))
    toml.write_text(text)
    for policy in (root / "policies").glob("*.json"):
        p = policy.read_text()
        for ref, value in (("${tables.history.arn}", "arn:aws:dynamodb:us-east-1:123456789012:table/size-tracker-history"),
                           ("${buckets.uploads.arn}", "arn:aws:s3:::size-tracker-uploads"),
                           ("${buckets.charts.arn}", "arn:aws:s3:::size-tracker-charts")):
            p = p.replace(ref, value)
        policy.write_text(p)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--delay", type=float, default=0.5)
    ap.add_argument("--runs", type=int, default=1)
    opts = ap.parse_args()
    from moto.server import ThreadedMotoServer

    from lambdactl.local import strict

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    strict.install_features()
    moto_port, proxy_port = provision.free_port(), provision.free_port()
    ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port).start()
    proxy = provision.Proxy(proxy_port, moto_port, opts.delay)
    proxy.RequestHandlerClass = Timed
    proxy.spans = []   # type: ignore[attr-defined]
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rtt-"))
    env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy_port}", AWS_ACCESS_KEY_ID="bench",
               AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1", LAMBDACTL_HOME=str(tmp / "home"),
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    for var in ("AWS_PROFILE", "PYTHONDONTWRITEBYTECODE", "LAMBDACTL_TARGET", "LAMBDACTL_CONFIG"):
        env.pop(var, None)
    print(f"moto behind a {opts.delay * 1000:.0f} ms proxy; cold up of examples/size-tracker; median of {opts.runs}")
    try:
        for label, strip in (("with tables and buckets", False), ("without them", True)):
            walls: list[float] = []
            requests: list[int] = []
            chains: list[tuple[int, int]] = []
            for r in range(opts.runs):
                root = tmp / f"p{int(strip)}{r}"
                shutil.copytree(REPO / "examples" / "size-tracker", root, ignore=shutil.ignore_patterns(".lambdactl"))
                if strip:
                    without_data_kinds(root)
                provision.run(root, env, "package", "plot")
                before, proxy.spans = proxy.count, []   # type: ignore[attr-defined]
                took, _ = provision.run(root, env, "up")
                walls.append(took)
                chains.append(sequential(proxy.spans))   # type: ignore[attr-defined]
                requests.append(proxy.count - before)
                provision.run(root, env, "destroy", "--yes", "--delete-data")
            wall = statistics.median(walls)
            deepest, critical = (statistics.median(c[i] for c in chains) for i in (0, 1))
            print(f"{label:24} | sequential round trips: deepest {deepest:4.1f}, to the last answer {critical:4.1f}"
                  f" | wall {wall:6.2f} s"
                  f" | requests {statistics.median(requests):.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
