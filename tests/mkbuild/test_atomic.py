import os

import pytest

from mkbuild.atomic import write_atomically


def test_replaces_the_whole_file_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "sub" / "image.elf"
    write_atomically(out, b"one")
    write_atomically(out, b"two")
    assert out.read_bytes() == b"two"
    assert [p.name for p in out.parent.iterdir()] == ["image.elf"]


def test_output_has_ordinary_permissions_not_a_temporary_files(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "image.elf", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "image.elf").stat().st_mode & 0o777 == 0o644


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    out = tmp_path / "image.elf"
    write_atomically(out, b"good")
    with pytest.raises(TypeError):
        write_atomically(out, "not bytes")  # type: ignore[arg-type]
    assert out.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["image.elf"]
