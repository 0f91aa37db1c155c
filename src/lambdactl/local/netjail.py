"""An execution environment's network: a namespace of its own, TCP lent by its guard.

Standard library only, and no code at module level: ``zygote.BOOTSTRAP`` is
``jail.py``'s source, this file's, then ``bootstrap.py``'s.

In the host's network namespace a handler read every socket of the machine
(``/proc/net/tcp``, ``unix``, ``udp``: each listening port and connection, with its
owner's uid) and sent UDP to any port of 127.0.0.1 (a resolver, syslog, statsd,
another user's service): Landlock fences TCP only. Here the environment's first
process (``isolate``) gives it a network namespace of its own, with only a loopback
that is its own: ``/proc/<any pid>/net`` lists the environment's sockets, nothing
else, and UDP (and raw sockets, SCTP, ...) reach nothing outside it. TCP, what a
handler needs (its Runtime API, the sandbox, the internet on ports 53, 80, 443,
fenced by ``jail.fence``), is lent: a seccomp filter hands each
``socket(AF_INET or AF_INET6, SOCK_STREAM, 0 or IPPROTO_TCP)`` to the guard, which
stays in the host's namespace, makes the socket there and puts it in the handler's
descriptor table as the call's result (``lend``: SECCOMP_IOCTL_NOTIF_ADDFD with
SECCOMP_ADDFD_FLAG_SEND, Linux 5.14+). A socket made another way (io_uring's socket
operation) is of the environment's own namespace: nothing is reachable through it; the
i386 and x32 ABIs, which a filter of the native one does not see, are refused. Name resolution
goes over TCP (``options use-vc`` in the environment's ``/etc/resolv.conf``, which
glibc honours). Where the kernel refuses a step, the environment keeps the host's
network, as before.

The same filter hands the guard each ``memfd_create``: it opens a nameless file of
the caller's ``/tmp`` instead (``_in_tmp``), bounded by the ephemeral storage.
"""

import ctypes
import fcntl
import os
import re
import socket
import struct
import threading
import warnings

CLONE_NEWNET = 0x40000000
SYS_SECCOMP = {"x86_64": 317, "aarch64": 277}
SYS_SOCKET = {"x86_64": 41, "aarch64": 198}
SYS_MEMFD_CREATE = {"x86_64": 319, "aarch64": 279}
SYS_UNSHARE, SYS_CLONE, SYS_CLONE3 = {"x86_64": 272, "aarch64": 97}, {"x86_64": 56, "aarch64": 220}, 435
CLONE_NEWUSER, X32 = 0x10000000, 0x40000000  # X32: x86_64's other ABI, its numbers from here
SYS_KEYS = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}  # add_key, request_key, keyctl
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER = 1, 8
RET_ALLOW, RET_USER_NOTIF, RET_ERRNO, EPERM, ENOSYS = 0x7FFF0000, 0x7FC00000, 0x50000, 1, 38
LD, JEQ, JGE, JSET, AND, RET = 0x20, 0x15, 0x35, 0x45, 0x54, 0x06  # BPF: the opcodes used
NOTIF_RECV, NOTIF_SEND, NOTIF_ID_VALID, NOTIF_ADDFD = 0xC0502100, 0xC0182101, 0x40082102, 0x40182103
ADDFD_FLAG_SEND, FLAG_CONTINUE = 2, 1
NOTIF = struct.Struct("=QIIiIQ6Q")  # seccomp_notif: id, pid, flags, then seccomp_data
SOCK_TYPE_MASK, SOCK_CLOEXEC, MFD_CLOEXEC = 0xF, 0o2000000, 1
KERNEL = (5, 14)  # SECCOMP_ADDFD_FLAG_SEND: before it, a lent socket could not be handed over


def _filter(machine: str, lending: bool = True) -> bytes:
    """BPF: memfd_create, and socket(AF_INET or AF_INET6, SOCK_STREAM | flags, ...), go to
    the listener (LENDING; else they are allowed); a new user namespace (unshare, clone) is EPERM, as a process without
    capabilities gets for any other namespace: in one, a handler mounted a tmpfs of its
    own and held 700 MB of the host's RAM in it, in no process's RSS; clone3, whose flags
    a filter cannot read, is ENOSYS (glibc then uses clone), and so is every call of
    another ABI (i386, x32): through one, none of this would hold. The kernel's keyrings
    are ENOSYS too, as where the kernel has none: a user's keyring is per uid, and every
    environment of a root sandbox runs as sbx_user1051, so a key one function added,
    another read."""
    code: list[tuple[object, object, object, int]] = [  # (opcode, label if true, if false, k)
        (LD, 0, 0, 4), (JEQ, 0, "enosys", AUDIT_ARCH[machine]),  # seccomp_data.arch
        (LD, 0, 0, 0), (JGE, "enosys", 0, X32), (JEQ, "enosys", 0, SYS_CLONE3),  # .nr
        *((JEQ, "enosys", 0, number) for number in SYS_KEYS[machine]),
        (JEQ, "flags", 0, SYS_UNSHARE[machine]), (JEQ, "flags", 0, SYS_CLONE[machine]),
        (JEQ, "notif", 0, SYS_MEMFD_CREATE[machine]), (JEQ, 0, "allow", SYS_SOCKET[machine]),
        (LD, 0, 0, 16), (JEQ, "type", 0, socket.AF_INET), (JEQ, 0, "allow", socket.AF_INET6),
        ("type", 0, 0, 0), (LD, 0, 0, 24), (AND, 0, 0, SOCK_TYPE_MASK),
        (JEQ, "notif", "allow", socket.SOCK_STREAM),
        ("flags", 0, 0, 0), (LD, 0, 0, 16), (JSET, "eperm", "allow", CLONE_NEWUSER),  # args[0]
        ("allow", 0, 0, 0), (RET, 0, 0, RET_ALLOW),
        ("notif", 0, 0, 0), (RET, 0, 0, RET_USER_NOTIF if lending else RET_ALLOW),
        ("eperm", 0, 0, 0), (RET, 0, 0, RET_ERRNO | EPERM), ("enosys", 0, 0, 0), (RET, 0, 0, RET_ERRNO | ENOSYS)]
    labels: dict[object, int] = {}
    program: list[tuple[object, object, object, int]] = []
    for op in code:
        if isinstance(op[0], str):
            labels[op[0]] = len(program)
        else:
            program.append(op)

    def jump(at: int, to: object) -> object:
        return to if isinstance(to, int) else labels[to] - at - 1

    return b"".join(struct.pack("=HBBI", op, jump(at, jt), jump(at, jf), k)
                    for at, (op, jt, jf, k) in enumerate(program))


def isolate(channel: int) -> bool:
    """In the environment's first process, with its capabilities still: the filter (its
    listener sent to the guard over CHANNEL, a unix socket, then closed), a network
    namespace of its own, its loopback up. False (the host's network kept) where a step
    is refused; before Linux 5.14 (KERNEL), the filter without its listener: no socket
    lent, no memfd in /tmp, but still no user namespace and no other ABI."""
    machine, version = os.uname().machine, re.match(r"(\d+)\.(\d+)", os.uname().release)
    with socket.socket(fileno=channel) as sock:
        if machine not in SYS_SECCOMP or not version:
            return False
        lending = tuple(map(int, version.groups())) >= KERNEL
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        code = ctypes.create_string_buffer(_filter(machine, lending))
        program = struct.pack("=HxxxxxxQ", len(code.raw) // 8, ctypes.addressof(code))
        listener = int(libc.syscall(SYS_SECCOMP[machine], SECCOMP_SET_MODE_FILTER,
                                    SECCOMP_FILTER_FLAG_NEW_LISTENER if lending else 0,
                                    ctypes.c_char_p(program)))
        if listener < 0 or not lending:
            return False
        socket.send_fds(sock, [b"n"], [listener])
    os.close(listener)
    if libc.unshare(CLONE_NEWNET) != 0:
        return False  # sockets are lent from the same namespace: as before, but for the cost
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # not caught: its own
        request = struct.pack("=16sH", b"lo", 0)
        flags = struct.unpack_from("=16sH", _ioctl(sock, 0x8913, request))[1]  # SIOCGIFFLAGS
        _ioctl(sock, 0x8914, struct.pack("=16sH", b"lo", flags | 1))  # SIOCSIFFLAGS: IFF_UP
    return True


def _ioctl(sock: socket.socket, request: int, data: bytes) -> bytes:
    return fcntl.ioctl(sock.fileno(), request, data + bytes(40 - len(data)))


def lend(user: "tuple[str, int, int]") -> int:
    """The guard's side, on a thread of its own: receive the listener, then serve each
    caught socket() with one made here, in the host's namespace, owned by the handler's
    USER (name, uid, gid) where the guard is root (else SO_REUSEPORT would let a handler
    share a port with root's services). Returns the descriptor the environment's first
    process sends the listener on; the thread ends where it sends none (its network is
    the host's)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)

    def serve() -> None:
        with ours:
            _, fds, _, _ = socket.recv_fds(ours, 1, 1)
        if fds:
            _serve(fds[0], user)

    # Not inherited: the guard forks the environment's init while this thread holds OURS, and
    # every runtime and handler below held it (closed through the object: twice is harmless).
    os.register_at_fork(after_in_child=ours.close)
    threading.Thread(target=serve, name="lend", daemon=True).start()
    return theirs.detach()


def fork_beside_lender() -> int:
    """os.fork() in the guard while its lending thread (lend) runs. The child, the
    environment's init, takes none of that thread's locks; Python 3.12's DeprecationWarning
    about fork() with threads (shown: this code is __main__) landed in every cold start's log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _serve(listener: int, user: "tuple[str, int, int]") -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if os.geteuid() == 0:  # this thread's file system ids only: a socket's owner is its maker's
        libc.setfsgid(user[2])
        libc.setfsuid(user[1])
    buffer = ctypes.create_string_buffer(NOTIF.size)
    memfd = SYS_MEMFD_CREATE[os.uname().machine]
    while True:
        ctypes.memset(buffer, 0, NOTIF.size)
        if libc.ioctl(listener, NOTIF_RECV, buffer) != 0:
            if ctypes.get_errno() in (4, 2):  # EINTR; ENOENT: the caller died meanwhile
                continue
            break
        ident, pid, _, nr, _, _, *args = NOTIF.unpack(buffer.raw)
        try:
            if nr == memfd:
                _in_tmp(libc, listener, ident, pid, args[1])
            elif args[2] not in (0, socket.IPPROTO_TCP):  # SCTP, MPTCP: the environment's own
                _answer(libc, listener, ident, 0, FLAG_CONTINUE)
            else:
                fd = int(libc.socket(ctypes.c_int(args[0]), ctypes.c_int(args[1] | SOCK_CLOEXEC),
                                     ctypes.c_int(args[2])))
                _hand(libc, listener, ident, fd, -ctypes.get_errno(), args[1] & SOCK_CLOEXEC)
        except Exception:  # never a caller left waiting: its call fails (EIO)
            _answer(libc, listener, ident, -5, 0)
    os.close(listener)  # the filter's calls fail (ENOSYS) from now on, rather than wait


def _in_tmp(libc: ctypes.CDLL, listener: int, ident: int, pid: int, flags: int) -> None:
    """memfd_create: a file of the caller's /tmp instead (O_TMPFILE: nameless, gone once
    closed and unmapped), whose pages are bounded by the environment's ephemeral storage,
    as /tmp's are. A memfd's were in no process's RSS while unmapped, bounded by nothing:
    a 128 MB function held 600 MB of the host's RAM, and REPORT said 35 MB."""
    try:
        fd = os.open(f"/proc/{pid}/root/tmp", os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        fd, error = -1, -(exc.errno or 1)
    else:
        error = 0
    if libc.ioctl(listener, NOTIF_ID_VALID, ctypes.byref(ctypes.c_uint64(ident))) != 0:
        if fd >= 0:  # PID is another process by now: its /tmp is not the caller's
            os.close(fd)
        return
    _hand(libc, listener, ident, fd, error, flags & MFD_CLOEXEC)


def _hand(libc: ctypes.CDLL, listener: int, ident: int, fd: int, error: int, cloexec: int) -> None:
    """Make FD (the guard's) the result of the caught call ``ident`` (ERROR where FD < 0)."""
    if fd < 0:
        _answer(libc, listener, ident, error, 0)
        return
    flags = os.O_CLOEXEC if cloexec else 0
    addfd = ctypes.create_string_buffer(struct.pack("=QIIII", ident, ADDFD_FLAG_SEND, fd, 0, flags))
    if libc.ioctl(listener, NOTIF_ADDFD, addfd) < 0 and ctypes.get_errno() != 2:
        _answer(libc, listener, ident, -ctypes.get_errno(), 0)  # EMFILE: its limit
    os.close(fd)


def _answer(libc: ctypes.CDLL, listener: int, ident: int, error: int, flags: int) -> None:
    libc.ioctl(listener, NOTIF_SEND, ctypes.create_string_buffer(struct.pack("=QqiI", ident, 0, error, flags)))
