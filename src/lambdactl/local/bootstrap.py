"""The first code of every execution environment, before any of the function's.

Run as ``python -I -S -c <this file's source> <json>`` (``command()`` builds it):
no site-packages, no PYTHON* variables, no current directory on sys.path.
Standard library only: it runs on the function's Python.

The process splits in two. The parent is the environment's guard: a child
subreaper (whatever the handler starts, ``setsid`` and double forks included,
stays below it) that the kernel signals when the sandbox server dies, even by
SIGKILL (PR_SET_PDEATHSIG); it then kills everything below it, as it does when
the runtime ends, and exits with the runtime's status. The child dies with the
guard, sets sys.path to the function's own list (task root, layers, the runtime
client and boto3) and runs awslambdaric; or, for a custom runtime, execs the
function's bootstrap. The handler's code never runs in the guard.

With ``"private"`` (the server's environments) the guard first gives the tree new
PID, mount and network namespaces, as a microVM would: the handler sees only its own
processes in ``/proc`` (no other process's environment), a root of its own
(``jail.py``: the host's OS directories, its code at ``/var/task``, its layers at
``/opt``, a ``/tmp`` of its own, its Python; no home, no project; all read-only but
``/tmp``, and no capability to undo it) and a network of its own (``netjail.py``).
Where the kernel allows no namespaces it runs as before: the host's file system,
``/tmp``, paths and network.

With ``"zygote": true`` it is instead a zygote (``zygote.py``): it imports what
every environment of its interpreter needs (boto3, awslambdaric's parts that read
no environment), then, per request, forks a guard as the server's own child
(clone with CLONE_PARENT): a new session, the function's stdout pipe, cwd and
environment, then the guard and runtime as above, without a new interpreter.
"""

import contextlib
import ctypes
import json
import os
import resource  # here: a new interpreter's stdlib is gone once its root is sealed
import signal
import socket
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # run as -c, jail.py's and quickexit.py's sources come first (zygote.BOOTSTRAP)
    from lambdactl.local.jail import (
        CLONE_NEWPID,
        LANG,
        RUNTIME,
        SBX_USER,
        drop_privileges,
        enter_lang,
        fence,
        own_user,
        reexec,
        relocate,
        seal,
    )
    from lambdactl.local.netjail import fork_beside_lender, isolate, lend
    from lambdactl.local.quickexit import run_module

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_PARENT = 0x8000
SYS_CLONE = {"x86_64": 56, "aarch64": 220}  # the clone syscall's number per CPU


def _prctl(option: int, value: int) -> None:
    with contextlib.suppress(OSError, AttributeError):  # not Linux: a process group only
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def main(config: dict) -> None:
    if config.get("zygote"):
        zygote(config)
    if not config.get("runtime_only"):  # else: started again on /var/lang's Python (reexec)
        guard(config)
    if config.get("exec") is not None:
        run_bootstrap(config["exec"])
    if config.get("path") is not None:
        sys.path[:] = config["path"] + [p for p in sys.path if p]
    sys.argv = ["awslambdaric", config["handler"]]
    run_module("awslambdaric")   # quickexit.py: no teardown of the zygote's preloaded modules


