"""CAmkES's built-in configuration settings and the types attribute values must have.

A setting `inst.name = value` is either a declared attribute of the instance's
component, one of the settings below (for the instance, or for one of its
interfaces as `<interface>_<suffix>`), or something CAmkES templates may read
that mkbuild does not know; the last is kept with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from model.system import Dtb

# System-wide settings of mkbuild's kernel, written `mk.<name> = value;` in a configuration.
USER_PMU = "mk.user_pmu"   # EL0 may program the PMU, not just read the cycle counter
SYSTEM_SETTINGS: dict[str, str] = {USER_PMU: "bool"}
USER_PMU_WARNING = ("`mk.user_pmu` gives every thread full control of the performance "
                    "counters: any thread can stop the cycle counter for all and count "
                    "kernel-mode events (a side channel into the kernel); for benchmarking only")

# kind names: "int", "uint", "priority", "bool", "string", "badge", "dtb", "any"
INSTANCE_SETTINGS: dict[str, str] = {
    "priority": "priority",
    "_priority": "priority",
    "max_priority": "priority",
    "_max_priority": "priority",
    "_control_priority": "priority",
    "affinity": "uint",
    "_affinity": "uint",
    "cnode_size_bits": "cnode_bits",
    "_stack_size": "uint",
    "stack_size": "uint",
    "_control_stack_size": "uint",
    "heap_size": "uint",
    "_heap_size": "uint",
    "dma_pool": "uint",
    "dma_pool_paddr": "uint",
    "dma_pool_cached": "bool",
    "_domain": "uint",
    "domain": "uint",
    "_period": "uint",  # scheduling context (MCS) of the control thread, µs
    "_budget": "uint",
    "_data": "uint",
    "_size_bits": "uint",
    "_passive": "bool",
    "period": "uint",  # ... and of every thread of the instance without its own
    "budget": "uint",
    "data": "uint",
    "size_bits": "uint",
    "ID": "int",
    "integrity_label": "string",
    "simple": "bool",
    "dtb": "dtb",
    "environment": "string",
    "untyped_mmios": "any",
    "asid_pool": "bool",
    "mmio_paddr": "uint",
    "mmio_size": "uint",
}

INTERFACE_SETTINGS: dict[str, str] = {
    "_priority": "priority",
    "_max_priority": "priority",
    "_affinity": "uint",
    "_stack_size": "uint",
    "_domain": "uint",
    "_period": "uint",
    "_budget": "uint",
    "_data": "uint",
    "_size_bits": "uint",
    "_passive": "bool",
    "_attributes": "badge",
    "_badge": "badge",
    "_id": "int",
    "_paddr": "uint",
    "_size": "uint",
    "_shmem_size": "uint",
    "_irq_number": "uint",
    "_irq_type": "string",
    "_irq_trigger": "any",
    "_irq_vector": "uint",
    "_irq_ioapic": "uint",
    "_irq_ioapic_pin": "uint",
    "_irq_polarity": "any",
    "_irq_level": "any",
    "_access": "access",
    "_cached": "bool",
    "_hardware_cached": "bool",
    "_global_endpoint": "any",
    "_dtb": "dtb",
    "_value": "uint",  # initial count of a semaphore / binary semaphore
    "_generate_interrupts": "bool",
}

_POOL = re.compile(r"simple_untyped\d+_pool")


def setting_kind(name: str, interfaces: Iterable[str]) -> str | None:
    """The kind of a built-in setting `name` of an instance, or None if unknown."""
    if name in INSTANCE_SETTINGS:
        return INSTANCE_SETTINGS[name]
    if _POOL.fullmatch(name):
        return "uint"
    for iface in interfaces:
        if name.startswith(iface + "_") and name[len(iface):] in INTERFACE_SETTINGS:
            return INTERFACE_SETTINGS[name[len(iface):]]
    return None


_ONE_DOMAIN = "mkbuild's kernel has a single scheduling domain"
_FIXED_PRIORITY = ("threads cannot change priorities at run time (no TCB invocations for "
                   "that are given to components)")
_X86_IRQ = "an x86 interrupt setting: AArch64 boards route interrupts through the GIC"
_NO_UNTYPED = "components get no untyped memory or ASID pool: every object is made at boot"
_CACHING = "shared memory is always mapped cacheable, device registers never"
# Settings mkbuild knows but its kernel or layout cannot honour: suffix -> why.
# Accepted (CAmkES apps set them) with a warning that says so, never silently.
NOT_HONOURED: dict[str, str] = {
    "_domain": _ONE_DOMAIN, "domain": _ONE_DOMAIN,
    "max_priority": _FIXED_PRIORITY, "_max_priority": _FIXED_PRIORITY,
    "dma_pool_paddr": "the layout chooses the DMA pool's physical address",
    "integrity_label": "mkbuild checks `policy { ... }` blocks instead of integrity labels",
    "asid_pool": _NO_UNTYPED, "untyped_mmios": _NO_UNTYPED, "simple": _NO_UNTYPED,
    "mmio_paddr": _NO_UNTYPED, "mmio_size": _NO_UNTYPED,
    "_irq_type": _X86_IRQ, "_irq_vector": _X86_IRQ, "_irq_ioapic": _X86_IRQ,
    "_irq_ioapic_pin": _X86_IRQ, "_irq_polarity": _X86_IRQ, "_irq_level": _X86_IRQ,
    "_irq_trigger": "interrupt trigger modes come from the board file",
    "_cached": _CACHING, "_hardware_cached": _CACHING,
    "_global_endpoint": "seL4GlobalAsynch connections get their own notification",
}
# Settings honoured only at one value (what mkbuild does anyway): name -> (value, why not).
HONOURED_ONLY_AS: dict[str, tuple[Any, str]] = {
    "dma_pool_cached": (True, "the DMA pool is always mapped cacheable"),
    "environment": ("c", "components are C programs"),
}


def not_honoured(name: str, interfaces: Iterable[str], value: Any) -> str | None:
    """Why mkbuild cannot honour the built-in setting `name` = `value`, or None."""
    if _POOL.fullmatch(name):
        return _NO_UNTYPED
    suffix = name if name in INSTANCE_SETTINGS else next(
        (name[len(i):] for i in interfaces
         if name.startswith(i + "_") and name[len(i):] in INTERFACE_SETTINGS), name)
    if suffix in HONOURED_ONLY_AS:
        wanted, why = HONOURED_ONLY_AS[suffix]
        same = str(value).lower() == str(wanted).lower() or (
            isinstance(wanted, bool) and value == int(wanted))
        return None if same else why
    return NOT_HONOURED.get(suffix)


def setting_names(interfaces: Iterable[str]) -> list[str]:
    """Every built-in setting name an instance with these interfaces accepts."""
    names = list(INSTANCE_SETTINGS)
    for iface in interfaces:
        names += [iface + suffix for suffix in INTERFACE_SETTINGS]
    return names


def check_setting(kind: str, value: Any) -> str | None:
    """Why `value` is wrong for a setting of this kind, or None when it is fine."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if kind == "priority":
        if not is_int:
            return f"must be an integer priority, not {describe(value)}"
        if not 0 <= value <= 255:
            return f"priority {value} is out of range 0..255"
    elif kind == "cnode_bits":
        if not is_int:
            return f"must be an integer, not {describe(value)}"
        if not 1 <= value <= 27:
            return f"cnode_size_bits {value} is out of range 1..27"
    elif kind == "uint":
        if not is_int:
            return f"must be an integer, not {describe(value)}"
        if value < 0:
            return f"must not be negative (got {value})"
    elif kind == "int":
        if not is_int:
            return f"must be an integer, not {describe(value)}"
    elif kind == "bool":
        if not (isinstance(value, bool) or value in (0, 1)):
            return f"must be true or false, not {describe(value)}"
    elif kind == "string":
        if not isinstance(value, str):
            return f"must be a string, not {describe(value)}"
    elif kind == "badge":
        if isinstance(value, str):
            try:
                number = int(value, 0)
            except ValueError:
                return None  # e.g. an I/O port range "0x40:0x43", read by the templates
        elif is_int:
            number = value
        else:
            return f"must be a badge number, not {describe(value)}"
        if number < 0:
            return f"badge must not be negative (got {number})"
    elif kind == "access":
        if not (isinstance(value, str) and value.upper() in ("R", "W", "RW", "WR", "X", "RX",
                                                             "RWX")):
            return f"must be \"R\", \"W\" or \"RW\", not {describe(value)}"
    elif kind == "dtb":
        if not isinstance(value, Dtb):
            return f"must be a `dtb({{...}})` query, not {describe(value)}"
    return None


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:17] + "..."
        return f"the string \"{shown}\""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a dictionary"
    if isinstance(value, Dtb):
        return "a dtb query"
    return "this value"


