"""bench/conformance.py: the page it writes for a suite of apps (check-only mode)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APPS = REPO / "tests" / "fixtures" / "apps"


def conformance():
    spec = importlib.util.spec_from_file_location("conformance", REPO / "bench" / "conformance.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_check_only_page(tmp_path):
    suite = tmp_path / "camkes" / "apps"
    shutil.copytree(APPS / "subdirs", suite / "subdirs")
    (suite / "broken").mkdir(parents=True)
    (suite / "broken" / "CMakeLists.txt").write_text("DeclareCAmkESComponent(A)\n")
    out = tmp_path / "conformance.md"
    code = conformance().main(
        [str(tmp_path / "camkes"), "--apps", "subdirs,broken", "--check-only", "--out", str(out)]
    )
    assert code == 0
    page = out.read_text()
    assert "Mode: **check only (mkbuild test cannot boot yet)**. Stages run: app, check." in page
    assert "| qemu-arm-virt | 1 | 1 | 2 |" in page
    # Per-app rows: result, stage, seconds taken (no rerun without a boot), reason.
    assert re.search(r"\| subdirs \| qemu-arm-virt \| pass \| check \| \d+\.\d \|  \|  \|", page)
    assert re.search(
        r"\| broken \| qemu-arm-virt \| FAIL \| app \| \d+\.\d \|  \| "
        + re.escape("CMakeLists.txt:1:1: no DeclareCAmkESRootserver(...) "
                    "in CMakeLists.txt: which ADL file is the system? |"), page)
    assert (
        "| no DeclareCAmkESRootserver(...) in CMakeLists.txt: which ADL file is the system? "
        "| 1 | broken [qemu-arm-virt] |"
    ) in page
    assert f"bench/conformance.py {tmp_path / 'camkes'} --platform qemu-arm-virt --apps subdirs,broken" in page


def test_causes_group_alike_failures():
    cause = conformance()._cause
    assert cause("/b/x/glue.c:24:17: error: unused variable") == "error: unused variable"
    assert cause(
        "mkbuild test: FAIL adder on zcu102: expected output not seen: `a` (pattern 1 of 1); "
        "system halted"
    ) == cause(
        "mkbuild test: FAIL simple on qemu-arm-virt: expected output not seen: `b` (pattern 1 of 2); "
        "system halted"
    ) == "expected output not seen; system halted"


def test_failure_reason_prefers_verdict_then_compiler_errors():
    reason = conformance().failure_reason
    app = Path("/suite/apps/x")
    assert reason("noise\nmkbuild test: FAIL /suite/apps/x on b: expected output not seen: `y`", app) == (
        "mkbuild test: FAIL x on b: expected output not seen: `y`"
    )
    assert reason(
        "mkbuild test: FAIL /suite/apps/x on b: expected output not seen: `y` (pattern 1 of 1)\n"
        "mkbuild test: timed out after 20 s\n--- last 2 lines of the console ---\n", app
    ) == (
        "mkbuild test: FAIL x on b: expected output not seen: `y` (pattern 1 of 1); "
        "timed out after 20 s"
    )
    assert reason(
        "mkbuild: error: the build failed; the previous image (if any) is unchanged:\n"
        "/suite/apps/x/a.c:3:1: error: bad thing\n", app
    ) == "a.c:3:1: error: bad thing"
    assert reason("x.c:63: undefined reference to `_exit'\ncollect2: error: ld returned 1", app) == (
        "link: undefined reference to `_exit'"
    )


def test_times_table_gives_median_and_max_per_board():
    module = conformance()
    results = [module.Result("a", "b1", True, "test", "", 4.0, 0.5),
               module.Result("b", "b1", True, "test", "", 2.0, 0.3),
               module.Result("c", "b1", True, "test", "", 9.0, 0.4),
               module.Result("d", "b1", False, "test", "boom", 1.0, None)]
    page = module.render(results, "cmd", ["app", "check", "test"], ["b1"])
    assert "| board | cold median | cold max | no-change median | no-change max |" in page
    assert "| b1 | 4.0 | 9.0 | 0.4 | 0.5 |" in page  # the failed app does not count


def test_a_subset_without_out_writes_no_page(tmp_path, capsys):
    suite = tmp_path / "camkes" / "apps"
    shutil.copytree(APPS / "subdirs", suite / "subdirs")
    page = REPO / "docs" / "conformance.md"
    before = page.read_text()
    code = conformance().main([str(tmp_path / "camkes"), "--apps", "subdirs", "--check-only"])
    assert code == 0
    assert page.read_text() == before
    assert capsys.readouterr().out.splitlines()[-1] == (
        "1/1 passed (app, check); no page written (--apps without --out)")
