"""What a handler can read of the host, or do to it, from inside its environment (issue 12,
second round: local/jail.py).

Before: the environment's /etc was the host's whole (every user in /etc/passwd, and
/etc/shadow readable when the sandbox ran as root), its /dev the host's (disks, /dev/kmsg,
/dev/kvm, and /dev/shm: a tmpfs of half the host's RAM, shared by every environment and
the host, outliving them, counted in no one's memory), /sys writable (a root handler could
move itself out of its CPU cgroup), /proc/sys writable (a root handler could set the host's
kernel.core_pattern), and the handler ran as root. On Lambda it runs as sbx_user1051
(uid 993) on an image of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambdactl.local import control
from tests.local.conftest import ALLOW_ALL
from tests.local.test_local_layers import zip_of

Aws = Callable[[str], Any]

HOST = '''
import ctypes, getpass, os, pwd, socket, ssl

def handler(event, context):
    def opened(path, flags):
        try:
            os.close(os.open(path, flags))
            return "opened"
        except OSError as exc:
            return exc.strerror
    try:
        with open("/dev/null", "w") as f:
            f.write("x")
        null = "written"
    except OSError as exc:
        null = exc.strerror
    return {
        "uid": os.getuid(), "user": getpass.getuser(), "home": pwd.getpwuid(os.getuid()).pw_dir,
        "users": sorted(p.pw_name for p in pwd.getpwall()),
        "shadow": opened("/etc/shadow", os.O_RDONLY),
        "etc": sorted(os.listdir("/etc")),
        "dev": sorted(os.listdir("/dev")), "null": null,
        "core_pattern": opened("/proc/sys/kernel/core_pattern", os.O_WRONLY),
        "sys": opened("/sys/kernel/mm/transparent_hugepage/enabled", os.O_WRONLY),
        "ipc": os.readlink("/proc/self/ns/ipc"),
        "core": __import__("resource").getrlimit(__import__("resource").RLIMIT_CORE),
        "localhost": bool(socket.getaddrinfo("localhost", 80)),
        "ca": ssl.create_default_context().cert_store_stats()["x509_ca"] > 0
              or bool(ssl.get_default_verify_paths().capath),
    }
'''


def _run(aws: Aws, role_arn: str, source: str, event: dict[str, Any] | None = None, **options: Any) -> Any:
    """A new function of SOURCE (app.handler, OPTIONS) invoked once with EVENT: its answer."""
    name = f"t-host-{uuid.uuid4().hex[:6]}"
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role_arn,
                                  Handler="app.handler", Code={"ZipFile": zip_of({"app.py": source})},
                                  **options)
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}))
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return body


def test_a_handler_sees_lambdas_etc_and_dev_and_cannot_write_the_hosts_kernel_settings(
    aws: Aws, role_arn: str
) -> None:
    body = _run(aws, role_arn, HOST)
    # Lambda's user: sbx_user1051 (uid 993 where the sandbox is root; else the user's own uid).
    assert body["uid"] == (993 if os.getuid() == 0 else os.getuid()), body
    assert (body["user"], body["home"]) == ("sbx_user1051", "/home/sbx_user1051")
    assert body["users"] == ["root", "sbx_user1051"]          # no host user
    assert body["shadow"] == "No such file or directory"
    assert {"passwd", "group", "hosts", "resolv.conf"} <= set(body["etc"]) <= {
        "passwd", "group", "resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf",
        "localtime", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl", "pki", "ca-certificates",
        "ca-certificates.conf", "crypto-policies", "alternatives", "mime.types", "protocols",
        "services", "os-release"}
    assert body["localhost"] and body["ca"]                  # name resolution and TLS still work
    # No disk, no kmsg, no /dev/shm (none on Lambda: multiprocessing's Queue fails there too).
    assert set(body["dev"]) <= {"null", "zero", "full", "random", "urandom", "fd", "stdin",
                                "stdout", "stderr"}, body["dev"]
    assert body["null"] == "written"
    assert body["core_pattern"] != "opened" and body["sys"] != "opened"
    assert body["ipc"] != os.readlink("/proc/self/ns/ipc")   # System V IPC of its own
    assert body["core"] == [0, 0], body   # no core dump, none to allow (the host's core_pattern's)


# -- where an environment cannot have a root of its own ------------------------------
ENV = '''
import os

def handler(event, context):
    return {"task_root": os.environ["LAMBDA_TASK_ROOT"], "uid": os.getuid()}
'''


def test_the_jail_switched_off_runs_handlers_on_the_hosts_files_and_local_status_says_so(
    sandbox_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The fallback, in a real sandbox: LAMBDACTL_SANDBOX_JAIL=0 (as where the kernel allows
    no namespaces, or a pivot_root is refused: the sandbox's probe builds a whole root)."""
    from lambdactl.iam import TRUST_POLICY
    from lambdactl.local.lambdafs import UNJAILED

    home = tmp_path_factory.mktemp("unjailed-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAMBDACTL_HOME", str(home))
        mp.setenv("LAMBDACTL_SANDBOX_JAIL", "0")
        info, _ = control.start(port=0)
        try:
            iam = control.client(info, "iam")
            arn = iam.create_role(RoleName="unjailed", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
            iam.put_role_policy(RoleName="unjailed", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
            client = control.client(info, "lambda")
            client.create_function(FunctionName="unjailed", Runtime="python3.11", Role=arn,
                                   Handler="app.handler", Code={"ZipFile": zip_of({"app.py": ENV})})
            body = json.loads(client.invoke(FunctionName="unjailed", Payload=b"{}")["Payload"].read())
            status = subprocess.run([sys.executable, "-m", "lambdactl", "local", "status"],
                                    env=dict(os.environ), capture_output=True, text=True, timeout=60)
        finally:
            control.stop()
    assert info.jailed is False
    assert Path(body["task_root"]).is_relative_to(home), body     # its host path, not /var/task
    assert body["uid"] == os.getuid()
    assert status.returncode == 0 and status.stdout.splitlines()[0].endswith(f"; {UNJAILED}"), status


def test_a_root_that_cannot_be_finished_is_an_error_the_invoke_reports_not_exit_71() -> None:
    """jail.seal, a pivot_root refused (in a forked child: its mounts are its own): an OSError
    naming the step, which bootstrap.py reports as the environment's init error
    (Runtime.SandboxError) instead of the runtime's silent exit status 71."""
    from lambdactl.local import jail

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 5
        try:
            jail.SYS_PIVOT_ROOT = {}  # type: ignore[misc]
            jail.seal({"task": sys.base_prefix, "hide": [], "tmp_mb": 1})
        except OSError as exc:
            code = 3 if exc.strerror.startswith("pivot_root") else 4
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 3


IDENTITY = '''
import socket

def handler(event, context):
    name = socket.gethostname()
    with open("/proc/self/cgroup") as f:
        cgroups = [line.rstrip("\\n").split(":", 2)[2] for line in f]
    return {"hostname": name, "resolves": socket.gethostbyname(name), "cgroups": cgroups}
'''


def test_a_handler_has_a_lambda_like_hostname_and_does_not_see_the_hosts_cgroups(
    aws: Aws, role_arn: str
) -> None:
    """Before, the hostname was the host's (`vm` here) and /proc/self/cgroup showed the host's
    hierarchy (the sandbox's own cgroup paths). On Lambda the hostname is a link-local address
    of the microVM; here each environment has its own UTS and cgroup namespaces."""
    import re
    import socket

    body = _run(aws, role_arn, IDENTITY)
    assert body["hostname"] != socket.gethostname(), body
    assert re.fullmatch(r"169\.254\.\d{1,3}\.\d{1,3}", body["hostname"]), body
    assert body["resolves"] == body["hostname"]              # no DNS lookup, no /etc/hosts entry
    assert body["cgroups"] and set(body["cgroups"]) == {"/"}, body
    assert socket.gethostname() == os.uname().nodename       # the host's own is untouched


LOOPBACK = '''
import boto3, errno, socket

def handler(event, context):
    def reach(family, address):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            try:
                s.connect(address)
                return "connected"
            except OSError as exc:
                return errno.errorcode.get(exc.errno, str(exc))
    return {"tcp": reach(socket.AF_INET, ("127.0.0.1", event["port"])),
            "abstract": reach(socket.AF_UNIX, "\\0" + event["abstract"]),
            "sandbox": boto3.client("sts").get_caller_identity()["Arn"]}
'''


def test_a_handler_cannot_reach_the_hosts_other_loopback_services(aws: Aws, role_arn: str) -> None:
    """Before, a handler could connect to any port on 127.0.0.1 (another user's database,
    dev server or sandbox) and to any abstract unix socket (a session bus): the host's
    loopback is not a Lambda function's. Now (jail.fence) only its Runtime API, the sandbox's
    endpoint and the internet's usual ports. Skipped where the kernel has no Landlock TCP rules."""
    import socket

    if _landlock_abi() < 6:
        pytest.skip("this kernel has no Landlock TCP rules and scopes (Linux 6.12+)")
    name = f"lambdactl-test-{uuid.uuid4().hex}"
    with socket.socket() as service, socket.socket(socket.AF_UNIX) as bus:
        service.bind(("127.0.0.1", 0))
        service.listen()
        bus.bind("\0" + name)
        bus.listen()
        body = _run(aws, role_arn, LOOPBACK, {"port": service.getsockname()[1], "abstract": name})
    # The abstract socket: Landlock's scope refuses it (EPERM) or, in a network namespace of
    # the environment's own (netjail.py), the name is not there at all (ECONNREFUSED).
    assert body["tcp"] == "EACCES" and body["abstract"] in ("EPERM", "ECONNREFUSED"), body
    assert body["sandbox"].startswith("arn:aws:sts::"), body   # the sandbox's endpoint still is


def _landlock_abi() -> int:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return max(int(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))), 0)


