"""An execution environment's file system, as Lambda's runtime image shows it.

Standard library only, and no code at module level: ``zygote.BOOTSTRAP`` is this
file's source followed by ``bootstrap.py``'s, run with ``python -I -S -c`` on the
function's Python, in the environment's own mount namespace (``seal``).

The environment's root is a new, empty tmpfs holding only what Lambda's image
holds: the OS directories of the host (``ALLOWED``, bound read-only), an ``/etc``
of its own (the few host files that Python and common libraries read, ``ETC``,
and a passwd/group naming Lambda's ``sbx_user1051``), a ``/dev`` of the harmless
nodes only (``DEV``: no disk, no ``/dev/shm`` shared with the host, none on
Lambda either), a ``/sys`` of its own, read-only (a new sysfs: not the host's cgroup
hierarchies, which listed every host process's pid, nor its network interfaces), a fresh ``/proc`` of its PID namespace, a
``/tmp`` of its own (a tmpfs of the function's ephemeral storage: warm
invocations of the environment share it, it ends with the environment), its code
at ``/var/task``, its layers at ``/opt``, its Python at ``/var/lang`` and the
sandbox's runtime libraries for it (awslambdaric, boto3) at ``/var/runtime``, as on
Lambda: no host path is left to show where the checkout or a home is. Everything else (homes, ``/work``, ``/srv``, ``/mnt``, the host's ``/tmp``
and ``/etc``, other projects) is simply not there; the directories of
``private["hide"]`` (the user's and the sandbox's homes) that are under an allowed
directory are covered by an empty tmpfs. Its System V IPC, hostname and cgroup view
(``_identity``) are its own too.
"""

import ctypes
import os
import resource

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP = 0x20000, 0x8000000, 0x4000000, 0x2000000
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
MOUNT_FLAGS = {b"nosuid": MS_NOSUID, b"nodev": MS_NODEV, b"noexec": MS_NOEXEC, b"noatime": 1024,
               b"nodiratime": 2048, b"relatime": 1 << 21, b"strictatime": 1 << 24}
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 4, 24, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}  # glibc has no wrapper for it
# The host's directories a handler sees (Lambda's image has its own of each).
ALLOWED = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
# What of the host's /etc Python and common libraries read (name resolution, TLS roots,
# the dynamic loader's cache, zone and MIME data): no shadow, no host users, no secrets.
ETC = ("resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "localtime",
       "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl", "pki", "ca-certificates",
       "ca-certificates.conf", "crypto-policies", "alternatives", "mime.types", "protocols",
       "services", "os-release")
DEV = ("null", "zero", "full", "random", "urandom")
SBX_USER = ("sbx_user1051", 993, 990)  # Lambda's handler user: name, uid, gid
# Landlock (Linux 6.7+: TCP ports; 6.12+: scopes): its syscalls, the same on every CPU.
LANDLOCK_CREATE, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT = 444, 445, 446
BIND_TCP, CONNECT_TCP, NET_PORT_RULE, SCOPES = 1, 2, 2, 3  # scopes: abstract unix sockets, signals
OPEN_PORTS = (53, 80, 443)  # DNS over TCP, HTTP, HTTPS: the internet a handler usually needs
TASK, OPT, LANG, RUNTIME = "/var/task", "/opt", "/var/lang", "/var/runtime"
STAGE = b"/tmp"  # where the new root is built: any directory, covered for this namespace only


