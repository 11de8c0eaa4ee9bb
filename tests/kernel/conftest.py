"""Kernel tests: the kernel is compiled once per board per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from mkbuild import build  # noqa: E402
from mkbuild import platform as platforms  # noqa: E402

BOARDS = ["qemu-arm-virt", "zcu102"]


@pytest.fixture(scope="session")
def kernels(tmp_path_factory) -> dict:
    """board name -> (Platform, kernel.elf); the EL2 variant is in el2_kernels."""
    return {name: (plat, elfs[0]) for name, (plat, elfs) in _both_kernels(tmp_path_factory).items()}


@pytest.fixture(scope="session")
def el2_kernels(tmp_path_factory) -> dict:
    """board name -> the kernel built for EL2 (an image enters it at EL2 or EL3)"""
    return {name: elfs[1] for name, (_, elfs) in _both_kernels(tmp_path_factory).items()}


_built: dict = {}


def _both_kernels(tmp_path_factory) -> dict:
    if not _built:
        for name in BOARDS:
            plat, diags = platforms.load(name)
            assert plat is not None, diags
            built, log = build.build_kernels(plat, tmp_path_factory.mktemp(f"kernel-{name}"))
            assert built is not None, log
            _built[name] = (plat, [built.kernel, built.kernel_el2])
    return _built


@pytest.fixture
def make_system(kernels, el2_kernels, tmp_path):
    """make_system(board) -> a SystemBuilder writing into this test's tmp_path."""
    from sysbuild import SystemBuilder

    def make(board: str = "qemu-arm-virt") -> SystemBuilder:
        plat, elf = kernels[board]
        work = tmp_path / board
        work.mkdir(exist_ok=True)
        return SystemBuilder(plat, elf, work, el2_kernels[board])

    return make
