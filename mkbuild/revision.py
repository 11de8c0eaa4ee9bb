"""A system as it was at a git revision: `REV:PATH` (git's own spelling, PATH relative
to the current directory, e.g. `HEAD~1:images/rpc/system.adl`).

The revision's whole tree is unpacked into a scratch directory, so the imports and
#includes the system reaches (anywhere in the repository) are read as they were then.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path


class RevisionError(Exception):
    """The revision or the path in it cannot be read (the message says why)."""


@dataclass(frozen=True)
class RevisionPath:
    rev: str
    path: str  # as the user wrote it, relative to the current directory


def parse(arg: str) -> RevisionPath | None:
    """`REV:PATH` when `arg` is not an existing file and reads so; else None."""
    if os.path.exists(arg) or ":" not in arg:
        return None
    rev, _, path = arg.partition(":")
    if not rev or not path:
        return None
    return RevisionPath(rev, path)


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise RevisionError("git is not installed") from exc
    if done.returncode != 0:
        raise RevisionError(done.stderr.decode(errors="replace").strip().splitlines()[-1]
                            if done.stderr.strip() else f"git {' '.join(args)} failed")
    return done.stdout


def unpack(rp: RevisionPath, scratch: Path) -> Path:
    """Unpack the repository (the one the current directory is in) at `rp.rev` into
    `scratch`; the path of the system file (or app directory) there."""
    cwd = Path.cwd()
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    target = (cwd / rp.path).resolve()
    try:
        relative = target.relative_to(top.resolve())
    except ValueError as exc:
        raise RevisionError(f"`{rp.path}` is outside the git repository at {top}") from exc
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{rp.rev}^{{commit}}"], top).decode()
    except RevisionError as exc:
        raise RevisionError(f"unknown git revision `{rp.rev}`") from exc
    archive = _git(["archive", "--format=tar", commit.strip()], top)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(scratch, filter="data")
    unpacked = scratch / relative
    if not unpacked.exists():
        raise RevisionError(f"`{relative}` does not exist at revision {rp.rev}")
    return unpacked
