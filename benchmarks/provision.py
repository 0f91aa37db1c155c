"""Benchmark `lambdactl up` / `destroy` as whole processes against a slow moto.

A moto server runs behind a loopback proxy that adds a fixed delay per request
(default 40 ms, standing in for an AWS round trip) and counts requests. For 1, 5
and 20 functions (disjoint prefixes on one bucket) it reports cold `up`, no-op
`up`, code-change `up` and `destroy`: wall time (median of N) and API calls
(reads/writes, as lambdactl counts them; the proxy's count includes retries and
waiters; "notif" counts the bucket's PutBucketNotificationConfiguration). Then a
cold `up` of one function from an empty LAMBDACTL_HOME (no cached account id),
and `destroy` of 5 functions whose shared bucket holds a user's object (kept:
our entries are taken out of it). Also `lambdactl --help` startup (median of 10), and a cold `up` of one
function while IAM propagation is slow: the proxy refuses CreateFunction with
AWS's "cannot be assumed by Lambda" until the role is --role-delay seconds old
(moto's roles are assumable at once).

    python benchmarks/provision.py [--runs 5] [--delay 0.04] [--sizes 1,5,20] [--role-delay 8] [--queues]

Child processes run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed),
as an installed lambdactl does. The account id is cached after the first run
(see Aws.account_id), as it is for a user after their first command.

A script, not a test: it measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import resource
import shutil
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: 32 connections opened at once
    # overflowed it, and a dropped SYN is retried after a timeout (runs of 20
    # functions took 0.6 s longer at random). werkzeug's (moto's) is 128 too.
    request_queue_size = 128

    def __init__(self, port: int, upstream: int, delay: float) -> None:
        self.upstream, self.delay, self.count, self.lock = upstream, delay, 0, threading.Lock()
        self.role_delay = 0.0
        self.roles_born: dict[str, float] = {}
        super().__init__(("127.0.0.1", port), Handler)

    def refuse(self, method: str, path: str, body: bytes | None) -> bool:
        """True if this is a CreateFunction whose role is younger than role_delay."""
        if not self.role_delay or not body:
            return False
        if method == "POST" and b"Action=CreateRole" in body:
            name = parse_qs(body.decode()).get("RoleName", [""])[0]
            self.roles_born.setdefault(name, time.monotonic())
        elif method == "POST" and path.rstrip("/").endswith("/2015-03-31/functions"):
            role = json.loads(body).get("Role", "").rsplit("/", 1)[-1]
            born = self.roles_born.get(role)
            return born is not None and time.monotonic() - born < self.role_delay
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY. Without it, on a kept-alive connection the body (our second write)
    # waits for the client's delayed ACK of the headers: about 40 ms more on every
    # request but a connection's first, so a round trip cost ~92 ms, not the fixed
    # 40 ms (+ moto) this proxy stands for. AWS's front ends do not do that.
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def _forward(self) -> None:
        server: Proxy = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        with server.lock:
            server.count += 1
        time.sleep(server.delay)
        if server.refuse(self.command, self.path, body):
            msg = json.dumps({"Type": "User", "message": "The role defined for the function cannot be assumed by Lambda."})
            self.send_response(400)
            self.send_header("x-amzn-ErrorType", "InvalidParameterValueException")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg.encode())
            return
        conn = http.client.HTTPConnection("127.0.0.1", server.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


QUEUES = False   # --queues: f0 also reads a queue that has a DLQ (issue 14's kinds)


def make_project(root: Path, n: int) -> None:
    (root / "functions").mkdir(parents=True)
    shutil.copytree(REPO / "functions" / "hello", root / "functions" / "hello")
    shutil.copytree(REPO / "policies", root / "policies")
    lines = ['[project]\nname = "bench"\nregion = "us-east-1"\n']
    for i in range(n):
        lines.append(
            f'[functions.f{i}]\nsource = "functions/hello"\nhandler = "app.lambda_handler"\n'
            f'policy = "policies/hello.json"\ntimeout = 10\n\n'
            f'[[functions.f{i}.triggers]]\nbucket = "bench-uploads"\nprefix = "p{i}/"\n'
        )
    if QUEUES:
        lines.append('[[functions.f0.triggers]]\ntype = "sqs"\nqueue = "jobs"\n\n[queues.jobs]\n'
                     'dlq = { queue = "failed", max_receive_count = 3 }\n\n[queues.failed]\n')
    (root / "lambdactl.toml").write_text("\n".join(lines))


CPU: list[float] = []   # user + sys seconds of each run()'s process, in order


def run(root: Path, env: dict[str, str], *args: str) -> tuple[float, dict[str, int]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "lambdactl", "--target", "aws", "-o", "json", *args],
                       cwd=root, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        raise SystemExit(f"lambdactl {' '.join(args)} failed: {p.stderr}")
    return took, json.loads(p.stdout).get("api_calls", {})


def touch_code(root: Path, i: int) -> None:
    app = root / "functions" / "hello" / "app.py"
    app.write_text(app.read_text() + f"\n# change {i}\n")


NOTIF = "PutBucketNotificationConfiguration"


def extra_scenarios(runs: int, env: dict[str, str], proxy: Proxy) -> None:
    """Cold up with nothing cached; destroy that keeps a shared bucket (a user's object in it)."""
    import boto3

    cold, kept = [], []
    cold_cpu, kept_cpu = [], []
    for r in range(runs):
        with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as home:
            root = Path(tmp)
            make_project(root, 1)
            cold.append(run(root, {**env, "LAMBDACTL_HOME": home}, "up")[0])
            cold_cpu.append(CPU[-1])
            run(root, env, "destroy", "--yes")
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            make_project(root, 5)
            run(root, env, "up")
            s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                              aws_access_key_id="bench", aws_secret_access_key="bench")
            s3.put_object(Bucket="bench-uploads", Key=f"user/{r}.txt", Body=b"x")
            before = proxy.count
            took, calls = run(root, env, "destroy", "--yes")
            kept.append((took, calls.get("operations", {}).get(NOTIF, 0)))
            kept_cpu.append((CPU[-1], proxy.count - before))
            s3.delete_object(Bucket="bench-uploads", Key=f"user/{r}.txt")
            s3.delete_bucket(Bucket="bench-uploads")
    # CPU: user + sys of the lambdactl process (median); load: the 1-minute load average at the end
    print(f"\n1 function, cold up from an empty LAMBDACTL_HOME (account id not cached): "
          f"{statistics.median(cold):.2f} s (CPU {statistics.median(cold_cpu):.3f} s)")
    print(f"5 functions, destroy keeping their shared bucket (a user's object in it): "
          f"{statistics.median(t for t, _ in kept):.2f} s, {statistics.median(n for _, n in kept):.0f} "
          f"notification write(s) (CPU {statistics.median(c for c, _ in kept_cpu):.3f} s, "
          f"{statistics.median(q for _, q in kept_cpu):.0f} requests; load {os.getloadavg()[0]:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--delay", type=float, default=0.04)
    ap.add_argument("--sizes", default="1,5,20", help='"" for none: the last two lines only (A/B runs)')
    ap.add_argument("--role-delay", type=float, default=8.0, help="0 to skip that scenario")
    ap.add_argument("--queues", action="store_true", help="f0 also has an SQS trigger on a queue with a DLQ")
    opts = ap.parse_args()
    global QUEUES
    QUEUES = opts.queues
    import logging

    from moto.server import ThreadedMotoServer

    from lambdactl.local import strict

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    strict.install_features()  # S3's tags at CreateBucket (moto 5.2 ignores them)

    moto_port, proxy_port = free_port(), free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port)
    moto.start()
    proxy = Proxy(proxy_port, moto_port, opts.delay)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy_port}", AWS_ACCESS_KEY_ID="bench",
               AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    env.pop("AWS_PROFILE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LAMBDACTL_HOME"] = tempfile.mkdtemp(prefix="lambdactl-bench-home-")
    print(f"moto behind a {opts.delay * 1000:.0f} ms proxy; median of {opts.runs}\n")
    print(f"{'functions':>9} | {'phase':<11} | {'wall s':>6} | {'reads':>5} | {'writes':>6} | {'requests':>8}"
          f" | {'notif':>5}")
    print("-" * 70)
    for n in [int(x) for x in opts.sizes.split(",") if x]:
        samples: dict[str, list[tuple[float, dict[str, int], int]]] = {}
        for r in range(opts.runs):
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                make_project(root, n)
                for phase, args in (("cold up", ("up",)), ("no-op up", ("up",)), ("code change", ("up",)),
                                    ("destroy", ("destroy", "--yes"))):
                    if phase == "code change":
                        touch_code(root, r)
                    before = proxy.count
                    took, calls = run(root, env, *args)
                    samples.setdefault(phase, []).append((took, calls, proxy.count - before))
        for phase, rows in samples.items():
            wall = statistics.median(t for t, _, _ in rows)
            reads = statistics.median(c.get("reads", 0) for _, c, _ in rows)
            writes = statistics.median(c.get("writes", 0) for _, c, _ in rows)
            reqs = statistics.median(q for _, _, q in rows)
            notif = statistics.median(c.get("operations", {}).get(NOTIF, 0) for _, c, _ in rows)
            print(f"{n:>9} | {phase:<11} | {wall:>6.2f} | {reads:>5.0f} | {writes:>6.0f} | {reqs:>8.0f}"
                  f" | {notif:>5.0f}")
    extra_scenarios(opts.runs, env, proxy)
    if opts.role_delay:
        proxy.role_delay = opts.role_delay
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            make_project(root, 1)
            before = proxy.count
            took, calls = run(root, env, "up")
            print(f"\ncold up, role assumable after {opts.role_delay:.0f} s: {took:.2f} s, "
                  f"{proxy.count - before} requests")
            proxy.role_delay = 0.0
            run(root, env, "destroy", "--yes")
    helps = []
    for _ in range(10):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lambdactl", "--help"], capture_output=True, check=True)
        helps.append(time.perf_counter() - t0)
    print(f"\nlambdactl --help: median {statistics.median(helps):.3f} s of 10")
    proxy.shutdown()
    moto.stop()


if __name__ == "__main__":
    main()
