"""The guest's binaries: Debian's arm64 kernel and busybox fetched into the cache once,
and an initramfs mkbuild writes in Python that Linux boots to its /init.

The tests that need the archive skip (saying so) only when Debian's package archive
does not answer; anything else that goes wrong fails."""

import gzip
import shutil
import subprocess
import sys

import pytest

from mkbuild import guest_fetch, guest_initramfs

UNREACHABLE_SOURCES = ("deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"
                       " http://127.0.0.1:9/debian bookworm main")


def test_a_newc_entry_is_the_kernels_header_name_and_data_each_padded_to_4():
    archive = guest_initramfs.newc([guest_initramfs.file("ab", b"xyz", executable=True)])
    header = ("070701" "00000001" "000081ed" "00000000" "00000000" "00000001" "00000000"
              "00000003" "00000000" "00000000" "00000000" "00000000" "00000003" "00000000")
    # 110 + 3 bytes of header and name padded to 116, 3 bytes of data to 4
    assert archive.startswith(header.encode() + b"ab\0" + b"\0\0\0" + b"xyz\0")
    trailer = archive[116 + 4:]
    assert trailer[:6] == b"070701" and trailer[110:121] == b"TRAILER!!!\0"
    assert len(archive) % 4 == 0


def test_the_console_node_is_a_character_device_5_1_and_the_archive_is_reproducible():
    tree = guest_initramfs.busybox_tree(b"\x7fELF...", "#!/bin/sh\necho hi\n")
    console = next(e for e in tree if e.path == "dev/console")
    raw = guest_initramfs.newc([console])
    assert raw[6 + 8:6 + 16] == b"00002180"                 # S_IFCHR | 0600
    assert raw[6 + 9 * 8:6 + 11 * 8] == b"0000000500000001"   # rdev 5:1
    assert guest_initramfs.initramfs(tree) == guest_initramfs.initramfs(tree)
    assert gzip.decompress(guest_initramfs.initramfs(tree)) == guest_initramfs.newc(tree)


def test_the_kernel_is_an_arm64_image_and_busybox_a_static_arm64_elf(binaries):
    image = binaries.kernel_image.read_bytes()[:64]
    assert image[56:60] == b"ARM\x64"
    assert binaries.kernel.package.startswith("linux-image-")
    assert binaries.kernel.package.endswith("-cloud-arm64")
    elf = binaries.busybox_binary.read_bytes()[:20]
    assert elf[:4] == b"\x7fELF" and int.from_bytes(elf[18:20], "little") == 183   # EM_AARCH64
    assert len(binaries.kernel.deb_sha256) == 64


def test_a_second_fetch_asks_no_one(binaries, monkeypatch):
    def no_subprocess(*a, **k):
        raise AssertionError(f"ran {a[0]}")
    monkeypatch.setattr(subprocess, "run", no_subprocess)
    assert guest_fetch.fetch(log=lambda m: None) == binaries


def test_an_unreachable_archive_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "mkbuild.cli", "guest", "fetch"],
                       capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "MKBUILD_CACHE": str(tmp_path),
                            "MKBUILD_DEBIAN_SOURCES": UNREACHABLE_SOURCES})
    assert r.returncode == 1
    assert ("mkbuild guest: error: Debian's package archive did not answer: "
            "W: Failed to fetch http://127.0.0.1:9/debian/dists/bookworm/InRelease") in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "guest" / "guest.json").exists()


@pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None, reason="needs QEMU")
def test_linux_boots_mkbuilds_initramfs_to_its_init_in_bare_qemu(binaries, tmp_path):
    init = ("#!/bin/sh\nmount -t proc proc /proc\n"
            "echo \"init ran on $(uname -m) $(uname -r)\"\npoweroff -f\n")
    initrd = tmp_path / "initrd.gz"
    initrd.write_bytes(guest_initramfs.initramfs(
        guest_initramfs.busybox_tree(binaries.busybox_binary.read_bytes(), init)))
    r = subprocess.run(["qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a53",
                        "-m", "256", "-kernel", str(binaries.kernel_image),
                        "-initrd", str(initrd), "-append", "console=ttyAMA0 panic=-1",
                        "-nographic", "-no-reboot", "-icount", "shift=0,sleep=off"],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    release = binaries.kernel.package.removeprefix("linux-image-")
    assert f"init ran on aarch64 {release}" in r.stdout
    assert "Kernel panic" not in r.stdout
    assert "reboot: Power down" in r.stdout