SOCKETS = '''
import boto3, os, socket

def handler(event, context):
    seen = {}
    pids = ["self", "thread-self"] + [p for p in os.listdir("/proc") if p.isdigit()]
    for where in ["/proc/net"] + [f"/proc/{pid}/net" for pid in pids]:
        for name in ("tcp", "tcp6", "udp", "udp6", "unix"):
            try:
                with open(f"{where}/{name}") as f:
                    seen[f"{where}/{name}"] = f.read()
            except OSError as exc:
                seen[f"{where}/{name}"] = exc.strerror
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        try:
            udp.sendto(b"from-the-handler", ("127.0.0.1", event["udp"]))
        except OSError:
            pass
    with open("/etc/resolv.conf") as f:
        resolver = f.read()
    return {"seen": seen, "resolver": resolver, "ifs": [n for _, n in socket.if_nameindex()],
            "sandbox": boto3.client("sts").get_caller_identity()["Arn"]}
'''


def test_a_handler_sees_no_host_socket_and_its_udp_reaches_no_host_port(
    aws: Aws, role_arn: str, tmp_path: Path
) -> None:
    """Before, a handler read every socket of the machine in /proc/net/tcp, udp and unix (or
    /proc/self/net, /proc/<pid>/net: the host's network namespace), every listening port and
    connection with its owner's uid, and sent UDP to any port of 127.0.0.1 (Landlock fences
    TCP only). Now (netjail.py) its network namespace is its own; TCP is lent by its guard,
    so its Runtime API and the sandbox still answer, and name resolution goes over TCP."""
    import socket

    with socket.socket() as service, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
            socket.socket(socket.AF_UNIX) as unix:
        service.bind(("127.0.0.1", 0))
        service.listen()
        udp.bind(("127.0.0.1", 0))
        unix.bind(str(tmp_path / "host.sock"))
        tcp_port, udp_port = service.getsockname()[1], udp.getsockname()[1]
        body = _run(aws, role_arn, SOCKETS, {"udp": udp_port})
        udp.setblocking(False)
        with pytest.raises(BlockingIOError):   # loopback delivers before sendto returns
            print("received", udp.recv(100))
    listed = "\n".join(body["seen"].values())
    assert f":{tcp_port:04X} " not in listed and f":{udp_port:04X} " not in listed, listed
    assert str(tmp_path) not in listed
    assert len(body["seen"]) > 10 and body["ifs"] == ["lo"], body
    assert "options use-vc" in body["resolver"], body["resolver"]
    assert body["sandbox"].startswith("arn:aws:sts::"), body   # TCP to the sandbox, lent


