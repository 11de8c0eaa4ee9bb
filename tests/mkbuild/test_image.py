"""mkbuild.image: one ELF with the kernel, the boot spec and preloaded frames, each
at its physical address; identical input gives identical bytes."""

import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from mkbuild import build, image, platform, toolchain


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    plat, _ = platform.load("qemu-arm-virt")
    built, log = build.build_kernels(plat, tmp_path_factory.mktemp("kernel"))
    assert built is not None, log
    return plat, built.kernel


def _segments(data: bytes, tmp_path: Path) -> tuple[int, list[tuple[int, int, bytes]]]:
    path = tmp_path / "image.elf"
    path.write_bytes(data)
    with open(path, "rb") as f:
        elf = ELFFile(f)
        assert elf["e_machine"] == "EM_AARCH64" and elf.elfclass == 64
        segs = []
        for s in elf.iter_segments():
            assert s["p_type"] == "PT_LOAD"
            assert s["p_vaddr"] == s["p_paddr"]
            assert s["p_offset"] % 4096 == s["p_paddr"] % 4096
            segs.append((s["p_paddr"], s["p_memsz"], s.data()))
        return elf["e_entry"], segs


def test_kernel_spec_and_blobs_land_at_physical_addresses(kernel, tmp_path):
    plat, elf = kernel
    spec = b"MKBS" + bytes(range(60))
    blob = image.Blob(0x4100_0000, b"\x11" * 4096)
    data = image.build_image(elf, spec, [blob], plat.kernel_region)
    entry, segs = _segments(data, tmp_path)
    base, size = plat.kernel_region
    assert entry == plat.kernel_load_address
    assert any(p == 0x4100_0000 and d == blob.data for p, _, d in segs)
    spec_seg = next((p, d) for p, _, d in segs if d == spec)
    assert base <= spec_seg[0] < base + size and spec_seg[0] % 4096 == 0
    # mk_boot_params inside the kernel's data now points at the spec
    magic = struct.pack("<Q", image.BOOT_PARAMS_MAGIC)
    params = [d[d.index(magic):d.index(magic) + 24] for _, _, d in segs if magic in d]
    assert params == [struct.pack("<QQQ", image.BOOT_PARAMS_MAGIC, spec_seg[0], len(spec))]


def test_flat_binary_puts_every_segment_at_its_offset_from_the_entry(kernel, tmp_path):
    plat, elf = kernel
    blob = image.Blob(0x4100_0000, b"\x22" * 4096)
    data = image.build_image(elf, b"spec" * 20, [blob], plat.kernel_region)
    base, raw = image.flat_binary(data)
    assert base == plat.kernel_load_address
    _, segs = _segments(data, tmp_path)
    assert len(raw) == max(p + m for p, m, _ in segs) - base
    for paddr, memsz, seg in segs:
        assert raw[paddr - base:paddr - base + len(seg)] == seg
        assert raw[paddr - base + len(seg):paddr - base + memsz].count(0) == memsz - len(seg)
    assert raw[0x4100_0000 - base - 1] == 0  # a gap between pieces is zero-filled


def test_qemu_boots_a_binary_through_the_generic_loader():
    plat, _ = platform.load("zcu102")
    cmd = plat.qemu_command("/b/image.bin")
    assert "-kernel" not in cmd
    assert cmd[cmd.index("loader,file=/b/image.bin,addr=0x100000,force-raw=on") - 1:][:4] == [
        "-device", "loader,file=/b/image.bin,addr=0x100000,force-raw=on",
        "-device", "loader,addr=0x100000,cpu-num=0"]
    assert plat.qemu_command("/b/image.elf")[-2:] == ["-kernel", "/b/image.elf"]


def test_same_input_same_bytes(kernel):
    plat, elf = kernel
    blobs = [image.Blob(0x4100_0000, b"a" * 4096), image.Blob(0x4100_2000, b"b" * 100)]
    one = image.build_image(elf, b"spec" * 20, blobs, plat.kernel_region)
    two = image.build_image(elf, b"spec" * 20, list(blobs), plat.kernel_region)
    assert one == two


@pytest.mark.parametrize("blobs, spec_size, message", [
    ([image.Blob(0x4100_0000, b"a" * 4096), image.Blob(0x4100_0800, b"b")], 64, "overlap"),
    ([image.Blob(0x4010_0000 + 0x20_0000, b"a")], 64, "inside the kernel region"),
    ([], 0x40_0000, "do not fit the kernel region"),
])
def test_misplaced_pieces_are_refused(kernel, blobs, spec_size, message):
    plat, elf = kernel
    with pytest.raises(ValueError, match=message):
        image.build_image(elf, b"\0" * spec_size, blobs, plat.kernel_region)


def test_read_user_elf(tmp_path):
    src = tmp_path / "p.c"
    src.write_text("int data = 5; int bss; int main(void) { return data + bss; }\n")
    out = tmp_path / "p.elf"
    import subprocess
    r = subprocess.run(toolchain.user_compile_command(toolchain.AARCH64, [src], out),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    entry, segs = image.read_user_elf(out)
    assert entry == 0x40_0000
    text = next(s for s in segs if s.executable)
    assert text.vaddr == 0x40_0000 and not text.writable
    data = next(s for s in segs if s.writable)
    assert data.memsz > len(data.data)  # .bss and the heap follow the data
