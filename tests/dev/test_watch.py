"""The watcher on a real directory (watchfiles): a burst of saves is one batch;
editors' scratch files and lambdactl's build output are not changes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from lambdactl.dev.watch import batches, directories


def first_batch(dirs: list[Path], act: object) -> set[Path]:
    """The first batch with changes after ACT, run once the watch said it is live."""
    stop = threading.Event()
    live = threading.Event()
    found: list[set[Path]] = []

    def run() -> None:
        for batch in batches(dirs, stop):
            live.set()   # the first batch, empty without events: the watch is live
            if batch:
                found.append(batch)
                stop.set()

    thread = threading.Thread(target=run)
    thread.start()
    assert live.wait(10)
    act()  # type: ignore[operator]
    thread.join(10)
    stop.set()
    assert found, "no batch within 10 s"
    return found[0]


def test_a_burst_of_saves_is_one_batch(tmp_path: Path) -> None:
    src = tmp_path / "functions/hello"
    (src / "pkg").mkdir(parents=True)
    (tmp_path / ".lambdactl/build").mkdir(parents=True)

    def burst() -> None:
        for i in range(5):   # as an editor does: scratch file, then the rename over it
            (src / f"m{i}.py").write_text(f"X = {i}\n")
            (src / "app.py.swp").write_text("scratch")
            (src / "pkg/inner.py").write_text("Y = 1\n")
            (tmp_path / ".lambdactl/build/hello.zip").write_text("output")
            time.sleep(0.005)

    dirs = directories([tmp_path / "lambdactl.toml", src])
    assert tmp_path / ".lambdactl" not in dirs and src / "pkg" in dirs
    got = first_batch(dirs, burst)
    assert got == {*(src / f"m{i}.py" for i in range(5)), src / "pkg/inner.py"}
