"""Every SDF of Microkit's own golden tests (tool/microkit/tests/sdf/) that Microkit's
tool rejects for AArch64 is rejected by mkbuild too, at the element or attribute at
fault. The cases are read from tool/microkit/tests/test.rs; the files are taken from
a Microkit snapshot ($MICROKIT_DIR, default /work/microkit), not copied here.

Where Microkit rejects a feature's misuse and mkbuild does not build the feature
(virtual machines, domains, IOMMU, x86 I/O ports and IRQs), mkbuild rejects the
element itself, at its line, with "not supported".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sdf import load_sdf

MICROKIT = Path(os.environ.get("MICROKIT_DIR", "/work/microkit"))
GOLDEN = MICROKIT / "tool/microkit/tests/sdf"
PREFILLS = MICROKIT / "tool/microkit/tests/prefills"

pytestmark = pytest.mark.skipif(not GOLDEN.is_dir(),
                                reason=f"no Microkit snapshot at {MICROKIT} (set MICROKIT_DIR)")

# (file, line, column, the start of one error's message)
REJECTED = [
    ("cap_mappings_slot_invalid", 16, 21, 'the destination slot 0 is reserved for the Microkit CNode'),
    ("ch_bidirectional_ppc", 16, 9, 'cannot ppc bidirectionally: only one end of a channel may ha'),
    ("ch_end_invalid_notify", 17, 32, '`notify` of `end` must be `true` or `false`, not `no`'),
    ("ch_end_invalid_pp", 16, 32, '`pp` of `end` must be `true` or `false`, not `no`'),
    ("ch_id_greater_than_max", 15, 25, '`id` of `end` must be < 62, not 63'),
    ("ch_id_less_than_0", 15, 25, '`id` of `end` must be >= 0, not -1'),
    ("ch_invalid_attrs", 14, 14, 'invalid attribute `foo` on element `channel`'),
    ("ch_invalid_element", 15, 5, 'a channel has exactly two `end` elements, this one has 1'),
    ("ch_invalid_pd", 15, 9, 'unknown protection domain `invalidpd` in channel `end`'),
    ("ch_missing_id", 15, 9, 'missing required attribute `id` on element `end`'),
    ("ch_missing_pd", 15, 9, 'missing required attribute `pd` on element `end`'),
    ("ch_not_enough_ends", 15, 5, 'a channel has exactly two `end` elements, this one has 1'),
    ("ch_ppcall_priority", 16, 9, 'PPCs must be to protection domains of strictly higher priori'),
    ("ch_too_many_ends", 15, 5, 'a channel has exactly two `end` elements, this one has 3'),
    ("domain_assign_pd_to_invalid_domain", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("domain_exceed_max_domains", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("domain_invalid_shift", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("domain_invalid_start_index", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("domain_invalid_timeslice", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("domain_no_pd_domain", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("domain_no_schedule", 8, 37, 'the domain scheduler is not supported by mkbuild'),
    ("domain_out_of_bounds_shift", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("domain_out_of_bounds_start_index", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("domain_smp", 8, 5, 'the domain scheduler is not supported by mkbuild'),
    ("iommu_address_overflow", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_duplicate_device", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_duplicate_device_identifier", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_duplicate_domain_identifier", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_missing_from_config", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_out_of_bound", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_overlap_different_devices", 10, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_overlap_mixed_page_sizes", 10, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_overlap_same_device", 10, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_pci_invalid", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_pci_negative_bus", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_pci_negative_device", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_pci_negative_function", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_perms_execute_invalid", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_perms_read_write", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_perms_write_only", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_range_out_of_bound", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_same_mr_different_devices", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("iommu_valid_perms_and_bound", 9, 5, 'IO address spaces (IOMMU) are not supported on AArch64'),
    ("irq_id_greater_than_max", 10, 22, '`id` of `irq` must be < 62, not 63'),
    ("irq_id_less_than_0", 10, 22, '`id` of `irq` must be >= 0, not -1'),
    ("irq_invalid_trigger", 10, 29, 'trigger must be either `level` or `edge`, not `an_invalid_tr'),
    ("irq_ioapic_invalid_polarity", 10, 14, 'x86 I/O APIC IRQs are not supported on AArch64'),
    ("irq_ioapic_invalid_trigger", 10, 14, 'x86 I/O APIC IRQs are not supported on AArch64'),
    ("irq_ioapic_less_than_0", 10, 14, 'x86 I/O APIC IRQs are not supported on AArch64'),
    ("irq_ioapic_on_arm", 10, 14, 'x86 I/O APIC IRQs are not supported on AArch64'),
    ("irq_ioapic_pin_less_than_0", 10, 14, 'x86 I/O APIC IRQs are not supported on AArch64'),
    ("irq_ioapic_vector_greater_than_107", 10, 14, 'x86 I/O APIC IRQs are not supported on AArch64'),
    ("irq_ioapic_vector_less_than_0", 10, 14, 'x86 I/O APIC IRQs are not supported on AArch64'),
    ("irq_msi_handle_less_than_0", 10, 41, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_on_arm", 10, 40, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_pci_bus_greater_than_255", 10, 42, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_pci_bus_less_than_0", 10, 41, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_pci_dev_greater_than_31", 10, 41, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_pci_dev_less_than_0", 10, 41, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_pci_func_greater_than_7", 10, 40, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_pci_func_less_than_0", 10, 41, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_pci_invalid", 10, 40, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_pci_valid", 10, 40, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_vector_greater_than_107", 10, 40, 'x86 MSI IRQs are not supported on AArch64'),
    ("irq_msi_vector_less_than_0", 10, 40, 'x86 MSI IRQs are not supported on AArch64'),
    ("mr_addr_not_aligned_to_page_size", 8, 83, 'phys_addr 0x201000 is not aligned to the page size 0x200000'),
    ("mr_invalid_attrs", 8, 83, 'invalid attribute `page_count` on element `memory_region`'),
    ("mr_malformed_size", 8, 44, '`size` of `memory_region` is not an integer: `0x200_000sd`'),
    ("mr_missing_name", 8, 5, 'missing required attribute `name` on element `memory_region`'),
    ("mr_missing_size", 8, 5, 'size must be given when the memory region is not prefilled'),
    ("mr_overlapping_phys_addr", 9, 5, 'memory region `mr2` physical address range [0x9001000..0x900'),
    ("mr_prefill_bootinfo_type_invalid", 8, 5, 'size must be given when the memory region is not prefilled'),
    ("mr_prefill_bootinfo_valid", 8, 5, 'size must be given when the memory region is not prefilled'),
    ("mr_prefill_does_not_exists", 8, 51, 'prefill file `abcxyz.bin` not found (searched /work/microkit'),
    ("mr_prefill_empty_file", 8, 51, 'prefill file `empty.bin` is empty'),
    ("mr_prefill_path_bootinfo_both_specified", 8, 62, '`prefill_bootinfo` is x86-64 only (boot information for the '),
    ("mr_prefill_size_without_prefill", 12, 9, '`setvar_prefill_size` on a map of memory region `prefilled`,'),
    ("mr_size_not_multiple_of_page_size", 8, 44, 'size 0x200001 is not a multiple of the page size 0x200000'),
    ("mr_unsupported_page_size", 8, 61, 'page size 0x200001 is not supported: one of 0x1000, 0x200000'),
    ("pd_budget_gt_period", 8, 36, 'budget (1000) must be less than, or equal to, period (100) o'),
    ("pd_cap_mappings_invalid", 16, 13, 'cap type `cap_gerbils` is not supported: one of `cap_tcb`, `'),
    ("pd_cap_mappings_invalid_pd_ref", 12, 13, 'unknown protection domain `invalid` in `cap_tcb`'),
    ("pd_cap_mappings_overlapping", 25, 13, 'overlapping user caps in slot 3 of protection domain `pd_b`'),
    ("pd_child_missing_id", 10, 9, 'missing required attribute `id` on element `protection_domai'),
    ("pd_duplicate_child_id", 13, 9, 'duplicate child id 0 in protection domain `parent`'),
    ("pd_duplicate_child_id_vcpu", 13, 9, 'virtual machines are not supported by mkbuild yet'),
    ("pd_duplicate_program_image", 11, 9, 'program_image must only be given once in protection domain `'),
    ("pd_duplicate_setvar", 12, 9, 'setvar on symbol `test` already exists in protection domain '),
    ("pd_invalid_attrs", 8, 36, 'invalid attribute `foo` on element `protection_domain`'),
    ("pd_invalid_cpu", 8, 36, "cpu core must be less than 4, got 10: mkbuild's boards have at most 4 cores"),
    ("pd_invalid_x86_io_port_size", 10, 9, "I/O ports exist on x86-64 only; mkbuild's boards are AArch64"),
    ("pd_missing_id", 10, 9, 'missing required attribute `id` on element `irq`'),
    ("pd_missing_irq", 10, 9, 'missing required attribute `irq` on element `irq`'),
    ("pd_missing_mr", 11, 9, 'missing required attribute `mr` on element `map`'),
    ("pd_missing_name", 8, 5, 'missing required attribute `name` on element `protection_dom'),
    ("pd_missing_path", 9, 9, 'missing required attribute `path` on element `program_image`'),
    ("pd_missing_program_image", 8, 5, 'missing `program_image` element in protection domain `pd`'),
    ("pd_missing_region_paddr", 11, 9, 'missing required attribute `region_paddr` on element `setvar'),
    ("pd_missing_symbol", 11, 9, 'missing required attribute `symbol` on element `setvar`'),
    ("pd_missing_vaddr", 11, 9, 'missing required attribute `vaddr` on element `map`'),
    ("pd_overlapping_maps", 13, 9, 'map for `mr2` has virtual address range [0x1000000..0x100100'),
    ("pd_overlapping_mixed_page_sizes", 13, 9, 'map for `small_region` has virtual address range [0x201000..'),
    ("pd_overlapping_x86_io_ports_1", 10, 9, "I/O ports exist on x86-64 only; mkbuild's boards are AArch64"),
    ("pd_overlapping_x86_io_ports_2", 10, 9, "I/O ports exist on x86-64 only; mkbuild's boards are AArch64"),
    ("pd_parent_has_id", 8, 5, 'missing `program_image` element in protection domain `child`'),
    ("pd_program_image_invalid_attrs", 9, 36, 'invalid attribute `foo` on element `program_image`'),
    ("pd_small_stack_size", 8, 36, 'stack size must be between 0x1000 and 0x1000000 bytes, not 0'),
    ("pd_unaligned_stack_size", 8, 36, 'stack size 0x4001 must be aligned to the smallest page size '),
    ("pd_write_only_mr", 11, 47, 'perms must not be `w`: write-only mappings are not allowed'),
    ("sys_channel_duplicate_a_id", 16, 9, 'duplicate channel id 5 in protection domain `test1`'),
    ("sys_channel_duplicate_b_id", 17, 9, 'duplicate channel id 5 in protection domain `test2`'),
    ("sys_duplicate_irq_id", 11, 9, 'duplicate channel id 3 in protection domain `test1`'),
    ("sys_duplicate_irq_number", 14, 9, 'duplicate irq 112 in protection domain `test2`: an interrupt'),
    ("sys_duplicate_mr_name", 9, 5, 'duplicate memory region name `test`'),
    ("sys_duplicate_pd_name", 11, 5, 'duplicate protection domain name `test`'),
    ("sys_map_invalid_mr", 15, 9, 'unknown memory region `foos` in `map`'),
    ("sys_map_not_aligned", 11, 9, 'vaddr 0x20001 is not aligned to the page size 0x1000 of memo'),
    ("sys_map_range_too_high", 11, 9, 'vaddr 0xe000000000 must be less than 0x7f00000000'),
    ("sys_map_too_high", 12, 9, 'vaddr 0x1000000000000000 must be less than 0x7f00000000'),
    ("sys_no_protection_domains", 7, 1, 'at least one protection domain must be defined'),
    ("sys_text_elements", 7, 1, 'unexpected text in element `system`: `asdf`'),
    ("sys_too_many_pds", 71, 3, 'too many protection domains (64); at most 63'),
    ("vm_duplicate_name", 10, 9, 'virtual machines are not supported by mkbuild yet'),
    ("vm_invalid_vcpu_cpu", 8, 5, 'missing `program_image` element in protection domain `pd`'),
    ("vm_invalid_vcpu_id", 8, 5, 'missing `program_image` element in protection domain `pd`'),
    ("vm_missing_mr", 10, 9, 'virtual machines are not supported by mkbuild yet'),
    ("vm_missing_vcpu", 8, 5, 'missing `program_image` element in protection domain `pd`'),
    ("vm_missing_vcpu_id", 8, 5, 'missing `program_image` element in protection domain `pd`'),
    ("vm_not_child", 8, 5, 'virtual machines are not supported by mkbuild yet'),
    ("vm_overlapping_maps", 12, 9, 'virtual machines are not supported by mkbuild yet'),
    ("vm_valid", 9, 9, 'virtual machines are not supported by mkbuild yet'),
    ("vm_with_priority", 9, 9, 'virtual machines are not supported by mkbuild yet'),
    ("vm_x86_ppc_invalid_1", 14, 9, 'virtual machines are not supported by mkbuild yet'),
    ("vm_x86_ppc_invalid_2", 14, 9, 'virtual machines are not supported by mkbuild yet'),
    ("vm_x86_ppc_valid", 14, 9, 'virtual machines are not supported by mkbuild yet'),
    ("vm_x86_vm_with_child_invalid", 9, 9, 'unknown memory region `guest_ram` in `map`'),
    ("wrong_fpu_flag_value", 8, 5, 'missing `program_image` element in protection domain `test`'),
]

# Microkit accepts these for AArch64 (check_success, or rejected only on x86-64).
ACCEPTED = ["irq_arm_on_x86", "mr_prefill_no_size_valid", "mr_prefill_page_sized_valid",
            "mr_prefill_sized_valid", "pd_setvar_no_paddr", "pd_setvar_with_paddr"]


def _errors(stem: str) -> list[tuple[int, int, str]]:
    path = GOLDEN / f"{stem}.system"
    system, diagnostics = load_sdf(path, [PREFILLS])
    errors = [(d.span.line, d.span.col, d.message) for d in diagnostics
              if d.severity == "error"]
    assert all(d.span is not None and d.span.file == str(path) for d in diagnostics)
    assert (system is None) == bool(errors)
    return errors


@pytest.mark.parametrize("stem,line,col,message", REJECTED, ids=[r[0] for r in REJECTED])
def test_microkit_rejects_so_does_mkbuild(stem, line, col, message):
    errors = _errors(stem)
    assert any((ln, c) == (line, col) and m.startswith(message) for ln, c, m in errors), errors


@pytest.mark.parametrize("stem", ACCEPTED)
def test_microkit_accepts_so_does_mkbuild(stem):
    assert _errors(stem) == []


def test_every_golden_file_is_classified():
    classified = {r[0] for r in REJECTED} | set(ACCEPTED)
    assert {p.stem for p in GOLDEN.glob("*.system")} - classified == set()
