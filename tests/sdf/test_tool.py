"""The SDK's bin/microkit as a Microkit user meets it: its command line, its exit
codes, its diagnostics, the files it writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import programs  # noqa: E402

SYSTEMS = Path(__file__).parent / "systems"


def _microkit(sdk: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(sdk / "bin" / "microkit"), *args], capture_output=True,
                          text=True, cwd=cwd)


def test_writes_the_image_and_the_report(sdk_dir, tmp_path):
    programs.build(SYSTEMS / "pingpong", sdk_dir, "zcu102", tmp_path)
    proc = _microkit(sdk_dir, str(SYSTEMS / "pingpong" / "pingpong.system"), "--search-path",
                     str(tmp_path), "--board", "zcu102", "--config", "debug", "-o",
                     str(tmp_path / "loader.img"), "-r", str(tmp_path / "report.txt"),
                     "--viper-output", str(tmp_path / "viper"))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert (tmp_path / "loader.img").stat().st_size > 0x50
    report = (tmp_path / "report.txt").read_text().splitlines()
    assert "protection domain client: priority 1, image client.elf" in report
    assert f"  slot  77: server.input (W, badge {(1 << 63) | 7:#x})" in report
    assert "  slot  10: server.notification (W, badge 0x80)" not in report  # id 3, not 0
    assert "  slot  13: server.notification (W, badge 0x80)" in report


def test_a_bad_system_is_diagnosed_and_nothing_written(sdk_dir, tmp_path):
    bad = Path(__file__).parent / "bad" / "several.system"
    proc = _microkit(sdk_dir, str(bad), "--board", "qemu_virt_aarch64", "--config", "release",
                     "-o", str(tmp_path / "loader.img"), "-r", str(tmp_path / "report.txt"))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{bad}:6:9: error: unknown memory region `buff` in `map`")
    assert not (tmp_path / "loader.img").exists()


def test_a_missing_program_image_is_an_error_at_its_element(sdk_dir, tmp_path):
    sdf = SYSTEMS / "pingpong" / "pingpong.system"
    proc = _microkit(sdk_dir, str(sdf), "--search-path", str(tmp_path), "--board",
                     "qemu_virt_aarch64", "--config", "debug", "-o", str(tmp_path / "l.img"))
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0].startswith(
        f"{sdf}:7:9: error: program image `client.elf` of protection domain `client` not found")


def test_misuse_is_exit_2(sdk_dir):
    proc = _microkit(sdk_dir, "x.system", "--board", "odroidc4", "--config", "debug")
    assert proc.returncode == 2
    assert "invalid choice: 'odroidc4'" in proc.stderr
