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


BOARDS = ["qemu-arm-virt", "zcu102"]


def _hello(make_system, board="qemu-arm-virt"):
    sys = make_system(board)
    s = sys.space("hello", HELLO)
    sys.cap(s, 1, sys.endpoint("ep"))
    sys.cap(s, 2, sys.notification("n"))
    sys.thread(s, "hello.control")
    sys.finish()
    return sys


def _first(spec: bs.BootSpec, typ: bs.ObjType) -> int:
    return next(i for i, o in enumerate(spec.objects) if o.type == typ)


def _ipc_mapping(spec: bs.BootSpec) -> bs.Mapping:
    t = spec.tcbs[0]
    return next(m for m in spec.mappings if m.frame == t.ipc_buffer_frame)


def _kernel_device(sys, which: int, offset: int) -> None:
    """A device frame `offset` bytes into the board's `which`th kernel device window
    (0 console, 1 GIC distributor, 2 CPU interface, 3 hypervisor, 4 virtual CPU)."""
    base, size = sys.platform.kernel_devices[which]
    sys.device_frame("alias", base + (offset % size))


def _second_thread_sharing_the_ipc_buffer(sys) -> None:
    first = sys.spec.tcbs[0]
    tcb = sys.obj("twin.tcb", bs.ObjType.TCB)
    sys.spec.tcbs.append(bs.Tcb(tcb, "twin", first.cspace, first.vspace, pc=first.pc,
                                sp=first.sp, ipc_buffer_vaddr=first.ipc_buffer_vaddr,
                                ipc_buffer_frame=first.ipc_buffer_frame))


