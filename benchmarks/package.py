"""Benchmark lambdactl's deterministic zip against Info-ZIP on a ~150 MB tree.

Builds a synthetic tree shaped like a vendored numpy + pandas (thousands of
compressible .py/.pyi files, a few dozen .so-like binaries of which one is large,
binaries half random bytes and half zero/repeated runs), then times, median of N:

- lambdactl's zip (collect + build_zip, threaded compression; and single-threaded),
- `zip -r -X -q` (Info-ZIP, default level 6) on the same tree, if installed,
- `package` of a function whose requirements.txt is a cache hit, with that
  ~150 MB tree as its cached dependency set (the cache dir is seeded the way
  install_dependencies leaves it after pip, so no network), and with a tiny set.

    python benchmarks/package.py [--runs 5] [--mb 150] [--keep DIR] [--tree DIR] [--skip-variants]

``--tree DIR`` measures an existing tree instead, e.g. a real vendored numpy +
pandas: the dependency set `lambdactl package` left in
`.lambdactl/build/deps/<key>/tree` for a requirements.txt of `numpy` and `pandas`.

A script, not a test: it measures and prints; it asserts nothing (the target
of issue 5 is lambdactl <= 1.5x Info-ZIP).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from lambdactl import package as pk  # noqa: E402

WORDS = ("def", "return", "self", "import", "numpy", "array", "dtype", "if", "else", "for",
         "in", "None", "True", "axis", "index", "frame", "series", "values", "np", "pd",
         "raise", "ValueError", "shape", "len", "range", "object", "int64", "float64")


def _lines(rng: random.Random, n: int) -> list[bytes]:
    out = []
    for _ in range(n):
        indent = " " * (4 * rng.randint(0, 3))
        out.append((indent + " ".join(rng.choices(WORDS, k=rng.randint(3, 12))) + "\n").encode())
    return out


def make_tree(root: Path, total_mb: int, seed: int = 5) -> tuple[int, int]:
    """~TOTAL_MB of files under ROOT: 40% text (.py/.pyi), 60% binaries (.so)."""
    rng = random.Random(seed)
    pool = _lines(rng, 4000)
    text_budget = int(total_mb * 0.4 * 2**20)
    bin_budget = int(total_mb * 0.6 * 2**20)
    files = size = 0
    pkgs = ["numpy", "numpy/core", "numpy/linalg", "numpy/random", "numpy/_core/tests",
            "pandas", "pandas/core", "pandas/_libs", "pandas/io", "pandas/tests/frame",
            "pandas/tests/io", "dateutil", "pytz/zoneinfo", "six-ish"]
    i = 0
    while size < text_budget:
        d = root / pkgs[i % len(pkgs)]
        d.mkdir(parents=True, exist_ok=True)
        body = b"".join(rng.choices(pool, k=rng.randint(50, 1200)))
        (d / f"mod_{i}{'.pyi' if i % 7 == 0 else '.py'}").write_bytes(body)
        size += len(body)
        files += 1
        i += 1
    sizes = [int(bin_budget * 0.25)]   # one big BLAS-like library
    rest = bin_budget - sizes[0]
    while rest > 0:
        s = min(rest, rng.randint(50_000, 3 * 2**20))
        sizes.append(s)
        rest -= s
    for j, s in enumerate(sizes):
        d = root / ("numpy.libs" if j == 0 else pkgs[j % len(pkgs)])
        d.mkdir(parents=True, exist_ok=True)
        half = s // 2
        # Half incompressible, half like code/data sections (runs and repeats).
        body = os.urandom(half) + (b"\x00" * 64 + os.urandom(64)) * ((s - half) // 128)
        (d / f"_ext_{j}.cpython-312-x86_64-linux-gnu.so").write_bytes(body)
        os.chmod(d / f"_ext_{j}.cpython-312-x86_64-linux-gnu.so", 0o755)
        size += len(body)
        files += 1
    return files, size


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mb", type=int, default=150)
    ap.add_argument("--keep", type=Path, help="build in DIR and keep it (default: a temp dir)")
    ap.add_argument("--tree", type=Path, help="measure this existing tree (left untouched)")
    ap.add_argument("--skip-variants", action="store_true",
                    help="skip the 1-thread and zipfile rows (half the CPU time)")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="lambdactl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        tree = args.tree.resolve() if args.tree else work / "tree"
        if not tree.is_dir():
            t0 = time.perf_counter()
            files, size = make_tree(tree, args.mb)
            print(f"tree: {files} files, {size / 2**20:.1f} MB "
                  f"(generated in {time.perf_counter() - t0:.1f} s)")
        entries = pk.collect(tree, ())
        total = sum(p.stat().st_size for _, p in entries)
        print(f"tree: {len(entries)} files, {total / 2**20:.1f} MB unzipped; "
              f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
        out = work / "out"
        out.mkdir(exist_ok=True)
        rows: list[tuple[str, float, list[float], int]] = []

        def lambdactl(workers: int | None) -> Callable[[], object]:
            def run() -> object:
                return pk.build_zip(pk.collect(tree, ()), out / "lambdactl.zip", workers=workers)
            return run

        def legacy() -> object:   # the pre-issue-5 writer (zipfile.writestr, one thread)
            tmp = out / "zipfile.zip"
            return pk._build_zip_zipfile(pk.collect(tree, ()), tmp, pk.COMPRESS_LEVEL)

        med, ts = median_time(lambdactl(None), args.runs)
        rows.append(("lambdactl (threads)", med, ts, (out / "lambdactl.zip").stat().st_size))
        if not args.skip_variants:
            med, ts = median_time(lambdactl(1), args.runs)
            rows.append(("lambdactl (1 thread)", med, ts, (out / "lambdactl.zip").stat().st_size))
            med, ts = median_time(legacy, args.runs)
            rows.append(("zipfile.writestr (old)", med, ts, (out / "zipfile.zip").stat().st_size))
        info_zip = shutil.which("zip")
        if info_zip:
            target = out / "infozip.zip"

            def infozip() -> object:
                target.unlink(missing_ok=True)
                return subprocess.run([info_zip, "-r", "-X", "-q", str(target), "."], cwd=tree,
                                      check=True)

            med, ts = median_time(infozip, args.runs)
            rows.append(("zip -r -X -q (Info-ZIP)", med, ts, target.stat().st_size))
        else:
            print("Info-ZIP `zip` is not installed: no reference time")

        # Package with a requirements.txt whose dependency set is cached: seed the
        # cache with the tree (what pip would have produced), and a tiny set.
        src = work / "fn"
        src.mkdir(exist_ok=True)
        (src / "app.py").write_text("import numpy\n\ndef lambda_handler(e, c):\n    return 1\n")
        build = work / "build"

        def no_pip(cmd: list[str], env: object) -> object:
            raise AssertionError("cache miss: pip was run")

        for label, req, seed in ((f"package, cache hit ({total / 2**20:.0f} MB deps)", "numpy\npandas\n", tree),
                                 ("package, cache hit (tiny deps)", "six\n", None)):
            (src / "requirements.txt").write_text(req)
            key = pk.deps_key(req.encode(), "python3.12", "x86_64")
            cached = build / "deps" / key
            if not (cached / pk.ENTRIES).is_file():
                # What install_dependencies leaves after pip: the tree, deflated once.
                shutil.rmtree(cached, ignore_errors=True)
                if seed is not None:
                    shutil.copytree(seed, cached / "tree")
                else:
                    (cached / "tree").mkdir(parents=True)
                    (cached / "tree" / "six.py").write_text("# six\n")
                t0 = time.perf_counter()
                pk.precompress(cached / "tree", cached)
                print(f"{label}: seeding the cache (deflate once, as on a miss after pip) "
                      f"{time.perf_counter() - t0:.2f} s")

            def package() -> object:
                p = pk.package_function(src, build, "fn", runner=no_pip)  # type: ignore[arg-type]
                assert p.deps == "hit"
                return p

            med, ts = median_time(package, args.runs)
            rows.append((label, med, ts, (build / "fn.zip").stat().st_size))
            p = package()
            print(f"{label}: dependency lookup {p.deps_seconds * 1000:.1f} ms, "
                  f"total {p.seconds:.2f} s, CodeSha256 {p.sha256}")

        ref = next((r[1] for r in rows if r[0].startswith("zip -r")), None)
        print()
        print(f"{'':36} {'median s':>9} {'vs zip':>7} {'zip MB':>8}   runs (s)")
        for label, med, ts, size in rows:
            ratio = f"{med / ref:.2f}x" if ref else "-"
            print(f"{label:36} {med:9.2f} {ratio:>7} {size / 2**20:8.1f}   "
                  + " ".join(f"{t:.2f}" for t in ts))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
