"""The board's device tree, for `dtb({...})` queries (seL4DTBHardware).

A board file may name where its tree comes from (`devicetree = "qemu"`: the tree
QEMU generates for the machine, asked for with `-machine <m>,dumpdtb=<file>`; or
a `.dtb`/`.dts` file beside the board file). `devices(platform)` is the board
file's own device list plus every node of that tree with registers outside RAM
that the kernel does not own (console UART, interrupt controller): what hardware
components may claim, each under its tree path.

The tree is read from the flattened form (FDT: header, structure block of
begin-node / property / end-node tokens, strings block), as the Devicetree
Specification describes it.
"""

from __future__ import annotations

import functools
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mkbuild.platform import PLATFORMS_DIR, Device, Platform
from model.diagnostics import Diagnostic, error

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


@dataclass
class Node:
    name: str  # "pl031@9010000"; "" for the root
    path: str  # "/pl031@9010000"
    props: dict[str, bytes] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    def cells(self, prop: str) -> list[int]:
        data = self.props.get(prop, b"")
        return list(struct.unpack(f">{len(data) // 4}I", data[: len(data) // 4 * 4]))

    def strings(self, prop: str) -> list[str]:
        return [s.decode("utf-8", "replace") for s in self.props.get(prop, b"").split(b"\0")
                if s]

    def walk(self):  # noqa: ANN201 (a generator of nodes)
        yield self
        for child in self.children:
            yield from child.walk()


class DeviceTreeError(ValueError):
    pass


def parse(blob: bytes) -> Node:
    """The root node of a flattened device tree."""
    if len(blob) < 40:
        raise DeviceTreeError("too short for a device tree header")
    magic, total, off_struct, off_strings = struct.unpack_from(">IIII", blob, 0)
    if magic != FDT_MAGIC:
        raise DeviceTreeError("not a flattened device tree (bad magic)")
    strings_size, struct_size = struct.unpack_from(">II", blob, 32)
    strings = blob[off_strings:off_strings + strings_size]
    pos, end = off_struct, off_struct + struct_size
    stack: list[Node] = []
    root: Node | None = None
    while pos < end:
        (token,) = struct.unpack_from(">I", blob, pos)
        pos += 4
        if token == FDT_BEGIN_NODE:
            stop = blob.index(b"\0", pos)
            name = blob[pos:stop].decode("utf-8", "replace")
            pos = (stop + 1 + 3) & ~3
            parent = stack[-1] if stack else None
            path = "/" if parent is None else (parent.path.rstrip("/") + "/" + name)
            node = Node(name, path, parent=parent)
            if parent is None:
                root = node
            else:
                parent.children.append(node)
            stack.append(node)
        elif token == FDT_END_NODE:
            if not stack:
                raise DeviceTreeError("unbalanced end of node")
            stack.pop()
        elif token == FDT_PROP:
            length, name_offset = struct.unpack_from(">II", blob, pos)
            pos += 8
            if not stack:
                raise DeviceTreeError("property outside a node")
            name_end = strings.index(b"\0", name_offset)
            stack[-1].props[strings[name_offset:name_end].decode()] = blob[pos:pos + length]
            pos = (pos + length + 3) & ~3
        elif token == FDT_NOP:
            continue
        elif token == FDT_END:
            break
        else:
            raise DeviceTreeError(f"unknown token {token:#x} at offset {pos - 4}")
    if root is None:
        raise DeviceTreeError("no root node")
    return root


def find(root: Node, path: str) -> Node | None:
    """A node by its full path, or by an alias (`/aliases` property) as CAmkES allows."""
    if not path.startswith("/"):
        aliases = next((n for n in root.children if n.name == "aliases"), None)
        target = aliases.strings(path) if aliases else []
        return find(root, target[0]) if target and target[0].startswith("/") else None
    return next((n for n in root.walk() if n.path == path.rstrip("/") or
                 (path == "/" and n.parent is None)), None)


def chosen(root: Node, prop: str) -> Node | None:
    """The node a `/chosen` property names (CAmkES's `dtb({"chosen": "stdout-path"})`):
    a path or an alias, with any `:options` after it dropped."""
    node = next((n for n in root.children if n.name == "chosen"), None)
    value = node.strings(prop) if node is not None and prop in node.props else []
    return find(root, value[0].split(":", 1)[0]) if value else None


def _number(cells: list[int]) -> int:
    value = 0
    for c in cells:
        value = (value << 32) | c
    return value


def regs(node: Node) -> list[tuple[int, int]]:
    """(address, size) pairs of `reg`, in the parent's address cells (no `ranges`
    translation: the nodes devices use sit on the root bus or a 1:1 `soc`)."""
    parent = node.parent
    acells = (parent.cells("#address-cells") or [2])[0] if parent else 2
    scells = (parent.cells("#size-cells") or [1])[0] if parent else 1
    cells, step = node.cells("reg"), acells + scells
    return [(_number(cells[i:i + acells]), _number(cells[i + acells:i + step]))
            for i in range(0, len(cells) - step + 1, step)] if step else []


def interrupts(root: Node, node: Node) -> list[int]:
    """GIC interrupt ids of `interrupts` (SPI n = 32 + n, PPI n = 16 + n), when the
    node's interrupt parent is a GIC with three cells per interrupt."""
    holder: Node | None = node
    while holder is not None and "interrupt-parent" not in holder.props:
        holder = holder.parent
    if holder is None:
        return []
    phandle = holder.cells("interrupt-parent")[0]
    gic = next((n for n in root.walk() if n.cells("phandle")[:1] == [phandle]), None)
    if gic is None or gic.cells("#interrupt-cells") != [3] or not any(
            "gic" in c for c in gic.strings("compatible")):
        return []
    cells = node.cells("interrupts")
    return [(32 if kind == 0 else 16) + number
            for kind, number, _flags in zip(cells[0::3], cells[1::3], cells[2::3],
                                            strict=False)]


@functools.cache
def _tree_bytes(source: str, qemu_binary: str | None, qemu_args: tuple[str, ...]) -> bytes:
    """The board's flattened tree (raises OSError / DeviceTreeError)."""
    if source == "qemu":
        if not qemu_binary:
            raise DeviceTreeError("the board has no QEMU machine to ask for its tree")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "board.dtb"
            args, skip = [], False
            for i, a in enumerate(qemu_args):
                if skip:
                    skip = False
                elif a == "-kernel":
                    skip = True
                elif i > 0 and qemu_args[i - 1] == "-machine":
                    args.append(f"{a},dumpdtb={out}")
                else:
                    args.append(a)
            subprocess.run([qemu_binary, *args], capture_output=True, timeout=30, check=False)
            if not out.exists():
                raise DeviceTreeError(f"{qemu_binary} did not write the machine's tree")
            return out.read_bytes()
    path = PLATFORMS_DIR / source
    if path.suffix == ".dts":
        done = subprocess.run(["dtc", "-I", "dts", "-O", "dtb", str(path)],
                              capture_output=True, timeout=30, check=False)
        if done.returncode != 0:
            raise DeviceTreeError(done.stderr.decode(errors="replace").strip())
        return done.stdout
    return path.read_bytes()


def board_tree(platform: Platform) -> tuple[Node | None, list[Diagnostic]]:
    """The board's device tree, or None (with why) when it has none or it cannot be read."""
    if not platform.devicetree:
        return None, []
    try:
        return parse(_tree_bytes(platform.devicetree, platform.qemu_binary,
                                 platform.qemu_args)), []
    except (OSError, subprocess.SubprocessError, ValueError, struct.error) as e:
        # ValueError: DeviceTreeError, or a truncated blob (a missing terminator).
        return None, [error(f"cannot read the device tree of `{platform.name}` "
                            f"({platform.devicetree}): {e}")]


def devices(platform: Platform) -> tuple[list[Device], list[Diagnostic]]:
    """The devices hardware components may claim (see module doc)."""
    listed = list(platform.devices)
    root, diags = board_tree(platform)
    if root is None:
        return listed, diags
    kernel_owned = platform.kernel_devices
    ram = [(b, b + s) for b, s in platform.ram]
    for node in root.walk():
        found = regs(node) if "reg" in node.props else []
        if not found or node.parent is None or node.props.get("device_type") == b"memory\0":
            continue
        base, size = found[0]
        if size == 0 or any(lo < base + size and base < hi for lo, hi in ram):
            continue
        if any(kb < base + size and base < kb + ks for kb, ks in kernel_owned):
            continue
        if any(d.base == base for d in listed):
            continue
        compatible = node.strings("compatible")
        listed.append(Device(node.name, base, size, tuple(interrupts(root, node)),
                             compatible[0] if compatible else "", node.path))
    return listed, diags