def guard(config: dict) -> None:
    """Become the environment's guard (and, with "private", its namespaces' init, sealed);
    returns in the runtime's process."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # the server died: clean up (guard)
    if os.getppid() != config["server"]:
        os._exit(70)  # the server died before PDEATHSIG was armed
    me = os.getpid()
    if config.get("cgroup"):  # the environment's CPU share (cpushare.py), for the whole tree
        _join(os.path.dirname(config["cgroup"]), {"cgroup.procs": me})
    if config.get("pids"):  # Lambda's 1,024 processes and threads, for the whole tree (pidlimit.py)
        _join(f"{config['pids']}/env-{me}", {"pids.max": config["pids_max"], "cgroup.procs": me})
    libc, report = ctypes.CDLL(None, use_errno=True), None
    # A user namespace first where needed (a process of one thread only may make one), then
    # the thread lending sockets (netjail.py), then the PID namespace (no thread after it).
    if config.get("private") and own_user(libc, config.get("nproc", 0)):
        channel = lend(SBX_USER)
        if libc.unshare(CLONE_NEWPID) == 0:  # the next child's
            report = _first_process(config, channel)
            me = os.getpid()  # 1: the new namespace's init
    if config.get("private") and report is None:  # never a handler with the host in sight
        init_error("Runtime.SandboxError", f"lambdactl sandbox: this environment's namespaces could "
                   f"not be made ({os.strerror(ctypes.get_errno())}); restart the sandbox with "
                   f"LAMBDACTL_SANDBOX_JAIL=0 to run handlers on the host's")
    runtime = os.fork()
    if runtime:
        watch(runtime, report)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the runtime dies with its guard
    if os.getppid() != me:
        os._exit(70)
    # Lambda's quota: 1,024 file descriptors, soft and hard (was the host's).
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]),) * 2)
    lang = (config.get("private") or {}).get("lang")
    if config.get("sealed") and lang and config.get("exec") is None and sys.prefix != LANG:
        # A new interpreter's (not a zygote's): its own paths are the host's, not here.
        reexec(lang["exe"], {"runtime_only": True, "path": config["path"], "handler": config["handler"]})


def _join(cgroup: str, values: dict) -> None:
    """Write VALUES to CGROUP's files, made if missing (or a dead guard's of this pid, not
    swept yet); where refused, the tree runs without it."""
    try:
        os.makedirs(cgroup, exist_ok=True)
        for name, value in values.items():
            with open(f"{cgroup}/{name}", "w") as f:
                f.write(str(value))
    except OSError:
        pass


def watch(runtime: int, report: "int | None" = None, told: "int | None" = None) -> None:
    """The guard: reap orphans until the runtime ends (or the server dies), then end the
    tree and exit as the runtime did. A namespace's init (REPORT: a pipe to the guard)
    cannot die of a signal it sends itself: it writes the status there and exits, and
    its end ends every process of the namespace; the guard reads it (TOLD). The init
    ignores SIGTERM: a handler's kill of its parent ended its environment."""
    def server_died(*_: object) -> None:
        kill_descendants()
        os._exit(137)

    signal.signal(signal.SIGTERM, server_died if report is None else signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pid, status = os.wait()  # orphans of the handler are reaped here too
        if pid == runtime:
            break
    if report is not None:
        os.write(report, str(status).encode())
        os._exit(0)
    kill_descendants()
    if told is not None:
        status = int(os.read(told, 32) or status)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number not in (signal.SIGKILL, signal.SIGSTOP):  # (no handler to reset: OSError, exit 1)
            signal.signal(number, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the guard's own end dumps no core
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status))


def _first_process(config: dict, channel: int) -> int:
    """Fork the namespace's first process (its init); the guard waits for it and never
    returns. Returns in the init: the pipe on which it reports the runtime's status.
    CHANNEL: to the guard (netjail.isolate). Sealed (jail.py), /var/task and /opt from here on."""
    told, report = os.pipe()
    init = fork_beside_lender()
    if init:
        os.close(report)
        os.close(channel)
        watch(init, told=told)
    os.close(told)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with the guard, and the namespace with it
    private = config["private"]
    if config.get("exec") is not None:
        import http.client  # noqa: F401  (run_bootstrap's, once the host's stdlib is gone)
    private["net"] = isolate(channel)  # a network namespace of its own
    try:
        sealed = seal(private)
    except OSError as exc:  # half built: never run the handler on it
        init_error("Runtime.SandboxError", f"lambdactl sandbox: this environment's file system "
                   f"could not be built ({exc.strerror}); restart the sandbox with "
                   f"LAMBDACTL_SANDBOX_JAIL=0 to run handlers on the host's")
    config["sealed"] = sealed
    if sealed:
        for key in ("path", "exec"):
            config[key] = relocate(config.get(key), private)
        os.environ.update({k: str(relocate(v, private)) for k, v in os.environ.items()})
    drop_privileges(sealed)  # else the handler (root, or its user namespace's) could unmount them
    try:
        fence(dict(os.environ))  # the host's loopback: only the Runtime API and the sandbox
    except OSError as exc:
        init_error("Runtime.SandboxError", f"lambdactl sandbox: this environment's network "
                   f"could not be fenced ({exc.strerror}); restart the sandbox with "
                   f"LAMBDACTL_SANDBOX_JAIL=0 to run handlers on the host's")
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # cleared by a change of user
    return report


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(p) for p in f.read().split()]
    return found


def kill_descendants() -> None:
    """SIGKILL everything below this process, frozen first so that nothing forks
    meanwhile (proctree.kill_tree's method; this file cannot import lambdactl)."""
    seen: list[int] = []
    for _ in range(20):
        todo, tree = _children(os.getpid()), []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += _children(pid)
        new = [pid for pid in tree if pid not in seen]
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        seen += new
    for pid in seen:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, sig)


