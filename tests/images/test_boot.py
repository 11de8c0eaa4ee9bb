"""Every example system in images/ compiled and booted in QEMU on both boards, with
its console checked line by line; plus how `run` ends (fault, timeout, expect)."""

import re
import shutil
from pathlib import Path

import pytest
from cli_runner import assert_in_order

from mkbuild import pipeline

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "images"
BOARDS = ["qemu-arm-virt", "zcu102"]

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")

# Lines each system must print, in this order (other lines may come between).
EXPECTED = {
    "hello": ["hello: Hello from mkbuild!"],
    "rpc": ["add(2, 3) = 5", "divmod(17, 5) = 3 rem 2", "twice(21) = 42",
            "greet: hello, client", "upper: SHOUT", "total = 110"],
    "multiclient": ["server: client with badge 1 now at 3", "alpha: my counter is 3",
                    "server: client with badge 2 now at 30", "beta: my counter is 30",
                    "server: client with badge 3 now at 300", "gamma: my counter is 300"],
    "events": ["ping 1", "pong 1", "ping 2", "pong 2", "ping 3", "pong 3",
               "ping: done after 3 rounds"],
    "dataport": ['consumer: got "record 0 from producer"',
                 'consumer: got "record 1 from producer"',
                 'consumer: got "record 2 from producer"', "consumer: end of stream"],
    "hardware": {  # the board's own device: PL031 RTC on virt, Cadence TTC0 on zcu102
        "qemu-arm-virt": ["rtc: peripheral id 0x31", "rtc: alarm armed, waiting for interrupt 34",
                          "rtc: alarm interrupt received (raw status 1)"],
        "zcu102": ["ttc: counter running in interval mode, waiting for interrupt 68",
                   "ttc: interval interrupt received"]},
    "fault": ["crasher: about to write through a null pointer",
              "FAULT HANDLER: data fault from crasher.control on address 0x0",
              "survivor: still running (1/5)", "survivor: still running (5/5)",
              "survivor: done"],
    # Two instances in one address space: back reads front's global by address.
    "grouping": ["front: stored 11007, back saw 11007", "client: increment(1) = 11",
                 "front: stored 15007, back saw 15007", "client: increment(5) = 15"],
    "thermo": ["[sensor] read 20 C, average 20 C", "[sensor] read 22 C, average 21 C",
               "[filter] spike above 25 C", "[sensor] read 27 C, average 23 C",
               "[sensor] read 21 C, average 23 C", "[sensor] read 19 C, average 22 C"],
    "ipcbench": ["ipcbench: 10000 round trips, checksum 100000045",
                 "ipcbench: stub round trip", "ipcbench: raw-call round trip"],
}


@pytest.fixture(scope="module")
def build_root(tmp_path_factory):
    return tmp_path_factory.mktemp("build")


def compiled(build_root: Path, name: str, board: str) -> pipeline.CompileResult:
    result = pipeline.compile(IMAGES / name / "system.adl", board, build_root=build_root)
    assert result.ok, "\n".join(d.message for d in result.diagnostics)
    return result


CASES = [(n, b) for n in EXPECTED for b in BOARDS]


@pytest.mark.parametrize("name,board", CASES)
def test_image_boots(build_root, name, board):
    result = pipeline.boot(compiled(build_root, name, board), board, timeout=30,
                           allow_faults=name == "fault")  # the fault-isolation demo
    run = result.run
    assert run is not None
    assert "KERNEL PANIC" not in run.console
    assert run.status == "exited", f"{run.message}\n{run.console}"
    assert run.console.startswith(f"mk kernel on {board}: booting")
    expected = EXPECTED[name]
    assert_in_order(run.console, expected[board] if isinstance(expected, dict) else expected)
    if name == "grouping":  # both members ran their own pre_init (in either order)
        assert "front: pre_init" in run.console and "back: pre_init (box 99)" in run.console
        assert "front: my malloc is in back's heap: no" in run.console  # a heap each
    if name == "fault":
        assert run.exit_code == 4 and len(run.faults) == 1
        assert "still alive" not in run.console
        assert run.message == ("system finished: every control thread returned and no "
                               "thread can run; 1 thread(s) stopped by faults")
    else:
        assert run.exit_code == 0 and run.faults == []


def test_a_fault_fails_the_run_unless_faults_are_allowed(build_root):
    result = pipeline.boot(compiled(build_root, "fault", "qemu-arm-virt"), "qemu-arm-virt",
                           timeout=30)
    assert result.run.status == "fault" and not result.run.ok
    assert re.fullmatch(
        r"system finished: every control thread returned and no thread can run; 1 thread\(s\)"
        r" stopped by faults; failed: 1 component fault\(s\) \(--allow-faults accepts them\),"
        r" the first: FAULT HANDLER: data fault from crasher\.control on address 0x0, "
        r"pc 0x[0-9a-f]+, esr 0x92000046", result.run.message), result.run.message


