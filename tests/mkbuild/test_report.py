"""report.txt (`mkbuild compile`): what the image holds per component, checked for the
rpc example line by line against its layout and boot spec, and for a group."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None,
                                reason="needs the AArch64 cross compiler")


def compiled(tmp_path: Path, example: str) -> Path:
    out = tmp_path / example
    proc = subprocess.run([sys.executable, "-m", "mkbuild.cli", "compile",
                           str(REPO / "images" / example / "system.adl"), "--build-dir", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def section(report: str, space: str) -> list[str]:
    lines = report.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"== {space}:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("==")),
               len(lines))
    return [ln for ln in lines[start:end] if ln]


def test_rpc_report_agrees_with_its_layout(tmp_path):
    out = compiled(tmp_path, "rpc")
    report = (out / "report.txt").read_text()
    spec = json.loads((out / "bootspec.json").read_text())
    layout = json.loads((out / "layout.json").read_text())
    objects = {o["name"]: o for o in spec["objects"]}
    assert report.startswith(f"mkbuild report: rpc on qemu-arm-virt ({out})\n")
    counts = re.search(r"^kernel objects: (\d+) \(", report, re.M)
    assert int(counts.group(1)) == len(spec["objects"])
    for space, component, peer_rights, badge in [("client", "Client", "WP ", " badge 1"),
                                                 ("server", "Server", "R  ", "")]:
        lines = section(report, space)
        vspace = objects[f"{space}.vspace"]
        assert lines[0] == f"== {space}: {space} ({component}); VSpace at {vspace['paddr']}"
        frames = [o for o in spec["objects"] if o["type"] == "frame"
                  and o["name"].startswith(space + ".")]
        kib = sum(f["size"] for f in frames) // 1024
        assert lines[1].startswith(f"memory: {kib} KiB in {len(frames)} frames (")
        # The layout's threads, with their priority, stack top and IPC buffer.
        (thread,) = layout["instances"][space]["threads"]
        tcb = next(t for t in spec["tcbs"] if t["name"] == f"{space}.{thread['name']}")
        row = next(ln for ln in lines if ln.startswith(f"  {space}.{thread['name']} "))
        assert f"priority {thread['priority']}" in row
        assert f"IPC buffer {thread['ipc_buffer']:#x}" in row and f"sp {tcb['sp']}" in row
        assert ("ends the system" in row) == thread["system_end"]
        # Capabilities: the layout's slot map, with the interface each serves.
        (cap,) = layout["instances"][space]["caps"]
        assert f"capabilities ({space}.cnode: 64 slots, 1 used):" in lines
        assert (f"  slot   1  endpoint      rpc.ep                       rights "
                f"{peer_rights}{badge}  ({space}.calc: ep)") in lines
        assert cap["object"] == "rpc.ep" and cap["slot"] == 1
        # Mappings: ranges that cover exactly the boot spec's pages of this space.
        maps = lines[lines.index("mappings:") + 1:]
        pages = sum(int(re.search(r"(\d+) page\(s\)", m).group(1)) for m in maps)
        mine = [m for m in spec["mappings"] if m["vspace"] == f"{space}.vspace"]
        assert pages == len(mine)
        ipc = next(m for m in mine if m["frame"] == f"{space}.{thread['name']}.ipc")
        assert (f"  {int(ipc['vaddr'], 16):#010x}-{int(ipc['vaddr'], 16) + 4096:#010x}  RW     "
                f"1 page(s)  {ipc['frame']} at {objects[ipc['frame']]['paddr']}") in maps
        assert maps[0].startswith("  0x00400000-") and " RX " in maps[0]  # the code
    shared = section(report, "shared")
    assert (f"  endpoint      rpc.ep                       at {objects['rpc.ep']['paddr']}, "
            "16 bytes; held by client, server") in shared


def test_a_group_is_one_address_space_with_its_members(tmp_path):
    out = compiled(tmp_path, "grouping")
    lines = section((out / "report.txt").read_text(), "pair.group")
    assert lines[0].startswith("== pair.group: front (Front), back (Back); VSpace at ")
    assert "(2 tcb)" in lines[1] or ", 2 tcb)" in lines[1]
    assert any(ln.endswith("(front.next: ep)") for ln in lines), lines
    assert any(ln.startswith("  back.counter ") for ln in lines)
