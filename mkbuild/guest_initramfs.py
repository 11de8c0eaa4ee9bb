"""A Linux initramfs made in Python: busybox, an /init script, the files a guest needs.

The archive is the kernel's "newc" cpio format (Documentation/driver-api/early-userspace/
buffer-format.rst: a 110-byte ASCII header per entry, name and data each padded to 4
bytes, a `TRAILER!!!` entry last), gzip'd. No root and no `cpio` tool are needed: the
device node the console needs (`/dev/console`, character 5:1 — without it /init's
output is lost) is only a header. Every entry is owned by root with mtime 0, in a fixed
order, so the same inputs give the same bytes (the build's no-change check relies on it).
"""

from __future__ import annotations

import gzip
import stat
from dataclasses import dataclass

NEWC_MAGIC = "070701"
TRAILER = "TRAILER!!!"
# The applets /init and a shell user reach by name (busybox --install needs /proc and
# writes at run time; links in the archive need neither).
APPLETS = ("sh", "ls", "cat", "echo", "mount", "umount", "poweroff", "reboot", "devmem",
           "sleep", "uname", "dmesg", "mkdir", "hexdump", "printf", "test", "[", "grep",
           "ps", "kill", "uptime", "true", "false", "head", "tail", "dd", "od", "seq",
           "wc", "sync", "halt", "cut", "tr", "sed", "awk")


@dataclass(frozen=True)
class Entry:
    path: str          # inside the archive, no leading '/'
    mode: int          # st_mode: type and permissions
    data: bytes = b""  # file contents, or a symlink's target
    rdev: tuple[int, int] = (0, 0)   # a device node's major, minor


def directory(path: str) -> Entry:
    return Entry(path, stat.S_IFDIR | 0o755)


def file(path: str, data: bytes, executable: bool = False) -> Entry:
    return Entry(path, stat.S_IFREG | (0o755 if executable else 0o644), data)


def symlink(path: str, target: str) -> Entry:
    return Entry(path, stat.S_IFLNK | 0o777, target.encode())


def char_device(path: str, major: int, minor: int) -> Entry:
    return Entry(path, stat.S_IFCHR | 0o600, rdev=(major, minor))


def busybox_tree(busybox: bytes, init_script: str,
                 extra: tuple[Entry, ...] = ()) -> list[Entry]:
    """A root file system: /bin/busybox with its applets linked, /init, /dev/console,
    the mount points /init uses, and `extra` (a guest's own programs)."""
    entries = [directory(d) for d in ("bin", "sbin", "dev", "proc", "sys", "tmp", "etc")]
    entries += [char_device("dev/console", 5, 1), file("bin/busybox", busybox, executable=True)]
    entries += [symlink(f"bin/{a}", "busybox") for a in APPLETS]
    entries.append(file("init", init_script.encode(), executable=True))
    return entries + list(extra)


def newc(entries: list[Entry]) -> bytes:
    """The uncompressed cpio archive of `entries`, in their order."""
    out = bytearray()
    for ino, e in enumerate(entries, start=1):
        _append(out, e.path, e.mode, e.data, ino, e.rdev,
                nlink=2 if stat.S_ISDIR(e.mode) else 1)
    _append(out, TRAILER, 0, b"", 0, (0, 0), nlink=1)
    return bytes(out)


def initramfs(entries: list[Entry]) -> bytes:
    """The gzip'd archive, as Linux takes it for an initrd (mtime 0: reproducible)."""
    return gzip.compress(newc(entries), compresslevel=6, mtime=0)


def _append(out: bytearray, name: str, mode: int, data: bytes, ino: int,
            rdev: tuple[int, int], nlink: int) -> None:
    encoded = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0)
    out += (NEWC_MAGIC + "".join(f"{v:08x}" for v in fields)).encode()
    out += encoded
    _pad(out)
    out += data
    _pad(out)


def _pad(out: bytearray) -> None:
    out += b"\0" * (-len(out) % 4)
