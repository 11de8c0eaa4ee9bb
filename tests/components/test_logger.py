"""components/Logger: imported with `import <Logger/Logger.camkes>;` from any system,
its code found beside its ADL; booted on both boards, every client's text comes
out as whole lines, named or numbered by badge."""

import shutil
from pathlib import Path

import pytest

from mkbuild import pipeline

SYSTEM = Path(__file__).parent / "fixtures" / "logger" / "system.adl"

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def lines_of(console: str, who: str) -> list[str]:
    return [line for line in console.splitlines() if line.startswith(f"log[{who}]")]


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_clients_text_comes_out_as_whole_lines(tmp_path, board):
    compiled = pipeline.compile(SYSTEM, board, build_root=tmp_path)
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    run = pipeline.boot(compiled, board, timeout=30).run
    assert run.status == "exited" and run.exit_code == 0 and run.faults == [], run.console
    assert lines_of(run.console, "sensor") == [
        "log[sensor] part 1/3, part 2/3, part 3/3 (first line)",
        "log[sensor] part 1/3, part 2/3, part 3/3 (second line)"]
    assert lines_of(run.console, "actuator") == [
        "log[actuator] part 1/2, part 2/2 (first line)",
        "log[actuator] part 1/2, part 2/2 (second line)"]
    # No name given for the third client: it goes by its badge.
    assert lines_of(run.console, "client 3") == [
        "log[client 3] part 1/1 (first line)", "log[client 3] part 1/1 (second line)"]
    # Every line of the logger is one of these six: nothing was split or mixed.
    assert len([line for line in run.console.splitlines() if line.startswith("log[")]) == 6


def test_without_client_names_every_client_goes_by_its_badge(tmp_path):
    text = SYSTEM.read_text()
    named = '        logger.client_names = ["sensor", "actuator"];  /* spare goes by its badge */\n'
    assert named in text
    system = tmp_path / "unnamed" / "system.adl"
    shutil.copytree(SYSTEM.parent, system.parent)
    system.write_text(text.replace(named, ""))
    compiled = pipeline.compile(system, "qemu-arm-virt", build_root=tmp_path / "build")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    run = pipeline.boot(compiled, "qemu-arm-virt", timeout=30).run
    assert run.status == "exited", run.console
    assert sorted({line.split("]")[0] for line in run.console.splitlines()
                   if line.startswith("log[")}) == ["log[client 1", "log[client 2", "log[client 3"]
