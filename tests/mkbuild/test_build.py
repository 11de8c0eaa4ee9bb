"""The build: byte-identical images from identical input, no work on a no-change
rebuild, and a failed build that leaves the previous image alone."""

import os
import shutil
from pathlib import Path

import pytest

from mkbuild import pipeline

REPO = Path(__file__).resolve().parents[2]
HELLO = REPO / "images" / "hello"

pytestmark = pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None,
                                reason="needs the AArch64 cross compiler")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Kernel and runtime library, built once for the module."""
    return tmp_path_factory.mktemp("shared")


@pytest.fixture
def build(shared):
    def compile_app(app: Path, out: Path) -> pipeline.CompileResult:
        return pipeline.compile(app / "system.adl", "qemu-arm-virt", build_dir=out,
                                shared_dir=shared)
    return compile_app


def newer_than(path: Path, built: Path) -> None:
    """Date `path` after `built`: this file system's clock can lag the one that
    dated the build's outputs, and ninja goes by time stamps."""
    later = max(path.stat().st_mtime_ns, built.stat().st_mtime_ns) + 1_000_000_000
    os.utime(path, ns=(later, later))


def test_two_builds_are_byte_identical(build, tmp_path):
    a = build(HELLO, tmp_path / "a")
    # the second one from scratch: its own kernel and runtime library too
    b = pipeline.compile(HELLO / "system.adl", "qemu-arm-virt", build_dir=tmp_path / "b")
    assert a.ok and b.ok
    assert a.image.read_bytes() == b.image.read_bytes()
    assert (tmp_path / "a" / "bootspec.json").read_text() == \
        (tmp_path / "b" / "bootspec.json").read_text()


def test_no_change_rebuild_does_no_work(build, tmp_path):
    first = build(HELLO, tmp_path / "out")
    assert first.ok and not first.no_op
    stamp = first.image.stat().st_mtime_ns
    again = build(HELLO, tmp_path / "out")
    assert again.ok and again.no_op
    assert again.image.stat().st_mtime_ns == stamp


def built_copy_of_hello(build, tmp_path: Path):  # noqa: ANN001, ANN201
    """hello copied to tmp_path/app and built into tmp_path/out; the build and its C file."""
    app = tmp_path / "app"
    shutil.copytree(HELLO, app)
    first = build(app, tmp_path / "out")
    assert first.ok
    return first, app / "components" / "Hello" / "src" / "hello.c"


def test_source_change_rebuilds_and_failed_build_keeps_the_old_image(build, tmp_path):
    first, source = built_copy_of_hello(build, tmp_path)
    old = first.image.read_bytes()
    source.write_text(source.read_text().replace("return 0;", "return 0 /* missing ; */"))
    broken = build(tmp_path / "app", tmp_path / "out")
    assert not broken.ok and broken.image is None
    *found, last = broken.diagnostics
    assert last.message == "the build failed; the previous image (if any) is unchanged"
    assert [(Path(d.span.file).name, d.severity) for d in found] == [("hello.c", "error")]
    assert (tmp_path / "out" / "image.elf").read_bytes() == old


def test_the_image_holds_the_boot_spec_written_beside_it(build, tmp_path):
    from mkbuild import bootspec as bs

    out = build(HELLO, tmp_path / "out").build_dir
    blob = (out / "bootspec.bin").read_bytes()
    assert blob in (out / "image.elf").read_bytes()
    assert bs.encode(bs.from_json((out / "bootspec.json").read_text())) == blob


def test_a_program_too_big_for_the_board_keeps_the_old_image_until_fixed(build, tmp_path):
    first, source = built_copy_of_hello(build, tmp_path)
    old = first.image.read_bytes()
    good = source.read_text()
    # Links fine; only the boot spec finds that 512 MiB of .bss cannot fit the RAM.
    source.write_text("char mkbuild_test_huge[0x20000000];\n" + good.replace(
        "return 0;", "mkbuild_test_huge[1] = 1;\n    return 0;"))
    newer_than(source, first.image)
    for _ in range(2):  # the second time ninja has nothing to link: still refused
        broken = build(tmp_path / "app", tmp_path / "out")
        assert not broken.ok and broken.image is None
        assert [d.message for d in broken.diagnostics] == [
            "the system does not fit the RAM of `qemu-arm-virt`: its programs and kernel "
            "objects need 0x20045000 bytes, 0x1fb00000 are free"]
        assert (tmp_path / "out" / "image.elf").read_bytes() == old
    source.write_text(good)
    newer_than(source, first.image)
    fixed = build(tmp_path / "app", tmp_path / "out")
    assert fixed.ok and fixed.image.read_bytes() == old


def test_new_source_file_is_picked_up(build, tmp_path):
    app = tmp_path / "app"
    shutil.copytree(HELLO, app)
    assert build(app, tmp_path / "out").ok
    extra = app / "components" / "Hello" / "src" / "extra.c"
    extra.write_text("int extra_value(void) { return 7; }\n")
    again = build(app, tmp_path / "out")
    assert again.ok and not again.no_op
    assert (tmp_path / "out" / "instances" / "hello" / "0_extra.o").exists()


def test_missing_component_sources_are_reported(build, tmp_path):
    app = tmp_path / "app"
    shutil.copytree(HELLO, app)
    shutil.rmtree(app / "components")
    result = build(app, tmp_path / "out")
    assert not result.ok
    d = result.diagnostics[-1]
    assert d.message.startswith("component `Hello` has a control thread but no C sources")
    assert (d.span.line, d.span.col) == (4, 11)
