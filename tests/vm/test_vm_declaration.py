"""A VM declared in ADL (`import <vm.camkes>; component VM linux;`): what `mkbuild check`
says about a bad one, at the setting's line, and the guest's generated device tree, which
Debian's kernel boots with in bare QEMU (QEMU's virt has the guest's address map)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dsl
from mkbuild import devicetree, guest_fetch, vm, vm_images

FIXTURE = Path(__file__).parent / "fixtures" / "linux"

SYSTEM = """import <std_connector.camkes>;
import <vm.camkes>;
component Native {{ control; }}
assembly {{
    composition {{
        component VM linux;
        component Native native;{more_instances}
    }}
    configuration {{
{settings}
    }}
}}
"""


def _write(tmp_path, settings: str, more_instances: str = "") -> Path:
    path = tmp_path / "system.adl"
    path.write_text(SYSTEM.format(settings=settings, more_instances=more_instances))
    (tmp_path / "init.sh").write_text("#!/bin/sh\necho hi\n")
    return path


def _fake_image(path: Path, image_size: int) -> None:
    """An arm64 Image header: image_size at 16, the magic at 56."""
    head = bytearray(64)
    head[16:24] = image_size.to_bytes(8, "little")
    head[56:60] = b"ARM\x64"
    path.write_bytes(bytes(head) + b"\0" * 4096)


def _check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_a_missing_kernel_file_is_an_error_at_its_setting(tmp_path):
    path = _write(tmp_path, '        linux.kernel = "nowhere/Image";')
    r = _check(path)
    assert r.returncode == 1
    assert f"{path}:10:9: error: `linux.kernel`: no such file `nowhere/Image`" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_vm_without_a_kernel_is_an_error_at_the_instance(tmp_path):
    path = _write(tmp_path, "")
    r = _check(path)
    assert r.returncode == 1
    assert (f"{path}:6:22: error: VM `linux` names no kernel: set `linux.kernel` to an arm64 "
            'Image file or "debian"') in r.stderr


def test_a_kernel_that_is_not_an_arm64_image_is_an_error(tmp_path):
    (tmp_path / "Image").write_bytes(b"\x7fELF" + b"\0" * 100)
    r = _check(_write(tmp_path, '        linux.kernel = "Image";'))
    assert r.returncode == 1
    assert ("error: `linux.kernel`: `Image` is not an arm64 Linux Image (no 'ARM\\x64' magic "
            "at offset 56)") in r.stderr


def test_ram_too_small_for_the_images_says_how_much_is_needed(tmp_path):
    _fake_image(tmp_path / "Image", 26 << 20)
    path = _write(tmp_path, '        linux.kernel = "Image";\n'
                            '        linux.initrd = "init.sh";\n'
                            "        linux.ram_size = 16 * 1024 * 1024;")
    r = _check(path)
    assert r.returncode == 1
    assert (f"{path}:12:9: error: `linux.ram_size`: 16 MiB of guest RAM cannot hold the "
            "kernel (26.0 MiB at 2 MiB), the initrd (0.0 MiB) and the device tree (2 MiB): "
            "at least 32 MiB") in r.stderr


def test_ram_not_in_2_mib_blocks_and_two_vcpus_are_errors(tmp_path):
    _fake_image(tmp_path / "Image", 1 << 20)
    path = _write(tmp_path, '        linux.kernel = "Image";\n'
                            "        linux.ram_size = 0x300000;\n"
                            "        linux.vcpus = 2;")
    r = _check(path)
    assert r.returncode == 1
    assert (f"{path}:11:9: error: `linux.ram_size` is 3145728: guest RAM is a positive "
            "multiple of 2 MiB (0x200000)") in r.stderr
    assert (f"{path}:12:9: error: `linux.vcpus` is 2: a VM has one vCPU (more are not built "
            "yet)") in r.stderr


def test_two_vms_claiming_one_device_is_an_error_at_the_second(tmp_path):
    _fake_image(tmp_path / "Image", 1 << 20)
    path = _write(tmp_path, '        linux.kernel = "Image";\n'
                            '        linux.passthrough = ["/pl031@9010000"];\n'
                            '        other.kernel = "Image";\n'
                            '        other.passthrough = ["/pl031@9010000"];',
                  more_instances="\n        component VM other;")
    r = _check(path)
    assert r.returncode == 1
    assert (f"{path}:14:9: error: VMs `linux` and `other` both claim device `/pl031@9010000`: "
            "a device is passed through to one VM") in r.stderr


def test_a_good_vm_checks_clean():
    r = _check(FIXTURE / "system.adl")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""


def _fixture_vm(tmp_path):
    try:
        guest_fetch.fetch(log=lambda m: None)
    except guest_fetch.GuestFetchError as e:
        if e.unreachable:
            pytest.skip(f"Debian's package archive is unreachable: {e}")
        raise
    system, diags = dsl.load_system(str(FIXTURE / "system.adl"))
    (cfg,), problems = vm.configs(system, fetch=True)
    assert problems == [] and diags == []
    return cfg


def test_the_device_tree_names_ram_cpu_gic_timer_console_and_the_initrd(tmp_path):
    cfg = _fixture_vm(tmp_path)
    guest = vm_images.images(cfg)
    root = devicetree.parse(guest.dtb)
    layout = guest.layout
    assert devicetree.regs(devicetree.find(root, "/memory@40000000")) == [(0x40000000, 64 << 20)]
    assert devicetree.regs(devicetree.find(root, "/intc@8000000")) == [
        (0x08000000, 0x10000), (0x08010000, 0x2000)]
    assert devicetree.find(root, "/psci").strings("method") == ["hvc"]
    assert devicetree.find(root, "/timer").cells("interrupts") == [
        1, 13, 0x104, 1, 14, 0x104, 1, 11, 0x104, 1, 10, 0x104]
    assert devicetree.find(root, "/pl011@9000000").cells("interrupts") == [0, 1, 4]
    chosen = devicetree.find(root, "/chosen")
    assert chosen.strings("bootargs") == ["console=ttyAMA0 panic=-1"]
    assert chosen.strings("stdout-path") == ["/pl011@9000000"]
    assert chosen.cells("linux,initrd-start") == [0, layout.initrd]
    assert chosen.cells("linux,initrd-end") == [0, layout.initrd + len(guest.initrd)]
    # the kernel 2 MiB in, the tree in the last 2 MiB, the initrd page-aligned below it
    assert (layout.kernel, layout.dtb) == (0x40200000, 0x40000000 + (62 << 20))
    assert layout.initrd % 4096 == 0 and layout.initrd + len(guest.initrd) <= layout.dtb
    assert layout.initrd >= layout.kernel + layout.kernel_size


@pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None, reason="needs QEMU")
def test_debians_kernel_boots_to_init_with_the_generated_tree_and_initrd_in_bare_qemu(tmp_path):
    cfg = _fixture_vm(tmp_path)
    guest = vm_images.images(cfg)
    (tmp_path / "guest.dtb").write_bytes(guest.dtb)
    (tmp_path / "initrd").write_bytes(guest.initrd)
    # QEMU's virt has the guest's map; the initrd goes where the tree says, no -initrd
    # or -append, so the kernel finds both through our tree alone
    r = subprocess.run(["qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a53",
                        "-m", "64M", "-kernel", str(cfg.kernel), "-dtb", str(tmp_path / "guest.dtb"),
                        "-device", f"loader,file={tmp_path / 'initrd'},addr={guest.layout.initrd:#x},"
                                   "force-raw=on",
                        "-nographic", "-no-reboot", "-icount", "shift=0,sleep=off"],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert "Machine model: mkbuild VM linux" in r.stdout
    assert "guest: init ran" in r.stdout
    assert "Kernel panic" not in r.stdout
