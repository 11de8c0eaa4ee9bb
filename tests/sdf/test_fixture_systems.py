"""Our own Microkit-style systems (tests/sdf/systems/), programs built as a Microkit
user builds them, booted with `mkbuild run SYSTEM.system` on both boards: channels,
protected calls with message registers past the four in registers, shared memory
(read-only for one end), setvar, notifications (deferred too), the channel checks,
faults to a parent with restart and stop, a fault without a parent, another PD's TCB
through `<cspace>`, a device's interrupt acknowledged plainly and deferred, and a
passive PD on its caller's time and one run by a notification alone (under icount)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mkbuild import platform as platforms
from mkbuild import qemu
from mkbuild.microkit.compile import compile_sdf

sys.path.insert(0, str(Path(__file__).parent))
import programs  # noqa: E402

SYSTEMS = Path(__file__).parent / "systems"
MKBUILD = Path(sys.executable).parent / "mkbuild"
BOARDS = {"qemu_virt_aarch64": "qemu-arm-virt", "zcu102": "zcu102"}

EXPECTED = {
    "pingpong": [
        "server: init, shared buffer of 4096 bytes",
        "client: calling the server on channel 3",
        "server: protected call on channel 7, label 7, 6 words, mr0 41, mr5 1000, "
        "buffer 'hello from the client'",
        "client: reply label 8, 2 words: 42 2000",
        "server: notified on channel 7, answering with a deferred notify",
        "client microkit_notify: invalid channel given '5'",
        "client: notified on channel 3",
    ],
    "faults": [
        "monitor: watching child 4",
        "worker: writing to a read-only page",
        "monitor: fault 1 from child 4, label 1",
        "monitor: restarted the worker",
        "worker: writing to a read-only page",
        "monitor: fault 2 from child 4, label 1",
        "monitor: stopped the worker",
        "orphan: executing an undefined instruction",
        "FAULT HANDLER: thread orphan.control stopped",
    ],
    "capshare": [
        "secondary: init",
        "primary: suspending the secondary",
        "primary: notified the suspended secondary, resuming it",
        "secondary: notified on channel 0",
        "primary: done",
    ],
    "irq": [
        "driver: device armed, interrupt on channel 5",
        "driver: interrupt 1 on channel 5",
        "driver: interrupt 2 on channel 5",
    ],
}


def _sdf(name: str, board: str) -> Path:
    per_board = SYSTEMS / name / f"{name}-{board}.system"
    return per_board if per_board.exists() else SYSTEMS / name / f"{name}.system"


def _run(name: str, board: str, sdk: Path, work: Path, *extra: str
         ) -> subprocess.CompletedProcess:
    programs.build(SYSTEMS / name, sdk, board, work / "programs")
    return subprocess.run([str(MKBUILD), "run", str(_sdf(name, board)), "--platform",
                           BOARDS[board], "--search-path", str(work / "programs"),
                           "--build-dir", str(work / "out"), "--timeout", "30", *extra],
                          capture_output=True, text=True)


def _lines(console: str) -> list[str]:
    return [ln.rstrip("\r") for ln in console.splitlines()]


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_pingpong_channels_ppc_shared_memory_setvar(board, sdk_dir, tmp_path):
    proc = _run("pingpong", board, sdk_dir, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = _lines(proc.stdout)
    assert [ln for ln in lines if ln in EXPECTED["pingpong"]] == EXPECTED["pingpong"]
    assert proc.stderr.strip().endswith(
        "mkbuild run: every protection domain waits for an event and none can come: idle")


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_faults_go_to_the_parent_or_the_console(board, sdk_dir, tmp_path):
    proc = _run("faults", board, sdk_dir, tmp_path)
    lines = _lines(proc.stdout)
    wanted = [ln for ln in lines if ln in EXPECTED["faults"]]
    assert wanted == EXPECTED["faults"], proc.stdout
    assert "worker: not reached" not in lines
    assert any(ln.startswith("FAULT HANDLER: undefined instruction from orphan.control")
               for ln in lines)
    # A PD without a parent faulted: the run says so and fails.
    assert proc.returncode == 1
    assert "idle after 1 fault report(s) of a protection domain without a parent" in proc.stderr


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_cspace_caps_let_a_pd_stop_and_resume_another(board, sdk_dir, tmp_path):
    proc = _run("capshare", board, sdk_dir, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = [ln for ln in _lines(proc.stdout) if ln.startswith(("primary", "secondary"))]
    assert said == EXPECTED["capshare"]  # notified once, after the resume, no error line


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_irq_delivered_on_its_channel_and_acknowledged(board, sdk_dir, tmp_path):
    proc = _run("irq", board, sdk_dir, tmp_path, "--expect", "interrupt 2 on channel 5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [ln for ln in _lines(proc.stdout) if ln.startswith("driver:")] == EXPECTED["irq"]


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_regions_of_2mib_pages_are_mapped_by_2mib_frames(board, sdk_dir, tmp_path):
    proc = _run("bigpages", board, sdk_dir, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = [ln for ln in _lines(proc.stdout) if ln.startswith(("writer", "reader"))]
    assert said == ["writer: big at a 2 MiB boundary: yes",
                    "reader: big0=11 big0end=12 big1=21 big1end=22 auto=31 autoend=32 "
                    "small=41 smallend=42"]
    report = (tmp_path / "out" / "report.txt").read_text()
    frames = [ln.split(", ", 1)[1] for ln in report.splitlines()
              if ln.startswith("memory region ")]
    assert frames == ["1 frame of 2 MiB", "2 frames of 2 MiB", "2 frames of 4 KiB"], report


ICOUNT = ["-icount", "shift=0,sleep=off"]  # 1 ms = 10^6 instructions: exact times
ANSWER = re.compile(r"client: answer 42 after (\d+) ms, low counted (\d+)\n")


def _boot_timed(sdf: Path, board: str, sdk: Path, work: Path) -> tuple[int, int]:
    programs.build(SYSTEMS / "passive", sdk, board, work / "programs")
    compiled = compile_sdf(sdf, BOARDS[board], work / "out", [work / "programs"])
    assert compiled.ok, compiled.diagnostics
    assert [d for d in compiled.diagnostics if d.severity != "note"] == []
    platform, _ = platforms.load(BOARDS[board])
    run = qemu.run(platform, compiled.image, timeout=30, expect=ANSWER, extra_args=ICOUNT)
    found = ANSWER.search(run.console)
    assert found and not run.faults and not run.panic, run.console
    return int(found[1]), int(found[2])


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_a_passive_pd_runs_on_its_callers_time(board, sdk_dir, tmp_path):
    """After init the passive server has no time of its own: 5 ms of its work for a
    client with 2 ms of every 10 ms take three of the client's periods, and the low PD
    counts in between; the same server active answers in 5 ms and the low PD waits."""
    sdf = SYSTEMS / "passive" / "passive.system"
    took, low = _boot_timed(sdf, board, sdk_dir, tmp_path / "passive")
    assert 20 <= took <= 22 and low > 1_000_000, (took, low)
    active = tmp_path / "active.system"
    active.write_text(sdf.read_text().replace('passive="true"', 'passive="false"'))
    assert _boot_timed(active, board, sdk_dir, tmp_path / "active") == (5, 0)


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_a_notification_alone_runs_a_passive_pd_on_its_context(board, sdk_dir, tmp_path):
    """After init the passive worker's context is its notification's: each notification
    runs it on that context, 2 ms of every 10 ms, so 5 ms of work take more than two
    periods and the low PD counts in between; its next wait gives the context back."""
    proc = _run("notified", board, sdk_dir, tmp_path, "--icount", "--expect",
                "sender: job 3 done*")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = [ln for ln in _lines(proc.stdout) if ln.startswith(("worker", "sender"))]
    took = [int(m[1]) for ln in said if (m := re.search(r"took (\d+) ms", ln))]
    assert [re.sub(r"took \d+ ms", "took N ms", ln) for ln in said] == [
        "worker: init",
        "sender: notifying the worker",
        *[line for job in (1, 2, 3) for line in (
            "worker: notified on channel 1, 5 ms of work took N ms",
            f"sender: job {job} done, low counted meanwhile")],
    ], proc.stdout
    assert len(took) == 3 and all(20 <= t <= 31 for t in took), took


def test_check_query_graph_read_an_sdf(tmp_path):
    sdf = SYSTEMS / "pingpong" / "pingpong.system"
    check = subprocess.run([str(MKBUILD), "check", str(sdf)], capture_output=True, text=True)
    assert (check.returncode, check.stderr) == (0, "")
    flow = subprocess.run([str(MKBUILD), "query", str(sdf), "flow server client"],
                          capture_output=True, text=True)
    assert flow.returncode == 0
    assert flow.stdout.splitlines() == [
        "yes",
        "  1. server -> client: replies to `client` over endpoint `client_ppcall_3.ep` "
        f"(connection `client_ppcall_3`, {sdf}:15:9)"]
    write = subprocess.run([str(MKBUILD), "query", str(sdf), "can-write server client.map_buf"],
                           capture_output=True, text=True)
    assert write.stdout.splitlines()[0] == "no", write.stdout + write.stderr
    dot = tmp_path / "pingpong.dot"
    graph = subprocess.run([str(MKBUILD), "graph", str(sdf), "-o", str(dot)],
                           capture_output=True, text=True)
    assert graph.returncode == 0, graph.stderr
    text = dot.read_text()
    assert "client" in text and "server" in text


def test_check_reports_every_error_of_a_bad_sdf():
    bad = Path(__file__).parent / "bad" / "several.system"
    proc = subprocess.run([str(MKBUILD), "check", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert [ln.split(": error: ")[0] for ln in proc.stderr.splitlines() if ": error: " in ln] == [
        f"{bad}:6:9", f"{bad}:8:52", f"{bad}:13:9", f"{bad}:14:9"]


def test_policies_of_the_side_file_are_proved_or_refuted(tmp_path):
    # pingpong.policy holds (check above exits 0); a refuted one fails with the path.
    for f in (SYSTEMS / "pingpong").iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "pingpong.policy").write_text("policy {\n    no flow from server to client;\n}\n")
    proc = subprocess.run([str(MKBUILD), "check", str(tmp_path / "pingpong.system")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"{tmp_path}/pingpong.policy:2:5: error: policy `no flow from server to client` "
        "does not hold: counterexample in 1 step",
        "    2 |     no flow from server to client;",
        "      |     ^~",
        f"{tmp_path}/pingpong.system:15:9: note: server -> client: replies to `client` over "
        "endpoint `client_ppcall_3.ep` (connection `client_ppcall_3`)"]
    (tmp_path / "pingpong.policy").write_text("assembly { composition { } }\n")
    proc = subprocess.run([str(MKBUILD), "check", str(tmp_path / "pingpong.system")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "error: a policy file holds only `policy { ... }` blocks" in proc.stderr


def test_mkbuild_test_matches_expectations_given_on_the_command_line(sdk_dir, tmp_path):
    programs.build(SYSTEMS / "pingpong", sdk_dir, "qemu_virt_aarch64", tmp_path / "programs")
    sdf = SYSTEMS / "pingpong" / "pingpong.system"

    def test(*expect: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(MKBUILD), "test", str(sdf), "--search-path",
                               str(tmp_path / "programs"), "--build-dir", str(tmp_path / "out"),
                               *[a for e in expect for a in ("--expect", e)]],
                              capture_output=True, text=True)

    passed = test("client: reply label 8*", "client: notified on channel 3")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.splitlines()[-1] == (
        f"mkbuild test: PASS {sdf} on qemu-arm-virt: all 2 expected outputs seen")
    failed = test("client: notified on channel 4")
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[0] == (
        f"mkbuild test: FAIL {sdf} on qemu-arm-virt: expected output not seen: "
        "`client: notified on channel 4` (pattern 1 of 1)")
    nothing = test()
    assert nothing.returncode == 1 and "give --expect PATTERN" in nothing.stderr


FIXED = {"qemu_virt_aarch64": 0x5000_0000, "zcu102": 0x1000_0000}  # inside each board's RAM


def _with_fixed_region(work: Path, paddr: int) -> Path:
    text = (SYSTEMS / "bigpages" / "bigpages.system").read_text()
    text = text.replace('<memory_region name="small"',
                        f'<memory_region name="fixed" size="0x200000" phys_addr="{paddr:#x}" />\n'
                        '    <memory_region name="small"', 1)
    text = text.replace('perms="rw" setvar_vaddr="small" />',
                        'perms="rw" setvar_vaddr="small" />\n'
                        '        <map mr="fixed" vaddr="0x50000000" perms="rw" />', 1)
    work.mkdir(parents=True, exist_ok=True)
    sdf = work / "fixed.system"
    sdf.write_text(text)
    return sdf


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_a_region_at_a_fixed_ram_address_is_placed_there(board, sdk_dir, tmp_path):
    programs.build(SYSTEMS / "bigpages", sdk_dir, board, tmp_path / "programs")
    sdf = _with_fixed_region(tmp_path, FIXED[board])
    proc = subprocess.run([str(MKBUILD), "run", str(sdf), "--platform", BOARDS[board],
                           "--search-path", str(tmp_path / "programs"), "--build-dir",
                           str(tmp_path / "out"), "--timeout", "30"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "reader: big0=11" in proc.stdout
    report = (tmp_path / "out" / "report.txt").read_text()
    assert f"memory region fixed: paddr {FIXED[board]:#x}, 1 frame of 2 MiB" in report


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_a_fixed_region_over_the_kernel_is_refused_at_its_line(board, sdk_dir, tmp_path):
    programs.build(SYSTEMS / "bigpages", sdk_dir, board, tmp_path / "programs")
    platform, _ = platforms.load(BOARDS[board])
    at = platform.kernel_load_address & ~0x1FFFFF
    sdf = _with_fixed_region(tmp_path, at)
    proc = subprocess.run([str(MKBUILD), "compile", str(sdf), "--platform", BOARDS[board],
                           "--search-path", str(tmp_path / "programs"), "--build-dir",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 1
    base, size = platform.kernel_region
    assert proc.stderr.splitlines()[0] == (
        f"{sdf}:9:5: error: memory region `fixed` at [{at:#x}..{at + 0x200000:#x}) overlaps "
        f"the kernel of `{BOARDS[board]}` at [{base:#x}..{base + size:#x})"), proc.stderr


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_pds_on_other_cores_call_and_notify_across_them(board, sdk_dir, tmp_path):
    """pingpong with the client on core 1 and the server on core 3: the same lines."""
    text = (SYSTEMS / "pingpong" / "pingpong.system").read_text()
    text = text.replace('name="client" priority="1"', 'name="client" priority="1" cpu="1"')
    text = text.replace('name="server" priority="2"', 'name="server" priority="2" cpu="3"')
    work = tmp_path / "sys"
    work.mkdir()
    (work / "pingpong.system").write_text(text)
    programs.build(SYSTEMS / "pingpong", sdk_dir, board, tmp_path / "programs")
    proc = subprocess.run([str(MKBUILD), "run", str(work / "pingpong.system"), "--platform",
                           BOARDS[board], "--search-path", str(tmp_path / "programs"),
                           "--build-dir", str(tmp_path / "out"), "--timeout", "30"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The PDs print at once on two cores (characters of other lines interleave), but
    # while one waits for the other's answer the other's line comes out whole, in order.
    lines = _lines(proc.stdout)
    whole = [EXPECTED["pingpong"][2], EXPECTED["pingpong"][3]]
    assert [ln for ln in lines if ln in whole] == whole, proc.stdout
    from mkbuild.microkit import plan
    from sdf import load_sdf
    system, _ = load_sdf(work / "pingpong.system")
    built, _ = plan.build(system, platforms.load(BOARDS[board])[0], [tmp_path / "programs"])
    names = [o.name for o in built.spec.objects]
    assert {names[c.object]: c.core for c in built.spec.sched_contexts} == {
        "client.control.sc": 1, "server.control.sc": 3}
