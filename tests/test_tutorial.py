"""docs/tutorial.md cannot drift: every `$ command` in its transcripts is run (bash, in
a directory with images/thermo copied as thermo/ and seL4's camkes checkout linked as
camkes/) and what it prints, stdout and stderr as a terminal interleaves them, must be
the lines the tutorial shows after it; the code listings must be the files' text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "docs" / "tutorial.md"
CAMKES = Path(os.environ.get("MKBUILD_CAMKES_CHECKOUT", "/work/camkes-apps"))
# What may differ between two honest runs: build times, how many steps a build has
# (a kernel source more is one more), and how many cores the kernel brought up.
VOLATILE = [(re.compile(r"built in \d+\.\d+ s"), "built in N s"),
            (re.compile(r"\(\d+ steps\)"), "(N steps)"),
            (re.compile(r"^mk: \d+ of (\d+) cores online$", re.M), r"mk: N of \1 cores online")]

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """(language, lines) of every fenced block."""
    return [(m.group(1), m.group(2).splitlines())
            for m in re.finditer(r"^```(\w*)\n(.*?)^```$", text, re.M | re.S)]


def transcripts() -> list[tuple[str, str]]:
    """(command, the output the tutorial shows for it), in order."""
    steps: list[tuple[str, list[str]]] = []
    for _, lines in blocks(TUTORIAL.read_text()):
        if not lines or not lines[0].startswith("$ "):
            continue
        for line in lines:
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return [(cmd, "\n".join(out)) for cmd, out in steps]


def normal(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text.rstrip("\n")


def test_the_listings_are_the_files():
    listings = [lines for lang, lines in blocks(TUTORIAL.read_text()) if lang == "c"]
    assert len(listings) == 2
    for lines in listings:
        caption = re.match(r"/\* ([^\s,]+)", lines[0])  # the file's name starts the caption
        assert caption, lines[0]
        name = caption.group(1)
        path = REPO / name if (REPO / name).exists() else REPO / "images" / "thermo" / name
        assert "\n".join(lines[1:]) + "\n" in path.read_text(), name


def test_every_command_prints_what_the_tutorial_shows(tmp_path):
    shutil.copytree(REPO / "images" / "thermo", tmp_path / "thermo")
    if CAMKES.is_dir():
        (tmp_path / "camkes").symlink_to(CAMKES)
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    steps = transcripts()
    assert len(steps) >= 10
    for command, shown in steps:
        if command.split()[2:3] == ["camkes/apps/adder"] and not CAMKES.is_dir():
            continue  # no camkes checkout here
        run = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        assert normal(run.stdout) == normal(shown), command
