"""`mkbuild guest fetch | initramfs`: the binaries a Linux guest is made of.

fetch      downloads Debian's arm64 kernel (linux-image-cloud-arm64) and busybox-static
           into the cache (~/.cache/mkbuild/guest; MKBUILD_CACHE moves it) at first use,
           and prints where they are; a second run asks no one (--refresh does).
initramfs  writes a gzip'd cpio initramfs: busybox with its applets, /dev/console, and
           /init (--init FILE, else one that mounts /proc and /sys and starts a shell).

Exit status 1 when the archive cannot be reached or the files are not what they should
be (the message says which), 3 when the output cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_INIT = """#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "init: $(uname -sr), up $(cut -d' ' -f1 /proc/uptime) s"
exec sh
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("guest", help="fetch a Linux guest's binaries, make an initramfs",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    f = actions.add_parser("fetch", help="download the kernel and busybox into the cache")
    f.add_argument("--refresh", action="store_true",
                   help="ask the archive for the newest versions even if cached")
    f.set_defaults(func=_fetch)
    i = actions.add_parser("initramfs", help="write a busybox initramfs")
    i.add_argument("-o", "--output", required=True, metavar="FILE", help="the .cpio.gz to write")
    i.add_argument("--init", metavar="FILE", help="the /init script (default: a shell)")
    i.set_defaults(func=_initramfs)


def _binaries(refresh: bool = False):
    from mkbuild import guest_fetch
    try:
        return guest_fetch.fetch(refresh=refresh, log=lambda m: print(m, file=sys.stderr))
    except guest_fetch.GuestFetchError as e:
        print(f"mkbuild guest: error: {e}", file=sys.stderr)
        return None


def _fetch(args: argparse.Namespace) -> int:
    found = _binaries(args.refresh)
    if found is None:
        return 1
    for what, a in (("kernel", found.kernel), ("busybox", found.busybox)):
        print(f"{what}: {a.path} ({a.package} {a.version}, .deb sha256 {a.deb_sha256})")
    return 0


def _initramfs(args: argparse.Namespace) -> int:
    from mkbuild import guest_initramfs
    from mkbuild.atomic import write_atomically
    try:
        init = Path(args.init).read_text() if args.init else DEFAULT_INIT
    except (OSError, UnicodeDecodeError) as e:
        print(f"mkbuild guest: error: cannot read {args.init}: {e}", file=sys.stderr)
        return 1
    found = _binaries()
    if found is None:
        return 1
    data = guest_initramfs.initramfs(
        guest_initramfs.busybox_tree(found.busybox_binary.read_bytes(), init))
    try:
        write_atomically(Path(args.output), data)
    except OSError as e:
        print(f"mkbuild guest: error: cannot write {args.output}: {e}", file=sys.stderr)
        return 3
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0