def run_bootstrap(candidates: list[str]) -> None:
    """A custom runtime: exec the first bootstrap found (subreaper and PDEATHSIG survive
    exec); else report Lambda's init error for a missing or unusable one."""
    problem = f"Couldn't find valid bootstrap(s): [{' '.join(candidates)}]"
    for path in candidates:
        if os.path.exists(path):
            try:
                os.execv(path, [path])
            except OSError as exc:
                problem = f"{path}: {exc.strerror}"
                break
    init_error("Runtime.InvalidEntrypoint", problem)


def init_error(error_type: str, problem: str) -> None:
    """Report Lambda's init error for this environment (the invocation fails with it), exit."""
    import http.client

    body = json.dumps({"errorType": error_type, "errorMessage": problem})
    api = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"], timeout=5)
    api.request("POST", "/2018-06-01/runtime/init/error", body,
                {"Lambda-Runtime-Function-Error-Type": error_type})
    api.getresponse().read()
    os._exit(1)


def zygote(config: dict) -> None:
    """Preload, say which modules are loaded, then fork one guard per request."""
    import importlib

    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with the server
    if os.getppid() != config["server"]:
        os._exit(70)
    if config.get("lang") and sys.prefix != LANG and enter_lang(config["lang"]):
        reexec(config["lang"]["exe"], config)  # Lambda's paths, before any import
    sock = socket.socket(fileno=os.dup(0))  # the server's end of a SOCK_SEQPACKET pair
    _redirect(os.open(os.devnull, os.O_RDONLY), 0)
    base = list(sys.path)
    sys.path[:] = ([RUNTIME] if config.get("lang") else config["path"]) + base
    try:
        if config.get("lang") and sys.prefix != LANG:  # new interpreters instead (reexec)
            raise OSError("no mount namespace for /var/lang")
        for name in config["preload"]:
            importlib.import_module(name)
        loaded = sorted({name.split(".")[0] for name in sys.modules})
        bad = [name for name in config["forbid"] if name in sys.modules]
        reply = {"error": f"preloading imported {bad}"} if bad else {"modules": loaded}
    except Exception as exc:  # the server runs this interpreter without a zygote
        reply = {"error": f"{type(exc).__name__}: {exc}"}
    sock.send(json.dumps(reply).encode())
    if "error" in reply:
        os._exit(1)
    sys.path[:] = base
    # What the interpreter added to the environment it was given (PEP 538's LC_CTYPE).
    added = {k: v for k, v in os.environ.items() if k not in config["env"]}
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 1)
        except OSError:
            os._exit(0)
        if not message or not fds:
            os._exit(0)
        pid = _clone_parent()
        if pid == 0:
            sock.close()
            request = json.loads(message)
            _become(request, fds[0], added)
            main(request["config"])
        os.close(fds[0])
        sock.send(str(pid).encode())


def _clone_parent() -> int:
    """fork(), but the child is the server's (this process's parent's), not ours: the
    server waits for it and reads its status as for a process it started itself."""
    number = SYS_CLONE.get(os.uname().machine)
    if number is None:
        return -1
    libc = ctypes.PyDLL(None, use_errno=True)  # PyDLL: the GIL stays held across the fork
    libc.syscall.restype = ctypes.c_long
    zero = ctypes.c_void_p(0)
    return int(libc.syscall(ctypes.c_long(number), ctypes.c_ulong(CLONE_PARENT | signal.SIGCHLD),
                            zero, zero, zero, zero))


def _redirect(fd: int, target: int) -> None:
    os.dup2(fd, target)
    os.close(fd)


def _become(request: dict, out: int, added: dict) -> None:
    """What Popen gives a new runtime: its own session, stdin from /dev/null, stdout and
    stderr to the server's pipe, no other descriptor, its cwd and its environment."""
    import time

    os.setsid()
    os.dup2(out, 1)
    os.dup2(out, 2)
    _redirect(os.open(os.devnull, os.O_RDONLY), 0)
    for fd in [int(fd) for fd in os.listdir("/proc/self/fd")]:
        if fd > 2:
            try:
                os.close(fd)  # the zygote's socket and whatever else it holds
            except OSError:
                pass  # the listing's own descriptor, already closed
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update({**added, **request["env"]})
    time.tzset()


main(json.loads(sys.argv[1]))
