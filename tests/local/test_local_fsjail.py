"""Each execution environment sees Lambda's file system and search paths, not the host's
(issue 12, local/jail.py): a /tmp of its own, the host hidden, its code at /var/task,
its layers at /opt, Lambda's PATH.

Before, /tmp was the host's (shared by every function and every user: one function
read what another wrote), the whole host was readable (other projects, the README of
this very repository), PATH was the user's (a handler's `python` was lambdactl's
virtualenv, where `rich` and `moto` import) and the code lived at the sandbox's host
path, so handlers opening /var/task/... or /opt/... failed locally only.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdactl.local import control
from tests.local.test_local_layers import zip_of

Aws = Callable[[str], Any]
REPO = Path(__file__).resolve().parents[2]

TMP = '''
import os

def handler(event, context):
    path = "/tmp/secret"
    before = open(path).read() if os.path.exists(path) else None
    if event.get("write"):
        with open(path, "w") as f:
            f.write(event["write"])
    return {"before": before, "pid": os.getpid(), "tmp": sorted(os.listdir("/tmp"))}
'''


def _function(aws: Aws, role_arn: str, source: str, files: dict[str, str] | None = None,
              **options: Any) -> str:
    name = f"t-jail-{uuid.uuid4().hex[:6]}"
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role_arn,
                                  Handler="app.handler",
                                  Code={"ZipFile": zip_of({"app.py": source, **(files or {})})},
                                  **options)
    return name


def _invoke(aws: Aws, name: str, event: dict[str, Any] | None = None) -> Any:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}))
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return body


def test_each_environment_has_its_own_tmp_kept_while_it_is_warm(aws: Aws, role_arn: str) -> None:
    a, b = _function(aws, role_arn, TMP), _function(aws, role_arn, TMP)
    secret = f"from A {uuid.uuid4().hex}"
    first = _invoke(aws, a, {"write": secret})
    assert first["before"] is None
    assert _invoke(aws, b)["before"] is None                  # another function: not its /tmp
    warm = _invoke(aws, a)
    assert (warm["pid"], warm["before"]) == (first["pid"], secret)   # the same environment keeps it
    assert not os.path.exists("/tmp/secret") or Path("/tmp/secret").read_text() != secret  # not the host's
    aws("lambda").update_function_code(FunctionName=a, ZipFile=zip_of({"app.py": TMP + "\n# v2\n"}))
    assert _invoke(aws, a)["before"] is None                  # a new environment: a new /tmp


LOOK = '''
import os, shutil, subprocess

def handler(event, context):
    seen = {}
    for path in event["paths"]:
        try:
            with open(path) as f:
                seen[path] = f.read()[:20]
        except OSError as exc:
            seen[path] = exc.strerror
    python = shutil.which("python")
    rich = subprocess.run([python or "python3", "-c", "import rich"], capture_output=True)
    return {"seen": seen, "root": sorted(os.listdir("/")), "python": python,
            "rich": rich.returncode, "PATH": os.environ["PATH"],
            "LD_LIBRARY_PATH": os.environ["LD_LIBRARY_PATH"]}
'''


def test_the_host_is_hidden_and_path_is_lambdas(aws: Aws, role_arn: str, tmp_path: Path) -> None:
    in_host_tmp = tmp_path / "other-users-file.txt"
    in_host_tmp.write_text("not yours")
    planted = REPO / f".planted-{uuid.uuid4().hex[:6]}.toml"   # beside this project's files
    planted.write_text("[project]\n")
    try:
        name = _function(aws, role_arn, LOOK)
        body = _invoke(aws, name, {"paths": [str(in_host_tmp), str(planted), str(REPO / "README.md")]})
    finally:
        planted.unlink()
    assert set(body["seen"].values()) == {"No such file or directory"}, body["seen"]
    # The OS directories only: the Python and the runtime's libraries are at /var/lang and
    # /var/runtime, so no directory of the host's layout (/work, /root, a CI clone's /check).
    assert set(body["root"]) <= {"bin", "sbin", "usr", "etc", "dev", "proc", "sys", "tmp", "var",
                                 "opt", "lib", "lib32", "lib64", "libx32"}
    # Lambda's PATH and LD_LIBRARY_PATH, word for word: never a virtualenv's.
    assert body["PATH"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    assert body["LD_LIBRARY_PATH"] == ("/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
                                       "/var/task:/var/task/lib:/opt/lib")
    assert body["python"] != os.path.join(sys.prefix, "bin", "python")
    assert body["rich"] != 0                                  # lambdactl's dependencies do not import


CODE = '''
import json, os, sys

def handler(event, context):
    import fromlayer
    return {"task_root": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd(), "file": __file__,
            "data": json.load(open("/var/task/data.json")), "opt": open("/opt/share/note.txt").read(),
            "layer": fromlayer.WHERE, "on_path": "/opt/python" in sys.path}
'''


def test_code_is_at_var_task_and_layers_at_opt(aws: Aws, role_arn: str) -> None:
    layer = aws("lambda").publish_layer_version(
        LayerName=f"l-{uuid.uuid4().hex[:6]}",
        Content={"ZipFile": zip_of({"python/fromlayer.py": "WHERE = 'opt'\n", "share/note.txt": "hi"})},
    )["LayerVersionArn"]
    name = _function(aws, role_arn, CODE, {"data.json": '{"n": 1}'}, Layers=[layer])
    body = _invoke(aws, name)
    assert body == {"task_root": "/var/task", "cwd": "/var/task", "file": "/var/task/app.py",
                    "data": {"n": 1}, "opt": "hi", "layer": "opt", "on_path": True}


FILL = '''
import errno, os

def handler(event, context):
    st = os.statvfs("/tmp")
    written, error = 0, None
    try:
        with open("/tmp/fill", "wb") as f:
            chunk = b"x" * (8 << 20)
            while written < (event["limit_mb"] << 20):
                f.write(chunk)
                f.flush()
                written += len(chunk)
    except OSError as exc:
        error = errno.errorcode[exc.errno]
    finally:
        os.remove("/tmp/fill")
    return {"size_mb": st.f_blocks * st.f_frsize >> 20, "written_mb": written >> 20, "error": error}
'''


def test_tmp_is_the_ephemeral_storage_and_full_is_enospc(aws: Aws, role_arn: str) -> None:
    name = _function(aws, role_arn, FILL, Timeout=30)
    body = _invoke(aws, name, {"limit_mb": 600})
    assert body["size_mb"] == 512 and body["error"] == "ENOSPC", body   # Lambda's default
    assert body["written_mb"] <= 512
    aws("lambda").update_function_configuration(FunctionName=name, EphemeralStorage={"Size": 1024})
    aws("lambda").get_waiter("function_updated_v2").wait(FunctionName=name)
    assert _invoke(aws, name, {"limit_mb": 0})["size_mb"] == 1024


ENV = '''
import os

def handler(event, context):
    return {"task_root": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd(), "PATH": os.environ["PATH"]}
'''


def test_without_namespaces_the_code_stays_at_its_host_path_and_path_is_lambdas(
    tmp_path: Path,
) -> None:
    """The fallback (no namespaces: in this process, as where the kernel allows none): the
    host's paths as before, but PATH is Lambda's there too, never the user's or a venv's."""
    import dataclasses

    from lambdactl.local.runtime import LocalRuntime
    from tests.local.test_local_runtime import _spec

    runtime = LocalRuntime(tmp_path, "http://127.0.0.1:9", isolate=True)
    assert not runtime.launch.private
    try:
        spec = dataclasses.replace(_spec(zip_of({"app.py": ENV})), handler="app.handler")
        body = json.loads(runtime.invoke(spec, b"{}").payload)
    finally:
        runtime.shutdown()
    assert Path(body["task_root"]).parent == tmp_path / "code" and body["cwd"] == body["task_root"]
    bin_dir = os.path.dirname(os.path.realpath(sys.executable))
    assert body["PATH"] == f"{bin_dir}:/usr/local/bin:/usr/bin/:/bin:/opt/bin"


def test_local_status_says_what_the_fallback_loses(
    sandbox: control.SandboxInfo, sandbox_home: Path, tmp_path: Path
) -> None:
    """This machine allows namespaces (the sandbox says so); a sandbox that found none says
    in `local status` what its handlers see instead."""
    import subprocess

    from lambdactl.local import lambdafs

    state = json.loads((sandbox_home / "sandbox.json").read_text())
    assert state["jailed"] is sandbox.jailed is True
    home = tmp_path / "home"
    home.mkdir()
    (home / "sandbox.json").write_text(json.dumps({**state, "jailed": False}))
    (home / "sandbox.json").chmod(0o600)
    env = {**os.environ, "LAMBDACTL_HOME": str(home)}
    out = subprocess.run([sys.executable, "-m", "lambdactl", "local", "status"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].endswith(f"; {lambdafs.UNJAILED}")


def test_no_namespaces_where_the_sandbox_cannot_pivot_root(monkeypatch: Any) -> None:
    from lambdactl.local import lambdafs

    assert lambdafs.namespaces() is True   # root, or user namespaces: as the tests above need
    monkeypatch.setattr(lambdafs, "SYS_PIVOT_ROOT", {})
    assert lambdafs.namespaces() is False


LANG = '''
import os, subprocess, sys, boto3

def handler(event, context):
    with open("/proc/self/mountinfo") as f:
        points = sorted({line.split()[4] for line in f})
    again = subprocess.run(["/var/lang/bin/python3", "-c", "import sys, boto3; print(sys.prefix, boto3.__file__)"],
                           capture_output=True, text=True)
    return {"executable": sys.executable, "prefix": [sys.prefix, sys.base_prefix, sys.exec_prefix],
            "boto3": boto3.__file__, "path": [p for p in sys.path if not p.startswith("/var/lang/lib/")],
            "points": points, "again": again.stdout.split(), "cwd": os.getcwd()}
'''


def test_the_python_is_at_var_lang_and_the_runtime_at_var_runtime(aws: Aws, role_arn: str) -> None:
    """As on Lambda: sys.executable /var/lang/bin/python3.X, boto3 from /var/runtime, for an
    environment forked from the preloaded zygote and for one started as a new interpreter
    (a function that sets the locale: zygote.py). No mount point at a host path."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    allowed = ("/usr", "/bin", "/sbin", "/lib", "/etc", "/dev", "/sys", "/proc", "/tmp", "/var/task",
               "/var/lang", "/var/runtime", "/opt")
    for env in ({}, {"LANG": "C.UTF-8"}):
        name = _function(aws, role_arn, LANG, Environment={"Variables": env})
        body = _invoke(aws, name)
        assert body["executable"] == f"/var/lang/bin/python{version}", body
        assert body["prefix"] == ["/var/lang"] * 3
        assert body["boto3"] == "/var/runtime/boto3/__init__.py"
        assert body["path"] == ["/var/task", "/var/runtime"]
        assert body["again"] == ["/var/lang", "/var/runtime/boto3/__init__.py"]
        assert [p for p in body["points"] if p != "/" and not p.startswith(allowed)] == [], body["points"]


