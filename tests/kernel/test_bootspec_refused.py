"""A malformed boot spec is refused at boot with a clear message and status 3,
before any object is written."""

import struct

import pytest
from sysbuild import boot

from mkbuild import bootspec as bs

HELLO = r"""
#include <stdio.h>
int main(void) { printf("should not run\n"); return 0; }
"""


def _hello(make_system):
    sys = make_system()
    s = sys.space("hello", HELLO)
    sys.cap(s, 1, sys.endpoint("ep"))
    sys.cap(s, 2, sys.notification("n"))
    sys.thread(s, "hello.control")
    sys.finish()
    return sys


def _first(spec: bs.BootSpec, typ: bs.ObjType) -> int:
    return next(i for i, o in enumerate(spec.objects) if o.type == typ)


MUTATIONS = {
    "overlapping objects": (
        lambda s: setattr(s.objects[_first(s, bs.ObjType.ENDPOINT)], "paddr",
                          s.objects[_first(s, bs.ObjType.TCB)].paddr),
        "overlap at"),
    "cap slot outside its cnode": (
        lambda s: setattr(s.caps[0], "slot", 64), "slot 64 outside its CNode of 64 slots"),
    "cap in a non-cnode": (
        lambda s: setattr(s.caps[0], "cnode", _first(s, bs.ObjType.TCB)),
        "missing or of the wrong type"),
    "object outside RAM": (
        lambda s: setattr(s.objects[_first(s, bs.ObjType.TCB)], "paddr", 0x1000),
        "is outside RAM"),
    "object over the kernel": (
        lambda s: setattr(s.objects[_first(s, bs.ObjType.ENDPOINT)], "paddr", 0x40100000),
        "overlaps the kernel"),
    "misaligned object": (
        lambda s: setattr(s.objects[_first(s, bs.ObjType.TCB)], "paddr",
                          s.objects[_first(s, bs.ObjType.TCB)].paddr + 16),
        "is not aligned"),
    "same address mapped twice": (
        lambda s: s.mappings.append(s.mappings[0]), "is mapped twice"),
    "no page tables": (
        lambda s: [setattr(o, "type", bs.ObjType.FRAME) or setattr(o, "size_bits", 12)
                   for o in s.objects if o.type == bs.ObjType.PAGE_TABLE],
        "out of page tables"),
    "thread with a frame as cspace": (
        lambda s: setattr(s.tcbs[0], "cspace", _first(s, bs.ObjType.FRAME)),
        "CSpace of record 0"),
    "bad frame size": (
        lambda s: setattr(s.objects[_first(s, bs.ObjType.FRAME)], "size_bits", 13),
        "frame size bits 13"),
    "interrupt that does not exist": (
        lambda s: s.irqs.append(bs.IrqBinding(5000, _first(s, bs.ObjType.NOTIFICATION))),
        "interrupt 5000 cannot be bound"),
    "interrupt bound to an endpoint": (
        lambda s: s.irqs.append(bs.IrqBinding(34, _first(s, bs.ObjType.ENDPOINT))),
        "notification of record 0: object"),
    "the timer interrupt": (
        lambda s: s.irqs.append(bs.IrqBinding(27, _first(s, bs.ObjType.NOTIFICATION))),
        "interrupt 27 cannot be bound"),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_malformed_spec_is_refused(make_system, case):
    mutate, message = MUTATIONS[case]
    sys = _hello(make_system)
    mutate(sys.spec)
    run = boot(sys.platform, sys.image(bs.encode(sys.spec)))
    line = next((x for x in run.output.splitlines() if x.startswith("BOOT SPEC REJECTED: ")), "")
    assert message in line, run.output
    assert "should not run" not in run.output
    assert run.status == 3


@pytest.mark.parametrize("case, patch, message", [
    ("bad magic", lambda b: b"XXXX" + b[4:], "bad magic or version"),
    ("table beyond the end", lambda b: b[:12] + struct.pack("<I", 100000) + b[16:],
     "object table runs past the end"),
    ("truncated", lambda b: b[:70], "total size"),
])
def test_corrupt_spec_bytes_are_refused(make_system, case, patch, message):
    sys = _hello(make_system)
    run = boot(sys.platform, sys.image(patch(bs.encode(sys.spec))))
    assert "BOOT SPEC REJECTED: " in run.output
    assert message in run.output
    assert run.status == 3


def test_randomly_corrupted_specs_never_crash_or_hang_the_kernel(make_system):
    import random

    sys = _hello(make_system)
    good = bs.encode(sys.spec)
    rng = random.Random(2026)
    for case in range(12):
        blob = bytearray(good)
        for _ in range(rng.choice((1, 2, 4, 8))):
            pos = rng.randrange(64, len(blob))    # the tables, not the header
            blob[pos] = rng.randrange(256)
        run = boot(sys.platform, sys.image(bytes(blob)), timeout=20)
        assert "KERNEL PANIC" not in run.output, (case, run.output)
        assert run.status in (0, 2, 3, 4), (case, run.status, run.output)
        if run.status == 3:
            assert "BOOT SPEC REJECTED: " in run.output