# ---- declared attribute types -----------------------------------------------------

_INT_RANGES: dict[str, tuple[int, int]] = {
    "int8_t": (-(2**7), 2**7 - 1), "uint8_t": (0, 2**8 - 1),
    "int16_t": (-(2**15), 2**15 - 1), "uint16_t": (0, 2**16 - 1),
    "int32_t": (-(2**31), 2**31 - 1), "uint32_t": (0, 2**32 - 1),
    "int64_t": (-(2**63), 2**63 - 1), "uint64_t": (0, 2**64 - 1),
    "int": (-(2**31), 2**31 - 1), "integer": (-(2**31), 2**31 - 1),
    "signed": (-(2**31), 2**31 - 1), "signed int": (-(2**31), 2**31 - 1),
    "unsigned": (0, 2**32 - 1), "unsigned int": (0, 2**32 - 1),
    "short": (-(2**15), 2**15 - 1), "unsigned short": (0, 2**16 - 1),
    "long": (-(2**63), 2**63 - 1), "unsigned long": (0, 2**64 - 1),
    "long long": (-(2**63), 2**63 - 1), "unsigned long long": (0, 2**64 - 1),
    "long int": (-(2**63), 2**63 - 1), "unsigned long int": (0, 2**64 - 1),
    "size_t": (0, 2**64 - 1), "uintptr_t": (0, 2**64 - 1), "intptr_t": (-(2**63), 2**63 - 1),
    "seL4_Word": (0, 2**64 - 1), "seL4_CPtr": (0, 2**64 - 1), "dataport_ptr_t": (0, 2**64 - 1),
    "signed char": (-(2**7), 2**7 - 1), "unsigned char": (0, 2**8 - 1),
}
_FLOAT_TYPES = {"float", "double", "long double"}
_BOOL_TYPES = {"bool", "_Bool", "boolean"}


def check_scalar(type_name: str, value: Any) -> str | None:
    """Why `value` does not fit the C scalar type `type_name`; None if it fits
    or the type is not one mkbuild knows (a typedef from a C header)."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if type_name == "string":
        return None if isinstance(value, str) else f"expected a string, not {describe(value)}"
    if type_name == "char":
        if isinstance(value, str) and len(value) == 1:
            return None
        type_name = "signed char"
    if type_name in _INT_RANGES:
        if not is_int:
            return f"expected an integer ({type_name}), not {describe(value)}"
        low, high = _INT_RANGES[type_name]
        if not low <= value <= high:
            return f"{value} does not fit in {type_name} ({low}..{high})"
        return None
    if type_name in _FLOAT_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number ({type_name}), not {describe(value)}"
        return None
    if type_name in _BOOL_TYPES:
        if not (isinstance(value, bool) or value in (0, 1)):
            return f"expected true or false, not {describe(value)}"
    return None
