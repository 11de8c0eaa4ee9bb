"""Board files load into Platform; problems become diagnostics, not tracebacks."""

from pathlib import Path

from mkbuild import platform


def test_both_boards_load_with_their_devices():
    virt, diags = platform.load("qemu-arm-virt")
    assert diags == [] and virt is not None
    assert (virt.arch, virt.cpu, virt.console_kind, virt.console_base) == \
        ("aarch64", "cortex-a53", "pl011", 0x0900_0000)
    rtc = virt.device("rtc")
    assert rtc is not None and (rtc.base, rtc.size, rtc.irqs) == (0x0901_0000, 0x1000, (34,))
    zcu, diags = platform.load("zcu102")
    assert diags == [] and zcu is not None
    assert (zcu.console_kind, zcu.console_base, zcu.gic_distributor) == \
        ("cadence", 0xFF00_0000, 0xF901_0000)
    assert zcu.qemu_env == {"QEMU_AUDIO_DRV": "none"}
    assert platform.available() == ["qemu-arm-virt", "zcu102"]


def test_free_ram_leaves_out_reserved_memory_and_the_kernel():
    virt, _ = platform.load("qemu-arm-virt")
    assert virt.free_ram() == [(0x4050_0000, 0x2000_0000 - 0x50_0000)]
    zcu, _ = platform.load("zcu102")
    assert zcu.free_ram() == [(0x50_0000, 0x8000_0000 - 0x50_0000)]


def test_qemu_command_and_kernel_defines():
    virt, _ = platform.load("qemu-arm-virt")
    cmd = virt.qemu_command("/x/image.elf")
    assert cmd[0] == "qemu-system-aarch64"
    assert cmd[cmd.index("-kernel") + 1] == "/x/image.elf"
    assert "-semihosting" in cmd
    assert "-DPLAT_CONSOLE_PL011=1" in virt.kernel_defines()
    assert "-DPLAT_TIMER_IRQ=27" in virt.kernel_defines()


def test_unknown_platform_is_a_diagnostic_with_a_hint():
    plat, diags = platform.load("zcu104")
    assert plat is None
    assert diags[0].message == "unknown platform `zcu104`"
    assert diags[0].hint == "did you mean `zcu102`?"


def test_malformed_board_files_are_diagnostics(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    plat, diags = platform.load(bad)
    assert plat is None and diags[0].message.startswith("malformed platform file")
    assert diags[0].span.file == str(bad)
    missing = tmp_path / "missing.toml"
    missing.write_text('name = "x"\narch = "aarch64"\n')
    plat, diags = platform.load(missing)
    assert plat is None and "misses or mistypes a field" in diags[0].message
    wrong = tmp_path / "wrong.toml"
    text = (platform.PLATFORMS_DIR / "qemu-arm-virt.toml").read_text()
    wrong.write_text(text.replace('kind = "pl011"', 'kind = "16550"'))
    plat, diags = platform.load(wrong)
    assert plat is None and "console kind '16550'" in diags[0].message
