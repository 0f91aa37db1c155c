"""sandbox_notes: what `up` on the sandbox says on stderr before any write."""

from __future__ import annotations

import platform
import zipfile
from pathlib import Path

from lambdactl.config import Function
from lambdactl.local.pythons import HOST_MACHINE, HOST_RUNTIME, HOST_VERSION
from lambdactl.sandbox_notes import notices


def _elf(machine: int) -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00" + machine.to_bytes(2, "little") + bytes(44)


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _fn(tmp_path: Path, runtime: str) -> Function:
    return Function(key="f", name="p-f", source=tmp_path, handler="app.h", runtime=runtime)


def test_a_clean_package_on_the_host_python_says_nothing(tmp_path: Path) -> None:
    pkg = _zip(tmp_path / "a.zip", {"app.py": b"x = 1\n", "lib/_ok.abi3.so": _elf(0x3E if HOST_MACHINE == "x86_64" else 0xB7)})
    assert notices(_fn(tmp_path, HOST_RUNTIME), [("its package", pkg)]) == []


def test_wrong_python_and_wrong_cpu_are_named_per_zip(tmp_path: Path) -> None:
    other = 0xB7 if HOST_MACHINE == "x86_64" else 0x3E
    pkg = _zip(tmp_path / "a.zip", {"app.py": b"", "np/_core.cpython-399-x86_64-linux-gnu.so": _elf(0x3E)})
    layer = _zip(tmp_path / "l.zip", {"python/lib/_c.abi3.so": _elf(other)})
    lines = notices(_fn(tmp_path, HOST_RUNTIME), [("its package", pkg), ("layer plotting", layer)])
    assert lines[0].startswith("f on the sandbox: its package: np/_core.cpython-399-x86_64-linux-gnu.so "
                               f"is built for Python 3.99, but runs here on Python {HOST_VERSION}")
    assert lines[1].startswith("f on the sandbox: layer plotting: python/lib/_c.abi3.so is built for ")
    assert len(lines) == 2


def test_a_runtime_missing_here_is_said_once(tmp_path: Path) -> None:
    lines = notices(_fn(tmp_path, "python3.99"), [])
    assert lines == [f"f on the sandbox: no working python3.99 on this machine's PATH: the function runs on "
                     f"the host's Python {platform.python_version()} instead; "
                     "version-specific behaviour may differ from Lambda"]
