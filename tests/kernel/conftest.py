"""Kernel tests: the kernel is compiled once per board per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from mkbuild import platform as platforms  # noqa: E402
from mkbuild import toolchain  # noqa: E402

BOARDS = ["qemu-arm-virt", "zcu102"]


@pytest.fixture(scope="session")
def kernels(tmp_path_factory) -> dict:
    """board name -> (Platform, kernel.elf)"""
    built = {}
    for name in BOARDS:
        plat, diags = platforms.load(name)
        assert plat is not None, diags
        elf, log = toolchain.build_kernel(toolchain.AARCH64, plat.kernel_defines(),
                                          tmp_path_factory.mktemp(f"kernel-{name}"))
        assert elf is not None, log
        built[name] = (plat, elf)
    return built


@pytest.fixture
def make_system(kernels, tmp_path):
    """make_system(board) -> a SystemBuilder writing into this test's tmp_path."""
    from sysbuild import SystemBuilder

    def make(board: str = "qemu-arm-virt") -> SystemBuilder:
        plat, elf = kernels[board]
        work = tmp_path / board
        work.mkdir(exist_ok=True)
        return SystemBuilder(plat, elf, work)

    return make
