"""Capability layout on hand-built systems: slots, badges, threads, mappings, and the
diagnostics for systems that cannot be laid out."""

from mkbuild import bootspec as bs
from mkbuild import layout, platform
from mkbuild.image import UserSegment
from model.system import (
    ComponentType,
    Connection,
    DataportType,
    End,
    Instance,
    Interface,
    Method,
    Procedure,
    Span,
    System,
)

VIRT, _ = platform.load("qemu-arm-virt")
PROC = Procedure("P", [Method("f", "int", [])])


def multiclient(n: int = 3) -> System:
    client = ComponentType("Client", control=True, interfaces={"s": Interface("s", "uses", "P")})
    server = ComponentType("Server", interfaces={"s": Interface("s", "provides", "P")})
    instances = {f"c{i}": Instance(f"c{i}", "Client") for i in range(n)}
    instances["server"] = Instance("server", "Server", {"s_priority": 200})
    return System("m.adl", procedures={"P": PROC},
                  component_types={"Client": client, "Server": server}, instances=instances,
                  connections={"conn": Connection("conn", "seL4RPCCall",
                                                  [End(f"c{i}", "s") for i in range(n)],
                                                  [End("server", "s")])})


def hardware(paddr: int, second: int | None = None) -> System:
    drv = ComponentType("Driver", control=True, interfaces={
        "mem": Interface("mem", "dataport", "Buf", dataport=DataportType("Buf", 4096))})
    dev = ComponentType("Dev", hardware=True, interfaces={
        "mem": Interface("mem", "dataport", "Buf", dataport=DataportType("Buf", 4096))})
    s = System("h.adl", component_types={"Driver": drv, "Dev": dev},
               instances={"drv": Instance("drv", "Driver"),
                          "dev": Instance("dev", "Dev", {"mem_paddr": paddr,
                                                         "mem_size": 0x1000})},
               connections={"mmio": Connection("mmio", "seL4HardwareMMIO", [End("drv", "mem")],
                                               [End("dev", "mem")], span=Span("h.adl", 9, 5))})
    if second is not None:
        s.instances["drv2"] = Instance("drv2", "Driver")
        s.instances["dev2"] = Instance("dev2", "Dev", {"mem_paddr": second, "mem_size": 0x1000})
        s.connections["mmio2"] = Connection("mmio2", "seL4HardwareMMIO", [End("drv2", "mem")],
                                            [End("dev2", "mem")], span=Span("h.adl", 10, 5))
    return s


def tiny_program() -> layout.Program:
    code = UserSegment(0x400000, 0x100, b"\x00" * 0x100, True, False, True)
    data = UserSegment(0x401000, 0x3000, b"\x01" * 8, True, True, False)
    return layout.Program(0x400000, [code, data])


def test_each_client_gets_a_distinct_badge_and_the_server_none():
    plan, diags = layout.plan(multiclient(), VIRT)
    assert diags == []
    badges = [plan.instances[f"c{i}"].caps[0].badge for i in range(3)]
    assert badges == [1, 2, 3]
    for i in range(3):
        cap = plan.instances[f"c{i}"].caps[0]
        assert (cap.slot, cap.object, cap.rights) == (1, "conn.ep", "WP")
    server = plan.instances["server"]
    assert server.slot("s", "ep") == 1 and server.caps[0].badge == 0
    assert server.caps[0].rights == "R"


def test_threads_stacks_and_priorities():
    plan, _ = layout.plan(multiclient(), VIRT)
    server = plan.instances["server"]
    assert [(t.name, t.priority, t.system_end) for t in server.threads] == [("s", 200, False)]
    client = plan.instances["c0"].threads[0]
    assert (client.name, client.system_end) == ("control", True)
    # A guard page below the stack, nothing mapped there.
    assert client.stack_base == layout.STACK_REGION + layout.PAGE
    assert client.stack_size == layout.DEFAULT_STACK_SIZE


