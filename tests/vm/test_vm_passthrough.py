"""images/vm-passthrough: QEMU virt's PL031 RTC passed through to a Linux guest
(`linux.passthrough = ["/pl031@9010000"]`). Its registers are mapped into the guest at
their physical address, the guest's device tree names the node with its interrupt
(SPI 2, INTID 34), and the monitor holds the device's IRQ handler, bound to its input
notification: it injects the physical interrupt, reported at its end, and acks it
there. Debian's rtc-pl031 binds the device, and each alarm it sets is an interrupt the
guest's /proc/interrupts counts."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "images" / "vm-passthrough"

needs_qemu = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def _mkbuild(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


@needs_qemu
def test_the_guests_rtc_driver_takes_the_passed_through_alarm_interrupt(binaries, tmp_path):
    r = _mkbuild("run", str(EXAMPLE / "system.adl"), "--build-dir", str(tmp_path),
                 "--icount", "--timeout", "120")
    want = ["guest: rtc0 is rtc-pl031 9010000.pl031",
            "guest: rtc interrupts before the alarms: 0",
            "guest: rtc interrupts after alarm 1: 1, alarm left: ''",
            # only if the VMM acked the first at the guest's end of it
            "guest: rtc interrupts after alarm 2: 2, alarm left: ''",
            "vmm: linux: the guest powered off"]
    lines = r.stdout.splitlines()
    assert [ln for ln in lines if ln in want] == want, r.stdout + r.stderr
    assert r.returncode == 0
    assert "FAULT" not in r.stdout and "guest stopped" not in r.stdout

    spec = json.loads((tmp_path / "bootspec.json").read_text())
    mapped = [m for m in spec["mappings"] if m["frame"] == "linux.passthrough0.mmio/0"]
    assert [(m["vspace"], m["vaddr"], m["device"]) for m in mapped] == [
        ("linux.guest", "0x9010000", True)]
    assert {"irq": 34, "notification": "linux.input", "badge": 1 << 5, "core": 0} in spec["irqs"]
    held = [c["cnode"] for c in spec["caps"] if c["object"] == "linux.passthrough0.irq"]
    assert held == ["linux_vmm.cnode"]


@needs_qemu
def test_on_zcu102_the_guests_uart_driver_takes_the_passed_through_uarts_interrupts(
        binaries, tmp_path):
    r = _mkbuild("run", str(EXAMPLE / "zcu102.adl"), "--platform", "zcu102", "--build-dir",
                 str(tmp_path), "--icount", "--timeout", "120")
    lines = r.stdout.splitlines()
    assert "guest: ttyPS0 interrupts before writing: 0" in lines, r.stdout + r.stderr
    after = next(ln for ln in lines if ln.startswith("guest: ttyPS0 interrupts after writing:"))
    assert int(after.rsplit(":", 1)[1]) > 0
    assert "vmm: linux: the guest powered off" in lines
    assert r.returncode == 0


def test_the_vm_holds_the_device_in_the_authority_graph(tmp_path):
    out = tmp_path / "authority.dot"
    r = _mkbuild("graph", str(EXAMPLE / "system.adl"), "--authority", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert '"instance/linux" -> "object/linux.passthrough0.mmio" [label=RW' in out.read_text()


def test_a_path_the_board_does_not_have_is_an_error_at_the_setting(tmp_path):
    adl = (EXAMPLE / "system.adl").read_text().replace('"/pl031@9010000"', '"/pl031@9020000"')
    (tmp_path / "system.adl").write_text(adl)
    (tmp_path / "init.sh").write_text((EXAMPLE / "init.sh").read_text())
    r = _mkbuild("compile", str(tmp_path / "system.adl"), "--build-dir", str(tmp_path / "b"))
    assert r.returncode != 0
    line = next(n for n, text in enumerate(adl.splitlines(), 1) if "passthrough" in text)
    assert (f"system.adl:{line}:" in r.stderr and "platform `qemu-arm-virt` has no "
            "device-tree node `/pl031@9020000` to pass through to VM `linux`" in r.stderr), r.stderr
    assert "Traceback" not in r.stderr


def test_a_device_whose_interrupt_is_the_doorbell_ins_is_an_error_at_the_setting(tmp_path):
    adl = (EXAMPLE / "system.adl").read_text()
    adl = adl.replace("import <vm.camkes>;", "import <std_connector.camkes>;\nimport <vm.camkes>;\n"
                      "component Ringer { control; emits Doorbell ring; }")
    adl = adl.replace("component VM linux;", "component VM linux;\n        component Ringer "
                      "ringer;\n        connection seL4Notification ring_in(from ringer.ring, "
                      "to linux.doorbell_in);")
    (tmp_path / "system.adl").write_text(adl)
    (tmp_path / "init.sh").write_text((EXAMPLE / "init.sh").read_text())
    r = _mkbuild("compile", str(tmp_path / "system.adl"), "--build-dir", str(tmp_path / "b"))
    assert r.returncode != 0
    line = next(n for n, text in enumerate(adl.splitlines(), 1) if "passthrough" in text)
    assert f"system.adl:{line}:" in r.stderr, r.stderr
    assert ("VM `linux`: passed-through interrupt 34 is also its doorbell in's (SPI 2)"
            in r.stderr), r.stderr
    assert "Traceback" not in r.stderr


def test_the_vm_and_its_monitor_are_linked_in_the_graph_and_in_flow_queries(tmp_path):
    out = tmp_path / "system.dot"
    r = _mkbuild("graph", str(EXAMPLE / "system.adl"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert ('"instance/linux_vmm" -> "instance/linux" [label="monitors (vCPU, exits)"'
            in out.read_text())
    q = _mkbuild("query", str(EXAMPLE / "system.adl"), "flow linux linux_vmm")
    assert q.returncode == 0, q.stderr
    assert q.stdout.startswith("yes\n  1. linux -> linux_vmm: exits to its monitor `linux_vmm`")
    q = _mkbuild("query", str(EXAMPLE / "system.adl"), "flow linux_vmm linux")
    assert q.stdout.startswith("yes\n  1. linux_vmm -> linux: writes the registers of "
                               "`linux`'s vCPU")