def test_a_hosts_own_var_runtime_is_covered_not_written_into(tmp_path: Path) -> None:
    """jail.enter_lang on a host that has /var/runtime (an image like Lambda's): the runtime's
    entries are bound in a /var/runtime of the zygote's own, not made as mount points inside
    the host's directory. In a forked child, in a mount namespace of its own, whose /var is a
    tmpfs standing for the host's (its /var/runtime holds one file of the host's)."""
    from lambdactl.local import jail

    module = tmp_path / "six.py"
    module.write_text("X = 1\n")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        answer = b"setup failed"
        try:
            libc = jail.ctypes.CDLL(None, use_errno=True)
            if libc.unshare(jail.CLONE_NEWNS) == 0 and not libc.mount(None, b"/", None, jail.MS_REC | jail.MS_PRIVATE, None):
                jail._mount(libc, b"tmpfs", b"/var", b"tmpfs", 0, b"size=64k")
                os.makedirs("/var/runtime")
                open("/var/runtime/hosts-own.txt", "w").close()
                host = os.open("/var/runtime", os.O_RDONLY | os.O_DIRECTORY)
                lang = {"prefix": sys.base_prefix, "exe": "", "runtime": {"six.py": str(module)}}
                entered = jail.enter_lang(lang)
                answer = json.dumps({"entered": entered, "host": sorted(os.listdir(host)),
                                     "ours": sorted(os.listdir("/var/runtime"))}).encode()
        finally:
            os.write(write, answer)
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    seen = json.loads(os.read(read, 4096))
    assert seen == {"entered": True, "host": ["hosts-own.txt"], "ours": ["six.py"]}