def seal(private: dict) -> bool:
    """Make this process's root the environment's (see the module's docstring); False
    where the kernel allows no mount namespace (nothing changed: the host's file system
    stays visible). OSError where a later step fails: never run a handler on half a root."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0 or libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None):
        return False  # no mounts of ours, or they would reach the host's
    if libc.unshare(CLONE_NEWIPC) == 0:  # shm segments of its own, gone with it (kept where refused)
        try:  # its namespace's setting: each segment also ends with its last process detached
            with open("/proc/sys/kernel/shm_rmid_forced", "w") as f:  # (else no one's RSS had it)
                f.write("1")
        except OSError:
            pass
    _identity(libc)
    hidden = [path for path in private.get("hide", []) if path.split("/")[1] in ALLOWED]
    binds = {TASK: private["task"], OPT: private.get("opt"), **lang_binds(private.get("lang"))}
    binds.update((path, path) for path in private.get("keep", []) if path.split("/")[1] not in ALLOWED)
    fds = {target: os.open(source, os.O_PATH) for target, source in binds.items()
           if source and os.path.exists(source)}  # opened now: STAGE may cover them
    _mount(libc, b"tmpfs", STAGE, b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755,size=1m")
    new = STAGE.decode()
    for name in ALLOWED:
        if os.path.islink("/" + name):  # /lib -> usr/lib: the same link
            os.symlink(os.readlink("/" + name), f"{new}/{name}")
        elif os.path.isdir("/" + name):
            _bind(libc, f"/{name}", f"{new}/{name}")
    for path in hidden:  # a home under /usr, ...: empty
        _mount(libc, b"tmpfs", (new + path).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755,size=16k")
    _etc(libc, new, bool(private.get("net")))
    _dev(libc, new)
    os.makedirs(f"{new}/sys")  # a sysfs of its own: its network's, none of the host's cgroups
    if libc.mount(b"sysfs", f"{new}/sys".encode(), b"sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, None):
        _bind(libc, "/sys", f"{new}/sys")  # refused (a user namespace's, in the host's network)
    os.makedirs(f"{new}/proc")
    if libc.mount(b"proc", f"{new}/proc".encode(), b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None):
        _bind(libc, "/proc", f"{new}/proc")  # a new one refused (a user namespace's): the host's
    os.makedirs(f"{new}/tmp")
    size = f"mode=1777,size={int(private.get('tmp_mb') or 512)}m".encode()
    _mount(libc, b"tmpfs", f"{new}/tmp".encode(), b"tmpfs", MS_NOSUID | MS_NODEV, size)
    os.makedirs(f"{new}{OPT}", exist_ok=True)
    for target in sorted(fds):  # outer first: /tmp before what is bound under it
        _bind(libc, f"/proc/self/fd/{fds[target]}", new + target)
        os.close(fds[target])
    os.chdir(new)
    machine = SYS_PIVOT_ROOT.get(os.uname().machine)
    if machine is None or libc.syscall(machine, b".", b".") or libc.umount2(b".", MNT_DETACH):
        _failed("pivot_root")
    os.chdir(TASK if TASK in fds else "/")
    read_only_but_tmp(libc)
    return True


def _identity(libc: ctypes.CDLL) -> None:
    """A hostname of its own, as Lambda's microVMs have (a link-local address: it resolves
    to itself, with no DNS lookup), and a cgroup namespace rooted at the environment's
    cgroup: /proc/self/cgroup shows "/", not the host's hierarchy. Kept where refused."""
    if libc.unshare(CLONE_NEWUTS) == 0:
        high, low = os.urandom(2)
        name = f"169.254.{high}.{1 + low % 254}"
        libc.sethostname(name.encode(), len(name))
    libc.unshare(CLONE_NEWCGROUP)  # after the guard joined its cgroup (cpushare.py)


def _failed(step: str) -> None:
    number = ctypes.get_errno()
    raise OSError(number, f"{step}: {os.strerror(number)}")


def _mount(libc: ctypes.CDLL, source: "bytes | None", target: bytes, kind: "bytes | None",
           flags: int, data: "bytes | None") -> None:
    if libc.mount(source, target, kind, flags, data):
        _failed(f"mount {target.decode()}")


