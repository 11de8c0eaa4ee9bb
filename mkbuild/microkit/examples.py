"""Microkit's own example systems, built by their own Makefiles against mkbuild's SDK
and booted with the QEMU command lines of Microkit's manual: what each must print,
and the steps (used by tests/sdf/test_microkit_examples.py and bench/microkit_examples.py).

Microkit's Makefiles name `aarch64-none-elf-gcc`; Debian's cross compiler is passed on
make's command line (MAKE_TOOLS).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mkbuild import platform as platforms
from mkbuild import qemu
from mkbuild.microkit.image import BOARDS

MAKE_TOOLS = ["CC=aarch64-linux-gnu-gcc", "LD=aarch64-linux-gnu-ld", "AS=aarch64-linux-gnu-as"]

# Microkit's manual, "Supported Platforms": how QEMU loads loader.img on each board.
MANUAL_QEMU = {
    "qemu_virt_aarch64": ["-machine", "virt,virtualization=on", "-cpu", "cortex-a53",
                          "-serial", "mon:stdio", "-device",
                          "loader,file={image},addr=0x70000000,cpu-num=0", "-m", "size=2G",
                          "-nographic", "-nic", "none"],
    "zcu102": ["-machine", "xlnx-zcu102,virtualization=on", "-serial", "mon:stdio", "-device",
               "loader,file={image},addr=0x40000000,cpu-num=0", "-m", "size=4G",
               "-nographic"],
}
# (-nic none: Debian's lean QEMU install has no network boot ROM for virt's default NIC.)


@dataclass(frozen=True)
class Example:
    name: str
    lines: tuple[str, ...]  # console lines it must print, in this order
    boards: tuple[str, ...] = tuple(sorted(BOARDS))
    # (line, times): lines printed exactly this often
    counts: tuple[tuple[str, int], ...] = ()
    note: str = ""


EXAMPLES = [
    Example("hello", ("hello, world",)),
    Example("setvar", ("Virtual address of 'mr_with_paddr': 536870912",
                       "Physical address of 'mr_with_paddr': 2147483648",
                       "Physical address of 'pl011_paddr': 150994944"),
            boards=("qemu_virt_aarch64",),
            note="its README: only QEMU virt (AArch64); the region addresses without "
                 "phys_addr are wherever mkbuild places them"),
    Example("mr_prefill", ("hello, world. my name is mr_prefill",
                           "prefilled data OK!")),
    Example("hierarchy", ("restarter: starting", "crasher, starting",
                          "restarter: received fault message for child pd: 1",
                          "restarter: restarted",
                          "restarter: too many restarts - PD stopped", "hello, world"),
            counts=(("crasher, starting", 10), ("restarter: restarted", 9))),
    # The server (100) outranks the client (99): its init runs first, then it gives its
    # context up; the client's call lends it the client's (tests/sdf/systems/passive
    # shows by timing that it is the client's time).
    Example("passive_server", ("SERVER|INFO: init function running",
                               "CLIENT|INFO: init function running",
                               "SERVER|INFO: running on clients scheduling context"),
            counts=(("SERVER|ERROR: received an unexpected message", 0),)),
    Example("cap_sharing", ("|secondary| hello, world", "|primary  | hello, world",
                            "|primary  | notifying secondary", "|secondary| notified",
                            "|primary  | suspending secondary",
                            "|primary  | notifying secondary (it should not print)",
                            "|primary  | resuming secondary (it should then print)",
                            "|secondary| notified", "|primary  | halting (success)..."),
            counts=(("|secondary| notified", 2), ("|primary  | error suspending TCB", 0),
                    ("|primary  | error: should not reach this point! we should have "
                     "suspended ourself!", 0))),
]


@dataclass
class Outcome:
    built: bool
    log: str
    console: str = ""
    missing: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.built and not self.missing


def build(example_dir: Path, work: Path, sdk: Path, board: str, config: str = "debug"
          ) -> tuple[bool, str, Path]:
    """Copy the example to `work` (the source stays untouched) and run its Makefile."""
    src = work / example_dir.name
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(example_dir, src)
    (src / "build").mkdir()
    proc = subprocess.run(["make", "BUILD_DIR=build", f"MICROKIT_SDK={sdk}",
                           f"MICROKIT_BOARD={board}", f"MICROKIT_CONFIG={config}", *MAKE_TOOLS],
                          cwd=src, capture_output=True, text=True)
    return proc.returncode == 0, proc.stdout + proc.stderr, src / "build" / "loader.img"


def boot(board: str, loader_img: Path, until: str, timeout: float = 20.0) -> qemu.RunResult:
    """Boot with the manual's command line until the console shows `until`."""
    platform, _ = platforms.load(BOARDS[board])
    manual = dataclasses.replace(platform, qemu_args=tuple(MANUAL_QEMU[board]))
    return qemu.run(manual, loader_img, timeout=timeout,
                    expect=re.compile(re.escape(until) + r"\s*$", re.MULTILINE))


def missing(example: Example, console: str) -> list[str]:
    """The expected lines not printed (in order), or printed a wrong number of times."""
    lines = [ln.rstrip("\r") for ln in console.splitlines()]
    out, at = [], 0
    for want in example.lines:
        try:
            at = lines.index(want, at) + 1
        except ValueError:
            out.append(want)
    out += [f"{line!r} {lines.count(line)} times, not {n}" for line, n in example.counts
            if lines.count(line) != n]
    out += [ln for ln in lines if qemu.PANIC.search(ln)]
    return out


def run(example: Example, microkit: Path, work: Path, sdk: Path, board: str,
        config: str = "debug") -> Outcome:
    built, log, image = build(microkit / "example" / example.name, work, sdk, board, config)
    if not built:
        return Outcome(False, log)
    result = boot(board, image, example.lines[-1])
    return Outcome(True, log, result.console, missing(example, result.console), result.elapsed)
