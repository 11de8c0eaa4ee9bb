"""Where a system's build goes by default: build/<system>/<platform>, and never a
directory another system already builds in.

<system> is the system's name (images/hello/system.adl -> "hello"). A build directory
belongs to the system its build stamp (inputs.json, written after each successful
build) names; a different system of the same name (a/mysys.camkes beside
b/mysys.camkes) gets build/<name>-<8 hex digits of its path's hash> instead.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_ROOT = Path("build")


def system_name(path: Path) -> str:
    """images/hello/system.adl -> "hello"; apps/foo.camkes -> "foo"."""
    return path.parent.name if path.stem in ("system", "main") else path.stem


def owner_of(system_dir: Path) -> str | None:
    """The resolved path of the system built in `system_dir` (any board), if any."""
    from mkbuild.build import STAMP

    for stamp in sorted(system_dir.glob(f"*/{STAMP}")):
        try:
            return json.loads(stamp.read_text())["key"]["file"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def system_dir(path: Path, build_root: Path | None = None) -> Path:
    """build/<name> of the system in `path`: its own, never another system's."""
    root = build_root or DEFAULT_ROOT
    me = str(Path(path).resolve())
    name = system_name(Path(path))
    owner = owner_of(root / name)
    if owner is not None and owner != me:
        return root / f"{name}-{hashlib.sha256(me.encode()).hexdigest()[:8]}"
    return root / name


def for_system(path: Path, platform: str, build_root: Path | None = None) -> Path:
    """build/<system>/<platform>: the default build directory of the system in `path`."""
    return system_dir(path, build_root) / platform


def dirs_of(path: Path, build_root: Path | None = None) -> list[Path]:
    """Every build/<name>* directory the system in `path` has claimed."""
    root = build_root or DEFAULT_ROOT
    me = str(Path(path).resolve())
    name = system_name(Path(path))
    return sorted(d for d in root.glob(f"{name}*") if d.is_dir() and owner_of(d) == me)


def is_build_tree(root: Path) -> bool:
    """`root` holds mkbuild's builds only (so `mkbuild clean` may remove all of it)."""
    return root.is_dir() and all(d.name.startswith("_") or owner_of(d) is not None
                                 or not any(d.iterdir()) for d in root.iterdir() if d.is_dir())


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Exclusive use of a build directory several mkbuild processes share (the kernel
    and runtime of a build tree, `_shared/<platform>`: `mkbuild test -j`), while ninja
    runs in it; released however the holder ends."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