@pytest.mark.parametrize("board", BOARDS)
def test_raw_binary_image_boots_from_the_load_address(build_root, board):
    """image.bin (for U-Boot `go`): the same system as raw bytes, started at the
    kernel's load address by QEMU's generic loader."""
    from mkbuild import platform, qemu

    binary = compiled(build_root, "hello", board).image.with_name("image.bin")
    plat, _ = platform.load(board)
    run = qemu.run(plat, binary, timeout=30)
    assert run.status == "exited" and run.exit_code == 0, run.console
    assert_in_order(run.console, [f"mk kernel on {board}: booting",
                                  "hello: Hello from mkbuild!"])


def test_device_the_board_lacks_is_diagnosed(build_root):
    adl = Path(__file__).parent / "fixtures" / "pl031" / "system.adl"
    result = pipeline.compile(adl, "zcu102", build_root=build_root)
    assert not result.ok
    bad = [d for d in result.diagnostics if d.severity == "error"]
    assert [d.message for d in bad] == [
        "platform `zcu102` has no device at 0x9010000..0x9011000"]
    assert (bad[0].span.line, bad[0].span.col) == (18, 37)  # the connection `rtc_mmio`
    assert bad[0].hint.startswith("its devices: uart1 at 0xff010000")


def test_fail_on_fault_stops_at_the_fault(build_root):
    result = pipeline.boot(compiled(build_root, "fault", "qemu-arm-virt"), "qemu-arm-virt",
                           timeout=30, fail_on_fault=True)
    assert result.run.status == "fault" and not result.run.ok
    assert result.run.message.startswith(
        "component fault: FAULT HANDLER: data fault from crasher.control")


def test_expect_succeeds_when_seen(build_root):
    result = pipeline.boot(compiled(build_root, "hello", "qemu-arm-virt"), "qemu-arm-virt",
                           timeout=30, expect=r"Hello from \w+")
    assert result.run.status == "expected" and result.run.ok


def test_timeout_is_a_failure(build_root):
    spin = Path(__file__).parent / "fixtures" / "spin" / "system.adl"
    compiled_spin = pipeline.compile(spin, "qemu-arm-virt", build_root=build_root)
    assert compiled_spin.ok
    result = pipeline.boot(compiled_spin, "qemu-arm-virt", timeout=3)
    assert result.run.status == "timeout" and not result.run.ok
    assert "spinning forever" in result.run.console
    assert result.run.message == ("timed out after 3 s; the system was still running "
                                  "(--expect PATTERN ends a run when its output is seen)")


def test_unconnected_server_threads_end_quietly(build_root):
    adl = Path(__file__).parent / "fixtures" / "unconnected" / "system.adl"
    result = pipeline.boot(pipeline.compile(adl, "qemu-arm-virt", build_root=build_root),
                           "qemu-arm-virt", timeout=30)
    assert result.run.status == "exited", result.run.console
    assert "a ran" in result.run.console and result.run.faults == []


def test_adl_structs_become_c_types_and_attribute_values(build_root):
    adl = Path(__file__).parent / "fixtures" / "structs" / "system.adl"
    result = pipeline.boot(pipeline.compile(adl, "qemu-arm-virt", build_root=build_root),
                           "qemu-arm-virt", timeout=30)
    assert result.run.status == "exited", result.run.console
    assert_in_order(result.run.console, [
        "box at (3,4) size 6x7", "path has 2 points, last (5,8)",
        "tag primes with 5 codes, last 11", "range -2..9", "area of the wider box: 49"])


def _musl_rand(seed: int, count: int) -> list[int]:
    """The sequence CAmkES's C library gives after srand(seed) (see runtime/camkes/rand.c)."""
    state, out = seed - 1, []
    for _ in range(count):
        state = (6364136223846793005 * state + 1) % 2**64
        out.append(state >> 33)
    return out


def test_global_asynch_consumer_waits_itself(build_root):
    adl = Path(__file__).parent / "fixtures" / "globalasync" / "system.adl"
    compiled_ga = pipeline.compile(adl, "qemu-arm-virt", build_root=build_root)
    assert compiled_ga.ok, [d.message for d in compiled_ga.diagnostics]
    waiter = compiled_ga.plan.instances["waiter"] if compiled_ga.plan else None
    if waiter is not None:  # no glue thread competes for the notification
        assert [t.name for t in waiter.threads] == ["control"]
    result = pipeline.boot(compiled_ga, "qemu-arm-virt", timeout=30)
    assert result.run.status == "exited", result.run.console
    assert "waiter: both kickers seen (badges 0x3)" in result.run.console
    assert "k1: kicked" in result.run.console and "k2: kicked" in result.run.console
    a, b, c = _musl_rand(7, 3)
    assert f"waiter: rand after srand(7): {a} {b} {c}" in result.run.console