# Each case breaks one invariant of docs/bootspec.md ("What the kernel refuses") on a
# correct spec; mutate(builder) may use the board's own addresses.
MUTATIONS = {
    "overlapping objects": (
        lambda b: setattr(b.spec.objects[_first(b.spec, bs.ObjType.ENDPOINT)], "paddr",
                          b.spec.objects[_first(b.spec, bs.ObjType.TCB)].paddr),
        "overlap at"),
    "cap slot outside its cnode": (
        lambda b: setattr(b.spec.caps[0], "slot", 64), "slot 64 outside its CNode of 64 slots"),
    "cap in a non-cnode": (
        lambda b: setattr(b.spec.caps[0], "cnode", _first(b.spec, bs.ObjType.TCB)),
        "missing or of the wrong type"),
    "object outside RAM": (
        lambda b: setattr(b.spec.objects[_first(b.spec, bs.ObjType.TCB)], "paddr", 0x9000_0000),
        "is outside RAM"),
    "object over the kernel image": (
        lambda b: setattr(b.spec.objects[_first(b.spec, bs.ObjType.ENDPOINT)], "paddr",
                          b.platform.kernel_load_address),
        "overlaps the kernel"),
    "object over the boot spec": (   # the spec lies at the end of the kernel image
        lambda b: setattr(b.spec.objects[_first(b.spec, bs.ObjType.ENDPOINT)], "paddr",
                          b.platform.kernel_load_address + b.platform.kernel_region_size - 16),
        "overlaps the kernel"),
    "object in reserved memory": (   # zcu102: the first MiB; virt: QEMU's device tree
        lambda b: setattr(b.spec.objects[_first(b.spec, bs.ObjType.ENDPOINT)], "paddr",
                          b.platform.reserved[0][0] + 0x1000),
        "overlaps reserved memory at"),
    "misaligned object": (
        lambda b: setattr(b.spec.objects[_first(b.spec, bs.ObjType.TCB)], "paddr",
                          b.spec.objects[_first(b.spec, bs.ObjType.TCB)].paddr + 16),
        "is not aligned"),
    "same address mapped twice": (
        lambda b: b.spec.mappings.append(b.spec.mappings[0]), "is mapped twice"),
    "no page tables": (
        lambda b: [setattr(o, "type", bs.ObjType.FRAME) or setattr(o, "size_bits", 12)
                   for o in b.spec.objects if o.type == bs.ObjType.PAGE_TABLE],
        "out of page tables"),
    "thread with a frame as cspace": (
        lambda b: setattr(b.spec.tcbs[0], "cspace", _first(b.spec, bs.ObjType.FRAME)),
        "CSpace of record 0"),
    "bad frame size": (
        lambda b: setattr(b.spec.objects[_first(b.spec, bs.ObjType.FRAME)], "size_bits", 13),
        "frame size bits 13"),
    "interrupt that does not exist": (
        lambda b: b.spec.irqs.append(bs.IrqBinding(5000, _first(b.spec, bs.ObjType.NOTIFICATION))),
        "interrupt 5000 cannot be bound"),
    "interrupt bound to an endpoint": (
        lambda b: b.spec.irqs.append(bs.IrqBinding(34, _first(b.spec, bs.ObjType.ENDPOINT))),
        "notification of record 0: object"),
    "the timer interrupt": (
        lambda b: b.spec.irqs.append(bs.IrqBinding(27, _first(b.spec, bs.ObjType.NOTIFICATION))),
        "interrupt 27 cannot be bound"),
    "a software-generated interrupt": (
        lambda b: b.spec.irqs.append(bs.IrqBinding(3, _first(b.spec, bs.ObjType.NOTIFICATION))),
        "interrupt 3 cannot be bound"),
    "an interrupt taken on a core QEMU lacks": (
        lambda b: b.spec.irqs.append(bs.IrqBinding(34, _first(b.spec, bs.ObjType.NOTIFICATION),
                                                   core=4)),
        "irq binding 0: interrupt 34 to core 4 (4 cores online)"),
    # device frames reaching a device the kernel drives, anywhere in its decode window
    "device frame on the console": (lambda b: _kernel_device(b, 0, -0x1000),
                                    "reaches the kernel's device at"),
    "device frame on a GIC distributor mirror": (lambda b: _kernel_device(b, 1, 0x1000),
                                                 "reaches the kernel's device at"),
    "device frame on a GIC CPU interface mirror": (lambda b: _kernel_device(b, 2, 0xf000),
                                                   "reaches the kernel's device at"),
    "device frame on the GIC hypervisor interface": (lambda b: _kernel_device(b, 3, 0),
                                                     "reaches the kernel's device at"),
    "device frame on the GIC virtual CPU interface": (lambda b: _kernel_device(b, 4, 0x2000),
                                                      "reaches the kernel's device at"),
    "device frame flagged zero": (
        lambda b: b.spec.add(bs.KObject("dev", bs.ObjType.FRAME, b.platform.devices[0].base, 12,
                                        zero=True)),
        "is flagged zero"),
    # objects named but never configured
    "a TCB no thread record configures": (
        lambda b: b.spec.caps.append(bs.Cap(b.spec.tcbs[0].cspace, 3,
                                            b.obj("ghost", bs.ObjType.TCB))),
        "TCB that no thread record configures"),
    "a TCB configured twice": (
        lambda b: b.spec.tcbs.append(b.spec.tcbs[0]), "configured twice"),
    # IPC buffers: private, writable, in the thread's own address space
    "IPC buffer mapped read-only": (
        lambda b: setattr(_ipc_mapping(b.spec), "rights", bs.MapRights.READ),
        "IPC buffer at 0x20000000 is mapped read-only"),
    "IPC buffer also mapped elsewhere": (
        lambda b: b.spec.mappings.append(bs.Mapping(_ipc_mapping(b.spec).vspace, 0x2000_8000,
                                                    _ipc_mapping(b.spec).frame)),
        "is mapped more than once (shared)"),
    "IPC buffer in another address space": (
        lambda b: setattr(b.spec.tcbs[0], "vspace", b.obj("other.vspace", bs.ObjType.VSPACE)),
        "IPC buffer frame is not mapped at 0x20000000"),
    "two threads on one IPC buffer": (_second_thread_sharing_the_ipc_buffer,
                                      "is another thread's IPC buffer"),
    "IPC buffer in device memory": (
        lambda b: setattr(b.spec.tcbs[0], "ipc_buffer_frame",
                          b.device_frame("dev", b.platform.devices[0].base)),
        "not in RAM"),
    # 2 MiB frames (block mappings): aligned to 2 MiB, never over the kernel or its devices
    "2 MiB frame aligned to 4 KiB only": (
        lambda b: setattr(b.spec.objects[b.obj("big", bs.ObjType.FRAME, 21)], "paddr",
                          b.alloc(0x200000) + 0x1000),
        "is not aligned to its size 0x200000"),
    "2 MiB frame over the kernel image": (
        lambda b: b.spec.add(bs.KObject("big", bs.ObjType.FRAME,
                                        b.platform.kernel_load_address & ~0x1FFFFF, 21)),
        "overlaps the kernel"),
    "2 MiB device frame over the GIC": (
        lambda b: b.spec.add(bs.KObject("big", bs.ObjType.FRAME,
                                        b.platform.gic_distributor & ~0x1FFFFF, 21, zero=False)),
        "reaches the kernel's device at"),
    "2 MiB frame mapped at a 4 KiB boundary": (
        lambda b: b.spec.mappings.append(bs.Mapping(_ipc_mapping(b.spec).vspace, 0x4000_1000,
                                                    b.obj("big", bs.ObjType.FRAME, 21))),
        "vaddr 0x40001000 misaligned"),
    "unknown header flag": (lambda b: setattr(b.spec, "flags", 0x80),
                            "unknown header flags 0x80"),
}


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("case", list(MUTATIONS))
def test_malformed_spec_is_refused(make_system, case, board):
    mutate, message = MUTATIONS[case]
    sys = _hello(make_system, board)
    mutate(sys)
    run = boot(sys.platform, sys.image(bs.encode(sys.spec)))
    line = next((x for x in run.output.splitlines() if x.startswith("BOOT SPEC REJECTED: ")), "")
    assert message in line, run.output
    assert "should not run" not in run.output
    assert run.status == 3


@pytest.mark.parametrize("board", BOARDS)
def test_the_unmutated_spec_boots(make_system, board):
    sys = _hello(make_system, board)
    run = boot(sys.platform, sys.image(bs.encode(sys.spec)))
    assert "should not run" in run.output
    assert run.status == 0


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