def test_boot_spec_maps_and_creates_everything():
    system = multiclient(2)
    plan, _ = layout.plan(system, VIRT)
    spec, blobs, diags = layout.boot_spec(plan, VIRT, {n: tiny_program() for n in plan.instances})
    assert diags == []
    assert bs.check(spec, list(VIRT.ram), [*VIRT.reserved, VIRT.kernel_region]) == []
    names = {t.name: t for t in spec.tcbs}
    assert set(names) == {"c0.control", "c1.control", "server.s"}
    assert names["c0.control"].system_end and not names["server.s"].system_end
    assert names["server.s"].priority == 200
    # the guard page below each stack is not mapped
    c0_vspace = next(i for i, o in enumerate(spec.objects) if o.name == "c0.vspace")
    mapped = {m.vaddr for m in spec.mappings if m.vspace == c0_vspace}
    assert layout.STACK_REGION not in mapped
    assert layout.STACK_REGION + layout.PAGE in mapped
    # code is read-execute only, data read-write, loaded pages come as blobs
    rights = {m.vaddr: m.rights for m in spec.mappings if m.vspace == c0_vspace}
    assert rights[0x400000] == bs.MapRights.READ | bs.MapRights.EXECUTE
    assert rights[0x401000] == bs.MapRights.READ | bs.MapRights.WRITE
    assert len(blobs) == 2 * 3  # code + first data page per instance
    badged = sorted(c.badge for c in spec.caps if c.badge)
    assert badged == [1, 2]


def test_device_the_platform_lacks_is_an_error():
    plan, diags = layout.plan(hardware(0x1234_0000), VIRT)
    assert len(diags) == 1
    assert diags[0].message == ("platform `qemu-arm-virt` has no device at "
                                "0x12340000..0x12341000")
    assert diags[0].span == Span("h.adl", 9, 5)
    assert "rtc at 0x9010000" in diags[0].hint


def test_overlapping_devices_are_an_error():
    _, diags = layout.plan(hardware(0x0901_0000, 0x0901_0000), VIRT)
    assert [d.message for d in diags] == [
        "device registers 0x9010000 of `mmio2.mmio` overlap those of `mmio.mmio`"]


def test_device_registers_are_mapped_uncached():
    plan, diags = layout.plan(hardware(0x0901_0000), VIRT)
    assert diags == []
    region = plan.instances["drv"].region("mem")
    assert region.device and region.writable
    spec, _, diags = layout.boot_spec(plan, VIRT, {"drv": tiny_program()})
    assert diags == []
    dev = [m for m in spec.mappings if m.device]
    assert len(dev) == 1 and spec.objects[dev[0].frame].paddr == 0x0901_0000
    assert dev[0].vaddr == region.vaddr


def test_system_too_big_for_ram_is_an_error():
    plan, _ = layout.plan(multiclient(1), VIRT)
    huge = UserSegment(0x400000, 600 << 20, b"", True, True, False)
    spec, _, diags = layout.boot_spec(plan, VIRT, {n: layout.Program(0x400000, [huge])
                                                    for n in plan.instances})
    assert spec is None
    assert len(diags) == 1
    assert diags[0].message.startswith("the system does not fit the RAM of `qemu-arm-virt`")


def test_plan_round_trips_through_json():
    import json
    plan, _ = layout.plan(multiclient(), VIRT)
    again = layout.LayoutPlan.from_json(json.loads(plan.to_json()))
    assert again == plan


def test_dma_pool_is_contiguous_at_its_planned_address():
    system = multiclient(1)
    system.instances["c0"].attributes["dma_pool"] = 3 * 4096 + 1
    plan, diags = layout.plan(system, VIRT)
    assert diags == []
    c0 = plan.instances["c0"]
    assert c0.dma_size == 4 * 4096
    ram_top = VIRT.ram[0][0] + VIRT.ram[0][1]
    assert c0.dma_paddr == ram_top - c0.dma_size
    spec, _, diags = layout.boot_spec(plan, VIRT, {n: tiny_program() for n in plan.instances})
    assert diags == []
    frames = [o for o in spec.objects if o.name.startswith("c0.dma/")]
    assert [f.paddr for f in frames] == [c0.dma_paddr + i * 4096 for i in range(4)]
    others = [o for o in spec.objects if o.type != bs.ObjType.IRQ_HANDLER
              and not o.name.startswith("c0.dma/")]
    assert all(o.paddr + o.size() <= c0.dma_paddr for o in others)
    vspace = next(i for i, o in enumerate(spec.objects) if o.name == "c0.vspace")
    mapped = {m.vaddr: spec.objects[m.frame].name for m in spec.mappings if m.vspace == vspace}
    assert mapped[layout.DMA_REGION + 3 * 4096] == "c0.dma/3"


def test_heaps_too_big_for_ram_are_diagnosed_before_building():
    system = multiclient(2)
    system.instances["c1"].attributes["heap_size"] = 600 << 20
    system.instances["c1"].span = Span("m.adl", 7, 9)
    _, diags = layout.plan(system, VIRT)
    assert len(diags) == 1
    assert diags[0].message.startswith("the system does not fit the RAM of `qemu-arm-virt`: "
                                       "heaps, stacks, IPC buffers and shared memory alone need")
    assert diags[0].span == Span("m.adl", 7, 9)
    assert diags[0].hint.startswith("the largest is `c1`")
