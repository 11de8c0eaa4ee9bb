"""A tiny hand layout for kernel tests (until mkbuild.layout exists): compile user
C programs with the runtime, give every page a frame, write the boot spec by hand
and make one image with mkbuild.image. Run it in QEMU and return the console."""

from __future__ import annotations

import os
import re
import select
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.elffile import ELFFile

from mkbuild import bootspec as bs
from mkbuild import image, toolchain
from mkbuild.atomic import write_atomically
from mkbuild.platform import Platform

PAGE = 4096

# C: say(fmt, ...) prints one line with one DebugWrite, so threads printing at once on
# several cores do not mix their characters.
SAY = r"""
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sel4/sel4.h>
static void say(const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mk_debug_write(line, strlen(line));
}
"""
STACK_PAGES = 4
STACK_AREA = 0x1000_0000  # thread i: guard page, then its stack, at STACK_AREA + i * 64 KiB
IPC_AREA = 0x2000_0000


@dataclass
class Space:
    name: str
    elf: Path
    cnode: int
    vspace: int
    entry: int
    symbols: dict[str, int]
    threads: int = 0


@dataclass
class Run:
    output: str
    status: int


@dataclass
class SystemBuilder:
    platform: Platform
    kernel_elf: Path
    workdir: Path
    kernel_el2_elf: Path | None = None  # in the image too: run where it enters at EL2/EL3
    spec: bs.BootSpec = field(default_factory=bs.BootSpec)
    blobs: list[image.Blob] = field(default_factory=list)
    sc_of: dict[str, int] = field(default_factory=dict)
    _next: int = 0
    _end: int = 0

    def __post_init__(self) -> None:
        base, size = max(self.platform.free_ram(), key=lambda r: r[1])
        self._next, self._end = base, base + size

    def alloc(self, size: int) -> int:
        addr = (self._next + size - 1) & ~(size - 1)
        self._next = addr + size
        assert self._next <= self._end, "test system does not fit in RAM"
        return addr

    def obj(self, name: str, typ: bs.ObjType, size_bits: int = 0, **kw) -> int:
        o = bs.KObject(name, typ, size_bits=size_bits, **kw)
        if typ not in bs.NO_MEMORY:
            o.paddr = self.alloc(o.size())
        return self.spec.add(o)

    def device_frame(self, name: str, paddr: int) -> int:
        return self.spec.add(bs.KObject(name, bs.ObjType.FRAME, paddr, 12, zero=False))

    def endpoint(self, name: str) -> int:
        return self.obj(name, bs.ObjType.ENDPOINT)

    def notification(self, name: str) -> int:
        return self.obj(name, bs.ObjType.NOTIFICATION)

    def compile(self, name: str, source: str, extra: list[str] = ()) -> Path:
        src = self.workdir / f"{name}.c"
        src.write_text(source)
        out = self.workdir / f"{name}.elf"
        cmd = toolchain.user_compile_command(toolchain.AARCH64, [src], out, list(extra))
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return out

    def guest_space(self, name: str, code: bytes, base: int, pages: int = 1) -> Space:
        """A guest's physical memory: `pages` frames from guest-physical `base`, the
        first holding `code` (run from `base` at EL1), mapped read/write/execute."""
        cnode = self.obj(f"{name}.cnode", bs.ObjType.CNODE, 6)
        vspace = self.obj(f"{name}.ram", bs.ObjType.VSPACE)
        for p in range(pages):
            chunk = code[p * PAGE:(p + 1) * PAGE]
            f = self.obj(f"{name}.{base + p * PAGE:#x}", bs.ObjType.FRAME, 12, zero=not chunk)
            if chunk:
                self.blobs.append(image.Blob(self.spec.objects[f].paddr, chunk.ljust(PAGE, b"\0")))
            self.spec.mappings.append(bs.Mapping(vspace, base + p * PAGE, f, bs.MapRights.READ
                                                 | bs.MapRights.WRITE | bs.MapRights.EXECUTE))
        return Space(name, Path(), cnode, vspace, base, {})

    def space(self, name: str, source: str, cnode_bits: int = 6, extra: list[str] = ()) -> Space:
        """A program in its own address space (and its own CSpace); `extra`: more compiler
        arguments (include directories, other sources)."""
        elf = self.compile(name, source, extra)
        cnode = self.obj(f"{name}.cnode", bs.ObjType.CNODE, cnode_bits)
        vspace = self.obj(f"{name}.vspace", bs.ObjType.VSPACE)
        entry, segments = image.read_user_elf(elf)
        for seg in segments:
            start = seg.vaddr & ~(PAGE - 1)
            end = (seg.vaddr + seg.memsz + PAGE - 1) & ~(PAGE - 1)
            content = b"\0" * (seg.vaddr - start) + seg.data
            for va in range(start, end, PAGE):
                chunk = content[va - start: va - start + PAGE]
                preload = any(chunk)
                f = self.obj(f"{name}.{va:#x}", bs.ObjType.FRAME, 12, zero=not preload)
                if preload:
                    self.blobs.append(image.Blob(self.spec.objects[f].paddr,
                                                 chunk.ljust(PAGE, b"\0")))
                rights = bs.MapRights.READ
                if seg.writable:
                    rights |= bs.MapRights.WRITE
                if seg.executable:
                    rights |= bs.MapRights.EXECUTE
                self.spec.mappings.append(bs.Mapping(vspace, va, f, rights))
        with open(elf, "rb") as fh:
            symtab = ELFFile(fh).get_section_by_name(".symtab")
            symbols = {s.name: s["st_value"] for s in symtab.iter_symbols() if s.name}
        return Space(name, elf, cnode, vspace, entry, symbols)

    def thread(self, space: Space, name: str, priority: int = 100, entry: str | None = None,
               args: tuple[int, int, int, int] = (0, 0, 0, 0), system_end: bool = True,
               fault_ep_slot: int = 0, start_suspended: bool = False,
               function: str | None = None, budget_us: int = bs.DEFAULT_BUDGET_US,
               period_us: int = bs.DEFAULT_PERIOD_US, passive: bool = False, data: int = 0,
               extra_refills: int = 0, timeout_ep_slot: int = 0,
               configured: bool = True, vcpu: int = bs.NO_OBJECT, core: int = 0) -> int:
        """A thread in `space` with its own stack (below a guard page), IPC buffer and
        reply object, and (unless `passive`) a scheduling context of `budget_us` per
        `period_us` (CAmkES's 10 ms / 10 ms by default; `configured=False`: an empty one)
        on `core`.
        `function`: start through the runtime's __mk_thread_start, which gives the
        thread its own TLS block and calls function(args[0], args[1], args[2]).
        The scheduling context's object index is `self.sc_of[name]`. `vcpu`: the VCPU
        object it runs as (its context is a guest's EL1 code)."""
        space.threads += 1
        slot = len(self.spec.tcbs)
        stack_base = STACK_AREA + slot * 0x10000 + PAGE
        for p in range(STACK_PAGES):
            f = self.obj(f"{name}.stack{p}", bs.ObjType.FRAME, 12)
            self.spec.mappings.append(bs.Mapping(space.vspace, stack_base + p * PAGE, f))
        ipc_va = IPC_AREA + slot * PAGE
        ipc = self.obj(f"{name}.ipc", bs.ObjType.FRAME, 12)
        self.spec.mappings.append(bs.Mapping(space.vspace, ipc_va, ipc))
        tcb = self.obj(f"{name}.tcb", bs.ObjType.TCB)
        reply = self.obj(f"{name}.reply", bs.ObjType.REPLY)
        sc = bs.NO_OBJECT
        if not passive:
            sc = self.obj(f"{name}.sc", bs.ObjType.SCHED_CONTEXT, bs.DEFAULT_SC_SIZE_BITS)
            self.sc_of[name] = sc
            if configured:
                self.spec.sched_contexts.append(bs.SchedContext(
                    sc, budget_us, period_us, data, extra_refills, core))
        pc = space.symbols[entry] if entry else space.entry
        if function:
            pc = space.symbols["__mk_thread_start"]
            args = (space.symbols[function], *args[:3])
        self.spec.tcbs.append(bs.Tcb(
            tcb, name, space.cnode, space.vspace, pc=pc,
            sp=stack_base + STACK_PAGES * PAGE, args=args, ipc_buffer_vaddr=ipc_va,
            ipc_buffer_frame=ipc, priority=priority, fault_ep_slot=fault_ep_slot,
            system_end=system_end, start_suspended=start_suspended, sched_context=sc,
            reply=reply, timeout_ep_slot=timeout_ep_slot, vcpu=vcpu))
        return tcb

    def cap(self, space: Space, slot: int, obj: int, rights: bs.Rights = bs.Rights.ALL,
            badge: int = 0) -> None:
        self.spec.caps.append(bs.Cap(space.cnode, slot, obj, rights, badge))

    def finish(self) -> bytes:
        for i in range(bs.page_tables_needed(self.spec)):
            self.obj(f"pt{i}", bs.ObjType.PAGE_TABLE)
        return bs.encode(self.spec)

    def image(self, spec_bytes: bytes | None = None) -> Path:
        blob = self.finish() if spec_bytes is None else spec_bytes
        data = image.build_image(self.kernel_elf, blob, self.blobs,
                                 self.platform.kernel_region, self.kernel_el2_elf)
        out = self.workdir / "image.elf"
        write_atomically(out, data)
        return out