LISTEN = '''
import errno, socket

def handler(event, context):
    bound = {}
    for host in ("127.0.0.1", "0.0.0.0"):
        listener = socket.socket()
        try:
            listener.bind((host, 0))
            listener.listen()
            globals().setdefault("kept", []).append(listener)
            bound[host] = listener.getsockname()[1]
        except OSError as exc:
            bound[host] = errno.errorcode.get(exc.errno, str(exc))
    return bound
'''


def test_a_handler_cannot_listen_on_the_hosts_ports(aws: Aws, role_arn: str) -> None:
    """Before, a handler bound and listened on any port of the host (0.0.0.0 too: reachable
    from the network and from every local user, a backdoor for as long as its environment
    lived; nothing outside a Lambda function can connect in). Now (jail.fence) binding a TCP
    port is refused, EACCES, as Landlock refuses it."""
    import socket

    if _landlock_abi() < 4:
        pytest.skip("this kernel has no Landlock TCP rules (Linux 6.7+)")
    body = _run(aws, role_arn, LISTEN)
    for host, port in body.items():
        if isinstance(port, int):   # it listened: can anyone outside connect?
            with socket.socket() as probe:
                probe.settimeout(5)
                assert probe.connect_ex(("127.0.0.1", port)) != 0, (host, port)
    assert body == {"127.0.0.1": "EACCES", "0.0.0.0": "EACCES"}, body


