"""Mangled SDFs (values replaced, text cut, markup inserted, lines shuffled) give
diagnostics, never a traceback, through the front end, the model and the layout."""

from __future__ import annotations

import random
from pathlib import Path

from mkbuild import platform as platforms
from mkbuild.microkit import plan
from sdf import load_sdf
from sdf.to_system import to_system

HERE = Path(__file__).parent
SEEDS = sorted(HERE.glob("systems/*/*.system")) + sorted(HERE.glob("bad/*.system"))
VALUES = ["", "-1", "0x", "99999999999999999999999", "1_", "true", "x", "0x1000", "62", "254",
          "255", "0x200000", "\u00e9", "0x7f00000000"]
INSERTS = ["<", ">", '"', '<map mr="x" vaddr="0"/>', "</system>", "<!--", "&", "<end/>",
           '<irq irq="34" id="5"/>', '<protection_domain name="p"/>']


def _mangle(rnd: random.Random, src: str) -> str:
    for _ in range(rnd.randint(1, 4)):
        kind = rnd.randrange(4)
        quotes = [i for i, c in enumerate(src) if c == '"']
        if kind == 0 and len(quotes) > 1:
            a = rnd.choice(quotes[::2])
            b = src.find('"', a + 1)
            src = src[:a + 1] + rnd.choice(VALUES) + src[b:] if b > 0 else src
        elif kind == 1 and src:
            p = rnd.randrange(len(src))
            src = src[:p] + src[p + rnd.randint(1, 20):]
        elif kind == 2:
            p = rnd.randrange(len(src) + 1)
            src = src[:p] + rnd.choice(INSERTS) + src[p:]
        else:
            lines = src.splitlines()
            rnd.shuffle(lines)
            src = "\n".join(lines)
    return src


def test_mangled_sdfs_never_raise(tmp_path):
    rnd = random.Random(17)
    board, _ = platforms.load("qemu-arm-virt")
    loaded = 0
    for i in range(600):
        f = tmp_path / f"m{i}.system"
        f.write_text(_mangle(rnd, rnd.choice(SEEDS).read_text()))
        system, diagnostics = load_sdf(f)
        assert all(d.span is None or d.span.line >= 1 for d in diagnostics)
        if system is not None:
            loaded += 1
            to_system(system)
            plan.plan(system, board)
    assert loaded > 10  # some mangled files are still valid and go through the back end