def _bind(libc: ctypes.CDLL, source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:  # a module of one file (six.py), a device node, a file of /etc
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    _mount(libc, source.encode(), target.encode(), None, MS_BIND | MS_REC, None)


def _etc(libc: ctypes.CDLL, new: str, own_net: bool) -> None:
    """/etc: the host's files of ETC (what a link leads to: /run is not there), and the
    users of Lambda's image: root, and the handler's (sbx_user1051, its uid in effect).
    OWN_NET (netjail.py: UDP leaves no environment): resolv.conf's copy, over TCP."""
    os.makedirs(f"{new}/etc")
    _mount(libc, b"tmpfs", f"{new}/etc".encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755,size=64k")
    for name in ETC:
        source = os.path.realpath(f"/etc/{name}")
        if own_net and name == "resolv.conf" and os.path.isfile(source):
            with open(source) as host, open(f"{new}/etc/{name}", "w") as f:
                f.write(host.read(32768).rstrip("\n") + "\noptions use-vc\n")
        elif os.path.exists(source) and not source.startswith(("/proc/", "/sys/")):
            _bind(libc, source, f"{new}/etc/{name}")
    name, uid, gid = SBX_USER
    if os.geteuid() != 0:  # a user namespace's: the user's own ids (drop_privileges)
        uid, gid = os.geteuid(), os.getegid()
    users = {"passwd": f"root:x:0:0:root:/root:/bin/bash\n{name}:x:{uid}:{gid}::/home/{name}:/sbin/nologin\n",
             "group": f"root:x:0:\n{name}:x:{gid}:\n"}
    for file, text in users.items():
        with open(f"{new}/etc/{file}", "w") as f:
            f.write(text)


def _dev(libc: ctypes.CDLL, new: str) -> None:
    """/dev: the nodes of DEV and the links to /proc; no disk, no host /dev/shm."""
    os.makedirs(f"{new}/dev")
    _mount(libc, b"tmpfs", f"{new}/dev".encode(), b"tmpfs", MS_NOSUID | MS_NOEXEC, b"mode=755,size=16k")
    for name in DEV:
        if os.path.exists(f"/dev/{name}"):
            _bind(libc, f"/dev/{name}", f"{new}/dev/{name}")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/dev/{name}")


def lang_binds(lang: "dict | None") -> "dict[str, str]":
    """Where LANG (lambdafs.lang_config) puts the function's Python and the runtime's
    libraries: /var/lang, and each entry of the runtime's directory in /var/runtime (its
    entries are links into a host site-packages, or a cache's real directories)."""
    if not lang:
        return {}
    binds = {f"{RUNTIME}/{name}": source for name, source in lang["runtime"].items()}
    return {LANG: lang["prefix"], **binds}


def enter_lang(lang: dict) -> bool:
    """This process (a zygote, before it imports anything) in a mount namespace of its own
    where the host is as it is but for /var/lang and /var/runtime (lang_binds), so that
    what it imports, and its forks' environments keep, has Lambda's paths (boto3 from
    /var/runtime, sys.prefix /var/lang). /var is covered by a tmpfs holding the host's
    /var entries, bound back. False where no mount namespace can be had."""
    libc = ctypes.CDLL(None, use_errno=True)
    if os.path.islink("/var") or not unshare(libc, CLONE_NEWNS):
        return False
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None):
        return False
    # A host's own /var/lang or /var/runtime (an image like Lambda's) is covered, not bound:
    # the mount points below would be made inside it, on the host.
    host = {f"/var/{name}": f"/var/{name}" for name in os.listdir("/var")
            if f"/var/{name}" not in (LANG, RUNTIME)}
    links = {path: os.readlink(path) for path in host if os.path.islink(path)}
    wanted = {**{p: p for p in host if p not in links}, **lang_binds(lang)}
    fds = {target: os.open(source, os.O_PATH) for target, source in wanted.items()
           if os.path.exists(source)}  # opened now: the tmpfs covers them
    try:
        _mount(libc, b"tmpfs", b"/var", b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755,size=64k")
        for path, target in links.items():
            os.symlink(target, path)
        for target in sorted(fds):
            _bind(libc, f"/proc/self/fd/{fds[target]}", target)
    except OSError:
        return False
    return True


def unshare(libc: ctypes.CDLL, flags: int) -> bool:
    """New namespaces of FLAGS; where the user may not make them, in a user namespace of
    its own (the same uid and gid inside)."""
    if libc.unshare(flags) == 0:
        return True
    return own_user(libc) and libc.unshare(flags) == 0


def own_user(libc: ctypes.CDLL, nproc: int = 0) -> bool:
    """A user namespace of this process's own (the same uid and gid inside) where it lacks
    CAP_SYS_ADMIN, for the namespaces it then makes; True where it has it (none needed).
    NPROC: one in any case, and at most NPROC tasks in it (RLIMIT_NPROC, which the kernel
    counts per user namespace and uid: pidlimit.py's bound where no cgroup is had).
    Before any thread is started: a process of more than one may not make one."""
    with open("/proc/self/status") as f:
        effective = next((int(line.split()[1], 16) for line in f if line.startswith("CapEff:")), 0)
    if effective >> 21 & 1 and not nproc:  # CAP_SYS_ADMIN
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER) != 0:
        return False
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        try:
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        except OSError as exc:
            ctypes.set_errno(exc.errno or 0)
            return False
    if nproc:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    return True


def reexec(exe: str, config: dict) -> None:
    """Start again as EXE (the function's Python at /var/lang), with the same flags and
    source, on CONFIG: this interpreter runs from the host's paths, not in this root."""
    import json

    with open("/proc/self/cmdline", "rb") as f:
        argv = f.read().split(b"\0")[:-1]
    os.execv(exe, [exe.encode(), *argv[1:-1], json.dumps(config).encode()])


def relocate(value: object, private: dict) -> object:
    """VALUE (a path, a list of them, a PATH-like string) with the code's, layers' and
    runtime libraries' host paths as the environment sees them: /var/task, /opt and
    /var/runtime."""
    import re

    if isinstance(value, list):
        return [relocate(item, private) for item in value]
    if not isinstance(value, str):
        return value
    libs = private.get("libs") if private.get("lang") else None
    for host, inside in ((private["task"], TASK), (private.get("opt"), OPT), (libs, RUNTIME)):
        if host:
            value = re.sub(re.escape(host) + r"(?=/|:|$)", inside, value)
    return value


def read_only_but_tmp(libc: ctypes.CDLL) -> None:
    """Lambda's file system: every mount read-only (a root handler wrote /etc, /usr, the
    runtime's libraries; /sys's cgroups) but /tmp and /proc. /dev's nodes stay writable:
    a device node is written through, whatever its mount's flags."""
    import re

    with open("/proc/self/mountinfo", "rb") as f:
        mounts = [line.split() for line in f]
    for fields in mounts:
        point = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), fields[4])  # "\040": " "
        if point == b"/tmp" or point.split(b"/")[1] == b"proc":
            continue
        flags = sum(MOUNT_FLAGS.get(option, 0) for option in fields[5].split(b","))  # kept: locked
        libc.mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, None)