# Virtual time counts instructions, so timer interrupts (round robin) land on the
# same instruction every run: the tests' console output is deterministic.
DETERMINISTIC = ["-icount", "shift=0,sleep=off"]


STOPPED = -2  # boot() stopped QEMU on seeing its `until` line


def boot(platform: Platform, image_path: Path, timeout: float = 30,
         extra: list[str] = DETERMINISTIC, until: str | None = None,
         send: tuple[tuple[str, str], ...] = ()) -> Run:
    """Boot in QEMU until the guest ends it; console output and exit status.

    `until` (a regular expression) ends the run at the first console line matching
    it, status STOPPED: for systems whose other threads never finish (a spinner, a
    periodic thread), which the kernel rightly never calls finished. `send`: (pattern,
    text) pairs in order: each text is typed on the console once its regular expression
    matches the output after the previous one's match (a prompt need not end a line)."""
    log = image_path.parent / "console.txt"
    env = {**os.environ, **platform.qemu_env}
    pattern = re.compile(until) if until else None
    deadline = time.monotonic() + timeout
    # QEMU's own warnings go to stderr, kept apart from the guest's console.
    with open(log, "wb") as out, open(image_path.parent / "qemu-stderr.txt", "wb") as err:
        qemu = subprocess.Popen([*platform.qemu_command(image_path), *extra],
                                stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.PIPE if send else subprocess.DEVNULL,
                                env=env)
        status, line = None, b""
        to_send, seen, seen_from = list(send), "", 0
        try:
            while status is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    status = -1
                    break
                ready, _, _ = select.select([qemu.stdout], [], [], min(left, 1.0))
                if not ready:
                    continue
                chunk = os.read(qemu.stdout.fileno(), 65536)
                if not chunk:
                    status = qemu.wait()
                    break
                out.write(chunk)
                seen += chunk.decode(errors="replace")
                while to_send and (m := re.compile(to_send[0][0]).search(seen, seen_from)):
                    seen_from = m.end()
                    qemu.stdin.write(to_send.pop(0)[1].encode())
                    qemu.stdin.flush()
                line += chunk
                *whole, line = line.split(b"\n")
                if pattern and any(pattern.search(w.decode(errors="replace"))
                                   for w in whole):
                    status = STOPPED
        finally:
            if qemu.poll() is None:
                qemu.kill()
            qemu.wait()
            qemu.stdout.close()
            if qemu.stdin:
                qemu.stdin.close()
    return Run(log.read_text(errors="replace"), status)
