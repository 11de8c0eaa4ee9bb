"""SDF XML -> sdf.model: each element's attributes read and checked on their own.

Every problem becomes a Diagnostic at the element or attribute it concerns, and
reading goes on, so one run reports them all. Rules that relate several
elements (names, ids, overlaps, priorities) are sdf.rules'.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from model.diagnostics import Diagnostic, did_you_mean, error
from model.system import Span
from sdf import model as m
from sdf.xmlsource import XmlSource

PD_ATTRS = {"name", "priority", "budget", "period", "passive", "stack_size", "cpu", "smc",
            "fpu", "domain"}
CHILD_PD_ATTRS = PD_ATTRS | {"id", "setvar_id"}
PD_CHILDREN = ("program_image", "map", "irq", "setvar", "protection_domain",
               "virtual_machine", "ioport", "cspace")
CAP_KINDS = {"cap_tcb": "tcb", "cap_sc": "sc", "cap_vspace": "vspace"}
# Elements Microkit has that mkbuild does not build (yet): where each is rejected.
UNSUPPORTED = {
    "virtual_machine": "virtual machines are not supported by mkbuild yet",
    "domains": "the domain scheduler is not supported by mkbuild",
    "io_address_space": "IO address spaces (IOMMU) are not supported on AArch64",
    "ioport": "I/O ports exist on x86-64 only; mkbuild's boards are AArch64",
}


def parse_int(text: str) -> int | None:
    """Microkit's integers: decimal or 0x-hexadecimal, `_` between digits, a sign."""
    t = text.strip().replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    try:
        return sign * (int(t[2:], 16) if t[:2].lower() == "0x" else int(t, 10))
    except ValueError:
        return None