# Fixture systems (tests/images/fixtures/<name>): board, the device objects the
# layout must give (connection object -> physical address or IRQ), expected lines.
FIXTURES = {
    # seL4RPCCallSignal: the client blocks in job_wait() until the server signals, once
    # from its control thread and once from inside the RPC handler.
    "rpcsignal": (BOARDS, {}, [
        "server: ready", "client: server is ready",
        "server: job 6 finished, signalling client 1", "client: job done, result 42"]),
    # seL4DTBHardware: `dtb({"path": "/pl031@9010000"})` (a board-file device) gives the
    # driver the RTC's registers (rtc_0) and its interrupt.
    "dtbrtc": (["qemu-arm-virt"], {"rtc_dtb.mmio": 0x09010000, "rtc_dtb.irq": 34}, [
        "driver: 4096 bytes of registers, peripheral id 0x31", "driver: alarm armed",
        "driver: alarm interrupt received (raw status 1)"]),
    # `/pl061@9030000` is in no board file: it comes from the tree QEMU generates for
    # virt (SPI 7 = interrupt 39); the driver reads the GPIO's ids.
    "dtbgpio": (["qemu-arm-virt"], {"gpio_dtb.mmio": 0x09030000, "gpio_dtb.irq": 39}, [
        "driver: 4096 bytes of registers, peripheral id 0x00041061, cell id 0xb105f00d"]),
    # zcu102's tree (platforms/zcu102.dts) lists TTC1, which its board file does not:
    # counter 1's interrupt (SPI 39 = 71) fires.
    "dtbttc": (["zcu102"], {"ttc_dtb.mmio": 0xFF120000, "ttc_dtb.irq": 71}, [
        "driver: ttc1 running, 4096 bytes of registers",
        "driver: ttc1 interval interrupt received"]),
}


@pytest.mark.parametrize("name,board", [(n, b) for n, (boards, _, _) in FIXTURES.items()
                                        for b in boards])
def test_fixture_system_boots(build_root, name, board):
    _, objects, expected = FIXTURES[name]
    adl = Path(__file__).parent / "fixtures" / name / "system.adl"
    compiled_fixture = pipeline.compile(adl, board, build_root=build_root)
    assert compiled_fixture.ok, [d.message for d in compiled_fixture.diagnostics]
    plan = compiled_fixture.plan.objects
    assert {k: plan[k].paddr if k.endswith(".mmio") else plan[k].irq for k in objects} == objects
    run = pipeline.boot(compiled_fixture, board, timeout=30).run
    assert run.status == "exited", run.console
    assert run.exit_code == 0 and run.faults == []
    assert_in_order(run.console, expected)


def test_dtb_path_the_platform_lacks_is_diagnosed(tmp_path):
    src = Path(__file__).parent / "fixtures" / "dtbrtc"
    shutil.copytree(src, tmp_path / "dtbrtc")
    adl = tmp_path / "dtbrtc" / "system.adl"
    adl.write_text(adl.read_text().replace("/pl031@9010000", "/pl031@9010001"))
    result = pipeline.compile(adl, "qemu-arm-virt", build_root=tmp_path / "build")
    assert not result.ok
    [d] = [d for d in result.diagnostics if d.severity == "error"]
    assert d.message == ("platform `qemu-arm-virt` has no device-tree node `/pl031@9010001` "
                         "(connection `rtc_dtb`)")
    assert d.hint == "did you mean `/pl031@9010000`?"
    assert (Path(d.span.file).name, d.span.line) == ("system.adl", 19)
    other = pipeline.compile(src / "system.adl", "zcu102", build_root=tmp_path / "build")
    assert [d.message for d in other.diagnostics] == [
        "platform `zcu102` has no device-tree node `/pl031@9010000` (connection `rtc_dtb`)"]


def test_dtb_hardware_on_the_drivers_own_interface(tmp_path):
    """CAmkES's device-tree driver form: the component wires its own `emits` to its own
    `consumes` and sets `rtc.dtb` / `rtc.generate_interrupts` on that interface."""
    app = tmp_path / "selfdtb"
    shutil.copytree(Path(__file__).parent / "fixtures" / "dtbrtc" / "components",
                    app / "components")
    (app / "system.adl").write_text(
        "import <std_connector.camkes>;\n"
        "component Driver { control; consumes Dummy rtc; emits Dummy src;\n"
        "  composition { connection seL4DTBHardware conn(from src, to rtc); }\n"
        '  configuration { rtc.dtb = dtb({"path": "/pl031@9010000"});'
        " rtc.generate_interrupts = 1; } }\n"
        "assembly { composition { component Driver driver; } }\n")
    compiled_self = pipeline.compile(app / "system.adl", "qemu-arm-virt",
                                     build_root=tmp_path / "build")
    assert compiled_self.ok, [d.message for d in compiled_self.diagnostics]
    result = pipeline.boot(compiled_self, "qemu-arm-virt", timeout=30)
    assert result.run.status == "exited", result.run.console
    assert_in_order(result.run.console, ["driver: 4096 bytes of registers, peripheral id 0x31",
                                         "driver: alarm interrupt received (raw status 1)"])
