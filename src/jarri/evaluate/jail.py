"""Builds the sandbox's file system, then becomes the sandboxed program.

Run by :mod:`jarri.evaluate.sandbox` as the first process of fresh mount, PID, network and IPC
namespaces (``unshare``; as a normal user inside a user namespace too), with the standard
library only. It mounts a new root on a small tmpfs holding only: read-only binds of the
interpreter's and the system's libraries (``/usr`` and the interpreter's prefix), ``/dev/null``
and friends, the program and its inputs in ``/run`` (read-only), and three small private
tmpfs mounts ``/work`` (the working folder), ``/tmp`` and ``/dev/shm``. No ``/proc``, no
``/home``, no workspace, no host sockets. It chroots there, drops to user nobody (as root) or
drops every capability (in a user namespace), applies no-new-privileges and execs the program.
Everything it mounted dies with the namespaces when the program's PID 1 exits.

Argument: one JSON object (built in ``sandbox._run``).
"""

import ctypes
import json
import os
import shutil
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
# statvfs flags a bind's remount must keep (the kernel refuses to clear locked ones)
_KEEP = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
         (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME),
         (os.ST_RELATIME, MS_RELATIME))
_libc = ctypes.CDLL(None, use_errno=True)


def mount(src, target, fstype, flags, data=None):
    enc = [None if x is None else x.encode() for x in (src, target, fstype, data)]
    if _libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {src} on {target}: {os.strerror(err)}")


def bind(src, target, root, writable=False):
    """``src`` visible at ``root + target``, read-only unless ``writable``."""
    dest = root + target
    if os.path.isdir(src):
        os.makedirs(dest, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        open(dest, "a").close()
    mount(src, dest, None, MS_BIND | MS_REC)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (0 if writable else MS_RDONLY)
    st = os.statvfs(src)
    for st_flag, ms_flag in _KEEP:
        if st.f_flag & st_flag:
            flags |= ms_flag
    mount(None, dest, None, flags)


def tmpfs(target, size_mib, mode):
    os.makedirs(target, exist_ok=True)
    mount("jarri", target, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={size_mib}m,nr_inodes=4096,mode={mode:o}")


def build(cfg):
    root = cfg["root"]
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates to the host
    tmpfs(root, 4, 0o755)
    # Top-level symlinks (/lib64 -> usr/lib64, where the ELF loader lives) are copied as
    # links: they lead only to what is mounted here.
    for name in sorted(os.listdir("/")):
        if os.path.islink("/" + name):
            os.symlink(os.readlink("/" + name), root + "/" + name)
    for path in cfg["binds"]:
        if os.path.exists(path) and not os.path.islink(path):
            bind(path, path, root)
    for dev in ("null", "zero", "full", "random", "urandom"):
        if os.path.exists("/dev/" + dev):
            bind("/dev/" + dev, "/dev/" + dev, root, writable=True)
    size = cfg["scratch_mib"]
    tmpfs(root + "/work", size, 0o777)
    tmpfs(root + "/tmp", size, 0o1777)
    tmpfs(root + "/dev/shm", size, 0o1777)
    os.makedirs(root + "/run", mode=0o755)
    for sub, dest in (("run", "/run"), ("work", "/work")):
        src = os.path.join(cfg["stage"], sub)
        for name in sorted(os.listdir(src)):
            shutil.copyfile(os.path.join(src, name), root + dest + "/" + name)
            os.chmod(root + dest + "/" + name, 0o444)
    if cfg["user"] == "nobody":
        os.chown(root + "/work", cfg["uid"], cfg["uid"])
        os.chmod(root + "/work", 0o700)
    # The root (and /run with the program in it) becomes read-only: the program cannot be
    # rewritten, even by the candidate in a user namespace, where it owns these files.
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(root)
    os.chroot(".")
    os.chdir("/work")


def main():
    cfg = json.loads(sys.argv[1])
    try:
        build(cfg)
    except OSError as exc:
        print(f"jarri sandbox: could not build the sandbox: {exc}", file=sys.stderr)
        os._exit(125)
    drop = [cfg["setpriv"], "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]
    if cfg["user"] == "nobody":
        drop += [f"--reuid={cfg['uid']}", f"--regid={cfg['uid']}", "--clear-groups"]
    env = dict(cfg["env"])
    if "JARRI_CHANNEL_FD" in os.environ:  # the result channel's number, known only at launch
        env["JARRI_CHANNEL_FD"] = os.environ["JARRI_CHANNEL_FD"]
    os.execve(cfg["setpriv"], [*drop, "--", cfg["python"], "-I", "-S", "/run/main.py"], env)


if __name__ == "__main__":
    main()
