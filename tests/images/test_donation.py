"""A passive server runs on its caller's time (docs/scheduling.md): the start-up hand-off
makes it passive after init, and its 5 ms of work for a client with 2 ms of every 10 ms
take three of the client's periods; with a context of its own, 5 ms. Under
`-icount shift=0,sleep=off`, so time is instructions and the figures are exact."""

import shutil
from pathlib import Path

import pytest

from mkbuild import pipeline

SYSTEM = Path(__file__).parent / "fixtures" / "donation" / "system.adl"
BOARDS = ["qemu-arm-virt", "zcu102"]
ICOUNT = ["-icount", "shift=0,sleep=off"]

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def boot(tmp_path, board: str, defines: dict) -> list[str]:
    compiled = pipeline.compile(SYSTEM, board, build_dir=tmp_path / board, defines=defines)
    assert compiled.ok, compiled.diagnostics
    result = pipeline.boot(compiled, board, timeout=30, expect=r"client: answer .*\n",
                           fail_on_fault=True, extra_args=ICOUNT)
    assert result.run is not None and result.run.status in ("expected", "exited"), result.console
    return [line for line in result.console.splitlines() if line.startswith(("client", "server"))]


@pytest.mark.parametrize("board", BOARDS)
def test_a_passive_server_works_on_its_callers_budget(tmp_path, board):
    # 2 + (8) + 2 + (8) + 1 ms, counted from the client's first refill: its contexts are
    # constant bandwidth (layout), so each 2 ms come back a period after their release
    assert boot(tmp_path, board, {}) == ["server: init ran", "client: answer 42 after 20 ms"]


@pytest.mark.parametrize("board", BOARDS)
def test_a_client_calling_before_the_hand_off_waits_for_it_and_lends_its_time(tmp_path, board):
    # the server's thread is passive before it first waits for clients: the early call
    # waits for it and runs on the client's time (on main before, it ran on the server's
    # own context, and the server stayed active: 5 ms)
    assert boot(tmp_path, board, {"SAME_PRIORITY": "1"}) == [
        "server: init ran", "client: answer 42 after 20 ms"]


@pytest.mark.parametrize("board", BOARDS)
def test_an_active_server_works_on_its_own_time(tmp_path, board):
    assert boot(tmp_path, board, {"ACTIVE": "1"}) == ["server: init ran",
                                                      "client: answer 42 after 5 ms"]
