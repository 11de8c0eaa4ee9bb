"""seL4's CAmkES app `mcs-scheduling`, unchanged: three tasks that never block, with
90 ms / 200 ms, 60 ms / 250 ms and 10 ms / 300 ms at priorities 42, 41, 40. Each
measures the share of the CPU it got (cycle counts, gaps of 500 or more cycles are
preemptions) and prints it. Under `-icount shift=0,sleep=off` (the cycle counter then
counts instructions, 1 ms = 10^6) the shares are their budgets' 45 %, 24 % and 3.3 %:
the app prints whole percent, truncated, so 45, 24 and 3, and the test allows one
point either way. A task held back by a more urgent one still gets its budget in
each period: CAmkES's contexts are constant bandwidth (docs/scheduling.md)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from mkbuild import appdir, pipeline

APP = Path(os.environ.get("CAMKES_APPS", "/work/camkes-apps")) / "apps" / "mcs-scheduling"
ICOUNT = ["-icount", "shift=0,sleep=off"]
SHARE = re.compile(r"^\[(task_\d)\] CPU utilization: (\d+)%", re.MULTILINE)
BUDGETS = {"task_1": 90 / 200, "task_2": 60 / 250, "task_3": 10 / 300}
TOLERANCE = 1  # percentage point, beyond the app's truncation

pytestmark = [
    pytest.mark.skipif(not APP.is_dir(), reason=f"no CAmkES apps at {APP} (set CAMKES_APPS)"),
    pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None,
                       reason="needs qemu-system-aarch64 (scripts/setup.sh)"),
]


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_mcs_scheduling_prints_the_shares_its_budgets_give(board, tmp_path):
    app, diags = appdir.load_app(APP)
    assert app is not None, diags
    compiled = pipeline.compile_app(app, board, build_dir=tmp_path / board)
    assert compiled.ok, compiled.diagnostics
    # no warning about its settings (the C compiler's about the app's own printf formats
    # are the app's)
    assert not [d for d in compiled.diagnostics if d.severity == "warning" and d.span
                and str(d.span.file).endswith(".camkes")]
    result = pipeline.boot(compiled, board, timeout=600, expect=r"\[task_3\] CPU utilization",
                           fail_on_fault=True, extra_args=ICOUNT)
    assert result.run is not None and result.run.status == "expected", result.console
    shares = {task: int(pct) for task, pct in SHARE.findall(result.console)}
    assert shares.keys() == BUDGETS.keys(), result.console
    for task, share in BUDGETS.items():
        assert int(100 * share) - TOLERANCE <= shares[task] <= int(100 * share) + TOLERANCE, \
            (task, shares)
