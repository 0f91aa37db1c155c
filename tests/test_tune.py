"""tune: the Power Tuning arithmetic (trim, averages, cost, ranking), --apply keeping
comments, and bad input refused before any AWS call. The runs themselves and the
restore of the memory are in tests/local/test_local_tune.py and tests/e2e."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdactl import tune
from lambdactl.cli import root
from lambdactl.errors import ConfigError


def test_parse_memory() -> None:
    assert tune.parse_memory("128,256, 1769") == [128, 256, 1769]
    for bad in ("", "128,abc", "64", "128,20000", "256,256"):
        with pytest.raises(ConfigError, match="--memory"):
            tune.parse_memory(bad)


def test_trimmed_drops_a_fifth_from_each_end() -> None:
    assert tune.trimmed([float(v) for v in (9, 1, 5, 3, 7, 2, 8, 4, 6, 10)]) == [3, 4, 5, 6, 7, 8]
    assert tune.trimmed([5.0, 1.0, 3.0, 2.0, 4.0]) == [2, 3, 4]     # int(5 x 0.2) = 1
    assert tune.trimmed([2.0, 1.0, 3.0, 4.0]) == [1, 2, 3, 4]       # int(4 x 0.2) = 0


def trial(memory_mb: int, *durations: float, arch: str = "x86_64") -> tune.Trial:
    return tune.Trial(memory_mb, arch, [(d, int(d) + 1) for d in durations])


def test_trial_averages_the_middle_runs() -> None:
    # runs 1, 100, 101, 102, 1000: 1 and 1000 dropped; billed 101, 102, 103 -> 102 ms
    t = trial(512, 100.5, 1.0, 1000.0, 101.5, 102.5)
    assert t.duration_ms == pytest.approx((100.5 + 101.5 + 102.5) / 3)
    assert t.cost_usd == pytest.approx(0.102 * 0.5 * 0.0000166667 + 0.0000002)
    # two runs: nothing dropped; billed 101, 102 -> 101.5 ms at the arm64 price
    assert trial(512, 100.5, 101.5, arch="arm64").cost_usd == pytest.approx(0.1015 * 0.5 * 0.0000133334
                                                                            + 0.0000002)


def test_rank_by_cost_speed_and_balance() -> None:
    # billed x memory: 128 MB x 800 ms = 0.1 GB-s, 256 x 300 = 0.075, 1024 x 100 = 0.1;
    # with the request: $1.8667e-06, $1.45e-06, $1.8667e-06
    slow, middle, fast = trial(128, 799.0), trial(256, 299.0), trial(1024, 99.0)
    trials = [slow, middle, fast]
    assert [t.memory_mb for t in tune.rank(trials, "cost")] == [256, 1024, 128]   # ties: faster first
    assert [t.memory_mb for t in tune.rank(trials, "speed")] == [1024, 256, 128]
    # balanced, w x cost/max + (1 - w) x duration/max; 128 MB scores 1 whatever w.
    # w = .5: 256 -> .5 x .7768 + .5 x 299/799 = .5755; 1024 -> .5 x 1 + .5 x 99/799 = .5620
    assert [t.memory_mb for t in tune.rank(trials, "balanced")] == [1024, 256, 128]
    # w = .9: 256 -> .9 x .7768 + .1 x .3742 = .7366; 1024 -> .9 + .1 x .1239 = .9124
    assert [t.memory_mb for t in tune.rank(trials, "balanced", weight=0.9)] == [256, 1024, 128]


def test_apply_keeps_comments_and_layout(project: Path) -> None:
    path = project / "lambdactl.toml"
    before = path.read_text()
    assert tune.apply(path, "list-buckets", 512) is True
    after = path.read_text()
    # exactly one line differs: list-buckets' memory; every comment stays
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert changed == [("memory = 128", "memory = 512")]
    assert after.index("memory = 512") > after.index("[functions.list-buckets]")
    assert "# The S3 upload logger: prints the event" in after
    assert tune.apply(path, "list-buckets", 512) is False
    with pytest.raises(ConfigError, match="no \\[functions.nope\\]"):
        tune.apply(path, "nope", 512)


def test_bad_memory_is_refused_before_any_call(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.client

    def no_calls(*_: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_calls)
    result = CliRunner().invoke(root, ["tune", "hello", "--memory", "128,64"])
    assert result.exit_code == 2
    assert "--memory '128,64' is not a list of distinct sizes from 128 to 10240 MB" in result.output
    assert "Traceback" not in result.output


def test_tune_figure_axes_have_units() -> None:
    pytest.importorskip("matplotlib")
    from lambdactl import plots

    fig = plots.tune_figure("f", [trial(128, 799.0), trial(256, 299.0)], 256)
    left, right = fig.axes
    assert (left.get_xlabel(), left.get_ylabel(), right.get_ylabel()) == (
        "memory (MB)", "average duration (ms)", "cost per 1M invocations (USD)")


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_function_not_deployed_is_said_so(project: Path, aws: None, output: str) -> None:
    """Before `up` (or after `destroy`) tune said "GetFunctionConfiguration failed:
    ResourceNotFoundException: Function not found: arn:...", unlike invoke."""
    result = CliRunner().invoke(root, ["--target", "aws", "-o", output, "tune", "hello"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["error: function lambdactl-demo-hello is not deployed; run `lambdactl up` first"]


@pytest.mark.parametrize("command", [["tune", "hello"], ["stats", "hello"]])
def test_a_plot_format_matplotlib_cannot_draw_is_refused_before_any_call(
        project: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    """`--plot chart.txt` was a traceback ("hit a bug"), after tune's 50 invocations."""
    pytest.importorskip("matplotlib")
    import botocore.client

    def no_calls(*_: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_calls)
    result = CliRunner().invoke(root, ["--target", "aws", *command, "--plot", "chart.txt"])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()   # the formats listed are matplotlib's version's
    assert line.startswith("error: --plot chart.txt: matplotlib draws no .txt file; name a .png file (or one of ")
    assert ".svg" in line and "Traceback" not in result.stderr
