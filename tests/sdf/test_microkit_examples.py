"""Microkit's own examples, unchanged: built by their own Makefiles against the SDK
`mkbuild sdk` writes, booted with the QEMU command lines of Microkit's manual on both
boards, and checked line by line against what their code prints. The examples come
from a Microkit snapshot ($MICROKIT_DIR, default /work/microkit), not copied here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mkbuild.microkit import examples

MICROKIT = Path(os.environ.get("MICROKIT_DIR", "/work/microkit"))

pytestmark = [
    pytest.mark.skipif(not (MICROKIT / "example").is_dir(),
                       reason=f"no Microkit snapshot at {MICROKIT} (set MICROKIT_DIR)"),
    pytest.mark.skipif(shutil.which("make") is None or shutil.which("qemu-system-aarch64") is None,
                       reason="needs make and qemu-system-aarch64 (scripts/setup.sh)"),
]


CASES = [(e, b) for e in examples.EXAMPLES for b in e.boards]


@pytest.mark.parametrize("example,board", CASES, ids=[f"{e.name}-{b}" for e, b in CASES])
def test_example_builds_and_prints_what_its_code_prints(example, board, sdk_dir, tmp_path):
    outcome = examples.run(example, MICROKIT, tmp_path, sdk_dir, board)
    assert outcome.built, outcome.log
    assert outcome.missing == [], outcome.console


def test_a_wrong_line_is_noticed():
    hello = examples.EXAMPLES[0]
    assert examples.missing(hello, "hello, world\n") == []
    assert examples.missing(hello, "hello world\n") == ["hello, world"]
    hierarchy = examples.EXAMPLES[3]
    short = "\n".join(hierarchy.lines) + "\n"
    assert examples.missing(hierarchy, short) == ["'crasher, starting' 1 times, not 10",
                                                  "'restarter: restarted' 1 times, not 9"]


def test_release_configuration_builds_and_boots_silently(sdk_dir, tmp_path):
    """Release libmicrokit prints nothing (as Microkit's release builds): the kernel's
    boot lines appear, the PD's line does not, and nothing faults."""
    ok, log, image = examples.build(MICROKIT / "example" / "hello", tmp_path, sdk_dir,
                                    "qemu_virt_aarch64", "release")
    assert ok, log
    result = examples.boot("qemu_virt_aarch64", image, "system halted", timeout=10)
    assert "mk: 18 objects, 1 threads" in result.console
    assert "hello, world" not in result.console
    assert not result.faults and not result.panic