MEMORY_ASIDE = '''
import ctypes, errno, os

def handler(event, context):
    held = {}
    fd = os.memfd_create("aside")   # pages of no process's RSS while unmapped
    chunk = b"x" * (1 << 20)
    try:
        for _ in range(event["mb"]):
            os.write(fd, chunk)
    except OSError as exc:
        held["memfd_error"] = errno.errorcode.get(exc.errno, str(exc))
    held["memfd_mb"] = os.fstat(fd).st_size >> 20
    os.close(fd)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    segment = libc.shmget(0, 32 << 20, 0o1600)   # IPC_PRIVATE, IPC_CREAT | 0600
    address = libc.shmat(segment, None, 0)
    ctypes.memset(address, 1, 32 << 20)
    libc.shmdt(ctypes.c_void_p(address))   # detached: its pages are no process's either
    stat = ctypes.create_string_buffer(256)
    held["shm_after_detach"] = "kept" if libc.shmctl(segment, 2, stat) == 0 else errno.errorcode[ctypes.get_errno()]
    return held
'''


def test_memory_held_outside_every_process_is_bounded(aws: Aws, role_arn: str) -> None:
    """Before, a 128 MB function held 600 MB of the host's RAM in a memfd (its pages in no
    process's RSS while unmapped: REPORT said 35 MB, and no OOM), and any amount in System V
    shared memory segments left detached. On Lambda both count in the function's memory.
    Now a memfd is a file of the environment's /tmp (netjail.py: bounded by its ephemeral
    storage, 512 MB here: ENOSPC), and a segment ends when its last process detaches
    (kernel.shm_rmid_forced in its own IPC namespace), so attached, its pages are counted."""
    body = _run(aws, role_arn, MEMORY_ASIDE, {"mb": 600}, Timeout=60)
    assert body["memfd_error"] == "ENOSPC" and body["memfd_mb"] < 600, body
    assert body["shm_after_detach"] == "EINVAL", body