def drop_privileges(sealed: bool) -> None:
    """No capability for this process and what it starts, and none to gain from a setuid
    program: a handler cannot unmount what ``seal`` mounted, nor mount anything over it.
    SEALED and root: the handler's user is Lambda's sbx_user1051 (uid 993), not root, so
    the host's /proc/sys, /sys and device nodes (root's to write) are not its to write.
    No core dump either, as on Lambda: the host's core_pattern writes it (a pipe to
    systemd-coredump keeps a crash's whole memory on the host's disk, per crash)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL past the kernel's last: ignored
    if sealed and os.geteuid() == 0:
        _, uid, gid = SBX_USER
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)  # the kernel clears every capability it had
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # as a process the user started: its /proc its own
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)   # _LINUX_CAPABILITY_VERSION_3, this process
    libc.capset(header, (ctypes.c_uint32 * 6)())    # effective, permitted, inheritable: none


def fence(env: "dict[str, str]") -> int:
    """TCP connections only to the environment's Runtime API, the sandbox's endpoint (the
    ports of ENV's AWS_LAMBDA_RUNTIME_API and AWS_ENDPOINT_URL) and OPEN_PORTS; no TCP port
    bound (a handler listening on the host's 0.0.0.0 took connections from the network,
    which nothing outside reaches on Lambda); no abstract unix socket made outside the
    environment. Lambda's microVM does not share the host's
    loopback: here it is the host's, and its other services (databases, dev servers, another
    user's sandbox, the session bus) are not the handler's to reach. For this process and all
    it starts, irrevocably (Landlock; after PR_SET_NO_NEW_PRIVS). Returns Landlock's ABI (0:
    the kernel has none, nothing fenced; below 4: no TCP rules; below 6: no scopes)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = int(libc.syscall(LANDLOCK_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1)))
    if abi < 4:
        return max(abi, 0)
    ports = set(OPEN_PORTS)
    for name in ("AWS_LAMBDA_RUNTIME_API", "AWS_ENDPOINT_URL"):
        text = env.get(name, "").rstrip("/").rpartition(":")[2]
        if text.isdigit():
            ports.add(int(text))
    attr = (ctypes.c_uint64 * 3)(0, BIND_TCP | CONNECT_TCP, SCOPES if abi >= 6 else 0)
    ruleset = int(libc.syscall(LANDLOCK_CREATE, attr, ctypes.c_size_t(24 if abi >= 6 else 16),
                               ctypes.c_uint32(0)))
    if ruleset < 0:
        _failed("landlock_create_ruleset")
    try:
        for port in sorted(ports):
            rule = (ctypes.c_uint64 * 2)(CONNECT_TCP, port)
            if libc.syscall(LANDLOCK_ADD_RULE, ruleset, NET_PORT_RULE, rule, ctypes.c_uint32(0)):
                _failed("landlock_add_rule")
        if libc.syscall(LANDLOCK_RESTRICT, ruleset, ctypes.c_uint32(0)):
            _failed("landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi
