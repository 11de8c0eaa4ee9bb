"""A Microkit system's SDF and its program ELFs -> mkbuild's image, the loader image
and a report: what `microkit` (the SDK's bin/microkit) and `mkbuild compile|run
SYSTEM.system` both do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mkbuild import bootspec as bs
from mkbuild import platform as platforms
from mkbuild.image import build_image
from mkbuild.microkit import plan as sdfplan
from mkbuild.microkit.loader import loader_image
from model.diagnostics import Diagnostic, error, has_errors
from sdf import load_sdf
from sdf import model as m

# Microkit's board names -> mkbuild's platforms.
BOARDS = {"qemu_virt_aarch64": "qemu-arm-virt", "zcu102": "zcu102"}
CONFIGS = ("debug", "release")


@dataclass
class Output:
    image_elf: bytes = b""
    loader: bytes = b""
    report: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.image_elf) and not has_errors(self.diagnostics)


def report(system: m.SdfSystem, built: sdfplan.Built) -> str:
    """What a person checks: each PD's capabilities by slot and its mappings."""
    lines = ["# mkbuild report for a Microkit system", f"system: {system.file}", ""]
    for pd in system.all_pds():
        lines.append(f"protection domain {pd.name}: priority {pd.priority}, "
                     f"image {pd.program_image}" + (f", child {pd.id} of {pd.parent}"
                                                    if pd.parent else ""))
        inst = built.plan.instances[pd.name]
        for c in sorted(inst.caps, key=lambda c: c.slot):
            lines.append(f"  slot {c.slot:3}: {c.object} ({c.rights}"
                         + (f", badge {c.badge:#x}" if c.badge else "") + ")")
        for r in inst.regions:
            lines.append(f"  map {r.object} at {r.vaddr:#x} ({r.size:#x} bytes, "
                         f"{'rw' if r.writable else 'r'}{', device' if r.device else ''})")
    lines.append("")
    for name, paddr in sorted(built.paddrs.items()):
        # the frames as the boot spec has them
        sizes = [o.size() for o in built.spec.objects if o.name.startswith(f"mr.{name}/")]
        kinds = ", ".join(f"{sizes.count(s)} frame{'s' * (sizes.count(s) > 1)} of "
                          + (f"{s >> 20} MiB" if s >= 1 << 20 else f"{s >> 10} KiB")
                          for s in sorted(set(sizes)))
        lines.append(f"memory region {name}: paddr {paddr:#x}" + (f", {kinds}" if kinds else ""))
    lines.append(f"kernel objects: {len(built.spec.objects)}, caps: {len(built.spec.caps)}, "
                 f"mappings: {len(built.spec.mappings)}")
    return "\n".join(lines) + "\n"


def make(sdf_path: Path, platform_name: str, search_paths: list[Path], kernel_elf: Path
         ) -> Output:
    out = Output()
    system, diags = load_sdf(sdf_path, search_paths)
    out.diagnostics += diags
    if system is None:
        return out
    platform, diags = platforms.load(platform_name)
    out.diagnostics += diags
    if platform is None:
        return out
    built, diags = sdfplan.build(system, platform, search_paths + [sdf_path.parent])
    out.diagnostics += diags
    if built is None or has_errors(out.diagnostics):
        return out
    try:
        out.image_elf = build_image(kernel_elf, bs.encode(built.spec), built.blobs,
                                    platform.kernel_region)
        out.loader = loader_image(out.image_elf)
    except ValueError as e:
        out.diagnostics.append(error(str(e)))
        out.image_elf = b""
        return out
    out.report = report(system, built)
    return out