class Reader:
    def __init__(self, source: XmlSource, search_paths: list[Path]):
        self.src = source
        self.search_paths = search_paths
        self.diagnostics: list[Diagnostic] = []

    # ---- helpers -----------------------------------------------------------

    def span(self, el: etree._Element, attr: str | None = None) -> Span:
        return self.src.span(el, attr)

    def err(self, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(error(message, span, hint))

    def attrs(self, el: etree._Element, allowed: set[str], required: tuple[str, ...] = ()
              ) -> bool:
        """Report attributes `el` may not have and required ones it lacks; True if none lack."""
        for name in el.attrib:
            if name not in allowed:
                self.err(f"invalid attribute `{name}` on element `{el.tag}`", self.span(el, name),
                         did_you_mean(name, allowed))
        missing = [a for a in required if a not in el.attrib]
        for a in missing:
            self.err(f"missing required attribute `{a}` on element `{el.tag}`", self.span(el))
        return not missing

    def int_attr(self, el: etree._Element, name: str, default: int | None = None,
                 low: int | None = None, below: int | None = None) -> int | None:
        if name not in el.attrib:
            return default
        value = parse_int(el.attrib[name])
        if value is None:
            self.err(f"`{name}` of `{el.tag}` is not an integer: `{el.attrib[name]}`",
                     self.span(el, name))
            return default
        if low is not None and value < low:
            self.err(f"`{name}` of `{el.tag}` must be >= {low}, not {value}", self.span(el, name))
            return default
        if below is not None and value >= below:
            self.err(f"`{name}` of `{el.tag}` must be < {below}, not {value}", self.span(el, name))
            return default
        return value

    def bool_attr(self, el: etree._Element, name: str, default: bool) -> bool:
        text = el.attrib.get(name)
        if text is None:
            return default
        if text not in ("true", "false"):
            self.err(f"`{name}` of `{el.tag}` must be `true` or `false`, not `{text}`",
                     self.span(el, name))
            return default
        return text == "true"

    def children(self, el: etree._Element, allowed: tuple[str, ...]) -> list[etree._Element]:
        """The element children of `el` it may have; text and others are reported."""
        out = []
        if el.text and el.text.strip():
            self.err(f"unexpected text in element `{el.tag}`: `{el.text.strip()[:40]}`",
                     self.span(el))
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                pass
            elif child.tag in UNSUPPORTED and child.tag in allowed:
                self.err(UNSUPPORTED[child.tag], self.span(child))
            elif child.tag in allowed:
                out.append(child)
            else:
                self.err(f"invalid XML element `{child.tag}` in `{el.tag}`", self.span(child),
                         did_you_mean(child.tag, allowed))
            if child.tail and child.tail.strip():
                self.err(f"unexpected text in element `{el.tag}`: `{child.tail.strip()[:40]}`",
                         self.span(child))
        return out

    # ---- elements ------------------------------------------------------------

    def system(self) -> m.SdfSystem:
        root = self.src.root
        system = m.SdfSystem(self.src.file, span=self.span(root))
        if root.tag != "system":
            self.err(f"the root element must be `system`, not `{root.tag}`", self.span(root))
            return system
        self.attrs(root, set())
        for el in self.children(root, ("protection_domain", "memory_region", "channel",
                                       "domains", "io_address_space", "virtual_machine")):
            if el.tag == "protection_domain":
                pd = self.protection_domain(el, None)
                if pd is not None:
                    system.protection_domains.append(pd)
            elif el.tag == "memory_region":
                mr = self.memory_region(el)
                if mr is not None:
                    if mr.name in system.memory_regions:
                        first = system.memory_regions[mr.name]
                        self.diagnostics.append(error(
                            f"duplicate memory region name `{mr.name}`", mr.span))
                        self.diagnostics[-1].notes.append((first.span, "first defined here"))
                    else:
                        system.memory_regions[mr.name] = mr
            elif el.tag == "channel":
                ch = self.channel(el)
                if ch is not None:
                    system.channels.append(ch)
        return system

    def protection_domain(self, el: etree._Element, parent: str | None
                          ) -> m.ProtectionDomain | None:
        ok = self.attrs(el, CHILD_PD_ATTRS if parent else PD_ATTRS,
                        ("name", "id") if parent else ("name",))
        if "domain" in el.attrib:
            self.err("the domain scheduler is not supported by mkbuild", self.span(el, "domain"))
        name = el.attrib.get("name", "")
        pd = m.ProtectionDomain(name=name, program_image="", parent=parent, span=self.span(el))
        pd.priority = self.int_attr(el, "priority", 0, 0, m.MAX_PRIORITY + 1)
        pd.budget = self.int_attr(el, "budget", m.DEFAULT_BUDGET, 1)
        pd.period = self.int_attr(el, "period", pd.budget, 1)
        if pd.budget > pd.period:
            self.err(f"budget ({pd.budget}) must be less than, or equal to, period "
                     f"({pd.period}) of protection domain `{name}`",
                     self.span(el, "budget"))
        pd.passive = self.bool_attr(el, "passive", False)
        pd.timed = bool({"budget", "period", "passive"} & set(el.attrib))
        pd.fpu = self.bool_attr(el, "fpu", True)
        pd.smc = self.bool_attr(el, "smc", False)
        if pd.smc:
            self.err("`smc` (SMC calls through the kernel) is not supported by mkbuild's kernel",
                     self.span(el, "smc"))
        pd.cpu = self.int_attr(el, "cpu", 0, 0)
        pd.cpu_span = self.span(el, "cpu") if "cpu" in el.attrib else self.span(el)
        if pd.cpu >= m.MAX_CPUS:
            self.err(f"cpu core must be less than {m.MAX_CPUS}, got {pd.cpu}: mkbuild's boards "
                     f"have at most {m.MAX_CPUS} cores", pd.cpu_span)
        stack = self.int_attr(el, "stack_size", m.DEFAULT_STACK_SIZE)
        if not m.MIN_STACK_SIZE <= stack <= m.MAX_STACK_SIZE:
            self.err(f"stack size must be between {m.MIN_STACK_SIZE:#x} and "
                     f"{m.MAX_STACK_SIZE:#x} bytes, not {stack:#x}", self.span(el, "stack_size"))
        elif stack % m.PAGE_SIZES[0]:
            self.err(f"stack size {stack:#x} must be aligned to the smallest page size "
                     f"({m.PAGE_SIZES[0]:#x})", self.span(el, "stack_size"))
        pd.stack_size = stack
        if parent:
            pd.id = self.int_attr(el, "id", None, 0, m.MAX_CHANNELS)
            pd.setvar_id = el.attrib.get("setvar_id")
        images = []
        cspaces = 0
        for child in self.children(el, PD_CHILDREN):
            tag = child.tag
            if tag == "program_image":
                images.append(child)
                if len(images) > 1:
                    self.err(f"program_image must only be given once in protection domain "
                             f"`{name}`", self.span(child))
                    continue
                if self.attrs(child, {"path", "path_for_symbols"}, ("path",)):
                    pd.program_image = child.attrib["path"]
                pd.path_for_symbols = child.attrib.get("path_for_symbols")
                pd.image_span = self.span(child)
            elif tag == "map":
                mp = self.map(child)
                if mp is not None:
                    pd.maps.append(mp)
            elif tag == "irq":
                irq = self.irq(child)
                if irq is not None:
                    pd.irqs.append(irq)
            elif tag == "setvar":
                if self.attrs(child, {"symbol", "region_paddr"}, ("symbol", "region_paddr")):
                    pd.setvars.append(m.SetVar(child.attrib["symbol"],
                                               child.attrib["region_paddr"], self.span(child)))
            elif tag == "protection_domain":
                sub = self.protection_domain(child, name)
                if sub is not None:
                    pd.children.append(sub)
            elif tag == "cspace":
                cspaces += 1
                if cspaces > 1:
                    self.err("cspace must only be given once per protection domain",
                             self.span(child))
                self.cspace(child, pd)
        if not images:
            self.err(f"missing `program_image` element in protection domain `{name}`",
                     self.span(el))
        return pd if ok else None

    def map(self, el: etree._Element) -> m.Map | None:
        ok = self.attrs(el, {"mr", "vaddr", "perms", "cached", "setvar_vaddr", "setvar_size",
                             "setvar_prefill_size"}, ("mr", "vaddr"))
        vaddr = self.int_attr(el, "vaddr", 0, 0)
        perms = el.attrib.get("perms", "rw")
        if not perms or any(c not in "rwx" for c in perms) or len(set(perms)) != len(perms):
            self.err(f"perms must be a combination of `r`, `w` and `x`, not `{perms}`",
                     self.span(el, "perms"))
        elif perms == "w":
            self.err("perms must not be `w`: write-only mappings are not allowed",
                     self.span(el, "perms"))
        if not ok:
            return None
        return m.Map(el.attrib["mr"], vaddr, perms, self.bool_attr(el, "cached", True),
                     el.attrib.get("setvar_vaddr"), el.attrib.get("setvar_size"),
                     el.attrib.get("setvar_prefill_size"), self.span(el))

    def irq(self, el: etree._Element) -> m.Irq | None:
        x86 = [a for a in ("pin", "vector", "ioapic", "polarity", "pcidev", "handle")
               if a in el.attrib]
        if x86:
            kind = "MSI" if {"pcidev", "handle"} & set(x86) else "I/O APIC"
            self.err(f"x86 {kind} IRQs are not supported on AArch64", self.span(el, x86[0]))
            return None
        ok = self.attrs(el, {"irq", "id", "trigger", "setvar_id"}, ("irq", "id"))
        number = self.int_attr(el, "irq", 0, 0)
        ident = self.int_attr(el, "id", 0, 0, m.MAX_CHANNELS)
        trigger = el.attrib.get("trigger", "level")
        if trigger not in ("level", "edge"):
            self.err(f"trigger must be either `level` or `edge`, not `{trigger}`",
                     self.span(el, "trigger"))
        if not ok:
            return None
        return m.Irq(number, ident, trigger, el.attrib.get("setvar_id"), self.span(el))

    def cspace(self, el: etree._Element, pd: m.ProtectionDomain) -> None:
        self.attrs(el, set())
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag not in CAP_KINDS:
                self.err(f"cap type `{child.tag}` is not supported: one of "
                         f"{', '.join(f'`{k}`' for k in CAP_KINDS)}", self.span(child),
                         did_you_mean(child.tag, CAP_KINDS))
                continue
            if not self.attrs(child, {"slot", "pd"}, ("slot", "pd")):
                continue
            slot = self.int_attr(child, "slot", None, 0, m.MAX_USER_CAPS)
            if slot == 0:
                self.err("the destination slot 0 is reserved for the Microkit CNode",
                         self.span(child, "slot"))
            elif slot is not None:
                pd.caps.append(m.CapShare(CAP_KINDS[child.tag], child.attrib["pd"], slot,
                                          self.span(child)))

    def memory_region(self, el: etree._Element) -> m.MemoryRegion | None:
        ok = self.attrs(el, {"name", "size", "page_size", "phys_addr", "prefill_path",
                             "prefill_bootinfo"}, ("name",))
        if "prefill_bootinfo" in el.attrib:
            self.err("`prefill_bootinfo` is x86-64 only (boot information for the capDL "
                     "initialiser)", self.span(el, "prefill_bootinfo"))
        prefill = None
        path = el.attrib.get("prefill_path")
        if path is not None:
            prefill = self.prefill(el, path)
        size = self.int_attr(el, "size", None, 1)
        if "size" not in el.attrib and path is None:
            self.err("size must be given when the memory region is not prefilled",
                     self.span(el))
        page_size = self.int_attr(el, "page_size", None)
        given = page_size is not None
        if given and page_size not in m.PAGE_SIZES:
            self.err(f"page size {page_size:#x} is not supported: one of "
                     f"{', '.join(hex(p) for p in m.PAGE_SIZES)}", self.span(el, "page_size"))
            page_size = None
        phys = self.int_attr(el, "phys_addr", None, 0)
        if size is None and prefill is not None:
            size = max(len(prefill), 1)
            size = -(-size // (page_size or m.PAGE_SIZES[0])) * (page_size or m.PAGE_SIZES[0])
        if page_size is None:  # Microkit's default; mkbuild.microkit.plan may map larger
            page_size = m.PAGE_SIZES[0]
        if size is not None and size % page_size:
            self.err(f"size {size:#x} is not a multiple of the page size {page_size:#x}",
                     self.span(el, "size"))
        if phys is not None and phys % page_size:
            self.err(f"phys_addr {phys:#x} is not aligned to the page size {page_size:#x}",
                     self.span(el, "phys_addr"))
        if prefill is not None and size is not None and len(prefill) > size:
            self.err(f"prefill file `{path}` ({len(prefill)} bytes) is larger than the memory "
                     f"region ({size:#x} bytes)", self.span(el, "prefill_path"))
        if not ok or size is None:
            return None
        return m.MemoryRegion(el.attrib["name"], size, page_size, given, phys, path, prefill,
                              self.span(el))

    def prefill(self, el: etree._Element, path: str) -> bytes | None:
        for d in self.search_paths:
            p = d / path
            if p.is_file():
                data = p.read_bytes()
                if not data:
                    self.err(f"prefill file `{path}` is empty", self.span(el, "prefill_path"))
                    return None
                return data
        where = ", ".join(str(d) for d in self.search_paths) or "no search path"
        self.err(f"prefill file `{path}` not found (searched {where})",
                 self.span(el, "prefill_path"))
        return None

    def channel(self, el: etree._Element) -> m.Channel | None:
        self.attrs(el, set())
        ends = []
        for child in self.children(el, ("end",)):
            ok = self.attrs(child, {"pd", "id", "pp", "notify", "setvar_id"}, ("pd", "id"))
            ident = self.int_attr(child, "id", 0, 0, m.MAX_CHANNELS)
            pp = self.bool_attr(child, "pp", False)
            notify = self.bool_attr(child, "notify", True)
            ends.append(m.ChannelEnd(child.attrib.get("pd", ""), ident, pp, notify,
                                     child.attrib.get("setvar_id"), self.span(child))
                        if ok else None)
        if len(ends) != 2:
            self.err(f"a channel has exactly two `end` elements, this one has {len(ends)}",
                     self.span(el))
            return None
        if ends[0] is None or ends[1] is None:
            return None
        if ends[0].pp and ends[1].pp:
            self.err("cannot ppc bidirectionally: only one end of a channel may have "
                     "`pp=\"true\"`", ends[1].span)
            return None
        return m.Channel(ends[0], ends[1], self.span(el))
