"""One device frame given to two drivers (seL4's testnto1mmio, which is i.MX6-only, as a
qemu-arm-virt system on the PL031 RTC): CAmkES allows it, so `mkbuild check` warns,
naming both drivers at their ends of the connection; `device D not shared;` in a policy
block forbids it, `allow shared device D;` silences the warning; the system builds and
both drivers read the device through their own mappings. The same with a connection
per driver to the one hardware interface: one frame, held through both connections."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mkbuild import pipeline

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = Path(__file__).parent / "fixtures" / "shared_device" / "system.adl"
CONFIGURATION = "    configuration {\n"
ONE_CONNECTION = "        connection seL4HardwareMMIO mmio(from drv1.regs, from drv2.regs, to dev.regs);\n"
TWO_CONNECTIONS = ("        connection seL4HardwareMMIO mmio1(from drv1.regs, to dev.regs);\n"
                   "        connection seL4HardwareMMIO mmio2(from drv2.regs, to dev.regs);\n")


def two_connections() -> str:
    text = SYSTEM.read_text()
    assert ONE_CONNECTION in text
    return text.replace(ONE_CONNECTION, TWO_CONNECTIONS)


def check(tmp_path: Path, policy: str | None = None, text: str | None = None
          ) -> tuple[Path, subprocess.CompletedProcess]:
    text = text or SYSTEM.read_text()
    if policy is not None:
        text = text.replace(CONFIGURATION, f"    policy {{ {policy} }}\n" + CONFIGURATION)
    path = tmp_path / "system.adl"
    path.write_text(text)
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", str(path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    return path, result


NOTES = [
    "{p}:31:47: note: {drv1}holds `mmio.mmio` at 0x9010000 (connection `mmio`)",
    "{p}:31:63: note: {drv2}holds `mmio.mmio` at 0x9010000 (connection `mmio`)",
]


def test_a_frame_shared_by_two_drivers_is_a_warning_naming_both(tmp_path):
    p, result = check(tmp_path)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"{p}:27:23: warning: device `dev` is shared by 2 drivers: `drv1` and `drv2`",
        "   27 |         component RTC dev;",
        "      |                       ^~~",
        *(n.format(p=p, drv1="`drv1` ", drv2="`drv2` ") for n in NOTES),
        "hint: forbid it with `device dev not shared;` or allow it with "
        "`allow shared device dev;` in a policy block",
    ]


def test_a_policy_forbids_it(tmp_path):
    p, result = check(tmp_path, "device dev not shared;")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{p}:34:14: error: policy `device dev not shared` does not hold: `dev` is held by "
        "2 instances: `drv1` and `drv2`",
        "   34 |     policy { device dev not shared; }",
        "      |              ^~~~~~",
        *(n.format(p=p, drv1="drv1 -> dev: ", drv2="drv2 -> dev: ") for n in NOTES),
    ]


def test_a_policy_allows_it(tmp_path):
    _, result = check(tmp_path, "allow shared device dev;")
    assert (result.returncode, result.stderr) == (0, "")


def test_with_one_driver_the_policy_holds(tmp_path):
    one = SYSTEM.read_text().replace("from drv1.regs, from drv2.regs", "from drv1.regs")
    _, result = check(tmp_path, "device dev not shared;", one)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_connection_per_driver_gives_both_one_frame(tmp_path):
    p, result = check(tmp_path, text=two_connections())
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"{p}:27:23: warning: device `dev` is shared by 2 drivers: `drv1` and `drv2`",
        "   27 |         component RTC dev;",
        "      |                       ^~~",
        f"{p}:31:48: note: `drv1` holds `mmio1.mmio` at 0x9010000 (connection `mmio1`)",
        f"{p}:32:48: note: `drv2` holds `mmio1.mmio` at 0x9010000 (connection `mmio2`)",
        "hint: forbid it with `device dev not shared;` or allow it with "
        "`allow shared device dev;` in a policy block",
    ]


NEEDS_TOOLS = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


@NEEDS_TOOLS
@pytest.mark.parametrize("connections", ["one", "two"])
def test_both_drivers_read_the_device(tmp_path, connections):
    system = SYSTEM
    if connections == "two":
        system = tmp_path / "sys" / "system.adl"
        shutil.copytree(SYSTEM.parent, system.parent)  # its components/ with it
        system.write_text(two_connections())
    compiled = pipeline.compile(system, "qemu-arm-virt", build_dir=tmp_path / "build")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    spec = json.loads((tmp_path / "build" / "bootspec.json").read_text())
    # one frame object at the device's address, however many connections reach it
    assert [o["name"] for o in spec["objects"] if o.get("paddr") == "0x9010000"] == [
        "mmio.mmio/0" if connections == "one" else "mmio1.mmio/0"]
    run = pipeline.boot(compiled, "qemu-arm-virt", timeout=60, fail_on_fault=True).run
    assert run.status == "exited" and run.exit_code == 0 and run.faults == [], run.console
    # PL031's PeriphID0 is 0x31: both mappings reach the one device, in the order of the call
    assert [line for line in run.console.splitlines() if line.startswith("hello")] == [
        "hello from drv1: periph id 0x31", "hello from drv2: periph id 0x31"]
