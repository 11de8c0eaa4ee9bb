"""The layout of real example systems, read back from the JSON twin of the boot
spec that `mkbuild compile` writes next to the image."""

import json
import shutil
from pathlib import Path

import pytest

from mkbuild import pipeline

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None,
                                reason="needs the AArch64 cross compiler")


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    root = tmp_path_factory.mktemp("build")
    out = {}
    for name in ("multiclient", "dataport", "hardware"):
        result = pipeline.compile(REPO / "images" / name / "system.adl", "qemu-arm-virt",
                                  build_root=root)
        assert result.ok, [d.message for d in result.diagnostics]
        out[name] = json.loads((result.build_dir / "bootspec.json").read_text())
    return out


def caps_to(spec: dict, obj: str) -> list[tuple]:
    return sorted((c["cnode"], c["slot"], c["rights"], c["badge"])
                  for c in spec["caps"] if c["object"] == obj)


def mappings_of(spec: dict, vspace: str) -> dict[str, dict]:
    return {m["vaddr"]: m for m in spec["mappings"] if m["vspace"] == vspace}


def test_multiclient_badges_rights_and_priorities(twins):
    spec = twins["multiclient"]
    assert caps_to(spec, "calls.ep") == [
        ("alpha.cnode", 1, "WP", 1), ("beta.cnode", 1, "WP", 2), ("gamma.cnode", 1, "WP", 3),
        ("server.cnode", 1, "R", 0)]
    tcbs = {t["name"]: t for t in spec["tcbs"]}
    assert {n: (t["priority"], t["system_end"]) for n, t in tcbs.items()} == {
        "alpha.control": (150, True), "beta.control": (140, True),
        "gamma.control": (130, True), "server.counter": (254, False)}
    for t in tcbs.values():  # every thread: its own IPC buffer, stack top below a guard
        assert t["pc"] == "0x400000"
        assert int(t["ipc_buffer_vaddr"], 16) % 1024 == 0


def test_dataport_is_the_same_frame_in_both_instances(twins):
    spec = twins["dataport"]
    producer = mappings_of(spec, "producer.vspace")["0x30000000"]
    consumer = mappings_of(spec, "consumer.vspace")["0x30000000"]
    assert producer["frame"] == consumer["frame"] == "mem.buf/0"
    assert producer["rights"] == consumer["rights"] == "RW"
    assert not producer["device"]
    # the page above the dataport is an unmapped guard
    assert "0x30001000" not in mappings_of(spec, "producer.vspace")
    # notifications: the emitter may only signal (W, badged), the consumer only wait (R)
    assert caps_to(spec, "data_ready.ntfn") == [("consumer.cnode", 1, "R", 0),
                                                ("producer.cnode", 1, "W", 1)]


def test_hardware_registers_uncached_and_irq_bound(twins):
    spec = twins["hardware"]
    regs = mappings_of(spec, "driver.vspace")["0x30000000"]
    assert regs["device"] and regs["rights"] == "RW" and regs["frame"] == "dev_mmio.mmio/0"
    frame = next(o for o in spec["objects"] if o["name"] == "dev_mmio.mmio/0")
    assert frame["paddr"] == "0x9010000" and frame["zero"] is False
    assert spec["irqs"] == [{"irq": 34, "notification": "dev_irq.ntfn", "badge": 1, "core": 0}]
    handler = next(o for o in spec["objects"] if o["name"] == "dev_irq.irq")
    assert handler["type"] == "irq_handler" and handler["irq"] == 34
    assert [c[0] for c in caps_to(spec, "dev_irq.irq")] == ["driver.cnode"]
    # nothing else of the driver is a device mapping
    assert [v for v, m in mappings_of(spec, "driver.vspace").items() if m["device"]] == \
        ["0x30000000"]


def test_code_is_never_writable_and_data_never_executable(twins):
    for spec in twins.values():
        for m in spec["mappings"]:
            assert not ("W" in m["rights"] and "X" in m["rights"]), m
