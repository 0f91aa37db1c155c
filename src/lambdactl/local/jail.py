"""An execution environment's file system, as Lambda's runtime image shows it.

Standard library only, and no code at module level: ``zygote.BOOTSTRAP`` is this
file's source followed by ``bootstrap.py``'s, run with ``python -I -S -c`` on the
function's Python, in the environment's own mount namespace (``seal``).

The environment's root is a new, empty tmpfs holding only what Lambda's image
holds: the OS directories of the host (``ALLOWED``, bound read-only), a fresh
``/proc`` of its PID namespace, a ``/tmp`` of its own (a tmpfs of the function's
ephemeral storage: warm invocations of the environment share it, it ends with the
environment), its code at ``/var/task``, its layers at ``/opt``, and the few host
directories it runs on (its Python, the sandbox's runtime libraries for it) bound
back at their own paths. Everything else (homes, ``/work``, ``/srv``, ``/mnt``, the
host's ``/tmp``, other projects) is simply not there; the directories of
``private["hide"]`` (the user's and the sandbox's homes) that are under an allowed
directory are covered by an empty tmpfs.
"""

import ctypes
import os

CLONE_NEWNS = 0x20000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
MOUNT_FLAGS = {b"nosuid": MS_NOSUID, b"nodev": MS_NODEV, b"noexec": MS_NOEXEC, b"noatime": 1024,
               b"nodiratime": 2048, b"relatime": 1 << 21, b"strictatime": 1 << 24}
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}  # glibc has no wrapper for it
# The host's directories a handler sees (Lambda's image has its own of each).
ALLOWED = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "dev", "sys")
TASK, OPT = "/var/task", "/opt"
STAGE = b"/tmp"  # where the new root is built: any directory, covered for this namespace only


def seal(private: dict, prefixes: "list[str]") -> bool:
    """Make this process's root the environment's (see the module's docstring); False
    where the kernel allows no mount namespace (the host's file system stays visible)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0 or libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None):
        return False  # no mounts of ours, or they would reach the host's
    hidden = [path for path in private.get("hide", []) if path.split("/")[1] in ALLOWED]
    binds = {TASK: private["task"], OPT: private.get("opt")}
    binds.update((path, path) for path in kept([*prefixes, *private["keep"]], hidden))
    fds = {target: os.open(source, os.O_PATH) for target, source in binds.items()
           if source and os.path.exists(source)}  # opened now: STAGE may cover them
    if libc.mount(b"tmpfs", STAGE, b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755,size=1m"):
        return False
    new = STAGE.decode()
    for name in ALLOWED:
        if os.path.islink("/" + name):  # /lib -> usr/lib: the same link
            os.symlink(os.readlink("/" + name), f"{new}/{name}")
        elif os.path.isdir("/" + name):
            _bind(libc, f"/{name}", f"{new}/{name}")
    for path in hidden:  # a home under /usr, /etc, ...: empty
        libc.mount(b"tmpfs", (new + path).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755,size=16k")
    os.makedirs(f"{new}/proc")
    if libc.mount(b"proc", f"{new}/proc".encode(), b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None):
        _bind(libc, "/proc", f"{new}/proc")  # a new one refused (a user namespace's): the host's
    os.makedirs(f"{new}/tmp")
    size = f"mode=1777,size={int(private.get('tmp_mb') or 512)}m".encode()
    libc.mount(b"tmpfs", f"{new}/tmp".encode(), b"tmpfs", MS_NOSUID | MS_NODEV, size)
    os.makedirs(f"{new}{OPT}", exist_ok=True)
    for target in sorted(fds):  # outer first: /tmp before what is bound under it
        _bind(libc, f"/proc/self/fd/{fds[target]}", new + target)
        os.close(fds[target])
    os.chdir(new)
    machine = SYS_PIVOT_ROOT.get(os.uname().machine)
    if machine is None or libc.syscall(machine, b".", b".") or libc.umount2(b".", MNT_DETACH):
        os._exit(71)  # half built: never run the handler on it
    os.chdir(TASK if TASK in fds else "/")
    read_only_but_tmp(libc)
    return True


def _bind(libc: ctypes.CDLL, source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:  # a module of one file (six.py)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    libc.mount(source.encode(), target.encode(), None, MS_BIND | MS_REC, None)


def kept(paths: "list[str]", hidden: "list[str]") -> "list[str]":
    """The host directories (and files) of PATHS to bind back: real, outermost only, not
    already seen under an allowed directory (unless one of HIDDEN covers them)."""
    real = {os.path.realpath(p) for p in paths if p and os.path.exists(p)}
    real = {p for p in real if p != "/" and (p.split("/")[1] not in ALLOWED
                                            or any(p.startswith(h + "/") for h in hidden))}
    return sorted(p for p in real if not any(p.startswith(k + "/") for k in real))


def relocate(value: object, private: dict) -> object:
    """VALUE (a path, a list of them, a PATH-like string) with the code's and layers'
    host paths as the environment sees them: /var/task and /opt."""
    import re

    if isinstance(value, list):
        return [relocate(item, private) for item in value]
    if not isinstance(value, str):
        return value
    for host, inside in ((private["task"], TASK), (private.get("opt"), OPT)):
        if host:
            value = re.sub(re.escape(host) + r"(?=/|:|$)", inside, value)
    return value


def read_only_but_tmp(libc: ctypes.CDLL) -> None:
    """Lambda's file system: every mount read-only (a root handler wrote /etc, /usr, the
    runtime's libraries) but /tmp; /proc, /dev and /sys as they were."""
    import re

    with open("/proc/self/mountinfo", "rb") as f:
        mounts = [line.split() for line in f]
    for fields in mounts:
        point = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), fields[4])  # "\040": " "
        if point == b"/tmp" or point.split(b"/")[1] in (b"proc", b"dev", b"sys"):
            continue
        flags = sum(MOUNT_FLAGS.get(option, 0) for option in fields[5].split(b","))  # kept: locked
        libc.mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, None)


def drop_capabilities() -> None:
    """No capability for this process and what it starts (root's included), and none to
    gain from a setuid program: a handler cannot unmount what ``seal`` mounted, nor mount
    anything over it, as a Lambda handler (not root) cannot."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL past the kernel's last: ignored
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)   # _LINUX_CAPABILITY_VERSION_3, this process
    libc.capset(header, (ctypes.c_uint32 * 6)())    # effective, permitted, inheritable: none