def test_an_environment_whose_namespaces_cannot_be_made_fails_rather_than_run_on_the_host(
    tmp_path: Path,
) -> None:
    """Before, a guard that could not make its environment's namespaces (the user's user or
    PID namespaces used up: a handler of a sandbox not run by root can use them up) ran the
    handler anyway, on the host's file system and /proc, though the sandbox had found it
    could jail it (its probe at start). Now the invocation fails with Runtime.SandboxError.
    Here the guard (bootstrap.py, as a new interpreter) runs in a user namespace that may
    make no PID or user namespace; a Runtime API of the test's own takes what it posts."""
    import ctypes
    import http.server
    import threading

    from lambdactl.local.zygote import BOOTSTRAP, FLAGS

    posted: list[tuple[str, bytes]] = []

    class Api(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            posted.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(202)
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802 - /next: a runtime ran
            posted.append((self.path, b""))
            self.send_response(500)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 9
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            assert libc.unshare(0x10000000) == 0   # CLONE_NEWUSER: root of its own
            for name, text in (("setgroups", "deny"), ("uid_map", "0 0 1"), ("gid_map", "0 0 1")):
                Path(f"/proc/self/{name}").write_text(text)
            for name in ("max_pid_namespaces", "max_user_namespaces"):
                Path(f"/proc/sys/user/{name}").write_text("0")
            config = {"server": os.getpid(), "handler": "app.handler", "path": None,
                      "private": {"task": str(tmp_path), "hide": [], "tmp_mb": 1}}
            env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.server_address[1]}", "PATH": "/usr/bin:/bin"}
            code = subprocess.run([sys.executable, *FLAGS, "-c", BOOTSTRAP, json.dumps(config)],
                                  env=env, cwd=tmp_path, timeout=30, capture_output=True).returncode
        finally:
            os._exit(code)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    api.shutdown()
    assert code == 1 and [path for path, _ in posted] == ["/2018-06-01/runtime/init/error"], (code, posted)
    error = json.loads(posted[0][1])
    assert error["errorType"] == "Runtime.SandboxError", error
    assert "namespaces could not be made" in error["errorMessage"], error


USERNS = '''
import ctypes, os, threading

def handler(event, context):
    libc = ctypes.CDLL(None, use_errno=True)
    made = {}
    for name, flags in (("user", 0x10000000), ("user_and_mount", 0x10000000 | 0x20000)):
        made[name] = "made" if libc.unshare(flags) == 0 else os.strerror(ctypes.get_errno())
    worker = threading.Thread(target=lambda: made.setdefault("thread", "ran"))
    worker.start()
    worker.join()
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    made["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return made
'''


def test_a_handler_cannot_make_a_user_namespace(aws: Aws, role_arn: str) -> None:
    """Before, a handler made a user namespace of its own (and a mount namespace in it),
    mounted a tmpfs there and wrote 700 MB into it in a 128 MB function: pages of no
    process's RSS, bounded by nothing (REPORT: 35 MB). Now (netjail.py's seccomp filter)
    unshare and clone of a user namespace are EPERM, as for any other namespace without
    capabilities; threads and forks still work (clone3 is ENOSYS: glibc then uses clone)."""
    body = _run(aws, role_arn, USERNS)
    assert body == {"user": "Operation not permitted", "user_and_mount": "Operation not permitted",
                    "thread": "ran", "fork": 7}, body


PARENT = '''
import os, signal, time

def handler(event, context):
    os.kill(os.getppid(), signal.SIGTERM)
    time.sleep(0.5)
    return {"alive": True, "parent": os.getppid()}
'''


def test_a_handler_signalling_its_parent_does_not_end_its_environment(aws: Aws, role_arn: str) -> None:
    """Before, a handler's SIGTERM to its parent (its PID namespace's init) ran the guard's
    clean-up there: the environment ended, Runtime.ExitError 'exit status 137'. On Lambda
    the runtime's parent is not the handler's to signal; here the init ignores it."""
    assert _run(aws, role_arn, PARENT) == {"alive": True, "parent": 1}


KEYS = '''
import ctypes, os

def handler(event, context):
    libc = ctypes.CDLL(None, use_errno=True)
    if event["put"]:
        made = libc.syscall(248, b"user", event["name"].encode(), b"secret-of-one-function", 22, -4)
        return {"put": "added" if made > 0 else os.strerror(ctypes.get_errno())}
    key = libc.syscall(250, 10, -4, b"user", event["name"].encode(), 0)   # KEYCTL_SEARCH, @u
    if key < 0:
        return {"found": os.strerror(ctypes.get_errno())}
    value = ctypes.create_string_buffer(64)
    size = libc.syscall(250, 11, key, value, 64)   # KEYCTL_READ
    libc.syscall(250, 21, key)   # KEYCTL_INVALIDATE: none left on the machine
    return {"found": value.raw[:max(size, 0)].decode()}
'''


def test_a_function_cannot_read_what_another_put_in_the_kernels_keyring(aws: Aws, role_arn: str) -> None:
    """Before, one function's handler added a key to its user keyring and another
    function's read it: the kernel keeps one per uid, and every environment of a sandbox
    started by root runs as sbx_user1051. Now (netjail.py) the keyring calls are ENOSYS, as
    where the kernel has none. x86_64's numbers: add_key 248, keyctl 250."""
    if os.uname().machine != "x86_64":
        pytest.skip("the handler calls x86_64's system call numbers")
    name = f"lambdactl-test-{uuid.uuid4().hex[:8]}"
    put = _run(aws, role_arn, KEYS, {"put": True, "name": name})
    found = _run(aws, role_arn, KEYS, {"put": False, "name": name})
    assert put == {"put": "Function not implemented"}, put
    assert found == {"found": "Function not implemented"}, found


SYSFS = '''
import glob, os

def handler(event, context):
    pids = []
    for path in glob.glob("/sys/fs/cgroup/**/cgroup.procs", recursive=True):
        with open(path) as f:
            pids += f.read().split()
    return {"cgroup_pids": len(pids), "net": sorted(os.listdir("/sys/class/net")),
            "cpus": os.cpu_count() or 0}
'''


def test_a_handlers_sys_lists_no_host_process_nor_interface(aws: Aws, role_arn: str) -> None:
    """Before, /sys was the host's, bound: its cgroup hierarchies listed the pid of every
    process of the machine (other environments', other users'), and /sys/class/net the
    host's interfaces. Now a sysfs of the environment's own (jail.seal): its network's
    interfaces, no cgroup hierarchy mounted; the CPUs are still there to count."""
    body = _run(aws, role_arn, SYSFS)
    assert body == {"cgroup_pids": 0, "net": ["lo"], "cpus": os.cpu_count()}, body


GUARD_SOCKETS = '''
import os, socket

def handler(event, context):
    kinds = []
    for name in os.listdir("/proc/self/fd"):
        try:
            with socket.socket(fileno=os.dup(int(name))) as sock:
                kinds.append(sock.type.name)
        except OSError:   # not a socket
            pass
    return {"sockets": sorted(kinds)}
'''


def test_a_handler_holds_no_socket_of_its_guard(aws: Aws, role_arn: str) -> None:
    """Before, every jailed runtime and its handler held the guard's end of netjail's
    lending socket pair, a unix SOCK_SEQPACKET socket (the guard forks the environment's
    init while its lending thread has it open): a dead descriptor, one of Lambda's 1,024.
    The runtime's own sockets (its Runtime API connections) are stream sockets."""
    body = _run(aws, role_arn, GUARD_SOCKETS)
    assert body["sockets"] and "SOCK_SEQPACKET" not in body["sockets"], body
